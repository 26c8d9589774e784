package store

import (
	"fmt"
	"hotline/store/jptext"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestDrugSearchKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"ロキソニン", "ロキソニン"},
		{"ろきそにん", "ロキソニン"},
		{"ﾛｷｿﾆﾝ", "ロキソニン"},
		{"ﾛｷｿﾌﾟﾛﾌｪﾝ", "ロキソプロフェン"},
		{"ガ", "ガ"},
		{"ｶﾞ", "ガ"},
		{"か゛", "ガ"},
		{"６０ｍｇ", "60mg"},
		{"60MG", "60mg"},
		{"60mg", "60mg"},
		{"ロキソニン錠６０ｍｇ", "ロキソニン錠60mg"},
		{"ろきそにん 錠 60 mg", "ロキソニン錠60mg"},
		{"ロキソ　ニン", "ロキソニン"},
		{"ＯＤ錠", "od錠"},
		{"ヨード・グリセリン", "ヨードグリセリン"},
		{"２０，０００単位", "20000単位"},
		{"１．８ｍＬ", "1.8ml"},
		{"５µｇ", "5μg"},
		{"５μｇ", "5μg"},
		{"アデノシン負荷用静注", "アデノシン負荷用静注"},
		{"バリトゲン－デラックス", "バリトゲンーデラックス"},
		{"ばりとげんーでらっくす", "バリトゲンーデラックス"},
		{"Ｌ－アスパラギン酸", "l-アスパラギン酸"},
		{"ヴォリブリス", "ボリブリス"},
		{"  ", ""},
		{"", ""},
		{"ロキ\x00ソ", ""},
	} {
		if got := jptext.TextSearchKey(tc.in); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.in, got, tc.want)
		}
	}
}

// rankList has one drug of each rank for "ロキソ", and others.
var rankList = []map[string]string{
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1560", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠", "品名": "ロキソニン錠６０ｍｇ", "薬価": "10.4", "先発医薬品": "先発品"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1013", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠", "品名": "ＮＡ錠６０ｍｇ", "薬価": "10.1", "診療報酬において加算等の算定対象となる後発医薬品": "後発品"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1620", "成分名": "プロフェン酸", "規格": "６０ｍｇ１錠", "品名": "ハイロキソ錠", "薬価": "9.8"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1630", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠", "品名": "ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", "薬価": "9.8", "診療報酬において加算等の算定対象となる後発医薬品": "後発品"},
	{"区分": "外用薬", "薬価基準収載医薬品コード": "2649735S1021", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "１枚", "品名": "ロキソニンテープ", "薬価": "17.6", "先発医薬品": "先発品"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "2171022F5032", "成分名": "アムロジピンベシル酸塩", "規格": "１０ｍｇ１錠", "品名": "ノルバスク錠１０ｍｇ", "薬価": "16.9"},
	{"区分": "注射薬", "薬価基準収載医薬品コード": "3311401A2017", "成分名": "生理食塩液", "規格": "２０ｍＬ１管", "品名": "生理食塩液", "薬価": "62"},
	{"区分": "歯科用薬剤", "薬価基準収載医薬品コード": "2710803U1044", "成分名": "リドカイン", "規格": "１．８ｍＬ１管", "品名": "オーラ注", "薬価": "82.1"},
}

func TestDrugSearchRanking(t *testing.T) {
	db, _ := mustOpen(t)
	if _, err := importDrugBytes(t, db, namedBytes{"rank.csv", csvText(smallListRows(smallListHeader, rankList))}); err != nil {
		t.Fatal(err)
	}
	page, err := db.SearchDrugs(DrugQuery{Q: "ろきそ"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, h := range page.Hits {
		got = append(got, string(h.Match)+":"+h.Name)
	}
	// 品名 prefix (in kana order: ロキソニンテープ before ロキソニン錠,
	// katakana before kanji), then 成分名 prefix, then substring.
	want := []string{
		"name:ロキソニンテープ", "name:ロキソニン錠６０ｍｇ", "name:ロキソプロフェンＮａ錠６０ｍｇ「サワイ」",
		"ingredient:ＮＡ錠６０ｍｇ",
		"substring:ハイロキソ錠",
	}
	if strings.Join(got, " ") != strings.Join(want, " ") || page.Total != 5 || page.HasNext {
		t.Fatalf("got %v (total %d), want %v", got, page.Total, want)
	}
	// A substring of the 成分名 only.
	page, _ = db.SearchDrugs(DrugQuery{Q: "ﾌﾟﾛﾌｪﾝ"})
	got = nil
	for _, h := range page.Hits {
		got = append(got, string(h.Match)+":"+h.Name)
	}
	// ＮＡ錠's key starts with "na", ASCII, which sorts before kana.
	want = []string{"ingredient:ハイロキソ錠", "substring:ＮＡ錠６０ｍｇ", "substring:ロキソニンテープ", "substring:ロキソニン錠６０ｍｇ", "substring:ロキソプロフェンＮａ錠６０ｍｇ「サワイ」"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("プロフェン: got %v, want %v", got, want)
	}
	// One 区分 only.
	page, _ = db.SearchDrugs(DrugQuery{Q: "ろきそ", Category: DrugExternal})
	if page.Total != 1 || page.Hits[0].Code != "2649735S1021" {
		t.Fatalf("外用薬 only: %+v", page)
	}
	if _, err := db.SearchDrugs(DrugQuery{Q: "x", Category: "内服薬"}); ErrorCode(err) != EINVALID {
		t.Errorf("bad category: %v", err)
	}
	// Kanji, digits of any width.
	for _, q := range []string{"生理", "食塩", "１０ｍｇ", "10MG", "ノルバスク錠10mg", "ＮＡ", "ｎａ錠"} {
		if page, _ := db.SearchDrugs(DrugQuery{Q: q}); page.Total == 0 {
			t.Errorf("%q finds nothing", q)
		}
	}
	// 規格 and メーカー are not searched: only 品名 and 成分名.
	if page, _ := db.SearchDrugs(DrugQuery{Q: "２０ｍＬ"}); page.Total != 0 {
		t.Errorf("規格 searched: %+v", page.Hits)
	}
}

func TestDrugSearchRealList(t *testing.T) {
	db, _ := mustOpen(t)
	importRealList(t, db)
	codes := func(q string) []string {
		var out []string
		for _, h := range searchAll(t, db, q) {
			out = append(out, h.Code)
		}
		return out
	}
	// Hiragana, katakana and half-width katakana find the same drugs.
	loxo := codes("ロキソ")
	if len(loxo) < 30 || strings.Join(codes("ろきそ"), " ") != strings.Join(loxo, " ") || strings.Join(codes("ﾛｷｿ"), " ") != strings.Join(loxo, " ") {
		t.Fatalf("ロキソ: %d drugs; ろきそ and ﾛｷｿ differ", len(loxo))
	}
	if !strings.Contains(strings.Join(loxo, " "), "1149019F1560") {
		t.Error("ロキソ does not find ロキソニン錠６０ｍｇ")
	}
	// Full- and half-width letters and digits, and spaces.
	mg := codes("６０ｍｇ")
	if len(mg) == 0 || strings.Join(codes("60mg"), " ") != strings.Join(mg, " ") || strings.Join(codes("60 MG"), " ") != strings.Join(mg, " ") {
		t.Fatalf("６０ｍｇ: %d; 60mg differs", len(mg))
	}
	if strings.Join(codes("ロキ ソ"), " ") != strings.Join(loxo, " ") {
		t.Error("spaces not ignored")
	}
	// Pages of 30 with a way to the next, covering every hit once.
	page, err := db.SearchDrugs(DrugQuery{Q: "錠"})
	if err != nil || len(page.Hits) != DrugPageSize || !page.HasNext || page.Next != 30 || page.Total < 4000 {
		t.Fatalf("first page: %d hits, next %v %d, total %d, %v", len(page.Hits), page.HasNext, page.Next, page.Total, err)
	}
	seen := map[string]bool{}
	n := 0
	for off := 0; ; {
		p, err := db.SearchDrugs(DrugQuery{Q: "錠", Offset: off})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range p.Hits {
			if seen[h.Code] {
				t.Fatalf("%s on two pages", h.Code)
			}
			seen[h.Code] = true
			n++
		}
		if !p.HasNext {
			break
		}
		off = p.Next
	}
	if n != page.Total {
		t.Fatalf("pages hold %d drugs, total %d", n, page.Total)
	}
	// Past the end: an empty page.
	if p, _ := db.SearchDrugs(DrugQuery{Q: "錠", Offset: 1 << 20}); len(p.Hits) != 0 || p.HasNext || p.Total != page.Total {
		t.Errorf("past the end: %+v", p)
	}
	// Nothing to search for, or junk.
	if p, err := db.SearchDrugs(DrugQuery{Q: "   "}); err != nil || p.Total != 0 {
		t.Errorf("spaces: %+v %v", p, err)
	}
	if _, err := db.SearchDrugs(DrugQuery{Q: strings.Repeat("あ", 101)}); ErrorCode(err) != EINVALID {
		t.Errorf("long: %v", err)
	}
	if _, err := db.SearchDrugs(DrugQuery{Q: "ロキ\u202eソ"}); ErrorCode(err) != EINVALID {
		t.Errorf("bidi override: %v", err)
	}
	if p, _ := db.SearchDrugs(DrugQuery{Q: "存在しない薬品名ｘｙｚ"}); p.Total != 0 {
		t.Errorf("no match: %d", p.Total)
	}
}

// Searches while imports replace the master see one list or the other,
// whole, never a mix and never an empty list.
func TestDrugSearchDuringImport(t *testing.T) {
	db, _ := mustOpen(t)
	listA := paddedList(400)
	listB := paddedList(401)
	for _, m := range listB {
		m["薬価"] = "6.25" // every price differs from list A
	}
	csvA, csvB := csvText(smallListRows(smallListHeader, listA)), csvText(smallListRows(smallListHeader, listB))
	if _, err := importDrugBytes(t, db, namedBytes{"a.csv", csvA}); err != nil {
		t.Fatal(err)
	}
	wantA, _ := db.SearchDrugs(DrugQuery{Q: "テスト"})
	isB := sync.Map{} // version → true for list B
	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	searches := atomic.Int64{}
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				p, err := db.SearchDrugs(DrugQuery{Q: "テスト", Limit: 100})
				if err != nil {
					errs <- err
					return
				}
				searches.Add(1)
				b := p.Hits[0].Price == 625
				for _, h := range p.Hits {
					if (h.Price == 625) != b {
						errs <- fmt.Errorf("version %d mixes lists", p.Master.Version)
						return
					}
				}
				if want := map[bool]int{false: wantA.Total, true: wantA.Total + 1}[b]; p.Total != want {
					errs <- fmt.Errorf("version %d: total %d, want %d", p.Master.Version, p.Total, want)
					return
				}
				if v, ok := isB.Load(p.Master.Version); ok && v.(bool) != b {
					errs <- fmt.Errorf("version %d shows the other list", p.Master.Version)
					return
				}
			}
		}()
	}
	for i := 0; i < 6; i++ {
		data, b := csvB, true
		if i%2 == 1 {
			data, b = csvA, false
		}
		// The version is known once the import returns; searches may see it
		// a moment before, so check them against it afterwards too.
		sum, err := importDrugBytes(t, db, namedBytes{"x.csv", data})
		if err != nil {
			t.Fatal(err)
		}
		isB.Store(sum.Master.Version, b)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if searches.Load() == 0 {
		t.Error("no search ran during the imports")
	}
}
