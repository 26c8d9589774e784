package pdf

import (
	"strings"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"
)

// ApplicationMemberForm is 「加入申込書（医療関係者用）」: the applicant
// prints it from the receipt page, signs and seals it and mails it to the
// operator, who compares it with the application made online.
type ApplicationMemberForm struct {
	Operator      Operator
	Number        string // 受付番号
	AppliedOn     string // 申込日, formatted
	Name          string // 氏名
	NameKana      string // フリガナ
	Qualification string // 資格, as its Japanese label (医師, 薬剤師, …)
	LicenseNumber string // 免許番号
	Email         string
	Phone         string
	// The facility the applicant belongs to (所属施設): an already
	// registered one is given by its OID; with FacilityOID empty the
	// facility is new, applied for with ApplicationFacilityForm.
	FacilityOID  string
	FacilityName string
	// Terms names the texts agreed to, e.g. 「利用規約（第1版）および個人情報の
	// 取扱い（第1版）」; empty: 「利用規約および個人情報の取扱い」.
	Terms string
	// ConsentedOn is when the applicant agreed on the online form
	// (formatted); empty when only the signature on this form agrees.
	ConsentedOn string
}

// consentSentence is the 同意 a form states above the signature.
func consentSentence(op Operator, terms, consentedOn, what string) string {
	if strings.TrimSpace(terms) == "" {
		terms = "利用規約および個人情報の取扱い"
	}
	s := siteName(op) + "の" + terms + "に同意のうえ、" + what
	if consentedOn != "" {
		s += "（" + consentedOn + "、オンライン申込で同意済み）"
	}
	return s
}

// ApplicationFacilityForm is 「加入申込書（施設用）」, mailed together with
// the applicant's form when the facility is not yet registered.
type ApplicationFacilityForm struct {
	Operator      Operator
	Number        string // 受付番号 (the same application as the member's form)
	AppliedOn     string // 申込日, formatted
	FacilityName  string // 施設名
	FacilityKind  string // 施設区分, as its Japanese label (診療所, 病院, 薬局, その他)
	FacilityCode  string // 医療機関コード (10 digits); may be empty
	Postal        string // 〒
	Address       string // 所在地
	Phone         string
	ApplicantName string // 申込者 (the member applying with it)
	Terms         string // as ApplicationMemberForm's
}

const (
	titleMemberForm   = "加入申込書（医療関係者用）"
	titleFacilityForm = "加入申込書（施設用）"
	labelW            = 34 // width of a field name
	blankDate         = "令和　　　年　　　月　　　日"
)

// Render returns the form as a PDF.
func (f ApplicationMemberForm) Render() ([]byte, error) {
	d, err := newDoc(titleMemberForm, a4, Letterhead{Operator: f.Operator})
	if err != nil {
		return nil, err
	}
	d.formHead(titleMemberForm, f.Number, f.AppliedOn, f.Operator)
	d.paragraph("私は、"+consentSentence(f.Operator, f.Terms, f.ConsentedOn, "下記のとおり加入を申し込みます。"), body)
	d.space(3)

	d.sectionHeading("申込者")
	d.tableRow(7, lab(labelW, "フリガナ"), cell{w: d.w - labelW, text: f.NameKana, st: small})
	d.tableRow(12, lab(labelW, "氏名"), cell{w: d.w - labelW, text: f.Name, st: style{size: 13}})
	half := (d.w - 2*labelW) / 2
	d.tableRow(9, lab(labelW, "資格"), val(half, f.Qualification), lab(labelW, "免許番号"), val(d.w-2*labelW-half, f.LicenseNumber))
	d.tableRow(9, lab(labelW, "メールアドレス"), val(d.w-labelW, f.Email))
	d.tableRow(9, lab(labelW, "電話番号"), val(d.w-labelW, f.Phone))
	var facility string
	if oid := strings.TrimSpace(f.FacilityOID); oid != "" {
		facility = "OID " + oid + "\n" + f.FacilityName
	} else {
		facility = "【新規】" + f.FacilityName + "\n（「" + titleFacilityForm + "」を同封してください）"
	}
	d.tableRow(9, lab(labelW, "所属施設"), val(d.w-labelW, facility))
	d.space(3)

	d.sectionHeading("署名・押印")
	d.signature("署名（自署）")
	d.paragraph("※ 申込者ご本人が自署し、押印してください。", muted)
	d.space(4)

	d.mailTo(f.Operator, "この申込書を印刷し、記載内容をご確認のうえ署名・押印して、下記の送付先へ郵送してください。")
	d.officeUse()
	return d.render()
}

// Render returns the form as a PDF.
func (f ApplicationFacilityForm) Render() ([]byte, error) {
	d, err := newDoc(titleFacilityForm, a4, Letterhead{Operator: f.Operator})
	if err != nil {
		return nil, err
	}
	d.formHead(titleFacilityForm, f.Number, f.AppliedOn, f.Operator)
	d.paragraph("下記の施設について、"+consentSentence(f.Operator, f.Terms, "", "施設登録を申し込みます。"), body)
	d.space(3)

	d.sectionHeading("施設")
	d.tableRow(12, lab(labelW, "施設名"), cell{w: d.w - labelW, text: f.FacilityName, st: style{size: 13}})
	code := strings.TrimSpace(f.FacilityCode)
	if code == "" {
		code = "（なし）"
	}
	half := (d.w - 2*labelW) / 2
	d.tableRow(9, lab(labelW, "施設区分"), val(half, f.FacilityKind), lab(labelW, "医療機関コード"), val(d.w-2*labelW-half, code))
	addr := f.Address
	if p := strings.TrimSpace(f.Postal); p != "" {
		addr = "〒" + strings.TrimPrefix(p, "〒") + "\n" + f.Address
	}
	d.tableRow(9, lab(labelW, "所在地"), val(d.w-labelW, addr))
	d.tableRow(9, lab(labelW, "電話番号"), val(d.w-labelW, f.Phone))
	d.tableRow(9, lab(labelW, "申込者"), val(d.w-labelW, f.ApplicantName+"\n（「"+titleMemberForm+"」と同封してください）"))
	d.space(3)

	d.sectionHeading("施設管理者の署名・押印")
	d.signature("施設管理者\n署名（自署）")
	d.paragraph("※ 施設の管理者（院長・開設者など）が自署し、押印してください。", muted)
	d.space(4)

	d.mailTo(f.Operator, "この申込書を印刷し、記載内容をご確認のうえ署名・押印して、「"+titleMemberForm+"」と一緒に下記の送付先へ郵送してください。")
	d.officeUse()
	return d.render()
}

// siteName is the network's name in running text.
func siteName(op Operator) string {
	if s := oneLine(op.SiteName); s != "" {
		return s
	}
	return "本ネットワーク"
}

// formHead adds the title, the number and date of the application and
// the addressee of an application form.
func (d *doc) formHead(title, number, appliedOn string, op Operator) {
	d.titleRow(title)
	d.space(2)
	d.tableRow(8,
		cell{w: 50, bare: true},
		lab(20, "受付番号"), cell{w: 52, text: number, st: style{size: 11}},
		lab(18, "申込日"), val(40, appliedOn),
	)
	d.space(3)
	if o := oneLine(op.Organisation); o != "" {
		d.paragraph(o+"　御中", heading)
		d.space(1)
	}
}

// signature adds the boxes for the date, the signature and the seal.
func (d *doc) signature(what string) {
	d.tableRow(10, lab(labelW, "記入日"), val(d.w-labelW, blankDate))
	seal := cell{w: 30, text: "㊞", st: style{size: 22, color: colorFaint, align: align.Center}}
	d.tableRow(20, lab(labelW, what), cell{w: d.w - labelW - seal.w}, seal)
	d.space(1.5)
}

// mailTo adds the instruction to mail the form and the operator's address.
func (d *doc) mailTo(op Operator, instruction string) {
	d.sectionHeading("郵送先")
	d.paragraph(instruction, body)
	d.space(1.5)
	d.tableRow(10, lab(labelW, "送付先"), cell{w: d.w - labelW, text: mailingLines(op), st: style{size: 11}})
	var ask []string
	if p := strings.TrimSpace(op.Phone); p != "" {
		ask = append(ask, "電話　"+p)
	}
	if e := strings.TrimSpace(op.Email); e != "" {
		ask = append(ask, "メール　"+e)
	}
	if len(ask) > 0 {
		d.tableRow(8, lab(labelW, "お問い合わせ"), val(d.w-labelW, strings.Join(ask, "　　")))
	}
	d.space(4)
}

// officeUse adds the boxes the operator fills in on receipt.
func (d *doc) officeUse() {
	st := style{size: sizeSmall, color: colorMuted}
	d.tableRow(9,
		cell{w: labelW, text: "センター記入欄", st: st, label: true},
		cell{w: 18, text: "受付日", st: st, label: true}, cell{w: 44},
		cell{w: 18, text: "確認", st: st, label: true}, cell{w: 26},
		cell{w: 18, text: "登録", st: st, label: true}, cell{w: 22},
	)
}
