package qr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestCapacity: the byte-mode capacity at level M of every version, as
// listed in Table 7 of the standard, follows from the block tables.
func TestCapacity(t *testing.T) {
	want := [41]int{0,
		14, 26, 42, 62, 84, 106, 122, 152, 180, 213,
		251, 287, 331, 362, 412, 450, 504, 560, 624, 666,
		711, 779, 857, 911, 997, 1059, 1125, 1190, 1264, 1370,
		1452, 1538, 1628, 1722, 1809, 1911, 1989, 2099, 2213, 2331,
	}
	// Total codewords per version (Table 1), a few of them.
	total := map[int]int{1: 26, 2: 44, 5: 134, 7: 196, 10: 346, 15: 655, 20: 1085, 27: 1828, 40: 3706}
	for v := 1; v <= 40; v++ {
		if got := (8*dataCodewords(v) - 4 - countBits(v)) / 8; got != want[v] {
			t.Errorf("version %d holds %d bytes, want %d", v, got, want[v])
		}
		if n, ok := total[v]; ok && totalCodewords(v) != n {
			t.Errorf("version %d has %d codewords, want %d", v, totalCodewords(v), n)
		}
		if tc := totalCodewords(v); tc/numBlocks[v]-eccPerBlock[v] < 1 {
			t.Errorf("version %d: blocks without data", v)
		}
	}
	if want[40] != MaxBytes {
		t.Errorf("MaxBytes = %d", MaxBytes)
	}
}

// TestAlignmentPositions against Annex E.
func TestAlignmentPositions(t *testing.T) {
	for v, want := range map[int][]int{
		1:  nil,
		2:  {6, 18},
		7:  {6, 22, 38},
		14: {6, 26, 46, 66},
		15: {6, 26, 48, 70},
		22: {6, 26, 50, 74, 98},
		32: {6, 34, 60, 86, 112, 138},
		36: {6, 24, 50, 76, 102, 128, 154},
		40: {6, 30, 58, 86, 114, 142, 170},
	} {
		if got := alignmentPositions(v); !slices.Equal(got, want) {
			t.Errorf("version %d: %v, want %v", v, got, want)
		}
	}
}

// TestFormatAndVersionBits against the tables of Annexes C and D.
func TestFormatAndVersionBits(t *testing.T) {
	format := []string{
		"101010000010010", "101000100100101", "101111001111100", "101101101001011",
		"100010111111001", "100000011001110", "100111110010111", "100101010100000",
	}
	for mask, want := range format {
		if got := formatBits(mask); got != parseBits(want) {
			t.Errorf("format bits of M, mask %d: %015b, want %s", mask, got, want)
		}
	}
	for v, want := range map[int]uint{7: 0x07C94, 8: 0x085BC, 9: 0x09A99, 10: 0x0A4D3, 21: 0x15683, 40: 0x28C69} {
		if got := versionBits(v); got != want {
			t.Errorf("version bits of %d: %#05x, want %#05x", v, got, want)
		}
	}
}

func parseBits(s string) uint {
	var v uint
	for _, c := range s {
		v = v<<1 | uint(c-'0')
	}
	return v
}

// TestReedSolomon: the error correction codewords of the 1-M symbol of
// "HELLO WORLD" (alphanumeric), the standard's worked example.
func TestReedSolomon(t *testing.T) {
	data := []byte{32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17}
	want := []byte{196, 35, 39, 119, 235, 215, 231, 226, 93, 23}
	if got := ecc(data, 10); !bytes.Equal(got, want) {
		t.Errorf("ecc = %v, want %v", got, want)
	}
	// A codeword sequence with its ECC appended is divisible by the
	// generator: its own remainder is zero.
	if got := ecc(append(slices.Clone(data), want...), 10); !bytes.Equal(got, make([]byte, 10)) {
		t.Errorf("remainder of a codeword = %v", got)
	}
}

// modules draws a symbol as text, one row per line.
func modules(s *Symbol) string {
	var b strings.Builder
	for y := range s.Size {
		for x := range s.Size {
			if s.Dark(x, y) {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestKnownSymbols compares whole symbols with the ones another encoder
// (boombuler/barcode, the one maroto uses) draws for the same text with
// the same mask: every module, function patterns, format and version
// information, data placement and masking.
func TestKnownSymbols(t *testing.T) {
	v1 := strings.Join([]string{
		"#######.##....#######",
		"#.....#..#.##.#.....#",
		"#.###.#.....#.#.###.#",
		"#.###.#.#.###.#.###.#",
		"#.###.#.##..#.#.###.#",
		"#.....#.#..#..#.....#",
		"#######.#.#.#.#######",
		"........##.##........",
		"#...#.######.#####..#",
		".####..###.##....#.#.",
		".##..##.####..###.##.",
		".##..#..##...##.#....",
		".#.##.##.#..####.#.#.",
		"........#...###.####.",
		"#######.#...##..##.#.",
		"#.....#..#.##..#...##",
		"#.###.#.##.#..###...#",
		"#.###.#..#.##...##.##",
		"#.###.#..###..#.##...",
		"#.....#......##.#....",
		"#######.#...###.#...#",
	}, "\n") + "\n"
	s, err := Encode([]byte("hotline"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != 1 || s[0].Version != 1 || s[0].Mask != 4 {
		t.Fatalf("got %d symbols, version %d, mask %d; want 1, 1, 4", len(s), s[0].Version, s[0].Mask)
	}
	if got := modules(s[0]); got != v1 {
		t.Errorf("1-M symbol of \"hotline\":\n%s\nwant\n%s", got, v1)
	}
	for _, tc := range []struct {
		msg     string
		v, mask int
		sha     string
	}{
		{"https://hotline.example.jp/patient/login", 3, 4, "c8f88a7794c8ba356c9abf7715c11ba6681007a2faad0a7eb7b2a91737817fe5"},
		{strings.Repeat("abc123;", 30), 10, 2, "674ba3043e031535a28d4b132bf8ca5ad936225225c835f5ebd704cb944d0253"},
		{strings.Repeat("The quick brown fox ", 60), 29, 2, "26a4a926a9202edfd82d8a36f442e2fdf6063c1f925ad6892f92e84c9b9cc068"},
		{strings.Repeat("z", 2331), 40, 1, "b5e49de716243f052298d3269e9d210ebe082ae7b836053574854c7652c5385f"},
	} {
		s := build([]byte(tc.msg), tc.v, 0, 1, 0, tc.mask)
		sum := sha256.Sum256([]byte(modules(s)))
		if got := hex.EncodeToString(sum[:]); got != tc.sha {
			t.Errorf("%d-M symbol, mask %d, of %.20q…: modules hash %s, want %s", tc.v, tc.mask, tc.msg, got, tc.sha)
		}
	}
}

// TestPenalty checks the four rules on lines and blocks made for them.
func TestPenalty(t *testing.T) {
	line := func(s string) []byte {
		l := make([]byte, len(s)+8)
		for i, c := range s {
			l[i+4] = b2i(c == '#')
		}
		return l
	}
	cases := []struct {
		s    string
		want int
	}{
		{"#.#.#.#.#.#", 0},
		{"#####.#.#.#", 3},
		{"#######.#.#", 5},
		{"#.###.#.#.#", 40},                // the edge counts as light before it
		{".#.###.#.#.#", 40},               // light before it, partly beyond the edge
		{"#.#.###.#.#.#", 0},               // dark before it and after it
		{"....#.###.#....", 80},            // light on both sides counts twice
		{"##.###.#.#.", 0},                 // 1:1:3:1:1 with dark on either side
		{"#.#.#.#.#.#.#.#.#.##.###.#", 40}, // the edge after
	}
	for _, c := range cases {
		if got := linePenalty(line(c.s)); got != c.want {
			t.Errorf("linePenalty(%s) = %d, want %d", c.s, got, c.want)
		}
	}

	// N2 and N4 on a whole matrix: all light is 2×2 blocks everywhere, one
	// colour (N4: 50 % off → 100), and runs the length of every line.
	n1 := 2 * 21 * (3 + 21 - 5)
	n2 := 20 * 20 * 3
	if got, want := penalty(make([]byte, 21*21), 21, make([]byte, 21+8)), n1+n2+100; got != want {
		t.Errorf("penalty of a blank matrix = %d, want %d", got, want)
	}
}

// TestStructuredAppend: a message too long for one symbol of the
// version allowed is split into several, each with the header that joins
// them, and the parts put together are the message.
func TestStructuredAppend(t *testing.T) {
	msg := sampleShiftJIS(t, 1500)
	syms, err := Encode(msg, Options{MaxVersion: 15, CharStart: ShiftJISCharStart})
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 4 {
		t.Fatalf("%d symbols, want 4 of version 15 (410 bytes each behind the header)", len(syms))
	}
	var parity byte
	for _, b := range msg {
		parity ^= b
	}
	var joined []byte
	for i, s := range syms {
		if s.Version != syms[0].Version || s.Version > 15 {
			t.Errorf("symbol %d has version %d", i, s.Version)
		}
		if s.Index != i || s.Total != len(syms) {
			t.Errorf("symbol %d is %d of %d", i, s.Index, s.Total)
		}
		hdr, part := readSymbol(t, s)
		if want := [3]int{i, len(syms) - 1, int(parity)}; hdr != want {
			t.Errorf("symbol %d header (index, total−1, parity) = %v, want %v", i, hdr, want)
		}
		if i < len(syms)-1 && !ShiftJISCharStart(msg, len(joined)+len(part)) {
			t.Errorf("symbol %d ends inside a character", i)
		}
		joined = append(joined, part...)
	}
	if !bytes.Equal(joined, msg) {
		t.Error("the parts do not make up the message")
	}

	// One symbol when it fits; the fewest symbols, then the smallest version.
	if s, _ := Encode(msg[:400], Options{MaxVersion: 15}); len(s) != 1 || s[0].Version != 15 || s[0].Total != 1 {
		t.Errorf("400 bytes: %d symbols of version %d, want one of version 15", len(s), s[0].Version)
	}
	if s, _ := Encode(msg[:500], Options{MaxVersion: 15}); len(s) != 2 || s[0].Version != 12 {
		t.Errorf("500 bytes: %d symbols of version %d, want 2 of version 12 (249 bytes each at 11)", len(s), s[0].Version)
	}
	if _, err := Encode(make([]byte, 16*410+1), Options{MaxVersion: 15}); !errors.Is(err, ErrTooLong) {
		t.Errorf("17 symbols' worth: err = %v, want ErrTooLong", err)
	}
	if s, err := Encode(make([]byte, MaxBytes), Options{}); err != nil || len(s) != 1 || s[0].Version != 40 {
		t.Errorf("2,331 bytes: %v", err)
	}
	if _, err := Encode(nil, Options{MaxVersion: 41}); err == nil {
		t.Error("version 41 accepted")
	}
}

// readSymbol reads the bit stream of a symbol back: it undoes the mask,
// reads the modules in placement order, de-interleaves the data codewords
// and parses the structured append header and the byte-mode segment.
func readSymbol(t *testing.T, s *Symbol) (hdr [3]int, data []byte) {
	t.Helper()
	m := newMatrix(s.Version)
	copy(m.dark, s.dark)
	m.applyMask(s.Mask)
	// Read the codewords in the order placeCodewords writes them.
	n := totalCodewords(s.Version)
	cw := make([]byte, n)
	i, size := 0, m.size
	for right := size - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for vert := range size {
			y := vert
			if upward {
				y = size - 1 - vert
			}
			for j := range 2 {
				x := right - j
				if m.function[y*size+x] || i >= 8*n {
					continue
				}
				if m.dark[y*size+x] {
					cw[i>>3] |= 0x80 >> uint(i&7)
				}
				i++
			}
		}
	}
	// De-interleave the data codewords.
	nb := numBlocks[s.Version]
	short := nb - n%nb
	shortData := n/nb - eccPerBlock[s.Version]
	blocks := make([][]byte, nb)
	k := 0
	for col := range shortData + 1 {
		for b := range nb {
			if col < shortData || b >= short {
				blocks[b] = append(blocks[b], cw[k])
				k++
			}
		}
	}
	var stream []byte
	for _, b := range blocks {
		stream = append(stream, b...)
	}
	r := bitReader{buf: stream}
	mode := r.get(4)
	if mode == 0b0011 {
		hdr = [3]int{r.get(4), r.get(4), r.get(8)}
		mode = r.get(4)
	} else {
		hdr = [3]int{-1, -1, -1}
	}
	if mode != 0b0100 {
		t.Fatalf("mode %04b, want byte mode", mode)
	}
	count := r.get(countBits(s.Version))
	for range count {
		data = append(data, byte(r.get(8)))
	}
	return hdr, data
}

type bitReader struct {
	buf []byte
	n   int
}

func (r *bitReader) get(bits int) int {
	v := 0
	for range bits {
		v = v<<1 | int(r.buf[r.n>>3]>>uint(7-r.n&7)&1)
		r.n++
	}
	return v
}
