package store

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seedForCheck fills every bucket that has an index through the store's
// own functions: members with an address, sessions and certificates, audit
// events with and without patients, inquiries, requests, applications,
// patients (one edited, one deactivated) with a live and a revoked link,
// and an audit event written while the clock was behind.
func seedForCheck(t testing.TB, db *DB) Member {
	t.Helper()
	m, fa, err := db.CreateTestMember(TestMemberSpec{Name: "検査 太郎", Password: "check-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	_, fb, err := db.CreateTestMember(TestMemberSpec{Name: "連携 次郎", Password: "check-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	_, fc, err := db.CreateTestMember(TestMemberSpec{Name: "連携 三郎", Password: "check-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestCertReissue, Body: "PCを入れ替えました。"}, ""); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateApplication(validApplication("open@example.jp"), ""); err != nil {
		t.Fatal(err)
	}
	closed, _, err := db.CreateApplication(validApplication("closed@example.jp"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RejectApplication(closed.Number, "書類の不備", "admin", ""); err != nil {
		t.Fatal(err)
	}
	a := PRSActor{MemberID: m.ID, FacilityOID: fa.OID}
	p := mustRegister(t, db, a, samplePatient())
	edited := samplePatient()
	edited.NameKana, edited.ChartNumber = "ヤマダ タロウ", "99"
	if _, err := db.UpdatePatient(a, p.ID, p.Version, edited); err != nil {
		t.Fatal(err, ErrorFields(err))
	}
	q := mustRegister(t, db, a, PatientForm{Name: "佐藤 花子", NameKana: "サトウ ハナコ", BirthDate: "1980-05-06", Sex: "female"})
	if _, err := db.SetPatientActive(a, q.ID, false, "転居"); err != nil {
		t.Fatal(err)
	}
	for _, oid := range []string{fb.OID, fc.OID} {
		if _, err := db.LinkPatient(a, p.ID, LinkForm{FacilityOID: oid, Consent: "on", ConsentMethod: "written"}); err != nil {
			t.Fatal(err, ErrorFields(err))
		}
	}
	if err := db.UnlinkPatient(a, p.ID, fc.OID, "同意の撤回"); err != nil {
		t.Fatal(err)
	}
	// An address set through the profile, then changed.
	for _, email := range []string{"Kensa@example.jp", "kensa2@example.jp"} {
		if m, err = db.UpdateProfile(m.ID, ProfileForm{Name: m.Name, NameKana: "ケンサ タロウ", Email: email, Phone: "03-1234-5678"}, ""); err != nil {
			t.Fatal(err, ErrorFields(err))
		}
	}
	if _, _, err := db.NewSession(Session{Kind: SessionMember, MemberID: m.ID}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.NewSession(Session{Kind: SessionPatient, PatientID: "p-anon"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueCertificate(m.ID, CertificateRequest{Device: "受付PC", Passphrase: "pass-phrase-1", PassphraseConfirm: "pass-phrase-1"}, time.Hour*24*365, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := db.Audit(AuditEvent{Actor: m.ID, Action: "patient.view", Patient: "p1", Object: "patient:p1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CreateInquiry(InquiryForm{Name: "山田 花子", Email: "hanako@example.jp", Subject: "件名", Body: "本文"}, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	// The server clock went back an hour for one event.
	err = db.Update(func(tx *Tx) error {
		tx.Now = tx.Now.Add(-time.Hour)
		return AppendAudit(tx, AuditEvent{Actor: "system", Action: "test.clock_back"})
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCheckCleanDatabase(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	r, err := db.Check(CheckOptions{Pages: true})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() {
		t.Fatalf("problems on a clean database: %v", r.Problems)
	}
	if r.SchemaVersion != SchemaVersion() || !r.PagesChecked || !r.Audit.OK || r.Audit.Entries == 0 {
		t.Fatalf("report: %+v", r)
	}
	if len(r.Indexes) != len(indexSpecs) {
		t.Fatalf("%d index reports for %d registered indexes", len(r.Indexes), len(indexSpecs))
	}
	for _, ir := range r.Indexes {
		if ir.Entries == 0 || ir.Entries != ir.Expected {
			t.Errorf("index %s: %d entries, %d expected (the seed should fill every index)", ir.Index, ir.Entries, ir.Expected)
		}
	}
	var sb strings.Builder
	r.WriteText(&sb)
	for _, want := range []string{"問題は見つかりませんでした", "ハッシュチェーン正常", "sessions_by_member"} {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, sb.String())
		}
	}
}

// Every registered index is checked both ways: a missing entry, a dangling
// one and a wrong value are each reported by name.
func TestCheckFindsIndexDisagreement(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	for _, spec := range indexSpecs {
		t.Run(spec.Index, func(t *testing.T) {
			var first, firstVal []byte
			mustUpdate(t, db, func(tx *Tx) error {
				k, v := tx.bucket([]byte(spec.Index)).Cursor().First()
				first, firstVal = append([]byte(nil), k...), append([]byte(nil), v...)
				return tx.bucket([]byte(spec.Index)).Delete(first)
			})
			wantProblem(t, db, spec.Index, "がありません")

			mustUpdate(t, db, func(tx *Tx) error { return tx.bucket([]byte(spec.Index)).Put(first, []byte("x")) })
			wantProblem(t, db, spec.Index, "一致しません")

			mustUpdate(t, db, func(tx *Tx) error {
				b := tx.bucket([]byte(spec.Index))
				if err := b.Put(first, firstVal); err != nil {
					return err
				}
				return b.Put(indexKey("nobody", "nothing"), nil)
			})
			wantProblem(t, db, spec.Index, "対応する記録がありません")

			mustUpdate(t, db, func(tx *Tx) error { return tx.bucket([]byte(spec.Index)).Delete(indexKey("nobody", "nothing")) })
			if r, _ := db.Check(CheckOptions{}); !r.OK() {
				t.Fatalf("after repair: %v", r.Problems)
			}
		})
	}
}

// A missing entry and a stray one leave the count as it was: both are
// still named, for every registered index.
func TestCheckFindsMissingAndStrayWithEqualCounts(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	stray := indexKey("nobody", "nothing")
	for _, spec := range indexSpecs {
		t.Run(spec.Index, func(t *testing.T) {
			var first, firstVal []byte
			mustUpdate(t, db, func(tx *Tx) error {
				b := tx.bucket([]byte(spec.Index))
				k, v := b.Cursor().First()
				first, firstVal = append([]byte(nil), k...), append([]byte(nil), v...)
				if err := b.Delete(first); err != nil {
					return err
				}
				return b.Put(stray, []byte("stray"))
			})
			r, err := db.Check(CheckOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, ir := range r.Indexes {
				if ir.Index == spec.Index && ir.Entries != ir.Expected {
					t.Fatalf("counts differ (%d, %d): the case is not the one under test", ir.Entries, ir.Expected)
				}
			}
			wantProblem(t, db, spec.Index, "がありません")
			wantProblem(t, db, spec.Index, "対応する記録がありません")
			mustUpdate(t, db, func(tx *Tx) error {
				b := tx.bucket([]byte(spec.Index))
				if err := b.Delete(stray); err != nil {
					return err
				}
				return b.Put(first, firstVal)
			})
			if r, _ := db.Check(CheckOptions{}); !r.OK() {
				t.Fatalf("after repair: %v", r.Problems)
			}
		})
	}
}

// Two records that call for one entry, and a stray entry: the counts
// agree and every entry a record calls for is there, yet the index is
// wrong.
func TestCheckFindsDuplicateAndStrayWithEqualCounts(t *testing.T) {
	db, _ := mustOpen(t)
	spec := indexSpec{Index: "test_index", Records: "test_records", Entries: func(_, v []byte, add func(k, v []byte)) error {
		add(v, nil)
		return nil
	}}
	mustUpdate(t, db, func(tx *Tx) error {
		recs, err := tx.CreateBucket([]byte(spec.Records))
		if err != nil {
			return err
		}
		idx, err := tx.CreateBucket([]byte(spec.Index))
		if err != nil {
			return err
		}
		for _, kv := range [][2]string{{"r1", "a"}, {"r2", "a"}} {
			if err := recs.Put([]byte(kv[0]), []byte(kv[1])); err != nil {
				return err
			}
		}
		if err := idx.Put([]byte("a"), nil); err != nil {
			return err
		}
		return idx.Put([]byte("stray"), nil)
	})
	var ir IndexReport
	if err := db.View(func(tx *Tx) error { ir = spec.check(tx, true); return nil }); err != nil {
		t.Fatal(err)
	}
	if ir.Entries != 2 || ir.Expected != 2 {
		t.Fatalf("counts %d, %d: the case is not the one under test", ir.Entries, ir.Expected)
	}
	joined := strings.Join(ir.Problems, "\n")
	if !strings.Contains(joined, "stray に対応する記録がありません") || !strings.Contains(joined, "複数の記録が同じ索引") {
		t.Fatalf("problems: %q", ir.Problems)
	}
}

func TestCheckFindsAuditTamperingAndSchema(t *testing.T) {
	db, _ := mustOpen(t)
	seedForCheck(t, db)
	mustUpdate(t, db, func(tx *Tx) error {
		b := tx.bucket(bucketAudit)
		var e AuditEvent
		if _, err := getJSON(b, itob(2), &e); err != nil {
			return err
		}
		e.Detail = "edited"
		return putJSON(b, itob(2), e)
	})
	wantProblem(t, db, "監査ログ", "連番 2")

	mustUpdate(t, db, func(tx *Tx) error { return tx.bucket(bucketMeta).Put(keySchema, itob(99)) })
	wantProblem(t, db, "スキーマ", "新しい形式")
	mustUpdate(t, db, func(tx *Tx) error { return tx.bucket(bucketMeta).Delete(keySchema) })
	wantProblem(t, db, "スキーマ", "記録されていません")
}

// A file damaged on disk is reported, never a crash.
func TestCheckFileFindsDamagedPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "damaged.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		if err := db.Audit(AuditEvent{Actor: "H000001", Action: "patient.view", Patient: "p1", Detail: strings.Repeat("x", 200)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	if r, err := CheckFile(path); err != nil || !r.OK() {
		t.Fatalf("before damage: %v %v", err, r.Problems)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Overwrite the middle of the file (past the two meta pages) with junk.
	for i := len(data) / 3; i < len(data)/3+8192 && i < len(data); i++ {
		data[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := CheckFile(path)
	if err == nil && r.OK() {
		t.Fatal("damaged file passed the check")
	}
	t.Logf("damaged file: err=%v problems=%d first=%q", err, len(r.Problems), first(r.Problems))
}

func TestCheckFileRefusesMissingAndLockedFiles(t *testing.T) {
	if _, err := CheckFile(filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Fatal("missing file checked")
	}
	db, _ := mustOpen(t)
	// The open database holds the lock: a read-only open waits, then gives up.
	if _, err := CheckFile(db.Path()); err == nil || !strings.Contains(err.Error(), "使用中") {
		t.Fatalf("locked file: %v", err)
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func mustUpdate(t testing.TB, db *DB, fn func(tx *Tx) error) {
	t.Helper()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func wantProblem(t testing.TB, db *DB, parts ...string) {
	t.Helper()
	r, err := db.Check(CheckOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range r.Problems {
		ok := true
		for _, part := range parts {
			ok = ok && strings.Contains(p, part)
		}
		if ok {
			return
		}
	}
	t.Fatalf("no problem mentioning %q in %q", parts, r.Problems)
}
