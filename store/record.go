package store

import (
	"strings"
	"time"
)

// Medical records (医療記録) of DMS: a facility writes a record about a
// patient of that facility (registered there or linked to it in PRS) and
// may disclose it to the patient (the patient page) or to a facility the
// patient is linked to by consent. Records are never edited in place nor
// deleted: a revision is a new version, a withdrawal (取り下げ) hides the
// record from everyone but the writing facility. The storage is in
// record_store.go, disclosures in record_disclosure.go, what the patient
// page reads in record_patient.go.

// RecordKind is the kind of a record (種類).
type RecordKind string

const (
	RecordSummary    RecordKind = "summary"    // サマリー
	RecordLab        RecordKind = "lab"        // 検査結果
	RecordImaging    RecordKind = "imaging"    // 画像
	RecordMedication RecordKind = "medication" // 処方
	RecordNote       RecordKind = "note"       // 記録
	RecordOther      RecordKind = "other"      // その他
)

// RecordKinds in the order forms and filters list them.
var RecordKinds = []RecordKind{RecordSummary, RecordLab, RecordImaging, RecordMedication, RecordNote, RecordOther}

// Label is the kind in Japanese.
func (k RecordKind) Label() string {
	switch k {
	case RecordSummary:
		return "サマリー"
	case RecordLab:
		return "検査結果"
	case RecordImaging:
		return "画像"
	case RecordMedication:
		return "処方"
	case RecordNote:
		return "記録"
	case RecordOther:
		return "その他"
	}
	return string(k)
}

// Valid reports whether k is a known kind.
func (k RecordKind) Valid() bool { return k.index() > 0 }

// index is the kind's 1-based position (0: unknown); list rows hold it.
func (k RecordKind) index() byte {
	for i, x := range RecordKinds {
		if x == k {
			return byte(i + 1)
		}
	}
	return 0
}

// RecordFields is the record form (作成 and 修正), files aside.
var RecordFields = Fields{
	{Name: "patient_id", Label: "患者ID", Required: true, Max: 20},
	{Name: "kind", Label: "種類", Required: true, Max: 20},
	{Name: "title", Label: "表題", Required: true, Max: 100},
	{Name: "body", Label: "本文", Max: 20000, Multiline: true},
	{Name: "recorded_on", Label: "対象日", Required: true, Max: 10},
}

// WithdrawFields is the withdrawal form (取り下げ).
var WithdrawFields = Fields{{Name: "reason", Label: "取り下げの理由", Required: true, Max: 500, Multiline: true}}

// RevokeFields is the form that ends a disclosure (公開の取り消し).
var RevokeFields = Fields{{Name: "reason", Label: "取り消しの理由", Max: 500, Multiline: true}}

// MaxRecordAttachments bounds the files one version holds.
const MaxRecordAttachments = 20

// RecordForm is a record as the form sent it.
type RecordForm struct {
	PatientID  string
	Kind       string
	Title      string
	Body       string
	RecordedOn string // YYYY-MM-DD
	// Files are new attachments (field attachment).
	Files []Upload
	// Remove lists attachment numbers of the current version not to carry
	// into the revision (field remove).
	Remove []int
}

// RecordFormFrom reads the text fields from values bound by RecordFields.
func RecordFormFrom(v map[string]string) RecordForm {
	return RecordForm{PatientID: v["patient_id"], Kind: v["kind"], Title: v["title"], Body: v["body"], RecordedOn: v["recorded_on"]}
}

// Values are the form's text fields by name (to show the form again).
func (f RecordForm) Values() map[string]string {
	return map[string]string{"patient_id": f.PatientID, "kind": f.Kind, "title": f.Title, "body": f.Body, "recorded_on": f.RecordedOn}
}

// validate normalises the form and checks its text fields.
func (f *RecordForm) validate() (time.Time, error) {
	if id, err := NormalizePatientID(f.PatientID); err == nil {
		f.PatientID = id
	}
	f.Title = strings.TrimSpace(f.Title)
	f.Body = strings.TrimRight(normalizeNewlines(f.Body), " \n\t")
	f.RecordedOn = strings.TrimSpace(f.RecordedOn)
	fe := FieldErrors{}
	for _, name := range []string{"title", "body"} {
		RecordFields.Check(fe, name, f.Values()[name])
	}
	if !RecordKind(f.Kind).Valid() {
		fe.Add("kind", "種類を選んでください")
	}
	var on time.Time
	if f.RecordedOn == "" {
		fe.Add("recorded_on", "対象日を入力してください")
	} else if d, err := time.Parse("2006-01-02", f.RecordedOn); err != nil || d.Year() < 1900 || d.Year() > 2200 {
		fe.Add("recorded_on", "対象日は 2026-04-01 の形（年-月-日）で入力してください")
	} else {
		on = d
	}
	if len(f.Files) > MaxAttachmentsPerRequest {
		fe.Add("attachment", "添付ファイルは一度に5件までです")
	}
	return on, fe.Err()
}

// RecordAttachment is one file of a record: N numbers it within the record
// (stable across versions, the n of /dms/records/{id}/attachments/{n}).
type RecordAttachment struct {
	N int `json:"n"`
	Attachment
}

// RecordVersion is one version (版) of a record: what it said, who wrote
// it and when, and which fields changed from the version before.
type RecordVersion struct {
	Version     int                `json:"version"`
	Kind        RecordKind         `json:"kind"`
	Title       string             `json:"title"`
	Body        string             `json:"body"`
	RecordedOn  time.Time          `json:"recorded_on"`
	Attachments []RecordAttachment `json:"attachments,omitempty"`
	AuthorID    string             `json:"author_id"`
	AuthorName  string             `json:"author_name"` // 氏名 at the time
	At          time.Time          `json:"at"`
	// Changes are the labels of the fields changed (empty for version 1).
	Changes []string `json:"changes,omitempty"`
}

// RecordedOnString is the date the record concerns as YYYY-MM-DD.
func (v RecordVersion) RecordedOnString() string { return v.RecordedOn.Format("2006-01-02") }

// Attachment is the version's file numbered n.
func (v RecordVersion) Attachment(n int) (RecordAttachment, bool) {
	for _, a := range v.Attachments {
		if a.N == n {
			return a, true
		}
	}
	return RecordAttachment{}, false
}

// Record is a record's header with its current version.
type Record struct {
	ID           string    `json:"id"` // e.g. R000001
	Seq          uint64    `json:"seq"`
	PatientID    string    `json:"patient_id"`
	FacilityOID  string    `json:"facility_oid"`  // the writing facility
	FacilityName string    `json:"facility_name"` // at the time of writing
	CreatedAt    time.Time `json:"created_at"`
	CreatedBy    string    `json:"created_by"`
	// NextAttachment is the next attachment number to give.
	NextAttachment int `json:"next_attachment"`

	WithdrawnAt    time.Time `json:"withdrawn_at,omitzero"`
	WithdrawnBy    string    `json:"withdrawn_by,omitempty"`
	WithdrawReason string    `json:"withdraw_reason,omitempty"`

	// Current is the newest version.
	Current RecordVersion `json:"current"`
}

// Withdrawn reports whether the record was withdrawn (取り下げ).
func (r Record) Withdrawn() bool { return !r.WithdrawnAt.IsZero() }

// recordOwner is the record's owner name in the attachment layer.
func recordOwner(id string) string { return "dms:" + id }

// recordObject is the audit Object of a record.
func recordObject(id string) string { return "record:" + id }

// DisclosureTarget is whom a record is disclosed to (公開先).
type DisclosureTarget string

const (
	DiscloseToPatient  DisclosureTarget = "patient"  // 患者様本人
	DiscloseToFacility DisclosureTarget = "facility" // 連携先の施設
)

// Disclosure is one disclosure of a record. It stands until revoked; a
// disclosure to a facility also ends when the PRS link it rests on is
// revoked (UnlinkPatient revokes it in the same transaction).
type Disclosure struct {
	N            int              `json:"n"`
	To           DisclosureTarget `json:"to"`
	FacilityOID  string           `json:"facility_oid,omitempty"`
	FacilityName string           `json:"facility_name,omitempty"`
	// LinkSeq is the PRS link the disclosure rests on (0 for the patient
	// and for the patient's registering facility).
	LinkSeq uint64 `json:"link_seq,omitempty"`
	// Referral is the letter (地域連携) whose sending made the disclosure
	// ("" when made on the record's page).
	Referral     string    `json:"referral,omitempty"`
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	ByName       string    `json:"by_name,omitempty"`
	RevokedAt    time.Time `json:"revoked_at,omitzero"`
	RevokedBy    string    `json:"revoked_by,omitempty"` // a member, or "link" when the PRS link ended
	RevokeReason string    `json:"revoke_reason,omitempty"`
}

// Standing reports whether the disclosure was not revoked.
func (d Disclosure) Standing() bool { return d.RevokedAt.IsZero() }

// TargetLabel is whom the record was disclosed to, in Japanese.
func (d Disclosure) TargetLabel() string {
	if d.To == DiscloseToPatient {
		return "患者様本人"
	}
	return d.FacilityName
}
