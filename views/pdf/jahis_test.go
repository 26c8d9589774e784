package pdf

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/width"

	"hotline/store/jptext"
)

// jahisDoc is the JAHIS text read back: the records before the RPs by
// number, and the RPs with their drugs.
type jahisDoc struct {
	recs map[int][][]string
	rps  []jahisRP
}

type jahisRP struct {
	r101, r111 []string
	drugs      []jahisDrug
}

type jahisDrug struct {
	r201, r221 []string
	r281       [][]string
}

func (j jahisDoc) one(no int) []string {
	if rs := j.recs[no]; len(rs) > 0 {
		return rs[0]
	}
	return nil
}

func (j jahisDoc) field(no, i int) string {
	if r := j.one(no); r != nil {
		return r[i]
	}
	return ""
}

// parseJAHIS reads the text as a pharmacy's system would, refusing what
// the 記録条件規約 does not allow: another version, lines not ending in
// CRLF, an unknown record, a wrong number of fields, records out of
// order, a required record missing.
func parseJAHIS(b []byte) (jahisDoc, error) {
	doc := jahisDoc{recs: map[int][][]string{}}
	utf, err := japanese.ShiftJIS.NewDecoder().Bytes(b)
	if err != nil {
		return doc, fmt.Errorf("not Shift_JIS: %v", err)
	}
	s := string(utf)
	if !strings.HasSuffix(s, "\r\n") {
		return doc, fmt.Errorf("the text does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	if lines[0] != "JAHIS10" {
		return doc, fmt.Errorf("version line %q", lines[0])
	}
	prev := 0
	var rp *jahisRP
	var drug *jahisDrug
	for i, l := range lines[1:] {
		if strings.ContainsAny(l, "\r\n") {
			return doc, fmt.Errorf("line %d: a bare CR or LF", i+2)
		}
		f := strings.Split(l, ",")
		no, err := strconv.Atoi(f[0])
		if err != nil {
			return doc, fmt.Errorf("line %d: record number %q", i+2, f[0])
		}
		want, ok := jahisFields[no]
		if !ok {
			return doc, fmt.Errorf("line %d: unknown record %d", i+2, no)
		}
		if len(f) != want {
			return doc, fmt.Errorf("line %d: record %d has %d fields, the spec %d", i+2, no, len(f), want)
		}
		num := func(k int) int { n, _ := strconv.Atoi(f[k]); return n }
		switch {
		case no < 100:
			if rp != nil || no < prev || (no == prev && no != 81) {
				return doc, fmt.Errorf("line %d: record %d out of order", i+2, no)
			}
			doc.recs[no] = append(doc.recs[no], f)
		case no == 101:
			if num(1) != len(doc.rps)+1 || (rp != nil && (rp.r111 == nil || len(rp.drugs) == 0)) {
				return doc, fmt.Errorf("line %d: RP %s out of order or the one before incomplete", i+2, f[1])
			}
			doc.rps = append(doc.rps, jahisRP{r101: f})
			rp, drug = &doc.rps[len(doc.rps)-1], nil
		case no == 111:
			if rp == nil || rp.r111 != nil || len(rp.drugs) > 0 || num(1) != len(doc.rps) {
				return doc, fmt.Errorf("line %d: 111 out of order", i+2)
			}
			rp.r111 = f
		case no == 201:
			if rp == nil || rp.r111 == nil || num(1) != len(doc.rps) || num(2) != len(rp.drugs)+1 {
				return doc, fmt.Errorf("line %d: 201 out of order", i+2)
			}
			rp.drugs = append(rp.drugs, jahisDrug{r201: f})
			drug = &rp.drugs[len(rp.drugs)-1]
		case no == 221 || no == 281:
			if drug == nil || num(1) != len(doc.rps) || num(2) != len(rp.drugs) ||
				(no == 221 && (drug.r221 != nil || len(drug.r281) > 0)) ||
				(no == 281 && num(3) != len(drug.r281)+1) {
				return doc, fmt.Errorf("line %d: %d out of order", i+2, no)
			}
			if no == 221 {
				drug.r221 = f
			} else {
				drug.r281 = append(drug.r281, f)
			}
		}
		prev = no
	}
	for _, no := range []int{1, 5, 11, 12, 13, 22, 23, 51} {
		if doc.one(no) == nil {
			return doc, fmt.Errorf("record %d missing", no)
		}
	}
	if len(doc.rps) == 0 {
		return doc, fmt.Errorf("no RP")
	}
	if last := doc.rps[len(doc.rps)-1]; last.r111 == nil || len(last.drugs) == 0 {
		return doc, fmt.Errorf("the last RP has no 111 or no 201")
	}
	return doc, nil
}

func wareki(yyyymmdd string) string {
	if yyyymmdd == "" {
		return ""
	}
	t, err := time.Parse("20060102", yyyymmdd)
	if err != nil {
		return "bad date " + yyyymmdd
	}
	return jptext.FormatWareki(t)
}

// formOf is what the form would print, taken from the code alone.
func (j jahisDoc) formOf() printedForm {
	f := printedForm{
		Insurer:      j.field(22, 1),
		Name:         j.field(11, 2),
		Kana:         j.field(11, 3),
		Birth:        wareki(j.field(13, 1)),
		Phone:        j.field(3, 1),
		Doctor:       j.field(5, 3),
		Prefecture:   j.field(1, 3),
		ScoreTable:   j.field(1, 1),
		FacilityCode: j.field(1, 2),
		Issued:       wareki(j.field(51, 1)),
		ValidUntil:   wareki(j.field(52, 1)),
		Refills:      j.field(64, 1),
	}
	for i := range 2 {
		f.PublicPayer[i], f.PublicRecipient[i] = j.field(27+i, 1), j.field(27+i, 2)
	}
	f.Insured = insuredText(Prescription{InsuredSymbol: width.Narrow.String(j.field(23, 1)),
		InsuredNumber: width.Narrow.String(j.field(23, 2)), InsuredBranch: j.field(23, 4)})
	f.Relation = map[string]string{"1": "被保険者", "2": "被扶養者"}[j.field(23, 3)]
	f.Sex = map[string]string{"1": "男", "2": "女"}[j.field(12, 1)]
	if r := j.field(24, 1); r != "" {
		n, _ := strconv.Atoi(r)
		f.Copay = strconv.Itoa(n/10) + "割"
	}
	f.Facility = j.field(2, 2) + "\n" + j.field(1, 4)
	if pc := j.field(2, 1); pc != "" {
		f.Facility = "〒" + pc + "　" + f.Facility
	}
	f.Leftover = map[string]string{"1": leftoverInquire, "2": leftoverInform}[j.field(62, 1)]
	for _, r := range j.recs[81] {
		if ref, ok := strings.CutPrefix(r[3], "照会番号 "); ok {
			f.Reference = ref
		} else {
			f.Remarks = append(f.Remarks, r[3])
		}
	}
	for i, rp := range j.rps {
		q := ""
		switch rp.r101[2] {
		case "1", "4":
			q = rp.r101[4] + "日分"
		case "2":
			q = rp.r101[4] + "回分"
		}
		for k, dr := range rp.drugs {
			d := printedDrug{Name: dr.r201[6], Amount: dr.r201[7] + dr.r201[9], Usage: rp.r111[4], Quantity: q, RP: i + 1, Index: k + 1}
			if dr.r221 != nil {
				var doses []string
				for _, v := range dr.r221[3:8] {
					if v != "" {
						doses = append(doses, v)
					}
				}
				d.Uneven = strings.Join(doses, "-")
			}
			for _, s := range dr.r281 {
				d.NoChange = d.NoChange || (s[4] == "3" && s[5] == jahisNoChange)
				d.Wish = d.Wish || (s[4] == "8" && s[5] == jahisPatientWish)
			}
			f.Drugs = append(f.Drugs, d)
		}
	}
	return f
}

// TestJAHISHoldsTheForm: the code parses under the spec's rules and holds
// every value the form prints, equal.
func TestJAHISHoldsTheForm(t *testing.T) {
	for name, p := range map[string]Prescription{"sample": samplePrescription(), "20 lines": longPrescription(20)} {
		b, err := JAHIS(p)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := parseJAHIS(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, b)
		}
		want := p.printed()
		want.Kana = halfKana(want.Kana) // the code's カナ is half-width
		if got := doc.formOf(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the code reads\n%+v\nthe form prints\n%+v", name, got, want)
		}
	}
}

// TestJAHISRecords pins the records of the sample, line by line.
func TestJAHISRecords(t *testing.T) {
	b, err := JAHIS(samplePrescription())
	if err != nil {
		t.Fatal(err)
	}
	utf, _ := japanese.ShiftJIS.NewDecoder().Bytes(b)
	want := strings.Join([]string{
		"JAHIS10",
		"1,1,1234567,13,医療法人社団すこやか会 髙﨑内科クリニック",
		"2,101-0062,東京都千代田区神田駿河台2丁目5番地",
		"3,03-1234-5678,,",
		"5,,ﾀｶｻｷ ﾀﾛｳ,髙﨑 太郎",
		"11,,髙﨑 花子,ﾀｶｻｷ ﾊﾅｺ",
		"12,2",
		"13,19580401",
		"21,1",
		"22,06139014",
		"23,１２－３４５,６７８９,2,01",
		"24,30,70",
		"27,54136015,1234566",
		"28,12137013,7654321",
		"51,20261203",
		"52,20261209",
		"62,1",
		"64,3",
		"81,1,,一包化",
		"81,2,,腎機能低下あり（eGFR 45）",
		"81,3,,照会番号 K7MP-Q2WX-9ZRT-B3CD",
		"101,1,1,,14",
		"111,1,1,,1日3回毎食後,3",
		"201,1,1,1,3,1149019F1560,ロキソニン錠６０ｍｇ,3,1,錠",
		"281,1,1,1,3,後発品変更不可,",
		"201,1,2,1,3,2149039F1031,ニューロタン錠２５ｍｇ,4,1,錠",
		"221,1,2,2,1,1,,,,,,,",
		"281,1,2,1,8,先発医薬品患者希望,",
		"101,2,2,,5",
		"111,2,1,,疼痛時,",
		"201,2,1,1,7,1149019F1ZZZ,【般】ロキソプロフェンナトリウム錠６０ｍｇ,1,1,錠",
		"101,3,3,,1",
		"111,3,1,,1日2回 患部に塗布,",
		"201,3,1,1,3,2649700X1013,塩化亜鉛,10,1,g",
	}, "\r\n") + "\r\n"
	if string(utf) != want {
		t.Errorf("got\n%s\nwant\n%s", utf, want)
	}
}

// TestJAHISFields: free text cannot break the records, characters
// outside Shift_JIS become 〓, the optional records go away when empty.
func TestJAHISFields(t *testing.T) {
	p := samplePrescription()
	p.Remarks = "粉砕, 一包化\r\n\r\n朝は半錠"
	p.RPs[0].Usage = "1日3回,毎食後"
	p.PatientName = "山田 花子😀"
	p.PublicPayer, p.PublicRecipient = [2]string{}, [2]string{}
	p.Refills, p.Leftover, p.CopayPercent = 0, LeftoverNone, 0
	p.ValidUntil = time.Time{}
	p.InsurerNumber = "39131016"
	b, err := JAHIS(p)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := parseJAHIS(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, no := range []int{24, 27, 28, 52, 62, 64} {
		if doc.one(no) != nil {
			t.Errorf("record %d written for an empty box", no)
		}
	}
	if got := doc.field(21, 1); got != "7" {
		t.Errorf("保険種別 %q for a 後期高齢者 insurer, want 7", got)
	}
	if got := doc.recs[81]; len(got) != 3 || got[0][3] != "粉砕， 一包化" || got[1][3] != "朝は半錠" {
		t.Errorf("備考 records %q", got)
	}
	if got := doc.rps[0].r111[4]; got != "1日3回，毎食後" {
		t.Errorf("用法 %q", got)
	}
	if got := doc.field(11, 2); got != "山田 花子〓" {
		t.Errorf("氏名 %q", got)
	}
	if !bytes.HasSuffix(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("a line not ended by CRLF")
	}
}

// TestJAHISRefuses what the form may not print.
func TestJAHISRefuses(t *testing.T) {
	for name, edit := range map[string]func(*Prescription){
		"変更不可 and 患者希望":      func(p *Prescription) { p.RPs[0].Lines[0].PatientWish = true },
		"no 医療機関コード":         func(p *Prescription) { p.FacilityCode = "" },
		"no sex":             func(p *Prescription) { p.Sex = SexUnknown },
		"no RP":              func(p *Prescription) { p.RPs = nil },
		"an empty RP":        func(p *Prescription) { p.RPs[1].Lines = nil },
		"refill 1":           func(p *Prescription) { p.Refills = 1 },
		"six uneven doses":   func(p *Prescription) { p.RPs[0].Lines[1].Uneven = strings.Split("1,1,1,1,1,1", ",") },
		"no date of issue":   func(p *Prescription) { p.IssuedOn = time.Time{} },
		"no patient name":    func(p *Prescription) { p.PatientName = " " },
		"no doctor's name":   func(p *Prescription) { p.DoctorName = "" },
		"no birth date":      func(p *Prescription) { p.BirthDate = time.Time{} },
		"no facility's name": func(p *Prescription) { p.FacilityName = "" },
	} {
		p := samplePrescription()
		edit(&p)
		if _, err := JAHIS(p); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := RenderPrescription(p); err == nil {
			t.Errorf("%s: printed", name)
		}
	}
}

func TestHalfKana(t *testing.T) {
	for in, want := range map[string]string{"ヤマダ　タロウ": "ﾔﾏﾀﾞ ﾀﾛｳ", "パピプ": "ﾊﾟﾋﾟﾌﾟ", "ヴー": "ｳﾞｰ", "ｶﾅ": "ｶﾅ"} {
		if got := halfKana(in); got != want {
			t.Errorf("halfKana(%q) = %q, want %q", in, got, want)
		}
	}
}
