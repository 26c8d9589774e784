package store

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"io"
)

// The type of an attachment is decided from its bytes alone, never from
// its name or the browser's Content-Type, and the structure is walked far
// enough that a truncated image, a renamed program, HTML or SVG, or a file
// that only starts like an image is refused before anything is stored.
// Nothing is decoded (no pixels, no PDF objects): the checks read headers,
// chunk framing and trailers, so a 10 MB file costs a few milliseconds.

// Reasons shown beside the file field.
const (
	reasonEmpty     = "空のファイルです"
	reasonTooLarge  = "10MBを超えるファイルは添付できません"
	reasonType      = "この種類のファイルは添付できません（PDF・JPEG・PNGのみ）"
	reasonTruncated = "画像ファイルが途中で切れています"
	reasonBroken    = "画像ファイルが壊れています（JPEG・PNGとして読み取れません）"
	reasonTooBig    = "画像の縦横の大きさが大きすぎます（一辺20,000ピクセルまで）"
	reasonPDFEnd    = "PDFファイルが途中で切れています（末尾の %%EOF がありません）"
	reasonPDFXref   = "PDFファイルが壊れています（startxref がありません）"
	reasonUnread    = "ファイルを読み取れませんでした。もう一度お試しください"
)

// Image dimensions accepted: a 600 dpi scan of A3 (7,016 × 9,921) fits;
// what is larger is far more likely a decompression bomb than a document.
const (
	maxImageSide   = 20000
	maxImagePixels = 100_000_000
)

func refuse(reason string) error { return Errorf(EINVALID, "%s", reason) }

// CheckUpload decides u's content type (ContentTypePDF, ContentTypeJPEG or
// ContentTypePNG) from its bytes and checks the size limit and the file's
// structure. A refusal is an EINVALID error whose message is the reason.
func CheckUpload(u Upload) (string, error) {
	switch {
	case u.Size <= 0:
		return "", refuse(reasonEmpty)
	case u.Size > MaxAttachmentSize:
		return "", refuse(reasonTooLarge)
	case u.Content == nil:
		return "", refuse(reasonUnread)
	}
	f := &contentFile{r: u.Content, size: u.Size}
	head := f.at(0, 16)
	switch {
	case bytes.HasPrefix(head, pngSignature):
		return ContentTypePNG, f.checkPNG()
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return ContentTypeJPEG, f.checkJPEG()
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return ContentTypePDF, f.checkPDF()
	}
	if f.err != nil {
		return "", refuse(reasonUnread)
	}
	return "", refuse(reasonType)
}

// contentFile reads parts of an upload; a read error is kept and reported
// once (as a short read, the checks see a truncated file).
type contentFile struct {
	r    io.ReaderAt
	size int64
	err  error
}

// at returns up to n bytes at off (fewer at the end of the file).
func (f *contentFile) at(off int64, n int) []byte {
	if off >= f.size || off < 0 {
		return nil
	}
	if rest := f.size - off; int64(n) > rest {
		n = int(rest)
	}
	b := make([]byte, n)
	m, err := f.r.ReadAt(b, off)
	if err != nil && !(err == io.EOF && m == n) {
		f.err = err
	}
	return b[:m]
}

var pngSignature = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}

// checkPNG walks the chunks: IHDR first with sane dimensions and a valid
// colour type and bit depth, every length within the file and every CRC
// right, at least one IDAT, and IEND last with nothing after it.
func (f *contentFile) checkPNG() error {
	if !bytes.Equal(f.at(0, 8), pngSignature) {
		return refuse(reasonBroken)
	}
	off := int64(8)
	var idat, plte bool
	var colorType byte
	buf := make([]byte, 32<<10)
	for n := 0; ; n++ {
		hdr := f.at(off, 8)
		if len(hdr) < 8 {
			return f.short(reasonTruncated)
		}
		length := int64(binary.BigEndian.Uint32(hdr))
		typ := hdr[4:8]
		if length > 1<<31-1 || !isChunkType(typ) {
			return refuse(reasonBroken)
		}
		if off+12+length > f.size {
			return f.short(reasonTruncated)
		}
		// The CRC covers the type and the data.
		crc := crc32.NewIEEE()
		if _, err := io.CopyBuffer(crc, io.NewSectionReader(f.r, off+4, 4+length), buf); err != nil {
			return refuse(reasonUnread)
		}
		if want := f.at(off+8+length, 4); len(want) != 4 || binary.BigEndian.Uint32(want) != crc.Sum32() {
			return f.short(reasonBroken)
		}
		switch string(typ) {
		case "IHDR":
			if n != 0 || length != 13 {
				return refuse(reasonBroken)
			}
			h := f.at(off+8, 13)
			w, ht := binary.BigEndian.Uint32(h), binary.BigEndian.Uint32(h[4:])
			depth, ct := h[8], h[9]
			if w == 0 || ht == 0 || !validPNGDepth(ct, depth) || h[10] != 0 || h[11] != 0 || h[12] > 1 {
				return refuse(reasonBroken)
			}
			if w > maxImageSide || ht > maxImageSide || uint64(w)*uint64(ht) > maxImagePixels {
				return refuse(reasonTooBig)
			}
			colorType = ct
		case "PLTE":
			plte = true
		case "IDAT":
			idat = true
		case "IEND":
			if length != 0 || !idat || (colorType == 3 && !plte) {
				return refuse(reasonBroken)
			}
			if off+12 != f.size {
				// Something follows the image: a polyglot or garbage.
				return refuse(reasonBroken)
			}
			return nil
		}
		if n == 0 && string(typ) != "IHDR" {
			return refuse(reasonBroken)
		}
		off += 12 + length
	}
}

// short is reason, unless reading failed (then the file was not truncated,
// the read was).
func (f *contentFile) short(reason string) error {
	if f.err != nil {
		return refuse(reasonUnread)
	}
	return refuse(reason)
}

func isChunkType(t []byte) bool {
	for _, c := range t {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func validPNGDepth(colorType, depth byte) bool {
	switch colorType {
	case 0: // greyscale
		return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3: // palette
		return depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6: // RGB, grey + alpha, RGBA
		return depth == 8 || depth == 16
	}
	return false
}

// checkJPEG walks the marker segments from SOI to the first SOS (a frame
// header with sane dimensions must come before it) and requires EOI at the
// end of the file. Trailing zero bytes, which some scanners pad with, are
// allowed after EOI; anything else after it is refused as a truncation,
// which is what it nearly always is.
func (f *contentFile) checkJPEG() error {
	off := int64(2)
	frame := false
	for {
		m := f.at(off, 2)
		if len(m) < 2 {
			return f.short(reasonTruncated)
		}
		if m[0] != 0xFF {
			return refuse(reasonBroken)
		}
		marker := m[1]
		switch {
		case marker == 0xFF:
			off++ // fill byte
			continue
		case marker == 0x01 || marker >= 0xD0 && marker <= 0xD7:
			off += 2 // TEM, RSTn: no length
			continue
		case marker == 0xD8 || marker == 0xD9 || marker == 0x00:
			return refuse(reasonBroken) // SOI again, EOI before any scan, a stuffed byte
		}
		l := f.at(off+2, 2)
		if len(l) < 2 {
			return f.short(reasonTruncated)
		}
		length := int64(binary.BigEndian.Uint16(l))
		if length < 2 {
			return refuse(reasonBroken)
		}
		if off+2+length > f.size {
			return f.short(reasonTruncated)
		}
		if isJPEGFrame(marker) {
			h := f.at(off+4, 6)
			if length < 8 || len(h) < 6 {
				return refuse(reasonBroken)
			}
			height, width := binary.BigEndian.Uint16(h[1:]), binary.BigEndian.Uint16(h[3:])
			if width == 0 || height == 0 {
				return refuse(reasonBroken)
			}
			if width > maxImageSide || height > maxImageSide || uint64(width)*uint64(height) > maxImagePixels {
				return refuse(reasonTooBig)
			}
			frame = true
		}
		if marker == 0xDA { // SOS: entropy-coded data follows
			if !frame {
				return refuse(reasonBroken)
			}
			break
		}
		off += 2 + length
	}
	end := f.size
	for end > off {
		tail := f.at(max(off, end-4096), int(end-max(off, end-4096)))
		t := bytes.TrimRight(tail, "\x00")
		if len(t) > 0 || f.err != nil {
			end -= int64(len(tail) - len(t))
			break
		}
		end -= int64(len(tail))
	}
	if end-2 <= off || !bytes.Equal(f.at(end-2, 2), []byte{0xFF, 0xD9}) {
		return f.short(reasonTruncated)
	}
	return nil
}

// isJPEGFrame reports whether marker starts a frame header (SOF0–SOF15,
// which share the range with DHT, JPG and DAC).
func isJPEGFrame(marker byte) bool {
	return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC
}

// pdfTail is how far from the end a PDF's %%EOF may be (the convention
// readers follow), and the window searched for startxref before it.
const pdfTail = 1024

// checkPDF requires the %PDF-1.x (or 2.0) header at the start, %%EOF near
// the end with only line ends after it, and startxref with an offset
// inside the file before that %%EOF (the last one: incremental updates
// append their own).
func (f *contentFile) checkPDF() error {
	h := f.at(0, 8)
	if len(h) < 8 || !(bytes.HasPrefix(h, []byte("%PDF-1.")) && h[7] >= '0' && h[7] <= '7' || bytes.Equal(h, []byte("%PDF-2.0"))) {
		return f.short(reasonType)
	}
	start := max(0, f.size-pdfTail-32)
	tail := f.at(start, int(f.size-start))
	if f.err != nil {
		return refuse(reasonUnread)
	}
	i := bytes.LastIndex(tail, []byte("%%EOF"))
	if i < 0 || start+int64(i) < f.size-pdfTail || len(bytes.Trim(tail[i+5:], "\r\n\t \x00\f")) > 0 {
		return refuse(reasonPDFEnd)
	}
	j := bytes.LastIndex(tail[:i], []byte("startxref"))
	if j < 0 {
		return refuse(reasonPDFXref)
	}
	num := bytes.TrimLeft(tail[j+9:i], "\r\n\t \x00\f")
	n, digits := int64(0), 0
	for digits < len(num) && num[digits] >= '0' && num[digits] <= '9' && digits < 12 {
		n = n*10 + int64(num[digits]-'0')
		digits++
	}
	if digits == 0 || n <= 0 || n >= f.size {
		return refuse(reasonPDFXref)
	}
	return nil
}
