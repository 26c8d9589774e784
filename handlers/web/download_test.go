package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

func get(target string) *http.Request { return httptest.NewRequest(fiber.MethodGet, target, nil) }

// filenameStar decodes the filename* parameter (UTF-8, percent-encoded) of a
// Content-Disposition value.
func filenameStar(tb testing.TB, cd string) string {
	tb.Helper()
	_, enc, ok := strings.Cut(cd, "filename*=UTF-8''")
	if !ok {
		tb.Fatalf("no filename* in %q", cd)
	}
	name, err := url.PathUnescape(enc)
	if err != nil {
		tb.Fatalf("filename* %q: %v", enc, err)
	}
	return name
}

// A Japanese name with quotes and a line break, sent the two ways a client
// can (RFC 2231 filename*, and the HTML standard's %22/%0D%0A escapes that
// browsers use): the stored name keeps the quotes, the break becomes a
// space, and the download's Content-Disposition is one header line whose
// filename* gives the stored name back exactly.
func TestJapaneseNameWithQuotesAndLineBreaks(t *testing.T) {
	app, _ := testApp(t)
	pdfFile := store.SamplePDF(4000, 9)
	want := `検査"結果" X-Injected: 1.pdf`
	for _, disposition := range []string{
		`filename*=UTF-8''%E6%A4%9C%E6%9F%BB%22%E7%B5%90%E6%9E%9C%22%0D%0AX-Injected%3A%201.pdf`,
		`filename="検査%22結果%22%0D%0AX-Injected: 1.pdf"`,
	} {
		got := uploaded(t, do(t, app, multipartRequest(t, part{field: "attachment", disposition: disposition, data: pdfFile})))
		if len(got) != 1 || got[0].Name != want {
			t.Fatalf("%s: stored %+v, want the name %q", disposition, got, want)
		}
		a := do(t, app, get("/attachments/test:1/"+got[0].ID))
		cds := a.header.Values("Content-Disposition")
		if a.status != 200 || len(cds) != 1 || a.header.Get("X-Injected") != "" {
			t.Fatalf("%d, Content-Disposition %q, headers %v", a.status, cds, a.header)
		}
		cd := cds[0]
		if strings.ContainsAny(cd, "\r\n") || !strings.HasPrefix(cd, `inline; filename="`) {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if name := filenameStar(t, cd); name != want {
			t.Fatalf("filename* gives %q, want %q", name, want)
		}
		if !bytes.Equal(a.body, pdfFile) {
			t.Fatal("content differs")
		}
	}
}

// The download's headers, and HEAD: the same headers, no body, and no
// chunk read (it still answers after every chunk is gone).
func TestSendAttachmentHeadersAndHead(t *testing.T) {
	app, db := testApp(t)
	jpegFile := store.SampleJPEG(300, 200, 4)
	got := uploaded(t, do(t, app, multipartRequest(t, filePart("レントゲン写真.jpg", jpegFile))))
	path := "/attachments/test:1/" + got[0].ID
	wantHeaders := map[string]string{
		"Content-Type":            "image/jpeg",
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "sandbox",
		"Cache-Control":           "no-store",
		"Content-Disposition":     `inline; filename="attachment.jpg"; filename*=UTF-8''%E3%83%AC%E3%83%B3%E3%83%88%E3%82%B2%E3%83%B3%E5%86%99%E7%9C%9F.jpg`,
	}
	a := do(t, app, get(path))
	if a.status != 200 || !bytes.Equal(a.body, jpegFile) || a.header.Get("Content-Length") != strconv.Itoa(len(jpegFile)) {
		t.Fatalf("GET: %d, %d bytes, Content-Length %q", a.status, len(a.body), a.header.Get("Content-Length"))
	}
	for k, v := range wantHeaders {
		if a.header.Get(k) != v {
			t.Errorf("GET %s: %q, want %q", k, a.header.Get(k), v)
		}
	}

	// Remove every chunk: a HEAD that read one would now fail.
	if err := db.Update(func(tx *store.Tx) error {
		b := tx.Bucket([]byte("attachment_chunks"))
		c := b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.First() {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	req := get(path)
	req.Method = fiber.MethodHead
	h := do(t, app, req)
	if h.status != 200 || len(h.body) != 0 || h.header.Get("Content-Length") != strconv.Itoa(len(jpegFile)) {
		t.Fatalf("HEAD: %d, %d bytes of body, Content-Length %q", h.status, len(h.body), h.header.Get("Content-Length"))
	}
	for k, v := range wantHeaders {
		if h.header.Get(k) != v {
			t.Errorf("HEAD %s: %q, want %q", k, h.header.Get(k), v)
		}
	}
	// And GET now breaks off instead of sending something else.
	resp, err := app.Test(get(path), -1)
	if err == nil {
		body := new(bytes.Buffer)
		_, rerr := body.ReadFrom(resp.Body)
		resp.Body.Close()
		if rerr == nil && bytes.Equal(body.Bytes(), jpegFile) {
			t.Fatal("GET of a damaged attachment delivered the file")
		}
	}

	// Another owner's path, and an unknown ID, are not found.
	for _, p := range []string{"/attachments/test:2/" + got[0].ID, "/attachments/test:1/nosuchattachment"} {
		if a := do(t, app, get(p)); a.status != 404 || a.header.Get("Content-Disposition") != "" {
			t.Errorf("%s: %d %v", p, a.status, a.header)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	cases := []struct{ disposition, name, want string }{
		{"inline", "report-2026.pdf", `inline; filename="report-2026.pdf"`},
		{"attachment", "検査結果.pdf", `attachment; filename="attachment.pdf"; filename*=UTF-8''%E6%A4%9C%E6%9F%BB%E7%B5%90%E6%9E%9C.pdf`},
		{"inline", "検査2026.pdf", `inline; filename="_2026.pdf"; filename*=UTF-8''%E6%A4%9C%E6%9F%BB2026.pdf`},
		{"inline", `a"b\c.pdf`, `inline; filename="c.pdf"`},
		{"inline", `say "hi" 100%.png`, `inline; filename="say _hi_ 100_.png"; filename*=UTF-8''say%20%22hi%22%20100%25.png`},
		{"inline", "a\r\nSet-Cookie: x=1.pdf", `inline; filename="a Set-Cookie: x=1.pdf"`},
		{"inline", "", `inline; filename="attachment"; filename*=UTF-8''%E6%B7%BB%E4%BB%98%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB`},
		{"inline", "name;x=y'z(1).jpg", `inline; filename="name;x=y'z(1).jpg"`},
	}
	for _, c := range cases {
		got := ContentDisposition(c.disposition, c.name)
		if got != c.want {
			t.Errorf("ContentDisposition(%q)\n got %s\nwant %s", c.name, got, c.want)
		}
		if strings.ContainsAny(got, "\r\n\x00") {
			t.Errorf("%q: control characters in %q", c.name, got)
		}
	}
}
