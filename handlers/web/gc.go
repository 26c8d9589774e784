package web

import (
	"os"
	"runtime/debug"
)

// The server's garbage collector settings, applied by main and by the load
// tests (so they measure the binary as it runs). With Go's default of
// GOGC=100 the collector took a tenth of a list page's CPU; at 200 it
// takes about half that (BENCHMARKS.md). The soft memory limit keeps the
// heap from growing past what a small server has to spare: near it the
// collector works harder instead. GOGC and GOMEMLIMIT in the environment
// win over both.
const (
	GCPercent   = 200
	MemoryLimit = 384 << 20
)

// TuneGC applies the settings unless the environment sets its own, and
// returns a function that restores the previous ones.
func TuneGC() (restore func()) {
	prevPct, prevLimit := -2, int64(-1)
	if os.Getenv("GOGC") == "" {
		prevPct = debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		prevLimit = debug.SetMemoryLimit(MemoryLimit)
	}
	return func() {
		if prevPct != -2 {
			debug.SetGCPercent(prevPct)
		}
		if prevLimit >= 0 {
			debug.SetMemoryLimit(prevLimit)
		}
	}
}
