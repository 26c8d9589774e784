package pdf

import (
	"fmt"
	"math"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
)

// item is one block of a document: a row of fixed height, which moves
// to the next page whole when it does not fit, or a flow, which is
// broken between its lines.
type item struct {
	row  core.Row
	h    float64
	flow *flow
	keep bool // stays on the page of the next item (a heading)
}

// least is the least height of the start of an item: a fixed row whole,
// the first two lines of a flow.
func (it item) least() float64 {
	if f := it.flow; f != nil {
		h := 2*padY + float64(min(f.rows, max(f.labelRows, 2)))*f.pitch
		if f.band != nil {
			h += bandHeight(f.bandLines[0], f.band.st)
		}
		return h
	}
	return it.h
}

// flow is a row of cells laid out as one row per line of text, so that it
// can continue over pages (a labelled section, a table row taller than
// maxRowH). Where it is broken, every cell is closed at the bottom of the
// page and opened again on the next, and a label cell (and the band above
// the cells, if any) shows its text again as 「…（続き）」.
type flow struct {
	band      *cell      // a label across the top (label-above sections), or nil
	bandLines [][]string // the band's text, and its continuation
	cells     []cell
	lines     [][]string // each cell's wrapped text
	cont      [][]string // each label cell's wrapped continuation label
	contRows  int        // rows a continuation needs for its labels
	labelRows int        // rows the first part needs for its labels
	rows      int        // rows of the whole flow, at least minH tall
	pitch     float64
}

// continued is the label shown where a section goes on after a page
// break.
func continued(label string) string { return label + "（続き）" }

// flowRow adds cells side by side like tableRow, but as a flow: one row
// per line of text, continued on further pages as needed, at least minH
// tall in all.
func (d *doc) flowRow(minH float64, cells ...cell) { d.addFlow(nil, minH, cells) }

// section adds a labelled section (傷病名, 紹介目的 …) whose body may run
// over several pages. With labelW > 0 the label is a grey column labelW
// millimetres wide beside the body; with labelW 0 it is a grey band
// across the top, the body in the box below. The section is at least
// minH tall (room to write by hand on an empty one). Line breaks in body
// are kept; the body is broken into lines with 禁則 (see WrapText).
func (d *doc) section(label, body string, labelW int, minH float64) {
	if labelW > 0 {
		d.addFlow(nil, minH, []cell{lab(labelW, label), val(d.w-labelW, body)})
		return
	}
	band := lab(d.w, label)
	d.addFlow(&band, minH, []cell{val(d.w, body)})
}

func (d *doc) addFlow(band *cell, minH float64, cells []cell) {
	f := &flow{band: band, cells: cells}
	if band != nil {
		f.bandLines = [][]string{
			d.wrap(band.text, band.st, float64(band.w)),
			d.wrap(continued(band.text), band.st, float64(band.w)),
		}
		minH -= bandHeight(f.bandLines[0], band.st)
	}
	f.lines = make([][]string, len(cells))
	f.cont = make([][]string, len(cells))
	for i, c := range cells {
		f.lines[i] = d.wrap(c.text, c.st, float64(c.w))
		f.rows = max(f.rows, len(f.lines[i]))
		f.pitch = max(f.pitch, c.st.pitch())
		if c.label {
			f.cont[i] = d.wrap(continued(c.text), c.st, float64(c.w))
			if len(f.cont[i]) > len(f.lines[i]) {
				// 「（続き）」 on a line of its own rather than breaking the
				// label somewhere new.
				f.cont[i] = d.wrap(c.text+"\n（続き）", c.st, float64(c.w))
			}
			f.contRows = max(f.contRows, len(f.cont[i]))
			f.labelRows = max(f.labelRows, len(f.lines[i]))
		}
	}
	if n := int(math.Ceil((minH-2*padY)/f.pitch - 1e-9)); n > f.rows {
		f.rows = n
	}
	d.items = append(d.items, item{flow: f})
}

// bandHeight is the height of a section's label band.
func bandHeight(ls []string, st style) float64 { return linesHeight(len(ls), st) + 2*padY }

// part returns the rows of the flow's part that shows text rows
// start…start+n−1 on one page; first is the part the flow begins with
// (labels as given), later parts show the continuation labels.
func (d *doc) part(f *flow, start, n int, first bool) []item {
	var out []item
	if f.band != nil {
		ls := f.bandLines[1]
		if first {
			ls = f.bandLines[0]
		}
		h := bandHeight(ls, f.band.st)
		r := row.New(h).Add(col.New(f.band.w).Add(d.lines(ls, f.band.st, h)...).WithStyle(f.band.cellStyle(border.Full)))
		out = append(out, item{row: r, h: h})
	}
	for j := range n {
		h, top := f.pitch, 0.0
		sides := border.Left | border.Right
		if j == 0 {
			h += padY
			top = padY
			sides |= border.Top
		}
		if j == n-1 {
			h += padY
			sides |= border.Bottom
		}
		cols := make([]core.Col, len(f.cells))
		for i, c := range f.cells {
			var text string
			switch {
			case c.label && !first:
				if j < len(f.cont[i]) {
					text = f.cont[i][j]
				}
			case start+j < len(f.lines[i]):
				text = f.lines[i][start+j]
			}
			cols[i] = col.New(c.w)
			if text != "" {
				cols[i] = cols[i].Add(d.text(text, c.st, top+(f.pitch-c.st.mm())/2-emTop*c.st.mm()))
			}
			if !c.bare {
				cols[i] = cols[i].WithStyle(c.cellStyle(sides))
			}
		}
		out = append(out, item{row: row.New(h).Add(cols...), h: h})
	}
	return out
}

// paginate lays the items out on pages: a fixed row goes on the next page
// when it does not fit on this one; a flow fills the page and goes on on
// the next. The rows of each page fit its printable height less the
// running header and footer, so maroto never breaks a page by itself.
func (d *doc) paginate() ([][]core.Row, error) {
	avail := d.paper.contentH() - heightOf(d.header) - heightOf(d.footer) - 1e-6
	var pages [][]core.Row
	var cur []core.Row
	y := 0.0
	newPage := func() {
		pages = append(pages, cur)
		cur, y = nil, 0
	}
	place := func(its ...item) {
		for _, it := range its {
			cur = append(cur, it.row)
			y += it.h
		}
	}
	for i, it := range d.items {
		if it.flow == nil {
			if it.h > avail {
				return nil, fmt.Errorf("pdf: %s: a block %.1f mm tall does not fit a page (%.1f mm)", d.title, it.h, avail)
			}
			// A kept row needs room for the rows kept with it and the
			// start of the block they introduce.
			need := it.h
			for k := i; k < len(d.items) && d.items[k].keep; k++ {
				if k+1 < len(d.items) {
					need += d.items[k+1].least()
				}
			}
			if y+it.h > avail || (y > 0 && y+need > avail && need <= avail) {
				newPage()
			}
			place(it)
			continue
		}
		f := it.flow
		start, first := 0, true
		for {
			bandH := 0.0
			if f.band != nil {
				ls := f.bandLines[1]
				if first {
					ls = f.bandLines[0]
				}
				bandH = bandHeight(ls, f.band.st)
			}
			// Rows still to show, and the fewest worth starting a part
			// with: the labels whole, and two lines of text.
			need, least := f.rows-start, f.labelRows
			if !first {
				need, least = max(need, f.contRows), f.contRows
			}
			least = min(need, max(least, 2))
			room := int(math.Floor((avail-y-bandH-2*padY)/f.pitch + 1e-9))
			var n int
			switch {
			case need <= room:
				n = need
			case room >= least:
				n = room
			case y > 0:
				newPage()
				continue
			default:
				return nil, fmt.Errorf("pdf: %s: the label %q is too long for a page", d.title, f.cells[0].text)
			}
			place(d.part(f, start, n, first)...)
			if n == need {
				break
			}
			start += n
			first = false
			newPage()
		}
	}
	if len(cur) > 0 || len(pages) == 0 {
		pages = append(pages, cur)
	}
	return pages, nil
}

func heightOf(rs []core.Row) float64 {
	h := 0.0
	for _, r := range rs {
		h += r.GetHeight(nil, nil)
	}
	return h
}
