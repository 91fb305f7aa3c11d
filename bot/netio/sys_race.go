//go:build linux && race

package netio

import "syscall"

// Under the race detector, syscall's own calls: they tell it what they
// read and write, and that data crossing a socket is synchronised, which
// raw calls do not (a test talking to an in-process server would report
// races). Speed does not matter there.

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) { return errno(syscall.Read(int(fd), p)) }

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) { return errno(syscall.Write(int(fd), p)) }

func sysPeek(fd uintptr) (int, syscall.Errno) {
	var b [1]byte
	n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	return errno(n, err)
}

func errno(n int, err error) (int, syscall.Errno) {
	if err == nil {
		return n, 0
	}
	e, ok := err.(syscall.Errno)
	if !ok {
		return n, syscall.EIO
	}
	return n, e
}
