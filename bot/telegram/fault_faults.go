//go:build faults

package telegram

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

var faultHits atomic.Int64

// faultPoint kills the process, as kill -9 would, at the n-th pass through
// the point named in FOUNDERBOT_FAULT=<point>:<n> (only in -tags faults
// builds, for the crash tests).
func faultPoint(name string) {
	point, n, ok := strings.Cut(os.Getenv("FOUNDERBOT_FAULT"), ":")
	if !ok || point != name {
		return
	}
	want, err := strconv.ParseInt(n, 10, 64)
	if err != nil || faultHits.Add(1) != want {
		return
	}
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // never goes on after the kill
}
