package pdf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"

	"hotline/store/jptext"
	"hotline/views/pdf/qr"
)

// The 院外処方箋 (様式第二号, 2024 revision) on A5 portrait: one form of
// fixed boxes filling the first page, in the order of the official
// layout, the 2-D symbol in the lower right. Lines of 処方 that do not
// fit its box continue on a sheet headed 「別紙」 (as many pages as they
// need), each drug whole; the symbol then goes at the end of the sheet
// when it is too large for its box.

const titlePrescription = "院外処方箋"

// Geometry of the first page, in millimetres from the form's top-left.
const (
	rxFormH     = 176.0 // the printable height left by the running header and footer
	rxTopH      = 66.0  // title, 公費・保険, patient and facility, codes, dates
	rxHeadH     = 8.0   // the 処方 column heads
	rxBottomH   = 46.0  // 備考, 残薬, 調剤実施回数, pharmacy; the symbol beside
	rxTailH     = 12.0  // 保険医署名 and リフィル under the lines
	rxLabelW    = 8.0   // the 処方 / 備考 label column
	rxNoChangeW = 13.0  // 変更不可（医療上必要）
	rxWishW     = 10.0  // 患者希望
	rxQRW       = 46.0  // the symbol's box

	// rxQRVersion is the largest symbol in the form's box: version 27,
	// 1,125 bytes, 45 mm with its quiet zone at qrModule (4 dots at 300
	// dpi: at 3 a 300 dpi render no longer reads back). The code of a
	// prescription that fills the form's lines is about that size; a
	// larger one is printed on the 別紙 as a strip of symbols.
	rxQRVersion = 27
)

var (
	rxLab   = style{size: 6.5}
	rxVal   = style{size: 9}
	rxSmall = style{size: 7.5}
	rxLine  = style{size: 8.5}
	rxNote  = style{size: 5.5, color: colorMuted}
)

// rxLinesH is the height of the lines' box on the first page.
const rxLinesH = rxFormH - rxTopH - rxHeadH - rxTailH - rxBottomH

// printedForm is every value the form prints, as printed; the tests
// find each in the PDF's text and in the JAHIS code.
type printedForm struct {
	PublicPayer     [2]string
	PublicRecipient [2]string
	Insurer         string
	Insured         string // 記号・番号（枝番）
	Name, Kana      string
	Birth           string // 和暦
	Sex             string // 男 or 女
	Relation        string // 被保険者 or 被扶養者
	Copay           string // 3割, or empty
	Facility        string // 所在地及び名称
	Phone           string
	Doctor          string
	Prefecture      string
	ScoreTable      string
	FacilityCode    string
	Issued          string
	ValidUntil      string
	Refills         string // the リフィル可 box
	Remarks         []string
	Leftover        string // the chosen 残薬 option, or empty
	Reference       string
	Drugs           []printedDrug
}

type printedDrug struct {
	Name      string // as printed, 【般】 included
	Amount    string // amount and unit, e.g. 3錠
	Usage     string
	Quantity  string // 14日分, 5回分, or empty
	Uneven    string // 不均等 doses joined by hyphens, 2-1-1, or empty
	NoChange  bool
	Wish      bool
	RP, Index int
}

func (p Prescription) printed() printedForm {
	f := printedForm{
		PublicPayer:     p.PublicPayer,
		PublicRecipient: p.PublicRecipient,
		Insurer:         p.InsurerNumber,
		Insured:         insuredText(p),
		Name:            oneLine(p.PatientName),
		Kana:            oneLine(p.PatientKana),
		Birth:           jptext.FormatWareki(p.BirthDate),
		Relation:        "被保険者",
		Facility:        oneLine(p.FacilityAddress) + "\n" + oneLine(p.FacilityName),
		Phone:           p.FacilityPhone,
		Doctor:          oneLine(p.DoctorName),
		Prefecture:      p.Prefecture,
		ScoreTable:      p.ScoreTable,
		FacilityCode:    p.FacilityCode,
		Issued:          jptext.FormatWareki(p.IssuedOn),
		Remarks:         remarkLines(p.Remarks),
		Reference:       p.Reference,
	}
	if p.FacilityPostal != "" {
		f.Facility = "〒" + strings.TrimPrefix(p.FacilityPostal, "〒") + "　" + f.Facility
	}
	switch p.Sex {
	case Male:
		f.Sex = "男"
	case Female:
		f.Sex = "女"
	}
	if p.Dependent {
		f.Relation = "被扶養者"
	}
	if p.CopayPercent > 0 {
		if p.CopayPercent%10 == 0 {
			f.Copay = strconv.Itoa(p.CopayPercent/10) + "割"
		} else {
			f.Copay = strconv.Itoa(p.CopayPercent) + "%"
		}
	}
	if !p.ValidUntil.IsZero() {
		f.ValidUntil = jptext.FormatWareki(p.ValidUntil)
	}
	if p.Refills > 0 {
		f.Refills = strconv.Itoa(p.Refills)
	}
	switch p.Leftover {
	case LeftoverInquire:
		f.Leftover = leftoverInquire
	case LeftoverInform:
		f.Leftover = leftoverInform
	}
	for i, rp := range p.RPs {
		q := ""
		switch {
		case rp.Days > 0:
			q = strconv.Itoa(rp.Days) + "日分"
		case rp.Times > 0:
			q = strconv.Itoa(rp.Times) + "回分"
		}
		for j, l := range rp.Lines {
			name := oneLine(l.Name)
			if l.Generic {
				name = genericMark + oneLine(l.GenericName)
			}
			f.Drugs = append(f.Drugs, printedDrug{Name: name, Amount: l.Amount + oneLine(l.Unit),
				Usage: oneLine(rp.Usage), Quantity: q, Uneven: strings.Join(l.Uneven, "-"),
				NoChange: l.NoChange, Wish: l.PatientWish, RP: i + 1, Index: j + 1})
		}
	}
	return f
}

const (
	leftoverInquire = "保険医療機関へ疑義照会した上で調剤"
	leftoverInform  = "保険医療機関へ情報提供"
)

// insuredText is the 記号・番号（枝番） box: 記号・番号 joined by a
// middle dot, the 枝番 in brackets.
func insuredText(p Prescription) string {
	var parts []string
	for _, s := range []string{p.InsuredSymbol, p.InsuredNumber} {
		if s = oneLine(s); s != "" {
			parts = append(parts, s)
		}
	}
	s := strings.Join(parts, "・")
	if b := oneLine(p.InsuredBranch); b != "" {
		s += "（枝番 " + b + "）"
	}
	return s
}

// rxUnit is one thing of the 処方 box that is never split over pages:
// a drug with its wrapped lines, or an RP's 用法.
type rxUnit struct {
	lines    []string
	noChange bool
	wish     bool
}

// rxUnits breaks the prescription's lines for a text column inner
// millimetres wide.
func (d *doc) rxUnits(f printedForm, inner float64) []rxUnit {
	var us []rxUnit
	for i, dr := range f.Drugs {
		head := "　　"
		if dr.Index == 1 {
			head = fmt.Sprintf("%d）", dr.RP)
		}
		// Continued lines hang under the name.
		text := head + dr.Name + "　" + dr.Amount
		if dr.Uneven != "" {
			text += "（不均等 " + dr.Uneven + "）"
		}
		ls := d.wrapIn(text, rxLine, inner)
		for k := 1; k < len(ls); k++ {
			ls[k] = "　　" + ls[k]
		}
		us = append(us, rxUnit{lines: ls, noChange: dr.NoChange, wish: dr.Wish})
		if i+1 == len(f.Drugs) || f.Drugs[i+1].RP != dr.RP {
			usage := "　　" + dr.Usage
			if dr.Quantity != "" {
				usage += "　" + dr.Quantity
			}
			us = append(us, rxUnit{lines: d.wrapIn(usage, rxLine, inner)})
		}
	}
	return us
}

// RenderPrescription prints the A5 院外処方箋 (様式第二号) with its JAHIS
// 2-D symbol; lines that do not fit the form continue on a sheet headed
// 「別紙」. A cancelled prescription is marked 取消 on every page.
func RenderPrescription(p Prescription) ([]byte, error) {
	code, err := JAHIS(p)
	if err != nil {
		return nil, err
	}
	title := titlePrescription
	if p.Cancelled {
		title += "【取消】"
	}
	d, err := newDoc(title, a5, Letterhead{Facility: Facility{Name: p.FacilityName, Phone: p.FacilityPhone}})
	if err != nil {
		return nil, err
	}
	// The form needs the page: no gap under the running header.
	d.header = d.header[:1]
	f := p.printed()

	textW := float64(d.w) - rxLabelW - rxNoChangeW - rxWishW
	units := d.rxUnits(f, textW-2*formPad)
	pitch := rxLine.pitch()
	capacity := int((rxLinesH - 2*formPad) / pitch)
	first, rest := splitUnits(units, capacity-1) // one line for 以下余白 or （別紙に続く）

	// One symbol in the form's box when it is enough; else a strip of
	// symbols on the 別紙.
	var box, strip *qrCode
	if q, err := qrEncode(code, true, rxQRVersion); err == nil && len(q.pngs) == 1 {
		box = q
	} else if strip, err = qrEncode(code, true, qrMaxVersion); err != nil {
		return nil, fmt.Errorf("pdf: %s: %w", d.title, err)
	}

	if err := d.rxFirstPage(p, f, first, len(rest) > 0 || strip != nil, box); err != nil {
		return nil, err
	}
	if len(rest) > 0 || strip != nil {
		if err := d.rxSheet(p, f, rest, len(rest) > 0, strip); err != nil {
			return nil, err
		}
	}
	return d.render()
}

// splitUnits takes the units that fit n lines, the rest after.
func splitUnits(us []rxUnit, n int) (first, rest []rxUnit) {
	used := 0
	for i, u := range us {
		if used+len(u.lines) > n {
			return us[:i], us[i:]
		}
		used += len(u.lines)
	}
	return us, nil
}

// rxFirstPage adds the form. more: something continues on the 別紙.
func (d *doc) rxFirstPage(p Prescription, f printedForm, units []rxUnit, more bool, q *qrCode) error {
	fm := d.newForm(rxFormH)
	W := float64(d.w)
	lab := func(s string) cell { return cell{text: s, st: rxLab, minSize: 4} }
	val := func(s string) cell { return cell{text: s, st: rxVal, minSize: 5.5} }

	// Title.
	fm.box(0, 0, W, 7, cell{text: "処　方　箋", st: style{size: 13, align: align.Center}, bare: true})
	fm.box(0, 6, W, 4, cell{text: "（この処方箋は、どの保険薬局でも有効です。）", st: style{size: 5.5, align: align.Center}, bare: true})
	if p.Cancelled {
		reason := "取消"
		if r := oneLine(p.CancelReason); r != "" {
			reason += "（" + r + "）"
		}
		fm.box(W-40, 0.5, 40, 8, cell{text: reason, st: style{size: 12, align: align.Center}, minSize: 5})
		fm.frame(W-40, 0.5, 40, 8, ruleFrame)
	}

	// 公費 and 保険.
	y := 10.0
	half := W / 2
	pairs := [][4]string{
		{"公費負担者番号", f.PublicPayer[0], "保険者番号", f.Insurer},
		{"公費負担医療の受給者番号", f.PublicRecipient[0], "被保険者証・被保険者手帳の記号・番号（枝番）", f.Insured},
		{"公費負担者番号", f.PublicPayer[1], "公費負担医療の受給者番号", f.PublicRecipient[1]},
	}
	for _, pr := range pairs {
		fm.box(0, y, 20, 6, lab(pr[0]))
		fm.box(20, y, half-20, 6, val(pr[1]))
		fm.box(half, y, 20, 6, lab(pr[2]))
		fm.box(half+20, y, half-20, 6, val(pr[3]))
		y += 6
	}

	// Patient and facility.
	py := y
	fm.box(0, py, 6, 24, cell{text: "患\n者", st: rxLab})
	fm.box(6, py, 12, 10, lab("氏名"))
	fm.box(18, py, half-18, 10, cell{text: f.Name, caption: f.Kana, st: style{size: 11}, minSize: 6})
	fm.box(6, py+10, 12, 8, lab("生年月日"))
	sex := choice([]string{"男", "女"}, f.Sex)
	fm.box(18, py+10, half-18, 8, cell{text: f.Birth + "生　" + sex, st: rxSmall, minSize: 5.5})
	fm.box(6, py+18, 12, 6, lab("区分"))
	rel := choice([]string{"被保険者", "被扶養者"}, f.Relation)
	if f.Copay != "" {
		rel += "　負担割合 " + f.Copay
	}
	fm.box(18, py+18, half-18, 6, cell{text: rel, st: style{size: 6.5}, minSize: 4.5})

	fm.box(half, py, 20, 12, lab("保険医療機関の所在地及び名称"))
	fm.box(half+20, py, half-20, 12, cell{text: f.Facility, st: rxSmall, minSize: 4.5})
	fm.box(half, py+12, 20, 5, lab("電話番号"))
	fm.box(half+20, py+12, half-20, 5, cell{text: f.Phone, st: rxSmall})
	fm.box(half, py+17, 20, 7, lab("保険医氏名"))
	fm.box(half+20, py+17, half-20-8, 7, val(f.Doctor))
	fm.box(W-8, py+17, 8, 7, cell{text: "印", st: style{size: 8, color: colorFaint, align: align.Center}})
	y = py + 24

	// 都道府県番号 / 点数表番号 / 医療機関コード.
	fm.box(0, y, 16, 6, lab("都道府県番号"))
	fm.box(16, y, 12, 6, val(f.Prefecture))
	fm.box(28, y, 14, 6, lab("点数表番号"))
	fm.box(42, y, 8, 6, val(f.ScoreTable))
	fm.box(50, y, 20, 6, lab("医療機関コード"))
	fm.box(70, y, W-70, 6, cell{text: f.FacilityCode, st: rxVal, minSize: 5.5})
	y += 6

	// 交付年月日 / 処方箋の使用期間.
	fm.box(0, y, 16, 8, lab("交付年月日"))
	fm.box(16, y, 40, 8, val(f.Issued))
	fm.box(56, y, 18, 8, lab("処方箋の使用期間"))
	until := ""
	if f.ValidUntil != "" {
		until = f.ValidUntil + "まで"
	}
	fm.rect(74, y, W-74, 8, ruleThin)
	fm.box(74, y, W-74, 4.8, cell{text: until, st: rxSmall, bare: true, minSize: 5.5})
	fm.box(74, y+4.2, W-74, 3.8, cell{text: "特に記載のある場合を除き、交付の日を含めて４日以内に保険薬局に提出すること。", st: rxNote, bare: true, minSize: 3.5})
	y += 8

	// 処方.
	rxH := rxHeadH + rxLinesH + rxTailH
	fm.box(0, y, rxLabelW, rxH, cell{text: "処\n\n方", st: rxLab})
	x1, x2 := rxLabelW, rxLabelW+rxNoChangeW
	x3 := x2 + rxWishW
	fm.box(x1, y, rxNoChangeW, rxHeadH, cell{text: "変更不可\n（医療上必要）", st: style{size: 5, align: align.Center}, minSize: 4})
	fm.box(x2, y, rxWishW, rxHeadH, cell{text: "患者\n希望", st: style{size: 5.5, align: align.Center}, minSize: 4})
	fm.box(x3, y, W-x3, rxHeadH, cell{text: "個々の処方薬について、医療上の必要性があるため、後発医薬品（ジェネリック医薬品）への変更に差し支えがあると判断した場合には、「変更不可」欄に「レ」又は「×」を記載し、「保険医署名」欄に署名又は記名・押印すること。また、患者の希望を踏まえ、先発医薬品を処方した場合には、「患者希望」欄に「レ」又は「×」を記載すること。", st: style{size: 5}, minSize: 3.5})
	ly := y + rxHeadH
	fm.rect(x1, ly, rxNoChangeW, rxLinesH, ruleThin)
	fm.rect(x2, ly, rxWishW, rxLinesH, ruleThin)
	fm.rect(x3, ly, W-x3, rxLinesH, ruleThin)
	d.rxLines(fm, units, x1, x2, x3, ly+formPad, W-x3, more)

	ty := ly + rxLinesH
	fm.box(x1, ty, 16, 6, lab("保険医署名"))
	sign := ""
	for _, dr := range f.Drugs {
		if dr.NoChange {
			sign = f.Doctor
		}
	}
	fm.rect(x1+16, ty, W-x1-16, 6, ruleThin)
	fm.box(x1+16, ty, 40, 6, cell{text: sign, st: rxSmall, bare: true, minSize: 5})
	fm.box(x1+56, ty, W-x1-56, 6, cell{text: "（「変更不可」欄に「レ」又は「×」を記載した場合は、署名又は記名・押印すること。）", st: rxNote, bare: true, minSize: 3.5})
	refill := "リフィル可　□（　　回）"
	if f.Refills != "" {
		refill = "リフィル可　■（ " + f.Refills + " 回）"
	}
	fm.box(x1, ty+6, W-x1, 6, cell{text: refill, st: rxSmall})
	y = ty + 6 + 6

	// 備考, 残薬, 調剤実施回数 and the pharmacy's boxes on the left, the
	// symbol on the right.
	LW := W - rxQRW
	fm.box(0, y, rxLabelW, 16, cell{text: "備\n考", st: rxLab})
	fm.box(rxLabelW, y, LW-rxLabelW, 16, cell{text: strings.Join(f.Remarks, "\n"), st: style{size: 7}, top: true, minSize: 4.5})
	y += 16
	fm.box(0, y, 30, 8, cell{text: "保険薬局が調剤時に残薬を確認した場合の対応（特に指示がある場合は「レ」又は「×」を記載すること。）", st: style{size: 4.5}, minSize: 3.5})
	fm.box(30, y, LW-30, 8, cell{text: choice([]string{leftoverInquire}, f.Leftover) + "\n" + choice([]string{leftoverInform}, f.Leftover), st: style{size: 6.5}, minSize: 4.5})
	y += 8
	fm.box(0, y, 24, 8, cell{text: "調剤実施回数（調剤回数に応じて、□に「レ」又は「×」を記載するとともに、調剤日及び次回調剤予定日を記載すること。）", st: style{size: 4}, minSize: 3})
	fm.box(24, y, LW-24, 8, cell{text: "□1回目調剤日（　年　月　日）□2回目調剤日（　年　月　日）□3回目調剤日（　年　月　日）\n次回調剤予定日（　年　月　日）　次回調剤予定日（　年　月　日）", st: style{size: 5}, minSize: 3.5})
	y += 8
	fm.box(0, y, 12, 7, lab("調剤済年月日"))
	fm.box(12, y, 36, 7, cell{text: "令和　　年　　月　　日", st: rxSmall})
	fm.box(48, y, 14, 7, lab("保険薬局の所在地及び名称"))
	fm.box(62, y, LW-62, 7, cell{})
	y += 7
	// 照会番号 and its value on one line, as the pharmacy reads it out.
	fm.box(0, y, 12, 7, lab("照会番号"))
	fm.box(12, y, 36, 7, cell{text: f.Reference, st: rxSmall, minSize: 5})
	fm.box(48, y, 14, 7, lab("保険薬剤師氏名"))
	fm.box(62, y, LW-62-8, 7, cell{})
	fm.box(LW-8, y, 8, 7, cell{text: "印", st: style{size: 8, color: colorFaint, align: align.Center}})

	// The symbol's box spans the bottom rows.
	qy := y + 7 - rxBottomH
	fm.rect(LW, qy, rxQRW, rxBottomH, ruleThin)
	if q != nil {
		side := q.height(qrModule)
		fm.place(LW, qy, rxQRW, rxBottomH, q.components((rxQRW-side)/2, (rxBottomH-side)/2, qrModule)...)
	} else {
		fm.box(LW, qy, rxQRW, rxBottomH, cell{text: "2次元シンボルは別紙", st: rxNote, bare: true})
	}
	fm.frame(0, 10, W, rxFormH-10, ruleFrame)
	return d.addForm(fm)
}

// rxLines sets units in the 処方 box from y: text at x3 (w wide), the
// marks of its two columns at x1 and x2; then 以下余白, or （別紙に続く）
// when more follows.
func (d *doc) rxLines(fm *form, units []rxUnit, x1, x2, x3, y, w float64, more bool) {
	pitch := rxLine.pitch()
	mark := style{size: rxLine.size, align: align.Center}
	for _, u := range units {
		for i, l := range u.lines {
			fm.place(x3, y, w, pitch, d.textIn(l, rxLine, -emTop*rxLine.mm(), formPad, formPad))
			if i == 0 && u.noChange {
				fm.place(x1, y, rxNoChangeW, pitch, d.textIn("レ", mark, -emTop*rxLine.mm(), 0, 0))
			}
			if i == 0 && u.wish {
				fm.place(x2, y, rxWishW, pitch, d.textIn("レ", mark, -emTop*rxLine.mm(), 0, 0))
			}
			y += pitch
		}
	}
	end := "以下余白"
	if more {
		end = "（別紙に続く）"
	}
	fm.place(x3, y, w, pitch, d.textIn(end, style{size: rxLine.size, align: align.Center}, -emTop*rxLine.mm(), formPad, formPad))
}

// rxSheet adds the 別紙: whose prescription it is, the lines that did not
// fit, and the symbol when it did not fit its box.
func (d *doc) rxSheet(p Prescription, f printedForm, units []rxUnit, hasLines bool, strip *qrCode) error {
	W := float64(d.w)
	head := "別紙（院外処方箋の続き）"
	if p.Cancelled {
		head += "【取消】"
	}
	// The form fills the first page: this starts the next.
	hf := d.newForm(16)
	hf.box(0, 0, W, 8, cell{text: head, st: style{size: 12}, bare: true})
	who := "氏名 " + f.Name + "　生年月日 " + f.Birth + "　交付年月日 " + f.Issued
	hf.box(0, 8, W, 4, cell{text: who, st: rxSmall, bare: true, minSize: 5})
	hf.box(0, 12, W, 4, cell{text: "照会番号 " + f.Reference + "　" + oneLine(p.FacilityName), st: rxSmall, bare: true, minSize: 5})
	if err := d.addForm(hf); err != nil {
		return err
	}
	if hasLines {
		x1, x2 := rxLabelW, rxLabelW+rxNoChangeW
		x3 := x2 + rxWishW
		colHead := d.newForm(rxHeadH)
		colHead.box(0, 0, rxLabelW, rxHeadH, cell{text: "処方", st: rxLab})
		colHead.box(x1, 0, rxNoChangeW, rxHeadH, cell{text: "変更不可\n（医療上必要）", st: style{size: 5, align: align.Center}, minSize: 4})
		colHead.box(x2, 0, rxWishW, rxHeadH, cell{text: "患者\n希望", st: style{size: 5.5, align: align.Center}, minSize: 4})
		colHead.box(x3, 0, W-x3, rxHeadH, cell{text: "（前頁の処方の続き）", st: rxSmall})
		if err := d.addForm(colHead); err != nil {
			return err
		}
		d.keepWithNext(1)
		pitch := rxLine.pitch()
		for i, u := range units {
			last := i == len(units)-1
			n := len(u.lines)
			if last {
				n++
			}
			h := float64(n)*pitch + 2*formPad
			uf := d.newForm(h)
			uf.rect(0, 0, rxLabelW, h, ruleThin)
			uf.rect(x1, 0, rxNoChangeW, h, ruleThin)
			uf.rect(x2, 0, rxWishW, h, ruleThin)
			uf.rect(x3, 0, W-x3, h, ruleThin)
			if last {
				d.rxLines(uf, []rxUnit{u}, x1, x2, x3, formPad, W-x3, false)
			} else {
				y := formPad
				mark := style{size: rxLine.size, align: align.Center}
				for k, l := range u.lines {
					uf.place(x3, y, W-x3, pitch, d.textIn(l, rxLine, -emTop*rxLine.mm(), formPad, formPad))
					if k == 0 && u.noChange {
						uf.place(x1, y, rxNoChangeW, pitch, d.textIn("レ", mark, -emTop*rxLine.mm(), 0, 0))
					}
					if k == 0 && u.wish {
						uf.place(x2, y, rxWishW, pitch, d.textIn("レ", mark, -emTop*rxLine.mm(), 0, 0))
					}
					y += pitch
				}
			}
			if err := d.addForm(uf); err != nil {
				return err
			}
		}
	}
	if strip != nil {
		d.space(4)
		if err := d.qrRows(strip, "処方箋情報（2次元シンボル）"); err != nil {
			return err
		}
	}
	return nil
}

// qrRows adds the symbols of q in rows as wide as the page allows, at
// qrModule, with caption above them.
func (d *doc) qrRows(q *qrCode, caption string) error {
	d.line(caption, muted, 5)
	d.keepWithNext(1)
	per := max(1, int((float64(d.w)-qr.QuietZone*qrModule)/(float64(q.modules[0]+qr.QuietZone)*qrModule)))
	for i := 0; i < len(q.pngs); i += per {
		part := &qrCode{pngs: q.pngs[i:min(i+per, len(q.pngs))], modules: q.modules[i:min(i+per, len(q.modules))]}
		fm := d.newForm(part.height(qrModule))
		fm.place(0, 0, float64(d.w), part.height(qrModule), part.components(0, 0, qrModule)...)
		if err := d.addForm(fm); err != nil {
			return err
		}
	}
	return nil
}
