package store

import (
	"strings"
	"testing"
)

func TestCheckDrugMaster(t *testing.T) {
	db, _ := mustOpen(t)
	if _, err := importDrugBytes(t, db, namedBytes{"a.csv", csvText(smallListRows(smallListHeader, paddedList(150)))}); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Check(CheckOptions{})
	if err != nil || !rep.OK() {
		t.Fatalf("clean: %v %v", rep.Problems, err)
	}
	var text strings.Builder
	rep.WriteText(&text)
	if !strings.Contains(text.String(), "drugs 版 1（現在） ↔ drug_masters: 150 件（期待 150 件）一致") ||
		!strings.Contains(text.String(), "薬価基準マスタ: 版 1（2026-04-01 付）150 品目") {
		t.Errorf("report:\n%s", text.String())
	}
	// Damage: a record under another code, a record that does not decode,
	// a lost record, and a version nobody points at.
	err = db.Update(func(tx *Tx) error {
		vb := tx.bucket(bucketDrugs).Bucket(itob(1))
		if err := vb.Put([]byte("1149019F1560"), []byte(`{"code":"1149019F1617","category":"内用薬"}`)); err != nil {
			return err
		}
		if err := vb.Put([]byte("2649735S1021"), []byte(`{`)); err != nil {
			return err
		}
		if err := vb.Delete([]byte("3311401A2017")); err != nil {
			return err
		}
		_, err := tx.bucket(bucketDrugs).CreateBucket(itob(7))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ = db.Check(CheckOptions{})
	all := strings.Join(rep.Problems, "\n")
	for _, want := range []string{"コード \"1149019F1617\" がキーと一致しません", "品目 2649735S1021 を読み取れません",
		"品目数 149 が記述の 150 と一致しません", "注射薬 の品目数 0 が記述の 1 と一致しません", "使われていない版 7 の品目が残っています"} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in:\n%s", want, all)
		}
	}
}
