package pdf

import (
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Facility is a medical facility as the sender of a document (紹介元,
// 保険医療機関): its block names the doctor, with a box for the seal.
type Facility struct {
	Name       string // 名称
	Postal     string // 〒 number (a leading 〒 is not doubled)
	Address    string // 所在地
	Phone      string // 電話番号
	Fax        string // optional
	Code       string // 医療機関コード (10 digits), optional
	Department string // 診療科, optional
	Doctor     string // 医師氏名, printed with an 「印」 box; optional
}

// Letterhead is whom a document is from: a facility when Facility.Name
// is set, otherwise the network (the operator). Its name heads every
// page; its block (sender) is where a letter is signed.
type Letterhead struct {
	Operator Operator
	Facility Facility
}

// ofFacility reports whether the letterhead is a facility's.
func (lh Letterhead) ofFacility() bool { return strings.TrimSpace(lh.Facility.Name) != "" }

// headName is the name in the left of every page header.
func (lh Letterhead) headName() string {
	if lh.ofFacility() {
		return oneLine(lh.Facility.Name)
	}
	return oneLine(lh.Operator.SiteName)
}

// footText is the line in the footer of every page.
func (lh Letterhead) footText() string {
	if lh.ofFacility() {
		s := oneLine(lh.Facility.Name)
		if p := oneLine(lh.Facility.Phone); p != "" {
			s += "　電話 " + p
		}
		if site := oneLine(lh.Operator.SiteName); site != "" {
			s = site + "　" + s
		}
		return s
	}
	return strings.TrimSpace(oneLine(lh.Operator.SiteName) + "　" + oneLine(lh.Operator.Organisation))
}

// sealW is the side of the 「印」 box.
const sealW = 10

// sender adds the letterhead's block, indent millimetres from the left:
// the operator's organisation and department flush right, or the
// facility's address, name, phone, 医療機関コード and doctor with the seal
// box.
func (d *doc) sender(lh Letterhead, indent int) {
	if !lh.ofFacility() {
		op := lh.Operator
		for _, l := range []string{oneLine(op.Organisation), oneLine(op.Department)} {
			if l != "" {
				d.line(l, style{size: sizeBody, align: align.Right}, 5.5)
			}
		}
		return
	}
	f := lh.Facility
	w := d.w - indent
	add := func(s string, st style, h float64) {
		for _, l := range d.wrap(s, st, float64(w)) {
			cols := []core.Col{col.New(w).Add(d.lines([]string{l}, st, h)...)}
			if indent > 0 {
				cols = append([]core.Col{col.New(indent)}, cols...)
			}
			d.add(row.New(h).Add(cols...))
		}
	}
	addr := oneLine(f.Address)
	if p := strings.TrimPrefix(oneLine(f.Postal), "〒"); p != "" {
		addr = "〒" + p + "　" + addr
	}
	if addr != "" {
		add(addr, small, 5)
	}
	add(oneLine(f.Name), style{size: 11.5}, 6.5)
	var tel []string
	if p := oneLine(f.Phone); p != "" {
		tel = append(tel, "電話 "+p)
	}
	if p := oneLine(f.Fax); p != "" {
		tel = append(tel, "FAX "+p)
	}
	if len(tel) > 0 {
		add(strings.Join(tel, "　"), small, 5)
	}
	if c := oneLine(f.Code); c != "" {
		add("医療機関コード "+c, small, 5)
	}
	if doc := oneLine(f.Doctor); doc != "" {
		who := "医師　" + doc
		if dep := oneLine(f.Department); dep != "" {
			who = dep + "　" + who
		}
		st := style{size: 11}
		nameW := w - sealW - 2
		// A name too long for one line runs on above the line beside the
		// seal box, which keeps its size: nothing is cut.
		ls := d.wrap(who, st, float64(nameW))
		for _, l := range ls[:len(ls)-1] {
			cols := []core.Col{col.New(nameW).Add(d.lines([]string{l}, st, st.pitch())...)}
			if indent > 0 {
				cols = append([]core.Col{col.New(indent)}, cols...)
			}
			d.add(row.New(st.pitch()).Add(cols...))
		}
		ls = ls[len(ls)-1:]
		cols := []core.Col{
			col.New(nameW).Add(d.lines(ls, st, sealW)...),
			col.New(2),
			col.New(sealW).Add(d.lines([]string{"印"}, style{size: 9, color: colorFaint, align: align.Center}, sealW)...).
				WithStyle(&props.Cell{BorderType: border.Full, BorderColor: colorRule, BorderThickness: 0.3}),
		}
		if indent > 0 {
			cols = append([]core.Col{col.New(indent)}, cols...)
		}
		d.add(row.New(sealW).Add(cols...))
	}
}
