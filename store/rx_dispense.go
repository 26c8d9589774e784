package store

import (
	"strconv"
	"strings"
	"time"

	"hotline/store/jptext"
)

// 調剤済の記録: a pharmacy that looked a prescription up records what it
// dispensed. Each use of a リフィル prescription is one dispensing; the
// prescription is 調剤済 (stored status RxDispensed) after the last.

// DispenseSpec is the dispensing form's own fields (the per-line choice is
// posted as lines[N][drug_code], N the line's place in print order).
var DispenseSpec = Fields{
	{Name: "dispensed_on", Label: "調剤年月日", Max: 30, Required: true},
	{Name: "note", Label: "薬局からの連絡事項", Max: 500, Multiline: true},
}

// DispenseLineField is the per-line choice: empty or the prescribed code
// for 処方どおり, else the code of the alternative dispensed.
const DispenseLineField = "drug_code"

// DispenseForm is what the pharmacy posts.
type DispenseForm struct {
	DispensedOn string
	Note        string
	// Lines holds the choice of each line of the prescription in print
	// order ("" or the prescribed code: as written).
	Lines []string
}

// Values is the form as field name → value (to re-render it).
func (f DispenseForm) Values() map[string]string {
	v := map[string]string{"dispensed_on": f.DispensedOn, "note": f.Note}
	for i, c := range f.Lines {
		v[RxLineField(i, DispenseLineField)] = c
	}
	return v
}

// DispenseChoices are what each line of p may be dispensed as: the drugs
// of the current master with the line's 成分名 and 規格 (none for a line
// marked 変更不可).
func (db *DB) DispenseChoices(p Prescription) ([][]DrugAlternative, error) {
	lines := p.Lines()
	out := make([][]DrugAlternative, len(lines))
	for i, l := range lines {
		if l.NoChange {
			continue
		}
		alts, err := db.DrugAlternatives(l.DrugCode)
		switch {
		case ErrorCode(err) == ENOTFOUND:
			continue // no longer in any master: as written only
		case err != nil:
			return nil, err
		}
		out[i] = alts
	}
	return out, nil
}

// validateDispense checks the form against the prescription and returns
// the dispensing to append (without Use, pharmacy and times).
func (db *DB) validateDispense(p Prescription, f DispenseForm, today time.Time) (RxDispensing, error) {
	fe := FieldErrors{}
	DispenseSpec.Check(fe, "dispensed_on", f.DispensedOn)
	DispenseSpec.Check(fe, "note", f.Note)
	var d RxDispensing
	if _, bad := fe["dispensed_on"]; !bad {
		on, err := jptext.ParseDate(f.DispensedOn)
		switch {
		case err != nil:
			fe.Add("dispensed_on", err.Error())
		case on.After(today):
			fe.Add("dispensed_on", "調剤年月日に未来の日付は入力できません")
		case !p.IssuedOn.IsZero() && on.Before(p.IssuedOn):
			fe.Add("dispensed_on", "調剤年月日が交付年月日（"+p.IssuedOn.Format("2006-01-02")+"）より前です")
		case len(p.Dispensings) > 0 && on.Before(p.Dispensings[len(p.Dispensings)-1].DispensedOn):
			fe.Add("dispensed_on", "調剤年月日が前回の調剤（"+p.Dispensings[len(p.Dispensings)-1].DispensedOn.Format("2006-01-02")+"）より前です")
		}
		d.DispensedOn = on
	}
	d.Note = strings.TrimSpace(f.Note)
	choices, err := db.DispenseChoices(p)
	if err != nil {
		return RxDispensing{}, err
	}
	i := 0
	for gi, g := range p.Groups {
		for li, l := range g.Lines {
			field := RxLineField(i, DispenseLineField)
			code := ""
			if i < len(f.Lines) {
				code = strings.TrimSpace(f.Lines[i])
			}
			dl := RxDispensedLine{Group: gi, Line: li, AsWritten: true, DrugCode: l.DrugCode, DrugName: l.DrugName}
			if code != "" && code != l.DrugCode {
				c, err := NormalizeDrugCode(code)
				switch {
				case l.NoChange:
					fe.Add(field, "変更不可（医療上必要）の薬は処方どおりに調剤してください")
				case err != nil:
					fe.Add(field, "代替の医薬品は一覧から選んでください")
				case c == l.DrugCode:
				default:
					found := false
					for _, a := range choices[i] {
						if a.Code == c {
							dl = RxDispensedLine{Group: gi, Line: li, DrugCode: a.Code, DrugName: a.Name}
							found = true
							break
						}
					}
					if !found {
						fe.Add(field, "同じ成分・規格の医薬品（一覧）から選んでください")
					}
				}
			}
			d.Lines = append(d.Lines, dl)
			i++
		}
	}
	if err := fe.Err(); err != nil {
		return RxDispensing{}, err
	}
	return d, nil
}

// DispensePrescription records a dispensing of prescription id by the
// actor's pharmacy, which must have looked it up (ENOTFOUND otherwise).
// ECONFLICT, with the reason, when it is cancelled, expired, a draft or
// used up; EINVALID with field messages for the form. The prescription,
// now 調剤済 after its last use, and the audit line are one commit.
func (db *DB) DispensePrescription(a PharmacyActor, id string, f DispenseForm) (RxDispensing, error) {
	var cur PharmacyRx
	err := db.View(func(tx *Tx) error {
		var err error
		cur, err = pharmacyRxTx(tx, a, id)
		return err
	})
	if err != nil {
		return RxDispensing{}, err
	}
	if cur.Dispensable != nil {
		return RxDispensing{}, cur.Dispensable
	}
	m, err := db.Member(a.MemberID)
	if err != nil {
		return RxDispensing{}, err
	}
	fac, err := db.Facility(a.FacilityOID)
	if err != nil {
		return RxDispensing{}, err
	}
	d, err := db.validateDispense(cur.Prescription, f, JapanDate(db.Now()))
	if err != nil {
		return RxDispensing{}, err
	}
	d.PharmacyOID, d.PharmacyName = fac.OID, fac.Name
	d.PharmacistID, d.Pharmacist = m.ID, m.Name
	err = db.Update(func(tx *Tx) error {
		pr, err := pharmacyRxTx(tx, a, id)
		if err != nil {
			return err
		}
		p, old := pr.Prescription, pr.Prescription
		if err := p.Dispensable(tx.Now); err != nil {
			return err
		}
		if len(p.Dispensings) != len(cur.Dispensings) {
			// Another dispensing came in between: the form was for the use before.
			return Errorf(ECONFLICT, "この処方箋は別の操作で調剤が記録されました。画面を開き直してください")
		}
		d.Use = p.NextUse()
		d.RecordedAt = tx.Now
		p.Dispensings = append(p.Dispensings, d)
		if p.NextUse() == 0 {
			p.Status = RxDispensed
		}
		p.UpdatedAt = tx.Now
		if err := putPrescriptionTx(tx, &old, p); err != nil {
			return err
		}
		detail := "facility:" + a.FacilityOID
		if p.IsRefill() {
			detail += " " + strconv.Itoa(d.Use) + "/" + strconv.Itoa(p.Uses()) + "回目"
		}
		return AppendAudit(tx, AuditEvent{Actor: a.MemberID, Action: AuditRxDispense, Object: "prescription:" + p.ID, Patient: p.PatientID,
			Remote: a.Remote, Result: ResultOK, Detail: detail})
	})
	if err != nil {
		return RxDispensing{}, err
	}
	return d, nil
}
