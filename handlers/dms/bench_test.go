package dms_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// The DMS benchmarks over real HTTPS on the loopback (the server and the
// clients share the machine), on a facility with 100,000 records:
//
//	go test ./handlers/dms -run '^$' -bench DMS -benchtime 1x -timeout 30m
//
// Latencies are the clients' (request sent to body read), so they include
// TLS and the client's own work: the server's time is less. The list at 20
// connections is loaded by wrk when it is installed (its own process, so
// the test process holds only the server), else by 20 Go clients here.

type lat []time.Duration

func (l lat) pct(p float64) time.Duration {
	s := slices.Clone(l)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// dmsBench is a server with a facility of n records over 1,000 patients.
type dmsBench struct {
	env    *handlertest.Env
	base   string
	region *handlertest.Region
	record string // one of the records
}

func newDMSBench(b *testing.B, n int) *dmsBench {
	b.Helper()
	env := newEnv(b, web.CertOff)
	r := handlertest.NewRegion(b, env)
	a := store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}
	var patients []string
	for i := range 1000 {
		p, err := env.DB.RegisterPatient(a, store.PatientForm{Name: fmt.Sprintf("患者 %d", i), NameKana: "カンジャ " + strings.Repeat("ア", 1+i%20),
			BirthDate: time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i*7).Format("2006-01-02"), Sex: "female"})
		if err != nil {
			b.Fatal(err, store.ErrorFields(err))
		}
		patients = append(patients, p.ID)
	}
	start := time.Now()
	if err := env.DB.CreateTestRecords(a, patients, n, 5000); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d records written in %v; file %.1f MiB", n, time.Since(start).Round(time.Millisecond), float64(env.DB.FileSize())/(1<<20))
	return &dmsBench{env: env, base: env.Listen(b), region: r, record: "R" + fmt.Sprintf("%06d", n/2)}
}

func (d *dmsBench) member(b *testing.B, name string) *handlertest.Role {
	return d.env.Role(b, d.base, name, d.region.MA.ID, handlertest.MemberPassword, nil)
}

// get requests path and returns how long it took.
func get(b *testing.B, r *handlertest.Role, path string) time.Duration {
	start := time.Now()
	res, err := r.Client.Get(r.Base + path)
	if err != nil {
		b.Error(err)
		return 0
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Errorf("%s: %d", path, res.StatusCode)
	}
	return time.Since(start)
}

// BenchmarkDMSList: /dms (first page, newest first) and a page further on
// at 20 connections for 5 s; a record page at one connection.
func BenchmarkDMSList(b *testing.B) {
	d := newDMSBench(b, 100_000)
	roles := make([]*handlertest.Role, 20)
	for i := range roles {
		roles[i] = d.member(b, "m"+strconv.Itoa(i))
	}
	_, haveWrk := exec.LookPath("wrk")
	for b.Loop() {
		for _, path := range []string{"/dms", "/dms?kind=lab", "/dms?before=R050000"} {
			if haveWrk == nil {
				// wrk in its own process: the test process holds only the
				// server, as on a clinic's machine.
				c := d.env.LoginAs(b, d.region.MA.ID, handlertest.MemberPassword)
				run := handlertest.Wrk(b, d.base+path, handlertest.WrkOptions{Conns: 20, Duration: 5 * time.Second, Cookie: c.CookieHeader()})
				b.Logf("%s at 20 connections (wrk): %d requests (%.0f/s), %s; load average %s",
					path, run.Requests, run.Rate, run.Percentiles(), loadAvg())
				if path == "/dms" {
					b.ReportMetric(ms(run.Pct["99"]), "ms-p99-list-20conns")
				}
				continue
			}
			var mu sync.Mutex
			var all lat
			var wg sync.WaitGroup
			cpu0 := cpuTime()
			stop := time.Now().Add(5 * time.Second)
			for _, r := range roles {
				wg.Go(func() {
					var mine lat
					for time.Now().Before(stop) {
						mine = append(mine, get(b, r, path))
					}
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
				})
			}
			wg.Wait()
			cpu := cpuTime() - cpu0
			b.Logf("%s at 20 connections: %d requests (%.0f/s), p50 %.2f ms, p99 %.2f ms; CPU (server and clients, TLS included) %.2f ms a request; load average %s",
				path, len(all), float64(len(all))/5, ms(all.pct(.5)), ms(all.pct(.99)), ms(cpu)/float64(len(all)), loadAvg())
			if path == "/dms" {
				b.ReportMetric(ms(all.pct(.99)), "ms-p99-list-20conns")
			}
		}
		one := roles[0]
		var page lat
		cpu0 := cpuTime()
		for range 2000 {
			page = append(page, get(b, one, "/dms/records/"+d.record))
		}
		b.Logf("record page, one connection: p50 %.2f ms, p99 %.2f ms (each view's audit line durable before the answer); CPU %.2f ms a request; load average %s",
			ms(page.pct(.5)), ms(page.pct(.99)), ms(cpuTime()-cpu0)/2000, loadAvg())
		b.ReportMetric(ms(page.pct(.5)), "ms-p50-record")
	}
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loadAvg is the machine's 1-minute load average (other processes share
// the 2 cores).
func loadAvg() string {
	data, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// procStatus reads fields of /proc/self/status in bytes.
func procStatus(b *testing.B) map[string]int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("RSS is measured on Linux only")
	}
	defer f.Close()
	out := map[string]int64{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.HasSuffix(v, " kB") {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64)
			out[k] = n << 10
		}
	}
	return out
}

func settle(b *testing.B) map[string]int64 {
	runtime.GC()
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	return procStatus(b)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// BenchmarkDMSAttachment: a 5 MB PDF posted with the record form and
// stored (durably) before the 303; then its download through the record
// page's link, alone and 20 at once, with the RSS they add.
func BenchmarkDMSAttachment(b *testing.B) {
	d := newDMSBench(b, 1000)
	r := d.member(b, "uploader")
	patient := ""
	page, _ := d.env.DB.ListRecords(store.PRSActor{MemberID: d.region.MA.ID, FacilityOID: d.region.FA.OID}, store.RecordQuery{Limit: 1})
	patient = page.Items[0].PatientID
	const size = 5 << 20
	post := func(seed uint64) (time.Duration, string) {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"_csrf": r.CSRF, "patient_id": patient, "kind": "imaging", "title": "CT", "recorded_on": "2026-03-01"} {
			_ = w.WriteField(k, v)
		}
		fw, _ := w.CreateFormFile("attachment", "CT画像.pdf")
		fw.Write(store.SamplePDF(size, seed))
		w.Close()
		req, _ := http.NewRequest("POST", r.Base+"/dms/records", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		client := *r.Client
		client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		took := time.Since(start)
		if res.StatusCode != 303 {
			b.Fatalf("upload: %d", res.StatusCode)
		}
		loc := res.Header.Get("Location")
		return took, loc[:strings.IndexByte(loc, '?')]
	}
	for b.Loop() {
		var ups lat
		var rec string
		cpu0 := cpuTime()
		for i := range 20 {
			var t time.Duration
			t, rec = post(uint64(100 + i))
			ups = append(ups, t)
		}
		b.Logf("5 MB upload through POST /dms/records (multipart over TLS, checked, stored, fsynced, 303): p50 %.1f ms, max %.1f ms; CPU %.1f ms an upload (client's PDF generation included); load average %s",
			ms(ups.pct(.5)), ms(ups.pct(1)), ms(cpuTime()-cpu0)/20, loadAvg())
		b.ReportMetric(ms(ups.pct(.5)), "ms-p50-upload-5MB")

		url := rec + "/attachments/1"
		dl := func(c *http.Client) {
			res, err := c.Get(r.Base + url)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.CopyBuffer(io.Discard, res.Body, make([]byte, 32<<10))
			res.Body.Close()
			if n != size {
				b.Errorf("download: %d bytes", n)
			}
		}
		before := settle(b)
		dl(r.Client)
		after := procStatus(b)
		cold := after["VmHWM"] - before["VmRSS"]
		before = settle(b)
		dl(r.Client)
		after = procStatus(b)
		warm := after["VmHWM"] - before["VmRSS"]
		b.Logf("one 5 MB download: extra RSS %.1f MiB first (%.2f × the file, mostly the file's pages mapped), %.1f MiB next", mib(cold), float64(cold)/size, mib(warm))
		b.ReportMetric(float64(cold)/size, "extra/size-first")
		before = settle(b)
		var wg sync.WaitGroup
		start := time.Now()
		for range 20 {
			wg.Go(func() { dl(r.Client) })
		}
		wg.Wait()
		after = procStatus(b)
		b.Logf("20 parallel 5 MB downloads: %v, RSS %.1f → peak %.1f MiB (whole process: server and clients)", time.Since(start).Round(time.Millisecond),
			mib(before["VmRSS"]), mib(after["VmHWM"]))
		b.ReportMetric(mib(after["VmHWM"]), "MiB-peak-20-downloads")
	}
}
