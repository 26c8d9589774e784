package drugs_test

import (
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
)

func TestDrugSearch(t *testing.T) {
	env, c := newMember(t)
	q := func(s string) string { return "/drugs?q=" + url.QueryEscape(s) }
	handlertest.Scenario{Name: "no master yet", Path: q("ロキソ"), WantStatus: 200,
		WantContains: []string{"薬価基準がまだ取り込まれていません"}}.Run(t, c)
	handlertest.ImportDrugList(t, env.DB)
	for _, sc := range []handlertest.Scenario{
		{Name: "empty page", Path: "/drugs", WantStatus: 200, WantContains: []string{"<html", `id="drug-results"`, `hx-get="/drugs"`,
			`hx-trigger="keyup changed delay:300ms, search"`, `hx-target="#drug-results"`, "品名または成分名を入力してください"}, WantAbsent: []string{`data-testid="drug-row"`}},
		{Name: "katakana, full page", Path: q("ロキソ"), WantStatus: 200, WantContains: []string{"<html", `value="ロキソ"`,
			"ロキソニン錠６０ｍｇ", "ロキソニンテープ１００ｍｇ", "「トーワ」", "先発品", "後発品", "10.10円／６０ｍｇ１錠", "9.80円／６０ｍｇ１錠",
			"4件中 1〜4件目", `href="/drugs/1149019F1560"`}, WantAbsent: []string{"生理食塩液"}},
		{Name: "hiragana", Path: q("ろきそ"), WantStatus: 200, WantContains: []string{"ロキソニン錠６０ｍｇ", "4件中"}},
		{Name: "half-width kana", Path: q("ﾛｷｿ"), WantStatus: 200, WantContains: []string{"ロキソニン錠６０ｍｇ", "4件中"}},
		{Name: "ascii digits match full width, spaces ignored", Path: q("ロキソニン錠 60mg"), WantStatus: 200, WantContains: []string{"ロキソニン錠６０ｍｇ", "1件中"}},
		{Name: "by 成分名", Path: q("生理食塩"), WantStatus: 200, WantContains: []string{"生理食塩液", "62.00円／２０ｍＬ１管"}},
		{Name: "nothing", Path: q("存在しない薬"), WantStatus: 200, WantContains: []string{"に当てはまる医薬品はありません"}},
		{Name: "too long", Path: q(strings.Repeat("あ", 101)), WantStatus: 422, WantContains: []string{"検索語は100文字以内で入力してください"}},
		{Name: "control character", Path: "/drugs?q=%01", WantStatus: 422, WantContains: []string{`data-testid="drug-search-error"`}},
		{Name: "bad offset is the first page", Path: q("ロキソ") + "&offset=-5", WantStatus: 200, WantContains: []string{"4件中 1〜4件目"}},
		{Name: "offset past the end", Path: q("ロキソ") + "&offset=999", WantStatus: 200, WantAbsent: []string{`data-testid="drug-row"`}},
	} {
		sc.Run(t, c)
	}
	// Order: 品名 prefix first (the three ロキソ… names and the tape), and
	// the ranking is the store's.
	res := c.Get(q("ロキソ"))
	if i, j := strings.Index(res.Body, "ロキソニン錠６０ｍｇ"), strings.Index(res.Body, "ロキソニンテープ"); i < 0 || j < 0 {
		t.Fatalf("rows missing")
	}

	// The live search gets the fragment only, and says it varies.
	c.Headers["HX-Request"] = "true"
	handlertest.Scenario{Name: "fragment", Path: q("ロキソ"), WantStatus: 200,
		WantContains: []string{`data-testid="drug-row"`, "ロキソニン錠６０ｍｇ"}, WantAbsent: []string{"<html", "<nav", `data-testid="drug-search"`},
		WantHeaders: map[string]string{"Vary": "HX-Request"}}.Run(t, c)
	handlertest.Scenario{Name: "fragment error", Path: q(strings.Repeat("あ", 101)), WantStatus: 422,
		WantContains: []string{"検索語は100文字以内"}, WantAbsent: []string{"<html"}}.Run(t, c)
	// A boosted navigation (the form submitted with htmx) gets the page.
	c.Headers["HX-Boosted"] = "true"
	handlertest.Scenario{Name: "boosted", Path: q("ロキソ"), WantStatus: 200,
		WantContains: []string{`data-testid="drug-search"`, `data-testid="drug-row"`}}.Run(t, c)
}

// Thirty per page, with a link to the next page that keeps the text.
func TestDrugSearchPages(t *testing.T) {
	env, c := newMember(t)
	list := append([]map[string]string(nil), handlertest.DrugList...)
	for i := 0; i < 40; i++ {
		code := "1149019F9" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "0"
		list = append(list, map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": code, "成分名": "ロキソプロフェンナトリウム水和物",
			"規格": "６０ｍｇ１錠", "品名": "ロキソプロフェン錠６０ｍｇ「試験" + string(rune('Ａ'+i%26)) + string(rune('0'+i/10)) + "」", "メーカー名": "試験製薬",
			"診療報酬において加算等の算定対象となる後発医薬品": "後発品", "薬価": "9.8"})
	}
	if _, err := env.DB.ImportDrugs(drugFiles(handlertest.File{Name: handlertest.DrugListCSVName,
		Data: handlertest.DrugCSV(handlertest.DrugRows(handlertest.DrugListHeader, list))}), importOpt()); err != nil {
		t.Fatal(err)
	}
	res := handlertest.Scenario{Name: "first page", Path: "/drugs?q=%E3%83%AD%E3%82%AD%E3%82%BD", WantStatus: 200,
		WantContains: []string{"44件中 1〜30件目", `data-testid="drug-next"`, "次の14件", "offset=30"}, WantAbsent: []string{`data-testid="drug-prev"`}}.Run(t, c)
	if n := strings.Count(res.Body, `data-testid="drug-row"`); n != 30 {
		t.Errorf("%d rows on the first page", n)
	}
	handlertest.Scenario{Name: "second page", Path: "/drugs?offset=30&q=%E3%83%AD%E3%82%AD%E3%82%BD", WantStatus: 200,
		WantContains: []string{"44件中 31〜44件目", `data-testid="drug-prev"`}, WantAbsent: []string{`data-testid="drug-next"`}}.Run(t, c)
}
