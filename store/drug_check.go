package store

import (
	"encoding/json"
	"fmt"
)

// checkDrugMaster is hotline check's part for the drug master: the current
// and previous versions each have their description and their drugs, every
// drug decodes under its own valid code, the counts by 区分 agree with the
// description, and no other version's drugs are left behind. due says the
// buckets must exist (the file is at this program's schema).
func (r *CheckReport) checkDrugMaster(tx *Tx, due bool) {
	all, masters := tx.Bucket(bucketDrugs), tx.Bucket(bucketDrugMasters)
	if all == nil || masters == nil {
		if due {
			r.Problems = append(r.Problems, "薬価基準マスタ: バケットがありません")
		}
		return
	}
	cur, prev := drugVersionsTx(tx)
	if cur == 0 {
		r.Notes = append(r.Notes, "薬価基準マスタ: 未登録（hotline drugs import で取り込めます）")
	}
	for _, v := range []uint64{cur, prev} {
		if v == 0 {
			continue
		}
		ir := checkDrugVersion(tx, v, v == cur)
		r.Indexes = append(r.Indexes, ir)
		for _, p := range ir.Problems {
			r.Problems = append(r.Problems, "薬価基準マスタ "+ir.Index+": "+p)
		}
	}
	c := all.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		switch {
		case v != nil || len(k) != 8:
			r.Problems = append(r.Problems, fmt.Sprintf("薬価基準マスタ: 版でないキー %s があります", printable(k)))
		case btoi(k) != cur && btoi(k) != prev:
			r.Problems = append(r.Problems, fmt.Sprintf("薬価基準マスタ: 使われていない版 %d の品目が残っています", btoi(k)))
		}
	}
	if cur != 0 {
		if m, err := drugMasterTx(tx, cur); err == nil {
			previous := "前の版なし"
			if prev != 0 {
				previous = fmt.Sprintf("前の版 %d", prev)
			}
			r.Notes = append(r.Notes, fmt.Sprintf("薬価基準マスタ: 版 %d（%s 付）%s 品目、%s", cur,
				m.ListDate.Format("2006-01-02"), formatCount(m.Total), previous))
		}
	}
}

// checkDrugVersion checks one version's drugs against its description.
func checkDrugVersion(tx *Tx, v uint64, current bool) IndexReport {
	name := fmt.Sprintf("drugs 版 %d（前の版）", v)
	if current {
		name = fmt.Sprintf("drugs 版 %d（現在）", v)
	}
	ir := IndexReport{Index: name, Records: "drug_masters"}
	problem := func(format string, args ...any) {
		if len(ir.Problems) < maxListed {
			ir.Problems = append(ir.Problems, fmt.Sprintf(format, args...))
		}
	}
	var m DrugMaster
	found, err := getJSON(tx.bucket(bucketDrugMasters), itob(v), &m)
	switch {
	case err != nil:
		problem("版の記述を読み取れません: %v", err)
	case !found:
		problem("版の記述がありません")
	}
	ir.Expected = m.Total
	vb := tx.bucket(bucketDrugs).Bucket(itob(v))
	if vb == nil {
		problem("品目のバケットがありません")
		return ir
	}
	counts := map[DrugCategory]int{}
	c := vb.Cursor()
	for k, val := c.First(); k != nil; k, val = c.Next() {
		ir.Entries++
		var d Drug
		if err := json.Unmarshal(val, &d); err != nil {
			problem("品目 %s を読み取れません: %v", printable(k), err)
			continue
		}
		if code, err := NormalizeDrugCode(d.Code); err != nil || code != string(k) {
			problem("品目 %s のコード %q がキーと一致しません", printable(k), d.Code)
		}
		if !d.Category.Valid() {
			problem("品目 %s の区分 %q が正しくありません", printable(k), d.Category)
		}
		counts[d.Category]++
	}
	if found && ir.Entries != m.Total {
		problem("品目数 %d が記述の %d と一致しません", ir.Entries, m.Total)
	}
	if found {
		for _, cc := range m.Counts {
			if counts[cc.Category] != cc.Count {
				problem("%s の品目数 %d が記述の %d と一致しません", cc.Category, counts[cc.Category], cc.Count)
			}
		}
	}
	return ir
}
