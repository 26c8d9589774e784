package drugs_test

import (
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func TestDrugPage(t *testing.T) {
	env, c := newMember(t)
	handlertest.Scenario{Name: "no master", Path: "/drugs/" + handlertest.DrugLoxonin, WantStatus: 404}.Run(t, c)
	handlertest.ImportDrugList(t, env.DB)
	for _, sc := range []handlertest.Scenario{
		{Name: "先発品 with its generics", Path: "/drugs/" + handlertest.DrugLoxonin, WantStatus: 200, WantContains: []string{
			"ロキソニン錠６０ｍｇ", handlertest.DrugLoxonin, "ロキソプロフェンナトリウム水和物", "６０ｍｇ１錠", "内用薬", "第一三共",
			`data-testid="drug-brand">先発品`, "10.10円／６０ｍｇ１錠", "錠",
			`href="https://www.pmda.go.jp/`, "本ネットワークには添付文書の写しを保存していません",
			`data-testid="drug-alternatives"`, "「サワイ」", "「トーワ」", "9.80円"},
			WantAbsent: []string{`data-testid="drug-previous"`, "ロキソニンテープ"}},
		{Name: "generic lists the 先発品", Path: "/drugs/" + handlertest.DrugLoxoSawai, WantStatus: 200, WantContains: []string{
			`data-testid="drug-generic">`, "後発品", "ロキソニン錠６０ｍｇ", "「トーワ」"}},
		{Name: "経過措置 and 日本薬局方", Path: "/drugs/" + handlertest.DrugSaline, WantStatus: 200, WantContains: []string{
			"2026-03-31", "日本薬局方（局）", "R7.5.21収載", "同じ成分名・規格の医薬品は現在の薬価基準にありません", "統一名収載品"}},
		{Name: "麻薬", Path: "/drugs/" + handlertest.DrugMorphine, WantStatus: 200, WantContains: []string{`data-testid="drug-narcotic">麻薬`}},
		{Name: "code in lower case", Path: "/drugs/" + strings.ToLower(handlertest.DrugLoxonin), WantStatus: 200, WantContains: []string{"ロキソニン錠６０ｍｇ"}},
		{Name: "back to the search", Path: "/drugs/" + handlertest.DrugLoxonin + "?q=%E3%83%AD%E3%82%AD%E3%82%BD", WantStatus: 200,
			WantContains: []string{`href="/drugs?q=%E3%83%AD%E3%82%AD%E3%82%BD"`}},
		{Name: "unknown code", Path: "/drugs/1149019F1999", WantStatus: 404},
		{Name: "malformed code", Path: "/drugs/%3Cscript%3E", WantStatus: 404, WantAbsent: []string{"<script>"}},
	} {
		sc.Run(t, c)
	}
	// Alternatives cheapest first: the generics (9.80) before nothing
	// dearer; on the generic's page the 先発品 (10.10) comes after the
	// other generic.
	res := c.Get("/drugs/" + handlertest.DrugLoxoSawai)
	if i, j := strings.Index(res.Body, "「トーワ」"), strings.Index(res.Body, `href="/drugs/`+handlertest.DrugLoxonin+`"`); i < 0 || j < 0 || i > j {
		t.Errorf("alternatives not cheapest first (トーワ at %d, ロキソニン at %d)", i, j)
	}

	// The operator's URL template builds the link.
	st, err := env.DB.Settings()
	if err != nil {
		t.Fatal(err)
	}
	st.PackageInsertURL = "https://insert.example.jp/search?code={code}"
	if err := env.DB.SaveSettings(st, "admin", ""); err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	handlertest.Scenario{Name: "template", Path: "/drugs/" + handlertest.DrugLoxonin, WantStatus: 200,
		WantContains: []string{`href="https://insert.example.jp/search?code=` + handlertest.DrugLoxonin + `"`}}.Run(t, c)

	// A new list without the 麻薬: its code still shows, from the previous
	// version, saying so; the search no longer finds it.
	var without []map[string]string
	for _, d := range handlertest.DrugList {
		if d["薬価基準収載医薬品コード"] != handlertest.DrugMorphine {
			without = append(without, d)
		}
	}
	if _, err := env.DB.ImportDrugs(drugFiles(handlertest.File{Name: "mhlw-yakka-20251001.csv",
		Data: handlertest.DrugCSV(handlertest.DrugRows(handlertest.DrugListHeader, without))}), importOpt()); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "previous version", Path: "/drugs/" + handlertest.DrugMorphine, WantStatus: 200,
		WantContains: []string{`data-testid="drug-previous"`, "モルヒネ塩酸塩水和物「タケダ」原末", "2025-07-16 版"}}.Run(t, c)
	handlertest.Scenario{Name: "not searched", Path: "/drugs?q=%E3%83%A2%E3%83%AB%E3%83%92%E3%83%8D", WantStatus: 200,
		WantContains: []string{"に当てはまる医薬品はありません"}}.Run(t, c)
}
