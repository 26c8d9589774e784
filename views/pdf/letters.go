package pdf

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/core"
)

// StartGuide is 「利用開始案内」, the letter mailed to a member after
// approval with the ほっとラインID and the initial password, and the steps of
// the first login.
type StartGuide struct {
	Operator     Operator
	IssuedOn     string // 発行日, formatted
	Name         string // the member, addressed as 様
	FacilityName string // the member's facility
	Postal       string // the facility's 〒, for the envelope's window
	Address      string // the facility's address
	MemberID     string // ほっとラインID (H + 6 digits)
	Password     string // the initial password, in clear
}

// FacilityInfo is 「施設登録情報」, the letter mailed to a newly registered
// facility with its OID and facility password (used to log in to PRS).
type FacilityInfo struct {
	Operator     Operator
	IssuedOn     string // 発行日, formatted
	FacilityName string
	Postal       string // 〒, for the envelope's window
	Address      string
	FacilityID   string // OID (F + 6 digits)
	Password     string // the facility password, in clear
}

// Both letters are mailed in a 長形3号 window envelope (120 × 235 mm), the
// A4 sheet folded in three. The envelope's window (the common 90 × 45 mm,
// 23 mm from the left and 13 mm from the top edge) shows the top of the
// sheet: the recipient's block is printed from 24 to 104 mm from the
// sheet's left edge and 23 to 54 mm from its top, which leaves the sheet
// some play inside the envelope. Nothing else of the letter shows there
// but the running header.
const (
	windowIndent = 9  // millimetres from the left margin (15 mm) to the block
	windowW      = 80 // width of the block
	windowH      = 31 // height of the block, from the top of the content
)

// passwordNote says how a generated password is typed.
const passwordNote = "※ パスワードは英字（大文字）と数字を4文字ずつハイフン（-）でつないだものです。ハイフンも含めて、印刷のとおりに入力してください（数字の0・1、英字のO・Iは使っていません）。"

const (
	titleStartGuide   = "利用開始案内"
	titleFacilityInfo = "施設登録情報"
)

// Render returns the letter as a PDF. The ID and the password are
// required and must be printable ASCII: they are printed to be typed in.
func (g StartGuide) Render() ([]byte, error) {
	if err := credential(titleStartGuide, "ID", g.MemberID); err != nil {
		return nil, err
	}
	if err := credential(titleStartGuide, "パスワード", g.Password); err != nil {
		return nil, err
	}
	d, err := newDoc(titleStartGuide, a4, Letterhead{Operator: g.Operator})
	if err != nil {
		return nil, err
	}
	site := siteName(g.Operator)
	d.windowHead(g.IssuedOn, g.Postal, g.Address, g.FacilityName, strings.TrimSpace(g.Name)+"　様", g.Operator)
	d.titleRow(titleStartGuide)
	d.space(3)
	d.paragraph("このたびは"+site+"にご加入いただき、ありがとうございます。ご利用に必要なIDと初期パスワード（PW）をお知らせします。", body)
	d.space(2)
	who := strings.TrimSpace(g.Name) + "　様"
	if f := strings.TrimSpace(g.FacilityName); f != "" {
		who += "（" + f + "）"
	}
	d.tableRow(8, lab(labelW, "氏名"), val(d.w-labelW, who))
	if err := d.credentials("ID", g.MemberID, "PW", g.Password); err != nil {
		return nil, err
	}
	d.space(1.5)
	d.paragraph(passwordNote+"初回ログイン時に必ず変更していただきます。", muted)
	d.space(4)

	d.sectionHeading("初回ログインの手順")
	portal := "ポータルサイト"
	if u := strings.TrimSpace(g.Operator.PortalURL); u != "" {
		portal += "（" + u + "）"
	}
	d.list([]string{"①", "②", "③", "④", "⑤", "⑥"}, []string{
		"ブラウザで" + portal + "を開き、「ログイン」を押します。",
		"「ほっとライン ログイン認証」画面で、上記のIDとPWを入力して「ログイン」を押します。",
		"「パスワード変更」画面で、現在のパスワード（上記のPW）と、ご自身で決めた新しいパスワード（12文字以上）を入力して「変更する」を押します。",
		"「証明書の発行」画面で、端末名（例：受付PC）とパスフレーズを入力し、「証明書を発行してダウンロード」を押して証明書ファイル（.p12）を保存します。パスフレーズは次の取り込みで使います。",
		"保存した証明書ファイル（.p12）を、お使いのブラウザ（またはパソコン）に取り込みます。手順は画面とサービスガイドの「証明書のインストール」にあります。",
		"ブラウザをいったん閉じてから起動し直し、IDと新しいパスワードでもう一度ログインします。証明書を選ぶ画面ではご自身の氏名の証明書を選びます。「ほっとライン - メニュー」が表示されれば完了です。",
	}, body)
	d.space(2)

	d.sectionHeading("ご注意")
	d.list([]string{"・"}, []string{
		"証明書のインストールは、1PCにつき1つのみです。別の PC で利用するときは、ログイン後の「申請フォーム」から証明書の再発行申請を行ってください。",
		"初期パスワードは、初回ログイン時に必ず変更してください。変更するまで、ほかの機能は使えません。",
		"この案内にはIDとパスワードが記載されています。他人の目に触れないよう、大切に保管してください。",
	}, body)
	d.space(2)
	d.contact(g.Operator)
	return d.render()
}

// Render returns the letter as a PDF. The OID and the password are
// required and must be printable ASCII.
func (f FacilityInfo) Render() ([]byte, error) {
	if err := credential(titleFacilityInfo, "OID", f.FacilityID); err != nil {
		return nil, err
	}
	if err := credential(titleFacilityInfo, "パスワード", f.Password); err != nil {
		return nil, err
	}
	d, err := newDoc(titleFacilityInfo, a4, Letterhead{Operator: f.Operator})
	if err != nil {
		return nil, err
	}
	d.windowHead(f.IssuedOn, f.Postal, f.Address, "", strings.TrimSpace(f.FacilityName)+"　御中", f.Operator)
	d.titleRow(titleFacilityInfo)
	d.space(3)
	d.paragraph("貴施設の施設登録が完了しました。施設ID（OID）と施設パスワード（PW）をお知らせします。", body)
	d.space(3)
	d.tableRow(10, lab(labelW, "施設名"), cell{w: d.w - labelW, text: f.FacilityName, st: style{size: 11}})
	if err := d.credentials("OID", f.FacilityID, "PW", f.Password); err != nil {
		return nil, err
	}
	d.space(1.5)
	d.paragraph(passwordNote, muted)
	d.space(4)

	d.sectionHeading("ご利用について")
	d.list([]string{"・"}, []string{
		"ほっとラインメニューの「患者様登録ソフト」を開くと表示される施設認証の画面で、上記のOIDとPWを入力して「施設認証」を押します。『利用開始案内』のID/パスワードではありません。",
		"パスワードの変更をお勧めします。患者様登録ソフトの「施設情報修正」画面の「施設パスワードの変更」から変更できます。",
		"すでに登録済みの施設には再通知いたしません。この書面は施設で大切に保管し、他人の目に触れないようにしてください。",
	}, body)
	d.space(2)
	d.contact(f.Operator)
	return d.render()
}

// credential checks a value printed to be typed in.
func credential(doc, name, v string) error {
	if v == "" {
		return fmt.Errorf("pdf: %s: %s is empty", doc, name)
	}
	for _, r := range v {
		if r <= ' ' || r >= 0x7F {
			return fmt.Errorf("pdf: %s: %s holds characters other than printable ASCII", doc, name)
		}
	}
	return nil
}

// letterHead adds the date, the addressee and the sender of a letter:
// the operator's block flush right, or a facility's in the right half.
func (d *doc) letterHead(date, addresseeLine, addressee string, lh Letterhead) {
	if date = oneLine(date); date != "" {
		d.line(date, style{size: sizeBody, align: align.Right}, 6)
	}
	d.space(2)
	if addresseeLine != "" {
		d.paragraph(addresseeLine, style{size: 10.5})
	}
	d.paragraph(addressee, style{size: 13})
	d.space(2)
	indent := 0
	if lh.ofFacility() {
		indent = d.w / 2
	}
	d.sender(lh, indent)
	d.space(4)
}

// credentials adds the framed pair of login values, each label on one
// baseline with its value so that the pair stays one line of text. The
// values are set in the fixed-width face (DejaVu Sans Mono), whose 0/O and
// 1/l/I cannot be mistaken.
func (d *doc) credentials(idLabel, id, pwLabel, pw string) error {
	const (
		h    = 13.0
		base = 9.2 // baseline from the top of the row
	)
	valueW := d.w - labelW
	for _, p := range [][2]string{{idLabel, id}, {pwLabel, pw}} {
		size, ok := monoFit(p[1], 18, 9, float64(valueW))
		if !ok {
			return fmt.Errorf("pdf: %s: %s is too long to print", d.title, p[0])
		}
		value, err := d.monoText(p[1], style{size: size}, base-style{size: size}.mm())
		if err != nil {
			return err
		}
		st := cell{label: true}.cellStyle(border.Full)
		d.add(row.New(h).Add(
			col.New(labelW).Add(d.text(p[0], style{size: 13, align: align.Center}, base-style{size: 13}.mm())).WithStyle(st),
			col.New(valueW).Add(value).WithStyle(cell{}.cellStyle(border.Full)),
		))
	}
	return nil
}

// windowHead starts a letter mailed in a window envelope: the recipient's
// 〒, address, facility and name where the window shows them, the date
// and the sender (the operator) beside them on the right.
func (d *doc) windowHead(date, postal, address, facility, name string, op Operator) {
	type ln struct {
		s  string
		st style
		h  float64
	}
	var to []ln
	addr := style{size: 10}
	if p := strings.TrimPrefix(oneLine(postal), "〒"); p != "" {
		to = append(to, ln{"〒" + p, addr, 5})
	}
	for _, l := range d.truncate(oneLine(address), addr, windowW, 2) {
		to = append(to, ln{l, addr, 5})
	}
	if f := oneLine(facility); f != "" {
		fst := style{size: 11}
		if size, ok := d.fit(f, 11, 8.5, windowW); ok {
			fst.size = size
		}
		to = append(to, ln{d.truncate(f, fst, windowW, 1)[0], fst, 6})
	}
	nst := style{size: 13}
	if size, ok := d.fit(name, 13, 9, windowW); ok {
		nst.size = size
	}
	to = append(to, ln{d.truncate(name, nst, windowW, 1)[0], nst, 7})
	var left []core.Component
	top := 0.0
	for _, l := range to {
		left = append(left, d.text(l.s, l.st, top+(l.h-l.st.mm())/2-emTop*l.st.mm()))
		top += l.h
	}
	right := []core.Component{}
	rw := d.w - windowIndent - windowW
	rt := 0.0
	rst := style{size: sizeBody, align: align.Right}
	if date = oneLine(date); date != "" {
		right = append(right, d.text(date, rst, rt))
		rt += 8
	}
	for _, l := range []string{oneLine(op.Organisation), oneLine(op.Department)} {
		if l != "" {
			right = append(right, d.text(d.truncate(l, rst, float64(rw), 1)[0], rst, rt))
			rt += 5.5
		}
	}
	d.add(row.New(windowH).Add(
		col.New(windowIndent),
		col.New(windowW).Add(left...),
		col.New(rw).Add(right...),
	))
	d.space(3)
}

// contact adds the operator's contact block (問合せ先).
func (d *doc) contact(op Operator) {
	d.sectionHeading("お問い合わせ先")
	d.tableRow(10, lab(labelW, "問合せ先"), val(d.w-labelW, contactLines(op, true)))
}
