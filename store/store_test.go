package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
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
	// The portal address is the server's own until the operator gives
	// one; on localhost it still counts as a placeholder.
	if p := got.Placeholders(); len(p) != 1 || p[0] != "ポータルURL" || !got.ContactReady() || got.Ready() {
		t.Fatalf("placeholders: %v", p)
	}
	db.SetServerURL("https://hotline.example.jp:8443/")
	if got, _ = db.Settings(); got.Portal() != "https://hotline.example.jp:8443/" || !got.Ready() {
		t.Fatalf("server address: %q, placeholders %v", got.Portal(), got.Placeholders())
	}
	db.SetServerURL("https://localhost:28443/")
	if got, _ = db.Settings(); !got.PortalIsPlaceholder() {
		t.Fatal("localhost counts as a placeholder")
	}
	got.PortalURL = "hotline.example.jp"
	if err := db.SaveSettings(got, "admin", ""); ErrorFields(err)["portal_url"] == "" {
		t.Fatalf("portal address without https: %v", err)
	}
	got.PortalURL = "https://127.0.0.1/"
	if err := db.SaveSettings(got, "admin", ""); ErrorFields(err)["portal_url"] == "" {
		t.Fatalf("loopback portal address: %v", err)
	}
	got.PortalURL = "https://hotline.example.jp/portal"
	if err := db.SaveSettings(got, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ = db.Settings(); got.Portal() != "https://hotline.example.jp/portal/" || !got.Ready() {
		t.Fatalf("operator's address: %q", got.Portal())
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

// The 利用規約 and 個人情報の取扱い start as the default text, version 1;
// each change is a new version dated then, and an application that
// consents records the versions in force.
func TestSettingsTermsVersions(t *testing.T) {
	db, now := mustOpen(t)
	s, _ := db.Settings()
	if s.TermsVersionNo() != 1 || s.PrivacyVersionNo() != 1 || !strings.Contains(s.TermsText(), "ほっとライン") || s.PrivacyText() == "" {
		t.Fatalf("defaults: v%d v%d", s.TermsVersionNo(), s.PrivacyVersionNo())
	}
	// Saved back unchanged (as the form posts it), the default stays.
	s.Terms, s.Privacy = s.TermsText(), s.PrivacyText()
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if s, _ = db.Settings(); s.Terms != "" || s.TermsVersionNo() != 1 {
		t.Fatalf("unchanged default became v%d", s.TermsVersionNo())
	}
	*now = now.Add(time.Hour)
	s.Terms = "第1条　改定した規約"
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	s, _ = db.Settings()
	if s.TermsVersionNo() != 2 || !s.TermsRevisedAt.Equal(*now) || s.PrivacyVersionNo() != 1 || s.TermsText() != "第1条　改定した規約" {
		t.Fatalf("after a change: terms v%d at %v, privacy v%d", s.TermsVersionNo(), s.TermsRevisedAt, s.PrivacyVersionNo())
	}
	s.Organisation = "別の名前"
	if err := db.SaveSettings(s, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if s, _ = db.Settings(); s.TermsVersionNo() != 2 {
		t.Fatalf("another setting changed the version: v%d", s.TermsVersionNo())
	}
	s.Terms = strings.Repeat("長", textMax+1)
	if err := db.SaveSettings(s, "admin", ""); ErrorFields(err)["terms"] == "" {
		t.Fatalf("overlong terms: %v", err)
	}

	form := func(asked, agreed bool, email string) ApplicationForm {
		return ApplicationForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", Qualification: "doctor", LicenseNumber: "123456",
			Email: email, Phone: "03-1234-5678", FacilityName: "山田内科", FacilityKind: "clinic", FacilityCode: "0110113719",
			FacilityPostal: "100-0001", FacilityAddress: "東京都千代田区1-1", FacilityPhone: "03-1234-5678",
			ConsentAsked: asked, Agreed: agreed}
	}
	if _, _, err := db.CreateApplication(form(true, false, "a@example.jp"), ""); ErrorFields(err)["agree"] != MsgConsentRequired {
		t.Fatalf("asked, not ticked: %v", err)
	}
	a, _, err := db.CreateApplication(form(true, true, "b@example.jp"), "")
	if err != nil {
		t.Fatal(err, ErrorFields(err))
	}
	if !a.ConsentedAt.Equal(*now) || a.TermsVersion != 2 || a.PrivacyVersion != 1 {
		t.Fatalf("consent recorded: %v v%d v%d", a.ConsentedAt, a.TermsVersion, a.PrivacyVersion)
	}
	// A client of the bare field names is not asked; its consent is the
	// signature on paper.
	b, _, err := db.CreateApplication(form(false, false, "c@example.jp"), "")
	if err != nil || !b.ConsentedAt.IsZero() {
		t.Fatalf("not asked: %v %v", b.ConsentedAt, err)
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

// TestPasswordHashParameters: Argon2id, version 19, m=19 MiB, t=2, p=1,
// with a 16-byte salt and a 32-byte key.
func TestPasswordHashParameters(t *testing.T) {
	h := HashPassword("correct horse battery staple")
	const prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("hash %q does not start with %q", h, prefix)
	}
	parts := strings.Split(strings.TrimPrefix(h, prefix), "$")
	if len(parts) != 2 {
		t.Fatalf("hash %q: want salt$key after the parameters", h)
	}
	salt, err1 := b64.DecodeString(parts[0])
	key, err2 := b64.DecodeString(parts[1])
	if err1 != nil || err2 != nil || len(salt) != 16 || len(key) != 32 {
		t.Fatalf("salt %d bytes (%v), key %d bytes (%v)", len(salt), err1, len(key), err2)
	}
	// The key is Argon2id of these parameters, not merely labelled so.
	if want := argon2.IDKey([]byte("correct horse battery staple"), salt, 2, 19*1024, 1, 32); !bytes.Equal(key, want) {
		t.Fatal("key differs from Argon2id(m=19456, t=2, p=1)")
	}
}

// TestHashingConcurrencyIsBounded: however many hash or verify at once,
// no more than hashSlots run Argon2id together (each takes 19 MiB).
func TestHashingConcurrencyIsBounded(t *testing.T) {
	hash := HashPassword("x-password-1234")
	dummyHash() // made before counting starts
	var inside, peak atomic.Int32
	real := argonIDKey
	argonIDKey = func(_, _ []byte, _, _ uint32, _ uint8, keyLen uint32) []byte {
		n := inside.Add(1)
		defer inside.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		// Hold the slot a while so that the others pile up behind it.
		time.Sleep(10 * time.Millisecond)
		return make([]byte, keyLen)
	}
	t.Cleanup(func() { argonIDKey = real })
	slots := cap(hashSlots)
	var wg sync.WaitGroup
	for i := range 4*slots + 3 {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				HashPassword("y")
			case 1:
				VerifyPassword(hash, "y")
			default:
				VerifyPassword("", "y") // unknown account: the dummy hash
			}
		})
	}
	wg.Wait()
	if got := int(peak.Load()); got != slots {
		t.Fatalf("%d hashes ran at once, want exactly the %d slots", got, slots)
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

func TestAuditGroupedIsDurableOnReturnAndShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// A lone line is written before the call returns.
	if err := db.AuditGrouped(AuditEvent{Actor: "H000001", Action: "patient.list", Detail: "P0"}); err != nil {
		t.Fatal(err)
	}
	if page, _ := db.ListAudit(AuditFilter{Action: "patient.list"}); len(page.Events) != 1 {
		t.Fatalf("on return: %d lines", len(page.Events))
	}
	// Lines that arrive while a commit is under way share the next one.
	q := db.auditQ
	held := holdWriteLock(t, db)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.AuditGrouped(AuditEvent{Actor: "H000001", Action: "patient.search", Detail: fmt.Sprintf("P%d", i)})
		}()
	}
	waitQueued(t, q, 50)
	q.mu.Lock()
	before := q.commits
	q.mu.Unlock()
	close(held)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	q.mu.Lock()
	commits := q.commits - before
	q.mu.Unlock()
	if commits > 2 {
		t.Errorf("50 lines queued together took %d commits", commits)
	}
	if page, _ := db.ListAudit(AuditFilter{Action: "patient.search", Limit: 100}); len(page.Events) != 50 {
		t.Fatalf("%d lines", len(page.Events))
	}
	// Close commits what is queued: no caller is left without an answer
	// and no line is lost.
	held = holdWriteLock(t, db)
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.AuditGrouped(AuditEvent{Actor: "H000001", Action: "patient.linked_list", Detail: "P2"}); err != nil {
				t.Error(err)
			}
		}()
	}
	waitQueued(t, q, 10)
	closed := make(chan struct{})
	go func() {
		db.Close()
		close(closed)
	}()
	close(held)
	wg.Wait()
	<-closed
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if page, _ := db.ListAudit(AuditFilter{Action: "patient.linked_list", Limit: 100}); len(page.Events) != 10 {
		t.Fatalf("after close: %d lines", len(page.Events))
	}
	if v, _ := db.VerifyAudit(); !v.OK {
		t.Fatalf("chain: %+v", v)
	}
}

// TestAuditSoonDoesNotWaitAndIsWritten: AuditSoon returns while a commit
// is blocked, the committer writes the line as soon as it can without
// anyone flushing, FlushAudit waits for a commit under way, a full queue
// makes the caller wait, and Close commits what is queued.
func TestAuditSoonDoesNotWaitAndIsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := func(action string) int {
		t.Helper()
		page, err := db.ListAudit(AuditFilter{Action: action, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Events)
	}
	start, err := db.VerifyAudit()
	if err != nil {
		t.Fatal(err)
	}
	held := holdWriteLock(t, db)
	returned := make(chan struct{})
	go func() {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.list", Detail: "P1"}); err != nil {
			t.Error(err)
		}
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("AuditSoon waited for the blocked commit")
	}
	close(held)
	deadline := time.Now().Add(5 * time.Second)
	for count("patient.list") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the queued line was not committed")
		}
		time.Sleep(time.Millisecond)
	}

	// FlushAudit returns only once the commit under way is done.
	held = holdWriteLock(t, db)
	if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.search", Detail: "P2"}); err != nil {
		t.Fatal(err)
	}
	waitQueued(t, db.auditQ, 1)
	flushed := make(chan struct{})
	go func() { db.FlushAudit(); close(flushed) }()
	select {
	case <-flushed:
		t.Fatal("FlushAudit returned while the line could not be committed")
	case <-time.After(50 * time.Millisecond):
	}
	close(held)
	<-flushed
	if n := count("patient.search"); n != 1 {
		t.Fatalf("after FlushAudit: %d lines", n)
	}

	// A full queue makes the caller wait for its line.
	// (The first line is taken by the committer, which then waits for the
	// held lock; the queue behind it fills up.)
	held = holdWriteLock(t, db)
	if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.linked_list", Detail: "P3"}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		db.auditQ.mu.Lock()
		busy := db.auditQ.busy
		db.auditQ.mu.Unlock()
		if busy == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the committer did not take the line")
		}
	}
	for i := 0; i < auditQueueMax; i++ {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.linked_list", Detail: "P3"}); err != nil {
			t.Fatal(err)
		}
	}
	over := make(chan struct{})
	go func() {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.linked_list", Detail: "P4"}); err != nil {
			t.Error(err)
		}
		close(over)
	}()
	select {
	case <-over:
		t.Fatal("AuditSoon did not wait with a full queue")
	case <-time.After(50 * time.Millisecond):
	}
	close(held)
	<-over

	// Close commits what is still queued.
	held = holdWriteLock(t, db)
	for i := 0; i < 10; i++ {
		if err := db.AuditSoon(AuditEvent{Actor: "H000001", Action: "patient.view_list", Detail: "P5"}); err != nil {
			t.Fatal(err)
		}
	}
	closed := make(chan struct{})
	go func() { db.Close(); close(closed) }()
	close(held)
	<-closed
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := count("patient.view_list"); n != 10 {
		t.Fatalf("after close: %d lines", n)
	}
	// Every line is there, in one unbroken chain.
	if v, _ := db.VerifyAudit(); !v.OK || v.Entries != start.Entries+auditQueueMax+14 {
		t.Fatalf("chain: %+v, want %d entries", v, start.Entries+auditQueueMax+14)
	}
}

// holdWriteLock keeps a write transaction open until the returned channel
// is closed.
func holdWriteLock(t *testing.T, db *DB) chan struct{} {
	t.Helper()
	release, started := make(chan struct{}), make(chan struct{})
	go db.Update(func(*Tx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	return release
}

// waitQueued waits until n lines are queued or being committed.
func waitQueued(t *testing.T, q *auditQueue, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		q.mu.Lock()
		queued := len(q.pending) + q.busy
		q.mu.Unlock()
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d lines queued", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}
