package store

import (
	"crypto/subtle"
	"strconv"
	"time"

	"hotline/store/jptext"
)

// The pharmacy side of Web処方箋: a member of a pharmacy finds a
// prescription by the 照会番号 and the patient's birth date printed on it
// (LookupPrescription), which grants the pharmacy access to that
// prescription and no other (bucket rx_grants: pharmacy OID + rx ID → the
// grant); it then sees the prescription (PharmacyPrescription) and records
// each dispensing (DispensePrescription, rx_dispense.go). Every lookup,
// view and dispensing is audited, durably before the caller answers.

var bucketRxGrants = []byte("rx_grants")

// PharmacyActor is a member of a pharmacy acting on prescriptions.
type PharmacyActor struct {
	MemberID    string
	FacilityOID string
	Remote      string
}

// PharmacyMember is the member as a pharmacy actor: EFORBIDDEN unless the
// member belongs to an active facility whose kind is 薬局.
func (db *DB) PharmacyMember(memberID, remote string) (PharmacyActor, Facility, error) {
	m, err := db.Member(memberID)
	if err != nil {
		return PharmacyActor{}, Facility{}, err
	}
	if m.FacilityOID == "" {
		return PharmacyActor{}, Facility{}, Errorf(EFORBIDDEN, "処方箋の照会・調剤は、薬局の会員のみ利用できます")
	}
	f, err := db.Facility(m.FacilityOID)
	if err != nil {
		return PharmacyActor{}, Facility{}, err
	}
	if f.Kind != FacilityPharmacy {
		return PharmacyActor{}, Facility{}, Errorf(EFORBIDDEN, "処方箋の照会・調剤は、薬局の会員のみ利用できます（%sは%sとして登録されています）", f.Name, f.Kind.Label())
	}
	if !f.Active {
		return PharmacyActor{}, Facility{}, Errorf(EFORBIDDEN, "この施設（%s）は利用停止中のため、処方箋の照会はできません。運営者にお問い合わせください。", f.OID)
	}
	return PharmacyActor{MemberID: m.ID, FacilityOID: f.OID, Remote: remote}, f, nil
}

// RxLookupSpec is 処方箋の照会: the 照会番号 and the patient's birth date,
// both as printed on the form.
var RxLookupSpec = Fields{
	{Name: "number", Label: "照会番号", Max: 40, Required: true},
	{Name: "birth_date", Label: "生年月日", Max: 30, Required: true},
}

// errRxLookup is the one answer to a number that does not exist and to a
// birth date that does not match it.
const errRxLookup = "照会番号と生年月日に一致する処方箋はありません。処方箋の記載をご確認ください"

// rxGrant is a pharmacy's access to one prescription it looked up.
type rxGrant struct {
	At       time.Time `json:"at"`
	MemberID string    `json:"member_id"`
}

// LookupPrescription finds the prescription with the 照会番号 number for
// the patient born on birthDate (both as typed: any width, hyphens or not,
// YYYY-MM-DD or 和暦) and grants the actor's pharmacy access to it. A
// number that does not exist and a birth date that does not match get the
// same ENOTFOUND, after the same work: the same reads, the same audit line
// and the same count against the throttle (rx_lookup_throttle.go);
// ETHROTTLED (RetryAt) while held; EINVALID with field messages for what
// cannot be a number or a date. A cancelled or expired prescription is
// found (the pharmacy sees it as such).
func (db *DB) LookupPrescription(a PharmacyActor, number, birthDate string) (string, error) {
	fe := FieldErrors{}
	RxLookupSpec.Check(fe, "number", number)
	RxLookupSpec.Check(fe, "birth_date", birthDate)
	var n string
	var birth time.Time
	if _, bad := fe["number"]; !bad {
		var err error
		if n, err = NormalizeRxNumber(number); err != nil {
			fe.Add("number", err.Error())
		}
	}
	if _, bad := fe["birth_date"]; !bad {
		var err error
		if birth, err = jptext.ParseBirthDate(birthDate, db.Now()); err != nil {
			fe.Add("birth_date", err.Error())
		}
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	attempt := rxLookupAttempt(a.MemberID, a.Remote)
	if retry, err := db.CheckLogin(attempt); err != nil {
		if ErrorCode(err) != ETHROTTLED {
			return "", err
		}
		if aerr := db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxLookup, Object: "facility:" + a.FacilityOID, Remote: a.Remote,
			Result: ResultDenied, Detail: "throttled " + maskRxNumber(n)}); aerr != nil {
			return "", aerr
		}
		e, _ := err.(*Error)
		return "", &throttledError{err: e, retryAt: retry}
	}
	var p Prescription
	match := false
	err := db.View(func(tx *Tx) error {
		var err error
		p, match, err = rxLookupTx(tx, n, birth)
		return err
	})
	if err != nil {
		return "", err
	}
	if !match {
		// One line and one count for both kinds of miss.
		if err := db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxLookup, Object: "facility:" + a.FacilityOID, Remote: a.Remote,
			Result: ResultFailed, Detail: maskRxNumber(n)}); err != nil {
			return "", err
		}
		hold, err := db.LoginFailed(attempt)
		if err != nil {
			return "", err
		}
		if hold != nil {
			return "", Errorf(ENOTFOUND, "%s。続けて失敗したため、照会を %s まで一時的に停止します", errRxLookup, clock(hold.Until))
		}
		return "", Errorf(ENOTFOUND, errRxLookup)
	}
	err = db.Update(func(tx *Tx) error {
		if err := putJSON(tx.bucket(bucketRxGrants), indexKey(a.FacilityOID, p.ID), rxGrant{At: tx.Now, MemberID: a.MemberID}); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: a.MemberID, Action: AuditRxLookup, Object: "prescription:" + p.ID, Patient: p.PatientID,
			Remote: a.Remote, Result: ResultOK, Detail: "facility:" + a.FacilityOID})
	})
	if err != nil {
		return "", err
	}
	return p.ID, nil
}

// rxLookupTx reads the prescription of number and reports whether it is
// issued (not a draft) for the patient born on birth. For a number that
// does not exist it reads and decodes a stand-in record instead (the
// latest prescription), so both misses do the same work: one index read,
// one record read and decode, one comparison.
func rxLookupTx(tx *Tx, number string, birth time.Time) (Prescription, bool, error) {
	v := tx.bucket(bucketRxNumbers).Get([]byte(number))
	known := len(v) == 8
	seq := tx.bucket(bucketPrescriptions).Sequence() // the stand-in: the latest stored
	if known {
		seq = btoi(v)
	}
	p, found, err := prescriptionBySeqTx(tx, seq)
	if err != nil {
		return Prescription{}, false, err
	}
	want := []byte(p.BirthDate.Format("2006-01-02"))
	got := []byte(birth.Format("2006-01-02"))
	same := subtle.ConstantTimeCompare(want, got) == 1
	return p, known && found && same && p.Status != RxDraft, nil
}

// maskRxNumber keeps the last four digits of a 照会番号 for the audit log:
// enough to tell lines apart, not enough to use.
func maskRxNumber(n string) string {
	if len(n) <= 4 {
		return "照会番号 ****"
	}
	return "照会番号 ****-" + n[len(n)-4:]
}

// rxGrantTx reports whether the pharmacy looked the prescription up.
func rxGrantTx(tx *Tx, pharmacyOID, rxID string) bool {
	return tx.bucket(bucketRxGrants).Get(indexKey(pharmacyOID, rxID)) != nil
}

// PharmacyRx is a prescription as a pharmacy sees it.
type PharmacyRx struct {
	Prescription
	// Status is the status today (期限切れ follows from the day).
	Status RxStatus
	// Dispensable is nil when the pharmacy may dispense it today, else
	// the ECONFLICT saying why not.
	Dispensable error
	// LookedUpAt is when this pharmacy looked it up.
	LookedUpAt time.Time
}

// PharmacyPrescription is the prescription id for a pharmacy that looked
// it up; ENOTFOUND for any other (whether or not it exists). The view is
// audited durably before it returns.
func (db *DB) PharmacyPrescription(a PharmacyActor, id string) (PharmacyRx, error) {
	var out PharmacyRx
	err := db.View(func(tx *Tx) error {
		var err error
		out, err = pharmacyRxTx(tx, a, id)
		return err
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			_ = db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxPharmacyView, Object: "prescription:" + clip(id, 20), Remote: a.Remote, Result: ResultDenied})
		}
		return PharmacyRx{}, err
	}
	if err := db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxPharmacyView, Object: "prescription:" + out.ID, Patient: out.PatientID,
		Remote: a.Remote, Result: ResultOK, Detail: "facility:" + a.FacilityOID}); err != nil {
		return PharmacyRx{}, err
	}
	return out, nil
}

func pharmacyRxTx(tx *Tx, a PharmacyActor, id string) (PharmacyRx, error) {
	if !validRxID(id) || !rxGrantTx(tx, a.FacilityOID, id) {
		return PharmacyRx{}, NotFound()
	}
	p, err := prescriptionTx(tx, id)
	if err != nil {
		return PharmacyRx{}, err
	}
	var g rxGrant
	if _, err := getJSON(tx.bucket(bucketRxGrants), indexKey(a.FacilityOID, id), &g); err != nil {
		return PharmacyRx{}, err
	}
	return PharmacyRx{Prescription: p, Status: p.StatusOn(tx.Now), Dispensable: p.Dispensable(tx.Now), LookedUpAt: g.At}, nil
}

// UseLabel is 「2回目」 for a refill's use, "" for a prescription used once.
func (p Prescription) UseLabel(use int) string {
	if !p.IsRefill() || use == 0 {
		return ""
	}
	return strconv.Itoa(use) + "回目"
}

// PharmacyPrescriptionToPrint is the prescription id for the printed form
// (PDF) of a pharmacy that looked it up (ENOTFOUND for any other); it
// audits nothing, AuditPharmacyPrint does once the file is made.
func (db *DB) PharmacyPrescriptionToPrint(a PharmacyActor, id string) (Prescription, error) {
	var p PharmacyRx
	err := db.View(func(tx *Tx) error {
		var err error
		p, err = pharmacyRxTx(tx, a, id)
		return err
	})
	return p.Prescription, err
}

// AuditPharmacyPrint records a pharmacy's printing of p, durable before
// it returns.
func (db *DB) AuditPharmacyPrint(a PharmacyActor, p Prescription) error {
	return db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxPharmacyPrint, Object: "prescription:" + p.ID, Patient: p.PatientID,
		Remote: a.Remote, Result: ResultOK, Detail: "facility:" + a.FacilityOID})
}
