package drugs_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestDrugFragmentLoad measures the live search's fragment (GET /drugs?q=
// with HX-Request) over real HTTPS on the real list, at -drugs.load.conns
// connections with keep-alive, with wrk in its own process:
//
//	go test ./handlers/drugs -run '^TestDrugFragmentLoad$' -v -drugs.load=15s
//
// Each request is the next of a mix of search texts (kana prefixes in
// every width, substrings, digits with units, kanji, one with no match).
// It reports wrk's latency distribution, the server's own request times
// (its request log) and its CPU time per request (the test process is the
// server; wrk runs apart), and asserts nothing about speed. Client
// certificates are off: wrk presents none; the TLS handshake and the
// session check are the production ones.
var (
	flagDrugLoad      = flag.Duration("drugs.load", 0, "length of the drug fragment load test (0: skipped)")
	flagDrugLoadConns = flag.Int("drugs.load.conns", 20, "connections of the drug fragment load test")
)

// loadQueries are the search texts the load test cycles through.
var loadQueries = []string{"ロキソ", "ろきそ", "ﾛｷｿ", "アムロジピン", "あむろ", "ｱﾑﾛｼﾞﾋﾟﾝ", "６０ｍｇ", "60mg", "5mg", "錠",
	"塩酸塩", "プレドニゾロン", "ぷれど", "メトホルミン", "カルボシステイン", "アセトアミノフェン", "酸化マグネシウム", "インスリン",
	"リドカイン", "生理食塩", "ヘパリン", "バルサルタン", "オルメサルタン", "ファモチジン", "ランソプラゾール", "テープ", "軟膏", "存在しない薬"}

// serverTimes collects the request log's durations of /drugs requests.
type serverTimes struct {
	mu sync.Mutex
	d  []time.Duration
}

func (h *serverTimes) Enabled(context.Context, slog.Level) bool { return true }
func (h *serverTimes) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *serverTimes) WithGroup(string) slog.Handler            { return h }
func (h *serverTimes) Handle(_ context.Context, r slog.Record) error {
	var path string
	var d time.Duration
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case "path":
			path = a.Value.String()
		case "duration":
			d = a.Value.Duration()
		}
		return true
	})
	if strings.HasPrefix(path, "/drugs") {
		h.mu.Lock()
		h.d = append(h.d, d)
		h.mu.Unlock()
	}
	return nil
}

func (h *serverTimes) take() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.d
	h.d = nil
	return out
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)].Round(time.Microsecond)
}

func TestDrugFragmentLoad(t *testing.T) {
	if *flagDrugLoad == 0 {
		t.Skip("use -drugs.load=15s to run the drug fragment load test (see the comment)")
	}
	handlertest.NeedWrk(t)
	list := sharedDataFile(t, "mhlw-yakka-20250716.csv")
	times := &serverTimes{}
	env := handlertest.NewWithLog(t, web.CertOff, func(c handlertest.Config) (handlertest.Server, error) {
		return handlers.New(handlers.Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger})
	}, slog.New(times))
	data, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := env.DB.ImportDrugs([]store.DrugFile{{Name: filepath.Base(list), R: bytes.NewReader(data)}}, store.DrugImportOptions{Actor: "system"})
	if err != nil {
		t.Fatal(err)
	}
	base := env.Listen(t)
	m := env.AddMember(t, "負荷 試験", memberPassword)
	c := env.LoginAs(t, m.ID, memberPassword)
	var cookie []string
	for k, v := range c.Cookies {
		cookie = append(cookie, k+"="+v)
	}
	var paths []string
	for _, q := range loadQueries {
		paths = append(paths, fmt.Sprintf("%q", "/drugs?q="+url.QueryEscape(q)))
	}
	script := `paths = {` + strings.Join(paths, ",") + `}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], {["HX-Request"] = "true", ["HX-Target"] = "drug-results", ["Cookie"] = "` + strings.Join(cookie, "; ") + `"})
end
`
	o := handlertest.WrkOptions{Conns: *flagDrugLoadConns, Duration: 2 * time.Second, Script: script}
	// Warm up (the index is built, connections made), then measure.
	handlertest.Wrk(t, base+"/drugs", o)
	times.take()
	o.Duration = *flagDrugLoad
	run := handlertest.Wrk(t, base+"/drugs", o)
	server := times.take()
	t.Logf("drugs: %d in the master; %d search texts", sum.Master.Total, len(loadQueries))
	t.Logf("fragment over TLS, %d connections: %.0f req/s", *flagDrugLoadConns, run.Rate)
	t.Logf("client (wrk): %s", run.Percentiles())
	t.Logf("server: n=%d p50=%v p90=%v p99=%v max=%v", len(server), pct(server, .5), pct(server, .9), pct(server, .99), pct(server, 1))
}

// sharedDataFile finds a reference data file: $HOTLINE_SHARED_DATA, or
// shared/data beside the checkout (walking up from the test's directory).
// Without it the test skips, saying why, unless CI is set: then it fails.
func sharedDataFile(tb testing.TB, name string) string {
	tb.Helper()
	if dir := os.Getenv("HOTLINE_SHARED_DATA"); dir != "" {
		if p := filepath.Join(dir, name); fileExists(p) {
			return p
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if p := filepath.Join(dir, "shared", "data", name); fileExists(p) {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("reference data %s not found; CI needs it", name)
	}
	tb.Skipf("reference data %s not found (set HOTLINE_SHARED_DATA or put shared/data beside the checkout)", name)
	return ""
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// BenchmarkDrugFragment is the live search's answer in process, without
// the network: session check, search and render of one page of 30.
//
//	go test ./handlers/drugs -run '^$' -bench BenchmarkDrugFragment -benchmem
func BenchmarkDrugFragment(b *testing.B) {
	list := sharedDataFile(b, "mhlw-yakka-20250716.csv")
	env := newEnv(b, web.CertOff)
	data, err := os.ReadFile(list)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := env.DB.ImportDrugs([]store.DrugFile{{Name: filepath.Base(list), R: bytes.NewReader(data)}}, store.DrugImportOptions{Actor: "system"}); err != nil {
		b.Fatal(err)
	}
	m := env.AddMember(b, "負荷 試験", memberPassword)
	c := env.LoginAs(b, m.ID, memberPassword)
	c.Headers["HX-Request"] = "true"
	paths := make([]string, len(loadQueries))
	for i, q := range loadQueries {
		paths[i] = "/drugs?q=" + url.QueryEscape(q)
	}
	size := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res := c.Get(paths[i%len(paths)])
		if res.Status != 200 {
			b.Fatalf("%s: %d", paths[i%len(paths)], res.Status)
		}
		size += len(res.Body)
	}
	b.ReportMetric(float64(size)/float64(b.N), "bytes/answer")
}
