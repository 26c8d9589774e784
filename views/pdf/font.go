package pdf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"hotline/static"
)

// Every document uses IPAex Gothic, in one style (and the fixed-width face
// of mono.go for passwords, where it prints one). IPAex has no
// bold or italic faces, so registering the same bytes as Bold would only add
// a second copy of the font to each PDF (and a second parse): emphasis is
// given by size and colour instead, and every text is drawn through
// doc.text, which always names this family and fontstyle.Normal.
const (
	// fontFamily is the name the font is registered under with maroto.
	// gofpdf writes it into the PDF as "utf8"+fontFamily; it is 14
	// characters long so that name can be rewritten in place to the
	// 18-character subset name "XXXXXX+IPAexGothic" (see tagSubsetFont).
	fontFamily    = "hotline-ipaexg"
	fontPDFName   = "utf8" + fontFamily
	fontSubsetFmt = "%s+IPAexGothic"

	// replacement is printed for characters the font cannot show: those
	// outside the Basic Multilingual Plane (gofpdf reads only the format 4
	// cmap) and those IPAex Gothic has no glyph for. 〓 (geta) is the
	// customary mark for a character that cannot be printed.
	replacement = '〓'
)

// fontInfo is IPAex Gothic parsed once and shared, read-only, by every
// document and every goroutine.
type fontInfo struct {
	upm       float64
	numGlyphs int
	glyph     []uint16 // BMP rune → glyph index (0: none)
	advance   []uint16 // glyph index → advance width in font units

	tables map[string][]byte // raw tables of the font file
	loca   []uint32          // glyph index → offset into glyf (numGlyphs+1)
}

var (
	fontOnce   sync.Once
	loadedFont *fontInfo
	fontErr    error
)

// ipaex returns the parsed font. The 6 MB file is parsed once per process.
func ipaex() (*fontInfo, error) {
	fontOnce.Do(func() { loadedFont, fontErr = parseFont(static.IPAexGothic) })
	return loadedFont, fontErr
}

func parseFont(b []byte) (*fontInfo, error) {
	f, err := sfnt.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("pdf: parse font: %w", err)
	}
	fi := &fontInfo{
		upm:       float64(f.UnitsPerEm()),
		numGlyphs: f.NumGlyphs(),
		glyph:     make([]uint16, 0x10000),
		tables:    map[string][]byte{},
	}
	var buf sfnt.Buffer
	ppem := fixed.Int26_6(f.UnitsPerEm()) // advances in font units
	fi.advance = make([]uint16, fi.numGlyphs)
	for g := range fi.numGlyphs {
		a, err := f.GlyphAdvance(&buf, sfnt.GlyphIndex(g), ppem, font.HintingNone)
		if err != nil {
			return nil, fmt.Errorf("pdf: font advance of glyph %d: %w", g, err)
		}
		fi.advance[g] = uint16(a)
	}
	for r := range rune(0x10000) {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		g, err := f.GlyphIndex(&buf, r)
		if err != nil {
			return nil, fmt.Errorf("pdf: font cmap: %w", err)
		}
		fi.glyph[r] = uint16(g)
	}

	// The raw tables, for building each document's reduced font.
	if len(b) < 12 {
		return nil, errors.New("pdf: font file too short")
	}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errors.New("pdf: font table directory truncated")
	}
	for i := range n {
		rec := b[12+16*i:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("pdf: font table %q out of range", rec[:4])
		}
		fi.tables[string(rec[:4])] = b[off : off+size]
	}
	for _, t := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf", "OS/2", "post", "name"} {
		if _, ok := fi.tables[t]; !ok {
			return nil, fmt.Errorf("pdf: font has no %q table", t)
		}
	}
	head, loca := fi.tables["head"], fi.tables["loca"]
	if len(head) < 54 {
		return nil, errors.New("pdf: font head table too short")
	}
	fi.loca = make([]uint32, fi.numGlyphs+1)
	switch binary.BigEndian.Uint16(head[50:]) {
	case 0:
		if len(loca) < 2*(fi.numGlyphs+1) {
			return nil, errors.New("pdf: font loca table too short")
		}
		for i := range fi.loca {
			fi.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
	case 1:
		if len(loca) < 4*(fi.numGlyphs+1) {
			return nil, errors.New("pdf: font loca table too short")
		}
		for i := range fi.loca {
			fi.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		}
	default:
		return nil, errors.New("pdf: font has an unknown loca format")
	}
	glyf := fi.tables["glyf"]
	for i := 1; i < len(fi.loca); i++ {
		if fi.loca[i] < fi.loca[i-1] || int(fi.loca[i]) > len(glyf) {
			return nil, errors.New("pdf: font loca table inconsistent")
		}
	}
	return fi, nil
}

// printable reports whether r can be drawn with the font.
func (fi *fontInfo) printable(r rune) bool {
	return r >= 0 && r < 0x10000 && fi.glyph[r] != 0
}

// em returns the advance of r in ems (r must be printable).
func (fi *fontInfo) em(r rune) float64 {
	if r < 0 || r >= 0x10000 {
		return 0
	}
	return float64(fi.advance[fi.glyph[r]]) / fi.upm
}

// ptToMM converts a font size in points to millimetres.
const ptToMM = 25.4 / 72

// width returns the width of s in millimetres at size points.
func (fi *fontInfo) width(s string, size float64) float64 {
	var ems float64
	for _, r := range s {
		ems += fi.em(r)
	}
	return ems * size * ptToMM
}

// sanitize replaces what cannot be drawn: tabs become spaces, other control
// characters are dropped (except '\n', kept for the wrapper to break on),
// and characters the font has no glyph for become 〓.
func (fi *fontInfo) sanitize(s string) string {
	clean := true
	for _, r := range s {
		if r != '\n' && (invisible(r) || !fi.printable(r)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	out := make([]rune, 0, len(s))
	prevCR := false
	for _, r := range s {
		switch {
		case r == '\r':
			out = append(out, '\n')
		case r == '\n':
			if !prevCR {
				out = append(out, '\n')
			}
		case r == '\t':
			out = append(out, ' ')
		case invisible(r):
			// control characters, BOM and zero-width space: nothing to print
		case fi.printable(r):
			out = append(out, r)
		default:
			out = append(out, replacement)
		}
		prevCR = r == '\r'
	}
	return string(out)
}

// invisible reports control characters, the byte order mark and zero-width
// characters: nothing to print.
func invisible(r rune) bool {
	return r < 0x20 || (r >= 0x7F && r < 0xA0) || (r >= 0x200B && r <= 0x200F) || r == 0xFEFF
}

// subset builds a small TrueType font holding only the glyphs of runes (and
// the components of composite glyphs among them), renumbered 0…n−1 in the
// order of the original file (.notdef stays 0).
//
// maroto hands every document's font to gofpdf as bytes, and gofpdf parses
// them anew for each document (its parsed form is unexported, and it is
// modified while the PDF is written, so it cannot be shared between
// documents). Parsing the 6 MB file costs about as much as all the rest of
// an application form; parsing this reduced file costs almost nothing.
// gofpdf still subsets it again when it writes the PDF, and it reads a
// width and a location for every glyph of the file: with the glyphs
// renumbered that is a few hundred instead of IPAex's 16,000 (about a third
// of a letter's allocations before).
func (fi *fontInfo) subset(runes []rune) ([]byte, error) {
	glyf := fi.tables["glyf"]
	keep := make([]bool, fi.numGlyphs)
	keep[0] = true // .notdef
	queue := []uint16{}
	pairs := make([][2]uint16, 0, len(runes)) // rune, glyph
	for _, r := range runes {
		if !fi.printable(r) {
			continue
		}
		g := fi.glyph[r]
		pairs = append(pairs, [2]uint16{uint16(r), g})
		if !keep[g] {
			keep[g] = true
			queue = append(queue, g)
		}
	}
	for len(queue) > 0 {
		g := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		comps, err := components(glyf[fi.loca[g]:fi.loca[g+1]])
		if err != nil {
			return nil, fmt.Errorf("pdf: font glyph %d: %w", g, err)
		}
		for _, c := range comps {
			if int(c) >= fi.numGlyphs {
				return nil, fmt.Errorf("pdf: font glyph %d: component %d out of range", g, c)
			}
			if !keep[c] {
				keep[c] = true
				queue = append(queue, c)
			}
		}
	}
	var old []uint16 // new glyph index → original
	newID := make(map[uint16]uint16, len(pairs)+1)
	for g := range fi.numGlyphs {
		if keep[g] {
			newID[uint16(g)] = uint16(len(old))
			old = append(old, uint16(g))
		}
	}
	n := len(old)

	// glyf and loca (long offsets), hmtx with one full metric per glyph.
	hmtx := fi.tables["hmtx"]
	numHM := int(binary.BigEndian.Uint16(fi.tables["hhea"][34:]))
	lsb := func(g int) []byte {
		if g < numHM {
			return hmtx[4*g+2 : 4*g+4]
		}
		return hmtx[4*numHM+2*(g-numHM) : 4*numHM+2*(g-numHM)+2]
	}
	newLoca := make([]byte, 4*(n+1))
	newHmtx := make([]byte, 4*n)
	var newGlyf []byte
	for i, g := range old {
		binary.BigEndian.PutUint32(newLoca[4*i:], uint32(len(newGlyf)))
		at := len(newGlyf)
		newGlyf = append(newGlyf, glyf[fi.loca[g]:fi.loca[g+1]]...)
		if err := renumberComponents(newGlyf[at:], newID); err != nil {
			return nil, fmt.Errorf("pdf: font glyph %d: %w", g, err)
		}
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
		binary.BigEndian.PutUint16(newHmtx[4*i:], fi.advance[g])
		copy(newHmtx[4*i+2:], lsb(int(g)))
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))
	for i := range pairs {
		pairs[i][1] = newID[pairs[i][1]]
	}

	head := slices.Clone(fi.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // indexToLocFormat: long
	hhea := slices.Clone(fi.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n)) // numberOfHMetrics
	maxp := slices.Clone(fi.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n)) // numGlyphs

	// post version 3: no glyph names (gofpdf writes version 3 anyway).
	post := slices.Clone(fi.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000)

	tables := map[string][]byte{
		"head": head,
		"hhea": hhea,
		"maxp": maxp,
		"OS/2": fi.tables["OS/2"],
		"name": fi.tables["name"],
		"hmtx": newHmtx,
		"post": post,
		"cmap": cmapFormat4(pairs),
		"loca": newLoca,
		"glyf": newGlyf,
	}
	for _, t := range []string{"cvt ", "fpgm", "prep", "gasp"} {
		if b, ok := fi.tables[t]; ok {
			tables[t] = b
		}
	}
	return assembleSFNT(tables), nil
}

// renumberComponents rewrites, in place, the glyph indices a composite
// glyph refers to (see components).
func renumberComponents(g []byte, newID map[uint16]uint16) error {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	for p := 10; ; {
		if p+4 > len(g) {
			return errors.New("composite glyph truncated")
		}
		flags := binary.BigEndian.Uint16(g[p:])
		c, ok := newID[binary.BigEndian.Uint16(g[p+2:])]
		if !ok {
			return errors.New("component not kept")
		}
		binary.BigEndian.PutUint16(g[p+2:], c)
		p += 4
		if flags&0x0001 != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&0x0008 != 0:
			p += 2
		case flags&0x0040 != 0:
			p += 4
		case flags&0x0080 != 0:
			p += 8
		}
		if flags&0x0020 == 0 {
			return nil
		}
	}
}

// components returns the glyph indices a composite glyph refers to.
func components(g []byte) ([]uint16, error) {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil, nil // empty or simple glyph
	}
	const (
		argWords     = 0x0001
		haveScale    = 0x0008
		moreComps    = 0x0020
		haveXYScale  = 0x0040
		haveTwoByTwo = 0x0080
	)
	var out []uint16
	for p := 10; ; {
		if p+4 > len(g) {
			return nil, errors.New("composite glyph truncated")
		}
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, binary.BigEndian.Uint16(g[p+2:]))
		p += 4
		if flags&argWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComps == 0 {
			return out, nil
		}
	}
}

// cmapFormat4 builds a cmap table with one Windows Unicode BMP subtable
// mapping the given (rune, glyph) pairs. Runs of consecutive runes with
// consecutive glyphs share a segment.
func cmapFormat4(pairs [][2]uint16) []byte {
	sort.Slice(pairs, func(i, j int) bool { return pairs[i][0] < pairs[j][0] })
	pairs = slices.Compact(pairs)
	type seg struct{ start, end, delta uint16 }
	var segs []seg
	for _, p := range pairs {
		if p[0] == 0xFFFF {
			continue
		}
		delta := p[1] - p[0] // modulo 65536
		if n := len(segs); n > 0 && segs[n-1].end+1 == p[0] && segs[n-1].delta == delta {
			segs[n-1].end = p[0]
			continue
		}
		segs = append(segs, seg{p[0], p[0], delta})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})

	n := len(segs)
	searchRange, entrySelector := 2, 0
	for searchRange*2 <= 2*n {
		searchRange *= 2
		entrySelector++
	}
	sub := make([]byte, 16+8*n)
	be := binary.BigEndian
	be.PutUint16(sub[0:], 4)
	be.PutUint16(sub[2:], uint16(len(sub)))
	be.PutUint16(sub[6:], uint16(2*n))
	be.PutUint16(sub[8:], uint16(searchRange))
	be.PutUint16(sub[10:], uint16(entrySelector))
	be.PutUint16(sub[12:], uint16(2*n-searchRange))
	for i, s := range segs {
		be.PutUint16(sub[14+2*i:], s.end)
		be.PutUint16(sub[16+2*n+2*i:], s.start)
		be.PutUint16(sub[16+4*n+2*i:], s.delta)
		// idRangeOffset stays 0
	}
	hdr := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(hdr, sub...)
}

// assembleSFNT writes a TrueType file from its tables.
func assembleSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	size := 12 + 16*len(tables)
	for t, b := range tables {
		tags = append(tags, t)
		size += (len(b) + 3) &^ 3
	}
	sort.Strings(tags)
	n := len(tags)
	searchRange, entrySelector := 1, 0
	for searchRange*2 <= n {
		searchRange *= 2
		entrySelector++
	}
	out := make([]byte, 12+16*n, size)
	be := binary.BigEndian
	be.PutUint32(out[0:], 0x00010000)
	be.PutUint16(out[4:], uint16(n))
	be.PutUint16(out[6:], uint16(16*searchRange))
	be.PutUint16(out[8:], uint16(entrySelector))
	be.PutUint16(out[10:], uint16(16*(n-searchRange)))
	headAt := 0
	for i, t := range tags {
		b := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		be.PutUint32(rec[4:], checksum(b))
		be.PutUint32(rec[8:], uint32(len(out)))
		be.PutUint32(rec[12:], uint32(len(b)))
		if t == "head" {
			headAt = len(out)
		}
		out = append(out, b...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	be.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	if len(b) > 0 {
		var last [4]byte
		copy(last[:], b)
		sum += binary.BigEndian.Uint32(last[:])
	}
	return sum
}

// subsetTag derives the six capital letters that name a subset font
// ("ABCDEF+IPAexGothic") from the characters it holds.
func subsetTag(runes []rune) string {
	h := fnv.New32a()
	var b [4]byte
	for _, r := range runes {
		binary.BigEndian.PutUint32(b[:], uint32(r))
		h.Write(b[:])
	}
	v := h.Sum32()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(v%26)
		v /= 26
	}
	return string(tag)
}
