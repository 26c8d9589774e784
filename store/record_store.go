package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

var (
	bucketRecords           = []byte("dms_records")
	bucketRecordVersions    = []byte("dms_record_versions")
	bucketRecordDisclosures = []byte("dms_record_disclosures")
	bucketRecordIndex       = []byte("dms_record_index")
)

// Layout (seq is the record's 8-byte number, R000001 is seq 1):
//
//	dms_records             seq → Record (header and current version)
//	dms_record_versions     seq + version (4) → RecordVersion
//	dms_record_disclosures  seq + n (4) → Disclosure
//	dms_record_index        oid o seq → list row     the /dms list of a facility:
//	                                                  its own records and those
//	                                                  standing disclosed to it
//	                        oid p patient seq → nil   the same, by patient
//	                        P patient seq → nil       every record of a patient
//
// Records are keyed by seq so new ones are appended at the right edge of
// each bucket (pages written full); the list is read backwards for newest
// first. A row starts with the kind's index, a withdrawn flag and the
// date as YYYYMMDD, so the kind and date filters compare bytes without
// decoding anything; the rest is recordRow in the binary row form
// (rowcodec.go).

func rxOrder(oid string, seq uint64) []byte { return indexKey(oid, "o", string(itob(seq))) }
func rxPatient(oid, patientID string, seq uint64) []byte {
	return indexKey(oid, "p", patientID, string(itob(seq)))
}
func rxAll(patientID string, seq uint64) []byte { return indexKey("P", patientID, string(itob(seq))) }

func versionKey(seq uint64, n int) []byte {
	k := make([]byte, 12)
	binary.BigEndian.PutUint64(k, seq)
	binary.BigEndian.PutUint32(k[8:], uint32(n))
	return k
}

// RecordPageSize is the /dms list's page size.
const RecordPageSize = 20

// recordRow is what one line of the /dms list shows.
type recordRow struct {
	ID           string     `json:"id"`
	PatientID    string     `json:"patient_id"`
	FacilityOID  string     `json:"facility_oid"`
	FacilityName string     `json:"facility_name"`
	Kind         RecordKind `json:"kind"`
	Title        string     `json:"title"`
	RecordedOn   time.Time  `json:"recorded_on"`
	UpdatedAt    time.Time  `json:"updated_at"`
	Version      int        `json:"version"`
	Attachments  int        `json:"attachments"`
	Withdrawn    bool       `json:"withdrawn,omitempty"`
	// PatientName is in rows written since rowV2 (empty in older ones).
	PatientName string `json:"-"`
}

const rowHeader = 10 // kind, withdrawn, YYYYMMDD

func encodeRow(tx *Tx, r Record) []byte {
	row := recordRow{ID: r.ID, PatientID: r.PatientID, FacilityOID: r.FacilityOID, FacilityName: r.FacilityName,
		Kind: r.Current.Kind, Title: r.Current.Title, RecordedOn: r.Current.RecordedOn, UpdatedAt: r.Current.At,
		Version: r.Current.Version, Attachments: len(r.Current.Attachments), Withdrawn: r.Withdrawn()}
	w := byte(0)
	if r.Withdrawn() {
		w = 1
	}
	out := make([]byte, 0, rowHeader+64+len(row.FacilityName)+len(row.Title))
	out = append(out, r.Current.Kind.index(), w)
	out = append(out, r.Current.RecordedOn.Format("20060102")...)
	rw := rowWriter{b: append(out, rowV2)}
	rw.str(row.ID)
	rw.str(row.PatientID)
	rw.str(row.FacilityOID)
	rw.str(row.FacilityName)
	rw.str(string(row.Kind))
	rw.str(row.Title)
	rw.time(row.RecordedOn)
	rw.time(row.UpdatedAt)
	rw.uint(uint64(row.Version))
	rw.uint(uint64(row.Attachments))
	rw.str(patientNameTx(tx, r.PatientID))
	return rw.b
}

// decodeRecordRow reads the part of a row after its header, binary or the
// JSON of files written before the binary form.
func decodeRecordRow(v []byte) (recordRow, error) {
	var row recordRow
	r, ok := binaryRow(v)
	if !ok {
		err := json.Unmarshal(v, &row)
		return row, err
	}
	row.ID = r.str()
	row.PatientID = r.str()
	row.FacilityOID = r.str()
	row.FacilityName = r.str()
	row.Kind = RecordKind(r.str())
	row.Title = r.str()
	row.RecordedOn = r.time()
	row.UpdatedAt = r.time()
	row.Version = int(r.uint())
	row.Attachments = int(r.uint())
	if rowVersion(v) == rowV2 {
		row.PatientName = r.str()
	}
	return row, r.done()
}

// parseRecordID gives the seq of an ID such as R000123 (0 when it is not
// one).
func parseRecordID(id string) uint64 {
	if len(id) < 7 || len(id) > 21 || id[0] != 'R' {
		return 0
	}
	n, err := strconv.ParseUint(id[1:], 10, 64)
	if err != nil || sequenceID("R", n) != id {
		return 0
	}
	return n
}

func recordTx(tx *Tx, id string) (Record, error) {
	seq := parseRecordID(id)
	if seq == 0 {
		return Record{}, NotFound()
	}
	var r Record
	found, err := getJSON(tx.bucket(bucketRecords), itob(seq), &r)
	if err != nil {
		return Record{}, err
	}
	if !found {
		return Record{}, NotFound()
	}
	return r, nil
}

func putRecordTx(tx *Tx, r Record) error {
	b := tx.bucket(bucketRecords)
	b.FillPercent = appendFill
	return putJSON(b, itob(r.Seq), r)
}

func putVersionTx(tx *Tx, seq uint64, v RecordVersion) error {
	b := tx.bucket(bucketRecordVersions)
	b.FillPercent = appendFill
	return putJSON(b, versionKey(seq, v.Version), v)
}

func recordVersionsTx(tx *Tx, seq uint64) ([]RecordVersion, error) {
	var out []RecordVersion
	var err error
	forEachPrefix(tx.bucket(bucketRecordVersions), itob(seq), func(k, v []byte) bool {
		var rv RecordVersion
		if err = json.Unmarshal(v, &rv); err != nil {
			err = Errorf(EINTERNAL, "record version %x: %v", k, err)
			return false
		}
		out = append(out, rv)
		return true
	})
	slices.Reverse(out)
	return out, err
}

func disclosuresTx(tx *Tx, seq uint64) ([]Disclosure, error) {
	var out []Disclosure
	var err error
	forEachPrefix(tx.bucket(bucketRecordDisclosures), itob(seq), func(k, v []byte) bool {
		var d Disclosure
		if err = json.Unmarshal(v, &d); err != nil {
			err = Errorf(EINTERNAL, "record disclosure %x: %v", k, err)
			return false
		}
		out = append(out, d)
		return true
	})
	return out, err
}

func putDisclosureTx(tx *Tx, seq uint64, d Disclosure) error {
	return putJSON(tx.bucket(bucketRecordDisclosures), versionKey(seq, d.N), d)
}

// disclosureRests reports whether a standing disclosure to a facility
// still rests on what allowed it: the PRS link it was made under (a new
// link after a revoked one does not bring it back), or the patient being
// registered at that facility.
func disclosureRests(tx *Tx, r Record, d Disclosure) bool {
	if !d.Standing() || d.To != DiscloseToFacility {
		return false
	}
	if d.LinkSeq == 0 {
		p, found, err := patientTx(tx, r.PatientID)
		return err == nil && found && p.FacilityOID == d.FacilityOID
	}
	v := tx.bucket(bucketPatientLinksByFa).Get(indexKey(d.FacilityOID, r.PatientID))
	return len(v) == 8 && btoi(v) == d.LinkSeq
}

// reindexRecordTx writes the record's list rows: under the writing
// facility always, under each facility with a standing disclosure unless
// the record is withdrawn; rows of facilities no longer entitled go.
func reindexRecordTx(tx *Tx, r Record, discs []Disclosure) error {
	idx := tx.bucket(bucketRecordIndex)
	row := encodeRow(tx, r)
	want := map[string]bool{r.FacilityOID: true}
	for _, d := range discs {
		if d.To != DiscloseToFacility || d.FacilityOID == r.FacilityOID {
			continue
		}
		want[d.FacilityOID] = want[d.FacilityOID] || (!r.Withdrawn() && disclosureRests(tx, r, d))
	}
	for oid, ok := range want {
		if ok {
			if err := idx.Put(rxOrder(oid, r.Seq), row); err != nil {
				return err
			}
			if err := idx.Put(rxPatient(oid, r.PatientID, r.Seq), nil); err != nil {
				return err
			}
			continue
		}
		if err := idx.Delete(rxOrder(oid, r.Seq)); err != nil {
			return err
		}
		if err := idx.Delete(rxPatient(oid, r.PatientID, r.Seq)); err != nil {
			return err
		}
	}
	return idx.Put(rxAll(r.PatientID, r.Seq), nil)
}

// errRecordWriterOnly: a facility the record was disclosed to may read it
// but not change it.
var errRecordWriterOnly = Errorf(EFORBIDDEN, "この操作は記録を作成した施設だけが行えます（公開先の施設では閲覧のみできます）")

var errRecordWithdrawn = Errorf(ECONFLICT, "この記録は取り下げられています")

// recordAccessTx finds a record the actor's facility may see: one it wrote
// (withdrawn or not) or one disclosed to it whose disclosure stands.
// Anything else is not found, whether or not it exists.
func recordAccessTx(tx *Tx, a PRSActor, id string) (r Record, own bool, err error) {
	r, err = recordTx(tx, id)
	if err != nil {
		return Record{}, false, err
	}
	if r.FacilityOID == a.FacilityOID {
		return r, true, nil
	}
	if r.Withdrawn() {
		return Record{}, false, NotFound()
	}
	discs, err := disclosuresTx(tx, r.Seq)
	if err != nil {
		return Record{}, false, err
	}
	for _, d := range discs {
		if d.FacilityOID == a.FacilityOID && disclosureRests(tx, r, d) {
			return r, false, nil
		}
	}
	return Record{}, false, NotFound()
}

// ownRecordTx is recordAccessTx for changes: a recipient gets 403.
func ownRecordTx(tx *Tx, a PRSActor, id string) (Record, error) {
	r, own, err := recordAccessTx(tx, a, id)
	if err != nil {
		return r, err
	}
	if !own {
		return r, errRecordWriterOnly
	}
	return r, nil
}

func (a PRSActor) recordAudit(action AuditAction, r Record, detail string) AuditEvent {
	d := "facility:" + a.FacilityOID
	if detail != "" {
		d += " " + detail
	}
	return AuditEvent{Actor: a.MemberID, Action: action, Remote: a.Remote, Object: recordObject(r.ID), Patient: r.PatientID, Detail: d}
}

// AuditFacilityOID is the facility an audit line about a record was
// written for (its detail starts with facility:<oid>); "" when none.
func AuditFacilityOID(e AuditEvent) string {
	rest, ok := strings.CutPrefix(e.Detail, "facility:")
	if !ok {
		return ""
	}
	oid, _, _ := strings.Cut(rest, " ")
	return oid
}

// checkUploads checks each file's content before any transaction, so every
// refused file is named beside the field at once.
func checkUploads(fe FieldErrors, files []Upload) {
	for _, u := range files {
		if _, err := CheckUpload(u); err != nil {
			name := CleanAttachmentName(u.Name, "")
			fe.Add("attachment", name+": "+ErrorMessage(err))
		}
	}
}

// putRecordFilesTx stores new files as attachments numbered from r's next
// number.
func putRecordFilesTx(tx *Tx, r *Record, files []Upload) ([]RecordAttachment, error) {
	var out []RecordAttachment
	for _, u := range files {
		att, err := tx.PutAttachment(recordOwner(r.ID), u)
		if err != nil {
			if ErrorCode(err) == EINVALID {
				return nil, Invalid("attachment", CleanAttachmentName(u.Name, "")+": "+ErrorMessage(err))
			}
			return nil, err
		}
		r.NextAttachment++
		out = append(out, RecordAttachment{N: r.NextAttachment, Attachment: att})
	}
	return out, nil
}

// CreateRecord writes a new record (version 1) for a patient of the
// actor's facility, its files included, in one transaction.
func (db *DB) CreateRecord(a PRSActor, f RecordForm) (Record, error) {
	if err := a.check(); err != nil {
		return Record{}, err
	}
	on, verr := f.validate()
	fe := ErrorFields(verr)
	if fe == nil {
		fe = FieldErrors{}
	}
	checkUploads(fe, f.Files)
	var out Record
	err := db.Update(func(tx *Tx) error {
		// Access first: a stranger learns nothing from validation messages.
		p, _, err := patientAccessTx(tx, a, f.PatientID)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if !p.Active() {
			return errPatientInactive
		}
		seq, err := tx.bucket(bucketRecords).NextSequence()
		if err != nil {
			return err
		}
		r := Record{ID: sequenceID("R", seq), Seq: seq, PatientID: p.ID, FacilityOID: a.FacilityOID,
			CreatedAt: tx.Now, CreatedBy: a.MemberID}
		if fa, err := facilityTx(tx, a.FacilityOID); err == nil {
			r.FacilityName = fa.Name
		}
		atts, err := putRecordFilesTx(tx, &r, f.Files)
		if err != nil {
			return err
		}
		r.Current = RecordVersion{Version: 1, Kind: RecordKind(f.Kind), Title: f.Title, Body: f.Body, RecordedOn: on,
			Attachments: atts, AuthorID: a.MemberID, AuthorName: memberNameTx(tx, a.MemberID), At: tx.Now}
		if err := putRecordTx(tx, r); err != nil {
			return err
		}
		if err := putVersionTx(tx, seq, r.Current); err != nil {
			return err
		}
		if err := reindexRecordTx(tx, r, nil); err != nil {
			return err
		}
		out = r
		return AppendAudit(tx, a.recordAudit(AuditRecordCreate, r, "kind:"+f.Kind+" files:"+strconv.Itoa(len(atts))))
	})
	return out, err
}

// errRecordVersionConflict: the revision was made on an older version than the
// current one (someone revised it meanwhile).
var errRecordVersionConflict = Errorf(ECONFLICT, "この記録は他の方が先に修正しました。記録を開き直して、最新の版に修正してください")

// ReviseRecord writes a new version of a record the actor's facility
// wrote. baseVersion is the version the form was opened on. The current
// version's files are carried over except those in f.Remove; f.Files are
// added. The old versions stay readable.
func (db *DB) ReviseRecord(a PRSActor, id string, baseVersion int, f RecordForm) (Record, error) {
	if err := a.check(); err != nil {
		return Record{}, err
	}
	on, verr := f.validate()
	fe := ErrorFields(verr)
	if fe == nil {
		fe = FieldErrors{}
	}
	checkUploads(fe, f.Files)
	var out Record
	err := db.Update(func(tx *Tx) error {
		r, err := ownRecordTx(tx, a, id)
		if err != nil {
			return err
		}
		if f.PatientID != "" && f.PatientID != r.PatientID {
			return NotFound() // a forged patient ID is nobody we know
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if r.Withdrawn() {
			return errRecordWithdrawn
		}
		if baseVersion != r.Current.Version {
			return errRecordVersionConflict
		}
		prev := r.Current
		var atts []RecordAttachment
		for _, at := range prev.Attachments {
			if !slices.Contains(f.Remove, at.N) {
				atts = append(atts, at)
			}
		}
		added, err := putRecordFilesTx(tx, &r, f.Files)
		if err != nil {
			return err
		}
		atts = append(atts, added...)
		if len(atts) > MaxRecordAttachments {
			return Invalid("attachment", "添付ファイルは1つの記録に"+strconv.Itoa(MaxRecordAttachments)+"件までです")
		}
		v := RecordVersion{Version: prev.Version + 1, Kind: RecordKind(f.Kind), Title: f.Title, Body: f.Body, RecordedOn: on,
			Attachments: atts, AuthorID: a.MemberID, AuthorName: memberNameTx(tx, a.MemberID), At: tx.Now}
		v.Changes = versionChanges(prev, v)
		if len(v.Changes) == 0 {
			return Invalid("body", "変更された項目がありません")
		}
		r.Current = v
		if err := putRecordTx(tx, r); err != nil {
			return err
		}
		if err := putVersionTx(tx, r.Seq, v); err != nil {
			return err
		}
		discs, err := disclosuresTx(tx, r.Seq)
		if err != nil {
			return err
		}
		if err := reindexRecordTx(tx, r, discs); err != nil {
			return err
		}
		out = r
		return AppendAudit(tx, a.recordAudit(AuditRecordRevise, r, "version:"+strconv.Itoa(v.Version)+" "+strings.Join(v.Changes, "・")))
	})
	return out, err
}

// versionChanges names the fields that differ between two versions.
func versionChanges(a, b RecordVersion) []string {
	var out []string
	if a.Kind != b.Kind {
		out = append(out, RecordFields.Label("kind"))
	}
	if a.Title != b.Title {
		out = append(out, RecordFields.Label("title"))
	}
	if a.Body != b.Body {
		out = append(out, RecordFields.Label("body"))
	}
	if !a.RecordedOn.Equal(b.RecordedOn) {
		out = append(out, RecordFields.Label("recorded_on"))
	}
	if !slices.EqualFunc(a.Attachments, b.Attachments, func(x, y RecordAttachment) bool { return x.N == y.N }) {
		out = append(out, "添付ファイル")
	}
	return out
}

// WithdrawRecord withdraws (取り下げ) a record the actor's facility wrote:
// from now on only that facility sees it, marked as withdrawn.
func (db *DB) WithdrawRecord(a PRSActor, id, reason string) (Record, error) {
	if err := a.check(); err != nil {
		return Record{}, err
	}
	reason = strings.TrimSpace(normalizeNewlines(reason))
	fe := FieldErrors{}
	WithdrawFields.Check(fe, "reason", reason)
	var out Record
	err := db.Update(func(tx *Tx) error {
		r, err := ownRecordTx(tx, a, id)
		if err != nil {
			return err
		}
		if err := fe.Err(); err != nil {
			return err
		}
		if r.Withdrawn() {
			return Errorf(ECONFLICT, "この記録は既に取り下げられています")
		}
		r.WithdrawnAt, r.WithdrawnBy, r.WithdrawReason = tx.Now, a.MemberID, reason
		if err := putRecordTx(tx, r); err != nil {
			return err
		}
		discs, err := disclosuresTx(tx, r.Seq)
		if err != nil {
			return err
		}
		if err := reindexRecordTx(tx, r, discs); err != nil {
			return err
		}
		out = r
		return AppendAudit(tx, a.recordAudit(AuditRecordWithdraw, r, clipRunes(reason, 200)))
	})
	return out, err
}

// RecordPage is a record as the actor's facility may see it.
type RecordPage struct {
	Record
	// Own: the actor's facility wrote it (it may revise, withdraw and
	// disclose; it sees every disclosure).
	Own bool
	// Patient holds the identifying fields (name, フリガナ, birth date, ID).
	Patient Patient
	// Versions, newest first (Versions[0] is Record.Current).
	Versions []RecordVersion
	// Disclosures: every one for the writing facility, newest last; none
	// for a recipient.
	Disclosures []Disclosure
	// Shown is the version the page shows (the current one unless asked).
	Shown RecordVersion
	// DiscloseTo are the facilities the record may be disclosed to: the
	// patient's linked facilities and the registering one, without the
	// writer (writing facility only).
	DiscloseTo []DiscloseOption
}

// DiscloseOption is a facility a record may be disclosed to.
type DiscloseOption struct {
	OID  string
	Name string
}

// StandingPatientDisclosure reports whether the record is disclosed to the
// patient now.
func (p RecordPage) StandingPatientDisclosure() bool {
	for _, d := range p.Disclosures {
		if d.To == DiscloseToPatient && d.Standing() {
			return true
		}
	}
	return false
}

// ViewRecord reads a record for the actor's facility and writes the audit
// line (durable before it returns). version 0 shows the current version,
// another number that old version.
func (db *DB) ViewRecord(a PRSActor, id string, version int) (RecordPage, error) {
	if err := a.check(); err != nil {
		return RecordPage{}, err
	}
	var page RecordPage
	err := db.View(func(tx *Tx) error {
		r, own, err := recordAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		page = RecordPage{Record: r, Own: own}
		if p, found, err := patientTx(tx, r.PatientID); err == nil && found {
			page.Patient = p.redactedForLink()
		}
		if page.Versions, err = recordVersionsTx(tx, r.Seq); err != nil {
			return err
		}
		page.Shown = r.Current
		if version != 0 {
			i := slices.IndexFunc(page.Versions, func(v RecordVersion) bool { return v.Version == version })
			if i < 0 {
				return NotFound()
			}
			page.Shown = page.Versions[i]
		}
		if !own {
			return nil
		}
		if page.Disclosures, err = disclosuresTx(tx, r.Seq); err != nil {
			return err
		}
		page.DiscloseTo, err = discloseOptionsTx(tx, r)
		return err
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			_ = db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRecordView, Object: recordObject(clip(id, 24)),
				Remote: a.Remote, Result: ResultDenied, Detail: "facility:" + a.FacilityOID})
		}
		return RecordPage{}, err
	}
	detail := "version:" + strconv.Itoa(page.Shown.Version)
	if !page.Own {
		detail += " disclosed"
	}
	if err := db.AuditGrouped(a.recordAudit(AuditRecordView, page.Record, detail)); err != nil {
		return RecordPage{}, err
	}
	return page, nil
}

func discloseOptionsTx(tx *Tx, r Record) ([]DiscloseOption, error) {
	p, found, err := patientTx(tx, r.PatientID)
	if err != nil || !found {
		return nil, err
	}
	var out []DiscloseOption
	if p.FacilityOID != r.FacilityOID {
		if f, err := facilityTx(tx, p.FacilityOID); err == nil {
			out = append(out, DiscloseOption{OID: f.OID, Name: f.Name})
		}
	}
	links, err := patientLinksTx(tx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		if l.Active() && l.FacilityOID != r.FacilityOID {
			name := l.FacilityName
			if f, err := facilityTx(tx, l.FacilityOID); err == nil {
				name = f.Name
			}
			out = append(out, DiscloseOption{OID: l.FacilityOID, Name: name})
		}
	}
	return out, nil
}

// OpenRecordAttachment opens file n of a record the actor's facility may
// see (any version's file) and writes the audit line first.
func (db *DB) OpenRecordAttachment(a PRSActor, id string, n int) (*AttachmentReader, Attachment, error) {
	if err := a.check(); err != nil {
		return nil, Attachment{}, err
	}
	var att RecordAttachment
	var rec Record
	err := db.View(func(tx *Tx) error {
		r, _, err := recordAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		rec = r
		if at, ok := r.Current.Attachment(n); ok {
			att = at
			return nil
		}
		vs, err := recordVersionsTx(tx, r.Seq)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if at, ok := v.Attachment(n); ok {
				att = at
				return nil
			}
		}
		return NotFound()
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			_ = db.AuditGrouped(AuditEvent{Actor: a.MemberID, Action: AuditRecordAttachment, Object: recordObject(clip(id, 24)),
				Remote: a.Remote, Result: ResultDenied, Detail: "facility:" + a.FacilityOID})
		}
		return nil, Attachment{}, err
	}
	return db.openRecordFile(a.recordAudit(AuditRecordAttachment, rec, "n:"+strconv.Itoa(n)+" "+att.Name), rec, att)
}

func (db *DB) openRecordFile(e AuditEvent, r Record, att RecordAttachment) (*AttachmentReader, Attachment, error) {
	if err := db.AuditGrouped(e); err != nil {
		return nil, Attachment{}, err
	}
	rd, err := db.OpenAttachment(recordOwner(r.ID), att.ID)
	if err != nil {
		return nil, Attachment{}, err
	}
	return rd, att.Attachment, nil
}

// RecordQuery filters the /dms list.
type RecordQuery struct {
	PatientID string
	Kind      string
	From, To  string // YYYY-MM-DD, on recorded_on, inclusive
	// Before is the ID of the last record of the previous page.
	Before string
	Limit  int
}

// RecordQueryFields are the list's filters.
var RecordQueryFields = Fields{
	{Name: "patient", Label: "患者ID", Max: 30},
	{Name: "kind", Label: "種類", Max: 20},
	{Name: "from", Label: "対象日（から）", Max: 10},
	{Name: "to", Label: "対象日（まで）", Max: 10},
}

// RecordListItem is one line of the /dms list.
type RecordListItem struct {
	ID           string
	PatientID    string
	PatientName  string
	FacilityName string
	Own          bool // written by the actor's facility
	Kind         RecordKind
	Title        string
	RecordedOn   time.Time
	UpdatedAt    time.Time
	Version      int
	Attachments  int
	Withdrawn    bool
}

// RecordedOnString is the date as YYYY-MM-DD.
func (i RecordListItem) RecordedOnString() string { return i.RecordedOn.Format("2006-01-02") }

// RecordListPage is one page of the list.
type RecordListPage struct {
	Items []RecordListItem
	// Next is the Before of the next page ("" when this is the last).
	Next string
}

func (q *RecordQuery) parse() (patient string, kind byte, from, to []byte, err error) {
	fe := FieldErrors{}
	if s := strings.TrimSpace(q.PatientID); s != "" {
		id, perr := NormalizePatientID(s)
		if perr != nil {
			fe.Add("patient", "患者IDの形が正しくありません（例: P-XXXX-XXXX-XXXX）")
		}
		patient = id
	}
	if q.Kind != "" {
		kind = RecordKind(q.Kind).index()
		if kind == 0 {
			fe.Add("kind", "種類を選び直してください")
		}
	}
	date := func(field, s string) []byte {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			fe.Add(field, RecordQueryFields.Label(field)+"は 2026-04-01 の形で入力してください")
			return nil
		}
		return []byte(d.Format("20060102"))
	}
	from, to = date("from", q.From), date("to", q.To)
	return patient, kind, from, to, fe.Err()
}

// ListRecords lists the actor's facility's records and those disclosed to
// it, newest first, a page at a time. A patient filter naming a patient
// the facility may not see answers ENOTFOUND.
func (db *DB) ListRecords(a PRSActor, q RecordQuery) (RecordListPage, error) {
	if err := a.check(); err != nil {
		return RecordListPage{}, err
	}
	patient, kind, from, to, err := q.parse()
	if err != nil {
		return RecordListPage{}, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 100 {
		limit = RecordPageSize
	}
	var page RecordListPage
	err = db.View(func(tx *Tx) error {
		page = RecordListPage{}
		idx := tx.bucket(bucketRecordIndex)
		prefix := indexKey(a.FacilityOID, "o")
		if patient != "" {
			prefix = indexKey(a.FacilityOID, "p", patient)
			if _, _, err := patientAccessTx(tx, a, patient); err != nil {
				if k, _ := idx.Cursor().Seek(prefix); k == nil || !hasPrefix(k, prefix) {
					return err
				}
			}
		}
		prefix = append(prefix, 0)
		start := prefixEnd(prefix)
		if s := parseRecordID(q.Before); s != 0 {
			start = append(append([]byte{}, prefix...), itob(s)...)
		}
		names := map[string]string{}
		c := idx.Cursor()
		k, v := seekBefore(c, start)
		for ; k != nil && hasPrefix(k, prefix); k, v = c.Prev() {
			if patient != "" {
				seq := k[len(prefix):]
				v = idx.Get(rxOrder(a.FacilityOID, btoi(seq)))
			}
			if len(v) < rowHeader {
				continue
			}
			if kind != 0 && v[0] != kind {
				continue
			}
			if from != nil && bytes.Compare(v[2:10], from) < 0 {
				continue
			}
			if to != nil && bytes.Compare(v[2:10], to) > 0 {
				continue
			}
			if len(page.Items) == limit {
				page.Next = page.Items[len(page.Items)-1].ID
				break
			}
			row, err := decodeRecordRow(v[rowHeader:])
			if err != nil {
				return Errorf(EINTERNAL, "record row %x: %v", k, err)
			}
			row.Withdrawn = v[1] == 1
			own := row.FacilityOID == a.FacilityOID
			if row.Withdrawn && !own {
				continue
			}
			name, ok := row.PatientName, row.PatientName != ""
			if !ok {
				name, ok = names[row.PatientID]
			}
			if !ok {
				name = patientNameTx(tx, row.PatientID)
				names[row.PatientID] = name
			}
			page.Items = append(page.Items, RecordListItem{ID: row.ID, PatientID: row.PatientID, PatientName: name,
				FacilityName: row.FacilityName, Own: own, Kind: row.Kind, Title: row.Title, RecordedOn: row.RecordedOn,
				UpdatedAt: row.UpdatedAt, Version: row.Version, Attachments: row.Attachments, Withdrawn: row.Withdrawn})
		}
		return nil
	})
	if err != nil {
		return RecordListPage{}, err
	}
	detail := "facility:" + a.FacilityOID + " shown:" + strconv.Itoa(len(page.Items))
	e := AuditEvent{Actor: a.MemberID, Action: AuditRecordList, Remote: a.Remote, Detail: detail}
	if patient != "" {
		e.Patient, e.Object = patient, "patient:"+patient
	}
	return page, db.AuditSoon(e)
}

// Check validates the form's text fields and the number of files without
// storing anything (a form whose files were refused still shows every
// other message at once).
func (f RecordForm) Check() error {
	_, err := f.validate()
	return err
}

// RecordPatient is the patient a new record is written for, if the actor's
// facility may write about them (its own or a linked patient); anything
// else is ENOTFOUND. Only what identifies the patient is returned.
func (db *DB) RecordPatient(a PRSActor, patientID string) (Patient, error) {
	if err := a.check(); err != nil {
		return Patient{}, err
	}
	if id, err := NormalizePatientID(patientID); err == nil {
		patientID = id
	}
	var p Patient
	err := db.View(func(tx *Tx) error {
		var err error
		p, _, err = patientAccessTx(tx, a, patientID)
		return err
	})
	if err != nil {
		return Patient{}, err
	}
	return p.redactedForLink(), nil
}

// HeadRecordAttachment is OpenRecordAttachment for a HEAD request: the
// same check, a reader that has read nothing, and no audit line (nothing
// of the file is shown).
func (db *DB) HeadRecordAttachment(a PRSActor, id string, n int) (*AttachmentReader, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	var att Attachment
	err := db.View(func(tx *Tx) error {
		r, _, err := recordAccessTx(tx, a, id)
		if err != nil {
			return err
		}
		vs, err := recordVersionsTx(tx, r.Seq)
		if err != nil {
			return err
		}
		for _, v := range vs {
			if at, ok := v.Attachment(n); ok {
				att = at.Attachment
				return nil
			}
		}
		return NotFound()
	})
	if err != nil {
		return nil, err
	}
	return db.OpenAttachment(att.Owner, att.ID)
}

// prefixEnd is a key after every key of prefix and a sequence.
func prefixEnd(prefix []byte) []byte {
	return append(append([]byte{}, prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
}

// seekBefore moves c to the last key before start (newest-first scans
// walk back from there); nil when there is none.
func seekBefore(c *bolt.Cursor, start []byte) ([]byte, []byte) {
	k, v := c.Seek(start)
	if k == nil {
		return c.Last()
	}
	if bytes.Compare(k, start) >= 0 {
		return c.Prev()
	}
	return k, v
}

// reindexPatientRecordsTx rewrites the /dms rows of every record of the
// patient, which hold the patient's name: PRS changed it.
func reindexPatientRecordsTx(tx *Tx, patientID string) error {
	return forEachPatientRecordTx(tx, patientID, func(r Record, discs []Disclosure) error {
		return reindexRecordTx(tx, r, discs)
	})
}

// forEachPatientRecordTx calls fn with each record of the patient (every
// facility's) and its disclosures. The sequences are read first, so fn may
// rewrite the index.
func forEachPatientRecordTx(tx *Tx, patientID string, fn func(Record, []Disclosure) error) error {
	prefix := append(indexKey("P", patientID), 0)
	var seqs []uint64
	forEachPrefix(tx.bucket(bucketRecordIndex), prefix, func(k, _ []byte) bool {
		seqs = append(seqs, btoi(k[len(prefix):]))
		return true
	})
	for _, seq := range seqs {
		var r Record
		if found, err := getJSON(tx.bucket(bucketRecords), itob(seq), &r); err != nil || !found {
			return Errorf(EINTERNAL, "record %d missing (%v)", seq, err)
		}
		discs, err := disclosuresTx(tx, seq)
		if err != nil {
			return err
		}
		if err := fn(r, discs); err != nil {
			return err
		}
	}
	return nil
}

// patientNameTx is a patient's current name (氏名), decoding nothing else
// of the record: a list shows 20 of them.
func patientNameTx(tx *Tx, id string) string {
	seq := tx.bucket(bucketPatientIDs).Get([]byte(id))
	if len(seq) != 8 {
		return ""
	}
	v := tx.bucket(bucketPatients).Get(seq)
	if v == nil {
		return ""
	}
	return patientJSONName(v)
}

// patientJSONName is the name in a patient's JSON. The name follows a few
// short fields (ID, OID, numbers, status), so the first "name" key is the
// patient's: decoding only that string, not the whole patient, was most of
// a /dms page's CPU.
func patientJSONName(v []byte) string {
	if i := bytes.Index(v, []byte(`,"name":"`)); i > 0 && i < 256 {
		start := i + len(`,"name":`)
		esc := false
		for j := start + 1; j < len(v); j++ {
			switch {
			case esc:
				esc = false
			case v[j] == '\\':
				esc = true
			case v[j] == '"':
				var name string
				if json.Unmarshal(v[start:j+1], &name) == nil {
					return name
				}
				j = len(v)
			}
		}
	}
	var p struct {
		Name string `json:"name"`
	}
	if json.Unmarshal(v, &p) != nil {
		return ""
	}
	return p.Name
}
