package store

// The drug master (薬価基準収載品目リスト): the drugs covered by national
// health insurance with their prices, as the ministry (MHLW) publishes
// them. It is reference data replaced as a whole by each import
// (drug_import.go); searches run on an in-memory index (drug_index.go,
// drug_search.go).
//
// Layout: bucket "drugs" holds one nested bucket per imported version
// (itob(version) → {code → Drug as JSON}); only the current version and the
// one before it are kept. Bucket "drug_masters" holds the description of
// every version ever imported (itob(version) → DrugMaster). The meta bucket
// points at the current and the previous version.

import (
	"fmt"
	"hotline/store/jptext"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

var (
	bucketDrugs          = []byte("drugs")
	bucketDrugMasters    = []byte("drug_masters")
	keyDrugsCurrent      = []byte("drugs_current")
	keyDrugsPrevious     = []byte("drugs_previous")
	drugCodeLength       = 12
	drugIngredientPrefix = 7 // 成分・剤形の識別（一般名コードと同じ）
	drugClassPrefix      = 4 // 薬効分類
)

// DrugCategory is the list's 区分.
type DrugCategory string

const (
	DrugOral      DrugCategory = "内用薬"
	DrugInjection DrugCategory = "注射薬"
	DrugExternal  DrugCategory = "外用薬"
	DrugDental    DrugCategory = "歯科用薬剤"
)

// DrugCategories are the four 区分 in the ministry's order.
var DrugCategories = []DrugCategory{DrugOral, DrugInjection, DrugExternal, DrugDental}

// Valid reports whether c is one of the four 区分.
func (c DrugCategory) Valid() bool {
	switch c {
	case DrugOral, DrugInjection, DrugExternal, DrugDental:
		return true
	}
	return false
}

// codeFits reports whether a code's route digits (5th–7th: 001–399 内用,
// 400–699 注射, 700–999 外用) agree with the 区分. 歯科用薬剤 are coded as
// the route they are given by, so any code fits them.
func (c DrugCategory) codeFits(code string) bool {
	n, err := strconv.Atoi(code[4:7])
	if err != nil {
		return false
	}
	switch c {
	case DrugOral:
		return n >= 1 && n < 400
	case DrugInjection:
		return n >= 400 && n < 700
	case DrugExternal:
		return n >= 700
	}
	return true
}

// DrugPrice is a 薬価 in 銭 (1/100 円): an exact decimal, never a float.
type DrugPrice int64

// String is the price in 円 with two decimals, e.g. "7.50", "1234.56".
func (p DrugPrice) String() string {
	return string(p.appendText(nil, false))
}

// Display is the price for people: "1,234.56円". (Every search row shows
// one: strconv, not fmt.)
func (p DrugPrice) Display() string {
	return string(append(p.appendText(make([]byte, 0, 24), true), "円"...))
}

// appendText appends the price in 円 with two decimals, the 円 grouped
// by thousands when grouped.
func (p DrugPrice) appendText(b []byte, grouped bool) []byte {
	if p < 0 {
		b, p = append(b, '-'), -p
	}
	yen := strconv.FormatInt(int64(p/100), 10)
	for i := 0; i < len(yen); i++ {
		if grouped && i > 0 && (len(yen)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, yen[i])
	}
	sen := p % 100
	return append(b, '.', byte('0'+sen/10), byte('0'+sen%10))
}

// ParseDrugPrice reads a 薬価 as published: a decimal in 円 with at most
// two decimals ("7.5", "1234.56", "1,234.50", full-width digits, an
// optional trailing 円). A spreadsheet cell holding a binary float printed
// in full ("36.899999999999999": 15 or more significant digits) is rounded
// to the nearest 銭; any other third decimal is refused rather than
// rounded.
func ParseDrugPrice(s string) (DrugPrice, error) {
	s = strings.TrimSpace(jptext.NormalizeWidth(s))
	s = strings.TrimSuffix(s, "円")
	s = strings.ReplaceAll(s, ",", "")
	if s == "" {
		return 0, fmt.Errorf("薬価がありません")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" || !isDigits(intPart) || (frac != "" && !isDigits(frac)) || strings.Count(s, ".") > 1 {
		return 0, fmt.Errorf("薬価 %q が数値ではありません", clipRunes(s, 20))
	}
	if len(strings.TrimLeft(intPart, "0")) > 12 {
		return 0, fmt.Errorf("薬価 %q が大きすぎます", clipRunes(s, 20))
	}
	n, _ := strconv.ParseInt(intPart, 10, 64)
	sen := n * 100
	if len(frac) > 2 {
		significant := len(strings.TrimLeft(intPart+frac, "0"))
		extra := strings.TrimRight(frac[2:], "0")
		if extra != "" && significant < 15 {
			return 0, fmt.Errorf("薬価 %q は小数第2位（銭）までにしてください", clipRunes(s, 20))
		}
		if extra != "" && extra[0] >= '5' {
			sen++ // round half up at the 銭
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	sen += f
	if sen <= 0 {
		return 0, fmt.Errorf("薬価が0円以下です")
	}
	return DrugPrice(sen), nil
}

// Drug is one row of the 薬価基準収載品目リスト, every column kept as
// published (full-width text as the ministry writes it).
type Drug struct {
	Code       string       `json:"code"`       // 薬価基準収載医薬品コード（12桁）
	Category   DrugCategory `json:"category"`   // 区分
	Ingredient string       `json:"ingredient"` // 成分名
	Spec       string       `json:"spec"`       // 規格（薬価の単位: １ｍｇ１錠, １ｇ …）
	// Pharmacopoeia is the 日本薬局方 column: "局" for a 日本薬局方 drug.
	Pharmacopoeia string `json:"jp,omitempty"`
	// Narcotic is the 麻薬 column as published: "麻" (麻薬); also "毒"
	// (毒薬), "覚" (覚醒剤原料) or "向" (向精神薬) where a list marks them.
	Narcotic string `json:"narcotic,omitempty"`
	// MakerNote is the 業者名追記 column: "※" when the maker's name is
	// part of the 品名 as listed.
	MakerNote string `json:"maker_note,omitempty"`
	Name      string `json:"name"`            // 品名
	Maker     string `json:"maker,omitempty"` // メーカー名（統一名収載品は空）
	// GenericMark is the column 診療報酬において加算等の算定対象となる後発医薬品:
	// "後発品", or "★" for a generic that does not count for those
	// additions (priced at or above its 先発品).
	GenericMark string `json:"generic,omitempty"`
	// BrandMark is the 先発医薬品 column: "先発品" or "準先発品".
	BrandMark string `json:"brand,omitempty"`
	// BrandWithGeneric is the column 同一剤形・規格の後発医薬品がある先発医薬品: "○".
	BrandWithGeneric string    `json:"brand_with_generic,omitempty"`
	Price            DrugPrice `json:"price"` // 薬価（銭）per Spec
	// TransitionalUntil is 経過措置による使用期限: the last day it may be
	// prescribed under insurance (zero when none).
	TransitionalUntil time.Time `json:"until,omitzero"`
	Remarks           string    `json:"remarks,omitempty"` // 備考（R7.5.21収載 …）
}

// IngredientCode is the first 7 characters of the code: the ingredient
// and route (the 一般名コード scheme), shared by a 先発品 and its generics.
func (d Drug) IngredientCode() string { return prefix(d.Code, drugIngredientPrefix) }

// ClassCode is the first 4 characters of the code: the 薬効分類 the
// duplicate-medication check compares.
func (d Drug) ClassCode() string { return prefix(d.Code, drugClassPrefix) }

func prefix(s string, n int) string {
	if len(s) < n {
		return s
	}
	return s[:n]
}

// IsGeneric reports a 後発医薬品 (either mark of the column).
func (d Drug) IsGeneric() bool { return d.GenericMark != "" }

// IsBrand reports a 先発医薬品 (先発品 or 準先発品).
func (d Drug) IsBrand() bool { return d.BrandMark != "" }

// IsNarcotic reports a 麻薬.
func (d Drug) IsNarcotic() bool { return strings.Contains(d.Narcotic, "麻") }

// IsPoison reports a 毒薬.
func (d Drug) IsPoison() bool { return strings.Contains(d.Narcotic, "毒") }

// InPharmacopoeia reports a 日本薬局方 drug.
func (d Drug) InPharmacopoeia() bool { return d.Pharmacopoeia != "" }

// Transitional reports whether the drug is under 経過措置 (it may be
// prescribed until TransitionalUntil).
func (d Drug) Transitional() bool { return !d.TransitionalUntil.IsZero() }

// Expired reports whether the 経過措置 ended before day (in Japan time).
func (d Drug) Expired(day time.Time) bool {
	return d.Transitional() && dateOnly(day).After(d.TransitionalUntil)
}

func dateOnly(t time.Time) time.Time {
	t = t.In(Tokyo)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// stripSpecNotes removes the trailing notes in parentheses of a 規格
// (（レボフロキサシンとして）, （生理食塩液１００ｍＬ付）).
func stripSpecNotes(s string) string {
	for {
		t := strings.TrimSpace(s)
		var open string
		switch {
		case strings.HasSuffix(t, "）"):
			open = "（"
		case strings.HasSuffix(t, ")"):
			open = "("
		default:
			return t
		}
		i := strings.LastIndex(t, open)
		if i <= 0 {
			return t
		}
		s = t[:i]
	}
}

func isNumberRune(r rune) bool {
	return (r >= '0' && r <= '9') || (r >= '０' && r <= '９') || r == '.' || r == '．' || r == ',' || r == '，'
}

// measureUnits are units of quantity that may precede a container word in a
// 規格's tail (２．５ｍｇ１ｍＬバイアル: the unit is the バイアル).
var measureUnits = []string{"ｍＬ", "ｍｇ", "μｇ", "ｇ", "Ｌ", "mL", "mg", "g"}

// Unit is the unit a prescription counts this drug in, derived from its
// 規格 for the composer's default: the words after the last number, once
// notes in parentheses at the end are removed, and without a quantity
// unit that is followed by a container.
//
//	１ｍｇ１錠 → 錠, １０ｍＬ１瓶 → 瓶, １ｇ → ｇ, １％１ｇ → ｇ,
//	２．５ｍｇ１ｍＬバイアル → バイアル, ２０，０００単位 → 単位,
//	２５０ｍｇ１錠（レボフロキサシンとして） → 錠, １回分 → 回分.
//
// A 規格 without a number gives the 規格 itself.
func (d Drug) Unit() string {
	s := stripSpecNotes(d.Spec)
	last := -1
	for i, r := range s {
		if isNumberRune(r) {
			last = i + utf8.RuneLen(r)
		}
	}
	if last < 0 {
		return s
	}
	tail := s[last:]
	for _, m := range measureUnits {
		if rest, ok := strings.CutPrefix(tail, m); ok && rest != "" && !strings.ContainsFunc(rest, isNumberRune) {
			return rest
		}
	}
	return tail
}

// Strength is the 規格 without its trailing count ("６０ｍｇ１錠" →
// "６０ｍｇ", "１％１ｇ" → "１％"); "" when the 規格 is only a quantity
// ("１ｇ", "１０ｍＬ"), which names no strength.
func (d Drug) Strength() string {
	s := stripSpecNotes(d.Spec)
	unit := d.Unit()
	body, ok := strings.CutSuffix(s, unit)
	if !ok {
		return ""
	}
	for _, m := range measureUnits {
		if b, ok := strings.CutSuffix(body, m); ok && unit != m {
			body = b // ２．５ｍｇ１ｍＬバイアル: the ｍＬ before the バイアル
			break
		}
	}
	for _, one := range []string{"１", "1"} {
		if b, ok := strings.CutSuffix(body, one); ok && b != "" && !isNumberRune(lastRune(b)) {
			return b
		}
	}
	return ""
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// dosageForms are the 剤形 names found in 品名, each with the name a
// generic prescription uses; longer names first where one contains
// another.
var dosageForms = []struct{ in, name string }{
	{"口腔内崩壊錠", "口腔内崩壊錠"}, {"ＯＤ錠", "口腔内崩壊錠"}, {"チュアブル錠", "チュアブル錠"},
	{"腸溶錠", "腸溶錠"}, {"徐放錠", "徐放錠"}, {"舌下錠", "舌下錠"}, {"バッカル錠", "バッカル錠"},
	{"分散錠", "分散錠"}, {"配合錠", "配合錠"}, {"膣錠", "膣錠"}, {"錠", "錠"},
	{"腸溶カプセル", "腸溶カプセル"}, {"徐放カプセル", "徐放カプセル"}, {"カプセル", "カプセル"},
	{"ドライシロップ", "ドライシロップ"}, {"ＤＳ", "ドライシロップ"}, {"シロップ", "シロップ"},
	{"細粒", "細粒"}, {"顆粒", "顆粒"}, {"散", "散"}, {"内用液", "内用液"}, {"内服液", "内服液"},
	{"経口液", "経口液"}, {"内用剤", "内用剤"}, {"ゼリー", "ゼリー"}, {"エキス", "エキス"},
	{"点滴静注", "点滴静注"}, {"静注", "静注"}, {"筋注", "筋注"}, {"皮下注", "皮下注"},
	{"注射液", "注射液"}, {"注射用", "注射用"}, {"注", "注"},
	{"点眼液", "点眼液"}, {"眼軟膏", "眼軟膏"}, {"点鼻液", "点鼻液"}, {"点耳液", "点耳液"},
	{"吸入液", "吸入液"}, {"吸入用", "吸入用"}, {"吸入", "吸入"}, {"軟膏", "軟膏"},
	{"クリーム", "クリーム"}, {"ローション", "ローション"}, {"ゲル", "ゲル"}, {"テープ", "テープ"},
	{"パップ", "パップ"}, {"貼付剤", "貼付剤"}, {"パッチ", "パッチ"}, {"坐剤", "坐剤"},
	{"外用液", "外用液"}, {"スプレー", "スプレー"}, {"エアゾール", "エアゾール"}, {"液", "液"},
}

// DosageForm is the 剤形 named in the 品名 (the one that ends last, the
// longest of those ending there; ＯＤ錠 → 口腔内崩壊錠, ＤＳ → ドライシロップ),
// else for 内用薬 the class the code's 8th character stands for (A–E 散,
// F–L 錠, M–P カプセル, Q–S 液); "" when neither says.
func (d Drug) DosageForm() string {
	form, _, _, _ := d.dosageForm()
	return form
}

// dosageForm also returns where the form stands in the 品名 (the part
// before any 「maker」): name[start:end]; start is -1 when the form comes
// from the code.
func (d Drug) dosageForm() (form, name string, start, end int) {
	name = d.Name
	if i := strings.Index(name, "「"); i > 0 {
		name = name[:i] // the maker's name in 「」 is no form
	}
	bestStart, bestEnd := -1, -1
	for _, f := range dosageForms {
		if i := strings.LastIndex(name, f.in); i >= 0 {
			if end := i + len(f.in); end > bestEnd {
				bestStart, bestEnd, form = i, end, f.name
			}
		}
	}
	if form != "" {
		// A form word right before it belongs to it: 点滴静注 + 液.
		for _, f := range dosageForms {
			if strings.HasSuffix(name[:bestStart], f.in) {
				bestStart, form = bestStart-len(f.in), f.name+form
				break
			}
		}
		return form, name, bestStart, bestEnd
	}
	if d.Category == DrugOral && len(d.Code) == drugCodeLength {
		switch c := d.Code[7]; {
		case c >= 'A' && c <= 'E':
			form = "散"
		case c >= 'F' && c <= 'L':
			form = "錠"
		case c >= 'M' && c <= 'P':
			form = "カプセル"
		case c >= 'Q' && c <= 'S':
			form = "液"
		}
	}
	return form, name, -1, -1
}

// strengthWord is an amount as 品名 write it: ６０ｍｇ, １％, ２０，０００単位,
// ５ｍｇ／ｍＬ.
const strengthWord = `[０-９][０-９．，]*(?:ｍｇ|μｇ|ｇ|ｍＬ|Ｌ|％|万単位|単位|ＭＢｑ|ｋＢｑ|ｍＥｑ)(?:／(?:ｍＬ|ｇ|ｍｇ|包|錠|枚))?`

var (
	strengthAfter  = regexp.MustCompile(`^` + strengthWord)
	strengthBefore = regexp.MustCompile(strengthWord + `$`)
)

// GenericName is the name for 一般名処方 (printed after 【般】): 成分名 +
// 剤形 + strength, e.g. ロキソプロフェンナトリウム水和物錠６０ｍｇ for
// ロキソニン錠６０ｍｇ (成分名 ロキソプロフェンナトリウム水和物, 規格
// ６０ｍｇ１錠). 剤形 is DosageForm. The strength is the amount the 品名
// writes right after (else right before) its 剤形 and the one in the 規格
// (Strength): the fuller of the two when one holds the other, both when
// they differ (ロキソニンテープ１００ｍｇ, 規格 １０ｃｍ×１４ｃｍ１枚 →
// …テープ１００ｍｇ（１０ｃｍ×１４ｃｍ）); either may be absent.
func (d Drug) GenericName() string {
	form, name, start, end := d.dosageForm()
	var inName string
	if start >= 0 {
		if m := strengthAfter.FindString(name[end:]); m != "" {
			inName = m
		} else if m := strengthBefore.FindString(name[:start]); m != "" {
			inName = m
		}
	}
	inSpec := d.Strength()
	strength := inSpec
	plain := func(s string) string { return strings.ReplaceAll(s, "，", "") } // １，０００ｍｇ = １０００ｍｇ
	switch {
	case inName == "" || strings.Contains(plain(inSpec), plain(inName)):
	case inSpec == "" || strings.Contains(plain(inName), plain(inSpec)):
		strength = inName
	default:
		strength = inName + "（" + inSpec + "）"
	}
	if strings.HasSuffix(d.Ingredient, form) {
		form = "" // 腹膜透析液 is already a 液
	}
	return d.Ingredient + form + strength
}

// NormalizeDrugCode folds a 薬価基準収載医薬品コード typed or read in any
// width and case ("１１４９０１９ｆ１５６０") and checks its shape: 7
// digits, a letter (the 剤形), 4 digits.
func NormalizeDrugCode(s string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(s)))
	if len(c) != drugCodeLength || !isDigits(c[:7]) || c[7] < 'A' || c[7] > 'Z' || !isDigits(c[8:]) {
		return "", fmt.Errorf("薬価基準収載医薬品コードは12桁（数字7桁・英字1字・数字4桁）です")
	}
	return c, nil
}

// validate checks a drug read from a list row (the code already
// normalised); the message says what is wrong with the row.
func (d *Drug) validate() error {
	switch {
	case !d.Category.Valid():
		return fmt.Errorf("区分 %q は内用薬・注射薬・外用薬・歯科用薬剤のいずれでもありません", clipRunes(string(d.Category), 20))
	case !d.Category.codeFits(d.Code):
		return fmt.Errorf("コード %s は区分 %s のコードではありません（5〜7桁目が内用 001〜399・注射 400〜699・外用 700〜999）", d.Code, d.Category)
	case d.Name == "":
		return fmt.Errorf("品名がありません")
	case d.Price <= 0:
		return fmt.Errorf("薬価がありません")
	}
	for _, f := range []struct {
		label, v string
		max      int
	}{
		{"品名", d.Name, 200}, {"成分名", d.Ingredient, 200}, {"規格", d.Spec, 100},
		{"メーカー名", d.Maker, 100}, {"備考", d.Remarks, 500}, {"日本薬局方", d.Pharmacopoeia, 10},
		{"麻薬", d.Narcotic, 10}, {"業者名追記", d.MakerNote, 10}, {"後発医薬品", d.GenericMark, 20},
		{"先発医薬品", d.BrandMark, 20}, {"同一剤形・規格の後発医薬品がある先発医薬品", d.BrandWithGeneric, 20},
	} {
		if jptext.InvalidText(f.v) {
			return fmt.Errorf("%sに使用できない文字があります", f.label)
		}
		if utf8.RuneCountInString(f.v) > f.max {
			return fmt.Errorf("%sが長すぎます（%d文字まで）", f.label, f.max)
		}
	}
	return nil
}

// same reports whether two versions of a drug have the same published
// fields.
func (d Drug) same(o Drug) bool {
	return d.Code == o.Code && d.Category == o.Category && d.Ingredient == o.Ingredient && d.Spec == o.Spec &&
		d.Pharmacopoeia == o.Pharmacopoeia && d.Narcotic == o.Narcotic && d.MakerNote == o.MakerNote &&
		d.Name == o.Name && d.Maker == o.Maker && d.GenericMark == o.GenericMark && d.BrandMark == o.BrandMark &&
		d.BrandWithGeneric == o.BrandWithGeneric && d.Price == o.Price &&
		d.TransitionalUntil.Equal(o.TransitionalUntil) && d.Remarks == o.Remarks
}

// DrugListDateSource says where the date of a list came from.
type DrugListDateSource string

const (
	DrugDateFromFileName DrugListDateSource = "file_name"   // mhlw-yakka-20250716.csv, tp20250716-01_01.xlsx
	DrugDateFromTitle    DrugListDateSource = "title"       // a date in the sheet's title rows
	DrugDateFromImport   DrugListDateSource = "import_date" // neither: the day of the import
)

// Label is the source in Japanese.
func (s DrugListDateSource) Label() string {
	switch s {
	case DrugDateFromFileName:
		return "ファイル名から"
	case DrugDateFromTitle:
		return "表の表題から"
	}
	return "取り込んだ日（ファイルに日付がありません）"
}

// DrugCategoryCount is the number of drugs of one 区分.
type DrugCategoryCount struct {
	Category DrugCategory `json:"category"`
	Count    int          `json:"count"`
}

// DrugMaster describes one imported version of the list.
type DrugMaster struct {
	Version        uint64              `json:"version"`
	ListDate       time.Time           `json:"list_date"` // the date of the data (薬価基準の適用日など)
	ListDateSource DrugListDateSource  `json:"list_date_source"`
	ImportedAt     time.Time           `json:"imported_at"`
	Actor          string              `json:"actor"`
	Files          []string            `json:"files"`
	Counts         []DrugCategoryCount `json:"counts"` // by 区分, in DrugCategories order
	Total          int                 `json:"total"`
	// Previous is the version that was current before this one (0: none).
	Previous uint64 `json:"previous,omitempty"`
}

// Count is the number of drugs of category c.
func (m DrugMaster) Count(c DrugCategory) int {
	for _, cc := range m.Counts {
		if cc.Category == c {
			return cc.Count
		}
	}
	return 0
}

func countDrugs(drugs []Drug) ([]DrugCategoryCount, int) {
	out := make([]DrugCategoryCount, len(DrugCategories))
	for i, c := range DrugCategories {
		out[i].Category = c
	}
	for _, d := range drugs {
		for i := range out {
			if out[i].Category == d.Category {
				out[i].Count++
			}
		}
	}
	return out, len(drugs)
}

// DrugMasterState is what the operator page and the dashboard show.
type DrugMasterState struct {
	Loaded   bool       // a master has been imported
	Current  DrugMaster // valid when Loaded
	Previous *DrugMaster
}

// DrugMasterState reads the current and previous master's descriptions.
func (db *DB) DrugMasterState() (DrugMasterState, error) {
	var st DrugMasterState
	err := db.View(func(tx *Tx) error {
		cur, prev := drugVersionsTx(tx)
		if cur == 0 {
			return nil
		}
		m, err := drugMasterTx(tx, cur)
		if err != nil {
			return err
		}
		st.Loaded, st.Current = true, m
		if prev != 0 {
			p, err := drugMasterTx(tx, prev)
			if err != nil {
				return err
			}
			st.Previous = &p
		}
		return nil
	})
	return st, err
}

// drugVersionsTx reads the current and previous version numbers (0: none).
func drugVersionsTx(tx *Tx) (cur, prev uint64) {
	meta := tx.bucket(bucketMeta)
	if v := meta.Get(keyDrugsCurrent); len(v) == 8 {
		cur = btoi(v)
	}
	if v := meta.Get(keyDrugsPrevious); len(v) == 8 {
		prev = btoi(v)
	}
	return cur, prev
}

func drugMasterTx(tx *Tx, version uint64) (DrugMaster, error) {
	var m DrugMaster
	found, err := getJSON(tx.bucket(bucketDrugMasters), itob(version), &m)
	if err == nil && !found {
		err = Errorf(EINTERNAL, "drug master %d: description missing", version)
	}
	return m, err
}

// drugTx reads one drug of a version; found is false when it is not there
// (or the version's drugs are no longer kept).
func drugTx(tx *Tx, version uint64, code string) (Drug, bool, error) {
	var d Drug
	vb := tx.bucket(bucketDrugs).Bucket(itob(version))
	if vb == nil {
		return d, false, nil
	}
	found, err := getJSON(vb, []byte(code), &d)
	return d, found, err
}

// DrugLookup is a drug found by its code, and the version it is from.
type DrugLookup struct {
	Drug   Drug
	Master DrugMaster
	// Previous is true when the code is not in the current master and the
	// drug comes from the one before (a prescription issued against it).
	Previous bool
}

// LookupDrug finds a drug by its code in the current master, else in the
// previous one (saying so). ENOTFOUND when neither has it; a malformed
// code is not found either.
func (db *DB) LookupDrug(code string) (DrugLookup, error) {
	c, err := NormalizeDrugCode(code)
	if err != nil {
		return DrugLookup{}, NotFound()
	}
	idx, err := db.drugIndex()
	if err != nil {
		return DrugLookup{}, err
	}
	if i, ok := idx.find(c); ok {
		return DrugLookup{Drug: idx.drugs[i], Master: idx.master}, nil
	}
	if idx.master.Previous == 0 {
		return DrugLookup{}, NotFound()
	}
	var out DrugLookup
	err = db.View(func(tx *Tx) error {
		d, found, err := drugTx(tx, idx.master.Previous, c)
		if err != nil || !found {
			if err == nil {
				err = NotFound()
			}
			return err
		}
		m, err := drugMasterTx(tx, idx.master.Previous)
		out = DrugLookup{Drug: d, Master: m, Previous: true}
		return err
	})
	return out, err
}

// CurrentDrug finds a drug of the current master by its code (ENOTFOUND
// otherwise).
func (db *DB) CurrentDrug(code string) (Drug, error) {
	c, err := NormalizeDrugCode(code)
	if err != nil {
		return Drug{}, NotFound()
	}
	idx, err := db.drugIndex()
	if err != nil {
		return Drug{}, err
	}
	i, ok := idx.find(c)
	if !ok {
		return Drug{}, NotFound()
	}
	return idx.drugs[i], nil
}

// IsKnownDrugCode reports whether code is in the current master.
func (db *DB) IsKnownDrugCode(code string) bool {
	_, err := db.CurrentDrug(code)
	return err == nil
}

// ValidateDrugCode is the check of a prescription line's drug: the code
// must be in the current master. It returns the drug, or an EINVALID error
// whose message goes beside the line's field.
func (db *DB) ValidateDrugCode(code string) (Drug, error) {
	if strings.TrimSpace(code) == "" {
		return Drug{}, Errorf(EINVALID, "医薬品を選んでください")
	}
	c, err := NormalizeDrugCode(code)
	if err != nil {
		return Drug{}, Errorf(EINVALID, "%s", err.Error())
	}
	d, err := db.CurrentDrug(c)
	if ErrorCode(err) == ENOTFOUND {
		return Drug{}, Errorf(EINVALID, "医薬品コード %s は現在の薬価基準にありません", c)
	}
	return d, err
}

// DrugAlternative is a drug with the same 成分名 and 規格 as another.
type DrugAlternative struct {
	Drug
	// SameForm is true when the code's first 8 characters agree: the same
	// ingredient, route and 剤形 class.
	SameForm bool
}

// DrugAlternatives lists the drugs of the current master with the same
// 区分, 成分名 and 規格 as the drug with code (the generics of a 先発品,
// the 先発品 and other generics of a generic), cheapest first; the drug
// itself is left out. A code only in the previous master gets the current
// alternatives of what it was. ENOTFOUND for an unknown code.
func (db *DB) DrugAlternatives(code string) ([]DrugAlternative, error) {
	l, err := db.LookupDrug(code)
	if err != nil {
		return nil, err
	}
	idx, err := db.drugIndex()
	if err != nil {
		return nil, err
	}
	group := idx.alternatives[alternativeKey(l.Drug)]
	out := make([]DrugAlternative, 0, len(group))
	for _, i := range group {
		d := idx.drugs[i]
		if d.Code == l.Drug.Code {
			continue
		}
		out = append(out, DrugAlternative{Drug: d, SameForm: prefix(d.Code, 8) == prefix(l.Drug.Code, 8)})
	}
	return out, nil
}

func alternativeKey(d Drug) string {
	return string(d.Category) + "\x00" + d.Ingredient + "\x00" + d.Spec
}

// DrugPackageInsertURL is the link to the drug's package insert (添付文書)
// at PMDA, from the operator's template (Settings.PackageInsertURL).
func (s Settings) DrugPackageInsertURL(d Drug) string {
	t := s.PackageInsertURL
	if t == "" {
		t = DefaultPackageInsertURL
	}
	yj := d.Code
	if d.Maker == "" {
		// A 統一名収載品's code names no single product (each maker's YJ
		// code differs in the last digits): link the ingredient's list.
		yj = d.IngredientCode()
	}
	return strings.NewReplacer("{code}", d.Code, "{code7}", d.IngredientCode(), "{code9}", prefix(d.Code, 9), "{yj}", yj).Replace(t)
}
