//go:build !faults

package telegram

// faultPoint marks a place where a test build (-tags faults) can crash
// the process; in a normal build it does nothing.
func faultPoint(string) {}
