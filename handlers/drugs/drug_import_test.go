package drugs_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

func csvFile(name string, list []map[string]string) handlertest.File {
	return handlertest.File{Field: "file", Name: name, Data: handlertest.DrugCSV(handlertest.DrugRows(handlertest.DrugListHeader, list))}
}

func TestDrugImportUpload(t *testing.T) {
	env := newEnv(t, "off")
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "dashboard warns", Path: "/admin", WantStatus: 200, WantContains: []string{`data-testid="drug-master-warning"`, `href="/admin/drugs"`}},
		{Name: "empty page", Path: "/admin/drugs", WantStatus: 200, WantContains: []string{"薬価基準マスタ", `data-testid="drug-master-missing"`,
			`enctype="multipart/form-data"`, `name="file"`, "multiple", `aria-current="page"`}},
		{Name: "not multipart", Method: "POST", Path: "/admin/drugs", Form: url.Values{}, WantStatus: 422,
			WantContains: []string{`data-testid="error-file"`, "取り込むファイルを選んでください"}},
	} {
		sc.Run(t, op)
	}

	// The Shift_JIS CSV the tests write: 303, then the summary.
	res := op.PostMultipart("/admin/drugs", nil, handlertest.File{Field: "file", Name: handlertest.DrugListCSVName, Data: handlertest.DrugListSJIS(t, handlertest.DrugList)})
	if res.Status != 303 || res.Location != "/admin/drugs?done=drugs-imported" {
		t.Fatalf("upload: %d %q\n%s", res.Status, res.Location, handlertest.Snippet(res.Body))
	}
	handlertest.Scenario{Name: "summary", Path: res.Location, WantStatus: 200, WantContains: []string{
		`data-testid="drug-import-summary"`, `data-testid="summary-count-内用薬">4`, `data-testid="summary-count-注射薬">1`,
		`data-testid="summary-count-外用薬">1`, `data-testid="summary-count-歯科用薬剤">1`, `data-testid="summary-added">7`,
		`data-testid="summary-removed">0`, `data-testid="summary-rejected">0`,
		`data-testid="drug-list-date">2025-07-16（ファイル名から）`, `data-testid="drug-total">7品目`}}.Run(t, op)
	handlertest.Scenario{Name: "summary shown once", Path: res.Location, WantStatus: 200,
		WantAbsent: []string{`data-testid="drug-import-summary"`}, WantContains: []string{`data-testid="drug-list-date"`}}.Run(t, op)
	handlertest.Scenario{Name: "no warning", Path: "/admin", WantStatus: 200, WantAbsent: []string{`data-testid="drug-master-warning"`}}.Run(t, op)

	// The ministry's xlsx, one file per 区分, uploaded together: a price
	// changed, one drug gone, 113 added (112 new rows and the 麻薬's new
	// code) and a bad row out of 120 (under
	// 1 %) listed by its row number.
	list := paddedList(120)
	list[0]["薬価"] = "10.4"                   // ロキソニン
	list[6]["薬価基準収載医薬品コード"] = "8114004C1039" // the 麻薬's code changes: one removed, one added
	list[50]["薬価"] = "abc"
	var files []handlertest.File
	for cat, part := range byCategory(list) {
		files = append(files, handlertest.File{Field: "file", Name: "tp20251001-01_" + cat + ".xlsx",
			Data: handlertest.DrugXLSX(t, cat, "薬価基準収載品目リスト（"+cat+"）", handlertest.DrugRows(handlertest.DrugListHeader, part))})
	}
	res = op.PostMultipart("/admin/drugs", nil, files...)
	if res.Status != 303 {
		t.Fatalf("xlsx upload: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	page := handlertest.Scenario{Name: "xlsx summary", Path: res.Location, WantStatus: 200, WantContains: []string{
		`data-testid="summary-price">1`, `data-testid="summary-removed">1`, `data-testid="summary-added">113`,
		`data-testid="summary-rejected">1`, `data-testid="rejected-line">`, "内用薬", "薬価",
		`data-testid="drug-list-date">2025-10-01`, "以前の版", "2025-07-16", "10.10円 → 10.40円"}}.Run(t, op)
	// The bad row's number is its place among the 内用薬 (the other 区分
	// are in their own files) after the title and header rows.
	oral := 0
	for i, m := range list {
		if m["区分"] == "内用薬" {
			oral++
		}
		if i == 50 {
			break
		}
	}
	if want := fmt.Sprintf(`data-testid="rejected-line">%d行目`, oral+2); !strings.Contains(page.Body, want) {
		t.Errorf("rejected row: want %s\n%s", want, handlertest.Snippet(page.Body))
	}
	if d, err := env.DB.CurrentDrug(handlertest.DrugLoxonin); err != nil || d.Price != 1040 {
		t.Fatalf("new price: %+v %v", d, err)
	}
}

// A truncated xlsx, a file of another kind, too many bad rows, and empty
// or too many files answer 422 with the reason beside the field; the
// master stays as it was.
func TestDrugImportRefused(t *testing.T) {
	env := newEnv(t, "off")
	op := env.LoginOperator(t)
	handlertest.ImportDrugList(t, env.DB)
	before := drugState(t, env.DB)
	book := handlertest.DrugXLSX(t, "内用薬", "表題", handlertest.DrugRows(handlertest.DrugListHeader, handlertest.DrugList))
	tooMany := paddedList(100)
	tooMany[10]["薬価"], tooMany[20]["薬価"] = "x", "1.239"
	var eleven []handlertest.File
	for i := 0; i < store.MaxDrugFiles+1; i++ {
		eleven = append(eleven, csvFile(fmt.Sprintf("part%d.csv", i), handlertest.DrugList))
	}
	for _, tc := range []struct {
		name  string
		files []handlertest.File
		want  []string
	}{
		{"truncated xlsx", []handlertest.File{{Field: "file", Name: "tp20251001-01.xlsx", Data: book[:len(book)/2]}}, []string{"途中で切れているか壊れています"}},
		{"image", []handlertest.File{{Field: "file", Name: "list.csv", Data: []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")}}, []string{"PNG 画像です"}},
		{"pdf", []handlertest.File{{Field: "file", Name: "list.xlsx", Data: []byte("%PDF-1.7\n1 0 obj")}}, []string{"PDF です"}},
		{"another table", []handlertest.File{{Field: "file", Name: "patients.csv", Data: []byte("患者ID,氏名\r\nP-1,山田\r\n")}}, []string{"見出し行"}},
		{"too many bad rows", []handlertest.File{csvFile("bad.csv", tooMany)}, []string{"1 % を超える", `data-testid="rejected-row"`, "12行目", "22行目"}},
		{"empty file", []handlertest.File{{Field: "file", Name: "empty.csv"}}, []string{"空のファイル"}},
		{"no file chosen", []handlertest.File{{Field: "file", Name: ""}}, []string{"取り込むファイルを選んでください"}},
		{"another field", []handlertest.File{{Field: "attachment", Name: "x.csv", Data: []byte("a")}}, []string{"取り込むファイルを選んでください"}},
		{"eleven files", eleven, []string{"一度に取り込めるファイルは10個までです（11個選ばれています）"}},
	} {
		res := op.PostMultipart("/admin/drugs", nil, tc.files...)
		if res.Status != 422 || !strings.Contains(res.Body, `data-testid="error-file"`) {
			t.Errorf("%s: %d\n%s", tc.name, res.Status, handlertest.Snippet(res.Body))
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(res.Body, w) {
				t.Errorf("%s: lacks %q\n%s", tc.name, w, handlertest.Snippet(res.Body))
			}
		}
		if !strings.Contains(res.Body, `data-testid="drug-list-date">2025-07-16`) {
			t.Errorf("%s: the list in force is not shown", tc.name)
		}
		if after := drugState(t, env.DB); after != before {
			t.Errorf("%s: the master changed: %s → %s", tc.name, before, after)
		}
	}
	// Without the token: refused before anything is read.
	body, ct := handlertest.Multipart(t, url.Values{"_csrf": {"forged"}}, "", csvFile("x.csv", handlertest.DrugList))
	if res := op.Do("POST", "/admin/drugs", body, ct); res.Status != 403 {
		t.Errorf("forged token: %d", res.Status)
	}
}

// drugState is the master in force: its version and every drug.
func drugState(t *testing.T, db *store.DB) string {
	t.Helper()
	st, err := db.DrugMasterState()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "v%d:", st.Current.Version)
	for _, d := range handlertest.DrugList {
		if got, err := db.CurrentDrug(d["薬価基準収載医薬品コード"]); err == nil {
			fmt.Fprintf(&b, "%s=%s,", got.Code, got.Price)
		}
	}
	return b.String()
}
