package store

import (
	"strconv"
	"time"
)

// What the patient page (/patient/…) reads: the records disclosed to the
// patient, each with its current version. A record answers ENOTFOUND
// unless it is disclosed to this patient now and not withdrawn.

// PatientRecordItem is one record on the patient's page.
type PatientRecordItem struct {
	ID           string
	FacilityName string // the writing facility
	Kind         RecordKind
	KindLabel    string
	Title        string
	RecordedOn   time.Time
	UpdatedAt    time.Time
	DisclosedAt  time.Time
	Attachments  int
}

// RecordedOnString is the date as YYYY-MM-DD.
func (i PatientRecordItem) RecordedOnString() string { return i.RecordedOn.Format("2006-01-02") }

// PatientRecordView is one record as the patient reads it.
type PatientRecordView struct {
	ID           string
	FacilityName string
	Kind         RecordKind
	KindLabel    string
	Title        string
	Body         string
	RecordedOn   time.Time
	Version      int
	UpdatedAt    time.Time
	AuthorName   string
	Attachments  []RecordAttachment
}

// RecordedOnString is the date as YYYY-MM-DD.
func (v PatientRecordView) RecordedOnString() string { return v.RecordedOn.Format("2006-01-02") }

// patientDisclosureTx returns the standing disclosure of r to its patient.
func patientDisclosureTx(tx *Tx, r Record) (Disclosure, bool, error) {
	if r.Withdrawn() {
		return Disclosure{}, false, nil
	}
	discs, err := disclosuresTx(tx, r.Seq)
	if err != nil {
		return Disclosure{}, false, err
	}
	for _, d := range discs {
		if d.To == DiscloseToPatient && d.Standing() {
			return d, true, nil
		}
	}
	return Disclosure{}, false, nil
}

// PatientRecords lists the records disclosed to the patient now, newest
// first.
func (db *DB) PatientRecords(patientID string) ([]PatientRecordItem, error) {
	var out []PatientRecordItem
	err := db.View(func(tx *Tx) error {
		out = nil
		if !ValidPatientID(patientID) {
			return nil
		}
		prefix := append(indexKey("P", patientID), 0)
		c := tx.bucket(bucketRecordIndex).Cursor()
		var seqs []uint64
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			seqs = append(seqs, btoi(k[len(prefix):]))
		}
		for i := len(seqs) - 1; i >= 0; i-- {
			var r Record
			if found, err := getJSON(tx.bucket(bucketRecords), itob(seqs[i]), &r); err != nil || !found {
				return Errorf(EINTERNAL, "record %d missing (%v)", seqs[i], err)
			}
			d, ok, err := patientDisclosureTx(tx, r)
			if err != nil {
				return err
			}
			if !ok || r.PatientID != patientID {
				continue
			}
			out = append(out, PatientRecordItem{ID: r.ID, FacilityName: r.FacilityName, Kind: r.Current.Kind,
				KindLabel: r.Current.Kind.Label(), Title: r.Current.Title, RecordedOn: r.Current.RecordedOn,
				UpdatedAt: r.Current.At, DisclosedAt: d.At, Attachments: len(r.Current.Attachments)})
		}
		return nil
	})
	return out, err
}

func disclosedRecordTx(tx *Tx, patientID, recordID string) (Record, error) {
	r, err := recordTx(tx, recordID)
	if err != nil {
		return Record{}, err
	}
	if r.PatientID != patientID {
		return Record{}, NotFound()
	}
	_, ok, err := patientDisclosureTx(tx, r)
	if err != nil {
		return Record{}, err
	}
	if !ok {
		return Record{}, NotFound()
	}
	return r, nil
}

func patientAudit(action AuditAction, patientID, recordID, remote, detail string) AuditEvent {
	return AuditEvent{Actor: "patient:" + patientID, Action: action, Object: recordObject(recordID),
		Patient: patientID, Remote: remote, Detail: detail}
}

// PatientRecord reads a record disclosed to the patient (its current
// version) and writes the audit line, durable before it returns.
func (db *DB) PatientRecord(patientID, recordID string, remote string) (PatientRecordView, error) {
	var r Record
	err := db.View(func(tx *Tx) error {
		var err error
		r, err = disclosedRecordTx(tx, patientID, recordID)
		return err
	})
	if err != nil {
		if ErrorCode(err) == ENOTFOUND && ValidPatientID(patientID) {
			e := patientAudit(AuditRecordView, patientID, clip(recordID, 24), remote, "patient")
			e.Result = ResultDenied
			_ = db.AuditGrouped(e)
		}
		return PatientRecordView{}, err
	}
	if err := db.AuditGrouped(patientAudit(AuditRecordView, patientID, r.ID, remote, "patient version:"+strconv.Itoa(r.Current.Version))); err != nil {
		return PatientRecordView{}, err
	}
	v := r.Current
	return PatientRecordView{ID: r.ID, FacilityName: r.FacilityName, Kind: v.Kind, KindLabel: v.Kind.Label(),
		Title: v.Title, Body: v.Body, RecordedOn: v.RecordedOn, Version: v.Version, UpdatedAt: v.At,
		AuthorName: v.AuthorName, Attachments: v.Attachments}, nil
}

// OpenPatientRecordAttachment opens file n of the current version of a
// record disclosed to the patient, after writing the audit line.
func (db *DB) OpenPatientRecordAttachment(patientID, recordID string, n int, remote string) (*AttachmentReader, Attachment, error) {
	r, att, err := db.patientRecordAttachment(patientID, recordID, n)
	if err != nil {
		return nil, Attachment{}, err
	}
	e := patientAudit(AuditRecordAttachment, patientID, r.ID, remote, "patient n:"+strconv.Itoa(n)+" "+att.Name)
	return db.openRecordFile(e, r, att)
}

// HeadPatientRecordAttachment is OpenPatientRecordAttachment for a HEAD:
// the same check, no audit line (nothing is read out).
func (db *DB) HeadPatientRecordAttachment(patientID, recordID string, n int) (*AttachmentReader, error) {
	_, att, err := db.patientRecordAttachment(patientID, recordID, n)
	if err != nil {
		return nil, err
	}
	return db.OpenAttachment(att.Owner, att.ID)
}

// patientRecordAttachment is file n of the current version of a record
// disclosed to the patient.
func (db *DB) patientRecordAttachment(patientID, recordID string, n int) (Record, RecordAttachment, error) {
	var r Record
	var att RecordAttachment
	err := db.View(func(tx *Tx) error {
		var err error
		if r, err = disclosedRecordTx(tx, patientID, recordID); err != nil {
			return err
		}
		var ok bool
		if att, ok = r.Current.Attachment(n); !ok {
			return NotFound()
		}
		return nil
	})
	return r, att, err
}
