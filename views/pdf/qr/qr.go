// Package qr encodes QR Code symbols (JIS X 0510 / ISO/IEC 18004, model 2)
// in byte mode at error correction level M, the form printed documents
// use: the JAHIS prescription symbol, the patient's access card.
//
// A message too long for one symbol of the largest version allowed is
// split into up to 16 symbols joined by structured append (構造的連接):
// each symbol starts with mode 0011, its position, the number of symbols
// less one and a parity byte (the XOR of every byte of the whole message),
// so a reader puts the message back together in order whatever order the
// symbols are scanned in. The libraries at hand (boombuler/barcode, which
// maroto draws with, and the others the module proxy serves) cannot write
// structured append, hence this package.
//
// The bytes are encoded as they are (no ECI, no conversion): a Shift_JIS
// message is given as its Shift_JIS bytes and a reader returns the same
// bytes.
package qr

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

const (
	// MaxSymbols is the most symbols structured append can join.
	MaxSymbols = 16
	// QuietZone is the light margin, in modules, a symbol needs on every
	// side.
	QuietZone = 4
	// MaxBytes is what one version 40-M symbol holds in byte mode.
	MaxBytes = 2331
)

// ErrTooLong is returned when a message does not fit MaxSymbols symbols
// of the largest version allowed.
var ErrTooLong = errors.New("qr: message too long")

// Options says how a message may be encoded.
type Options struct {
	// MaxVersion is the largest version (1–40) of a symbol: a longer
	// message is split by structured append. 0 means 40.
	MaxVersion int
	// CharStart, when set, reports whether data[i] begins a character: a
	// message is split between symbols only there, so that a reader that
	// decodes each symbol by itself never sees half a character. nil
	// allows a split anywhere.
	CharStart func(data []byte, i int) bool
}

// Symbol is one encoded QR Code symbol.
type Symbol struct {
	Version int // 1–40
	Size    int // modules per side, 4·Version+17
	Mask    int // the data mask chosen, 0–7
	// Index and Total place the symbol in a structured append sequence
	// (Index from 0); a symbol on its own has Total 1.
	Index, Total int
	dark         []bool // Size×Size, row by row
}

// Dark reports whether the module in column x, row y is dark.
func (s *Symbol) Dark(x, y int) bool { return s.dark[y*s.Size+x] }

// PNG returns the symbol as a two-colour (1-bit) PNG with one pixel per
// module and no quiet zone: drawn scaled to the size wanted, each module
// stays a sharp square (PDF renderers do not smooth an image enlarged
// this much). One bit a pixel and the fast compression level keep it
// cheap: at 8 bits and the best level, compressing the PNG cost more than
// encoding the symbol.
func (s *Symbol) PNG() []byte {
	img := image.NewPaletted(image.Rect(0, 0, s.Size, s.Size), bw)
	for i, d := range s.dark {
		if !d {
			img.Pix[i] = 1
		}
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		panic(err) // writing to memory does not fail
	}
	return b.Bytes()
}

// bw is the palette of PNG: dark, light.
var bw = color.Palette{color.Gray{Y: 0}, color.Gray{Y: 0xFF}}

// Image returns the symbol with its quiet zone at scale pixels per module.
func (s *Symbol) Image(scale int) *image.Gray {
	n := (s.Size + 2*QuietZone) * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for i := range img.Pix {
		img.Pix[i] = 0xFF
	}
	for y := range s.Size {
		for x := range s.Size {
			if !s.Dark(x, y) {
				continue
			}
			for dy := range scale {
				row := ((y+QuietZone)*scale + dy) * n
				for dx := range scale {
					img.Pix[row+(x+QuietZone)*scale+dx] = 0
				}
			}
		}
	}
	return img
}

// Fits reports whether data fits one symbol of at most maxVersion, so a
// caller can choose the layout before paying for the encoding.
func Fits(data []byte, maxVersion int) bool {
	for v := 1; v <= min(maxVersion, 40); v++ {
		if bitsFor(len(data), v, false) <= 8*dataCodewords(v) {
			return true
		}
	}
	return false
}

// Encode encodes data in the smallest symbol that holds it, or, when no
// symbol up to opt.MaxVersion does, in the fewest symbols of the smallest
// version joined by structured append.
func Encode(data []byte, opt Options) ([]*Symbol, error) {
	maxV := opt.MaxVersion
	if maxV == 0 {
		maxV = 40
	}
	if maxV < 1 || maxV > 40 {
		return nil, fmt.Errorf("qr: version %d out of range", maxV)
	}
	for v := 1; v <= maxV; v++ {
		if bitsFor(len(data), v, false) <= 8*dataCodewords(v) {
			return []*Symbol{encodeSymbol(data, v, 0, 1, 0)}, nil
		}
	}
	parts, v := split(data, maxV, opt.CharStart)
	if parts == nil {
		return nil, fmt.Errorf("%w: %d bytes do not fit %d symbols of version %d", ErrTooLong, len(data), MaxSymbols, maxV)
	}
	var parity byte
	for _, b := range data {
		parity ^= b
	}
	syms := make([]*Symbol, len(parts))
	for i, p := range parts {
		syms[i] = encodeSymbol(p, v, i, len(parts), parity)
	}
	return syms, nil
}

// bitsFor is the length of the bit stream of n bytes in one symbol of
// version v, with or without a structured append header.
func bitsFor(n, v int, sa bool) int {
	bits := 4 + countBits(v) + 8*n
	if sa {
		bits += 20
	}
	return bits
}

// capacity is the most bytes one symbol of version v holds behind a
// structured append header.
func capacity(v int) int { return (8*dataCodewords(v) - 20 - 4 - countBits(v)) / 8 }

// split divides data for the fewest symbols, then the smallest version
// that holds them, filling each symbol as far as a character boundary
// allows. It returns nil when 16 symbols of maxV are not enough.
func split(data []byte, maxV int, charStart func([]byte, int) bool) ([][]byte, int) {
	greedy := func(c int) [][]byte {
		var parts [][]byte
		for rest, off := data, 0; len(rest) > 0; {
			n := min(c, len(rest))
			if n < len(rest) && charStart != nil {
				for n > 1 && !charStart(data, off+n) {
					n--
				}
			}
			parts = append(parts, rest[:n])
			rest, off = rest[n:], off+n
			if len(parts) > MaxSymbols {
				return nil
			}
		}
		return parts
	}
	best := greedy(capacity(maxV))
	if best == nil {
		return nil, 0
	}
	// The smallest version that needs no more symbols than maxV does.
	for v := 1; v < maxV; v++ {
		if p := greedy(capacity(v)); p != nil && len(p) <= len(best) {
			return p, v
		}
	}
	return best, maxV
}

// encodeSymbol builds one symbol of version v holding data, with a
// structured append header when total > 1.
func encodeSymbol(data []byte, v, index, total int, parity byte) *Symbol {
	return build(data, v, index, total, parity, -1)
}

// build is encodeSymbol with the mask given, or chosen when mask < 0.
func build(data []byte, v, index, total int, parity byte, mask int) *Symbol {
	var w bitWriter
	if total > 1 {
		w.put(0b0011, 4)
		w.put(uint(index), 4)
		w.put(uint(total-1), 4)
		w.put(uint(parity), 8)
	}
	w.put(0b0100, 4) // byte mode
	w.put(uint(len(data)), countBits(v))
	for _, b := range data {
		w.put(uint(b), 8)
	}
	capBits := 8 * dataCodewords(v)
	w.put(0, min(4, capBits-w.n)) // terminator
	w.put(0, (8-w.n%8)%8)
	for pad := byte(0xEC); len(w.buf) < dataCodewords(v); pad ^= 0xEC ^ 0x11 {
		w.buf = append(w.buf, pad)
	}
	m := newMatrix(v)
	m.placeCodewords(interleave(w.buf, v))
	if mask < 0 {
		mask = m.chooseMask()
	}
	m.applyMask(mask)
	m.drawFormat(mask)
	return &Symbol{Version: v, Size: m.size, Mask: mask, Index: index, Total: total, dark: m.dark}
}

// bitWriter appends bits, most significant first.
type bitWriter struct {
	buf []byte
	n   int // bits written
}

func (w *bitWriter) put(v uint, bits int) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.buf = append(w.buf, 0)
		}
		if v>>uint(i)&1 != 0 {
			w.buf[len(w.buf)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
}

// interleave splits the data codewords into the blocks of version v,
// adds each block's error correction codewords and interleaves them
// (clause 7.6).
func interleave(data []byte, v int) []byte {
	nb, ne := numBlocks[v], eccPerBlock[v]
	total := totalCodewords(v)
	short := nb - total%nb // blocks one data codeword shorter
	shortData := total/nb - ne
	blocks := make([][]byte, nb)
	eccs := make([][]byte, nb)
	off := 0
	for i := range nb {
		n := shortData
		if i >= short {
			n++
		}
		blocks[i] = data[off : off+n]
		eccs[i] = ecc(blocks[i], ne)
		off += n
	}
	out := make([]byte, 0, total)
	for i := range shortData + 1 {
		for _, b := range blocks {
			if i < len(b) {
				out = append(out, b[i])
			}
		}
	}
	for i := range ne {
		for _, e := range eccs {
			out = append(out, e[i])
		}
	}
	return out
}

// ShiftJISCharStart is an Options.CharStart for Shift_JIS text: it
// reports whether data[i] begins a character, i.e. is not the second
// byte of a two-byte one.
func ShiftJISCharStart(data []byte, i int) bool {
	if i <= 0 || i >= len(data) {
		return true
	}
	for k := 0; k < i; {
		if b := data[k]; (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xFC) {
			if k+1 == i {
				return false
			}
			k += 2
		} else {
			k++
		}
	}
	return true
}
