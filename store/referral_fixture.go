package store

import (
	"fmt"
	"strings"
)

// SeedReferrals writes n sent letters from a's facility to the receiving
// facility about the patient, in transactions of a few thousand (for
// benchmarks, load tests and demo data: the letters are what SaveReferral
// stores, without its checks and audit lines). Every fifth is left 未読,
// the others 既読, and the unread count is kept.
func (db *DB) SeedReferrals(a ReferralActor, toOID, patientID string, n int) error {
	var me Member
	var from, to Facility
	var p Patient
	err := db.View(func(tx *Tx) error {
		var err error
		if me, err = memberTx(tx, a.MemberID); err != nil {
			return err
		}
		if from, err = facilityTx(tx, a.FacilityOID); err != nil {
			return err
		}
		if to, err = facilityTx(tx, toOID); err != nil {
			return err
		}
		var found bool
		p, found, err = patientTx(tx, patientID)
		if err == nil && !found {
			err = NotFound()
		}
		return err
	})
	if err != nil {
		return err
	}
	body := strings.Repeat("症状経過の記載。", 60)
	for done := 0; done < n; {
		batch := min(5000, n-done)
		err := db.Update(func(tx *Tx) error {
			for i := 0; i < batch; i++ {
				seq, err := tx.bucket(bucketReferrals).NextSequence()
				if err != nil {
					return err
				}
				r := Referral{ID: sequenceID("L", seq), Seq: seq, Status: ReferralDraft, CreatedAt: tx.Now, SentAt: tx.Now,
					From: partyOfMember(me, from), To: ReferralParty{FacilityOID: to.OID, FacilityName: to.Name, Address: to.Address},
					Patient:   ReferralPatient{ID: p.ID, Name: p.Name, NameKana: p.NameKana, Sex: p.Sex, BirthDate: p.BirthDate},
					Diagnosis: fmt.Sprintf("傷病名 %d", done+i), Purpose: "精査加療のお願い", Course: body}
				if err := setReferralStatus(tx, &r, ReferralUnread); err != nil {
					return err
				}
				if (done+i)%5 != 0 {
					r.ReadAt = tx.Now
					if err := setReferralStatus(tx, &r, ReferralRead); err != nil {
						return err
					}
				}
				if err := putReferralTx(tx, nil, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += batch
	}
	return nil
}
