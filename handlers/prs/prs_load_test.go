package prs_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"hotline/handlers"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestPRSLoad measures PRS on a large data set over real HTTPS, with the
// server's own request timings (its request log) and the clients' view:
//
//	go test ./handlers -run '^TestPRSLoad$' -v -timeout 30m -prs.load=/tmp/prs-100k.db
//
// The file is generated first when missing (-prs.load.n patients, default
// 100,000; see store.EnsurePRSDataset) and copied before the run, so runs
// are repeatable. It reports: start time on the data set; カナ prefix search
// (the live search fragment, one connection); the patient list page at
// -prs.load.conns connections; 漢字 substring search; registrations per
// second at -prs.load.conns connections; the file size. It asserts nothing
// about speed: a slow machine must not fail the tests.
var (
	flagPRSLoad       = flag.String("prs.load", "", "PRS load test data set (generated when missing)")
	flagPRSLoadN      = flag.Int("prs.load.n", 100000, "patients in a generated PRS load data set")
	flagPRSLoadConns  = flag.Int("prs.load.conns", 20, "concurrent connections in the PRS load test")
	flagPRSLoadTime   = flag.Duration("prs.load.duration", 10*time.Second, "length of each concurrent PRS load phase")
	flagPRSLoadWrk    = flag.Bool("prs.load.wrk", true, "use wrk (when installed) for the concurrent phases")
	flagPRSLoadBinary = flag.Bool("prs.load.binary", true, "also time the start of the built binary on the data set")
	flagPRSLoadPhases = flag.String("prs.load.phases", "search,list,register", "phases of the PRS load test to run")
)

// timingLog collects the server's request durations from its request log.
type timingLog struct {
	mu sync.Mutex
	d  []time.Duration
}

func (h *timingLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *timingLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *timingLog) WithGroup(string) slog.Handler            { return h }
func (h *timingLog) Handle(_ context.Context, r slog.Record) error {
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
	if strings.HasPrefix(path, "/prs") {
		h.mu.Lock()
		h.d = append(h.d, d)
		h.mu.Unlock()
	}
	return nil
}

func (h *timingLog) take() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.d
	h.d = nil
	return out
}

type latencies []time.Duration

func (l latencies) pct(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p)
	return s[i]
}

func (l latencies) String() string {
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v", len(l), l.pct(.5).Round(time.Microsecond),
		l.pct(.9).Round(time.Microsecond), l.pct(.99).Round(time.Microsecond), l.pct(1).Round(time.Microsecond))
}

// loadClient is one browser over real HTTPS with its own connection.
type loadClient struct {
	base string
	hc   *http.Client
	csrf string
}

var loadCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (lc *loadClient) Do(method, path string, form url.Values, headers map[string]string) (int, string, error) {
	var body io.Reader
	if form != nil {
		if form.Get("_csrf") == "" {
			form.Set("_csrf", lc.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, lc.base+path, body)
	if err != nil {
		return 0, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := lc.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if m := loadCSRF.FindSubmatch(data); m != nil {
		lc.csrf = string(m[1])
	}
	return res.StatusCode, string(data), err
}

func TestPRSLoad(t *testing.T) {
	if *flagPRSLoad == "" {
		t.Skip("use -prs.load=FILE to run the PRS load test (see the comment)")
	}
	// The data set, generated when missing, then copied.
	if _, err := os.Stat(*flagPRSLoad); err != nil {
		db, _, _, err := store.EnsurePRSDataset(*flagPRSLoad, *flagPRSLoadN, 1, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
	}
	path := filepath.Join(t.TempDir(), "load.db")
	copyFile(t, *flagPRSLoad, path)
	if *flagPRSLoadBinary {
		binaryStart(t, path)
	}

	// Start time: open the file, build the server, serve a first page.
	startAt := time.Now()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	openTime := time.Since(startAt)
	t.Cleanup(func() { db.Close() })
	timings := &timingLog{}
	srv, err := handlers.New(handlers.Config{DB: db, CertMode: web.CertOff, Logger: slog.New(timings)})
	if err != nil {
		t.Fatal(err)
	}
	env := &handlertest.Env{T: t, DB: db, Server: srv}
	base := env.Listen(t)
	pemCA, err := db.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	newClient := func() *loadClient {
		jar, _ := cookiejar.New(nil)
		return &loadClient{base: base, hc: &http.Client{Jar: jar, Timeout: time.Minute,
			Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	}
	first := newClient()
	if st, _, err := first.Do("GET", "/login", nil, nil); err != nil || st != 200 {
		t.Fatalf("first page: %d %v", st, err)
	}
	startTime := time.Since(startAt)

	members, _ := db.Members(func(m store.Member) bool { return m.Name == "データセット 医師" })
	if len(members) != 1 {
		t.Fatal("not a PRS data set (no データセット 医師)")
	}
	m := members[0]
	total, _ := db.CountPatients(m.FacilityOID)
	login := func(lc *loadClient) {
		if st, _, err := lc.Do("GET", "/login", nil, nil); err != nil || st != 200 {
			t.Fatalf("login page: %d %v", st, err)
		}
		if st, _, err := lc.Do("POST", "/login", url.Values{"id": {m.ID}, "password": {store.PRSDatasetPassword}}, nil); err != nil || st != 303 {
			t.Fatalf("login: %d %v", st, err)
		}
		lc.Do("GET", "/menu", nil, nil)
		if st, _, err := lc.Do("POST", "/prs/login", url.Values{"oid": {m.FacilityOID}, "password": {store.PRSDatasetFacilityPassword}}, nil); err != nil || st != 303 {
			t.Fatalf("unlock: %d %v", st, err)
		}
		lc.Do("GET", "/prs", nil, nil)
	}
	login(first)
	timings.take()
	t.Logf("data set: %d patients in facility %s; file %.1f MiB", total, m.FacilityOID, float64(db.FileSize())/(1<<20))
	t.Logf("start: store.Open %v, to first page served %v", openTime.Round(time.Microsecond), startTime.Round(time.Microsecond))

	htmx := map[string]string{"HX-Request": "true", "HX-Target": "patient-results", "HX-Current-URL": base + "/prs"}
	phase := func(name string) bool { return slices.Contains(strings.Split(*flagPRSLoadPhases, ","), name) }
	sequential := func(name string, n int, path func(i int) string, headers map[string]string) {
		if !phase("search") {
			return
		}
		var client latencies
		for i := 0; i < n; i++ {
			t0 := time.Now()
			st, body, err := first.Do("GET", path(i), nil, headers)
			client = append(client, time.Since(t0))
			if err != nil || st != 200 || !strings.Contains(body, "patient-summary") {
				t.Fatalf("%s %s: %d %v", name, path(i), st, err)
			}
		}
		t.Logf("%s (1 connection): server %v", name, latencies(timings.take()))
		t.Logf("%s (1 connection): client %v", name, client)
	}
	// Prefixes as people type them: 1 to 4 kana of common family names.
	prefixes := []string{"サ", "サト", "サトウ", "ヤ", "ヤマ", "ヤマダ", "タカハ", "ナカム", "ス", "スズキ", "イ", "イトウ",
		"ワタナ", "コバヤシ", "や", "やまも", "ﾀﾅｶ", "ﾊｾｶﾞﾜ", "オ", "オオタ", "ミウラ", "フジ", "キムラ", "ハヤシ"}
	sequential("カナ prefix search, live fragment", 2000, func(i int) string {
		return "/prs/patients?q=" + url.QueryEscape(prefixes[i%len(prefixes)])
	}, htmx)
	sequential("カナ prefix search, full page", 500, func(i int) string {
		return "/prs/patients?q=" + url.QueryEscape(prefixes[i%len(prefixes)])
	}, nil)
	sequential("漢字 substring search, common (山田)", 300, func(int) string { return "/prs/patients?q=" + url.QueryEscape("山田") }, htmx)
	sequential("漢字 substring search, rare (長谷川 翔太)", 100, func(int) string { return "/prs/patients?q=" + url.QueryEscape("長谷川 翔太") }, htmx)
	sequential("漢字 substring search, no match (scans all)", 100, func(int) string { return "/prs/patients?q=" + url.QueryEscape("該当者なし") }, htmx)
	sequential("生年月日 search", 300, func(i int) string {
		return "/prs/patients?q=" + url.QueryEscape(fmt.Sprintf("S%d.%d.%d", 10+i%50, 1+i%12, 1+i%28))
	}, htmx)
	sequential("カルテ番号 search", 300, func(i int) string { return "/prs/patients?q=" + url.QueryEscape(fmt.Sprintf("G1-%07d", 1+i*97)) }, htmx)

	conns := *flagPRSLoadConns
	clients := make([]*loadClient, conns)
	for i := range clients {
		clients[i] = newClient()
		login(clients[i])
	}
	timings.take()
	concurrent := func(name string, op func(w, i int, lc *loadClient) (bool, error)) (int, time.Duration) {
		var mu sync.Mutex
		var client latencies
		var okN, failN atomic.Int64
		deadline := time.Now().Add(*flagPRSLoadTime)
		t0 := time.Now()
		var wg sync.WaitGroup
		for w, lc := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine latencies
				for i := 0; time.Now().Before(deadline); i++ {
					s := time.Now()
					ok, err := op(w, i, lc)
					mine = append(mine, time.Since(s))
					if err != nil || !ok {
						failN.Add(1)
						if failN.Load() < 3 {
							t.Errorf("%s: %v", name, err)
						}
						continue
					}
					okN.Add(1)
				}
				mu.Lock()
				client = append(client, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed := time.Since(t0)
		t.Logf("%s (%d connections, %v): %d ok, %d failed, %.0f req/s", name, conns, elapsed.Round(time.Millisecond),
			okN.Load(), failN.Load(), float64(okN.Load())/elapsed.Seconds())
		t.Logf("%s: server %v", name, latencies(timings.take()))
		t.Logf("%s: client %v", name, client)
		return int(okN.Load()), elapsed
	}
	useWrk := *flagPRSLoadWrk
	if _, err := exec.LookPath("wrk"); err != nil {
		useWrk = false
	}
	before, _ := db.CountPatients(m.FacilityOID)
	var created int
	var elapsed time.Duration
	if useWrk {
		// wrk runs in its own process: the server's CPU is measured alone.
		u, _ := url.Parse(base)
		var cookie string
		for _, ck := range first.hc.Jar.Cookies(u) {
			cookie += ck.Name + "=" + ck.Value + "; "
		}
		if phase("list") {
			wrkRun(t, timings, "patient list page", base+"/prs/patients", conns, *flagPRSLoadTime, cookie, "")
		}
		if !phase("register") {
			return
		}
		created, elapsed = wrkRun(t, timings, "registration (durable, db.Batch)", base+"/prs/patients", conns, *flagPRSLoadTime, cookie,
			loadRegistrationScript(first.csrf, cookie))
		after, _ := db.CountPatients(m.FacilityOID)
		if after-before < created {
			t.Errorf("acknowledged %d registrations, stored %d", created, after-before)
		}
		t.Logf("registrations: %d acknowledged (%d stored, requests still in flight when wrk stopped included) in %v = %.0f durable creates/s",
			created, after-before, elapsed.Round(time.Millisecond), float64(created)/elapsed.Seconds())
	} else {
		concurrent("patient list page", func(_, _ int, lc *loadClient) (bool, error) {
			st, body, err := lc.Do("GET", "/prs/patients", nil, nil)
			return st == 200 && strings.Contains(body, "patient-row"), err
		})
		created, elapsed = concurrent("registration (durable, db.Batch)", func(w, i int, lc *loadClient) (bool, error) {
			form := loadRegistration(i*conns + w)
			form.Set("chart_number", fmt.Sprintf("L%d-%d-%d", rand.IntN(1<<30), w, i))
			st, body, err := lc.Do("POST", "/prs/patients", form, nil)
			if err == nil && st != 303 {
				err = fmt.Errorf("%d %s", st, handlertest.Snippet(body))
			}
			return st == 303, err
		})
		after, _ := db.CountPatients(m.FacilityOID)
		if after-before != created {
			t.Errorf("acknowledged %d registrations, stored %d", created, after-before)
		}
		t.Logf("registrations: %d acknowledged and stored in %v = %.0f durable creates/s", created, elapsed.Round(time.Millisecond), float64(created)/elapsed.Seconds())
	}
	if phase("register") {
		// The newest registrations are the run's: varied names, birth dates
		// after the data set's, each checked for likely duplicates.
		page, err := db.SearchPatients(store.PRSActor{MemberID: m.ID, FacilityOID: m.FacilityOID}, store.PatientQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		kana := map[string]bool{}
		for _, p := range page.Patients {
			kana[p.NameKana] = true
			if p.BirthDate.Before(store.GeneratedBirthDatesEnd) {
				t.Errorf("registered %s born %s, within the data set's birth dates", p.ID, p.BirthDateString())
			}
		}
		if len(page.Patients) < 50 || len(kana) < 40 {
			t.Errorf("the last %d registrations have %d different readings", len(page.Patients), len(kana))
		}
	}
	t.Logf("file after the run: %.1f MiB", float64(db.FileSize())/(1<<20))
}

// loadRegistration is the i-th registration of the load test, as a
// member types it: no confirm_duplicate, so each one runs the
// likely-duplicate check. The names are the generator's, so the check
// finds as many namesakes as in the data set, and no registration is a
// likely duplicate: the birth dates come after the generator's last one
// (store.GeneratedBirthDatesEnd), and within the run a name gets a new
// birth date each time the names come round again.
func loadRegistration(i int) url.Values {
	name, kana, sex := store.GeneratedName(i)
	birth := store.GeneratedBirthDatesEnd.AddDate(0, 0, (i/store.GeneratedNames())%loadBirthDays)
	return url.Values{"name": {name}, "name_kana": {kana}, "birth_date": {birth.Format("2006-01-02")}, "sex": {string(sex)},
		"insurer_number": {"01130012"}, "insured_symbol": {"12"}, "insured_number": {"345"}, "postal": {"100-0001"},
		"address": {"東京都千代田区千代田1-1"}, "phone": {"03-1234-5678"}}
}

// loadBirthDays is how many birth dates loadRegistration spreads over
// (all in the past).
const loadBirthDays = 600

// loadRegistrationScript is loadRegistration as a wrk script: request i
// (one wrk thread, so one counter) posts the same form, with a fresh
// カルテ番号.
func loadRegistrationScript(csrf, cookie string) string {
	var names strings.Builder
	for i := 0; i < store.GeneratedNames(); i++ {
		name, kana, sex := store.GeneratedName(i)
		fmt.Fprintf(&names, "  {%q, %q, %q},\n", url.QueryEscape(name), url.QueryEscape(kana), sex)
	}
	first := store.GeneratedBirthDatesEnd
	fixed := url.Values{"_csrf": {csrf}, "insurer_number": {"01130012"}, "insured_symbol": {"12"}, "insured_number": {"345"},
		"postal": {"100-0001"}, "address": {"東京都千代田区千代田1-1"}, "phone": {"03-1234-5678"}}.Encode()
	return fmt.Sprintf(`names = {
%s}
counter = 0
request = function()
  local i = counter
  counter = counter + 1
  local n = names[(i %% #names) + 1]
  -- noon, so that no clock change moves the day
  local birth = os.date("%%Y-%%m-%%d", os.time{year = %d, month = %d, day = %d + math.floor(i / #names) %% %d, hour = 12})
  local body = "%s&name=" .. n[1] .. "&name_kana=" .. n[2] .. "&sex=" .. n[3] .. "&birth_date=" .. birth ..
    "&chart_number=W" .. math.random(1, 1000000000) .. "-" .. counter
  return wrk.format("POST", "/prs/patients", {["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = %q}, body)
end
`, names.String(), first.Year(), int(first.Month()), first.Day(), loadBirthDays, fixed, cookie)
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in ([0-9.]+)(us|ms|s|m)`)
	wrkBad      = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	wrkErrors   = regexp.MustCompile(`Socket errors: .*`)
	wrkPct      = regexp.MustCompile(`(?m)^\s+(50|75|90|99)%\s+(\S+)`)
)

// wrkRun runs wrk against u (a GET, or the requests of a Lua script) and
// reports its latency distribution, the server's own request times and
// the server's CPU time per request. It returns the good responses and
// the time taken.
func wrkRun(t *testing.T, timings *timingLog, name, u string, conns int, d time.Duration, cookie, script string) (int, time.Duration) {
	t.Helper()
	args := []string{"-t1", fmt.Sprintf("-c%d", conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency", "-H", "Cookie: " + cookie}
	if script != "" {
		f := filepath.Join(t.TempDir(), "load.lua")
		if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "-s", f)
	}
	args = append(args, u)
	timings.take()
	cpu0 := cpuTime()
	out, err := exec.Command("wrk", args...).CombinedOutput()
	cpu := cpuTime() - cpu0
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	text := string(out)
	m := wrkRequests.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("wrk output:\n%s", text)
	}
	var n int
	var secs float64
	fmt.Sscan(m[1], &n)
	fmt.Sscan(m[2], &secs)
	switch m[3] {
	case "us":
		secs /= 1e6
	case "ms":
		secs /= 1e3
	case "m":
		secs *= 60
	}
	bad := 0
	if b := wrkBad.FindStringSubmatch(text); b != nil {
		fmt.Sscan(b[1], &bad)
		t.Errorf("%s: %d responses other than 2xx/3xx", name, bad)
	}
	if e := wrkErrors.FindString(text); e != "" {
		t.Logf("%s: wrk %s", name, e)
	}
	var pcts []string
	for _, p := range wrkPct.FindAllStringSubmatch(text, -1) {
		pcts = append(pcts, "p"+p[1]+"="+p[2])
	}
	server := latencies(timings.take())
	elapsed := time.Duration(secs * float64(time.Second))
	t.Logf("%s (wrk, %d connections, %v): %d responses, %.0f req/s", name, conns, elapsed.Round(time.Millisecond), n, float64(n)/secs)
	t.Logf("%s: client (wrk) %s", name, strings.Join(pcts, " "))
	t.Logf("%s: server %v", name, server)
	if len(server) > 0 {
		t.Logf("%s: server CPU %v per request (%v over the run, %d requests)", name, (cpu / time.Duration(len(server))).Round(time.Microsecond),
			cpu.Round(time.Millisecond), len(server))
	}
	return n - bad, elapsed
}

// binaryStart builds hotline and times `hotline serve` on a copy of the
// data set until it answers its first HTTPS request.
func binaryStart(t *testing.T, dataset string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "hotline")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	db := filepath.Join(dir, "start.db")
	copyFile(t, dataset, db)
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	for run := 0; run < 3; run++ {
		cmd := exec.Command(bin, "serve", "--db", db, "--client-cert", "off", "--http-addr", "",
			"--addr", fmt.Sprintf("127.0.0.1:%d", port))
		cmd.Env = append(os.Environ(), "HOTLINE_OPERATOR_PASSWORD=load-Test-operator-2345")
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var up time.Duration
		for time.Since(t0) < 60*time.Second {
			res, err := client.Get(fmt.Sprintf("https://localhost:%d/login", port))
			if err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					up = time.Since(t0)
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if up == 0 {
			t.Fatal("hotline serve did not answer within 60 s")
		}
		t.Logf("start of the binary on the data set (run %d, warm page cache): first HTTPS page after %v", run+1, up.Round(time.Millisecond))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	// On disk before the clock starts: the first commit must not pay for
	// writing out the copy.
	if err := out.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
