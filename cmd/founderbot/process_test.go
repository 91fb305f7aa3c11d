package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Helpers for tests and benchmarks that run founderbot as its own process.

// startRedisServer starts a redis-server of the test's own on a free
// loopback port, without persistence, and returns its URL and a function
// that empties it. It skips the test when redis-server is not installed.
func startRedisServer(tb testing.TB) (url string, flush func()) {
	tb.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server is not installed (apt-get install redis-server)")
	}
	port := freePort(tb)
	dir := tb.TempDir()
	cmd := exec.Command(path, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "",
		"--appendonly", "no", "--dir", dir)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start redis-server: %v", err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	url = "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	opt, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opt)
	tb.Cleanup(func() { rdb.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		if time.Now().After(deadline) {
			tb.Fatalf("redis-server on port %d did not answer within 10s:\n%s", port, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return url, func() {
		if err := rdb.FlushAll(context.Background()).Err(); err != nil {
			tb.Fatalf("flush redis: %v", err)
		}
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// botProcess is founderbot running as its own process.
type botProcess struct {
	pid  int
	cmd  *exec.Cmd
	done chan error
	logs *syncBuffer
}

// startBotProcess runs bin with env added to this process's environment.
func startBotProcess(tb testing.TB, bin string, env map[string]string) *botProcess {
	tb.Helper()
	cmd := exec.Command(bin)
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	p := &botProcess{cmd: cmd, done: make(chan error, 1), logs: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	p.pid = cmd.Process.Pid
	go func() { p.done <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
	})
	return p
}

// stop asks the bot to stop (SIGTERM) and fails the test if it does not
// exit cleanly in time.
func (p *botProcess) stop(tb testing.TB) {
	tb.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		if err != nil {
			tb.Errorf("founderbot: %v; its log:\n%s", err, p.logs.String())
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		tb.Errorf("founderbot did not stop within 30s; its log:\n%s", p.logs.String())
	}
}

// cpu is the user plus system time the process used so far, from fields 14
// and 15 of /proc/<pid>/stat (clock ticks of 1/100 s on Linux).
func (p *botProcess) cpu(tb testing.TB) time.Duration {
	tb.Helper()
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(p.pid) + "/stat")
	if err != nil {
		tb.Fatalf("read process stat: %v", err)
	}
	// The command name (field 2) may hold spaces: count from its ")".
	fields := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	if len(fields) < 13 {
		tb.Fatalf("process stat has %d fields after the name", len(fields))
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("process stat: utime %q, stime %q", fields[11], fields[12])
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// switches is how often the process' threads gave up a core so far,
// waiting (voluntary) or preempted, summed over /proc/<pid>/task/*/status:
// the scheduler's wake-ups that CPU time alone hides.
func (p *botProcess) switches(tb testing.TB) int64 {
	tb.Helper()
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(p.pid) + "/task/*/status")
	if err != nil || len(tasks) == 0 {
		tb.Fatalf("list the process' threads: %v", err)
	}
	var n int64
	for _, path := range tasks {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // the thread ended meanwhile
		}
		for line := range strings.Lines(string(raw)) {
			name, rest, _ := strings.Cut(line, ":")
			if name == "voluntary_ctxt_switches" || name == "nonvoluntary_ctxt_switches" {
				v, _ := strconv.ParseInt(strings.TrimSpace(rest), 10, 64)
				n += v
			}
		}
	}
	return n
}

// procMemory reads a process' resident memory now (VmRSS) and at its peak
// (VmHWM), in MB, from /proc/<pid>/status.
func procMemory(pid int) (rssMB, hwmMB float64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, fmt.Errorf("read process status: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0, 0, fmt.Errorf("parse %s: %w", name, err)
		}
		if name == "VmRSS" {
			rssMB = kb / 1024
		} else {
			hwmMB = kb / 1024
		}
	}
	return rssMB, hwmMB, sc.Err()
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
