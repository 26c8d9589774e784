package store

import (
	"fmt"
	"testing"
	"time"
)

func TestStreamAuditMatchesEachAudit(t *testing.T) {
	db, _ := mustOpen(t)
	// More than one chunk of matches and more than one scan window.
	err := db.Update(func(tx *Tx) error {
		for i := 0; i < 2*streamAuditScan+7; i++ {
			e := AuditEvent{Actor: "H000001", Action: "test.other"}
			if i%7 == 0 {
				e.Action = "test.match"
				e.Patient = fmt.Sprint("p", i)
			}
			if err := AppendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []AuditFilter{{}, {Action: "test.match"}, {Action: "none"}} {
		var want, got []uint64
		db.EachAudit(f, func(e AuditEvent) error { want = append(want, e.Seq); return nil })
		err := db.StreamAudit(f, func(e AuditEvent) error {
			got = append(got, e.Seq)
			if len(got) == 1 {
				// Events appended during the export are not part of it.
				return db.Audit(AuditEvent{Actor: "admin", Action: "test.during"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("filter %+v: streamed %d events, EachAudit %d", f, len(got), len(want))
		}
	}
}

func TestAuditQueryFilter(t *testing.T) {
	q := AuditQuery{Actor: " h000001 ", From: "2026-04-01", To: "令和8年4月1日"}
	f, err := q.Filter()
	if err != nil {
		t.Fatal(err)
	}
	if f.Actor != "H000001" || !f.From.Equal(time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)) || !f.To.Equal(time.Date(2026, 4, 1, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("filter: %+v", f)
	}
	if f, _ := (&AuditQuery{Actor: "Patient:AbC"}).Filter(); f.Actor != "patient:AbC" {
		t.Fatalf("patient actor: %q", f.Actor)
	}
	for _, q := range []AuditQuery{{From: "2026-02-30"}, {From: "2026-04-02", To: "2026-04-01"}, {Actor: "a\x00"}, {Action: string(make([]byte, 101))}} {
		if _, err := q.Filter(); ErrorCode(err) != EINVALID {
			t.Errorf("%+v: %v", q, err)
		}
	}
	if d := (AuditQuery{Actor: "H000001", To: "2026-04-01"}).Describe(); d != "actor=H000001 to=2026-04-01" {
		t.Errorf("describe: %q", d)
	}
}

func TestVerifyAuditFrom(t *testing.T) {
	db, _ := mustOpen(t)
	for i := 0; i < 5; i++ {
		db.Audit(AuditEvent{Actor: "H000001", Action: "test.before"})
	}
	v, mark, err := db.VerifyAuditFrom(AuditMark{})
	if err != nil || !v.OK || mark.Seq != 5 || mark.Entries != 5 {
		t.Fatalf("full: %+v %+v %v", v, mark, err)
	}
	for i := 0; i < 3; i++ {
		db.Audit(AuditEvent{Actor: "H000001", Action: "test.after"})
	}
	v, next, _ := db.VerifyAuditFrom(mark)
	if !v.OK || v.Entries != 8 || next.Seq != 8 {
		t.Fatalf("appended part: %+v %+v", v, next)
	}
	if v, again, _ := db.VerifyAuditFrom(next); !v.OK || again != next {
		t.Fatalf("nothing new: %+v %+v", v, again)
	}
	edit := func(seq uint64) {
		mustUpdate(t, db, func(tx *Tx) error {
			var e AuditEvent
			getJSON(tx.bucket(bucketAudit), itob(seq), &e)
			e.Detail = "edited"
			return putJSON(tx.bucket(bucketAudit), itob(seq), e)
		})
	}
	// An older event edited: only a full walk sees it.
	edit(2)
	if v, _, _ := db.VerifyAuditFrom(next); !v.OK {
		t.Fatalf("appended-part check looked back: %+v", v)
	}
	if v, _, _ := db.VerifyAuditFrom(AuditMark{}); v.OK || v.BrokenAt != 2 {
		t.Fatalf("full walk: %+v", v)
	}
	// The marked event edited, or the tail removed: seen at once.
	edit(8)
	if v, _, _ := db.VerifyAuditFrom(next); v.OK || v.BrokenAt != 8 {
		t.Fatalf("marked event edited: %+v", v)
	}
	mustUpdate(t, db, func(tx *Tx) error { return tx.bucket(bucketAudit).Delete(itob(8)) })
	if v, _, _ := db.VerifyAuditFrom(mark); v.OK {
		t.Fatalf("tail removed: %+v", v)
	}
}
