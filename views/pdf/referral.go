package pdf

import (
	"strconv"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"

	"hotline/store"
	"hotline/store/jptext"
)

// The printed letters of 地域連携: the referral letter (診療情報提供書, in the
// layout of 別紙様式11) and the reply to it (紹介患者経過報告書). Both take
// plain values, not the store's types: the caller copies what the letter
// holds, and dates arrive as time.Time and are printed in 和暦 here.

const (
	titleReferralLetter = "診療情報提供書"
	titleReferralReply  = "紹介患者経過報告書"
)

// ReferralAddressee is whom a letter is for (紹介先, or the 返書's
// addressee: the doctor who referred the patient).
type ReferralAddressee struct {
	Facility   string // 医療機関名
	Department string // 診療科, optional
	Doctor     string // 担当医, optional: without it the letter is addressed to the department
}

// ReferralPatient is the patient block of both letters.
type ReferralPatient struct {
	Name       string    // 氏名
	Kana       string    // カナ, optional
	Sex        string    // 男 or 女 (or empty)
	BirthDate  time.Time // 生年月日 (a calendar day); zero: not printed
	Address    string    // optional
	Phone      string    // optional
	Occupation string    // 職業, optional
}

// ReferralRef names another letter: the one a correction corrects, the
// one a reply answers.
type ReferralRef struct {
	ID   string    // the letter's ID as the portal shows it
	Date time.Time // the day it was sent; zero: not printed
}

// ReferralLetter is 診療情報提供書 (別紙様式11).
type ReferralLetter struct {
	Operator Operator // the network: its name heads every page
	ID       string   // the letter's ID, printed in the header of every page
	Date     time.Time
	Draft    bool // not yet sent: marked 下書き on every page

	To      ReferralAddressee // 紹介先
	From    Facility          // 紹介元: name, address, phone, 医療機関コード, doctor (with the 印 box)
	Patient ReferralPatient

	// Corrects is the letter this one corrects (訂正); zero ID: none.
	Corrects ReferralRef

	// Attachments are the names of the files sent with the letter,
	// listed under 添付資料; none: the row is left out.
	Attachments []string
	// Records are the DMS records the letter refers to, listed under
	// DMS記録; none: the row is left out.
	Records []ReferralRecord

	// The sections, in the order of 別紙様式11; line breaks are kept.
	Diagnosis  string // 傷病名
	Purpose    string // 紹介目的
	History    string // 既往歴及び家族歴
	Course     string // 症状経過及び検査結果
	Treatment  string // 治療経過
	Medication string // 現在の処方
	Remarks    string // 備考
}

// ReferralRecord is a DMS record a letter refers to.
type ReferralRecord struct {
	ID      string    // the record's ID as the portal shows it
	Title   string    // 表題
	Kind    string    // 種類, optional
	On      time.Time // the day the record concerns (a calendar day); zero: not printed
	Version int       // the version referred to; 0: not printed
}

// line is the record as 添付資料 lists it: 「・R000012　胸部X線（画像）
// 令和8年3月1日　第2版」.
func (r ReferralRecord) line() string {
	parts := []string{"・" + oneLine(r.ID), oneLine(r.Title)}
	if k := oneLine(r.Kind); k != "" {
		parts[1] += "（" + k + "）"
	}
	if !r.On.IsZero() {
		parts = append(parts, dayOf(r.On, false))
	}
	if r.Version > 0 {
		parts = append(parts, "第"+strconv.Itoa(r.Version)+"版")
	}
	return strings.Join(parts, "　")
}

// ReferralReply is 紹介患者経過報告書, the reply (返書) to a referral letter.
type ReferralReply struct {
	Operator Operator
	Letter   ReferralRef // the letter answered
	Date     time.Time   // the day of the reply

	To      ReferralAddressee // the referring doctor (the letter's 紹介元)
	From    Facility          // the replying facility and doctor
	Patient ReferralPatient

	VisitedOn time.Time // 受診日; zero: not printed
	Findings  string    // 所見
	Plan      string    // 方針
	Body      string    // 本文
}

// Instants (a letter's Date, a ReferralRef's Date) are printed as the day
// in Japan, so a calendar day at midnight UTC also prints as itself;
// calendar days (BirthDate, VisitedOn: midnight UTC, as the store keeps
// them) are printed as they are.

// Sections returns the labelled sections of the letter in the order of
// 別紙様式11, label and text.
func (l ReferralLetter) Sections() [][2]string {
	return [][2]string{
		{"傷病名", l.Diagnosis},
		{"紹介目的", l.Purpose},
		{"既往歴及び家族歴", l.History},
		{"症状経過及び検査結果", l.Course},
		{"治療経過", l.Treatment},
		{"現在の処方", l.Medication},
		{"備考", l.Remarks},
	}
}

// Sections returns the labelled sections of the reply, in print order.
func (r ReferralReply) Sections() [][2]string {
	return [][2]string{
		{"所見", r.Findings},
		{"方針", r.Plan},
		{"本文", r.Body},
	}
}

// referralLabelW is the width of the section labels' column: room for
// the longest, 「症状経過及び検査結果」, on one line, so that each label
// reads whole, also where the text is copied out of the PDF.
const referralLabelW = 40

// referralMinH is the least height of each section of the letter, so
// that an empty one still has room to write in by hand; the larger boxes
// are those of the form.
var referralMinH = map[string]float64{
	"傷病名": 12, "紹介目的": 14, "既往歴及び家族歴": 16, "症状経過及び検査結果": 26,
	"治療経過": 18, "現在の処方": 18, "備考": 12,
	"所見": 24, "方針": 20, "本文": 30,
}

// RenderReferralLetter returns the letter as an A4 PDF: title, date,
// 紹介先, 紹介元 with the 印 box, the patient, then the sections, which run
// on over further pages as needed.
func RenderReferralLetter(l ReferralLetter) ([]byte, error) {
	d, err := newDoc(titleReferralLetter, a4, Letterhead{Operator: l.Operator, Facility: l.From})
	if err != nil {
		return nil, err
	}
	d.runningHeader(referralHeader(titleReferralLetter, l.ID, l.Draft, l.Patient))
	d.titleRow(titleReferralLetter)
	if l.Draft {
		d.line("下書き（未送信）", style{size: sizeBody, color: colorMuted, align: align.Center}, 6)
	}
	if id := oneLine(l.Corrects.ID); id != "" {
		d.space(1)
		d.tableRow(8, lab(22, "訂正"), val(d.w-22, "この診療情報提供書は、"+refName(titleReferralLetter, l.Corrects)+"を訂正するものです。"))
	}
	d.line(dayOf(l.Date, true), style{size: sizeBody, align: align.Right}, 6)
	d.addressee("紹介先医療機関等名", l.To, "殿")
	d.space(1)
	d.lineAt("紹介元医療機関の所在地及び名称", style{size: sizeSmall, color: colorMuted}, 5, d.w/2)
	d.sender(d.head, d.w/2)
	d.space(4)
	d.patientRows(l.Patient, l.Date)
	d.space(3)
	for _, s := range l.Sections() {
		d.section(s[0], s[1], referralLabelW, referralMinH[s[0]])
	}
	if len(l.Attachments) > 0 {
		var names []string
		for _, a := range l.Attachments {
			if a = oneLine(a); a != "" {
				names = append(names, "・"+a)
			}
		}
		d.section("添付資料", strings.Join(names, "\n"), referralLabelW, 0)
	}
	if len(l.Records) > 0 {
		var lines []string
		for _, r := range l.Records {
			lines = append(lines, r.line())
		}
		d.section("DMS記録", strings.Join(lines, "\n"), referralLabelW, 0)
	}
	return d.render()
}

// RenderReferralReply returns the reply as an A4 PDF in the style of the
// letter: title, date, the referring doctor, the replying facility with
// the 印 box, the patient, the letter answered and 受診日, then 所見, 方針
// and 本文.
func RenderReferralReply(r ReferralReply) ([]byte, error) {
	d, err := newDoc(titleReferralReply, a4, Letterhead{Operator: r.Operator, Facility: r.From})
	if err != nil {
		return nil, err
	}
	d.runningHeader(referralHeader(titleReferralReply, "", false, r.Patient))
	d.titleRow(titleReferralReply)
	d.line(dayOf(r.Date, true), style{size: sizeBody, align: align.Right}, 6)
	d.addressee("紹介元医療機関名", r.To, "先生　御侍史")
	d.space(1)
	d.lineAt("報告元医療機関の所在地及び名称", style{size: sizeSmall, color: colorMuted}, 5, d.w/2)
	d.sender(d.head, d.w/2)
	d.space(3)
	since := ""
	if !r.Letter.Date.IsZero() {
		since = dayOf(r.Letter.Date, true) + "付で"
	}
	d.paragraph("平素より大変お世話になっております。"+since+"ご紹介いただきました下記の患者様について、ご報告申し上げます。", body)
	d.space(3)
	d.patientRows(r.Patient, r.Date)
	const lw, vw = 22, 68
	d.tableRow(8, lab(lw, "紹介日"), val(vw, refDay(r.Letter)), lab(lw, "受診日"), val(d.w-2*lw-vw, dayOf(r.VisitedOn, false)))
	d.space(3)
	for _, s := range r.Sections() {
		d.section(s[0], s[1], referralLabelW, referralMinH[s[0]])
	}
	return d.render()
}

// referralHeader is the right of the running header: the title, the
// letter's number and the patient, so that loose sheets find their letter.
func referralHeader(title, id string, draft bool, p ReferralPatient) string {
	parts := []string{title}
	if draft {
		parts = append(parts, "下書き")
	}
	if id = oneLine(id); id != "" {
		parts = append(parts, "No. "+id)
	}
	if n := oneLine(p.Name); n != "" {
		parts = append(parts, "患者 "+n+" 様")
	}
	return strings.Join(parts, "　")
}

// dayOf is the day of t in 和暦; an instant is first taken to Japan time.
// A zero t is the blank 「年　月　日」 to write in by hand.
func dayOf(t time.Time, instant bool) string {
	if t.IsZero() {
		return "令和　　年　　月　　日"
	}
	if instant {
		t = t.In(store.Tokyo)
	}
	return jptext.FormatWareki(t)
}

// refDay is the day a letter was sent, with its number.
func refDay(r ReferralRef) string {
	s := ""
	if !r.Date.IsZero() {
		s = dayOf(r.Date, true)
	}
	if id := oneLine(r.ID); id != "" {
		s = strings.TrimSpace(s + "（No. " + id + "）")
	}
	return s
}

// refName names a letter in running text: 「令和7年12月1日付の診療情報提供書
// （No. 123）」.
func refName(what string, r ReferralRef) string {
	s := what
	if !r.Date.IsZero() {
		s = dayOf(r.Date, true) + "付の" + s
	}
	if id := oneLine(r.ID); id != "" {
		s += "（No. " + id + "）"
	}
	return s
}

// ageOn is the age in full years on day (an instant, taken in Japan) of
// someone born on birth (a calendar day).
func ageOn(birth, day time.Time) int {
	y, m, dd := day.In(store.Tokyo).Date()
	by, bm, bd := birth.Date()
	age := y - by
	if m < bm || (m == bm && dd < bd) {
		age--
	}
	return age
}

// addressee adds the block of whom a letter is for: a small caption, the
// facility, and the department and doctor with the honorific.
func (d *doc) addressee(caption string, to ReferralAddressee, honorific string) {
	d.line(caption, style{size: sizeSmall, color: colorMuted}, 5)
	if f := oneLine(to.Facility); f != "" {
		d.line(f, style{size: 12.5}, 7)
	}
	var who []string
	if dep := oneLine(to.Department); dep != "" {
		who = append(who, dep)
	}
	if doc := oneLine(to.Doctor); doc != "" {
		who = append(who, doc)
	} else {
		who = append(who, "担当医")
	}
	d.line(strings.Join(who, "　")+"　"+honorific, style{size: 11.5}, 7)
}

// patientRows adds the patient block: フリガナ and 性別, 氏名 and 生年月日
// with the age on day, 住所, 電話番号 and 職業.
func (d *doc) patientRows(p ReferralPatient, day time.Time) {
	const lw, vw = 22, 68
	rest := d.w - 2*lw - vw
	birth := ""
	if !p.BirthDate.IsZero() {
		birth = jptext.FormatWareki(p.BirthDate) + "生"
		if !day.IsZero() {
			birth += "（" + strconv.Itoa(ageOn(p.BirthDate, day)) + "歳）"
		}
	}
	d.tableRow(7, lab(lw, "フリガナ"), cell{w: vw, text: oneLine(p.Kana), st: small}, lab(lw, "性別"), val(rest, oneLine(p.Sex)))
	d.tableRow(9, lab(lw, "患者氏名"), cell{w: vw, text: oneLine(p.Name), st: style{size: 12}}, lab(lw, "生年月日"), val(rest, birth))
	d.tableRow(8, lab(lw, "住所"), val(d.w-lw, oneLine(p.Address)))
	d.tableRow(8, lab(lw, "電話番号"), val(vw, oneLine(p.Phone)), lab(lw, "職業"), val(rest, oneLine(p.Occupation)))
}

// Render is RenderReferralLetter, so that l.Render can be handed to
// web.PDFFile like the other documents.
func (l ReferralLetter) Render() ([]byte, error) { return RenderReferralLetter(l) }

// Render is RenderReferralReply.
func (r ReferralReply) Render() ([]byte, error) { return RenderReferralReply(r) }
