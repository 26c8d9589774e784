package store

import (
	"strings"
	"testing"
	"time"
)

func TestParseDrugPrice(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want DrugPrice
		s    string
	}{
		{"7.5", 750, "7.50"},
		{"1234.56", 123456, "1234.56"},
		{"1,234.5", 123450, "1234.50"},
		{"１２３４．５６", 123456, "1234.56"},
		{"62", 6200, "62.00"},
		{"10.10円", 1010, "10.10"},
		{"167077222", 16707722200, "167077222.00"},
		{"0.01", 1, "0.01"},
		{"5.700", 570, "5.70"},
		// A float printed in full by a spreadsheet is rounded to the 銭.
		{"36.899999999999999", 3690, "36.90"},
		{"36.900000000000006", 3690, "36.90"},
	} {
		got, err := ParseDrugPrice(tc.in)
		if err != nil || got != tc.want || got.String() != tc.s {
			t.Errorf("%q: %d %q %v, want %d %q", tc.in, got, got.String(), err, tc.want, tc.s)
		}
	}
	for _, in := range []string{"", "abc", "1.234", "0", "0.00", "-1", "1.2.3", "1e5", "12345678901234", " . "} {
		if p, err := ParseDrugPrice(in); err == nil {
			t.Errorf("%q accepted as %v", in, p)
		}
	}
	if got := DrugPrice(123456789).Display(); got != "1,234,567.89円" {
		t.Errorf("display %q", got)
	}
	if got := DrugPrice(750).Display(); got != "7.50円" {
		t.Errorf("display %q", got)
	}
}

func TestNormalizeDrugCode(t *testing.T) {
	for in, want := range map[string]string{"1149019F1560": "1149019F1560", "１１４９０１９ｆ１５６０": "1149019F1560", " 1149019f1560 ": "1149019F1560"} {
		if got, err := NormalizeDrugCode(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	for _, in := range []string{"", "1149019F156", "1149019F15601", "11490191F560", "1149019Ｆ156X", "114901-F1560"} {
		if _, err := NormalizeDrugCode(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
	d := Drug{Code: "1149019F1560"}
	if d.IngredientCode() != "1149019" || d.ClassCode() != "1149" {
		t.Errorf("prefixes %q %q", d.IngredientCode(), d.ClassCode())
	}
}

// TestDrugUnitAndGenericName: the rule of Unit and GenericName on rows of
// the real list.
func TestDrugUnitAndGenericName(t *testing.T) {
	for _, tc := range []struct {
		cat                      DrugCategory
		code, name, ing, spec    string
		unit, strength, form, gn string
	}{
		{DrugOral, "1149019F1560", "ロキソニン錠６０ｍｇ", "ロキソプロフェンナトリウム水和物", "６０ｍｇ１錠",
			"錠", "６０ｍｇ", "錠", "ロキソプロフェンナトリウム水和物錠６０ｍｇ"},
		{DrugInjection, "3311401A2017", "生理食塩液", "生理食塩液", "１０ｍＬ１瓶", "瓶", "１０ｍＬ", "液", "生理食塩液１０ｍＬ"},
		{DrugOral, "1121001X1018", "ブロモバレリル尿素", "ブロモバレリル尿素", "１ｇ", "ｇ", "", "", "ブロモバレリル尿素"},
		{DrugOral, "1124001B1039", "ユーロジン散１％", "エスタゾラム", "１％１ｇ", "ｇ", "１％", "散", "エスタゾラム散１％"},
		{DrugOral, "2171022F6160", "アムロジピンＯＤ錠１０ｍｇ「ＣＨ」", "アムロジピンベシル酸塩", "１０ｍｇ１錠",
			"錠", "１０ｍｇ", "口腔内崩壊錠", "アムロジピンベシル酸塩口腔内崩壊錠１０ｍｇ"},
		{DrugExternal, "2649735S3020", "ロキソニンテープ１００ｍｇ", "ロキソプロフェンナトリウム水和物", "１０ｃｍ×１４ｃｍ１枚",
			"枚", "１０ｃｍ×１４ｃｍ", "テープ", "ロキソプロフェンナトリウム水和物テープ１００ｍｇ（１０ｃｍ×１４ｃｍ）"},
		{DrugExternal, "2669701N1010", "尿素１０％クリーム", "尿素", "１ｇ", "ｇ", "", "クリーム", "尿素クリーム１０％"},
		{DrugInjection, "4223401A3022", "５－ＦＵ注１０００ｍｇ", "フルオロウラシル", "１，０００ｍｇ１瓶", "瓶", "１，０００ｍｇ", "注", "フルオロウラシル注１，０００ｍｇ"},
		{DrugInjection, "1319401Q1025", "点眼用", "x", "２．５ｍｇ１ｍＬバイアル", "バイアル", "２．５ｍｇ", "", "x２．５ｍｇ"},
		{DrugInjection, "6132400A1025", "セファゾリン", "セファゾリンナトリウム", "１ｇ１キット（生理食塩液１００ｍＬ付）", "キット", "１ｇ", "", "セファゾリンナトリウム１ｇ"},
		{DrugOral, "6241013F1029", "クラビット錠２５０ｍｇ", "レボフロキサシン水和物", "２５０ｍｇ１錠（レボフロキサシンとして）",
			"錠", "２５０ｍｇ", "錠", "レボフロキサシン水和物錠２５０ｍｇ"},
		{DrugInjection, "6343400X1028", "ヘパリン", "ヘパリンナトリウム", "２０，０００単位", "単位", "", "", "ヘパリンナトリウム"},
		{DrugInjection, "7990402G1021", "アデノシン負荷用静注６０ｍｇシリンジ「ＦＲＩ」", "アデノシン", "６０ｍｇ２０ｍＬ１筒",
			"筒", "６０ｍｇ２０ｍＬ", "静注", "アデノシン静注６０ｍｇ２０ｍＬ"},
		{DrugInjection, "1329400A1026", "ドパミン塩酸塩点滴静注液１００ｍｇ「ＶＴＲＳ」", "ドパミン塩酸塩", "１００ｍｇ５ｍＬ１管",
			"管", "１００ｍｇ５ｍＬ", "点滴静注液", "ドパミン塩酸塩点滴静注液１００ｍｇ５ｍＬ"},
		{DrugOral, "3999100F1000", "テスト", "テスト成分", "１回分", "回分", "", "錠", "テスト成分錠"},
		{DrugOral, "6250002R1048", "アシクロビルＤＳ８０％「サワイ」", "アシクロビル", "８０％１ｇ", "ｇ", "８０％", "ドライシロップ", "アシクロビルドライシロップ８０％"},
	} {
		d := Drug{Category: tc.cat, Code: tc.code, Name: tc.name, Ingredient: tc.ing, Spec: tc.spec}
		if got := d.Unit(); got != tc.unit {
			t.Errorf("%s: unit %q, want %q", tc.spec, got, tc.unit)
		}
		if got := d.Strength(); got != tc.strength {
			t.Errorf("%s: strength %q, want %q", tc.spec, got, tc.strength)
		}
		if got := d.DosageForm(); got != tc.form {
			t.Errorf("%s: form %q, want %q", tc.name, got, tc.form)
		}
		if got := d.GenericName(); got != tc.gn {
			t.Errorf("%s: generic name %q, want %q", tc.name, got, tc.gn)
		}
	}
}

// Every drug of the real list gets a unit; a 内用薬 coded as a 散, 錠,
// カプセル or 液 a 剤形.
func TestDrugUnitOfRealList(t *testing.T) {
	db, _ := mustOpen(t)
	importRealList(t, db)
	x, _ := db.drugIndex()
	for _, d := range x.drugs {
		if u := d.Unit(); u == "" || strings.ContainsAny(u, "０１２３４５６７８９（）") {
			t.Errorf("%s %s: unit %q", d.Code, d.Spec, u)
		}
		if c := d.Code[7]; d.Category == DrugOral && c >= 'A' && c <= 'S' && d.DosageForm() == "" {
			t.Errorf("%s %s: no 剤形", d.Code, d.Name)
		}
		if !strings.HasPrefix(d.GenericName(), d.Ingredient) {
			t.Errorf("%s: generic name %q", d.Code, d.GenericName())
		}
	}
}

func TestDrugMarksAndTransitional(t *testing.T) {
	d := Drug{Narcotic: "麻", GenericMark: "★", BrandMark: "", Pharmacopoeia: "局",
		TransitionalUntil: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
	if !d.IsNarcotic() || d.IsPoison() || !d.IsGeneric() || d.IsBrand() || !d.InPharmacopoeia() || !d.Transitional() {
		t.Errorf("marks %+v", d)
	}
	// The last day is still allowed, in Japan time.
	if d.Expired(time.Date(2026, 3, 31, 14, 59, 0, 0, time.UTC)) || !d.Expired(time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)) {
		t.Error("expiry at the end of 2026-03-31 JST")
	}
}

func TestDrugAlternatives(t *testing.T) {
	db, _ := mustOpen(t)
	importRealList(t, db)
	const norvasc = "2171022F5032" // ノルバスク錠１０ｍｇ, 先発品
	alts, err := db.DrugAlternatives(norvasc)
	if err != nil || len(alts) != 42 {
		t.Fatalf("%d alternatives, %v", len(alts), err)
	}
	generics := 0
	for i, a := range alts {
		if a.Code == norvasc || a.Ingredient != "アムロジピンベシル酸塩" || a.Spec != "１０ｍｇ１錠" || a.Category != DrugOral {
			t.Errorf("alternative %+v", a.Drug)
		}
		if i > 0 && alts[i-1].Price > a.Price {
			t.Errorf("not cheapest first: %v then %v", alts[i-1].Price, a.Price)
		}
		if a.IsGeneric() {
			generics++
		}
		if !a.SameForm {
			t.Errorf("%s: not the same 剤形 class", a.Code)
		}
	}
	if generics != 39 || alts[0].Price != 1040 {
		t.Errorf("%d generics, cheapest %v", generics, alts[0].Price)
	}
	// A generic's alternatives hold the 先発品.
	alts, _ = db.DrugAlternatives(alts[0].Code)
	brand := false
	for _, a := range alts {
		brand = brand || a.Code == norvasc
	}
	if !brand {
		t.Error("the 先発品 is not among a generic's alternatives")
	}
	if _, err := db.DrugAlternatives("9999999Z9999"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("unknown code: %v", err)
	}
}

func TestDrugLookupsWithoutMaster(t *testing.T) {
	db, _ := mustOpen(t)
	if _, err := db.LookupDrug("1149019F1560"); ErrorCode(err) != ENOTFOUND {
		t.Errorf("lookup: %v", err)
	}
	if _, err := db.ValidateDrugCode(""); ErrorCode(err) != EINVALID || ErrorMessage(err) != "医薬品を選んでください" {
		t.Errorf("empty: %v", err)
	}
	if _, err := db.ValidateDrugCode("123"); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "12桁") {
		t.Errorf("short: %v", err)
	}
	st, err := db.DrugMasterState()
	if err != nil || st.Loaded {
		t.Errorf("state %+v %v", st, err)
	}
	page, err := db.SearchDrugs(DrugQuery{Q: "ロキソ"})
	if err != nil || !page.NoMaster || page.Total != 0 {
		t.Errorf("search %+v %v", page, err)
	}
	rep, err := db.Check(CheckOptions{})
	if err != nil || !rep.OK() || !strings.Contains(strings.Join(rep.Notes, " "), "薬価基準マスタ: 未登録") {
		t.Errorf("check %+v %v", rep, err)
	}
}

func TestPackageInsertURL(t *testing.T) {
	s := DefaultSettings()
	brand := Drug{Code: "1149019F1560", Maker: "第一三共"}
	unified := Drug{Code: "1121001X1018"}
	if got := s.DrugPackageInsertURL(brand); got != "https://www.pmda.go.jp/PmdaSearch/iyakuDetail/GeneralList/1149019F1560" {
		t.Errorf("brand: %s", got)
	}
	if got := s.DrugPackageInsertURL(unified); got != "https://www.pmda.go.jp/PmdaSearch/iyakuDetail/GeneralList/1121001" {
		t.Errorf("統一名: %s", got)
	}
	s.PackageInsertURL = "https://example.jp/insert?c={code}&g={code7}&s={code9}"
	if got := s.DrugPackageInsertURL(brand); got != "https://example.jp/insert?c=1149019F1560&g=1149019&s=1149019F1" {
		t.Errorf("template: %s", got)
	}
	for tmpl, want := range map[string]string{
		"http://example.jp/{code}":  "https://",
		"https://example.jp/":       "{yj}",
		"https://exa mple.jp/{yj}":  "使用できない文字",
		"https://example.jp/\"{yj}": "使用できない文字",
	} {
		s := DefaultSettings()
		s.PackageInsertURL = tmpl
		if err := s.Validate(); !strings.Contains(ErrorFields(err)["package_insert_url"], want) {
			t.Errorf("%q: %v", tmpl, ErrorFields(err))
		}
	}
	// Saving the settings without the template keeps the stored one.
	db, _ := mustOpen(t)
	s = DefaultSettings()
	s.PackageInsertURL = "https://example.jp/{yj}"
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	s.PackageInsertURL = ""
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	db.settings.Store(nil)
	if got, _ := db.Settings(); got.PackageInsertURL != "https://example.jp/{yj}" {
		t.Errorf("kept: %q", got.PackageInsertURL)
	}
}
