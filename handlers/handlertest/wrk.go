package handlertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"hotline/handlers/web"
)

// Load tests run wrk (a C load generator, in its own process, so the
// test process holds only the server) against a listening server.

// WrkRun is what wrk reported.
type WrkRun struct {
	Rate     float64 // requests a second
	Requests int
	// Pct maps "50", "75", "90", "99" to wrk's latency percentile.
	Pct map[string]time.Duration
	// ServerCPU is the CPU time this process (the server: handlers, TLS,
	// GC) used per request while wrk ran.
	ServerCPU time.Duration
	Text      string // wrk's whole output
}

// Percentiles is the run's percentiles as "p50=… p99=…".
func (r WrkRun) Percentiles() string {
	var out []string
	for _, p := range []string{"50", "75", "90", "99"} {
		if d, ok := r.Pct[p]; ok {
			out = append(out, "p"+p+"="+d.Round(10*time.Microsecond).String())
		}
	}
	if r.ServerCPU > 0 {
		out = append(out, "server CPU "+r.ServerCPU.Round(time.Microsecond).String()+"/request")
	}
	return strings.Join(out, " ")
}

// WrkOptions say how to load the server.
type WrkOptions struct {
	Conns    int
	Threads  int // 1 when 0
	Duration time.Duration
	Cookie   string            // the Cookie header, if any
	Headers  map[string]string // more headers
	Script   string            // a Lua script (its text), instead of one URL
}

var (
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|75|90|99)%\s+([0-9.]+)(us|ms|s)`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
)

// NeedWrk skips the test when wrk is not installed.
func NeedWrk(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("wrk"); err != nil {
		tb.Skip("wrk is not installed (Debian package wrk)")
	}
}

// Wrk loads url with o and fails the test on a wrk error or on answers
// other than 2xx and 3xx.
func Wrk(tb testing.TB, url string, o WrkOptions) WrkRun {
	tb.Helper()
	threads := max(o.Threads, 1)
	args := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(max(o.Conns, threads)),
		fmt.Sprintf("-d%ds", max(1, int(o.Duration.Seconds()))), "--latency"}
	if o.Cookie != "" {
		args = append(args, "-H", "Cookie: "+o.Cookie)
	}
	for k, v := range o.Headers {
		args = append(args, "-H", k+": "+v)
	}
	if o.Script != "" {
		f := filepath.Join(tb.TempDir(), "load.lua")
		if err := os.WriteFile(f, []byte(o.Script), 0o600); err != nil {
			tb.Fatal(err)
		}
		args = append(args, "-s", f)
	}
	defer web.TuneGC()()
	cpu0 := processCPU()
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	cpu := processCPU() - cpu0
	if err != nil {
		tb.Fatalf("wrk: %v\n%s", err, out)
	}
	run := WrkRun{Text: string(out), Pct: map[string]time.Duration{}}
	if strings.Contains(run.Text, "Non-2xx") {
		tb.Errorf("%s: answers other than 2xx and 3xx:\n%s", url, run.Text)
	}
	for _, m := range wrkPct.FindAllStringSubmatch(run.Text, -1) {
		f, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		run.Pct[m[1]] = time.Duration(f * float64(unit))
	}
	if m := wrkRate.FindStringSubmatch(run.Text); m != nil {
		run.Rate, _ = strconv.ParseFloat(m[1], 64)
	}
	if m := wrkRequests.FindStringSubmatch(run.Text); m != nil {
		run.Requests, _ = strconv.Atoi(m[1])
	}
	if run.Requests > 0 {
		run.ServerCPU = cpu / time.Duration(run.Requests)
	}
	return run
}

// processCPU is the CPU time (user and system) this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// CookieHeader is a Cookie header holding the client's cookies.
func (c *Client) CookieHeader() string {
	var out []string
	for k, v := range c.Cookies {
		out = append(out, k+"="+v)
	}
	return strings.Join(out, "; ")
}
