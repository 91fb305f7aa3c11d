package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the whole run to the file named
// by FOUNDERBOT_CPUPROFILE, if set, for `go tool pprof`: how the process
// spends its time under BenchmarkProcess. The returned func ends it.
func startCPUProfile(getenv func(string) string) (stop func(), err error) {
	path := getenv("FOUNDERBOT_CPUPROFILE")
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
