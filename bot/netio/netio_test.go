package netio_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/startgate/founderbot/bot/netio"
)

// pair returns both ends of a loopback connection on network, the
// dialed end wrapped.
func pair(t *testing.T, network string) (wrapped, peer net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = filepath.Join(t.TempDir(), "s")
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer, ok := <-accepted
	if !ok {
		t.Fatal("accept failed")
	}
	wrapped = netio.Wrap(c)
	t.Cleanup(func() { wrapped.Close(); peer.Close() })
	return wrapped, peer
}

func TestWrapOnlySockets(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if got := netio.Wrap(a); got != a {
		t.Errorf("Wrap(pipe) = %T; want the pipe itself", got)
	}
	for _, network := range []string{"tcp", "unix"} {
		c, _ := pair(t, network)
		_, raw := c.(*net.TCPConn)
		_, rawUnix := c.(*net.UnixConn)
		if runtime.GOOS == "linux" && (raw || rawUnix) {
			t.Errorf("%s: Wrap returned the %T itself on Linux", network, c)
		}
		if _, ok := c.(syscall.Conn); !ok {
			t.Errorf("%s: wrapped %T has no SyscallConn: go-redis could not check its pooled connections", network, c)
		}
	}
}

// TestEchoLarge sends more than the sockets' buffers hold each way, so
// that writes fill them and wait, and checks every byte arrives in order.
func TestEchoLarge(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			c, peer := pair(t, network)
			go func() { _, _ = io.Copy(peer, peer) }() // echo
			data := make([]byte, 8<<20)
			for i := range data {
				data[i] = byte(i*7 + i>>11)
			}
			deadline := time.Now().Add(10 * time.Second)
			_ = c.SetDeadline(deadline)
			werr := make(chan error, 1)
			go func() {
				n, err := c.Write(data)
				if err == nil && n != len(data) {
					err = io.ErrShortWrite
				}
				werr <- err
			}()
			h := sha256.New()
			buf := make([]byte, 3000) // smaller than a segment: reads split it
			got := 0
			for got < len(data) {
				n, err := c.Read(buf)
				if err != nil {
					t.Fatalf("read after %d bytes: %v", got, err)
				}
				h.Write(buf[:n])
				got += n
			}
			if err := <-werr; err != nil {
				t.Fatalf("write: %v", err)
			}
			if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) {
				t.Fatal("echoed bytes differ from those sent")
			}
		})
	}
}

func TestReadEOFAndEmpty(t *testing.T) {
	c, peer := pair(t, "tcp")
	if n, err := c.Read(nil); n != 0 || err != nil {
		t.Errorf("Read(nil) = %d, %v; want 0, nil", n, err)
	}
	if _, err := peer.Write([]byte("bye")); err != nil {
		t.Fatal(err)
	}
	peer.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "bye" {
		t.Errorf("ReadAll = %q, %v; want \"bye\", nil (EOF)", got, err)
	}
}

func TestReadDeadline(t *testing.T) {
	c, _ := pair(t, "tcp")
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := c.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past its deadline: %v; want a net.Error timing out", err)
	}
	var oe *net.OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		t.Errorf("Read's error %v is not a read *net.OpError", err)
	}
}

// TestWriteDeadline fills the socket's buffers (nobody reads the other
// end): the write then waits, and ends at its deadline with what it wrote.
func TestWriteDeadline(t *testing.T) {
	c, _ := pair(t, "tcp")
	_ = c.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
	chunk := make([]byte, 1<<20)
	total, calls := 0, 0
	var err error
	for err == nil && calls < 1000 {
		var n int
		n, err = c.Write(chunk)
		total += n
		calls++
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("writes into full buffers: %v after %d bytes; want a deadline error", err, total)
	}
	if total == 0 || total >= calls*len(chunk) {
		t.Errorf("%d bytes in %d writes of %d; want some written, the last write cut short", total, calls, len(chunk))
	}
}

func TestCloseEndsBlockedRead(t *testing.T) {
	c, _ := pair(t, "tcp")
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 10))
		done <- err
	}()
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Errorf("Read ended by Close: %v; want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a blocked Read")
	}
}

// TestWriteToResetPeer: a peer gone with a reset makes writes fail with
// the system's error, as net.Conn's do, and does not kill the process
// with SIGPIPE.
func TestWriteToResetPeer(t *testing.T) {
	c, peer := pair(t, "tcp")
	_ = peer.(*net.TCPConn).SetLinger(0) // close with RST
	peer.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		_, err = c.Write([]byte("anyone there?"))
		if err == nil {
			_, err = c.Read(make([]byte, 1))
		}
	}
	if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, syscall.EPIPE) {
		t.Fatalf("I/O to a reset peer: %v; want ECONNRESET or EPIPE", err)
	}
}

// TestListener: accepted connections are wrapped, and CloseWrite
// half-closes them as *net.TCPConn's does: the peer reads the answer,
// then EOF, and can still send.
func TestListener(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := netio.Listener(raw)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, plain := s.(*net.TCPConn); plain && runtime.GOOS == "linux" {
		t.Errorf("accepted %T; want it wrapped", s)
	}
	if _, err := s.Write([]byte("400 bad request")); err != nil {
		t.Fatal(err)
	}
	cw, ok := s.(interface{ CloseWrite() error })
	if !ok {
		t.Fatalf("accepted %T has no CloseWrite", s)
	}
	if err := cw.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_ = s.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "400 bad request" {
		t.Fatalf("peer read %q, %v; want the answer, then EOF", got, err)
	}
	if _, err := c.Write([]byte("ok")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(s, buf); err != nil || string(buf) != "ok" {
		t.Errorf("after CloseWrite the server read %q, %v; want the peer's bytes", buf, err)
	}
}

// TestSyscallConnPeeks: what go-redis' pool check sees through
// SyscallConn: nothing to report on an open idle socket (without calling
// its reader), its reader called when bytes wait, an error once the peer
// closed.
func TestSyscallConnPeeks(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the peek is Linux's")
	}
	c, peer := pair(t, "tcp")
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	called := 0
	reader := func(uintptr) bool { called++; return true }
	if err := rc.Read(reader); err != nil || called != 0 {
		t.Errorf("idle open socket: %v, reader called %d times; want nil, none", err, called)
	}
	if _, err := peer.Write([]byte("+PONG\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for called == 0 && time.Now().Before(deadline) {
		if err := rc.Read(reader); err != nil {
			t.Fatalf("socket with bytes waiting: %v", err)
		}
	}
	if called != 1 {
		t.Errorf("socket with bytes waiting: reader called %d times; want once", called)
	}
	buf := make([]byte, 7)
	if _, err := io.ReadFull(c, buf); err != nil { // the bytes are still there
		t.Fatal(err)
	}
	peer.Close()
	for err = nil; err == nil && time.Now().Before(deadline); {
		err = rc.Read(reader)
	}
	if !errors.Is(err, io.EOF) {
		t.Errorf("socket closed by the peer: %v; want io.EOF", err)
	}
}
