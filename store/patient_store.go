package store

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hotline/store/jptext"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketPatients         = []byte("patients")
	bucketPatientIDs       = []byte("patient_ids")
	bucketPatientVersions  = []byte("patient_versions")
	bucketPatientIndex     = []byte("patient_index")
	bucketPatientLinks     = []byte("patient_links")
	bucketPatientLinksByFa = []byte("patient_links_by_facility")
)

// The patient_index bucket holds, per facility, the keys every PRS screen
// reads (parts joined by indexKey's 0x00; seq is the patient's 8-byte
// registration number):
//
//	oid k kanaKey id          → seq        カナ prefix search, 五十音順
//	oid b YYYYMMDD kanaKey id → seq        生年月日, 五十音順 within the day
//	oid c chart               → id seq     カルテ番号: unique in the facility, prefix search
//	oid o seq                 → list row   registration order (list pages, newest
//	                                       first); the row (patient_row.go) is all a
//	                                       list shows, and holds the name key that
//	                                       漢字 substring scans compare in place
//	oid #                     → count (8 bytes)
//
// patients holds the records by seq and patient_ids maps patient IDs to
// seq: IDs are random, so records keyed by them would land on a random
// page each, and a registration would rewrite a random page of the big
// records bucket (and of the history) besides the small ID map. Keyed by
// seq, new records and their first versions are appended to the last
// pages, which are kept full. patient_versions holds the history (seq,
// version); patient_links every link ever made (id, link seq) and
// patient_links_by_facility the live ones (oid, id) → link seq.

func pxKana(oid, kanaKey, id string) []byte { return indexKey(oid, "k", kanaKey, id) }
func pxChart(oid, chart string) []byte      { return indexKey(oid, "c", chart) }
func pxBirth(oid string, birth time.Time, kanaKey, id string) []byte {
	return indexKey(oid, "b", birth.Format("20060102"), kanaKey, id)
}
func pxOrder(oid string, seq uint64) []byte { return indexKey(oid, "o", string(itob(seq))) }
func pxCount(oid string) []byte             { return indexKey(oid, "#") }

// PRSActor is who acts in PRS: a member, the facility they unlocked in
// this session, and their client address (for the audit log).
type PRSActor struct {
	MemberID    string
	FacilityOID string
	Remote      string
}

func (a PRSActor) audit(action AuditAction, patientID, detail string) AuditEvent {
	e := AuditEvent{Actor: a.MemberID, Action: action, Remote: a.Remote, Detail: detail}
	if patientID != "" {
		e.Object, e.Patient = "patient:"+patientID, patientID
	}
	return e
}

func (a PRSActor) check() error {
	if a.MemberID == "" || a.FacilityOID == "" {
		return Errorf(EFORBIDDEN, "患者様登録ソフトの施設認証が必要です")
	}
	return nil
}

// Errors shared by the PRS functions.
var (
	errPatientHomeOnly = Errorf(EFORBIDDEN, "この操作は患者様を登録した施設だけが行えます（連携先の施設では閲覧のみできます）")
	errPatientInactive = Errorf(ECONFLICT, "この患者様は無効になっています。再度有効にしてから操作してください")
	// errEditVersion: an edit that does not say which version it was made
	// on (the edit form always does).
	errEditVersion = Errorf(EINVALID, "修正画面の版が確認できません。患者様のページから「修正」を開き直してください")
)

// DuplicatePatientError is the likely-duplicate warning: a patient with the
// same フリガナ and birth date is already registered in the facility. It is
// an EINVALID error (422) on the confirm_duplicate field; Candidates are the
// patients found.
type DuplicatePatientError struct {
	err        *Error
	Candidates []Patient
}

func (e *DuplicatePatientError) Error() string { return e.err.Error() }
func (e *DuplicatePatientError) Unwrap() error { return e.err }

// AsDuplicate returns the duplicate warning inside err, if that is what it is.
func AsDuplicate(err error) (*DuplicatePatientError, bool) {
	var d *DuplicatePatientError
	ok := errors.As(err, &d)
	return d, ok
}

func patientTx(tx *Tx, id string) (Patient, bool, error) {
	if !ValidPatientID(id) {
		return Patient{}, false, nil
	}
	seq := tx.bucket(bucketPatientIDs).Get([]byte(id))
	if len(seq) != 8 {
		return Patient{}, false, nil
	}
	return patientBySeqTx(tx, btoi(seq))
}

func patientBySeqTx(tx *Tx, seq uint64) (Patient, bool, error) {
	var p Patient
	found, err := getJSON(tx.bucket(bucketPatients), itob(seq), &p)
	return p, found, err
}

// patientAccessTx finds a patient the actor's facility may see: its own
// (home) or one linked to it. Anything else is not found, whether or not
// it exists.
func patientAccessTx(tx *Tx, a PRSActor, id string) (p Patient, home bool, err error) {
	p, found, err := patientTx(tx, id)
	if err != nil {
		return p, false, err
	}
	if !found {
		return Patient{}, false, NotFound()
	}
	if p.FacilityOID == a.FacilityOID {
		return p, true, nil
	}
	if tx.bucket(bucketPatientLinksByFa).Get(indexKey(a.FacilityOID, id)) != nil {
		return p, false, nil
	}
	return Patient{}, false, NotFound()
}

// homePatientTx is patientAccessTx for changes: linked facilities get 403.
func homePatientTx(tx *Tx, a PRSActor, id string) (Patient, error) {
	p, home, err := patientAccessTx(tx, a, id)
	if err != nil {
		return p, err
	}
	if !home {
		return p, errPatientHomeOnly
	}
	return p, nil
}

func putPatientTx(tx *Tx, p Patient) error {
	b := tx.bucket(bucketPatients)
	old := b.Get(itob(p.Seq))
	renamed := old != nil && patientJSONName(old) != p.Name
	if err := putJSON(b, itob(p.Seq), p); err != nil {
		return err
	}
	if renamed {
		// The /dms rows of the patient's records show the name.
		return reindexPatientRecordsTx(tx, p.ID)
	}
	return nil
}

// appendFill is the fill of buckets whose new keys come last (records and
// histories by seq): their pages are written full, not half.
const appendFill = 0.95

// updatePatientIndexTx moves a patient's index entries from old (nil for a
// new patient) to cur.
func updatePatientIndexTx(tx *Tx, old *Patient, cur Patient) error {
	idx := tx.bucket(bucketPatientIndex)
	oid := cur.FacilityOID
	kana, birth := jptext.KanaSearchKey(cur.NameKana), cur.BirthDate
	if old != nil {
		oldKana := jptext.KanaSearchKey(old.NameKana)
		if oldKana != kana {
			if err := idx.Delete(pxKana(oid, oldKana, cur.ID)); err != nil {
				return err
			}
		}
		if oldKana != kana || !old.BirthDate.Equal(birth) {
			if err := idx.Delete(pxBirth(oid, old.BirthDate, oldKana, cur.ID)); err != nil {
				return err
			}
		}
		if old.ChartNumber != "" && old.ChartNumber != cur.ChartNumber {
			if err := idx.Delete(pxChart(oid, old.ChartNumber)); err != nil {
				return err
			}
		}
	}
	seq := itob(cur.Seq)
	if err := idx.Put(pxKana(oid, kana, cur.ID), seq); err != nil {
		return err
	}
	if err := idx.Put(pxBirth(oid, birth, kana, cur.ID), seq); err != nil {
		return err
	}
	if cur.ChartNumber != "" {
		if err := idx.Put(pxChart(oid, cur.ChartNumber), append([]byte(cur.ID), seq...)); err != nil {
			return err
		}
	}
	return idx.Put(pxOrder(oid, cur.Seq), encodePatientRow(cur))
}

func putPatientVersionTx(tx *Tx, seq uint64, v PatientVersion) error {
	return putJSON(tx.bucket(bucketPatientVersions), append(itob(seq), itob(uint64(v.Version))...), v)
}

// checkChartTx reports a カルテ番号 already used by another patient.
func checkChartTx(tx *Tx, oid, chart, self string) error {
	if chart == "" {
		return nil
	}
	if v := tx.bucket(bucketPatientIndex).Get(pxChart(oid, chart)); len(v) >= PatientIDLength && string(v[:PatientIDLength]) != self {
		return Invalid("chart_number", "このカルテ番号は既に別の患者様（患者ID "+FormatPatientID(string(v[:PatientIDLength]))+"）に登録されています")
	}
	return nil
}

// likelyDuplicatesTx lists the facility's patients with the same kana key
// and birth date, except self.
func likelyDuplicatesTx(tx *Tx, oid, kanaKey string, birth time.Time, self string) ([]Patient, error) {
	prefix := append(indexKey(oid, "k", kanaKey), 0)
	var out []Patient
	c := tx.bucket(bucketPatientIndex).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if string(k[len(prefix):]) == self || len(v) != 8 {
			continue
		}
		p, found, err := patientBySeqTx(tx, btoi(v))
		if err != nil {
			return nil, err
		}
		if found && p.BirthDate.Equal(birth) {
			out = append(out, p)
		}
		if len(out) >= 10 {
			break
		}
	}
	return out, nil
}

// withDuplicatesTx adds the likely-duplicate warning to a form's field
// errors, so that everything to look at shows at once: when フリガナ and
// 生年月日 are valid (and, for an edit of current, changed) and another
// patient of the facility has them.
func withDuplicatesTx(tx *Tx, oid string, f PatientForm, current *Patient, verr error) error {
	fields := ErrorFields(verr)
	if f.ConfirmDuplicate || len(fields) == 0 || fields["name_kana"] != "" || fields["birth_date"] != "" {
		return verr
	}
	birth, err := time.Parse("2006-01-02", f.BirthDate)
	if err != nil {
		return verr
	}
	kana, self := jptext.KanaSearchKey(f.NameKana), ""
	if current != nil {
		if kana == jptext.KanaSearchKey(current.NameKana) && birth.Equal(current.BirthDate) {
			return verr
		}
		self = current.ID
	}
	cands, err := likelyDuplicatesTx(tx, oid, kana, birth, self)
	if err != nil || len(cands) == 0 {
		return cmp.Or(err, verr)
	}
	d := duplicateError(cands).(*DuplicatePatientError)
	for k, v := range fields {
		d.err.Fields[k] = v
	}
	d.err.Message = msgFieldsAndDuplicate
	return d
}

// msgFieldsAndDuplicate heads a form with field errors and a duplicate warning.
const msgFieldsAndDuplicate = "入力内容に誤りがあります。同じフリガナ・生年月日の患者様も既に登録されています"

func duplicateError(cands []Patient) error {
	return &DuplicatePatientError{
		err: &Error{Code: EINVALID, Message: "同じフリガナ・生年月日の患者様が既に登録されています",
			Fields: FieldErrors{"confirm_duplicate": "同じフリガナ・生年月日の患者様が既に登録されています。同一人物でないことを確認してから、「重複を確認しました」にチェックして登録してください"}},
		Candidates: cands,
	}
}

func memberNameTx(tx *Tx, id string) string {
	if m, err := memberTx(tx, id); err == nil {
		return m.Name
	}
	return ""
}

// createPatientTx stores a new patient from a validated form.
func createPatientTx(tx *Tx, a PRSActor, id string, f PatientForm, checkDuplicates bool) (Patient, error) {
	patients, ids := tx.bucket(bucketPatients), tx.bucket(bucketPatientIDs)
	for ids.Get([]byte(id)) != nil {
		id = NewPatientID() // 55 random bits: practically never
	}
	if err := checkChartTx(tx, a.FacilityOID, f.ChartNumber, id); err != nil {
		return Patient{}, err
	}
	p := Patient{ID: id, FacilityOID: a.FacilityOID, Status: PatientActive, Version: 1,
		CreatedAt: tx.Now, CreatedBy: a.MemberID, UpdatedAt: tx.Now, UpdatedBy: a.MemberID}
	f.apply(&p)
	if checkDuplicates {
		cands, err := likelyDuplicatesTx(tx, a.FacilityOID, jptext.KanaSearchKey(p.NameKana), p.BirthDate, id)
		if err != nil {
			return Patient{}, err
		}
		if len(cands) > 0 {
			return Patient{}, duplicateError(cands)
		}
	}
	seq, err := patients.NextSequence()
	if err != nil {
		return Patient{}, err
	}
	p.Seq = seq
	if err := ids.Put([]byte(id), itob(seq)); err != nil {
		return Patient{}, err
	}
	patients.FillPercent = appendFill
	if err := putPatientTx(tx, p); err != nil {
		return Patient{}, err
	}
	if err := updatePatientIndexTx(tx, nil, p); err != nil {
		return Patient{}, err
	}
	if err := addPatientCountTx(tx, a.FacilityOID, 1); err != nil {
		return Patient{}, err
	}
	v := PatientVersion{Version: 1, Time: tx.Now, Actor: a.MemberID, ActorName: memberNameTx(tx, a.MemberID), Action: "create"}
	tx.bucket(bucketPatientVersions).FillPercent = appendFill
	if err := putPatientVersionTx(tx, seq, v); err != nil {
		return Patient{}, err
	}
	return p, AppendAudit(tx, a.audit(AuditPatientCreate, id, ""))
}

func addPatientCountTx(tx *Tx, oid string, delta int64) error {
	idx := tx.bucket(bucketPatientIndex)
	var n uint64
	if v := idx.Get(pxCount(oid)); len(v) == 8 {
		n = binary.BigEndian.Uint64(v)
	}
	return idx.Put(pxCount(oid), itob(uint64(int64(n)+delta)))
}

// RegisterPatient validates and registers a patient of the actor's
// facility (新規登録). Without f.ConfirmDuplicate a likely duplicate gives
// a *DuplicatePatientError; a カルテ番号 in use is a field error.
func (db *DB) RegisterPatient(a PRSActor, f PatientForm) (Patient, error) {
	if err := a.check(); err != nil {
		return Patient{}, err
	}
	if err := f.validate(db.Now()); err != nil {
		if ErrorCode(err) == EINVALID && !f.ConfirmDuplicate {
			_ = db.View(func(tx *Tx) error {
				err = withDuplicatesTx(tx, a.FacilityOID, f, nil, err)
				return nil
			})
		}
		return Patient{}, err
	}
	// Committed with the registrations that arrive meanwhile, through
	// db.Batch (patient_register.go).
	return db.register(a, NewPatientID(), f)
}

// UpdatePatient saves an edit by the registering facility as a new
// version. baseVersion is the version the form was shown with: another
// one means someone else saved first (409), and none (below 1) is refused
// (422), since such an edit could overwrite a change its author never
// saw. Who may edit is checked before the form: another facility gets 404
// or 403 whatever it sends, and learns nothing from validation messages.
// A stale form is refused before its fields are checked: the form shown
// again with its messages carries the current version, so correcting a
// stale form's mistakes must not make it current.
func (db *DB) UpdatePatient(a PRSActor, id string, baseVersion int, f PatientForm) (Patient, error) {
	if err := a.check(); err != nil {
		return Patient{}, err
	}
	verr := f.validate(db.Now())
	var out Patient
	err := db.Batch(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if !p.Active() {
			return errPatientInactive
		}
		if baseVersion < 1 {
			return errEditVersion
		}
		if baseVersion != p.Version {
			return Errorf(ECONFLICT, "他の方が先にこの患者様の情報を修正しました（第%d版）。最新の内容を確認してから、もう一度修正してください", p.Version)
		}
		if verr != nil {
			return withDuplicatesTx(tx, p.FacilityOID, f, &p, verr)
		}
		cur := p
		f.apply(&cur)
		changes := diffPatients(p, cur)
		if len(changes) == 0 {
			out = p
			return nil
		}
		if err := checkChartTx(tx, p.FacilityOID, cur.ChartNumber, p.ID); err != nil {
			return err
		}
		kana := jptext.KanaSearchKey(cur.NameKana)
		if !f.ConfirmDuplicate && (kana != jptext.KanaSearchKey(p.NameKana) || !cur.BirthDate.Equal(p.BirthDate)) {
			cands, err := likelyDuplicatesTx(tx, p.FacilityOID, kana, cur.BirthDate, p.ID)
			if err != nil {
				return err
			}
			if len(cands) > 0 {
				return duplicateError(cands)
			}
		}
		cur.Version = p.Version + 1
		cur.UpdatedAt, cur.UpdatedBy = tx.Now, a.MemberID
		if err := putPatientTx(tx, cur); err != nil {
			return err
		}
		if err := updatePatientIndexTx(tx, &p, cur); err != nil {
			return err
		}
		v := PatientVersion{Version: cur.Version, Time: tx.Now, Actor: a.MemberID, ActorName: memberNameTx(tx, a.MemberID),
			Action: "update", Changes: changes}
		if err := putPatientVersionTx(tx, p.Seq, v); err != nil {
			return err
		}
		out = cur
		return AppendAudit(tx, a.audit(AuditPatientUpdate, p.ID, "fields:"+changedFieldNames(changes)))
	})
	if err != nil {
		return Patient{}, err
	}
	return out, nil
}

func changedFieldNames(changes []PatientChange) string {
	names := make([]string, len(changes))
	for i, c := range changes {
		names[i] = c.Field
	}
	return strings.Join(names, ",")
}

// SetPatientActive deactivates (active false) or reactivates a patient of
// the actor's facility, as a new version with the reason. Patients are
// never deleted.
func (db *DB) SetPatientActive(a PRSActor, id string, active bool, reason string) (Patient, error) {
	if err := a.check(); err != nil {
		return Patient{}, err
	}
	reason = strings.TrimSpace(normalizeNewlines(reason))
	fe := FieldErrors{}
	reasonSpec.Check(fe, "reason", reason)
	var out Patient
	err := db.Update(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if p.Active() == active {
			if active {
				return Errorf(ECONFLICT, "この患者様は既に有効です")
			}
			return Errorf(ECONFLICT, "この患者様は既に無効です")
		}
		cur := p
		action, audit, change := "reactivate", AuditPatientReactivate, PatientChange{Field: "status", Old: PatientInactive.Label(), New: PatientActive.Label()}
		cur.Status, cur.InactiveReason = PatientActive, ""
		if !active {
			action, audit, change = "deactivate", AuditPatientDeactivate, PatientChange{Field: "status", Old: PatientActive.Label(), New: PatientInactive.Label()}
			cur.Status, cur.InactiveReason = PatientInactive, reason
		}
		cur.Version = p.Version + 1
		cur.UpdatedAt, cur.UpdatedBy = tx.Now, a.MemberID
		if err := putPatientTx(tx, cur); err != nil {
			return err
		}
		if err := updatePatientIndexTx(tx, &p, cur); err != nil {
			return err
		}
		v := PatientVersion{Version: cur.Version, Time: tx.Now, Actor: a.MemberID, ActorName: memberNameTx(tx, a.MemberID),
			Action: action, Changes: []PatientChange{change}, Reason: reason}
		if err := putPatientVersionTx(tx, p.Seq, v); err != nil {
			return err
		}
		out = cur
		return AppendAudit(tx, a.audit(audit, p.ID, clipRunes(reason, 200)))
	})
	return out, err
}

// PatientRecord is a patient as the actor's facility may see it.
type PatientRecord struct {
	Patient Patient
	// Home: the actor's facility registered the patient (full record,
	// history, links, card). Otherwise the patient is linked to it and
	// Patient holds the identifying fields only.
	Home         bool
	HomeFacility string // 登録施設名
	// Links: for the home facility every link ever made (newest first);
	// for a linked facility only its own live link.
	Links []PatientLink
	// Versions, newest first (home facility only).
	Versions []PatientVersion
}

// ViewPatient reads a patient for the actor's facility and audits the
// view. A patient of another facility that is not linked is not found.
func (db *DB) ViewPatient(a PRSActor, id string) (PatientRecord, error) {
	if err := a.check(); err != nil {
		return PatientRecord{}, err
	}
	var rec PatientRecord
	err := db.View(func(tx *Tx) error {
		var err error
		rec, err = patientRecordTx(tx, a, id)
		return err
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			// Probing for other facilities' patients is worth knowing about.
			_ = db.Audit(AuditEvent{Actor: a.MemberID, Action: AuditPatientView, Object: "patient:" + clip(id, 20),
				Remote: a.Remote, Result: ResultDenied})
		}
		return PatientRecord{}, err
	}
	detail := "home"
	if !rec.Home {
		detail = "linked"
	}
	if err := db.Audit(a.audit(AuditPatientView, rec.Patient.ID, detail)); err != nil {
		return PatientRecord{}, err
	}
	return rec, nil
}

func patientRecordTx(tx *Tx, a PRSActor, id string) (PatientRecord, error) {
	p, home, err := patientAccessTx(tx, a, id)
	if err != nil {
		return PatientRecord{}, err
	}
	rec := PatientRecord{Patient: p, Home: home}
	if f, err := facilityTx(tx, p.FacilityOID); err == nil {
		rec.HomeFacility = f.Name
	}
	links, err := patientLinksTx(tx, p.ID)
	if err != nil {
		return rec, err
	}
	if home {
		rec.Links = links
		rec.Versions, err = patientVersionsTx(tx, p.Seq)
		if err != nil {
			return rec, err
		}
	} else {
		rec.Patient = p.redactedForLink()
		for _, l := range links {
			if l.FacilityOID == a.FacilityOID && l.Active() {
				rec.Links = append(rec.Links, l)
			}
		}
	}
	rec.Patient.AccessCodeHash = ""
	return rec, nil
}

func patientVersionsTx(tx *Tx, seq uint64) ([]PatientVersion, error) {
	prefix := itob(seq)
	var out []PatientVersion
	c := tx.bucket(bucketPatientVersions).Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		var pv PatientVersion
		if err := json.Unmarshal(v, &pv); err != nil {
			return nil, Errorf(EINTERNAL, "patient version %x: %v", k, err)
		}
		out = append(out, pv)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// PatientVersions is a patient's history, newest first (home facility).
func (db *DB) PatientVersions(a PRSActor, id string) ([]PatientVersion, error) {
	var out []PatientVersion
	err := db.View(func(tx *Tx) error {
		p, err := homePatientTx(tx, a, id)
		if err != nil {
			return err
		}
		out, err = patientVersionsTx(tx, p.Seq)
		return err
	})
	return out, err
}

// CountPatients is how many patients a facility has registered.
func (db *DB) CountPatients(oid string) (int, error) {
	n := 0
	err := db.View(func(tx *Tx) error {
		if v := tx.bucket(bucketPatientIndex).Get(pxCount(oid)); len(v) == 8 {
			n = int(binary.BigEndian.Uint64(v))
		}
		return nil
	})
	return n, err
}

// forEachPrefix walks the keys under prefix in order.
func forEachPrefix(b *bolt.Bucket, prefix []byte, fn func(k, v []byte) bool) {
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
		if !fn(k, v) {
			return
		}
	}
}
