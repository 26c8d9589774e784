package store

import (
	"encoding/json"
	"time"
)

// 重複投薬チェック: when a prescription is composed, the patient's other
// prescriptions still in their 使用期間 (issued or dispensed, never
// cancelled) are compared with its lines: the same 成分名, or the same
// 薬効分類 (the first 4 characters of the code), is a warning — never a
// block. Only prescriptions of facilities the patient is connected to by
// PRS now count: the registering facility and those with a live link
// (consent). A facility whose link was revoked drops out, and the
// prescriber's own facility must itself see the patient.

// RxDuplicate is one warning: a line of the new prescription and the
// other prescription's line it repeats.
type RxDuplicate struct {
	Line         int    // index of the line in the form (its N)
	DrugName     string // the new line's drug
	OtherDrug    string // the other prescription's drug
	SameCompound bool   // 同一成分 (else 同一薬効分類)
	FacilityName string
	IssuedOn     time.Time
	ValidUntil   time.Time
	// PrescriptionID is set for the prescriber's own facility only: others'
	// prescriptions are not theirs to open.
	PrescriptionID string
}

// Reason is 「同一成分」 or 「同一薬効分類」.
func (d RxDuplicate) Reason() string {
	if d.SameCompound {
		return "同一成分"
	}
	return "同一薬効分類"
}

// RxCheckLine is a line to check: its form index and drug.
type RxCheckLine struct {
	Line     int
	DrugCode string
}

// DuplicateMedications checks lines (drug codes from the form; unknown
// codes are skipped) against the patient's prescriptions in their period,
// except the one named exclude (the draft being edited). ENOTFOUND for a
// patient the actor's facility may not see.
func (db *DB) DuplicateMedications(a RxActor, patientID string, lines []RxCheckLine, exclude string) ([]RxDuplicate, error) {
	var wants []rxWant
	for _, l := range lines {
		if d, err := db.CurrentDrug(l.DrugCode); err == nil {
			wants = append(wants, rxWant{l.Line, d})
		}
	}
	var out []RxDuplicate
	today := JapanDate(db.Now())
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		pid, err := NormalizePatientID(patientID)
		if err != nil || pid == "" {
			return NotFound()
		}
		pt, _, err := patientAccessTx(tx, w.prs(a.Remote), pid)
		if err != nil {
			return err
		}
		if len(wants) == 0 {
			return nil
		}
		scope := map[string]bool{pt.FacilityOID: true}
		linkPrefix := append(indexKey(pt.ID), 0)
		lc := tx.bucket(bucketPatientLinks).Cursor()
		for k, v := lc.Seek(linkPrefix); k != nil && hasPrefix(k, linkPrefix); k, v = lc.Next() {
			var l PatientLink
			if err := json.Unmarshal(v, &l); err != nil {
				return Errorf(EINTERNAL, "patient link %q: %v", k, err)
			}
			if l.Active() {
				scope[l.FacilityOID] = true
			}
		}
		prefix := append(indexKey("p", pt.ID), 0)
		minUntil := []byte(today.Format("20060102"))
		c := tx.bucket(bucketRxIndex).Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			h, rest, ok := rxEntryHeader(v)
			if !ok || !scope[string(h[1])] || string(h[2]) < string(minUntil) {
				continue
			}
			if st := RxStatus(h[0]); st != RxIssued && st != RxDispensed {
				continue
			}
			if string(h[5]) == exclude {
				continue
			}
			for len(rest) > 0 {
				end := indexByte(rest, rxRecord)
				if end < 0 {
					break
				}
				rec := rest[:end]
				rest = rest[end+1:]
				i1 := indexByte(rec, rxUnit)
				if i1 < 0 {
					continue
				}
				i2 := indexByte(rec[i1+1:], rxUnit)
				if i2 < 0 {
					continue
				}
				ingredient, class, name := rec[:i1], rec[i1+1:i1+1+i2], rec[i1+2+i2:]
				for _, wl := range wants {
					same := len(ingredient) > 0 && string(ingredient) == wl.drug.Ingredient
					if !same && string(class) != wl.drug.ClassCode() {
						continue
					}
					issued, _ := time.Parse("20060102", string(h[3]))
					until, _ := time.Parse("20060102", string(h[2]))
					d := RxDuplicate{Line: wl.line, DrugName: wl.drug.Name, OtherDrug: string(name), SameCompound: same,
						FacilityName: string(h[4]), IssuedOn: issued, ValidUntil: until}
					if string(h[1]) == w.facility.OID {
						d.PrescriptionID = string(h[5])
					}
					out = append(out, d)
				}
			}
		}
		return nil
	})
	return out, err
}

type rxWant struct {
	line int
	drug Drug
}
