package drugs

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"hotline/store"
)

func render(t *testing.T, v DrugResultsView) string {
	t.Helper()
	var b strings.Builder
	if err := DrugResults(v).Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var loxonin = store.Drug{Code: "1149019F1560", Category: "内用薬", Ingredient: "ロキソプロフェンナトリウム水和物",
	Spec: "６０ｍｇ１錠", Name: "ロキソニン錠６０ｍｇ", BrandMark: "先発品", Price: 1010}

func TestDrugResultsPickMode(t *testing.T) {
	page := store.DrugPage{Q: "ロキソ", Hits: []store.DrugHit{{Drug: loxonin}}, Total: 45, Next: 30, HasNext: true}
	plain := render(t, DrugResultsView{Page: page})
	if strings.Contains(plain, `data-testid="drug-pick"`) {
		t.Error("pick button without pick mode")
	}
	for _, want := range []string{"ロキソニン錠６０ｍｇ", "先発品", "10.10円／６０ｍｇ１錠", `href="/drugs/1149019F1560"`,
		`hx-get="/drugs?offset=30&amp;q=%E3%83%AD%E3%82%AD%E3%82%BD"`, `hx-target="#drug-results"`} {
		if !strings.Contains(plain, want) {
			t.Errorf("results lack %q:\n%s", want, plain)
		}
	}
	picked := render(t, DrugResultsView{Page: page, URL: "/rx/drugs", Params: url.Values{"line": {"2"}}, Target: "picker-2",
		Pick: &DrugPick{URL: "/rx/line?n=2", Target: "#line-2"}})
	for _, want := range []string{`data-testid="drug-pick"`, `hx-get="/rx/line?n=2&amp;drug_code=1149019F1560&amp;drug_name=`,
		`hx-target="#line-2"`, `hx-swap="outerHTML"`, `data-drug-unit="錠"`, `hx-target="#picker-2"`, "/rx/drugs?line=2&amp;offset=30"} {
		if !strings.Contains(picked, want) {
			t.Errorf("pick results lack %q:\n%s", want, picked)
		}
	}
}
