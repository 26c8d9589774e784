package store

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
)

// Sample attachments for tests, benchmarks and demo data: real, valid files
// that every check accepts, made from a seed so each seed gives different
// bytes (distinct contents are stored separately).

// SamplePDF is a valid one-page PDF of exactly size bytes (at least its
// minimal size, about 400 bytes), padded with a stream of random bytes.
func SamplePDF(size int, seed uint64) []byte {
	// Every number whose width could vary is written with ten digits, so
	// the length grows one for one with the padding.
	minimal := len(samplePDF(0, seed))
	return samplePDF(max(0, size-minimal), seed)
}

func samplePDF(pad int, seed uint64) []byte {
	var b bytes.Buffer
	offsets := []int{}
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
	data := make([]byte, pad)
	rand.NewChaCha8(seedBytes(seed)).Read(data)
	offsets = append(offsets, b.Len())
	fmt.Fprintf(&b, "%d 0 obj\n<< /Length %010d >>\nstream\n", len(offsets), pad)
	b.Write(data)
	b.WriteString("\nendstream\nendobj\n")
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%010d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// SamplePNG is a w × h PNG of random pixels (about 4 bytes per pixel).
func SamplePNG(w, h int, seed uint64) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, sampleImage(w, h, seed)); err != nil {
		panic(err) // encoding into memory does not fail
	}
	return b.Bytes()
}

// SampleJPEG is a w × h JPEG of random pixels.
func SampleJPEG(w, h int, seed uint64) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, sampleImage(w, h, seed), &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func sampleImage(w, h int, seed uint64) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(seed, 1))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255})
		}
	}
	return img
}

func seedBytes(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	s[31] = 0x5a
	return s
}
