package store

import (
	"bytes"
	"fmt"
	"hotline/store/jptext"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"
)

func TestDrugImportRealList(t *testing.T) {
	db, _ := mustOpen(t)
	sum := importRealList(t, db)
	want := map[DrugCategory]int{DrugOral: 6940, DrugInjection: 3486, DrugExternal: 1980, DrugDental: 28}
	for c, n := range want {
		if got := sum.Master.Count(c); got != n {
			t.Errorf("%s: %d drugs, want %d", c, got, n)
		}
	}
	if sum.Master.Total != 12434 || sum.Added != 12434 || sum.Removed != 0 || len(sum.Rejected) != 0 || sum.Rows != 12434 {
		t.Fatalf("summary: total %d added %d removed %d rejected %v rows %d", sum.Master.Total, sum.Added, sum.Removed, sum.Rejected, sum.Rows)
	}
	if got := sum.Master.ListDate.Format("2006-01-02"); got != "2025-07-16" || sum.Master.ListDateSource != DrugDateFromFileName {
		t.Errorf("list date %s from %s", got, sum.Master.ListDateSource)
	}
	if sum.Master.Version != 1 || sum.Master.Previous != 0 {
		t.Errorf("version %d previous %d", sum.Master.Version, sum.Master.Previous)
	}
	// Prices are exact: 7.5 is 750 銭.
	d, err := db.CurrentDrug("1121001X1018")
	if err != nil || d.Price != 750 || d.Price.String() != "7.50" || d.Name != "ブロモバレリル尿素" || d.Pharmacopoeia != "局" {
		t.Fatalf("1121001X1018: %+v %v", d, err)
	}
	// The 経過措置 date is read from R8.3.31まで.
	found := false
	x, _ := db.drugIndex()
	for _, d := range x.drugs {
		if !d.TransitionalUntil.IsZero() {
			found = true
			if y := d.TransitionalUntil.Format("2006-01-02"); y != "2026-03-31" && y != "2025-09-30" {
				t.Errorf("%s: 経過措置 %s", d.Code, y)
			}
		}
	}
	if !found {
		t.Error("no drug under 経過措置")
	}
	st, err := db.DrugMasterState()
	if err != nil || !st.Loaded || st.Current.Version != 1 || st.Previous != nil {
		t.Fatalf("state %+v %v", st, err)
	}
	// The import is audited with its counts.
	page, _ := db.ListAudit(AuditFilter{Actor: "admin"})
	if len(page.Events) == 0 || page.Events[0].Action != "drugs.import" || !strings.Contains(page.Events[0].Detail, "内用薬 6940") {
		t.Fatalf("audit: %+v", page.Events)
	}
	// hotline check agrees with what was written.
	rep, err := db.Check(CheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}

	// The same file again changes nothing, and keeps no second copy.
	before, _ := db.BucketDigests()
	again := importRealList(t, db)
	if !again.Unchanged || again.Added+again.Removed+again.PriceChanged+again.OtherChanged != 0 || again.Master.Version != 1 {
		t.Fatalf("second import: %+v", again)
	}
	after, _ := db.BucketDigests()
	for _, b := range []string{"drugs", "drug_masters"} {
		if before[b] != after[b] {
			t.Errorf("bucket %s changed by a second import of the same list", b)
		}
	}
}

// searchAll is every hit of a search (all pages).
func searchAll(t *testing.T, db *DB, q string) []DrugHit {
	t.Helper()
	var out []DrugHit
	page := DrugPage{HasNext: true}
	for page.HasNext {
		var err error
		page, err = db.SearchDrugs(DrugQuery{Q: q, Offset: page.Next, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Hits...)
	}
	return out
}

// smallListHeader is the ministry's header row.
var smallListHeader = []string{"区分", "薬価基準収載医薬品コード", "成分名", "規格", "日本薬局方", "麻薬", "業者名追記", "品名",
	"メーカー名", "診療報酬において加算等の算定対象となる後発医薬品", "先発医薬品", "同一剤形・規格の後発医薬品がある先発医薬品",
	"薬価", "経過措置による使用期限", "備考"}

// smallList is a few real rows (by header name → value).
var smallList = []map[string]string{
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1560", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソニン錠６０ｍｇ", "メーカー名": "第一三共", "先発医薬品": "先発品", "同一剤形・規格の後発医薬品がある先発医薬品": "○", "薬価": "10.1"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1617", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", "メーカー名": "沢井製薬", "診療報酬において加算等の算定対象となる後発医薬品": "後発品", "薬価": "9.8"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1625", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソプロフェンナトリウム錠６０ｍｇ「トーワ」", "メーカー名": "東和薬品", "診療報酬において加算等の算定対象となる後発医薬品": "後発品", "薬価": "9.8"},
	{"区分": "外用薬", "薬価基準収載医薬品コード": "2649735S1021", "成分名": "ロキソプロフェンナトリウム水和物", "規格": "１００ｍｇ１０ｃｍ×１４ｃｍ１枚",
		"品名": "ロキソニンテープ１００ｍｇ", "メーカー名": "リードケミカル", "先発医薬品": "先発品", "薬価": "1234.56"},
	{"区分": "注射薬", "薬価基準収載医薬品コード": "3311401A2017", "成分名": "生理食塩液", "規格": "２０ｍＬ１管", "日本薬局方": "局",
		"品名": "生理食塩液", "薬価": "62", "経過措置による使用期限": "R8.3.31まで", "備考": "R7.5.21収載"},
	{"区分": "歯科用薬剤", "薬価基準収載医薬品コード": "2710803U1044", "成分名": "リドカイン塩酸塩・アドレナリン", "規格": "１．８ｍＬ１管",
		"品名": "オーラ注歯科用カートリッジ１．８ｍＬ", "メーカー名": "ジーシー昭和薬品", "薬価": "82.1"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": "8114004C1020", "成分名": "モルヒネ塩酸塩水和物", "規格": "１０ｍｇ１包", "麻薬": "麻",
		"品名": "モルヒネ塩酸塩水和物「タケダ」原末", "メーカー名": "武田薬品工業", "薬価": "1,096.2"},
}

// smallListRows renders smallList under header (any order, extra columns
// allowed), as rows of cells.
func smallListRows(header []string, list []map[string]string) [][]string {
	rows := [][]string{header}
	for _, m := range list {
		row := make([]string, len(header))
		for i, h := range header {
			row[i] = m[h]
		}
		rows = append(rows, row)
	}
	return rows
}

func csvText(rows [][]string) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(c, ",\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// xlsxBook writes rows into a sheet after title rows, as the ministry does.
func xlsxBook(t testing.TB, sheet string, title []string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheet != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			t.Fatal(err)
		}
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		t.Fatal(err)
	}
	n := 1
	for _, line := range title {
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, []any{line}); err != nil {
			t.Fatal(err)
		}
		n++
	}
	for ri, r := range rows {
		vals := make([]any, len(r))
		for i, c := range r {
			vals[i] = c
			// Prices are numbers in the ministry's sheets.
			if ri > 0 && rows[0][i] == "薬価" {
				var f float64
				if _, err := fmt.Sscan(strings.ReplaceAll(c, ",", ""), &f); err == nil {
					vals[i] = f
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDrugImportXLSXWithTitleRowsAndReorderedColumns(t *testing.T) {
	db, _ := mustOpen(t)
	// Columns reordered, one unknown column added, no 区分 column: each
	// file's 区分 comes from its sheet name.
	header := []string{"品名", "薬価", "参考", "薬価基準収載医薬品コード", "規格", "成分名", "メーカー名", "先発医薬品",
		"診療報酬において加算等の算定対象となる後発医薬品", "麻薬", "日本薬局方", "経過措置による使用期限", "備考"}
	var files []namedBytes
	for _, c := range DrugCategories {
		var part []map[string]string
		for _, m := range smallList {
			if m["区分"] == string(c) {
				part = append(part, m)
			}
		}
		title := []string{"使用薬剤の薬価（薬価基準）に収載されている品目", "（令和７年７月１６日適用）", ""}
		files = append(files, namedBytes{"list-" + string(c) + ".xlsx", xlsxBook(t, string(c), title, smallListRows(header, part))})
	}
	sum, err := importDrugBytes(t, db, files...)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Master.Total != len(smallList) || len(sum.Rejected) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if d := sum.Master.ListDate.Format("2006-01-02"); d != "2025-07-16" || sum.Master.ListDateSource != DrugDateFromTitle {
		t.Errorf("list date %s from %s", d, sum.Master.ListDateSource)
	}
	checkSmallList(t, db)
}

// checkSmallList checks the fields of smallList after an import.
func checkSmallList(t *testing.T, db *DB) {
	t.Helper()
	d, err := db.CurrentDrug("1149019F1560")
	if err != nil {
		t.Fatal(err)
	}
	if d.Category != DrugOral || d.Name != "ロキソニン錠６０ｍｇ" || d.Price != 1010 || d.BrandMark != "先発品" || d.Maker != "第一三共" {
		t.Errorf("ロキソニン: %+v", d)
	}
	if d, _ := db.CurrentDrug("2649735S1021"); d.Price.String() != "1234.56" || d.Category != DrugExternal {
		t.Errorf("price 1234.56: %+v", d)
	}
	if d, _ := db.CurrentDrug("8114004C1020"); d.Price.String() != "1096.20" || !d.IsNarcotic() {
		t.Errorf("モルヒネ: %+v", d)
	}
	if d, _ := db.CurrentDrug("3311401A2017"); d.TransitionalUntil.Format("2006-01-02") != "2026-03-31" || d.Remarks != "R7.5.21収載" || !d.InPharmacopoeia() {
		t.Errorf("生理食塩液: %+v", d)
	}
	if d, _ := db.CurrentDrug("2710803U1044"); d.Category != DrugDental {
		t.Errorf("歯科: %+v", d)
	}
}

func TestDrugImportCSVEncodings(t *testing.T) {
	text := csvText(smallListRows(smallListHeader, smallList))
	sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"utf8.csv", text},
		{"utf8-bom.csv", append([]byte{0xEF, 0xBB, 0xBF}, text...)},
		{"sjis.csv", sjis},
		{"lf-only.csv", bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := mustOpen(t)
			sum, err := importDrugBytes(t, db, namedBytes{tc.name, tc.data})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Master.Total != len(smallList) || len(sum.Rejected) != 0 || sum.Master.ListDateSource != DrugDateFromImport {
				t.Fatalf("summary %+v", sum)
			}
			if got := sum.Master.ListDate.Format("2006-01-02"); got != "2026-04-01" {
				t.Errorf("import date as list date: %s", got)
			}
			checkSmallList(t, db)
		})
	}
}

// paddedList is a copy of smallList padded with valid rows to n rows.
func paddedList(n int) []map[string]string {
	var out []map[string]string
	for _, m := range smallList {
		c := map[string]string{}
		for k, v := range m {
			c[k] = v
		}
		out = append(out, c)
	}
	for i := len(out); i < n; i++ {
		out = append(out, map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": fmt.Sprintf("3999%03dF1%03d", i/1000+100, i%1000),
			"成分名": "テスト成分", "規格": "１ｍｇ１錠", "品名": fmt.Sprintf("テスト錠%d", i), "薬価": "5.7"})
	}
	return out
}

func TestDrugImportBadRowReportedByRowNumber(t *testing.T) {
	db, _ := mustOpen(t)
	list := paddedList(200)
	list[9] = map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1", "成分名": "x", "規格": "１錠", "品名": "短いコード", "薬価": "1"}
	rows := smallListRows(smallListHeader, list)
	// Title rows above the header move every row number down by two.
	data := append([]byte("薬価基準収載品目リスト\r\n\r\n"), csvText(rows)...)
	sum, err := importDrugBytes(t, db, namedBytes{"mhlw-yakka-20260401.csv", data})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rejected) != 1 || sum.Master.Total != 199 {
		t.Fatalf("rejected %+v total %d", sum.Rejected, sum.Master.Total)
	}
	r := sum.Rejected[0]
	// Line 1 title, 2 blank, 3 header, 4 the first row: list[9] is line 13.
	if r.Row != 13 || r.File != "mhlw-yakka-20260401.csv" || r.Code != "1149019F1" || !strings.Contains(r.Reason, "12桁") {
		t.Fatalf("rejected row %+v", r)
	}
	var out bytes.Buffer
	sum.WriteText(&out)
	if !strings.Contains(out.String(), "mhlw-yakka-20260401.csv 13 行目（1149019F1）: 薬価基準収載医薬品コードは12桁") {
		t.Errorf("summary text:\n%s", out.String())
	}
}

func TestDrugImportRowValidation(t *testing.T) {
	base := smallList[0]
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range base {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, tc := range []struct {
		row    map[string]string
		reason string
	}{
		{with("区分", "内服薬"), "区分"},
		{with("区分", "注射薬"), "区分 注射薬 のコードではありません"},
		{with("品名", ""), "品名がありません"},
		{with("薬価", "abc"), "数値ではありません"},
		{with("薬価", "1.234"), "小数第2位"},
		{with("薬価", "0"), "0円以下"},
		{with("薬価", "-5"), "数値ではありません"},
		{with("経過措置による使用期限", "R8.2.30まで"), "日付として読めません"},
		{with("薬価基準収載医薬品コード", "114901９F15６0X"), "12桁"},
		{with("品名", strings.Repeat("長", 201)), "長すぎます"},
	} {
		db, _ := mustOpen(t)
		list := paddedList(150)
		list[0] = tc.row
		sum, err := importDrugBytes(t, db, namedBytes{"x.csv", csvText(smallListRows(smallListHeader, list))})
		if err != nil {
			t.Fatalf("%v: %v", tc.row, err)
		}
		if len(sum.Rejected) != 1 || sum.Rejected[0].Row != 2 || !strings.Contains(sum.Rejected[0].Reason, tc.reason) {
			t.Errorf("%s: rejected %+v", tc.reason, sum.Rejected)
		}
	}
}

func TestDrugImportDuplicateCode(t *testing.T) {
	db, _ := mustOpen(t)
	list := append(paddedList(150), smallList[0])
	sum, err := importDrugBytes(t, db, namedBytes{"x.csv", csvText(smallListRows(smallListHeader, list))})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rejected) != 1 || sum.Rejected[0].Row != 152 || sum.Rejected[0].Reason != "コードが重複しています（x.csv 2 行目と同じ）" {
		t.Fatalf("rejected %+v", sum.Rejected)
	}
}

// assertMasterUnchanged checks that the drug buckets and the pointers to
// the versions are as they were.
func drugDigests(t *testing.T, db *DB) string {
	t.Helper()
	d, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	var cur, prev uint64
	db.View(func(tx *Tx) error { cur, prev = drugVersionsTx(tx); return nil })
	return fmt.Sprintf("%s %s %d %d", d["drugs"], d["drug_masters"], cur, prev)
}

func TestDrugImportRefusesAndChangesNothing(t *testing.T) {
	db, _ := mustOpen(t)
	good := csvText(smallListRows(smallListHeader, paddedList(150)))
	if _, err := importDrugBytes(t, db, namedBytes{"good.csv", good}); err != nil {
		t.Fatal(err)
	}
	book := xlsxBook(t, "内用薬", []string{"表題"}, smallListRows(smallListHeader, paddedList(150)))
	tooMany := paddedList(150)
	tooMany[3]["薬価"], tooMany[4]["薬価"] = "x", "y" // 2 of 150: over 1 %
	noHeader := csvText([][]string{{"患者ID", "氏名"}, {"P-1", "山田"}})
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	html := []byte("<!DOCTYPE html>\n<html><head><title>薬価基準</title></head><body></body></html>")
	cutCSV := good[:len(good)-20]
	cutQuote := append(append([]byte(nil), good...), []byte("内用薬,\"1149019F1999,x")...)
	cutUTF8 := good[:bytes.LastIndex(good, []byte("テスト"))+4]
	before := drugDigests(t, db)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut.xlsx", book[:len(book)/2], "途中で切れているか壊れています"},
		{"image.png", png, "PNG 画像です"},
		{"page.html", html, "HTML のウェブページです"},
		{"doc.pdf", []byte("%PDF-1.7\n..."), "PDF です"},
		{"old.xls", append(append([]byte(nil), oleSignature...), 0, 0, 0), ".xls"},
		{"patients.csv", noHeader, "見出し行"},
		{"bad.csv", csvText(smallListRows(smallListHeader, tooMany)), "1 % を超える"},
		{"cut.csv", cutCSV, "途中で切れています"},
		{"cutquote.csv", cutQuote, "途中で切れています"},
		{"cututf8.csv", cutUTF8, "途中で切れています"},
		{"empty.csv", nil, "空のファイル"},
		{"only-oral.csv", csvText(smallListRows(smallListHeader, paddedList(150)[7:])), "注射薬・外用薬・歯科用薬剤"},
		{"binary.bin", []byte{1, 2, 0, 4, 5}, "テキストでも Excel ブックでもありません"},
	} {
		sum, err := importDrugBytes(t, db, namedBytes{tc.name, tc.data})
		if err == nil || ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
			continue
		}
		if sum.Master.Version != 1 {
			t.Errorf("%s: summary master %d", tc.name, sum.Master.Version)
		}
		if after := drugDigests(t, db); after != before {
			t.Errorf("%s: the master changed", tc.name)
		}
	}
	// The refusals are audited.
	page, _ := db.ListAudit(AuditFilter{Actor: "admin"})
	if len(page.Events) < 2 || page.Events[0].Result != ResultFailed || page.Events[0].Action != "drugs.import" {
		t.Errorf("audit of a refusal: %+v", page.Events[0])
	}
	// The master in force still answers.
	if _, err := db.CurrentDrug("1149019F1560"); err != nil {
		t.Fatal(err)
	}
}

func TestDrugImportTooManyBadRowsListsThem(t *testing.T) {
	db, _ := mustOpen(t)
	list := paddedList(100)
	list[10]["薬価"], list[20]["薬価"] = "x", "1.239"
	sum, err := importDrugBytes(t, db, namedBytes{"x.csv", csvText(smallListRows(smallListHeader, list))})
	if err == nil || !strings.Contains(ErrorMessage(err), "100 行中 2 行（2.0 %）") {
		t.Fatalf("error %v", err)
	}
	if len(sum.Rejected) != 2 || sum.Rejected[0].Row != 12 || sum.Rejected[1].Row != 22 {
		t.Fatalf("rejected %+v", sum.Rejected)
	}
	// Exactly 1 % passes.
	list[20]["薬価"] = "1.23"
	if sum, err := importDrugBytes(t, db, namedBytes{"x.csv", csvText(smallListRows(smallListHeader, list))}); err != nil || len(sum.Rejected) != 1 {
		t.Fatalf("1 %%: %v %+v", err, sum.Rejected)
	}
}

func TestDrugImportVersionsAndPreviousFallback(t *testing.T) {
	db, now := mustOpen(t)
	v1 := paddedList(150)
	if _, err := importDrugBytes(t, db, namedBytes{"mhlw-yakka-20250401.csv", csvText(smallListRows(smallListHeader, v1))}); err != nil {
		t.Fatal(err)
	}
	// Version 2: ロキソニン drops out, a price changes, a drug is added.
	v2 := append([]map[string]string(nil), v1[1:]...)
	v2[0] = map[string]string{}
	for k, v := range v1[1] {
		v2[0][k] = v
	}
	v2[0]["薬価"] = "9.5"
	v2 = append(v2, map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1633", "成分名": "ロキソプロフェンナトリウム水和物",
		"規格": "６０ｍｇ１錠", "品名": "ロキソプロフェンＮａ錠６０ｍｇ「新規」", "薬価": "9.5", "診療報酬において加算等の算定対象となる後発医薬品": "後発品"})
	*now = now.Add(24 * time.Hour)
	sum, err := importDrugBytes(t, db, namedBytes{"mhlw-yakka-20251001.csv", csvText(smallListRows(smallListHeader, v2))})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || sum.Removed != 1 || sum.PriceChanged != 1 || sum.OtherChanged != 0 || sum.Master.Version != 2 || sum.Master.Previous != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if len(sum.Changes) != 3 {
		t.Fatalf("changes %+v", sum.Changes)
	}
	for _, c := range sum.Changes {
		if c.Kind == DrugPriceChanged && (c.OldPrice != 980 || c.NewPrice != 950) {
			t.Errorf("price change %+v", c)
		}
	}
	// ロキソニン is no longer current, but a prescription issued against
	// version 1 still finds it, told it is from the previous master.
	if _, err := db.CurrentDrug("1149019F1560"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("current: %v", err)
	}
	if db.IsKnownDrugCode("1149019F1560") {
		t.Error("known in the current master")
	}
	if _, err := db.ValidateDrugCode("1149019F1560"); ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "現在の薬価基準にありません") {
		t.Errorf("validate: %v", err)
	}
	l, err := db.LookupDrug("1149019f1560")
	if err != nil || !l.Previous || l.Master.Version != 1 || l.Drug.Name != "ロキソニン錠６０ｍｇ" {
		t.Fatalf("lookup: %+v %v", l, err)
	}
	if l, err := db.LookupDrug("1149019F1617"); err != nil || l.Previous || l.Master.Version != 2 || l.Drug.Price != 950 {
		t.Fatalf("lookup current: %+v %v", l, err)
	}
	// Its alternatives come from the current master, cheapest first.
	alts, err := db.DrugAlternatives("1149019F1560")
	if err != nil || len(alts) != 3 {
		t.Fatalf("alternatives %+v %v", alts, err)
	}
	st, _ := db.DrugMasterState()
	if st.Current.Version != 2 || st.Previous == nil || st.Previous.Version != 1 || st.Previous.ListDate.Format("20060102") != "20250401" {
		t.Fatalf("state %+v", st)
	}

	// Version 3 drops version 1: only one earlier version is kept.
	*now = now.Add(24 * time.Hour)
	v3 := append(v2, map[string]string{"区分": "内用薬", "薬価基準収載医薬品コード": "1149019F1641", "成分名": "ロキソプロフェンナトリウム水和物",
		"規格": "６０ｍｇ１錠", "品名": "ロキソプロフェンＮａ錠６０ｍｇ「三」", "薬価": "9.5"})
	if _, err := importDrugBytes(t, db, namedBytes{"mhlw-yakka-20260401.csv", csvText(smallListRows(smallListHeader, v3))}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.LookupDrug("1149019F1560"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("version 1 kept: %v", err)
	}
	if l, err := db.LookupDrug("1149019F1633"); err != nil || l.Previous || l.Master.Version != 3 {
		t.Fatalf("lookup: %+v %v", l, err)
	}
	rep, err := db.Check(CheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}
	// The index of a reopened file is built from what was stored.
	path := db.Path()
	db.Close()
	db2, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if l, err := db2.LookupDrug("1149019F1617"); err != nil || l.Master.Version != 3 || l.Drug.Price != 950 {
		t.Fatalf("after reopen: %+v %v", l, err)
	}
	if l, err := db2.LookupDrug("1149019F1560"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("after reopen, version 1: %+v %v", l, err)
	}
}

func TestDrugImportConcurrentImportRefused(t *testing.T) {
	db, _ := mustOpen(t)
	db.drugs.importing.Lock()
	_, err := importDrugBytes(t, db, namedBytes{"x.csv", csvText(smallListRows(smallListHeader, smallList))})
	db.drugs.importing.Unlock()
	if ErrorCode(err) != ECONFLICT {
		t.Fatalf("second import at once: %v", err)
	}
}

func TestDrugImportProgress(t *testing.T) {
	db, _ := mustOpen(t)
	var seen []DrugImportProgress
	data := csvText(smallListRows(smallListHeader, paddedList(1200)))
	_, err := db.ImportDrugs([]DrugFile{{Name: "x.csv", R: bytes.NewReader(data)}}, DrugImportOptions{Actor: "admin",
		Progress: func(p DrugImportProgress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 || seen[0].Rows != 500 || seen[0].Total != 1202 || !seen[len(seen)-1].Writing || seen[len(seen)-1].Rows != 1200 {
		t.Fatalf("progress %+v", seen)
	}
	var bar bytes.Buffer
	progress, done := DrugProgressBar(&bar)
	for _, p := range seen {
		progress(p)
	}
	done()
	if !strings.Contains(bar.String(), "1,200 / 1,200 行") || !strings.HasSuffix(bar.String(), "\n") {
		t.Errorf("bar %q", bar.String())
	}
}

func TestDrugListDate(t *testing.T) {
	for _, tc := range []struct {
		text string
		want string
	}{
		{"使用薬剤の薬価（薬価基準）に収載されている品目（令和７年７月１６日適用）", "2025-07-16"},
		{"2025年4月1日現在", "2025-04-01"},
		{"更新 2025/10/1", "2025-10-01"},
		{"令和元年5月1日", "2019-05-01"},
		{"第1表", ""},
	} {
		got := dateInText(tc.text)
		if s := got.Format("2006-01-02"); (tc.want == "" && !got.IsZero()) || (tc.want != "" && s != tc.want) {
			t.Errorf("%q: %v, want %s", tc.text, got, tc.want)
		}
	}
	for name, want := range map[string]string{"mhlw-yakka-20250716.csv": "2025-07-16", "tp20250716-01_01.xlsx": "2025-07-16",
		"list.csv": "", "20251399.csv": "", "123202507160.csv": ""} {
		m := fileNameDate.FindStringSubmatch(name)
		got := ""
		if m != nil {
			if d, err := jptext.ParseDate(m[1]); err == nil {
				got = d.Format("2006-01-02")
			}
		}
		if got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// The ministry's xlsx and its CSV give the same master.
func TestDrugImportRealListXLSX(t *testing.T) {
	book := realListXLSX(t)
	db, _ := mustOpen(t)
	sum, err := importDrugBytes(t, db, namedBytes{"yakka.xlsx", book})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Master.Total != 12434 || len(sum.Rejected) != 0 || sum.Master.Count(DrugOral) != 6940 || sum.Master.Count(DrugDental) != 28 {
		t.Fatalf("summary %+v", sum.Master)
	}
	if sum.Master.ListDateSource != DrugDateFromTitle || sum.Master.ListDate.Format("2006-01-02") != "2025-07-16" {
		t.Errorf("list date %v from %s", sum.Master.ListDate, sum.Master.ListDateSource)
	}
	again := importRealList(t, db)
	if !again.Unchanged {
		t.Fatalf("the CSV differs from the xlsx: %+v", again.Changes)
	}
	// Cut anywhere, the book is refused and the master stays.
	before := drugDigests(t, db)
	for _, n := range []int{len(book) - 1, len(book) - 100, len(book) * 3 / 4, 1000} {
		_, err := importDrugBytes(t, db, namedBytes{"yakka.xlsx", book[:n]})
		if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), "途中で切れているか壊れています") {
			t.Errorf("cut at %d: %v", n, err)
		}
	}
	if drugDigests(t, db) != before {
		t.Error("a cut book changed the master")
	}
}

// The same list under a newer date keeps its version (and the previous
// one), with the new date.
func TestDrugImportSameListNewDate(t *testing.T) {
	db, _ := mustOpen(t)
	v1 := csvText(smallListRows(smallListHeader, paddedList(150)))
	v2 := csvText(smallListRows(smallListHeader, paddedList(151)))
	for _, name := range []string{"mhlw-yakka-20250401.csv", "mhlw-yakka-20250716.csv"} {
		data := v1
		if name == "mhlw-yakka-20250716.csv" {
			data = v2
		}
		if _, err := importDrugBytes(t, db, namedBytes{name, data}); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := importDrugBytes(t, db, namedBytes{"mhlw-yakka-20251001.csv", v2})
	if err != nil || !sum.Unchanged || sum.Master.Version != 2 || sum.Master.ListDate.Format("2006-01-02") != "2025-10-01" {
		t.Fatalf("%+v %v", sum.Master, err)
	}
	st, _ := db.DrugMasterState()
	if st.Current.Version != 2 || st.Current.ListDate.Format("2006-01-02") != "2025-10-01" || st.Previous == nil || st.Previous.Version != 1 {
		t.Fatalf("state %+v", st)
	}
	if p, _ := db.SearchDrugs(DrugQuery{Q: "テスト"}); p.Master.ListDate.Format("2006-01-02") != "2025-10-01" {
		t.Errorf("search still shows %v", p.Master.ListDate)
	}
	if l, err := db.LookupDrug("3999100F1150"); err != nil || l.Previous {
		t.Errorf("lookup %+v %v", l, err)
	}
}
