package pdf

import "math"

// paper is a page size with the margins and the column grid that follow
// from it. The grid has one column per millimetre of the printable width,
// so a column's size is its width.
type paper struct {
	name         string
	w, h         float64 // millimetres, portrait
	marginX      float64 // left and right
	marginTop    float64
	marginBottom float64
}

var (
	// a4 is for letters and forms mailed or filed: 210 × 297 mm, a
	// printable width of 180 mm.
	a4 = paper{name: "A4", w: 210, h: 297, marginX: 15, marginTop: 12, marginBottom: 14}
	// a5 is for the prescription (院外処方箋): 148 × 210 mm, a printable
	// width of 128 mm; the margins stay clear of what office printers
	// cannot print (about 5 mm).
	a5 = paper{name: "A5", w: 148, h: 210, marginX: 10, marginTop: 10, marginBottom: 12}
)

// contentW is the printable width in millimetres, which is also the
// number of grid columns.
func (p paper) contentW() int { return int(math.Round(p.w - 2*p.marginX)) }

// contentH is the printable height, running header and footer included.
func (p paper) contentH() float64 { return p.h - p.marginTop - p.marginBottom }
