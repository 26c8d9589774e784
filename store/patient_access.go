package store

import (
	"strings"
	"time"
)

// 閲覧履歴 (the patient page's /patient/access): every time anyone opened
// one of the patient's records or attachments, from the audit log's index
// by patient (audit_by_patient), newest first. Refused attempts (a record
// not disclosed, a wrong ID) opened nothing and are left out; so are the
// other lines about the patient (PRS, the patient's own logins).

// PatientAccessEntry is one view of a record or attachment.
type PatientAccessEntry struct {
	Seq  uint64
	At   time.Time
	Self bool // the patient, on the patient page
	// FacilityName and MemberName say who, for a member's view: the
	// facility the line names (the member's at the time), else the
	// member's current one.
	FacilityName string
	MemberName   string
	RecordID     string
	Attachment   bool
}

// PatientAccessPage is one page of 閲覧履歴.
type PatientAccessPage struct {
	Entries []PatientAccessEntry
	// Next is passed as before for the next (older) page; 0 on the last.
	Next uint64
}

// isRecordView reports whether an audit line is a view of a record or of
// one of its attachments that was answered.
func isRecordView(e AuditEvent) bool {
	return (e.Action == AuditRecordView || e.Action == AuditRecordAttachment) &&
		e.Result == ResultOK && strings.HasPrefix(e.Object, "record:")
}

// PatientAccessLog is a page of the patient's 閲覧履歴 from before (0: the
// newest), limit lines.
func (db *DB) PatientAccessLog(patientID string, before uint64, limit int) (PatientAccessPage, error) {
	var out PatientAccessPage
	if !ValidPatientID(patientID) {
		return out, nil
	}
	err := db.View(func(tx *Tx) error {
		page, err := listAuditTx(tx, AuditFilter{Patient: patientID, Before: before, Limit: limit, Match: isRecordView})
		if err != nil {
			return err
		}
		out = PatientAccessPage{Next: page.Next}
		members := map[string]Member{}
		facilities := map[string]string{}
		facilityName := func(oid string) string {
			if n, ok := facilities[oid]; ok {
				return n
			}
			n := ""
			if f, err := facilityTx(tx, oid); err == nil {
				n = f.Name
			}
			facilities[oid] = n
			return n
		}
		for _, e := range page.Events {
			en := PatientAccessEntry{Seq: e.Seq, At: e.Time, RecordID: strings.TrimPrefix(e.Object, "record:"),
				Attachment: e.Action == AuditRecordAttachment}
			if e.Actor == "patient:"+patientID {
				en.Self = true
			} else {
				m, ok := members[e.Actor]
				if !ok {
					m, _ = memberTx(tx, e.Actor)
					members[e.Actor] = m
				}
				en.MemberName = m.Name
				oid := AuditFacilityOID(e)
				if oid == "" {
					oid = m.FacilityOID
				}
				if oid != "" {
					en.FacilityName = facilityName(oid)
				}
			}
			out.Entries = append(out.Entries, en)
		}
		return nil
	})
	return out, err
}
