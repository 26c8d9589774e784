package store

import (
	"errors"
	"strconv"
	"strings"
)

// NotLinkedError is the refusal of a disclosure to a facility the patient
// is not linked to by consent (ECONFLICT, 409): the page explains it and
// links to the PRS link step of PatientID.
type NotLinkedError struct {
	err          *Error
	PatientID    string
	FacilityOID  string
	FacilityName string
}

func (e *NotLinkedError) Error() string { return e.err.Error() }
func (e *NotLinkedError) Unwrap() error { return e.err }

// AsNotLinked returns the refusal inside err, if that is what it is.
func AsNotLinked(err error) (*NotLinkedError, bool) {
	var n *NotLinkedError
	ok := errors.As(err, &n)
	return n, ok
}

// DiscloseRecord discloses a record the actor's facility wrote to the
// patient (to = patient) or to a facility (to = facility, facilityOID):
// only one the patient is registered at or linked to by consent in PRS.
func (db *DB) DiscloseRecord(a PRSActor, id string, to DisclosureTarget, facilityOID string) (Disclosure, error) {
	if err := a.check(); err != nil {
		return Disclosure{}, err
	}
	var out Disclosure
	err := db.Update(func(tx *Tx) error {
		r, err := ownRecordTx(tx, a, id)
		if err != nil {
			return err
		}
		switch to {
		case DiscloseToPatient:
			out, err = discloseToPatientTx(tx, a, r)
			return err
		case DiscloseToFacility:
			d, existing, err := discloseToFacilityTx(tx, a, r, facilityOID, "")
			if err != nil {
				return err
			}
			if existing {
				return Errorf(ECONFLICT, "この記録は既に%sへ公開しています", d.FacilityName)
			}
			out = d
			return nil
		}
		return Invalid("to", "公開先を選んでください")
	})
	return out, err
}

// discloseToPatientTx discloses r, written by a's facility, to the
// patient.
func discloseToPatientTx(tx *Tx, a PRSActor, r Record) (Disclosure, error) {
	if r.Withdrawn() {
		return Disclosure{}, Errorf(ECONFLICT, "取り下げた記録は公開できません")
	}
	discs, err := disclosuresTx(tx, r.Seq)
	if err != nil {
		return Disclosure{}, err
	}
	for _, x := range discs {
		if x.To == DiscloseToPatient && x.Standing() {
			return Disclosure{}, Errorf(ECONFLICT, "この記録は既に患者様本人へ公開しています")
		}
	}
	d := Disclosure{N: len(discs) + 1, To: DiscloseToPatient, At: tx.Now, By: a.MemberID, ByName: memberNameTx(tx, a.MemberID)}
	return d, addDisclosureTx(tx, a, r, discs, d)
}

// discloseToFacilityTx discloses r, written by a's facility, to the
// facility oid: one the patient is registered at or linked to by consent
// (else a NotLinkedError). referral names the letter that made the
// disclosure ("" from the record's page). When a standing disclosure to
// that facility already rests, it is returned with existing set and
// nothing is written.
func discloseToFacilityTx(tx *Tx, a PRSActor, r Record, facilityOID, referral string) (d Disclosure, existing bool, err error) {
	if r.Withdrawn() {
		return Disclosure{}, false, Errorf(ECONFLICT, "取り下げた記録は公開できません")
	}
	oid, ok := NormalizeFacilityOID(facilityOID)
	if !ok {
		return Disclosure{}, false, Invalid("facility_oid", "公開先の施設を選んでください")
	}
	if oid == r.FacilityOID {
		return Disclosure{}, false, Invalid("facility_oid", "自施設には公開できません（自施設の記録は常に閲覧できます）")
	}
	f, err := facilityTx(tx, oid)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !f.Active) {
		return Disclosure{}, false, Invalid("facility_oid", "この施設ID（OID）の施設は登録されていません（または利用停止中です）")
	}
	if err != nil {
		return Disclosure{}, false, err
	}
	discs, err := disclosuresTx(tx, r.Seq)
	if err != nil {
		return Disclosure{}, false, err
	}
	d = Disclosure{N: len(discs) + 1, To: DiscloseToFacility, FacilityOID: f.OID, FacilityName: f.Name, Referral: referral,
		At: tx.Now, By: a.MemberID, ByName: memberNameTx(tx, a.MemberID)}
	p, found, err := patientTx(tx, r.PatientID)
	if err != nil || !found {
		return Disclosure{}, false, Errorf(EINTERNAL, "record %s: patient %s missing (%v)", r.ID, r.PatientID, err)
	}
	if p.FacilityOID != oid {
		v := tx.bucket(bucketPatientLinksByFa).Get(indexKey(oid, p.ID))
		if len(v) != 8 {
			return Disclosure{}, false, &NotLinkedError{
				err:       Errorf(ECONFLICT, "%sとは、この患者様の同意による連携がありません。患者様登録ソフトで施設連携（同意の記録）をしてから公開してください", f.Name),
				PatientID: p.ID, FacilityOID: oid, FacilityName: f.Name}
		}
		d.LinkSeq = btoi(v)
	}
	for _, x := range discs {
		if x.To == DiscloseToFacility && x.FacilityOID == oid && disclosureRests(tx, r, x) {
			return x, true, nil
		}
	}
	return d, false, addDisclosureTx(tx, a, r, discs, d)
}

// addDisclosureTx stores the new disclosure d after discs, brings the
// list rows in step and audits it.
func addDisclosureTx(tx *Tx, a PRSActor, r Record, discs []Disclosure, d Disclosure) error {
	if err := putDisclosureTx(tx, r.Seq, d); err != nil {
		return err
	}
	if err := reindexRecordTx(tx, r, append(discs, d)); err != nil {
		return err
	}
	return AppendAudit(tx, a.recordAudit(AuditRecordDisclose, r, disclosureDetail(d)))
}

func disclosureDetail(d Disclosure) string {
	s := "disclosure:" + strconv.Itoa(d.N) + " to:" + string(d.To)
	if d.FacilityOID != "" {
		s += " to_facility:" + d.FacilityOID
	}
	if d.Referral != "" {
		s += " referral:" + d.Referral
	}
	return s
}

// RevokeDisclosure ends disclosure n of a record the actor's facility
// wrote: from now on the recipient no longer sees it. What it saw before
// stays in the audit log.
func (db *DB) RevokeDisclosure(a PRSActor, id string, n int, reason string) (Disclosure, error) {
	if err := a.check(); err != nil {
		return Disclosure{}, err
	}
	reason = strings.TrimSpace(normalizeNewlines(reason))
	fe := FieldErrors{}
	RevokeFields.Check(fe, "reason", reason)
	var out Disclosure
	err := db.Update(func(tx *Tx) error {
		r, err := ownRecordTx(tx, a, id)
		if err != nil {
			return err
		}
		discs, err := disclosuresTx(tx, r.Seq)
		if err != nil {
			return err
		}
		if n < 1 || n > len(discs) {
			return NotFound()
		}
		if err := fe.Err(); err != nil {
			return err
		}
		d := discs[n-1]
		if !d.Standing() {
			return Errorf(ECONFLICT, "この公開は既に取り消されています")
		}
		d.RevokedAt, d.RevokedBy, d.RevokeReason = tx.Now, a.MemberID, reason
		discs[n-1] = d
		if err := putDisclosureTx(tx, r.Seq, d); err != nil {
			return err
		}
		if err := reindexRecordTx(tx, r, discs); err != nil {
			return err
		}
		out = d
		return AppendAudit(tx, a.recordAudit(AuditRecordRevoke, r, disclosureDetail(d)+" "+clipRunes(reason, 200)))
	})
	return out, err
}

// revokeLinkDisclosuresTx ends, inside UnlinkPatient's transaction, every
// standing disclosure of the patient's records to the unlinked facility:
// they rested on the consent that was withdrawn.
func revokeLinkDisclosuresTx(tx *Tx, a PRSActor, patientID, oid string) error {
	return forEachPatientRecordTx(tx, patientID, func(r Record, discs []Disclosure) error {
		seq := r.Seq
		changed := false
		for i, d := range discs {
			if d.To != DiscloseToFacility || d.FacilityOID != oid || !d.Standing() || d.LinkSeq == 0 {
				continue
			}
			d.RevokedAt, d.RevokedBy, d.RevokeReason = tx.Now, "link", "施設連携の解除"
			discs[i] = d
			if err := putDisclosureTx(tx, seq, d); err != nil {
				return err
			}
			if err := AppendAudit(tx, a.recordAudit(AuditRecordRevoke, r, disclosureDetail(d)+" link")); err != nil {
				return err
			}
			changed = true
		}
		if changed {
			if err := reindexRecordTx(tx, r, discs); err != nil {
				return err
			}
		}
		return nil
	})
}
