package web

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// Files that pass are returned in order, named as sent, with the type from
// their content; an input left empty is no file.
func TestFormUploadsReturnsCheckedFiles(t *testing.T) {
	app, db := testApp(t)
	pngFile, pdfFile := store.SamplePNG(32, 32, 1), store.SamplePDF(5000, 1)
	got := uploaded(t, do(t, app, multipartRequest(t,
		part{field: "title", data: []byte("検査結果")},
		filePart("胸部レントゲン.png", pngFile),
		part{field: "attachment", disposition: `filename=""`}, // no file chosen
		filePart("紹介状.dat", pdfFile),
	)))
	if len(got) != 2 || got[0].Name != "胸部レントゲン.png" || got[0].ContentType != store.ContentTypePNG ||
		got[1].Name != "紹介状.dat" || got[1].ContentType != store.ContentTypePDF {
		t.Fatalf("stored %+v", got)
	}
	for i, want := range [][]byte{pngFile, pdfFile} {
		a := do(t, app, get("/attachments/test:1/"+got[i].ID))
		if !bytes.Equal(a.body, want) {
			t.Fatalf("%s read back differently", got[i].Name)
		}
	}
	// No file at all, and a form that is not multipart: no files, no error.
	if got := uploaded(t, do(t, app, multipartRequest(t, part{field: "title", data: []byte("x")}))); len(got) != 0 {
		t.Fatalf("stored %+v", got)
	}
	req := get("/upload")
	req.Method = fiber.MethodPost
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := uploaded(t, do(t, app, req)); len(got) != 0 {
		t.Fatalf("stored %+v", got)
	}
	_ = db
}

// Every refusal answers 422 with the reason under the field name, naming
// the file, and stores nothing at all, also when other files were fine.
func TestFormUploadsRefusesAndStoresNothing(t *testing.T) {
	app, db := testApp(t)
	jpegFile := store.SampleJPEG(48, 32, 1)
	ok := filePart("ok.pdf", store.SamplePDF(3000, 2))
	six := []part{}
	for i := range 6 {
		six = append(six, filePart("p.pdf", store.SamplePDF(1000+i, uint64(i))))
	}
	cases := []struct {
		name  string
		parts []part
		want  []string
	}{
		{"too many files", six, []string{"添付できるファイルは1回に5個までです（6個選ばれています）"}},
		{"oversize", []part{ok, filePart("大きい.pdf", store.SamplePDF(store.MaxAttachmentSize+1, 3))}, []string{"「大きい.pdf」：10MBを超えるファイルは添付できません"}},
		{"exe named png", []part{filePart("x.png", append([]byte("MZ\x90\x00"), make([]byte, 500)...)), ok}, []string{"「x.png」：この種類のファイルは添付できません（PDF・JPEG・PNGのみ）"}},
		{"html", []part{filePart("page.html", []byte("<html><body>x</body></html>"))}, []string{"この種類のファイルは添付できません"}},
		{"svg named png", []part{filePart("logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`))}, []string{"「logo.png」：この種類"}},
		{"truncated jpeg", []part{filePart("写真.jpg", jpegFile[:len(jpegFile)-100])}, []string{"「写真.jpg」：画像ファイルが途中で切れています"}},
		{"empty file", []part{filePart("空.pdf", nil)}, []string{"「空.pdf」：空のファイルです"}},
		{"two bad files", []part{filePart("a.png", []byte("<svg/>")), ok, filePart("b.pdf", nil)}, []string{"「a.png」：この種類", "／", "「b.pdf」：空のファイルです"}},
	}
	before, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := do(t, app, multipartRequest(t, c.parts...))
			if a.status != fiber.StatusUnprocessableEntity {
				t.Fatalf("status %d: %s", a.status, a.body)
			}
			msg := fieldMessage(t, a)
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Fatalf("message %q lacks %q", msg, w)
				}
			}
			after, _ := db.BucketDigests()
			for name, d := range before {
				if after[name] != d {
					t.Fatalf("bucket %s changed", name)
				}
			}
		})
	}
	// A body over the server's limit never reaches the form.
	// (app.Test reports fasthttp's refusal as an error; a client gets 413.)
	small := newTestApp(db, 1<<20)
	if resp, err := small.Test(multipartRequest(t, filePart("x.pdf", store.SamplePDF(2<<20, 1))), -1); err == nil && resp.StatusCode != fiber.StatusRequestEntityTooLarge ||
		err != nil && !strings.Contains(err.Error(), "body size exceeds") {
		t.Fatalf("over the body limit: %v %v", resp, err)
	}
	// A multipart body the handler cannot read is a refusal beside the
	// field. (One whose framing is broken never reaches a handler: the
	// server's multipart pre-parse answers 400 itself.)
	req := multipartRequest(t, ok)
	req.Header.Set("Content-Encoding", "gzip") // and it is not gzip
	if a := do(t, app, req); a.status != fiber.StatusUnprocessableEntity || !strings.Contains(fieldMessage(t, a), "受け取れませんでした") {
		t.Fatalf("unreadable multipart: %d %s", a.status, a.body)
	}
}
