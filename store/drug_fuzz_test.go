package store

import (
	"bytes"
	"hotline/store/jptext"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzDrugSearchKey: any text gives a valid key, and the key of a key is
// itself, so a name typed exactly as stored finds it.
func FuzzDrugSearchKey(f *testing.F) {
	for _, s := range []string{"ロキソニン錠６０ｍｇ", "ﾛｷｿﾌﾟﾛﾌｪﾝ", "か゛", "゛あ", "Ｌ－アスパラギン酸", "ア-1", "ヴォ", "ー－", "\xff", "・ ・"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := jptext.TextSearchKey(s)
		if !utf8.ValidString(k) {
			t.Fatalf("%q: invalid key %q", s, k)
		}
		if k2 := jptext.TextSearchKey(k); k2 != k {
			t.Fatalf("%q: key %q, its key %q", s, k, k2)
		}
	})
}

// FuzzParseDrugPrice: a price read back from its text is the same price.
func FuzzParseDrugPrice(f *testing.F) {
	for _, s := range []string{"7.5", "1,234.56", "36.899999999999999", "１２．３", "0", "-1", "1e5", "99999999999999.99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseDrugPrice(s)
		if err != nil {
			return
		}
		if p <= 0 {
			t.Fatalf("%q: %d", s, p)
		}
		if q, err := ParseDrugPrice(p.String()); err != nil || q != p {
			t.Fatalf("%q: %v → %q → %v %v", s, p, p.String(), q, err)
		}
	})
}

// FuzzDrugDerived: the derived fields never panic, whatever the 規格 and
// 品名.
func FuzzDrugDerived(f *testing.F) {
	f.Add("６０ｍｇ１錠", "ロキソニン錠６０ｍｇ", "1149019F1560")
	f.Add("（１ｇ）", "注「", "1")
	f.Add("１ｍＬバイアル）", "ＯＤ錠ＯＤ錠", "9999999Z9999")
	f.Fuzz(func(t *testing.T, spec, name, code string) {
		d := Drug{Spec: spec, Name: name, Code: code, Category: DrugOral, Ingredient: "x"}
		_ = d.Unit()
		_ = d.Strength()
		_ = d.DosageForm()
		_ = d.IngredientCode()
		_ = d.ClassCode()
		if g := d.GenericName(); len(g) < 1 {
			t.Fatalf("generic name %q", g)
		}
	})
}

// FuzzDrugImport: any file either imports or is refused with a Japanese
// message; it never panics, and what it stores passes hotline check.
func FuzzDrugImport(f *testing.F) {
	f.Add([]byte(csvText(smallListRows(smallListHeader, smallList))))
	f.Add([]byte("区分,薬価基準収載医薬品コード,成分名,規格,品名,薬価\n内用薬,1149019F1560,a,b,c,\"1\n"))
	f.Add([]byte("\xef\xbb\xbf品名,薬価,薬価基準収載医薬品コード,成分名,規格\nx,1,1149019F1560,y,z\n"))
	f.Add(xlsxBook(f, "内用薬", []string{"令和7年4月1日"}, smallListRows(smallListHeader, smallList[:2])))
	db, err := Open(filepath.Join(f.TempDir(), "hotline.db"), Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		sum, err := db.ImportDrugs([]DrugFile{{Name: "fuzz.csv", R: bytes.NewReader(data)}}, DrugImportOptions{Actor: "fuzz"})
		if err != nil {
			if c := ErrorCode(err); c != EINVALID {
				t.Fatalf("%v (%s)", err, c)
			}
			return
		}
		if sum.Master.Total == 0 {
			t.Fatalf("imported nothing: %+v", sum)
		}
		if rep, err := db.Check(CheckOptions{}); err != nil || !rep.OK() {
			t.Fatalf("check: %v %v", rep.Problems, err)
		}
	})
}
