package store

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

// The content checks, with real small files made here: each is accepted or
// refused with the reason a person sees beside the file field.
func TestCheckUploadDecidesByContent(t *testing.T) {
	pngFile := SamplePNG(64, 48, 1)
	jpegFile := SampleJPEG(64, 48, 2)
	pdfFile := SamplePDF(2000, 3)

	// A PNG whose IHDR claims 0 × 48, with its CRC made right, so only the
	// dimension check can refuse it.
	zeroWide := bytes.Clone(pngFile)
	binary.BigEndian.PutUint32(zeroWide[16:], 0)
	binary.BigEndian.PutUint32(zeroWide[29:], crc32.ChecksumIEEE(zeroWide[12:29]))
	huge := bytes.Clone(pngFile)
	binary.BigEndian.PutUint32(huge[16:], 100000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	badCRC := bytes.Clone(pngFile)
	badCRC[len(badCRC)/2] ^= 0xff // inside IDAT
	// The signature, then HTML: starts like a PNG and is not one.
	polyglot := append(bytes.Clone(pngFile[:8]), []byte("<html><script>alert(1)</script></html>")...)
	pngThenHTML := append(bytes.Clone(pngFile), []byte("<html><script>alert(1)</script></html>")...)
	// A JPEG whose first segment claims to run past the end of the file.
	jpegBadLen := bytes.Clone(jpegFile[:40])
	jpegBadLen[4], jpegBadLen[5] = 0xff, 0xf0
	jpegPadded := append(bytes.Clone(jpegFile), make([]byte, 100)...)
	noEOF := bytes.Replace(bytes.Clone(pdfFile), []byte("%%EOF"), []byte("%%EOX"), 1)
	noXref := bytes.Replace(bytes.Clone(pdfFile), []byte("startxref"), []byte("startxxxx"), 1)
	pdfJunkAfter := append(bytes.Clone(pdfFile), []byte("<html>after the end</html>")...)
	exe := append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)
	html := []byte("<!DOCTYPE html><html><head><title>x</title></head><body><script>alert(1)</script></body></html>")
	svg := []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>`)

	cases := []struct {
		name   string
		file   string
		data   []byte
		want   string // content type, or "" when refused
		reason string
	}{
		{"png", "画像.png", pngFile, ContentTypePNG, ""},
		{"jpeg", "写真.jpg", jpegFile, ContentTypeJPEG, ""},
		{"jpeg padded with zeros", "scan.jpg", jpegPadded, ContentTypeJPEG, ""},
		{"pdf", "紹介状.pdf", pdfFile, ContentTypePDF, ""},
		{"png named pdf is still a png", "x.pdf", pngFile, ContentTypePNG, ""},
		{"empty", "空.pdf", nil, "", "空のファイルです"},
		{"truncated png", "x.png", pngFile[:len(pngFile)/2], "", "画像ファイルが途中で切れています"},
		{"png without IEND", "x.png", pngFile[:len(pngFile)-12], "", "画像ファイルが途中で切れています"},
		{"truncated jpeg", "x.jpg", jpegFile[:len(jpegFile)/2], "", "画像ファイルが途中で切れています"},
		{"jpeg cut inside its headers", "x.jpg", jpegFile[:30], "", "画像ファイルが途中で切れています"},
		{"jpeg segment past the end", "x.jpg", jpegBadLen, "", "画像ファイルが途中で切れています"},
		{"png bad crc", "x.png", badCRC, "", "画像ファイルが壊れています"},
		{"png zero width", "x.png", zeroWide, "", "画像ファイルが壊れています"},
		{"png too large", "x.png", huge, "", "大きすぎます"},
		{"png signature then html", "x.png", polyglot, "", "画像ファイルが壊れています"},
		{"png with html after IEND", "x.png", pngThenHTML, "", "画像ファイルが壊れています"},
		{"exe renamed png", "x.png", exe, "", "この種類のファイルは添付できません（PDF・JPEG・PNGのみ）"},
		{"html", "x.html", html, "", "この種類のファイルは添付できません"},
		{"html named pdf", "x.pdf", html, "", "この種類のファイルは添付できません"},
		{"svg", "x.svg", svg, "", "この種類のファイルは添付できません"},
		{"svg named png", "x.png", svg, "", "この種類のファイルは添付できません"},
		{"gif", "x.gif", []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "", "この種類のファイルは添付できません"},
		{"pdf without %%EOF", "x.pdf", noEOF, "", "%%EOF"},
		{"pdf cut in half", "x.pdf", pdfFile[:len(pdfFile)/2], "", "PDFファイルが途中で切れています"},
		{"pdf without startxref", "x.pdf", noXref, "", "startxref"},
		{"pdf with html after the end", "x.pdf", pdfJunkAfter, "", "PDFファイルが途中で切れています"},
		{"pdf header only", "x.pdf", []byte("%PDF-1.7\n"), "", "PDFファイルが途中で切れています"},
		{"pdf 3.0", "x.pdf", append([]byte("%PDF-3.0"), pdfFile[8:]...), "", "この種類のファイルは添付できません"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := CheckUpload(UploadBytes(c.file, c.data))
			if c.want != "" {
				if err != nil || got != c.want {
					t.Fatalf("CheckUpload = %q, %v; want %q", got, err, c.want)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted as %q", got)
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), c.reason) {
				t.Fatalf("refused with %q (%s), want the reason %q", ErrorMessage(err), ErrorCode(err), c.reason)
			}
		})
	}
}

func TestCheckUploadSizeLimit(t *testing.T) {
	if _, err := CheckUpload(UploadBytes("max.pdf", SamplePDF(MaxAttachmentSize, 1))); err != nil {
		t.Fatalf("a file of exactly the limit: %v", err)
	}
	_, err := CheckUpload(UploadBytes("big.pdf", SamplePDF(MaxAttachmentSize+1, 1)))
	if ErrorMessage(err) != "10MBを超えるファイルは添付できません" {
		t.Fatalf("one byte over the limit: %v", err)
	}
	// The size is checked before a byte is read.
	if _, err := CheckUpload(Upload{Name: "x.pdf", Size: 1 << 40, Content: failingReader{}}); ErrorMessage(err) != "10MBを超えるファイルは添付できません" {
		t.Fatalf("a huge declared size: %v", err)
	}
}

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { panic("read") }

func TestCleanAttachmentName(t *testing.T) {
	long := strings.Repeat("検査結果", 30) + ".pdf" // 364 bytes
	cases := []struct{ in, ct, want string }{
		{"紹介状（山田様）.pdf", ContentTypePDF, "紹介状（山田様）.pdf"},
		{`C:\Users\医師\Desktop\検査.pdf`, ContentTypePDF, "検査.pdf"},
		{"../../etc/passwd", ContentTypePDF, "passwd"},
		{"報告書\r\nContent-Type: text-html.pdf", ContentTypePDF, "報告書 Content-Type: text-html.pdf"},
		{"a\x00b\x1b[31mc.png", ContentTypePNG, "ab[31mc.png"},
		{"invoice\u202Egpj.exe", ContentTypeJPEG, "invoicegpj.exe"},
		{"\ufeff  写真 .jpg  . ", ContentTypeJPEG, "写真 .jpg"},
		{`"引用"と\バックスラッシュ.pdf`, ContentTypePDF, "バックスラッシュ.pdf"},
		{`"引用"の名前.pdf`, ContentTypePDF, `"引用"の名前.pdf`},
		{"", ContentTypePNG, "添付ファイル.png"},
		{"...", ContentTypePDF, "添付ファイル.pdf"},
		{"C:\\", ContentTypeJPEG, "添付ファイル.jpg"},
		{"\xff\xfe壊れた.pdf", ContentTypePDF, "_壊れた.pdf"},
	}
	for _, c := range cases {
		if got := CleanAttachmentName(c.in, c.ct); got != c.want {
			t.Errorf("CleanAttachmentName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	got := CleanAttachmentName(long, ContentTypePDF)
	if len(got) > MaxAttachmentNameBytes || !strings.HasSuffix(got, ".pdf") || !strings.HasPrefix(got, "検査結果") {
		t.Fatalf("long name cut to %q (%d bytes)", got, len(got))
	}
	if strings.ToValidUTF8(got, "?") != got {
		t.Fatalf("long name cut inside a character: %q", got)
	}
}
