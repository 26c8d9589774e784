package store

import (
	"fmt"
	"time"
)

// CreateTestRecords writes n records of the actor's facility about the
// given patients (round robin), batch records per transaction, without
// attachments or audit lines: the data set of the DMS benchmarks (a
// facility with 100,000 records). The records are what CreateRecord
// would store.
func (db *DB) CreateTestRecords(a PRSActor, patients []string, n, batch int) error {
	if len(patients) == 0 || batch <= 0 {
		return Errorf(EINVALID, "no patients")
	}
	day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for done := 0; done < n; {
		err := db.Update(func(tx *Tx) error {
			name := memberNameTx(tx, a.MemberID)
			fname := ""
			if f, err := facilityTx(tx, a.FacilityOID); err == nil {
				fname = f.Name
			}
			for i := 0; i < batch && done < n; i++ {
				seq, err := tx.bucket(bucketRecords).NextSequence()
				if err != nil {
					return err
				}
				kind := RecordKinds[done%len(RecordKinds)]
				r := Record{ID: sequenceID("R", seq), Seq: seq, PatientID: patients[done%len(patients)], FacilityOID: a.FacilityOID,
					FacilityName: fname, CreatedAt: tx.Now, CreatedBy: a.MemberID}
				r.Current = RecordVersion{Version: 1, Kind: kind, Title: fmt.Sprintf("%s %d", kind.Label(), done+1),
					Body: "所見：特記事項なし\n経過観察", RecordedOn: day.AddDate(0, 0, done%2000), AuthorID: a.MemberID, AuthorName: name, At: tx.Now}
				if err := putRecordTx(tx, r); err != nil {
					return err
				}
				if err := putVersionTx(tx, seq, r.Current); err != nil {
					return err
				}
				if err := reindexRecordTx(tx, r, nil); err != nil {
					return err
				}
				done++
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
