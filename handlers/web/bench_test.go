package web

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// Memory and latency of attachments over a real listener. The server and
// its clients share the process, so RSS figures include the clients; they
// stream (no body is held whole on the client side) and what they keep
// (the one base file the uploads are made from) is allocated before the
// baseline is read.
//
//	go test ./handlers/web -run '^$' -bench . -benchtime 1x

// liveServer serves app on a loopback port until the benchmark ends.
func liveServer(tb testing.TB, app *fiber.App) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go app.Listener(ln)
	tb.Cleanup(func() { app.ShutdownWithTimeout(5 * time.Second) })
	return "http://" + ln.Addr().String()
}

// procStatus reads fields of /proc/self/status in bytes (VmRSS, VmHWM, …).
func procStatus(tb testing.TB) map[string]int64 {
	tb.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skip("no /proc/self/status: RSS is measured on Linux only")
	}
	defer f.Close()
	out := map[string]int64{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if !ok || !strings.HasSuffix(v, " kB") {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(v, " kB")), 10, 64)
		out[k] = n << 10
	}
	return out
}

// settle collects garbage, gives memory back and resets the peak (VmHWM)
// to the current RSS, so the next peak belongs to what follows.
func settle(tb testing.TB) map[string]int64 {
	tb.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		tb.Logf("cannot reset VmHWM (%v): peaks are since the start", err)
	}
	return procStatus(tb)
}

func mb(n int64) float64 { return float64(n) / (1 << 20) }

func download(tb testing.TB, client *http.Client, url string, size int) {
	resp, err := client.Get(url)
	if err != nil {
		tb.Error(err)
		return
	}
	defer resp.Body.Close()
	n, err := io.CopyBuffer(io.Discard, resp.Body, make([]byte, 32<<10))
	if err != nil || n != int64(size) || resp.StatusCode != 200 {
		tb.Errorf("download: %d, %d bytes, %v", resp.StatusCode, n, err)
	}
}

// BenchmarkAttachmentDownloadRSS: one 5 MB download, then 20 at once; the
// extra RSS over the settled process, and the peak of the whole process.
func BenchmarkAttachmentDownloadRSS(b *testing.B) {
	const size = 5 << 20
	db, err := store.Open(filepath.Join(b.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var a store.Attachment
	if err := db.Update(func(tx *store.Tx) error {
		a, err = tx.PutAttachment("test:1", store.UploadBytes("検査.pdf", store.SamplePDF(size, 1)))
		return err
	}); err != nil {
		b.Fatal(err)
	}
	base := liveServer(b, newTestApp(db, 64<<20))
	url := base + "/attachments/test:1/" + a.ID
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32, DisableCompression: true}}

	for b.Loop() {
		// The first download also maps the file's pages into the process
		// (file-backed RSS, shared by every later reader of them).
		before := settle(b)
		start := time.Now()
		download(b, client, url, size)
		cold := time.Since(start)
		after := procStatus(b)
		extraCold := after["VmHWM"] - before["VmRSS"]
		b.Logf("first 5 MB download: %v, RSS %.1f → peak %.1f MB (+%.1f MB = %.2f × the file; file-backed %.1f → %.1f MB)",
			cold.Round(time.Millisecond), mb(before["VmRSS"]), mb(after["VmHWM"]), mb(extraCold), float64(extraCold)/size, mb(before["RssFile"]), mb(after["RssFile"]))

		before = settle(b)
		start = time.Now()
		download(b, client, url, size)
		one := time.Since(start)
		after = procStatus(b)
		extra := after["VmHWM"] - before["VmRSS"]

		before20 := settle(b)
		var wg sync.WaitGroup
		start = time.Now()
		for range 20 {
			wg.Go(func() { download(b, client, url, size) })
		}
		wg.Wait()
		twenty := time.Since(start)
		after20 := procStatus(b)

		b.ReportMetric(mb(extraCold), "MB-extra-first")
		b.ReportMetric(float64(extraCold)/size, "extra/size-first")
		b.ReportMetric(mb(extra), "MB-extra-next")
		b.ReportMetric(mb(after20["VmHWM"]), "MB-peak-20")
		b.Logf("next 5 MB download: %v, RSS %.1f → peak %.1f MB (+%.1f MB = %.2f × the file; file-backed %.1f → %.1f MB)",
			one.Round(time.Millisecond), mb(before["VmRSS"]), mb(after["VmHWM"]), mb(extra), float64(extra)/size, mb(before["RssFile"]), mb(after["RssFile"]))
		b.Logf("20 parallel: %v, RSS %.1f → peak %.1f MB (+%.1f MB), after %.1f MB",
			twenty.Round(time.Millisecond), mb(before20["VmRSS"]), mb(after20["VmHWM"]), mb(after20["VmHWM"]-before20["VmRSS"]), mb(after20["VmRSS"]))
	}
}

// BenchmarkAttachmentUpload5MB: a multipart POST of one 5 MB PDF over the
// loopback, parsed, checked, stored and fsynced before the answer.
func BenchmarkAttachmentUpload5MB(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	url := liveServer(b, newTestApp(db, 64<<20)) + "/upload"
	base := store.SamplePDF(5<<20, 2)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	b.SetBytes(int64(len(base)))
	seq := uint64(0)
	for b.Loop() {
		seq++
		if status := postFiles(b, client, url, base, 1, seq); status != 200 {
			b.Fatalf("upload answered %d", status)
		}
	}
}

// BenchmarkParallelUploadsRSS: 5 requests at once, each with 5 files of the
// largest size (50 MB a request), as a browser sends them (with a
// Content-Length, so the server's multipart pre-parse spills files over
// 16 MB a request to temporary files). Peak RSS of the process.
func BenchmarkParallelUploadsRSS(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	url := liveServer(b, newTestApp(db, 64<<20)) + "/upload"
	base := store.SamplePDF(store.MaxAttachmentSize, 3)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 8}}
	postFiles(b, client, url, base[:1<<20], 1, 1<<40) // warm, and not the same content
	seq := uint64(0)
	for b.Loop() {
		before := settle(b)
		var wg sync.WaitGroup
		start := time.Now()
		var took [5]time.Duration
		for i := range 5 {
			seq += 5
			first := seq
			wg.Go(func() {
				t0 := time.Now()
				if status := postFiles(b, client, url, base, 5, first); status != 200 {
					b.Errorf("upload answered %d", status)
				}
				took[i] = time.Since(t0)
			})
		}
		wg.Wait()
		all := time.Since(start)
		after := procStatus(b)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(mb(after["VmHWM"]), "MB-peak")
		b.ReportMetric(mb(after["VmHWM"]-before["VmRSS"]), "MB-extra")
		b.ReportMetric(all.Seconds(), "s-all")
		b.Logf("5 × 50 MB uploads: %v (each %v), RSS %.1f → peak %.1f MB (+%.1f MB), after %.1f MB; Go heap peak target %.1f MB",
			all.Round(time.Millisecond), took, mb(before["VmRSS"]), mb(after["VmHWM"]), mb(after["VmHWM"]-before["VmRSS"]), mb(after["VmRSS"]), mb(int64(ms.NextGC)))
	}
}

// postFiles posts n files made from base, each made distinct by a tag in
// its padding, as one multipart request with a Content-Length, streaming
// the body. It returns the status.
func postFiles(tb testing.TB, client *http.Client, url string, base []byte, n int, seq uint64) int {
	tb.Helper()
	const boundary = "hotlinebenchboundary0123456789"
	write := func(w io.Writer) error {
		mw := multipart.NewWriter(w)
		mw.SetBoundary(boundary)
		mw.WriteField("title", "検査結果")
		for i := range n {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="attachment"; filename="検査%d.pdf"`, i))
			h.Set("Content-Type", "application/pdf")
			pw, err := mw.CreatePart(h)
			if err != nil {
				return err
			}
			var tag [8]byte
			binary.BigEndian.PutUint64(tag[:], seq+uint64(i))
			// The tag lands inside the padding stream, so the PDF stays valid.
			at := len(base) / 2
			if _, err := io.Copy(pw, io.MultiReader(bytes.NewReader(base[:at]), bytes.NewReader(tag[:]), bytes.NewReader(base[at+8:]))); err != nil {
				return err
			}
		}
		return mw.Close()
	}
	var count countingWriter
	write(&count)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	req, err := http.NewRequest(http.MethodPost, url, pr)
	if err != nil {
		tb.Fatal(err)
	}
	req.ContentLength = int64(count)
	req.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
	resp, err := client.Do(req)
	if err != nil {
		tb.Error(err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
