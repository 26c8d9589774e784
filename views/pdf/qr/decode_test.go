package qr

import (
	"bytes"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// sampleShiftJIS returns n bytes of Shift_JIS text in the manner of a
// JAHIS prescription record set: Japanese and ASCII, CRLF line ends.
func sampleShiftJIS(t testing.TB, n int) []byte {
	t.Helper()
	lines := []string{
		"JAHIS10",
		"1,1,1234567,13,ほっとライン内科クリニック",
		"2,101-0062,東京都千代田区神田駿河台二丁目五番地",
		"3,03-1234-5678",
		"5,,,髙﨑　太郎",
		"11,,ﾀｶｻｷ ﾊﾅｺ,髙﨑　花子",
		"12,2",
		"13,19580412",
		"51,20261202",
		"101,1,1,,14",
		"111,1,1,,1日3回毎食後,",
		"201,1,1,1,7,620000001,【般】アムロジピン錠５ｍｇ,1,1,錠",
		"281,1,1,1,変更不可",
	}
	var b bytes.Buffer
	enc := japanese.ShiftJIS.NewEncoder()
	for b.Len() < n {
		for _, l := range lines {
			s, err := enc.String(l + "\r\n")
			if err != nil {
				t.Fatal(err)
			}
			b.WriteString(s)
		}
	}
	out := b.Bytes()[:n]
	// End on a whole character.
	for len(out) > 0 && !ShiftJISCharStart(b.Bytes(), len(out)) {
		out = out[:len(out)-1]
	}
	return out
}

// zbar returns the path of zbarimg. Without it the test is skipped,
// saying why, unless CI is set: then it fails.
func zbar(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("zbarimg is not installed (CI is set, so the decode check may not be skipped)")
		}
		t.Skip("zbarimg is not installed: the symbols cannot be decoded")
	}
	return p
}

// decode draws the symbols side by side, each with its quiet zone, and
// returns what zbarimg reads from the picture, as raw bytes.
func decode(t *testing.T, syms []*Symbol, scale int) []byte {
	t.Helper()
	bin := zbar(t)
	w, h := 0, 0
	for _, s := range syms {
		w += (s.Size + 2*QuietZone) * scale
		h = max(h, (s.Size+2*QuietZone)*scale)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	x := 0
	for _, s := range syms {
		im := s.Image(scale)
		draw.Draw(img, im.Bounds().Add(image.Pt(x, 0)), im, image.Point{}, draw.Src)
		x += im.Bounds().Dx()
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cmd := exec.Command(bin, "--raw", "-q", "-Sbinary", file)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("zbarimg: %v\n%s", err, stderr.String())
	}
	return out
}

// TestDecodeRoundTrip encodes messages of every kind of length and
// decodes them with zbar, a decoder written independently of this one.
func TestDecodeRoundTrip(t *testing.T) {
	sjis := sampleShiftJIS(t, 1500)
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	for _, tc := range []struct {
		name string
		msg  []byte
		opt  Options
		n    int // symbols expected
	}{
		{"URL", []byte("https://hotline.example.jp/patient/login"), Options{}, 1},
		{"every byte value", all, Options{}, 1},
		{"Shift_JIS, one symbol of version 40", sjis, Options{}, 1},
		{"Shift_JIS, structured append of version 15", sjis, Options{MaxVersion: 15, CharStart: ShiftJISCharStart}, 4},
		{"Shift_JIS, 16 symbols of version 5", sjis[:16*(84-3)], Options{MaxVersion: 5}, 16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			syms, err := Encode(tc.msg, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(syms) != tc.n {
				t.Fatalf("%d symbols, want %d", len(syms), tc.n)
			}
			if got := decode(t, syms, 3); !bytes.Equal(got, tc.msg) {
				t.Errorf("zbarimg read %d bytes %q…, want %d bytes %q…", len(got), got[:min(40, len(got))], len(tc.msg), tc.msg[:min(40, len(tc.msg))])
			}
		})
	}
}
