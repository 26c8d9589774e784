package store

import (
	"strings"
)

var (
	bucketPrescriptions = []byte("prescriptions")
	bucketRxNumbers     = []byte("rx_numbers")
	bucketRxIndex       = []byte("rx_index")
)

// Layout: prescriptions holds the records by seq (8 bytes, so new records
// are appended to the last pages); rx_numbers maps a 照会番号 to its seq;
// rx_index holds, parts joined by indexKey's 0x00:
//
//	f oid seq        → ""                     the facility's, in issue order
//	m member seq     → ""                     the prescriber's and the preparer's
//	p patient seq    → rxPatientEntry (JSON)  the patient's, with what the
//	                                          duplicate check filters by, so
//	                                          it decodes only what counts
//
// IDs are RX + the seq in 10 digits: the seq is no secret, every read
// checks the facility.

func rxFacilityKey(oid string, seq uint64) []byte { return indexKey("f", oid, string(itob(seq))) }
func rxMemberKey(id string, seq uint64) []byte    { return indexKey("m", id, string(itob(seq))) }
func rxPatientKey(id string, seq uint64) []byte   { return indexKey("p", id, string(itob(seq))) }

// rxPatientEntry is the patient index's value: everything the duplicate
// check needs, so it never decodes a prescription. It is encoded as text
// fields joined by 0x1f, records by 0x1e (the header, then one record per
// line): the check reads 200 of them in well under a millisecond, where
// JSON took several.
type rxPatientEntry struct {
	Status       RxStatus
	Facility     string
	ValidUntil   string // YYYYMMDD
	IssuedOn     string // YYYYMMDD
	FacilityName string
	ID           string
	Lines        []rxEntryLine
}

type rxEntryLine struct{ Ingredient, Class, Name string }

const (
	rxUnit   = 0x1f
	rxRecord = 0x1e
)

func (e rxPatientEntry) encode() []byte {
	var b []byte
	field := func(s string, sep byte) { b = append(append(b, s...), sep) }
	field(string(e.Status), rxUnit)
	field(e.Facility, rxUnit)
	field(e.ValidUntil, rxUnit)
	field(e.IssuedOn, rxUnit)
	field(e.FacilityName, rxUnit)
	field(e.ID, rxRecord)
	for _, l := range e.Lines {
		field(l.Ingredient, rxUnit)
		field(l.Class, rxUnit)
		field(l.Name, rxRecord)
	}
	return b
}

// rxEntryHeader reads the header's fields without copying (valid only
// inside the transaction); ok is false for a malformed value.
func rxEntryHeader(v []byte) (f [6][]byte, rest []byte, ok bool) {
	for i := range 6 {
		sep := byte(rxUnit)
		if i == 5 {
			sep = rxRecord
		}
		j := indexByte(v, sep)
		if j < 0 {
			return f, nil, false
		}
		f[i], v = v[:j], v[j+1:]
	}
	return f, v, true
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func newRxPatientEntry(p Prescription) rxPatientEntry {
	e := rxPatientEntry{Status: p.Status, Facility: p.FacilityOID, ValidUntil: p.ValidUntil.Format("20060102"),
		IssuedOn: p.IssuedOn.Format("20060102"), FacilityName: p.FacilityName, ID: p.ID}
	for _, l := range p.Lines() {
		e.Lines = append(e.Lines, rxEntryLine{Ingredient: l.Ingredient, Class: l.ClassCode(), Name: l.DrugName})
	}
	return e
}

// RxActor is who acts in Web処方箋: a member and their client address.
// The store reads the member's facility and qualification itself.
type RxActor struct {
	MemberID string
	Remote   string
}

func (a RxActor) audit(action AuditAction, p *Prescription, detail string) AuditEvent {
	e := AuditEvent{Actor: a.MemberID, Action: action, Remote: a.Remote, Result: ResultOK, Detail: detail}
	if p != nil {
		e.Object, e.Patient = "prescription:"+p.ID, p.PatientID
	}
	return e
}

// rxWho is the acting member with their facility, and what they may do.
type rxWho struct {
	member   Member
	facility Facility
}

// CanIssue: a doctor or dentist of a clinic or hospital.
func (w rxWho) canIssue() bool {
	return w.member.Qualification == QualDoctor || w.member.Qualification == QualDentist
}

func (w rxWho) prs(remote string) PRSActor {
	return PRSActor{MemberID: w.member.ID, FacilityOID: w.facility.OID, Remote: remote}
}

var (
	errRxNoFacility = Errorf(EFORBIDDEN, "Web処方箋は医療機関（診療所・病院）に所属する会員だけが利用できます")
	errRxNotDoctor  = Errorf(EFORBIDDEN, "処方箋の発行は医師・歯科医師だけが行えます。下書きとして保存し、医師に発行を依頼してください")
)

// rxWhoTx finds the actor's member record and facility; members of a
// pharmacy or of no clinic or hospital are refused.
func rxWhoTx(tx *Tx, a RxActor) (rxWho, error) {
	m, err := memberTx(tx, a.MemberID)
	if err != nil || !m.Active() || m.IsOperator() || m.FacilityOID == "" {
		return rxWho{}, errRxNoFacility
	}
	f, err := facilityTx(tx, m.FacilityOID)
	if err != nil || !f.Active || (f.Kind != FacilityClinic && f.Kind != FacilityHospital) {
		return rxWho{}, errRxNoFacility
	}
	return rxWho{member: m, facility: f}, nil
}

// RxRole is what the actor may do in Web処方箋.
type RxRole struct {
	Facility Facility
	Member   Member
	// CanIssue: a doctor or dentist (others save drafts).
	CanIssue bool
}

// RxRoleOf says whether and how the member may use Web処方箋 (EFORBIDDEN
// for a member of a pharmacy or of no clinic or hospital).
func (db *DB) RxRoleOf(a RxActor) (RxRole, error) {
	var r RxRole
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		r = RxRole{Facility: w.facility, Member: w.member, CanIssue: w.canIssue()}
		return err
	})
	return r, err
}

// RxPatient is a patient as the composer shows it: for the registering
// facility with the insurance from PRS, for a linked one without it.
type RxPatient struct {
	Patient Patient
	Home    bool
}

// ComposerPatient reads the patient a prescription is composed for and
// audits the view (durable before it returns). A patient the actor's
// facility may not see is not found.
func (db *DB) ComposerPatient(a RxActor, patientID string) (RxPatient, error) {
	var out RxPatient
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, home, err := patientAccessTx(tx, w.prs(a.Remote), patientID)
		if err != nil {
			return err
		}
		if !home {
			p = p.redactedForLink()
		}
		p.AccessCodeHash = ""
		out = RxPatient{Patient: p, Home: home}
		return nil
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			_ = db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxCompose, Object: "patient:" + clip(patientID, 20), Remote: a.Remote, Result: ResultDenied})
		}
		return RxPatient{}, err
	}
	e := a.audit(AuditRxCompose, nil, "")
	e.Object, e.Patient = "patient:"+out.Patient.ID, out.Patient.ID
	return out, db.AuditGrouped(e)
}

// CheckRxForm validates a composer form without storing anything (the
// composer's re-render and the draft's checks); the EINVALID error holds
// the messages by posted name.
func (db *DB) CheckRxForm(f RxForm) error {
	m, _ := db.DrugMasterState()
	_, err := f.validate(db, m.Current.Version, JapanDate(db.Now()))
	return err
}

// IssuePrescription stores a new prescription (or issues the draft
// f.DraftID) with a fresh 照会番号, and audits it in the same commit.
// Errors: EFORBIDDEN for a member who may not issue, ENOTFOUND for a
// patient (or draft) the facility may not see, EINVALID with messages by
// posted name (nothing stored).
func (db *DB) IssuePrescription(a RxActor, f RxForm) (Prescription, error) {
	return db.saveRx(a, f, false)
}

// SaveRxDraft saves the form as a draft (下書き) any member of the
// facility may prepare and a doctor of it then issues; a draft has no
// 照会番号 and is not valid for dispensing.
func (db *DB) SaveRxDraft(a RxActor, f RxForm) (Prescription, error) {
	return db.saveRx(a, f, true)
}

func (db *DB) saveRx(a RxActor, f RxForm, draft bool) (Prescription, error) {
	// Who first: a member who may not issue gets 403, not the form's
	// messages.
	r, err := db.RxRoleOf(a)
	if err != nil {
		return Prescription{}, err
	}
	if !draft && !r.CanIssue {
		return Prescription{}, errRxNotDoctor
	}
	m, _ := db.DrugMasterState()
	v, verr := f.validate(db, m.Current.Version, JapanDate(db.Now()))
	if verr != nil {
		return Prescription{}, verr
	}
	var out Prescription
	err = db.Batch(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		if !draft && !w.canIssue() {
			return errRxNotDoctor
		}
		pid, err := NormalizePatientID(f.PatientID)
		if err != nil || pid == "" {
			return NotFound()
		}
		pt, _, err := patientAccessTx(tx, w.prs(a.Remote), pid)
		if err != nil {
			return err
		}
		var old *Prescription
		p := Prescription{CreatedAt: tx.Now, PreparedBy: w.member.ID, PreparedByName: w.member.Name}
		if f.DraftID != "" {
			d, err := facilityRxTx(tx, w.facility.OID, f.DraftID)
			if err != nil {
				return err
			}
			if d.Status != RxDraft {
				return Errorf(ECONFLICT, "この処方箋は発行済です。新しい処方箋を作成してください")
			}
			if d.PatientID != pt.ID {
				return Errorf(ECONFLICT, "下書きの患者様と違います。下書きを開き直してください")
			}
			old, p = &d, d
		} else {
			seq, err := tx.bucket(bucketPrescriptions).NextSequence()
			if err != nil {
				return err
			}
			p.Seq, p.ID = seq, rxID(seq)
		}
		p.UpdatedAt = tx.Now
		p.PatientID, p.PatientName, p.PatientKana, p.BirthDate, p.Sex = pt.ID, pt.Name, pt.NameKana, pt.BirthDate, pt.Sex
		fa := w.facility
		p.FacilityOID, p.FacilityName, p.FacilityKind, p.FacilityCode = fa.OID, fa.Name, fa.Kind, fa.Code
		p.FacilityPostal, p.FacilityAddr, p.FacilityPhone = fa.Postal, fa.Address, fa.Phone
		p.Insurance, p.Groups, p.Refill, p.Remarks, p.Leftover = v.insurance, v.groups, v.refill, v.remarks, v.leftover
		p.ValidUntil = v.validUntil
		action := AuditRxDraft
		if draft {
			p.Status = RxDraft
		} else {
			action = AuditRxIssue
			p.Status = RxIssued
			p.PrescriberID, p.PrescriberName, p.PrescriberQual, p.Department = w.member.ID, w.member.Name, w.member.Qualification, w.member.Department
			p.IssuedAt, p.IssuedOn = tx.Now, JapanDate(tx.Now)
			if p.Number, err = newRxNumberTx(tx); err != nil {
				return err
			}
		}
		if err := putPrescriptionTx(tx, old, p); err != nil {
			return err
		}
		out = p
		return AppendAudit(tx, a.audit(action, &p, p.Number))
	})
	if err != nil {
		return Prescription{}, err
	}
	return out, nil
}

// newRxNumberTx draws 照会番号 until one is unused (a clash is a
// one-in-10^15 event per stored prescription, but unique is unique).
func newRxNumberTx(tx *Tx) (string, error) {
	b := tx.bucket(bucketRxNumbers)
	for range 16 {
		n := NewRxNumber()
		if b.Get([]byte(n)) == nil {
			return n, nil
		}
	}
	return "", Errorf(EINTERNAL, "no free 照会番号")
}

// putPrescriptionTx writes p and moves its index entries from old (nil
// for a new prescription). Dispensings and cancellations call it too.
func putPrescriptionTx(tx *Tx, old *Prescription, p Prescription) error {
	if err := putJSON(tx.bucket(bucketPrescriptions), itob(p.Seq), p); err != nil {
		return err
	}
	idx := tx.bucket(bucketRxIndex)
	if p.Number != "" {
		if err := tx.bucket(bucketRxNumbers).Put([]byte(p.Number), itob(p.Seq)); err != nil {
			return err
		}
	}
	if old == nil {
		if err := idx.Put(rxFacilityKey(p.FacilityOID, p.Seq), nil); err != nil {
			return err
		}
	}
	if old != nil && old.PatientID != p.PatientID {
		if err := idx.Delete(rxPatientKey(old.PatientID, p.Seq)); err != nil {
			return err
		}
	}
	for _, m := range []string{p.PreparedBy, p.PrescriberID} {
		if m != "" {
			if err := idx.Put(rxMemberKey(m, p.Seq), nil); err != nil {
				return err
			}
		}
	}
	return idx.Put(rxPatientKey(p.PatientID, p.Seq), newRxPatientEntry(p).encode())
}

func prescriptionBySeqTx(tx *Tx, seq uint64) (Prescription, bool, error) {
	var p Prescription
	found, err := getJSON(tx.bucket(bucketPrescriptions), itob(seq), &p)
	return p, found, err
}

// prescriptionTx finds a prescription by ID (ENOTFOUND).
func prescriptionTx(tx *Tx, id string) (Prescription, error) {
	if !validRxID(id) {
		return Prescription{}, NotFound()
	}
	seq, err := parseUint(id[2:])
	if err != nil {
		return Prescription{}, NotFound()
	}
	p, found, err := prescriptionBySeqTx(tx, seq)
	if err == nil && !found {
		err = NotFound()
	}
	return p, err
}

// facilityRxTx finds a prescription of the facility (anything else is not
// found).
func facilityRxTx(tx *Tx, oid, id string) (Prescription, error) {
	p, err := prescriptionTx(tx, id)
	if err != nil {
		return p, err
	}
	if p.FacilityOID != oid {
		return Prescription{}, NotFound()
	}
	return p, nil
}

// prescriptionByNumberTx finds a prescription by its stored-form 照会番号.
func prescriptionByNumberTx(tx *Tx, number string) (Prescription, error) {
	if !ValidRxNumber(number) {
		return Prescription{}, NotFound()
	}
	v := tx.bucket(bucketRxNumbers).Get([]byte(number))
	if len(v) != 8 {
		return Prescription{}, NotFound()
	}
	p, found, err := prescriptionBySeqTx(tx, btoi(v))
	if err == nil && !found {
		err = NotFound()
	}
	return p, err
}

// Prescription reads a prescription of the actor's facility and audits the
// view (durable before it returns); another facility's is not found.
// Members who did not issue it see it too: a nurse checks what her doctor
// issued.
func (db *DB) Prescription(a RxActor, id string) (Prescription, error) {
	var p Prescription
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err = facilityRxTx(tx, w.facility.OID, id)
		return err
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			_ = db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRxView, Object: "prescription:" + clip(id, 20), Remote: a.Remote, Result: ResultDenied})
		}
		return Prescription{}, err
	}
	return p, db.AuditGrouped(a.audit(AuditRxView, &p, ""))
}

// PrescriptionToPrint reads a prescription of the actor's facility for
// the printed form (a draft has none: ECONFLICT). It audits nothing: the
// print is audited once the file is made (AuditRxPrint), so a HEAD
// writes nothing.
func (db *DB) PrescriptionToPrint(a RxActor, id string) (Prescription, error) {
	var p Prescription
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err = facilityRxTx(tx, w.facility.OID, id)
		if err == nil && p.Status == RxDraft {
			err = Errorf(ECONFLICT, "下書きは印刷できません。発行してから印刷してください")
		}
		return err
	})
	return p, err
}

// AuditRxPrint records the printing of p, durable before it returns.
func (db *DB) AuditRxPrint(a RxActor, p Prescription) error {
	detail := ""
	if p.Status == RxCancelled {
		detail = "取消"
	}
	return db.AuditGrouped(a.audit(AuditRxPrint, &p, detail))
}

// PrescriptionByNumber finds a prescription by its 照会番号 (as typed: any
// width, hyphens or not). It checks nobody's access and audits nothing:
// the pharmacy lookup does both, with the birth date. ENOTFOUND for an
// unknown or malformed number.
func (db *DB) PrescriptionByNumber(number string) (Prescription, error) {
	n, err := NormalizeRxNumber(number)
	if err != nil || n == "" {
		return Prescription{}, NotFound()
	}
	var p Prescription
	err = db.View(func(tx *Tx) error {
		var err error
		p, err = prescriptionByNumberTx(tx, n)
		return err
	})
	return p, err
}

// RxCancelSpec is the cancel form.
var RxCancelSpec = Fields{{Name: "reason", Label: "取消の理由", Max: 500, Required: true, Multiline: true}}

// CancelPrescription marks a prescription 取消 with the reason; it stays
// stored and printable (marked). A doctor or dentist of the issuing
// facility cancels; a draft may be discarded by any member of it.
// ECONFLICT when already cancelled or dispensed.
func (db *DB) CancelPrescription(a RxActor, id, reason string) (Prescription, error) {
	reason = normalizeNewlines(strings.TrimSpace(reason))
	fe := FieldErrors{}
	RxCancelSpec.Check(fe, "reason", reason)
	if reason == "" {
		fe.Add("reason", "取消の理由を入力してください")
	}
	var out Prescription
	err := db.Update(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		p, err := facilityRxTx(tx, w.facility.OID, id)
		if err != nil {
			return err
		}
		switch {
		case p.Status == RxCancelled:
			return Errorf(ECONFLICT, "この処方箋は既に取り消されています")
		case len(p.Dispensings) > 0:
			return Errorf(ECONFLICT, "調剤済の処方箋は取り消せません。薬局にご連絡ください")
		case p.Status != RxDraft && !w.canIssue():
			return Errorf(EFORBIDDEN, "処方箋の取消は医師・歯科医師だけが行えます")
		}
		if err := fe.Err(); err != nil {
			return err
		}
		old := p
		p.Status, p.CancelledAt, p.CancelledBy, p.CancelledName, p.CancelReason = RxCancelled, tx.Now, w.member.ID, w.member.Name, reason
		p.UpdatedAt = tx.Now
		if err := putPrescriptionTx(tx, &old, p); err != nil {
			return err
		}
		out = p
		return AppendAudit(tx, a.audit(AuditRxCancel, &p, clip(reason, 200)))
	})
	return out, err
}

// RxFilter narrows the list (GET /rx).
type RxFilter struct {
	Status    RxStatus // "" for all
	PatientID string   // "" for all
	// Mine: only what the member issued or prepared (doctors see the
	// facility's by default; other members always see only their own).
	Mine bool
	// Before is the seq to continue below (0: from the newest).
	Before uint64
	Limit  int
}

// RxPage is one page of the list, newest first.
type RxPage struct {
	Items []Prescription
	// Next is the Before of the next page (0 when there is none).
	Next uint64
}

// ListPrescriptions lists the facility's prescriptions for a doctor (or,
// with Mine, and always for other members, the member's own), newest
// first, filtered; the list view is audited, durably before it returns
// (in a commit shared with the lines written at the same time).
func (db *DB) ListPrescriptions(a RxActor, f RxFilter) (RxPage, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	var page RxPage
	now := db.Now()
	err := db.View(func(tx *Tx) error {
		w, err := rxWhoTx(tx, a)
		if err != nil {
			return err
		}
		var prefix []byte
		switch {
		case f.PatientID != "":
			pid, err := NormalizePatientID(f.PatientID)
			if err != nil || pid == "" {
				return nil
			}
			prefix = append(indexKey("p", pid), 0)
		case f.Mine || !w.canIssue():
			prefix = append(indexKey("m", w.member.ID), 0)
		default:
			prefix = append(indexKey("f", w.facility.OID), 0)
		}
		mine := f.Mine || !w.canIssue()
		c := tx.bucket(bucketRxIndex).Cursor()
		var k []byte
		if f.Before > 0 {
			k, _ = c.Seek(append(append([]byte{}, prefix...), itob(f.Before)...))
			k, _ = c.Prev()
		} else {
			k, _ = c.Seek(append(append([]byte{}, prefix...), 0xff))
			if k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for ; k != nil && hasPrefix(k, prefix); k, _ = c.Prev() {
			if len(k) != len(prefix)+8 {
				continue
			}
			seq := btoi(k[len(prefix):])
			p, found, err := prescriptionBySeqTx(tx, seq)
			if err != nil {
				return err
			}
			if !found || p.FacilityOID != w.facility.OID {
				continue
			}
			if mine && p.PrescriberID != w.member.ID && p.PreparedBy != w.member.ID {
				continue
			}
			if f.Status != "" && p.StatusOn(now) != f.Status {
				continue
			}
			if len(page.Items) == f.Limit {
				page.Next = page.Items[len(page.Items)-1].Seq
				break
			}
			page.Items = append(page.Items, p)
		}
		return nil
	})
	if err != nil {
		return RxPage{}, err
	}
	e := a.audit(AuditRxList, nil, string(f.Status))
	if f.PatientID != "" {
		e.Patient = clip(f.PatientID, 20)
	}
	return page, db.AuditGrouped(e)
}

func parseUint(s string) (uint64, error) {
	var n uint64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, Errorf(EINVALID, "not a number")
		}
		n = n*10 + uint64(s[i]-'0')
	}
	return n, nil
}
