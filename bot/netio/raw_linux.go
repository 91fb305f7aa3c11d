package netio

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// rawConn is a socket read and written with raw system calls.
type rawConn struct {
	net.Conn
	rc syscall.RawConn
}

func wrap(c net.Conn) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	return &rawConn{Conn: c, rc: rc}
}

func (c *rawConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var errno syscall.Errno
	// rc.Read calls the function again once the socket is readable when
	// it returns false, and ends with the read deadline or Close.
	err := c.rc.Read(func(fd uintptr) bool {
		for {
			r, e := sysRead(fd, p)
			switch e {
			case syscall.EINTR:
				continue
			case syscall.EAGAIN:
				return false
			}
			n, errno = r, e
			return true
		}
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("read", errno)
	}
	if err != nil {
		return 0, c.opError("read", err)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (c *rawConn) Write(p []byte) (int, error) {
	var n int
	var errno syscall.Errno
	err := c.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			r, e := sysWrite(fd, p[n:])
			switch e {
			case 0:
				n += r
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // the socket's buffer is full: wait
			default:
				errno = e
				return true
			}
		}
		return true
	})
	if err == nil && errno != 0 {
		err = os.NewSyscallError("write", errno)
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

// CloseWrite shuts down the writing side, as *net.TCPConn's does:
// net/http's server does so before closing a connection it refused a
// request on, so that its answer is read before the close.
func (c *rawConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// opError is what net.Conn returns: callers tell timeouts and closed
// connections apart through it. RawConn's own errors (a deadline, Close)
// come as an *net.OpError of "raw-read" or "raw-write": their cause is
// kept, not the wrapping.
func (c *rawConn) opError(op string, err error) error {
	var raw *net.OpError
	if errors.As(err, &raw) {
		err = raw.Err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// SyscallConn is the socket's, except that reading through it first
// peeks without waking sysmon: go-redis' pool checks every pooled
// connection before a command by peeking (MSG_PEEK|MSG_DONTWAIT) through
// it with a system call of its own, which woke sysmon again (8 of 18
// context switches per update). Without a check, a pool left with
// connections Redis closed (a restart, a failover, its timeout) fails
// commands and transactions. Here an idle, open socket is answered
// without calling the reader (what its peek would have concluded); a
// closed or reset one with the error it would have reported; and one with
// bytes waiting is handed to the reader.
func (c *rawConn) SyscallConn() (syscall.RawConn, error) { return peekConn{c.rc}, nil }

type peekConn struct{ syscall.RawConn }

func (p peekConn) Read(f func(fd uintptr) bool) error {
	var waiting bool
	var err error
	cerr := p.RawConn.Control(func(fd uintptr) {
		for {
			n, e := sysPeek(fd)
			switch {
			case e == syscall.EINTR:
				continue
			case e == syscall.EAGAIN:
			case e != 0:
				err = os.NewSyscallError("recvfrom", e)
			case n == 0:
				err = io.EOF
			default:
				waiting = true
			}
			return
		}
	})
	if cerr != nil {
		return cerr
	}
	if err != nil || !waiting {
		return err
	}
	return p.RawConn.Read(f)
}
