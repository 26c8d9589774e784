package pdf

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"hotline/static"
)

func TestSubsetKeepsGlyphs(t *testing.T) {
	fi, err := ipaex()
	if err != nil {
		t.Fatal(err)
	}
	used := []rune("加入申込書（医療関係者用）髙﨑㊞①〒ー、。ABCxyz0123 ")
	slices.Sort(used)
	used = slices.Compact(used)
	b, err := fi.subset(used)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) > 400_000 {
		t.Errorf("reduced font is %d bytes", len(b))
	}
	orig, err := sfnt.Parse(static.IPAexGothic)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := sfnt.Parse(b)
	if err != nil {
		t.Fatalf("reduced font does not parse: %v", err)
	}
	if n := sub.NumGlyphs(); n < len(used)/2 || n > 2*len(used) {
		t.Errorf("glyph count %d for %d characters (glyphs are renumbered)", n, len(used))
	}
	var ob, sb sfnt.Buffer
	ppem := fixed.Int26_6(orig.UnitsPerEm())
	for _, r := range used {
		og, _ := orig.GlyphIndex(&ob, r)
		sg, err := sub.GlyphIndex(&sb, r)
		if err != nil || (sg == 0) != (og == 0) {
			t.Errorf("%q: glyph %d (%v), original %d", r, sg, err, og)
			continue
		}
		oa, _ := orig.GlyphAdvance(&ob, og, ppem, font.HintingNone)
		sa, _ := sub.GlyphAdvance(&sb, sg, ppem, font.HintingNone)
		if oa != sa {
			t.Errorf("%q: advance %v, want %v", r, sa, oa)
		}
		os, err1 := orig.LoadGlyph(&ob, og, ppem, nil)
		ss, err2 := sub.LoadGlyph(&sb, sg, ppem, nil)
		if err1 != nil || err2 != nil || !slices.Equal(os, ss) {
			t.Errorf("%q: outline differs (%v, %v)", r, err1, err2)
		}
	}
	for _, r := range "日本" {
		if g, _ := sub.GlyphIndex(&sb, r); g != 0 {
			t.Errorf("%q is in the reduced font's cmap", r)
		}
	}
	// Checksums: the whole file sums to 0xB1B0AFBA.
	if s := checksum(b); s != 0xB1B0AFBA {
		t.Errorf("file checksum %#x", s)
	}
}

func TestComponents(t *testing.T) {
	// A composite glyph: header (numberOfContours -1, bbox), then two
	// components: glyph 7 with byte offsets and more to come, glyph 300
	// with word offsets and a 2×2 matrix.
	g := []byte{0xFF, 0xFF, 0, 0, 0, 0, 0, 10, 0, 10}
	g = binary.BigEndian.AppendUint16(g, 0x0020)
	g = binary.BigEndian.AppendUint16(g, 7)
	g = append(g, 1, 2)
	g = binary.BigEndian.AppendUint16(g, 0x0001|0x0080)
	g = binary.BigEndian.AppendUint16(g, 300)
	g = append(g, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0)
	got, err := components(g)
	if err != nil || !slices.Equal(got, []uint16{7, 300}) {
		t.Errorf("components = %v, %v; want [7 300]", got, err)
	}
	// Renumbered in place for the subset: the indices change, nothing else.
	r := slices.Clone(g)
	if err := renumberComponents(r, map[uint16]uint16{7: 1, 300: 2}); err != nil {
		t.Fatal(err)
	}
	if got, _ := components(r); !slices.Equal(got, []uint16{1, 2}) || len(r) != len(g) {
		t.Errorf("renumbered components = %v, want [1 2]", got)
	}
	if err := renumberComponents(slices.Clone(g), map[uint16]uint16{7: 1}); err == nil {
		t.Error("a component left out of the subset was accepted")
	}
	if _, err := components(g[:14]); err == nil {
		t.Error("truncated composite glyph accepted")
	}
	if got, _ := components([]byte{0, 1, 0, 0, 0, 0, 0, 0, 0, 0}); got != nil {
		t.Errorf("simple glyph has components %v", got)
	}
}
