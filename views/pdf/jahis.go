package pdf

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// The JAHIS 院外処方箋2次元シンボル (記録条件規約 Ver.1.10) as written here.
// Each line is one record: its number, then its fields, separated by
// commas, ending in CRLF; the first line is the version, JAHIS10. Records
// come in ascending number, then per RP 101, [102], 111, [181…] and per
// drug 201, [211], [221], [231], [241], [281…].
//
// Fields per record, the record number included (the spec's counts):
//
//	JAHIS10  version line, no fields
//	1   医療機関          5  no, 医療機関コード種別 (点数表 1 医科 / 3 歯科), 医療機関コード, 都道府県番号, 名称
//	2   医療機関所在地    3  no, 郵便番号, 所在地
//	3   医療機関電話      4  no, 電話番号, FAX番号, その他連絡先
//	4   診療科            4  no, 診療科コード種別, 診療科コード, 診療科名   (not written: the form has no 診療科 box)
//	5   医師              4  no, 医師コード, カナ氏名 (半角), 漢字氏名
//	11  患者氏名          4  no, 患者コード, 漢字氏名, カナ氏名 (半角)
//	12  患者性別          2  no, 1 男 / 2 女
//	13  患者生年月日      2  no, YYYYMMDD
//	14  患者一部負担区分  2  no, 区分
//	21  保険種別          2  no, 種別
//	22  保険者番号        2  no, 保険者番号 (empty for 公費 alone)
//	23  記号番号          5  no, 記号, 番号, 1 被保険者 / 2 被扶養者, 枝番
//	24  負担・給付率      3  no, 患者負担率, 保険給付率
//	27  第一公費          3  no, 公費負担者番号, 公費受給者番号
//	28  第二公費          3  no, 公費負担者番号, 公費受給者番号
//	51  交付年月日        2  no, YYYYMMDD
//	52  使用期限年月日    2  no, YYYYMMDD
//	62  残薬確認欄        2  no, 1 疑義照会した上で調剤 / 2 情報提供
//	64  リフィル          2  no, 総使用回数
//	81  備考              4  no, 備考連番, 備考種別, 備考   (one per line; the 照会番号 last)
//	101 剤形              5  no, RP番号, 剤形区分, 剤形名称, 調剤数量
//	111 用法              6  no, RP番号, 用法コード種別 (1 なし / 2 JAMI), 用法コード, 用法名称, 1日回数
//	201 薬品             10  no, RP番号, RP内連番, 情報区分 (1 医薬品), 薬品コード種別, 薬品コード, 薬品名称, 分量, 力価フラグ (1 薬価単位), 単位名
//	221 不均等           13  no, RP番号, RP内連番, 1–5回目服用量, 1–5回目服用量コード
//	281 薬品補足          7  no, RP番号, RP内連番, 補足連番, 補足区分, 補足情報, 補足用法コード
//	                         (区分 3 後発品変更不可 for 変更不可（医療上必要）, 8 先発医薬品患者希望 for 患者希望)
//
// 25 職務上の事由, 29–31, 61 麻薬施用, 63 分割指示, 82, 102, 181, 211, 231
// and 241 do not apply to what this portal prescribes and are not written.
// 一般名処方 is a 201 record with code type 7 (一般名コード) and the name
// 【般】 + the generic name.

// jahisFields is the number of fields of each record written, the record
// number included; the tests check every line against it.
var jahisFields = map[int]int{
	1: 5, 2: 3, 3: 4, 4: 4, 5: 4, 11: 4, 12: 2, 13: 2, 14: 2,
	21: 2, 22: 2, 23: 5, 24: 3, 27: 3, 28: 3, 51: 2, 52: 2, 62: 2, 64: 2, 81: 4,
	101: 5, 111: 6, 201: 10, 221: 13, 281: 7,
}

// 薬品補足区分 (record 281).
const (
	supplementNoChange    = 3 // 後発品変更不可
	supplementPatientWish = 8 // 先発医薬品患者希望
)

// jahisNoChange and jahisPatientWish are the 薬品補足情報 written with them.
const (
	jahisNoChange    = "後発品変更不可"
	jahisPatientWish = "先発医薬品患者希望"
)

// JAHIS is the prescription as the text of the JAHIS 院外処方箋2次元シンボル
// (記録条件規約 Ver.1.10): Shift_JIS, one record a line ending in CRLF,
// the version line JAHIS10 first. A character Shift_JIS cannot hold is
// written as 〓, as on the printed forms of the past.
func JAHIS(p Prescription) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var w jahisWriter
	w.line("JAHIS10")
	w.rec(1, p.ScoreTable, p.FacilityCode, p.Prefecture, p.FacilityName)
	if p.FacilityPostal != "" || p.FacilityAddress != "" {
		w.rec(2, p.FacilityPostal, p.FacilityAddress)
	}
	if p.FacilityPhone != "" {
		w.rec(3, p.FacilityPhone, "", "")
	}
	w.rec(5, "", halfKana(p.DoctorKana), p.DoctorName)
	w.rec(11, "", p.PatientName, halfKana(p.PatientKana))
	w.rec(12, strconv.Itoa(int(p.Sex)))
	w.rec(13, ymd(p.BirthDate))
	if p.CopayClass > 0 {
		w.rec(14, strconv.Itoa(p.CopayClass))
	}
	if k := p.insuranceKind(); k > 0 {
		w.rec(21, strconv.Itoa(k))
	}
	w.rec(22, p.InsurerNumber)
	rel := "1"
	if p.Dependent {
		rel = "2"
	}
	w.rec(23, width.Widen.String(p.InsuredSymbol), width.Widen.String(p.InsuredNumber), rel, p.InsuredBranch)
	if p.CopayPercent > 0 {
		w.rec(24, strconv.Itoa(p.CopayPercent), strconv.Itoa(100-p.CopayPercent))
	}
	for i := range 2 {
		if p.PublicPayer[i] != "" {
			w.rec(27+i, p.PublicPayer[i], p.PublicRecipient[i])
		}
	}
	w.rec(51, ymd(p.IssuedOn))
	if !p.ValidUntil.IsZero() {
		w.rec(52, ymd(p.ValidUntil))
	}
	switch p.Leftover {
	case LeftoverInquire:
		w.rec(62, "1")
	case LeftoverInform:
		w.rec(62, "2")
	}
	if p.Refills > 0 {
		w.rec(64, strconv.Itoa(p.Refills))
	}
	n := 0
	for _, l := range remarkLines(p.Remarks) {
		n++
		w.rec(81, strconv.Itoa(n), "", l)
	}
	if p.Reference != "" {
		n++
		w.rec(81, strconv.Itoa(n), "", "照会番号 "+p.Reference)
	}
	for i, rp := range p.RPs {
		no := strconv.Itoa(i + 1)
		w.rec(101, no, strconv.Itoa(int(rp.Form)), "", strconv.Itoa(rp.quantity()))
		codeType := "1"
		if rp.UsageCode != "" {
			codeType = "2"
		}
		times := ""
		if rp.TimesPerDay > 0 {
			times = strconv.Itoa(rp.TimesPerDay)
		}
		w.rec(111, no, codeType, rp.UsageCode, rp.Usage, times)
		for j, l := range rp.Lines {
			seq := strconv.Itoa(j + 1)
			ct, code, name := strconv.Itoa(l.CodeType), l.Code, l.Name
			if l.Generic {
				ct, code, name = "7", l.GenericCode, genericMark+l.GenericName
			}
			w.rec(201, no, seq, "1", ct, code, name, l.Amount, "1", l.Unit)
			if len(l.Uneven) > 0 {
				f := make([]string, 12)
				f[0], f[1] = no, seq
				copy(f[2:7], l.Uneven)
				w.rec(221, f...)
			}
			sup := 0
			if l.NoChange {
				sup++
				w.rec(281, no, seq, strconv.Itoa(sup), strconv.Itoa(supplementNoChange), jahisNoChange, "")
			}
			if l.PatientWish {
				sup++
				w.rec(281, no, seq, strconv.Itoa(sup), strconv.Itoa(supplementPatientWish), jahisPatientWish, "")
			}
		}
	}
	return w.buf.Bytes(), nil
}

// genericMark opens the name of a 一般名処方 line.
const genericMark = "【般】"

// quantity is the 調剤数量 of record 101: days for 内服, times for 頓服,
// 1 for 外用 and the rest (their amounts are totals).
func (rp RP) quantity() int {
	switch {
	case rp.Days > 0:
		return rp.Days
	case rp.Times > 0:
		return rp.Times
	}
	return 1
}

// insuranceKind is InsuranceKind or, when it is not set, what the
// insurer's number says.
func (p Prescription) insuranceKind() int {
	if p.InsuranceKind > 0 {
		return p.InsuranceKind
	}
	switch n := p.InsurerNumber; {
	case len(n) == 8 && strings.HasPrefix(n, "39"):
		return 7
	case len(n) == 6:
		return 2
	case len(n) == 8:
		return 1
	}
	return 0
}

// check refuses a prescription that cannot be printed truthfully: the
// boxes the law requires, and the lines' own rules.
func (p Prescription) check() error {
	var miss []string
	need := func(v, what string) {
		if strings.TrimSpace(v) == "" {
			miss = append(miss, what)
		}
	}
	need(p.FacilityCode, "医療機関コード")
	need(p.FacilityName, "保険医療機関の名称")
	need(p.DoctorName, "保険医氏名")
	need(p.PatientName, "患者氏名")
	if p.BirthDate.IsZero() {
		miss = append(miss, "生年月日")
	}
	if p.Sex != Male && p.Sex != Female {
		miss = append(miss, "性別")
	}
	if p.IssuedOn.IsZero() {
		miss = append(miss, "交付年月日")
	}
	if len(p.RPs) == 0 {
		miss = append(miss, "処方")
	}
	if len(miss) > 0 {
		return fmt.Errorf("pdf: 院外処方箋: %s がありません", strings.Join(miss, "、"))
	}
	if p.Refills != 0 && (p.Refills < 2 || p.Refills > 3) {
		return fmt.Errorf("pdf: 院外処方箋: リフィルの回数 %d は 2 または 3 です", p.Refills)
	}
	for i, rp := range p.RPs {
		if len(rp.Lines) == 0 {
			return fmt.Errorf("pdf: 院外処方箋: RP%d に薬品がありません", i+1)
		}
		for j, l := range rp.Lines {
			if l.NoChange && l.PatientWish {
				return fmt.Errorf("pdf: 院外処方箋: RP%d の %d 行目は「変更不可」と「患者希望」の両方です", i+1, j+1)
			}
			if len(l.Uneven) > 5 {
				return fmt.Errorf("pdf: 院外処方箋: RP%d の %d 行目の不均等は 5 回までです", i+1, j+1)
			}
		}
	}
	return nil
}

// remarkLines splits the 備考 into its non-empty lines.
func remarkLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("20060102")
}

// halfKana writes katakana half-width (JAHIS カナ氏名 fields are
// half-width): ヤマダ　タロウ → ﾔﾏﾀﾞ ﾀﾛｳ.
func halfKana(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch r {
		case '\u3099':
			b.WriteRune('ﾞ')
		case '\u309A':
			b.WriteRune('ﾟ')
		default:
			b.WriteString(width.Narrow.String(string(r)))
		}
	}
	return b.String()
}

// jahisWriter builds the Shift_JIS text.
type jahisWriter struct {
	buf bytes.Buffer
}

func (w *jahisWriter) line(s string) {
	w.buf.Write(toSJIS(s))
	w.buf.WriteString("\r\n")
}

// rec writes one record. A field cannot hold the separator or a line
// break: a comma becomes the full-width 「，」, breaks become spaces.
func (w *jahisWriter) rec(no int, fields ...string) {
	var b strings.Builder
	b.WriteString(strconv.Itoa(no))
	for _, f := range fields {
		b.WriteByte(',')
		b.WriteString(jahisField(f))
	}
	w.line(b.String())
}

var jahisFieldReplacer = strings.NewReplacer(",", "，", "\r\n", " ", "\r", " ", "\n", " ")

func jahisField(s string) string { return strings.TrimSpace(jahisFieldReplacer.Replace(s)) }

// toSJIS encodes s in Shift_JIS, a rune it cannot hold as 〓.
func toSJIS(s string) []byte {
	enc := japanese.ShiftJIS.NewEncoder()
	if b, err := enc.Bytes([]byte(s)); err == nil {
		return b
	}
	var out []byte
	var tmp [utf8.UTFMax]byte
	for _, r := range s {
		n := utf8.EncodeRune(tmp[:], r)
		b, err := enc.Bytes(tmp[:n])
		if err != nil {
			b, _ = enc.Bytes([]byte("〓"))
		}
		out = append(out, b...)
	}
	return out
}
