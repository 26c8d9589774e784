package handlertest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"hotline/store"
)

// A small 薬価基準 the handler tests write themselves: a 先発品 with two
// generics (the alternatives), a patch, an injection under 経過措置, a
// dental drug and a 麻薬, in the ministry's columns.

// DrugListHeader is the ministry's header row.
var DrugListHeader = []string{"区分", "薬価基準収載医薬品コード", "成分名", "規格", "日本薬局方", "麻薬", "業者名追記", "品名",
	"メーカー名", "診療報酬において加算等の算定対象となる後発医薬品", "先発医薬品", "同一剤形・規格の後発医薬品がある先発医薬品",
	"薬価", "経過措置による使用期限", "備考"}

// Codes of the small list.
const (
	DrugLoxonin     = "1149019F1560" // ロキソニン錠６０ｍｇ, 先発品, 10.10円
	DrugLoxoSawai   = "1149019F1617" // its generic, 9.80円
	DrugLoxoTowa    = "1149019F1625" // its generic, 9.80円
	DrugLoxoTape    = "2649735S1021" // ロキソニンテープ１００ｍｇ
	DrugSaline      = "3311401A2017" // 生理食塩液, 経過措置
	DrugDental      = "2710803U1044"
	DrugMorphine    = "8114004C1020" // 麻薬
	DrugListSize    = 7
	DrugListDate    = "20250716"
	DrugListCSVName = "mhlw-yakka-" + DrugListDate + ".csv"
)

// DrugList is the small list, by column name.
var DrugList = []map[string]string{
	{"区分": "内用薬", "薬価基準収載医薬品コード": DrugLoxonin, "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソニン錠６０ｍｇ", "メーカー名": "第一三共", "先発医薬品": "先発品", "同一剤形・規格の後発医薬品がある先発医薬品": "○", "薬価": "10.1"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": DrugLoxoSawai, "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソプロフェンＮａ錠６０ｍｇ「サワイ」", "メーカー名": "沢井製薬", "診療報酬において加算等の算定対象となる後発医薬品": "後発品", "薬価": "9.8"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": DrugLoxoTowa, "成分名": "ロキソプロフェンナトリウム水和物", "規格": "６０ｍｇ１錠",
		"品名": "ロキソプロフェンナトリウム錠６０ｍｇ「トーワ」", "メーカー名": "東和薬品", "診療報酬において加算等の算定対象となる後発医薬品": "後発品", "薬価": "9.8"},
	{"区分": "外用薬", "薬価基準収載医薬品コード": DrugLoxoTape, "成分名": "ロキソプロフェンナトリウム水和物", "規格": "１００ｍｇ１０ｃｍ×１４ｃｍ１枚",
		"品名": "ロキソニンテープ１００ｍｇ", "メーカー名": "リードケミカル", "先発医薬品": "先発品", "薬価": "1234.56"},
	{"区分": "注射薬", "薬価基準収載医薬品コード": DrugSaline, "成分名": "生理食塩液", "規格": "２０ｍＬ１管", "日本薬局方": "局",
		"品名": "生理食塩液", "薬価": "62", "経過措置による使用期限": "R8.3.31まで", "備考": "R7.5.21収載"},
	{"区分": "歯科用薬剤", "薬価基準収載医薬品コード": DrugDental, "成分名": "リドカイン塩酸塩・アドレナリン", "規格": "１．８ｍＬ１管",
		"品名": "オーラ注歯科用カートリッジ１．８ｍＬ", "メーカー名": "ジーシー昭和薬品", "薬価": "82.1"},
	{"区分": "内用薬", "薬価基準収載医薬品コード": DrugMorphine, "成分名": "モルヒネ塩酸塩水和物", "規格": "１０ｍｇ１包", "麻薬": "麻",
		"品名": "モルヒネ塩酸塩水和物「タケダ」原末", "メーカー名": "武田薬品工業", "薬価": "1,096.2"},
}

// DrugRows renders list under header as rows of cells, the header first.
func DrugRows(header []string, list []map[string]string) [][]string {
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

// DrugCSV writes rows as CSV in UTF-8 (CRLF, as the ministry's).
func DrugCSV(rows [][]string) []byte {
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

// DrugListSJIS is the small list as a Shift_JIS (CP932) CSV.
func DrugListSJIS(t testing.TB, list []map[string]string) []byte {
	t.Helper()
	out, err := japanese.ShiftJIS.NewEncoder().Bytes(DrugCSV(DrugRows(DrugListHeader, list)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// DrugXLSX writes rows into one sheet after a title row, as the ministry
// does (prices as numbers).
func DrugXLSX(t testing.TB, sheet, title string, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.SetRow("A1", []any{title}); err != nil {
		t.Fatal(err)
	}
	for ri, r := range rows {
		vals := make([]any, len(r))
		for i, c := range r {
			vals[i] = c
			if ri > 0 && rows[0][i] == "薬価" {
				var f float64
				if _, err := fmt.Sscan(strings.ReplaceAll(c, ",", ""), &f); err == nil {
					vals[i] = f
				}
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, ri+2)
		if err := sw.SetRow(cell, vals); err != nil {
			t.Fatal(err)
		}
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

// ImportDrugList loads the small list (UTF-8 CSV) as the master.
func ImportDrugList(t testing.TB, db *store.DB) store.DrugImportSummary {
	t.Helper()
	sum, err := db.ImportDrugs([]store.DrugFile{{Name: DrugListCSVName, R: bytes.NewReader(DrugCSV(DrugRows(DrugListHeader, DrugList)))}},
		store.DrugImportOptions{Actor: "system"})
	if err != nil {
		t.Fatal(err, store.ErrorFields(err))
	}
	return sum
}
