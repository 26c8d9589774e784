package pdf

import (
	"fmt"
	"strings"
	"testing"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"golang.org/x/text/encoding/japanese"

	"hotline/views/pdf/qr"
)

// The documents in this file are built the way the referral letter and the
// prescription are meant to be: geometry → letterhead → sections/form →
// QR → render.

func sampleFacility() Facility {
	return Facility{
		Name:       "医療法人社団すこやか会　髙﨑内科・小児科クリニック",
		Postal:     "101-0062",
		Address:    "東京都千代田区神田駿河台二丁目五番地　すこやかビル3階",
		Phone:      "03-1234-5678",
		Fax:        "03-1234-5679",
		Code:       "1312345678",
		Department: "内科",
		Doctor:     "髙﨑 太郎",
	}
}

// letterSection is one labelled section of the sample letter.
type letterSection struct{ label, body string }

// sampleSections returns the sections of a referral letter (別紙様式11)
// holding about total characters of running text in all, with line
// breaks, punctuation that may not begin a line, brackets, numbers and
// ASCII words.
func sampleSections(total int) []letterSection {
	sentences := []string{
		"令和7年4月頃より労作時の息切れを自覚し、当院を受診されました。",
		"胸部X線写真では心胸郭比58%と拡大を認め、BNPは412pg/mLでした。",
		"「夜間の発作性呼吸困難」の訴えがあり、心不全（NYHA II度）を疑っております。",
		"ご多忙のところ恐縮ですが、精査加療のほどよろしくお願い申し上げます。",
		"既往に高血圧症（平成20年～）、2型糖尿病（HbA1c 7.2%）があります。",
		"父：心筋梗塞（70歳で死去）、母：脳梗塞。喫煙歴は20本×30年（現在は禁煙）。",
		"心電図では洞調律、V1–V3でQS pattern、陰性T波を認めました。",
		"アムロジピン錠5mg 1日1回朝食後、メトホルミン塩酸塩錠250mg 1日2回朝夕食後。",
		"ご本人・ご家族には、専門医療機関での精査が必要であることをご説明し、了承を得ております。",
		"なお、造影剤アレルギーの既往はありません。",
	}
	labels := []string{"傷病名", "紹介目的", "既往歴及び家族歴", "症状経過及び検査結果", "治療経過", "現在の処方", "備考"}
	share := []float64{0.02, 0.06, 0.12, 0.40, 0.25, 0.10, 0.05}
	var out []letterSection
	k := 0
	for i, l := range labels {
		want := int(float64(total) * share[i])
		var b strings.Builder
		for n := 0; n < want; {
			s := sentences[k%len(sentences)]
			k++
			b.WriteString(s)
			n += len([]rune(s))
			if k%4 == 0 {
				b.WriteString("\n")
			}
		}
		out = append(out, letterSection{l, strings.TrimRight(b.String(), "\n")})
	}
	return out
}

// sampleLetterLabelW is the label column of the sample letter.
const sampleLetterLabelW = 32

// renderSampleLetter renders an A4 letter from a facility with the given
// sections: title, date, addressee, sender block with the seal box,
// patient rows, then the sections, continued over pages.
func renderSampleLetter(sections []letterSection) ([]byte, error) {
	d, err := newDoc("診療情報提供書", a4, Letterhead{Operator: sampleOperator(), Facility: sampleFacility()})
	if err != nil {
		return nil, err
	}
	d.titleRow("診療情報提供書")
	d.line("令和7年12月2日", style{size: sizeBody, align: align.Right}, 6)
	d.paragraph("ほっとライン総合病院　循環器内科　御侍史", style{size: 11.5})
	d.space(2)
	d.sender(d.head, d.w/2)
	d.space(3)
	half := (d.w - 2*24) / 2
	d.tableRow(8, lab(24, "患者氏名"), val(half, "髙﨑 花子（タカサキ ハナコ）"), lab(24, "性別"), val(d.w-2*24-half, "女"))
	d.tableRow(8, lab(24, "生年月日"), val(half, "昭和33年4月12日（67歳）"), lab(24, "職業"), val(d.w-2*24-half, "無職"))
	d.tableRow(8, lab(24, "住所"), val(d.w-24, "東京都千代田区神田駿河台二丁目五番地"))
	d.space(3)
	for _, s := range sections {
		d.section(s.label, s.body, sampleLetterLabelW, 16)
	}
	return d.render()
}

// samplePayload returns n bytes of Shift_JIS text like the JAHIS
// prescription symbol: records of comma-separated fields, CRLF line ends.
func samplePayload(t testing.TB, n int) []byte {
	t.Helper()
	enc := japanese.ShiftJIS.NewEncoder()
	var b strings.Builder
	b.WriteString("JAHIS10\r\n1,1,1234567,13,髙﨑内科・小児科クリニック\r\n")
	for i := 1; b.Len() < 2*n; i++ {
		fmt.Fprintf(&b, "201,%d,1,1,7,62000%04d,【般】アムロジピン錠５ｍｇ,1,1,錠\r\n111,%d,1,,1日3回毎食後,\r\n", i, i, i)
	}
	s, err := enc.String(b.String())
	if err != nil {
		t.Fatal(err)
	}
	out := []byte(s)[:n]
	for len(out) > 0 && !qr.ShiftJISCharStart([]byte(s), len(out)) {
		out = out[:len(out)-1]
	}
	return out
}

// renderSampleForm renders an A5 page like the prescription: a ruled form
// of about 40 boxes (captions in the corners, boxes spanning rows, check
// boxes), a table of 10 prescription lines, and the QR code of payload.
func renderSampleForm(payload []byte) ([]byte, error) {
	d, err := newDoc("処方箋", a5, Letterhead{Operator: sampleOperator(), Facility: sampleFacility()})
	if err != nil {
		return nil, err
	}
	d.titleRow("処　方　箋")
	f := d.newForm(59)
	num := func(w int, caption, v string) cell {
		return cell{w: w, caption: caption, text: v, st: style{size: 9, align: align.Center}}
	}
	y := f.row(0, 8, num(32, "公費負担者番号", "12345678"), num(32, "保険者番号", "06132013"), num(64, "被保険者証・被保険者手帳の記号・番号（枝番）", "12-345・6789（01）"))
	y = f.row(y, 8, num(32, "公費負担医療の受給者番号", "1234567"), num(32, "", ""), num(64, "", ""))
	// 患者: a narrow vertical label spanning three rows.
	f.box(0, y, 7, 24, cell{text: "患者", st: style{size: 8}})
	f.box(7, y, 57, 8, cell{caption: "氏名", text: "髙﨑 花子", st: style{size: 10}})
	f.box(7, y+8, 57, 8, cell{caption: "生年月日", text: "昭和33年4月12日　" + choice([]string{"男", "女"}, "女"), st: style{size: 8}})
	f.box(7, y+16, 57, 8, cell{text: choice([]string{"被保険者", "被扶養者"}, "被扶養者"), st: style{size: 8}})
	f.box(64, y, 64, 12, cell{caption: "保険医療機関の所在地及び名称", text: "東京都千代田区神田駿河台二丁目五番地　" + sampleFacility().Name, st: style{size: 7}, minSize: 5})
	f.box(64, y+12, 64, 6, cell{caption: "", text: "電話番号　03-1234-5678", st: style{size: 7}})
	f.box(64, y+18, 52, 6, cell{text: "保険医氏名　髙﨑 太郎", st: style{size: 8}})
	f.box(116, y+18, 12, 6, cell{text: "印", st: style{size: 7, color: colorFaint, align: align.Center}})
	y += 24
	y = f.row(y, 7, num(20, "都道府県番号", "13"), num(20, "点数表番号", "1"), num(24, "医療機関コード", "2345678"), num(64, "交付年月日", "令和7年12月2日"))
	y = f.row(y, 7, num(64, "処方箋の使用期間", "令和7年12月5日"), cell{w: 64, text: "リフィル可 " + checkbox(false) + "（　回）", st: style{size: 8}})
	// Small boxes, as the form's digit cells.
	for i := range 16 {
		f.box(float64(i)*8, y, 8, 5, cell{text: fmt.Sprint(i % 10), st: style{size: 6, align: align.Center}})
	}
	f.frame(0, 0, float64(d.w), y+5, ruleFrame)
	if err := d.addForm(f); err != nil {
		return nil, err
	}
	// The prescription lines: a form of fixed rows.
	t := d.newForm(6 + 10*5)
	head := style{size: sizeSmall, align: align.Center}
	ty := t.row(0, 6, cell{w: 10, st: head}, cell{w: 82, text: "処方", st: head}, cell{w: 18, text: "変更不可", st: head}, cell{w: 18, text: "患者希望", st: head})
	for i := 1; i <= 10; i++ {
		mark := style{size: sizeSmall, align: align.Center}
		ty = t.row(ty, 5, cell{w: 10, text: fmt.Sprint(i), st: mark},
			cell{w: 82, text: fmt.Sprintf("【般】アムロジピン錠５ｍｇ　1錠　1日1回朝食後　%d日分", 7*i), st: style{size: 7.5}},
			cell{w: 18, text: checkbox(i%3 == 0), st: mark}, cell{w: 18, text: checkbox(false), st: mark})
	}
	t.frame(0, 0, float64(d.w), ty, ruleFrame)
	if err := d.addForm(t); err != nil {
		return nil, err
	}
	d.line("以下余白", style{size: sizeSmall, align: align.Right}, 5)
	if err := d.qrRow(payload, true, qrModule, "処方箋情報（2次元シンボル）"); err != nil {
		return nil, err
	}
	return d.render()
}
