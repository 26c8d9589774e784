package store

import "bytes"

// ReferralBox is which list of letters: the facility's inbox, what it
// sent, or the member's drafts.
type ReferralBox string

const (
	BoxInbox  ReferralBox = "in"
	BoxSent   ReferralBox = "sent"
	BoxDrafts ReferralBox = "drafts"
)

// ReferralQuery selects a page of a list, newest first.
type ReferralQuery struct {
	Box ReferralBox
	// Status and PatientID filter (empty: all); drafts ignore them.
	Status    ReferralStatus
	PatientID string
	// Before is the sequence the page starts below (0: the newest).
	Before uint64
	Limit  int
}

// ReferralPage is one page of a list; Next is the Before of the next page
// (0: this is the last).
type ReferralPage struct {
	Rows []ReferralRow
	Next uint64
}

// DefaultReferralPage is how many letters a page lists.
const DefaultReferralPage = 20

// Referrals lists a page of the actor's letters.
func (db *DB) Referrals(a ReferralActor, q ReferralQuery) (ReferralPage, error) {
	if err := a.check(); err != nil {
		return ReferralPage{}, err
	}
	if q.Limit <= 0 || q.Limit > 100 {
		q.Limit = DefaultReferralPage
	}
	var page ReferralPage
	err := db.View(func(tx *Tx) error {
		var err error
		page, err = referralPageTx(tx, a, q)
		return err
	})
	return page, err
}

func referralPageTx(tx *Tx, a ReferralActor, q ReferralQuery) (ReferralPage, error) {
	ix := tx.bucket(bucketReferralIndex)
	box, owner := "i", a.FacilityOID
	switch q.Box {
	case BoxSent:
		box = "o"
	case BoxDrafts:
		box, owner = "d", a.MemberID
		q.Status, q.PatientID = "", ""
	}
	rowsPrefix := rxPrefix(box, owner)
	scanPrefix, status := rowsPrefix, ReferralStatus("")
	switch {
	case q.PatientID != "":
		scanPrefix, status = rxPrefix(box+"p", owner, q.PatientID), q.Status
	case q.Status != "":
		scanPrefix = rxPrefix(box+"s", owner, string(q.Status))
	}
	var page ReferralPage
	c := ix.Cursor()
	upper := append(bytes.Clone(scanPrefix), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	if q.Before > 0 {
		upper = append(bytes.Clone(scanPrefix), itob(q.Before)...)
	}
	k, v := c.Seek(upper)
	if k == nil {
		k, v = c.Last()
	} else {
		k, v = c.Prev()
	}
	for ; k != nil && bytes.HasPrefix(k, scanPrefix) && len(k) == len(scanPrefix)+8; k, v = c.Prev() {
		seq := btoi(k[len(scanPrefix):])
		if !bytes.Equal(scanPrefix, rowsPrefix) {
			v = ix.Get(append(bytes.Clone(rowsPrefix), k[len(scanPrefix):]...))
		}
		row, err := decodeReferralRow(v)
		if err != nil {
			return page, Errorf(EINTERNAL, "referral row %d: %v", seq, err)
		}
		if status != "" && row.Status != status {
			continue
		}
		if len(page.Rows) == q.Limit {
			page.Next = page.Rows[len(page.Rows)-1].Seq
			break
		}
		page.Rows = append(page.Rows, row)
	}
	return page, nil
}
