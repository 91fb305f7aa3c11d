// Package netio reads and writes the bot's TCP connections (to the Bot
// API and to Redis, and those its HTTP server accepts: Telegram's webhook
// posts) with plain non-blocking system calls, leaving waiting to the Go
// runtime's network poller as net.Conn does.
//
// Why: net.Conn enters every read and write through the runtime's syscall
// bookkeeping, whose first call after the process went idle wakes the
// runtime's monitor thread (sysmon); it then polls every 20 µs until the
// process is idle again. A bot at a steady trickle of updates goes idle
// between each of an update's 5-7 round trips, so that wake-up came with
// every one: about 60 % of the process's context switches and a sixth of
// its CPU (README, Performance). A read or write on a non-blocking socket
// never blocks, so it does not need that bookkeeping.
package netio

import "net"

// Wrap returns c reading and writing with non-blocking system calls when c
// is a TCP or Unix socket on Linux, and c itself otherwise (TLS wraps the
// result, not the other way round). Deadlines, Close and the other methods
// are c's; SyscallConn peeks without waking sysmon (rawConn.SyscallConn).
func Wrap(c net.Conn) net.Conn {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
		return wrap(c)
	}
	return c
}

// Listener wraps the connections l accepts.
func Listener(l net.Listener) net.Listener { return listener{l} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
