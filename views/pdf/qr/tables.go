package qr

// The symbol tables of JIS X 0510 / ISO/IEC 18004 for error correction
// level M, indexed by version (1–40; index 0 is unused).

// eccPerBlock is the number of error correction codewords in each block
// (Table 9).
var eccPerBlock = [41]int{0,
	10, 16, 26, 18, 24, 16, 18, 22, 22, 26,
	30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
	26, 28, 28, 28, 28, 28, 28, 28, 28, 28,
	28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
}

// numBlocks is the number of error correction blocks (Table 9).
var numBlocks = [41]int{0,
	1, 1, 1, 2, 2, 4, 4, 4, 5, 5,
	5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
	17, 17, 18, 20, 21, 23, 25, 26, 28, 29,
	31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
}

// rawModules returns the number of modules of a symbol of version v that
// hold codewords (data, error correction and remainder bits): everything
// but the function patterns and the format and version information.
func rawModules(v int) int {
	n := (16*v+128)*v + 64
	if v >= 2 {
		align := v/7 + 2
		n -= (25*align-10)*align - 55
		if v >= 7 {
			n -= 36
		}
	}
	return n
}

// totalCodewords is the number of codewords of a symbol of version v.
func totalCodewords(v int) int { return rawModules(v) / 8 }

// dataCodewords is the number of data codewords of a symbol of version v at
// level M.
func dataCodewords(v int) int { return totalCodewords(v) - eccPerBlock[v]*numBlocks[v] }

// countBits is the length of the character count indicator of byte mode.
func countBits(v int) int {
	if v <= 9 {
		return 8
	}
	return 16
}

// alignmentPositions returns the row and column coordinates of the
// centres of the alignment patterns of version v (Annex E).
func alignmentPositions(v int) []int {
	if v == 1 {
		return nil
	}
	n := v/7 + 2
	size := 4*v + 17
	step := (v*8 + n*3 + 5) / (n*4 - 4) * 2
	pos := make([]int, n)
	pos[0] = 6
	for i, p := n-1, size-7; i >= 1; i, p = i-1, p-step {
		pos[i] = p
	}
	return pos
}
