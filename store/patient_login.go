package store

import (
	"errors"
	"strings"

	"hotline/store/jptext"
)

// The patient page's login (患者様ページ): the patient ID and access code
// from the access card, throttled by the login throttle (throttle.go) like
// the member login: the attempts count under the account
// PatientAccount(ID as typed, folded), so ten failures for one patient ID
// from one address (IPv6: one /64) hold that ID there, failures across
// addresses slow that ID down, and every failure counts against the
// address, member logins' failures included. Holds are stored, survive a
// restart, and the operator sees and clears them with the login holds.
//
// The key starts with capitals and a colon: a login ID typed at /login is
// a member ID or lower-cased (NormalizeAccountID), so the member login
// cannot count failures against a patient, nor the other way round.
const patientAccountPrefix = "PATIENT:"

// PatientAccount is the throttle account of the patient page's login for
// a typed patient ID.
func PatientAccount(typedID string) string {
	folded, ok := foldTypedCode(typedID)
	if !ok || jptext.InvalidText(typedID) {
		// Not even ASCII: still one key per input, bounded.
		folded = strings.ToUpper(strings.TrimSpace(typedID))
	}
	return patientAccountPrefix + clip(folded, 40)
}

func isPatientAccount(account string) bool { return strings.HasPrefix(account, patientAccountPrefix) }

// PatientLoginSpec is the patient page's login form. The limits are
// generous: the ID may be typed full-width with hyphens and spaces.
var PatientLoginSpec = Fields{
	{Name: "patient_id", Label: "患者ID", Max: 40, Required: true},
	{Name: "access_code", Label: "アクセスコード", Max: 40, Required: true},
}

// PatientLogin checks a patient page login from remote: the throttle
// first (a held attempt costs no hash and answers ETHROTTLED with
// RetryAt), then the card's pair (VerifyPatientAccess: one EUNAUTHORIZED
// answer for every mismatch). Every attempt is audited (patient.login);
// a successful one carries the patient, so it is in the patient's own
// history.
func (db *DB) PatientLogin(typedID, code, remote string) (Patient, error) {
	// Only what is missing (or not text at all) is told apart from a
	// wrong pair: that says nothing about which patients exist.
	fe := FieldErrors{}
	PatientLoginSpec.CheckRequired(fe, map[string]string{"patient_id": strings.TrimSpace(typedID), "access_code": strings.TrimSpace(code)})
	if err := fe.Err(); err != nil {
		return Patient{}, err
	}
	attempt := LoginAttempt{Account: PatientAccount(typedID), Addr: remote}
	if retry, err := db.CheckLogin(attempt); err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Code != ETHROTTLED {
			return Patient{}, err
		}
		_ = db.Audit(AuditEvent{Actor: "anonymous", Action: AuditPatientLogin, Remote: remote, Result: ResultDenied, Detail: "throttled"})
		return Patient{}, &throttledError{err: e, retryAt: retry}
	}
	p, err := db.VerifyPatientAccess(typedID, code)
	if err != nil {
		if ErrorCode(err) != EUNAUTHORIZED {
			return Patient{}, err
		}
		e := AuditEvent{Actor: "anonymous", Action: AuditPatientLogin, Remote: remote, Result: ResultFailed,
			Detail: "患者ID " + strings.TrimPrefix(attempt.Account, patientAccountPrefix)}
		if id, idErr := NormalizePatientID(typedID); idErr == nil && id != "" {
			e.Actor, e.Patient = "patient:"+id, id
		}
		if aerr := db.AuditGrouped(e); aerr != nil {
			return Patient{}, aerr
		}
		if _, ferr := db.LoginFailed(attempt); ferr != nil {
			return Patient{}, ferr
		}
		return Patient{}, err
	}
	db.LoginSucceeded(attempt)
	if err := db.AuditGrouped(AuditEvent{Actor: "patient:" + p.ID, Action: AuditPatientLogin, Object: "patient:" + p.ID,
		Patient: p.ID, Remote: remote, Result: ResultOK}); err != nil {
		return Patient{}, err
	}
	return p, nil
}

// PatientPageOwner is the patient a patient-page session belongs to, while
// the patient is active (ENOTFOUND otherwise: a deactivated patient's
// session reaches nothing). The access code's hash is not returned.
func (db *DB) PatientPageOwner(id string) (Patient, error) {
	var p Patient
	err := db.View(func(tx *Tx) error {
		var found bool
		var err error
		p, found, err = patientTx(tx, id)
		if err == nil && (!found || !p.Active()) {
			return NotFound()
		}
		return err
	})
	p.AccessCodeHash = ""
	return p, err
}
