package pdf

import (
	"fmt"
	"math"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Sizes of the dense forms (様式), in millimetres and points.
const (
	formPad     = 1.0 // text inset from a form box's borders
	sizeCaption = 6.0 // a box's caption in its top-left corner
	sizeLeast   = 6.0 // the smallest a value is shrunk to, to fit its box
	ruleThin    = 0.25
	ruleFrame   = 0.6 // the outer frame of a form
)

// form is a block of boxes drawn on a frame of fixed size, for the dense
// official layouts (院外処方箋 様式第二号): each box is a rectangle in
// millimetres from the form's top-left corner, so one box may span several
// rows or columns of others. Boxes are ruled with lines, not shaded: a
// label box is told by its smaller text (use tableRow for shaded labels).
// A value too long for its box is set smaller, down to its cell's minSize
// (sizeLeast by default); beyond that the form is an error, never cut.
type form struct {
	d     *doc
	w, h  float64
	comps []core.Component
	rules map[[4]int64]float64 // segments (x1, y1, x2, y2 in µm) → thickness
	err   error
}

// newForm starts a form h millimetres tall across the printable width.
func (d *doc) newForm(h float64) *form {
	return &form{d: d, w: float64(d.w), h: h, rules: map[[4]int64]float64{}}
}

// row adds boxes side by side from the left edge, each its cell's width,
// at y and h tall; it returns y+h, the top of the next row.
func (f *form) row(y, h float64, cells ...cell) float64 {
	x := 0.0
	for _, c := range cells {
		f.box(x, y, float64(c.w), h, c)
		x += float64(c.w)
	}
	return y + h
}

// box adds one box: its border (none for a bare cell), its caption in the
// top-left corner and its text.
func (f *form) box(x, y, w, h float64, c cell) {
	if !c.bare {
		f.rect(x, y, w, h, ruleThin)
	}
	cs, err := f.d.boxText(c, w, h, formPad)
	if err != nil && f.err == nil {
		f.err = err
	}
	f.place(x, y, w, h, cs...)
}

// frame draws a rectangle of rules thick millimetres wide (ruleFrame for
// the outer frame of a form).
func (f *form) frame(x, y, w, h, thick float64) { f.rect(x, y, w, h, thick) }

func (f *form) rect(x, y, w, h, thick float64) {
	f.rule(x, y, x+w, y, thick)
	f.rule(x, y+h, x+w, y+h, thick)
	f.rule(x, y, x, y+h, thick)
	f.rule(x+w, y, x+w, y+h, thick)
}

// rule draws a horizontal or vertical line; one drawn twice (the shared
// side of two boxes) is drawn once, as thick as the thicker.
func (f *form) rule(x1, y1, x2, y2, thick float64) {
	um := func(v float64) int64 { return int64(math.Round(v * 1000)) }
	k := [4]int64{um(x1), um(y1), um(x2), um(y2)}
	f.rules[k] = max(f.rules[k], thick)
}

// place adds components drawn inside the rectangle (x, y, w, h) of the
// form: a QR code, a seal box's 印.
func (f *form) place(x, y, w, h float64, cs ...core.Component) {
	for _, c := range cs {
		f.comps = append(f.comps, placed{c, x, y, w, h})
	}
}

// addForm adds the form to the document as one block, which moves to the
// next page whole when it does not fit on this one.
func (d *doc) addForm(f *form) error {
	if f.err != nil {
		return f.err
	}
	cs := f.comps
	for k, t := range f.rules {
		x1, y1, x2, y2 := float64(k[0])/1000, float64(k[1])/1000, float64(k[2])/1000, float64(k[3])/1000
		// Lengthened by half their width, so that corners close.
		if y1 == y2 {
			cs = append(cs, placed{line.New(props.Line{Thickness: t, Color: colorText, SizePercent: 100}), x1 - t/2, y1, x2 - x1 + t, 0})
		} else {
			cs = append(cs, placed{line.New(props.Line{Thickness: t, Color: colorText, SizePercent: 100, Orientation: orientation.Vertical}), x1, y1 - t/2, 0, y2 - y1 + t})
		}
	}
	d.add(row.New(f.h).Add(col.New(d.w).Add(cs...)))
	return nil
}

// boxText lays out a cell's caption and text in a box w×h millimetres,
// text inset pad from its borders: the caption small in the top-left
// corner, the text below it (at the top with c.top, else centred in the
// space left), shrunk down to c.minSize when it would not fit.
func (d *doc) boxText(c cell, w, h, pad float64) ([]core.Component, error) {
	var cs []core.Component
	y0, y1 := pad, h-pad
	if c.caption != "" {
		cst := style{size: sizeCaption, color: colorMuted}
		capLines := d.wrapIn(c.caption, cst, w-2*pad)
		for i, l := range capLines {
			cs = append(cs, d.textIn(l, cst, pad*0.5+float64(i)*cst.pitch()-emTop*cst.mm(), pad, pad))
		}
		y0 = pad*0.5 + linesHeight(len(capLines), cst) + 0.6
	}
	if c.text == "" {
		return cs, nil
	}
	least := c.minSize
	if least == 0 {
		least = min(sizeLeast, c.st.size)
	}
	st := c.st
	var ls []string
	for {
		ls = d.wrapIn(c.text, st, w-2*pad)
		if linesHeight(len(ls), st) <= y1-y0+1e-9 {
			break
		}
		if st.size-0.25 < least-1e-9 {
			what := c.caption
			if what == "" {
				what = strings.Split(c.text, "\n")[0]
			}
			return nil, fmt.Errorf("pdf: %s: 「%s」 does not fit its box (%.0f × %.0f mm)", d.title, what, w, h)
		}
		st.size -= 0.25
	}
	top := y0
	if !c.top {
		top += (y1 - y0 - linesHeight(len(ls), st)) / 2
	}
	for i, l := range ls {
		if l != "" {
			cs = append(cs, d.textIn(l, st, top+float64(i)*st.pitch()-emTop*st.mm(), pad, pad))
		}
	}
	return cs, nil
}

// checkbox is 「■」 when on, 「□」 when not.
func checkbox(on bool) string {
	if on {
		return "■"
	}
	return "□"
}

// choice prints every option with its box, the chosen one(s) filled:
// choice([]string{"被保険者", "被扶養者"}, "被扶養者") is 「□被保険者　■被扶養者」.
func choice(options []string, chosen ...string) string {
	parts := make([]string, len(options))
	for i, o := range options {
		on := false
		for _, c := range chosen {
			on = on || c == o
		}
		parts[i] = checkbox(on) + o
	}
	return strings.Join(parts, "　")
}
