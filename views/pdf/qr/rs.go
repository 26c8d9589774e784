package qr

// Reed–Solomon error correction over GF(2⁸) with the field's primitive
// polynomial x⁸+x⁴+x³+x²+1 (0x11D) and generator α = 2 (clause 7.5.2).

var gfExp, gfLog = func() (exp [512]byte, log [256]int) {
	x := 1
	for i := range 255 {
		exp[i] = byte(x)
		log[x] = i
		x <<= 1
		if x&0x100 != 0 {
			x ^= 0x11D
		}
	}
	for i := 255; i < 512; i++ {
		exp[i] = exp[i-255]
	}
	return exp, log
}()

func gfMul(a, b byte) byte {
	if a == 0 || b == 0 {
		return 0
	}
	return gfExp[gfLog[a]+gfLog[b]]
}

// generator returns the coefficients of the generator polynomial of
// degree n, (x−α⁰)(x−α¹)…(x−αⁿ⁻¹), highest power first without the
// leading 1.
func generator(n int) []byte {
	g := make([]byte, n)
	g[n-1] = 1 // the polynomial 1, kept at the low end while it grows
	root := byte(1)
	for range n {
		// Multiply by (x − root); in GF(2⁸) minus is plus.
		for j := range n {
			g[j] = gfMul(g[j], root)
			if j+1 < n {
				g[j] ^= g[j+1]
			}
		}
		root = gfMul(root, 2)
	}
	return g
}

var generators [31][]byte // by degree; only the degrees of Table 9 are used

func init() {
	for v := 1; v <= 40; v++ {
		if n := eccPerBlock[v]; generators[n] == nil {
			generators[n] = generator(n)
		}
	}
}

// ecc returns the n error correction codewords of data: the remainder of
// data·xⁿ divided by the generator polynomial.
func ecc(data []byte, n int) []byte {
	g := generators[n]
	if g == nil {
		g = generator(n)
	}
	rem := make([]byte, n)
	for _, b := range data {
		f := b ^ rem[0]
		copy(rem, rem[1:])
		rem[n-1] = 0
		if f == 0 {
			continue
		}
		lf := gfLog[f]
		for j, c := range g {
			if c != 0 {
				rem[j] ^= gfExp[gfLog[c]+lf]
			}
		}
	}
	return rem
}
