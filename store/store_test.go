package store

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// mustOpen opens a database on a temp file with a fixed, settable clock.
func mustOpen(tb testing.TB) (*DB, *time.Time) {
	tb.Helper()
	db, err := Open(filepath.Join(tb.TempDir(), "hotline.db"), Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })
	return db, &now
}

func TestOpenMigratesAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.StoredSchemaVersion()
	if err != nil || v != SchemaVersion() {
		t.Fatalf("schema version %d %v, want %d", v, err, SchemaVersion())
	}
	// A second open of the same file waits for the lock, then gives up.
	if _, err := Open(path, Options{Timeout: 100 * time.Millisecond}); err == nil {
		t.Fatal("second open succeeded")
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.StoredSchemaVersion(); v != SchemaVersion() {
		t.Fatalf("after reopen: %d", v)
	}
}

func TestAuditChain(t *testing.T) {
	db, now := mustOpen(t)
	for i := 0; i < 5; i++ {
		*now = now.Add(time.Minute)
		if err := db.Audit(AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "p1", Object: "patient:p1"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Audit(AuditEvent{Actor: "admin", Action: "settings.update"}); err != nil {
		t.Fatal(err)
	}
	v, err := db.VerifyAudit()
	if err != nil || !v.OK || v.Entries != 6 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	page, _ := db.ListAudit(AuditFilter{Patient: "p1", Limit: 2})
	if len(page.Events) != 2 || page.Events[0].Seq != 5 || page.Next != 4 {
		t.Fatalf("patient page: %+v", page)
	}
	page, _ = db.ListAudit(AuditFilter{Patient: "p1", Limit: 2, Before: page.Next})
	if len(page.Events) != 2 || page.Events[0].Seq != 3 {
		t.Fatalf("second page: %+v", page)
	}
	page, _ = db.ListAudit(AuditFilter{Actor: "admin"})
	if len(page.Events) != 1 || page.Events[0].Action != "settings.update" {
		t.Fatalf("actor filter: %+v", page)
	}

	// Editing any line breaks the chain there.
	err = db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketAudit)
		var e AuditEvent
		if _, err := getJSON(b, itob(3), &e); err != nil {
			return err
		}
		e.Actor = "H999999"
		data, _ := json.Marshal(e)
		return b.Put(itob(3), data)
	})
	if err != nil {
		t.Fatal(err)
	}
	v, _ = db.VerifyAudit()
	if v.OK || v.BrokenAt != 3 {
		t.Fatalf("tampered chain verified: %+v", v)
	}
}

func TestAuditChainDetectsTruncation(t *testing.T) {
	db, _ := mustOpen(t)
	for i := 0; i < 3; i++ {
		if err := db.Audit(AuditEvent{Actor: "admin", Action: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Update(func(tx *Tx) error { return tx.bucket(bucketAudit).Delete(itob(3)) })
	if v, _ := db.VerifyAudit(); v.OK {
		t.Fatal("removing the last line was not detected")
	}
}

func TestSettingsPlaceholders(t *testing.T) {
	db, _ := mustOpen(t)
	s, err := db.Settings()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Placeholders()) == 0 {
		t.Fatal("new settings should be placeholders")
	}
	s.Organisation = "テスト地区医師会"
	s.Department = "医療情報課"
	s.Postal = "1000001"
	s.Address = "東京都千代田区千代田1-1"
	s.Phone = "03-1234-5678"
	s.Email = "info@example.jp"
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Settings()
	if p := got.Placeholders(); len(p) != 0 {
		t.Fatalf("still placeholders: %v", p)
	}
	bad := got
	bad.SiteName = ""
	if err := db.SaveSettings(bad, "admin", ""); ErrorCode(err) != EINVALID {
		t.Fatalf("empty site name: %v", err)
	}
	if again, _ := db.Settings(); again.SiteName != got.SiteName {
		t.Fatal("invalid settings were saved")
	}
}

func TestSessionTimeouts(t *testing.T) {
	db, now := mustOpen(t)
	token, s, err := db.NewSession(Session{Kind: SessionMember, MemberID: "H000001"})
	if err != nil {
		t.Fatal(err)
	}
	if s.ID == token || s.ID != SessionKey(token) {
		t.Fatal("the stored key must be the hash of the token")
	}
	*now = now.Add(29 * time.Minute)
	if _, err := db.SessionByToken(token); err != nil {
		t.Fatalf("within idle time: %v", err)
	}
	*now = now.Add(31 * time.Minute)
	if _, err := db.SessionByToken(token); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("after idle timeout: %v", err)
	}
	// Absolute timeout even when active.
	token, _, _ = db.NewSession(Session{Kind: SessionMember, MemberID: "H000001"})
	for i := 0; i < 25; i++ {
		*now = now.Add(29 * time.Minute)
		if _, err := db.SessionByToken(token); err != nil {
			if i*29 < 12*60-29 {
				t.Fatalf("active session ended early after %d min", (i+1)*29)
			}
			return
		}
	}
	t.Fatal("session outlived the absolute timeout")
}

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse battery staple")
	if !VerifyPassword(h, "correct horse battery staple") || VerifyPassword(h, "wrong") {
		t.Fatal("verify")
	}
	if VerifyPassword("", "") || VerifyPassword("$argon2id$garbage", "x") {
		t.Fatal("empty or malformed hash matched")
	}
	if HashPassword("x") == HashPassword("x") {
		t.Fatal("salt not random")
	}
}

func TestInquiryLifecycle(t *testing.T) {
	db, _ := mustOpen(t)
	q, err := db.CreateInquiry(InquiryForm{Name: "山田", Email: "a@example.jp", Subject: "件名", Body: "本文"}, "127.0.0.1")
	if err != nil || q.Number != "Q000001" || q.Status != InquiryOpen {
		t.Fatalf("create: %+v %v", q, err)
	}
	if err := db.UpdateInquiry(q.Number, InquiryDone, "電話で回答済み", "admin", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Inquiry(q.Number)
	if got.Status != InquiryDone || len(got.Notes) != 1 {
		t.Fatalf("update: %+v", got)
	}
	if err := db.UpdateInquiry(q.Number, "bogus", "", "admin", ""); ErrorCode(err) != EINVALID {
		t.Fatalf("bad status: %v", err)
	}
	if _, err := db.Inquiry("Q999999"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("missing: %v", err)
	}
}

func TestAuditSoonIsWrittenAndSurvivesClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.list", Detail: "P1"}); err != nil {
			t.Fatal(err)
		}
	}
	// Written within the flush interval…
	deadline := time.Now().Add(5 * time.Second)
	for {
		page, _ := db.ListAudit(AuditFilter{Action: "patient.list", Limit: 100})
		if len(page.Events) == 50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queued lines not written: %d", len(page.Events))
		}
		time.Sleep(5 * time.Millisecond)
	}
	// …and Close writes what is still queued.
	for i := 0; i < 10; i++ {
		_ = db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.search", Detail: "P2"})
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	page, _ := db.ListAudit(AuditFilter{Action: "patient.search", Limit: 100})
	if len(page.Events) != 10 {
		t.Fatalf("after close: %d lines", len(page.Events))
	}
	if v, _ := db.VerifyAudit(); !v.OK {
		t.Fatalf("chain: %+v", v)
	}
}
