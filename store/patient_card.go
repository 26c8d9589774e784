package store

import (
	"strconv"
	"time"
)

// Patient access cards (アクセスカード): the patient ID and a random access
// code, printed for the patient to take home, for the patient page.
//
// Only an Argon2id hash of the code is stored (HashPassword), not an HMAC:
// the code has about 60 bits, and an HMAC key would have to live in the
// same database file as the hashes, so a copied file or backup would let
// anyone search the codes at the speed of SHA-256 (a GPU would take days
// to weeks per patient). Argon2id makes each guess cost 19 MiB and tens of
// milliseconds, which puts that search out of reach, and costs the server
// one hash per printed card and per patient login — both rare, and bounded
// by HashPassword's own concurrency limit.

// PatientCard is a freshly issued card: the clear code exists only here,
// on its way to the PDF.
type PatientCard struct {
	Patient       Patient
	FacilityName  string
	FacilityPhone string
	Code          string // XXXX-XXXX-XXXX
	IssuedAt      time.Time
	Number        int // how many cards this patient has had, this one included
}

// IssuePatientAccessCard makes a new access code for a patient of the
// actor's facility, hands the card to print (which renders it; nil: no
// printing) and only then stores the code's hash, which invalidates every
// earlier card. If print fails nothing changes: the old card still works.
func (db *DB) IssuePatientAccessCard(a PRSActor, id string, print func(PatientCard) error) (PatientCard, error) {
	if err := a.check(); err != nil {
		return PatientCard{}, err
	}
	// Refuse strangers before spending a hash on them.
	var card PatientCard
	if err := db.View(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if !p.Active() {
			return errPatientInactive
		}
		f, err := facilityTx(tx, p.FacilityOID)
		if err != nil {
			return err
		}
		p.AccessCodeHash = ""
		card = PatientCard{Patient: p, FacilityName: f.Name, FacilityPhone: f.Phone, Number: p.CardsIssued + 1}
		return nil
	}); err != nil {
		return PatientCard{}, err
	}
	card.Code = NewAccessCode()
	card.IssuedAt = db.Now()
	hash := HashPassword(card.Code)
	if print != nil {
		if err := print(card); err != nil {
			return PatientCard{}, err
		}
	}
	err := db.Update(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if !p.Active() {
			return errPatientInactive
		}
		p.AccessCodeHash, p.AccessCodeIssuedAt = hash, tx.Now
		p.CardsIssued++
		card.Number = p.CardsIssued
		if err := putPatientTx(tx, p); err != nil {
			return err
		}
		// The patient's open sessions on the patient page came from the
		// earlier card: they end with it.
		ended, err := deletePatientSessionsTx(tx, p.ID)
		if err != nil {
			return err
		}
		detail := "card:" + strconv.Itoa(p.CardsIssued)
		if ended > 0 {
			detail += " sessions ended:" + strconv.Itoa(ended)
		}
		return AppendAudit(tx, a.audit(AuditPatientCard, p.ID, detail))
	})
	db.sessions.evictPatient(card.Patient.ID)
	if err != nil {
		return PatientCard{}, err
	}
	return card, nil
}

// errPatientAccess is the one answer to every failed patient login, so it
// tells nothing about which part was wrong.
func errPatientAccess() error {
	return Errorf(EUNAUTHORIZED, "患者IDまたはアクセスコードが正しくありません。アクセスカードの記載をご確認ください")
}

// VerifyPatientAccess checks a patient ID and access code from an access
// card (the patient page's login) and returns the patient. Any mismatch —
// unknown or malformed ID, wrong or superseded code, no card yet, a
// deactivated patient — is the same EUNAUTHORIZED error after the same
// work. The caller throttles and audits attempts.
func (db *DB) VerifyPatientAccess(patientID, code string) (Patient, error) {
	id, idErr := NormalizePatientID(patientID)
	c, codeErr := NormalizeAccessCode(code)
	var p Patient
	found := false
	if idErr == nil && id != "" {
		err := db.View(func(tx *Tx) error {
			var err error
			p, found, err = patientTx(tx, id)
			return err
		})
		if err != nil {
			return Patient{}, err
		}
	}
	hash := ""
	if found {
		hash = p.AccessCodeHash
	}
	// VerifyPassword spends the same time on an empty hash.
	ok := VerifyPassword(hash, c) && codeErr == nil && c != "" && found && p.Active()
	if !ok {
		return Patient{}, errPatientAccess()
	}
	// A card printed while we were hashing replaces this code.
	still := false
	if err := db.View(func(tx *Tx) error {
		cur, found, err := patientTx(tx, id)
		still = found && cur.AccessCodeHash == hash && cur.Active()
		return err
	}); err != nil {
		return Patient{}, err
	}
	if !still {
		return Patient{}, errPatientAccess()
	}
	p.AccessCodeHash = ""
	return p, nil
}
