package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hotline/store"
)

// The soak: mixed load against the real binary for a while — public pages
// and the inquiry form, member pages, patient searches, pages and
// registrations in 患者様登録ソフト, the operator's audit search, CSV
// export and backup download, logins and logouts — with scheduled backups
// running meanwhile. It must answer every request as expected, and after
// the load the process must be back where it started: goroutines (from the
// operator-only /admin/health), threads and resident memory (from
// /proc/PID/status; the bound applies to the anonymous part, since the
// memory-mapped database grows with the data) are sampled before, during
// and after.
//
//	go test -run TestSoak -soak=5m .      (or: just soak 5m)
//
// Without -soak the test is skipped.
var soakFor = flag.Duration("soak", 0, "run TestSoak for this long (e.g. 5m)")

// soakSample is the process state at one moment.
type soakSample struct {
	at         time.Duration
	goroutines int
	threads    int
	// rssKB is the whole resident set; anonKB the part that is not file
	// pages. The database is memory-mapped, so the file part grows with
	// the data the load writes and reads; the anonymous part is the
	// process's own memory.
	rssKB, anonKB int64
	heapMB        float64
}

func TestSoak(t *testing.T) {
	if *soakFor <= 0 {
		t.Skip("soak runs only with -soak=DURATION (e.g. go test -run TestSoak -soak=5m .)")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "soak.db")
	backupDir := filepath.Join(dir, "backups")
	member, opCert, memberCert := opsPrepare(t, db)
	every := min(time.Minute, max(*soakFor/5, 5*time.Second))
	srv := opsStart(t, bin, db, true, "--client-cert", "required", "--backup-dir", backupDir,
		"--backup-every", every.String(), "--backup-keep", "3")

	monitor := opsHTTPClient(opCert)
	opsLogin(t, monitor, srv.base, "admin", opsOperatorPassword)
	start := time.Now()
	sample := func() soakSample {
		s := soakSample{at: time.Since(start).Round(time.Second)}
		res, err := monitor.Get(srv.base + "/admin/health")
		if err == nil {
			var h struct {
				Goroutines     int    `json:"goroutines"`
				HeapAllocBytes uint64 `json:"heap_alloc_bytes"`
				DBOpenReadTx   int    `json:"db_open_read_tx"`
			}
			_ = json.NewDecoder(res.Body).Decode(&h)
			res.Body.Close()
			s.goroutines, s.heapMB = h.Goroutines, float64(h.HeapAllocBytes)/(1<<20)
		}
		s.rssKB, s.anonKB, s.threads = procStatusOf(srv.pid())
		return s
	}
	// Let start-up settle (the first scheduled backup, TLS session caches).
	time.Sleep(2 * time.Second)
	monitor.CloseIdleConnections()
	before := sample()
	samples := []soakSample{before}

	var (
		requests atomic.Int64
		errs     atomic.Int64
		mu       sync.Mutex
		firstErr []string
		lat      []time.Duration
		counts   = map[string]int{}
	)
	record := func(kind string, took time.Duration, err error) {
		requests.Add(1)
		mu.Lock()
		defer mu.Unlock()
		counts[kind]++
		lat = append(lat, took)
		if err != nil {
			errs.Add(1)
			if len(firstErr) < 10 {
				firstErr = append(firstErr, kind+": "+err.Error())
			}
		}
	}
	// expect fetches u and checks the status (and a fragment of the body).
	expect := func(c *http.Client, kind, method, u string, form url.Values, status int, contains string) string {
		t0 := time.Now()
		var res *http.Response
		var err error
		if method == http.MethodPost {
			res, err = c.PostForm(u, form)
		} else {
			res, err = c.Get(u)
		}
		var body []byte
		if err == nil {
			body, err = io.ReadAll(res.Body)
			res.Body.Close()
			if err == nil && res.StatusCode != status {
				err = fmt.Errorf("%s %s: status %d, want %d", method, u, res.StatusCode, status)
			}
			if err == nil && contains != "" && !strings.Contains(string(body), contains) {
				err = fmt.Errorf("%s %s: body lacks %q", method, u, contains)
			}
		}
		record(kind, time.Since(t0), err)
		return string(body)
	}

	deadline := time.Now().Add(*soakFor)
	var wg sync.WaitGroup
	worker := func(fn func(rng *rand.Rand)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for time.Now().Before(deadline) {
				fn(rng)
			}
		}()
	}
	var clients []*http.Client
	newClient := func(cert bool, as string) *http.Client {
		var c *http.Client
		switch as {
		case "admin":
			c = opsHTTPClient(opCert)
			opsLogin(t, c, srv.base, "admin", opsOperatorPassword)
		case "member":
			c = opsHTTPClient(memberCert)
			opsLogin(t, c, srv.base, member.ID, opsMemberPassword)
		default:
			c = opsHTTPClient(nil)
		}
		clients = append(clients, c)
		return c
	}
	assetRE := regexp.MustCompile(`href="(/static/css/app\.[0-9a-f]+\.css)"`)
	_, top, _, _ := opsGet(newClient(false, ""), srv.base+"/")
	asset := assetRE.FindStringSubmatch(top)[1]

	// Visitors: public pages and the inquiry form (writes).
	for i := 0; i < 3; i++ {
		c := newClient(false, "")
		_, _, token, _ := opsGet(c, srv.base+"/inquiry")
		n := 0
		worker(func(rng *rand.Rand) {
			n++
			switch rng.IntN(6) {
			case 0:
				expect(c, "public page", http.MethodGet, srv.base+"/", nil, 200, "利用申込")
			case 1:
				expect(c, "public page", http.MethodGet, srv.base+"/guide/certificate", nil, 200, "証明書")
			case 2:
				expect(c, "static file", http.MethodGet, srv.base+asset, nil, 200, "")
			case 3:
				expect(c, "public page", http.MethodGet, srv.base+"/inquiry", nil, 200, "問合せフォーム")
			default:
				expect(c, "inquiry (write)", http.MethodPost, srv.base+"/inquiry", url.Values{"_csrf": {token}, "name": {"負荷 試験"},
					"email": {"soak@example.jp"}, "subject": {fmt.Sprintf("soak %d", n)}, "body": {"負荷試験の問合せです。"}}, 303, "")
			}
		})
	}
	// Members: their pages, and 患者様登録ソフト — kana searches, patient
	// pages, registrations (writes).
	kana := []string{"ア", "カ", "サ", "タ", "ナ", "ハ", "マ", "ヤ", "ラ", "ワ", "タイ", "シケ"}
	for i := 0; i < 2; i++ {
		c := newClient(true, "member")
		_, _, token, _ := opsGet(c, srv.base+"/prs/login")
		if status, _, err := opsPost(c, srv.base+"/prs/login", url.Values{"_csrf": {token}, "oid": {member.FacilityOID}, "password": {opsMemberPassword}}); err != nil || status != 303 {
			t.Fatalf("PRS unlock: %d %v", status, err)
		}
		var patients []string
		n := 0
		worker(func(rng *rand.Rand) {
			n++
			switch r := rng.IntN(10); {
			case r < 2:
				expect(c, "member page", http.MethodGet, srv.base+"/menu", nil, 200, "メニュー")
			case r < 3:
				expect(c, "member page", http.MethodGet, srv.base+"/profile", nil, 200, "")
			case r < 6:
				expect(c, "patient search", http.MethodGet, srv.base+"/prs/patients?q="+url.QueryEscape(kana[rng.IntN(len(kana))]), nil, 200, "")
			case r < 8 && len(patients) > 0:
				expect(c, "patient page", http.MethodGet, srv.base+"/prs/patients/"+patients[rng.IntN(len(patients))], nil, 200, "")
			default:
				t0 := time.Now()
				status, loc, err := opsPost(c, srv.base+"/prs/patients", url.Values{"_csrf": {token}, "name": {"負荷 試験"},
					"name_kana": {kana[rng.IntN(len(kana))] + "イ シケン"}, "birth_date": {"1970-04-01"}, "sex": {"female"},
					"chart_number": {fmt.Sprintf("S%d-%d", i, n)}, "confirm_duplicate": {"1"}})
				if err == nil && (status != 303 || !strings.HasPrefix(loc, "/prs/patients/")) {
					err = fmt.Errorf("patient registration: %d %q", status, loc)
				}
				if err == nil {
					patients = append(patients, strings.TrimPrefix(loc, "/prs/patients/"))
				}
				record("patient registration (write)", time.Since(t0), err)
			}
		})
	}
	// Operators: audit search (the search there is today), CSV export,
	// backup page and download.
	today := time.Now().In(store.Tokyo).Format("2006-01-02")
	for i := 0; i < 2; i++ {
		c := newClient(true, "admin")
		downloader := i == 0
		worker(func(rng *rand.Rand) {
			switch r := rng.IntN(40); {
			case r < 8:
				expect(c, "audit search", http.MethodGet, srv.base+"/admin/audit?action=inquiry.", nil, 200, "監査ログ")
			case r < 16:
				expect(c, "audit search", http.MethodGet, srv.base+"/admin/audit?actor=anonymous&from="+today, nil, 200, "監査ログ")
			case r < 22:
				page := expect(c, "audit search", http.MethodGet, srv.base+"/admin/audit", nil, 200, "ハッシュチェーンの検証：正常")
				if m := regexp.MustCompile(`before=(\d+)`).FindStringSubmatch(page); m != nil {
					expect(c, "audit search", http.MethodGet, srv.base+"/admin/audit?before="+m[1], nil, 200, "監査ログ")
				}
			case r < 30:
				expect(c, "operator page", http.MethodGet, srv.base+"/admin/backup", nil, 200, "バックアップ")
			case r < 36:
				expect(c, "operator page", http.MethodGet, srv.base+"/admin/health", nil, 200, "goroutines")
			case r < 38:
				expect(c, "audit CSV export", http.MethodGet, srv.base+"/admin/audit.csv?action=inquiry.", nil, 200, "連番")
			case downloader:
				t0 := time.Now()
				res, err := c.Get(srv.base + "/admin/backup/download")
				if err == nil {
					n, _ := io.Copy(io.Discard, res.Body)
					res.Body.Close()
					switch {
					case res.StatusCode == http.StatusConflict:
						// A scheduled backup was running: refused by design.
						mu.Lock()
						counts["backup download refused while another ran"]++
						mu.Unlock()
						return
					case res.StatusCode != 200 || strconv.FormatInt(n, 10) != res.Header.Get("Content-Length"):
						err = fmt.Errorf("download: %d, %d bytes of %s", res.StatusCode, n, res.Header.Get("Content-Length"))
					}
				}
				record("backup download", time.Since(t0), err)
			}
		})
	}
	// Logins and logouts: sessions come and go (Argon2id each time).
	worker(func(rng *rand.Rand) {
		c := opsHTTPClient(memberCert)
		t0 := time.Now()
		_, _, token, err := opsGet(c, srv.base+"/login")
		if err == nil {
			var status int
			var loc string
			status, loc, err = opsPost(c, srv.base+"/login", url.Values{"_csrf": {token}, "id": {member.ID}, "password": {opsMemberPassword}})
			if err == nil && (status != 303 || loc != "/menu") {
				err = fmt.Errorf("login: %d %q", status, loc)
			}
		}
		record("login", time.Since(t0), err)
		_, _, token, _ = opsGet(c, srv.base+"/menu")
		expect(c, "logout", http.MethodPost, srv.base+"/logout", url.Values{"_csrf": {token}}, 303, "")
		c.CloseIdleConnections()
		time.Sleep(time.Duration(500+rng.IntN(1000)) * time.Millisecond)
	})

	tick := max(*soakFor/10, time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(min(tick, time.Until(deadline)))
		samples = append(samples, sample())
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	// Idle: closed connections end, and fasthttp lets its idle workers go
	// 10–20 s after their last request. Settled when back near the start,
	// or after 30 s.
	var after soakSample
	for settle := time.Now().Add(30 * time.Second); ; {
		time.Sleep(2 * time.Second)
		monitor.CloseIdleConnections()
		after = sample()
		if after.goroutines <= before.goroutines+2 || time.Now().After(settle) {
			break
		}
	}
	samples = append(samples, after)

	srv.stop(t)
	if out, code := opsRun(t, bin, "check", "--db", db); code != 0 {
		t.Fatalf("hotline check after the soak:\n%s", out)
	}
	gens, _ := store.ListBackupGenerations(backupDir)

	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(float64(len(lat)-1)*p)].Round(100 * time.Microsecond) }
	peak := slices.MaxFunc(samples, func(a, b soakSample) int { return int(a.anonKB - b.anonKB) })
	var report strings.Builder
	fmt.Fprintf(&report, "soak %v: %d requests (%.0f/s), %d errors; latency p50 %v, p99 %v, max %v\n",
		*soakFor, requests.Load(), float64(requests.Load())/elapsed.Seconds(), errs.Load(), pct(0.5), pct(0.99), pct(1))
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		fmt.Fprintf(&report, "  %-45s %d\n", k, counts[k])
	}
	fmt.Fprintf(&report, "  %-8s %10s %8s %10s %13s %10s\n", "time", "goroutines", "threads", "RSS", "RSS (anon)", "heap")
	for _, s := range samples {
		fmt.Fprintf(&report, "  %-8v %10d %8d %7.1f MB %10.1f MB %7.1f MB\n", s.at, s.goroutines, s.threads,
			float64(s.rssKB)/1024, float64(s.anonKB)/1024, s.heapMB)
	}
	fmt.Fprintf(&report, "  backup generations kept: %d; database %s\n", len(gens), store.FormatBytes(fileSize(db)))
	t.Log("\n" + report.String())
	if path := os.Getenv("HOTLINE_SOAK_REPORT"); path != "" {
		_ = os.WriteFile(path, []byte(report.String()), 0o644)
	}

	if errs.Load() > 0 {
		t.Errorf("%d errors, first: %q", errs.Load(), firstErr)
	}
	if after.goroutines > before.goroutines+10 {
		t.Errorf("goroutines grew from %d to %d", before.goroutines, after.goroutines)
	}
	if after.threads > before.threads+10 {
		t.Errorf("threads grew from %d to %d", before.threads, after.threads)
	}
	// The process's own memory comes back near where it started; the
	// mapped database file may stay resident (the kernel reclaims it).
	if limit := max(2*before.anonKB, before.anonKB+100*1024); after.anonKB > limit || peak.anonKB > 512*1024 {
		t.Errorf("memory not bounded: anonymous RSS %d kB before, %d kB after, %d kB peak", before.anonKB, after.anonKB, peak.anonKB)
	}
	if len(gens) == 0 {
		t.Error("no scheduled backup was written during the soak")
	}
}

// procStatusOf reads VmRSS, RssAnon (kB) and Threads from
// /proc/PID/status.
func procStatusOf(pid int) (rssKB, anonKB int64, threads int) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		key, val, _ := strings.Cut(line, ":")
		fields := strings.Fields(val)
		if len(fields) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(fields[0], 10, 64)
		switch key {
		case "VmRSS":
			rssKB = n
		case "RssAnon":
			anonKB = n
		case "Threads":
			threads = int(n)
		}
	}
	return rssKB, anonKB, threads
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
