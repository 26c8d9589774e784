package store

import (
	"fmt"
	"reflect"
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

// The date filter stops walking back at an event older than the range,
// but a server clock that went back leaves newer times behind older ones:
// those events are still found, through the log and through the indexes,
// and also when the steps of a file written before they were noted are
// rebuilt by the migration.
func TestListAuditDateFilterWithClockSteps(t *testing.T) {
	db, now := mustOpen(t)
	day := func(d, h int) time.Time { return time.Date(2026, 4, d, h, 0, 0, 0, time.UTC) }
	// seq: time (the clock goes back twice, once by two days)
	times := []time.Time{day(1, 0), day(3, 10), day(3, 12), day(1, 9), day(1, 10), day(3, 11), day(2, 0), day(4, 0), day(1, 0), day(1, 1)}
	for i, at := range times {
		*now = at
		if err := db.Audit(AuditEvent{Actor: fmt.Sprint("H00000", i%2), Action: "test.event", Patient: "p1", Detail: fmt.Sprint(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	want := func(f AuditFilter) string {
		var out []uint64
		db.EachAudit(f, func(e AuditEvent) error { out = append(out, e.Seq); return nil })
		for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
			out[i], out[j] = out[j], out[i]
		}
		return fmt.Sprint(out)
	}
	check := func(when string) {
		t.Helper()
		for _, f := range []AuditFilter{
			{From: day(3, 0)}, {From: day(2, 0)}, {From: day(3, 0), To: day(4, 0)}, {From: day(1, 9), To: day(1, 11)},
			{From: day(3, 0), Actor: "H000000"}, {From: day(3, 0), Actor: "H000001"}, {From: day(2, 0), Patient: "p1"},
			{From: day(3, 0), Limit: 1}, {From: day(5, 0)},
		} {
			got := []uint64{}
			for f.Before = 0; ; {
				page, err := db.ListAudit(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range page.Events {
					got = append(got, e.Seq)
				}
				if page.Next == 0 {
					break
				}
				f.Before = page.Next
			}
			f.Before, f.Limit = 0, 0
			if w := want(f); fmt.Sprint(got) != w {
				t.Errorf("%s: filter from %v to %v actor %q patient %q: %v, want %v", when, f.From, f.To, f.Actor, f.Patient, got, w)
			}
		}
	}
	check("clock steps noted as written")
	if fmt.Sprint(want(AuditFilter{From: day(3, 0)})) != "[8 6 3 2]" {
		t.Fatalf("the case is not the one under test: %s", want(AuditFilter{From: day(3, 0)}))
	}
	if r, err := db.Check(CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check: %v %v", err, r.Problems)
	}

	// A file from before the steps were noted: the migration finds them.
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.DeleteBucket(bucketAuditClockSteps); err != nil {
			return err
		}
		var head auditHead
		getJSON(tx.bucket(bucketMeta), keyAuditHead, &head)
		head.Time, head.Max = time.Time{}, time.Time{}
		if err := putJSON(tx.bucket(bucketMeta), keyAuditHead, head); err != nil {
			return err
		}
		// The version before the clock steps' migration (later ones run
		// again too, as they would on such a file).
		return tx.bucket(bucketMeta).Put(keySchema, itob(uint64(migrationIndex(t, migrateAuditClockSteps))))
	})
	path := db.Path()
	db.Close()
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	check("clock steps found by the migration")
	if r, err := db.Check(CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check after the migration: %v %v", err, r.Problems)
	}
	// And the head carries on: a later step is noted too.
	db.SetClock(func() time.Time { return day(1, 0) })
	db.Audit(AuditEvent{Actor: "H000000", Action: "test.event"})
	var step uint64
	var latest time.Time
	db.View(func(tx *Tx) error { step, latest, _ = auditClockStepTx(tx, 11); return nil })
	if step != 11 || !latest.Equal(day(4, 0)) {
		t.Fatalf("step after the migration: %d %v", step, latest)
	}
}

// migrationIndex is the position of step in migrations: the schema version
// a file has just before step runs.
func migrationIndex(t *testing.T, step func(tx *Tx) error) int {
	t.Helper()
	for i, m := range migrations {
		if reflect.ValueOf(m).Pointer() == reflect.ValueOf(step).Pointer() {
			return i
		}
	}
	t.Fatal("not a migration")
	return 0
}
