package pdf

import (
	"fmt"
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"
)

// StartGuide is 「利用開始案内」, the letter mailed to a member after
// approval with the ほっとラインID and the initial password, and the steps of
// the first login.
type StartGuide struct {
	Operator     Operator
	IssuedOn     string // 発行日, formatted
	Name         string // the member, addressed as 様
	FacilityName string // the member's facility
	MemberID     string // ほっとラインID (H + 6 digits)
	Password     string // the initial password, in clear
}

// FacilityInfo is 「施設登録情報」, the letter mailed to a newly registered
// facility with its OID and facility password (used to log in to PRS).
type FacilityInfo struct {
	Operator     Operator
	IssuedOn     string // 発行日, formatted
	FacilityName string
	FacilityID   string // OID (F + 6 digits)
	Password     string // the facility password, in clear
}

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
	d.letterHead(g.IssuedOn, g.FacilityName, strings.TrimSpace(g.Name)+"　様", d.head)
	d.titleRow(titleStartGuide)
	d.space(3)
	d.paragraph("このたびは"+site+"にご加入いただき、ありがとうございます。ご利用に必要なIDと初期パスワード（PW）をお知らせします。", body)
	d.space(3)
	if err := d.credentials("ID", g.MemberID, "PW", g.Password); err != nil {
		return nil, err
	}
	d.space(1.5)
	d.paragraph("※ パスワードは英字の大文字と小文字を区別します。初回ログイン時に必ず変更していただきます。", muted)
	d.space(4)

	d.sectionHeading("初回ログインの手順")
	portal := "ポータルサイト"
	if u := strings.TrimSpace(g.Operator.PortalURL); u != "" {
		portal += "（" + u + "）"
	}
	d.list([]string{"①", "②", "③", "④", "⑤", "⑥"}, []string{
		"ブラウザで" + portal + "を開き、「ログイン」をクリックします。",
		"上記のIDとPWを入力してログインします。",
		"「初期パスワードの変更」画面で、ご自身で決めた新しいパスワードに変更します。",
		"「この PC 用の証明書を発行」で証明書を発行し、証明書ファイル（.p12）を保存します。このとき決めるパスフレーズは、次の取り込みで使います。",
		"保存した証明書ファイル（.p12）を、お使いのブラウザ（またはパソコン）に取り込みます。",
		"ブラウザをいったん閉じてから再接続し、IDと新しいパスワードで再ログインします。以後は証明書を取り込んだこの PC からご利用いただけます。",
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
	d.letterHead(f.IssuedOn, "", strings.TrimSpace(f.FacilityName)+"　御中", d.head)
	d.titleRow(titleFacilityInfo)
	d.space(3)
	d.paragraph("貴施設の施設登録が完了しました。施設ID（OID）と施設パスワード（PW）をお知らせします。", body)
	d.space(3)
	d.tableRow(10, lab(labelW, "施設名"), cell{w: d.w - labelW, text: f.FacilityName, st: style{size: 11}})
	if err := d.credentials("OID", f.FacilityID, "PW", f.Password); err != nil {
		return nil, err
	}
	d.space(1.5)
	d.paragraph("※ パスワードは英字の大文字と小文字を区別します。", muted)
	d.space(4)

	d.sectionHeading("ご利用について")
	d.list([]string{"・"}, []string{
		"患者様登録ソフト（PRS）へのログインに使用します。『利用開始案内』のID/パスワードではありません。",
		"パスワードの変更をお勧めします。患者様登録ソフトの「施設情報修正」から変更できます。",
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
// baseline with its value so that the pair stays one line of text.
func (d *doc) credentials(idLabel, id, pwLabel, pw string) error {
	const (
		h    = 14.0
		base = 9.8 // baseline from the top of the row
	)
	valueW := d.w - labelW
	for _, p := range [][2]string{{idLabel, id}, {pwLabel, pw}} {
		size, ok := d.fit(p[1], 20, 9, float64(valueW))
		if !ok {
			return fmt.Errorf("pdf: %s: %s is too long to print", d.title, p[0])
		}
		d.baselineRow(h, base, []cell{
			{w: labelW, text: p[0], st: style{size: 13, align: align.Center}, label: true},
			{w: valueW, text: p[1], st: style{size: size}},
		}, true)
	}
	return nil
}

// contact adds the operator's contact block (問合せ先).
func (d *doc) contact(op Operator) {
	d.sectionHeading("お問い合わせ先")
	d.tableRow(10, lab(labelW, "問合せ先"), val(d.w-labelW, contactLines(op, true)))
}
