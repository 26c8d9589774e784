package store

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"hotline/store/jptext"
)

// DMS records attached to a letter by reference (添付した医療記録). A letter
// names records its sender's facility wrote about the letter's patient;
// sending it discloses each of them to the receiving facility through the
// DMS disclosure (discloseToFacilityTx), so the receiver opens them in DMS
// under DMS's own access check, for as long as the disclosure stands.

// MaxReferralRecords bounds the records one letter refers to.
const MaxReferralRecords = 20

// ReferralRecordChoiceLimit is how many of the patient's records the
// compose form offers (the newest).
const ReferralRecordChoiceLimit = 50

// ReferralRecordRef is a record as the letter referred to it: the version
// current when the letter was saved (at sending: when it was sent), with
// what the letter showed of it.
type ReferralRecordRef struct {
	ID         string     `json:"id"`
	Version    int        `json:"version"`
	Title      string     `json:"title"`
	Kind       RecordKind `json:"kind"`
	RecordedOn time.Time  `json:"recorded_on"`
}

// RecordedOnString is the record's date as YYYY-MM-DD.
func (r ReferralRecordRef) RecordedOnString() string { return r.RecordedOn.Format("2006-01-02") }

// refOf is the record as a letter refers to it: its current version.
func refOf(r Record) ReferralRecordRef {
	return ReferralRecordRef{ID: r.ID, Version: r.Current.Version, Title: r.Current.Title, Kind: r.Current.Kind, RecordedOn: r.Current.RecordedOn}
}

// RecordIDs are the IDs of the letter's records.
func (r Referral) RecordIDs() []string {
	var out []string
	for _, x := range r.Records {
		out = append(out, x.ID)
	}
	return out
}

// NormalizeRecordID folds a typed or posted record ID (r000012,
// Ｒ０００…); "" when it is not one.
func NormalizeRecordID(s string) string {
	if len(s) > 40 || jptext.InvalidText(s) {
		return ""
	}
	id := strings.ToUpper(strings.TrimSpace(jptext.NormalizeWidth(s)))
	if parseRecordID(id) == 0 {
		return ""
	}
	return id
}

// normalizeRecordIDs folds the posted record IDs (r000012, Ｒ０００…):
// blanks dropped, duplicates folded; a value that is no record ID, or more
// than MaxReferralRecords of them, is a message on the field record.
func normalizeRecordIDs(fe FieldErrors, posted []string) []string {
	var out []string
	for _, s := range posted {
		if strings.TrimSpace(s) == "" {
			continue
		}
		id := NormalizeRecordID(s)
		if id == "" {
			fe.Add("record", "添付する医療記録の番号が正しくありません（例：R000012）")
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
		if len(out) > MaxReferralRecords {
			fe.Add("record", "添付できる医療記録は"+strconv.Itoa(MaxReferralRecords)+"件までです")
			return out[:MaxReferralRecords]
		}
	}
	return out
}

// referralRecordsTx resolves the letter's records: each must be one a's
// facility wrote about the patient and not withdrawn, else a message on
// the field record (a record of another facility is not found, like in
// DMS). carried are the records of the corrected letter: they join the
// chosen ones, except those withdrawn since.
func referralRecordsTx(tx *Tx, a ReferralActor, patientID string, chosen, carried []string, fe FieldErrors) []ReferralRecordRef {
	pa := PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID}
	var out []ReferralRecordRef
	add := func(id string, strict bool) {
		if slices.ContainsFunc(out, func(x ReferralRecordRef) bool { return x.ID == id }) {
			return
		}
		r, own, err := recordAccessTx(tx, pa, id)
		switch {
		case !strict && (err != nil || !own || r.Withdrawn() || r.PatientID != patientID):
			return
		case err != nil || !own:
			fe.Add("record", "医療記録 "+id+" は見つかりません（自施設が作成した、この患者様の記録だけを添付できます）")
		case r.Withdrawn():
			fe.Add("record", "医療記録 "+id+" は取り下げられているため添付できません")
		case r.PatientID != patientID:
			fe.Add("record", "医療記録 "+id+" は別の患者様の記録です。この紹介状の患者様の記録を選んでください")
		default:
			out = append(out, refOf(r))
		}
	}
	for _, id := range carried {
		add(id, false)
	}
	for _, id := range chosen {
		add(id, true)
	}
	if len(out) > MaxReferralRecords {
		fe.Add("record", "添付できる医療記録は"+strconv.Itoa(MaxReferralRecords)+"件までです")
	}
	return out
}

// discloseReferralRecordsTx discloses the records of r, being sent, to
// its receiving facility (a disclosure that already stands is kept).
func discloseReferralRecordsTx(tx *Tx, a ReferralActor, r Referral) error {
	pa := PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID, Remote: a.Remote}
	for _, ref := range r.Records {
		rec, err := ownRecordTx(tx, pa, ref.ID)
		if err != nil {
			return err
		}
		if _, _, err := discloseToFacilityTx(tx, pa, rec, r.To.FacilityOID, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// recordsOpenTx says which of the letter's records a may open in DMS now
// (DMS's own check: its facility wrote it, or a disclosure to it stands).
func recordsOpenTx(tx *Tx, a ReferralActor, r Referral) (map[string]bool, error) {
	out := map[string]bool{}
	pa := PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID}
	for _, ref := range r.Records {
		_, _, err := recordAccessTx(tx, pa, ref.ID)
		if err != nil && ErrorCode(err) != ENOTFOUND {
			return nil, err
		}
		out[ref.ID] = err == nil
	}
	return out, nil
}

// ReferralRecordsOpen is recordsOpenTx for a letter already read.
func (db *DB) ReferralRecordsOpen(a ReferralActor, r Referral) (map[string]bool, error) {
	var out map[string]bool
	err := db.View(func(tx *Tx) error {
		var err error
		out, err = recordsOpenTx(tx, a, r)
		return err
	})
	return out, err
}

// RecordChoices are the records the actor's facility may attach to a
// letter about the patient.
type RecordChoices struct {
	Items []ReferralRecordRef
	// More: the patient has more records than the form lists.
	More bool
	// Withdrawn are the chosen records (a draft's) withdrawn since they
	// were chosen: they can no longer go with the letter, and the form
	// says so rather than dropping them unseen.
	Withdrawn []ReferralRecordRef
}

// ReferralRecordChoices lists the records of the actor's facility about
// the patient, not withdrawn, the newest ReferralRecordChoiceLimit first,
// then any of chosen (already on the letter) that are older. A patient
// the facility may not see is not found. The listing is audited like the
// DMS list.
func (db *DB) ReferralRecordChoices(a ReferralActor, patientID string, chosen []string) (RecordChoices, error) {
	if err := a.check(); err != nil {
		return RecordChoices{}, err
	}
	pa := PRSActor{MemberID: a.MemberID, FacilityOID: a.FacilityOID, Remote: a.Remote}
	var out RecordChoices
	err := db.View(func(tx *Tx) error {
		p, _, err := patientAccessTx(tx, pa, patientID)
		if err != nil {
			return err
		}
		patientID = p.ID
		out = RecordChoices{}
		idx := tx.bucket(bucketRecordIndex)
		prefix := append(indexKey(a.FacilityOID, "p", p.ID), 0)
		c := idx.Cursor()
		k, _ := seekBefore(c, prefixEnd(prefix))
		for ; k != nil && hasPrefix(k, prefix); k, _ = c.Prev() {
			v := idx.Get(rxOrder(a.FacilityOID, btoi(k[len(prefix):])))
			if len(v) < rowHeader || v[1] == 1 {
				continue // withdrawn
			}
			row, err := decodeRecordRow(v[rowHeader:])
			if err != nil {
				return Errorf(EINTERNAL, "record row %x: %v", k, err)
			}
			if row.FacilityOID != a.FacilityOID {
				continue // disclosed to us, not ours to pass on
			}
			if len(out.Items) == ReferralRecordChoiceLimit {
				out.More = true
				break
			}
			out.Items = append(out.Items, ReferralRecordRef{ID: row.ID, Title: row.Title, Kind: row.Kind, RecordedOn: row.RecordedOn, Version: row.Version})
		}
		for _, id := range chosen {
			if slices.ContainsFunc(out.Items, func(c ReferralRecordRef) bool { return c.ID == id }) {
				continue
			}
			r, own, err := recordAccessTx(tx, pa, id)
			if err != nil || !own || r.PatientID != p.ID {
				continue
			}
			if r.Withdrawn() {
				out.Withdrawn = append(out.Withdrawn, refOf(r))
				continue
			}
			out.Items = append(out.Items, refOf(r))
		}
		return nil
	})
	if err != nil || len(out.Items) == 0 {
		return out, err
	}
	return out, db.AuditSoon(AuditEvent{Actor: a.MemberID, Action: AuditRecordList, Remote: a.Remote, Patient: patientID,
		Object: "patient:" + patientID, Detail: "facility:" + a.FacilityOID + " shown:" + strconv.Itoa(len(out.Items)) + " referral"})
}
