package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/linestyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Spacing inside cells, in millimetres (the page geometry is in paper.go).
const (
	padX  = 2.5 // text inset from a cell's left and right border
	padY  = 1.8 // from its top and bottom border
	slack = 0.5 // wrap this much narrower than maroto's own measure allows

	// emTop is where the top of the ideographic em box lies below the
	// top maroto is given: maroto puts the baseline one font size below
	// it, and IPAex's em box reaches 0.88 em above the baseline.
	emTop = 0.12

	lineSpacing = 1.45 // line pitch as a multiple of the font size
)

// Sizes in points.
const (
	sizeTitle   = 18
	sizeHeading = 11.5
	sizeBody    = 10
	sizeLabel   = 9.5
	sizeSmall   = 8.5
	sizeMargin  = 7.5 // header and footer
)

var (
	colorText   = &props.Color{Red: 0, Green: 0, Blue: 0}
	colorMuted  = &props.Color{Red: 85, Green: 85, Blue: 85}
	colorFaint  = &props.Color{Red: 170, Green: 170, Blue: 170}
	colorRule   = &props.Color{Red: 60, Green: 60, Blue: 60}
	colorLabel  = &props.Color{Red: 236, Green: 236, Blue: 236}
	colorAccent = &props.Color{Red: 40, Green: 40, Blue: 40}
)

// style is how a piece of text is set.
type style struct {
	size  float64
	color *props.Color
	align align.Type
}

func (s style) mm() float64    { return s.size * ptToMM }
func (s style) pitch() float64 { return s.size * ptToMM * lineSpacing }

var (
	body    = style{size: sizeBody}
	small   = style{size: sizeSmall}
	label   = style{size: sizeLabel}
	muted   = style{size: sizeSmall, color: colorMuted}
	heading = style{size: sizeHeading}
)

// doc collects the rows of one document and every character they use;
// render then lays them out on pages and builds the font for exactly
// those characters.
type doc struct {
	fi    *fontInfo
	title string
	paper paper
	head  Letterhead
	w     int // printable width in millimetres = grid columns
	used  map[rune]bool
	// monoUsed are the characters set in the fixed-width face (mono.go).
	monoUsed map[rune]bool
	header   []core.Row
	footer   []core.Row
	items    []item
	err      error // the first block that could not be laid out
}

// newDoc starts a document on paper p: the letterhead's name and the
// document's title in the header of every page, the letterhead's footer
// line and the page number 「1 / 2」 in the footer.
func newDoc(title string, p paper, lh Letterhead) (*doc, error) {
	fi, err := ipaex()
	if err != nil {
		return nil, err
	}
	d := &doc{fi: fi, title: title, paper: p, head: lh, w: p.contentW(), used: make(map[rune]bool, 512)}

	d.runningHeader(title)
	margin := style{size: sizeMargin, color: colorMuted}
	// The footer text sits on the same baseline as maroto's page number,
	// which is drawn one font size below the printable area, at the right.
	d.footer = []core.Row{
		row.New(4).Add(
			col.New(d.w).Add(d.text(d.truncate(lh.footText(), margin, float64(d.w-30), 1)[0], margin, 4)),
		).WithStyle(&props.Cell{BorderType: border.Top, BorderColor: colorFaint, BorderThickness: 0.3}),
	}
	for _, r := range "0123456789 /" {
		d.used[r] = true
	}
	return d, nil
}

// runningHeader sets the header of every page: the letterhead's name on
// the left, right on the right (the title, or the title with what tells
// the sheets of one letter apart, its number and the patient).
func (d *doc) runningHeader(right string) {
	margin := style{size: sizeMargin, color: colorMuted}
	half := d.w / 2
	rst := style{size: sizeMargin, color: colorMuted, align: align.Right}
	d.header = []core.Row{
		row.New(6).Add(
			col.New(half).Add(d.text(d.truncate(d.head.headName(), margin, float64(half), 1)[0], margin, 0.8)),
			col.New(d.w-half).Add(d.text(d.truncate(right, rst, float64(d.w-half), 1)[0], rst, 0.8)),
		).WithStyle(&props.Cell{BorderType: border.Bottom, BorderColor: colorFaint, BorderThickness: 0.3}),
		row.New(5),
	}
}

// fail records the first error of the layout; render returns it.
func (d *doc) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

// oneLine turns line breaks into spaces, for values that must stay on one
// line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)), " ")
}

// text is the one place texts are made: it names the registered font and
// style (an unregistered one breaks the PDF) and records the characters
// for the font subset. s must be one line that fits its cell.
func (d *doc) text(s string, st style, top float64) core.Component {
	return d.textAt(s, st, top, padX)
}

// textAt is text with its own inset from the cell's left border.
func (d *doc) textAt(s string, st style, top, left float64) core.Component {
	return d.textIn(s, st, top, left, padX)
}

// textIn is text with its own insets from the cell's left and right
// borders.
func (d *doc) textIn(s string, st style, top, left, right float64) core.Component {
	s = strings.ReplaceAll(d.fi.sanitize(s), "\n", " ")
	for _, r := range s {
		d.used[r] = true
	}
	c := st.color
	if c == nil {
		c = colorText
	}
	a := st.align
	if a == "" {
		a = align.Left
	}
	return text.New(s, props.Text{
		Family: fontFamily,
		Style:  fontstyle.Normal,
		Size:   st.size,
		Color:  c,
		Align:  a,
		Top:    max(top, 0),
		Left:   left,
		Right:  right,
	})
}

// fit returns the largest size from want down to least (in steps of ¼ pt)
// at which s fits on one line w millimetres wide.
func (d *doc) fit(s string, want, least, w float64) (float64, bool) {
	s = d.fi.sanitize(s)
	for size := want; size >= least; size -= 0.25 {
		if d.fi.width(s, size) <= w-2*padX-slack {
			return size, true
		}
	}
	return least, false
}

// wrap breaks s for a cell w millimetres wide.
func (d *doc) wrap(s string, st style, w float64) []string { return d.wrapIn(s, st, w-2*padX) }

// wrapIn breaks s for a text inner millimetres wide.
func (d *doc) wrapIn(s string, st style, inner float64) []string {
	return wrapEm(d.fi.sanitize(s), (inner-slack)/st.mm(), d.fi.em)
}

// truncate wraps s for a cell w millimetres wide and keeps at most n
// lines, ending the last with … when some were left out.
func (d *doc) truncate(s string, st style, w float64, n int) []string {
	ls := d.wrap(s, st, w)
	if len(ls) <= n {
		return ls
	}
	ls = ls[:n]
	last := []rune(ls[n-1])
	for len(last) > 0 && d.fi.width(string(last)+"…", st.size) > w-2*padX-slack {
		last = last[:len(last)-1]
	}
	ls[n-1] = string(last) + "…"
	return ls
}

// linesHeight is the height lines of st take, from the top of the first
// em box to the bottom of the last.
func linesHeight(n int, st style) float64 {
	if n == 0 {
		return 0
	}
	return float64(n-1)*st.pitch() + st.mm()
}

// lines places lines in a box of height h, vertically centred.
func (d *doc) lines(ls []string, st style, h float64) []core.Component {
	top := (h - linesHeight(len(ls), st)) / 2
	var cs []core.Component
	for i, l := range ls {
		if l == "" {
			continue
		}
		cs = append(cs, d.text(l, st, top+float64(i)*st.pitch()-emTop*st.mm()))
	}
	return cs
}

// add appends rows of fixed height to the document. A row goes on the
// next page when it does not fit on this one.
func (d *doc) add(rs ...core.Row) {
	for _, r := range rs {
		d.items = append(d.items, item{row: r, h: r.GetHeight(nil, nil)})
	}
}

// space adds vertical space.
func (d *doc) space(h float64) { d.add(row.New(h)) }

// titleRow adds the document's title, centred.
func (d *doc) titleRow(title string) {
	st := style{size: sizeTitle, align: align.Center}
	d.add(row.New(12).Add(col.New(d.w).Add(d.lines([]string{title}, st, 12)...)))
}

// line adds s across the page in rows of height h, one per line (a
// single one unless s is too long).
func (d *doc) line(s string, st style, h float64) { d.lineAt(s, st, h, 0) }

// lineAt is line indented indent millimetres from the left margin.
func (d *doc) lineAt(s string, st style, h float64, indent int) {
	w := d.w - indent
	for _, l := range d.wrap(s, st, float64(w)) {
		cols := []core.Col{col.New(w).Add(d.lines([]string{l}, st, h)...)}
		if indent > 0 {
			cols = append([]core.Col{col.New(indent)}, cols...)
		}
		d.add(row.New(h).Add(cols...))
	}
}

// paragraph adds s as running text, one row per line so that a long text
// may continue on the next page.
func (d *doc) paragraph(s string, st style) { d.line(s, st, st.pitch()) }

// list adds items with a marker hanging in front of each (・, ①, …).
func (d *doc) list(markers []string, items []string, st style) {
	const markerW = 8
	for i, it := range items {
		ls := d.wrap(it, st, float64(d.w-markerW))
		for j, l := range ls {
			mk := ""
			if j == 0 {
				mk = markers[i%len(markers)]
			}
			var mc []core.Component
			if mk != "" {
				mc = d.lines([]string{mk}, st, st.pitch())
			}
			d.add(row.New(st.pitch()).Add(
				col.New(markerW).Add(mc...),
				col.New(d.w-markerW).Add(d.lines([]string{l}, st, st.pitch())...),
			))
		}
		d.space(st.mm() * 0.35)
	}
}

// sectionHeading adds a heading with a dark bar in front, kept on the
// page of what follows it.
func (d *doc) sectionHeading(s string) {
	const h = 7
	d.add(row.New(h).Add(
		col.New(1).WithStyle(&props.Cell{BackgroundColor: colorAccent}),
		col.New(d.w-1).Add(d.lines([]string{s}, heading, h)...),
	))
	d.space(1.5)
	d.keepWithNext(2)
}

// keepWithNext keeps the last n rows added on the page of the block that
// follows them.
func (d *doc) keepWithNext(n int) {
	for i := max(0, len(d.items)-n); i < len(d.items); i++ {
		d.items[i].keep = true
	}
}

// cell is one bordered box of a table row or a form.
type cell struct {
	w     int    // width in millimetres
	text  string // may hold '\n'
	st    style
	label bool // a field name: grey background (in a table row)
	bare  bool // no border

	caption string  // a small label in the top-left corner (保険者番号 …), the text below it
	top     bool    // text from the top (below the caption) rather than centred
	minSize float64 // text shrinks down to this size to fit a box of fixed height (forms; 0: sizeLeast)
}

// lab and val make the usual label and value cells.
func lab(w int, s string) cell { return cell{w: w, text: s, st: label, label: true} }
func val(w int, s string) cell { return cell{w: w, text: s, st: body} }

// tableRow adds bordered cells side by side, as tall as the tallest
// wrapped text needs (at least minH), every text centred vertically. A
// row taller than maxRowH is laid out as a flow (see flowRow), so that it
// can continue on the next page instead of running off this one.
func (d *doc) tableRow(minH float64, cells ...cell) {
	h := minH
	wrapped := make([][]string, len(cells))
	for i, c := range cells {
		wrapped[i] = d.wrap(c.text, c.st, float64(c.w))
		h = max(h, linesHeight(len(wrapped[i]), c.st)+2*padY)
		if c.caption != "" {
			cst := style{size: sizeCaption}
			capH := padX*0.5 + linesHeight(len(d.wrap(c.caption, cst, float64(c.w))), cst) + 0.6
			h = max(h, capH+linesHeight(len(wrapped[i]), c.st)+padX)
		}
	}
	if h > maxRowH {
		d.flowRow(0, cells...)
		return
	}
	cols := make([]core.Col, len(cells))
	for i, c := range cells {
		cols[i] = col.New(c.w)
		if c.caption != "" || c.top {
			cs, err := d.boxText(c, float64(c.w), h, padX)
			d.fail(err)
			cols[i] = cols[i].Add(cs...)
		} else {
			cols[i] = cols[i].Add(d.lines(wrapped[i], c.st, h)...)
		}
		if !c.bare {
			cols[i] = cols[i].WithStyle(c.cellStyle(border.Full))
		}
	}
	d.add(row.New(h).Add(cols...))
}

// cellStyle is a cell's border (the sides given) and background.
func (c cell) cellStyle(sides border.Type) *props.Cell {
	s := &props.Cell{BorderType: sides, BorderColor: colorRule, BorderThickness: 0.3}
	if c.label {
		s.BackgroundColor = colorLabel
	}
	return s
}

// maxRowH is the height above which a table row is laid out line by line,
// so that it can continue on the next page instead of running off this
// one.
const maxRowH = 80.0

// baselineRow adds a row of texts of different sizes that share one
// baseline, so that text extraction keeps them on one line (ID and
// password, label and value). Widths are in millimetres.
func (d *doc) baselineRow(h, baseline float64, cells []cell, boxed bool) {
	cols := make([]core.Col, len(cells))
	for i, c := range cells {
		var comps []core.Component
		if c.text != "" {
			comps = append(comps, d.text(c.text, c.st, baseline-c.st.mm()))
		}
		cl := col.New(c.w).Add(comps...)
		if boxed {
			cl = cl.WithStyle(c.cellStyle(border.Full))
		}
		cols[i] = cl
	}
	d.add(row.New(h).Add(cols...))
}

// box adds a framed area of height h and width w (millimetres), centred
// on the page, holding comps; a dashed frame is a cut line.
func (d *doc) box(w int, h float64, dashed bool, comps ...core.Component) {
	s := &props.Cell{BorderType: border.Full, BorderColor: colorRule, BorderThickness: 0.3}
	if dashed {
		s.LineStyle = linestyle.Dashed
	}
	left := (d.w - w) / 2
	d.add(row.New(h).Add(
		col.New(left),
		col.New(w).WithStyle(s).Add(comps...),
		col.New(d.w-w-left),
	))
}

// contactLines is an operator's contact block, one line per item.
func contactLines(op Operator, withWeb bool) string {
	var ls []string
	add := func(prefix, v string) {
		if v = strings.TrimSpace(v); v != "" {
			ls = append(ls, prefix+v)
		}
	}
	add("", strings.TrimSpace(op.Organisation+"　"+op.Department))
	if p := strings.TrimSpace(op.Postal); p != "" {
		add("〒", strings.TrimPrefix(p, "〒")+"　"+op.Address)
	} else {
		add("", op.Address)
	}
	add("電話　", op.Phone)
	add("メール　", op.Email)
	if withWeb {
		add("ポータルサイト　", op.PortalURL)
	}
	return strings.Join(ls, "\n")
}

// mailingLines is the address to mail a form to, as written on an
// envelope.
func mailingLines(op Operator) string {
	var ls []string
	if p := strings.TrimSpace(op.Postal); p != "" {
		ls = append(ls, "〒"+strings.TrimPrefix(p, "〒"))
	}
	for _, v := range []string{op.Address, op.Organisation, op.Department} {
		if v = strings.TrimSpace(v); v != "" {
			ls = append(ls, v)
		}
	}
	return strings.Join(ls, "\n")
}

// render lays the document out on pages and returns the PDF, checked.
func (d *doc) render() (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("pdf: %s: %v", d.title, r)
		}
	}()
	if d.err != nil {
		return nil, d.err
	}
	pages, err := d.paginate()
	if err != nil {
		return nil, err
	}
	runes := sortedRunes(d.used)
	fontBytes, err := d.fi.subset(runes)
	if err != nil {
		return nil, err
	}
	fonts := []*entity.CustomFont{{Family: fontFamily, Style: fontstyle.Normal, Bytes: fontBytes}}
	names := []subsetFont{{pdfName: fontPDFName, subsetName: fmt.Sprintf(fontSubsetFmt, subsetTag(runes))}}
	if mono, name, err := d.monoFont(); err != nil {
		return nil, err
	} else if mono != nil {
		fonts, names = append(fonts, mono), append(names, *name)
	}
	p := d.paper
	cfg := config.NewBuilder().
		WithDimensions(p.w, p.h).
		WithLeftMargin(p.marginX).
		WithRightMargin(p.marginX).
		WithTopMargin(p.marginTop).
		WithBottomMargin(p.marginBottom).
		WithMaxGridSize(d.w).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: fontFamily, Style: fontstyle.Normal, Size: sizeBody, Color: colorText}).
		WithPageNumber(props.PageNumber{
			Pattern: "{current} / {total}",
			Place:   props.RightBottom,
			Family:  fontFamily,
			Style:   fontstyle.Normal,
			Size:    sizeMargin,
			Color:   colorMuted,
		}).
		WithCompression(true).
		WithTitle(d.title, true).
		WithCreator("hotline", false).
		Build()
	m := maroto.New(cfg)
	if err := m.RegisterFooter(d.footer...); err != nil {
		return nil, fmt.Errorf("pdf: %s: %w", d.title, err)
	}
	if err := m.RegisterHeader(d.header...); err != nil {
		return nil, fmt.Errorf("pdf: %s: %w", d.title, err)
	}
	for _, rows := range pages {
		m.AddPages(page.New().Add(rows...))
	}
	generated, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("pdf: %s: %w", d.title, err)
	}
	out, err = finishPDF(generated.GetBytes(), names...)
	if err != nil {
		return nil, fmt.Errorf("pdf: %s: %w", d.title, err)
	}
	return out, nil
}

// ErrBroken is returned (wrapped) when the generated file is not the PDF
// expected: maroto and gofpdf report few of their errors, so the output
// itself is checked.
var ErrBroken = errors.New("generated PDF is broken")

// finishPDF checks the structure of a PDF written by gofpdf and gives each
// font the name of a subset ("ABCDEF+IPAexGothic", as PDF readers expect
// of a subset font). The new names have the lengths of gofpdf's, so no
// offset in the file changes. fonts are exactly the embedded fonts.
func finishPDF(b []byte, fonts ...subsetFont) ([]byte, error) {
	tail := b[max(0, len(b)-64):]
	switch {
	case !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.Contains(tail, []byte("%%EOF")):
		return nil, fmt.Errorf("%w: no PDF header or trailer", ErrBroken)
	case bytes.Count(b, []byte("/BaseFont /")) != 2*len(fonts),
		bytes.Count(b, []byte("/FontFile2 ")) != len(fonts):
		return nil, fmt.Errorf("%w: the document does not hold exactly its embedded fonts", ErrBroken)
	}
	for _, f := range fonts {
		baseFontKey := []byte("/BaseFont /" + f.pdfName + "\n")
		fontNameKey := []byte("/FontName /" + f.pdfName + "\n")
		switch {
		case bytes.Count(b, baseFontKey) != 2, bytes.Count(b, fontNameKey) != 1:
			return nil, fmt.Errorf("%w: the document does not hold the embedded font %s", ErrBroken, f.pdfName)
		case len(f.subsetName) != len(f.pdfName):
			return nil, fmt.Errorf("%w: subset font name %q", ErrBroken, f.subsetName)
		}
		b = bytes.ReplaceAll(b, baseFontKey, []byte("/BaseFont /"+f.subsetName+"\n"))
		b = bytes.ReplaceAll(b, fontNameKey, []byte("/FontName /"+f.subsetName+"\n"))
	}
	return b, nil
}
