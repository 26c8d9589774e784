package qr

// matrix is a symbol being built: its modules and which of them belong
// to function patterns (finder, timing, alignment, format and version
// information), which data and masking leave alone.
type matrix struct {
	size     int
	dark     []bool
	function []bool
}

func newMatrix(v int) *matrix {
	size := 4*v + 17
	m := &matrix{size: size, dark: make([]bool, size*size), function: make([]bool, size*size)}
	// Timing patterns.
	for i := range size {
		m.setFunction(6, i, i%2 == 0)
		m.setFunction(i, 6, i%2 == 0)
	}
	// Finder patterns with their separators.
	for _, c := range [][2]int{{3, 3}, {size - 4, 3}, {3, size - 4}} {
		for dy := -4; dy <= 4; dy++ {
			for dx := -4; dx <= 4; dx++ {
				x, y := c[0]+dx, c[1]+dy
				if x < 0 || x >= size || y < 0 || y >= size {
					continue
				}
				d := max(abs(dx), abs(dy))
				m.setFunction(x, y, d != 2 && d != 4)
			}
		}
	}
	// Alignment patterns, except where they would overlap a finder.
	pos := alignmentPositions(v)
	for i, y := range pos {
		for j, x := range pos {
			if (i == 0 && j == 0) || (i == 0 && j == len(pos)-1) || (i == len(pos)-1 && j == 0) {
				continue
			}
			for dy := -2; dy <= 2; dy++ {
				for dx := -2; dx <= 2; dx++ {
					m.setFunction(x+dx, y+dy, max(abs(dx), abs(dy)) != 1)
				}
			}
		}
	}
	// Reserve the format information (drawn once the mask is chosen)
	// and draw the version information.
	m.drawFormat(0)
	if v >= 7 {
		bits := versionBits(v)
		for i := range 18 {
			d := bits>>uint(i)&1 != 0
			a, b := size-11+i%3, i/3
			m.setFunction(a, b, d)
			m.setFunction(b, a, d)
		}
	}
	return m
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (m *matrix) setFunction(x, y int, dark bool) {
	m.dark[y*m.size+x] = dark
	m.function[y*m.size+x] = true
}

// formatBits is the 15-bit format information for level M and a mask:
// BCH(15,5) with generator 0x537, XORed with 0x5412 (clause 7.9).
func formatBits(mask int) uint {
	data := uint(0b00<<3 | mask) // level M is 00
	rem := data
	for range 10 {
		rem = rem<<1 ^ (rem>>9)*0x537
	}
	return (data<<10 | rem&0x3FF) ^ 0x5412
}

// versionBits is the 18-bit version information: BCH(18,6) with
// generator 0x1F25 (clause 7.10).
func versionBits(v int) uint {
	rem := uint(v)
	for range 12 {
		rem = rem<<1 ^ (rem>>11)*0x1F25
	}
	return uint(v)<<12 | rem&0xFFF
}

// drawFormat draws both copies of the format information and the dark
// module beside the lower-left finder.
func (m *matrix) drawFormat(mask int) {
	bits := formatBits(mask)
	bit := func(i int) bool { return bits>>uint(i)&1 != 0 }
	s := m.size
	for i := range 6 {
		m.setFunction(8, i, bit(i))
	}
	m.setFunction(8, 7, bit(6))
	m.setFunction(8, 8, bit(7))
	m.setFunction(7, 8, bit(8))
	for i := 9; i < 15; i++ {
		m.setFunction(14-i, 8, bit(i))
	}
	for i := range 8 {
		m.setFunction(s-1-i, 8, bit(i))
	}
	for i := 8; i < 15; i++ {
		m.setFunction(8, s-15+i, bit(i))
	}
	m.setFunction(8, s-8, true)
}

// placeCodewords fills the non-function modules with the codewords'
// bits in the zigzag order of clause 7.7.3: two-module columns from the
// right, alternately upward and downward, skipping the vertical timing
// pattern. Modules left over (remainder bits) stay light.
func (m *matrix) placeCodewords(cw []byte) {
	s := m.size
	i, n := 0, 8*len(cw)
	for right := s - 1; right >= 1; right -= 2 {
		if right == 6 {
			right = 5
		}
		upward := (right+1)&2 == 0
		for vert := range s {
			y := vert
			if upward {
				y = s - 1 - vert
			}
			for j := range 2 {
				x := right - j
				if m.function[y*s+x] || i >= n {
					continue
				}
				m.dark[y*s+x] = cw[i>>3]>>uint(7-i&7)&1 != 0
				i++
			}
		}
	}
}

// masked reports whether mask k inverts the module in column x, row y
// (Table 10).
func masked(k, x, y int) bool {
	switch k {
	case 0:
		return (x+y)%2 == 0
	case 1:
		return y%2 == 0
	case 2:
		return x%3 == 0
	case 3:
		return (x+y)%3 == 0
	case 4:
		return (x/3+y/2)%2 == 0
	case 5:
		return x*y%2+x*y%3 == 0
	case 6:
		return (x*y%2+x*y%3)%2 == 0
	default:
		return ((x+y)%2+x*y%3)%2 == 0
	}
}

// applyMask inverts the data modules mask k selects (applying it twice
// undoes it).
func (m *matrix) applyMask(k int) {
	s := m.size
	for y := range s {
		for x := range s {
			if !m.function[y*s+x] && masked(k, x, y) {
				m.dark[y*s+x] = !m.dark[y*s+x]
			}
		}
	}
}

// chooseMask returns the mask whose symbol has the lowest penalty
// (clause 7.8.3), the lowest-numbered one on a tie. Each candidate is
// scored on a copy of the modules as bytes (0 light, 1 dark).
func (m *matrix) chooseMask() int {
	s := m.size
	// which[i] has bit k set when mask k inverts module i.
	which := make([]byte, s*s)
	for y := range s {
		for x := range s {
			if m.function[y*s+x] {
				continue
			}
			var w byte
			for k := range 8 {
				if masked(k, x, y) {
					w |= 1 << uint(k)
				}
			}
			which[y*s+x] = w
		}
	}
	grid := make([]byte, s*s)
	buf := make([]byte, s+8)
	best, bestScore := 0, -1
	for k := range 8 {
		m.drawFormat(k)
		for i, d := range m.dark {
			grid[i] = b2i(d) ^ (which[i] >> uint(k) & 1)
		}
		if p := penalty(grid, s, buf); bestScore < 0 || p < bestScore {
			best, bestScore = k, p
		}
	}
	return best
}

// Penalty weights N1–N4 of clause 7.8.3.1.
const (
	penaltyN1 = 3
	penaltyN2 = 3
	penaltyN3 = 40
	penaltyN4 = 10
)

// penalty scores a symbol of size×size modules (0 light, 1 dark, row by
// row) by the four rules of Table 11; buf is scratch of size+8 bytes.
func penalty(grid []byte, size int, buf []byte) int {
	s := size
	score := 0
	// Each row and column goes into buf with four light modules on
	// either side, so that beyond the symbol counts as light without
	// bounds checks.
	for a := range s {
		copy(buf[4:], grid[a*s:a*s+s])
		score += linePenalty(buf)
	}
	for a := range s {
		line := buf[4 : 4+s]
		for b := range line {
			line[b] = grid[b*s+a]
		}
		score += linePenalty(buf)
	}
	// N2: each 2×2 block of one colour.
	for y := range s - 1 {
		row, next := grid[y*s:y*s+s], grid[(y+1)*s:(y+1)*s+s]
		for x := range s - 1 {
			c := row[x]
			if row[x+1] == c && next[x] == c && next[x+1] == c {
				score += penaltyN2
			}
		}
	}
	// N4: 10 points for each full 5 % the dark share is away from 50 %.
	dark := 0
	for _, d := range grid {
		dark += int(d)
	}
	total := s * s
	score += abs(20*dark-10*total) / total * penaltyN4
	return score
}

func b2i(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// linePenalty scores one row or column, given with four light modules
// (0) on either side, by rules N1 (runs of five or more modules of one
// colour) and N3 (the finder-like 1011101 with four light modules before
// or after it; beyond the symbol counts as light).
//
// Both rules are read off the runs of the line: 1011101 is a dark run
// ending where a light run of 1, a dark run of 3, a light run of 1 and a
// dark run follow; "four light before it" means that first dark run is 1
// long behind a light run of at least 4, and likewise after.
func linePenalty(buf []byte) int {
	var runs [2*177/2 + 8]int // lengths of the runs, the padding's light runs included
	n := 0
	for i := 0; i < len(buf); {
		j := i + 1
		for j < len(buf) && buf[j] == buf[i] {
			j++
		}
		runs[n] = j - i
		n++
		i = j
	}
	// The padding's 4 light modules are in the first and last runs: take
	// them out for N1, and count those runs as reaching beyond the symbol.
	runs[0] -= 4
	runs[n-1] -= 4
	score := 0
	for _, r := range runs[:n] {
		if r >= 5 {
			score += penaltyN1 + r - 5
		}
	}
	runs[0] += 1000
	runs[n-1] += 1000
	// The padding makes the first and last runs light, so dark runs are
	// the odd ones.
	for k := 3; k+3 < n; k += 2 {
		if runs[k] != 3 || runs[k-1] != 1 || runs[k+1] != 1 {
			continue
		}
		// A pattern with light on both sides counts twice, as one seen
		// from either side.
		if runs[k-2] == 1 && runs[k-3] >= 4 {
			score += penaltyN3
		}
		if runs[k+2] == 1 && runs[k+3] >= 4 {
			score += penaltyN3
		}
	}
	return score
}
