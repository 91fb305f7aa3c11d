//go:build race

package netio

import (
	"runtime"
	"unsafe"
)

// The race detector does not see what a raw system call reads or writes;
// syscall.Read and Write tell it, and so does this.
func raceWrite(p []byte) {
	if len(p) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&p[0]), len(p))
	}
}

func raceRead(p []byte) {
	if len(p) > 0 {
		runtime.RaceReadRange(unsafe.Pointer(&p[0]), len(p))
	}
}
