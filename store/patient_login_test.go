package store

import (
	"strings"
	"testing"
	"time"
)

// The patient page's login: the card's pair as typed, one answer for every
// wrong pair, the login throttle under the patient's own account key, and
// sessions that a new card ends.
func TestPatientLogin(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	card, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	const addr = "198.51.100.7"
	if _, err := fx.db.PatientLogin("", "", addr); ErrorCode(err) != EINVALID || len(ErrorFields(err)) != 2 {
		t.Fatalf("empty: %v", err)
	}
	wide := strings.NewReplacer("P", "Ｐ", "-", "－").Replace(FormatPatientID(p.ID))
	for _, typed := range []string{p.ID, FormatPatientID(p.ID), strings.ToLower(FormatPatientID(p.ID)), wide} {
		got, err := fx.db.PatientLogin(typed, card.Code, addr)
		if err != nil || got.ID != p.ID {
			t.Fatalf("login as %q: %v", typed, err)
		}
	}
	// Wrong pairs: one message.
	for _, tc := range [][2]string{{p.ID, "ABCD-EFGH-JKLM"}, {"P-AAAA-AAAA-AAAA", card.Code}, {"nonsense\x00", card.Code}} {
		if _, err := fx.db.PatientLogin(tc[0], tc[1], addr); ErrorCode(err) != EUNAUTHORIZED || !strings.Contains(err.Error(), "患者IDまたはアクセスコードが正しくありません") {
			t.Fatalf("wrong pair %q: %v", tc[0], err)
		}
	}
	// Ten failures for the ID from one address hold it there (the right
	// code included), not elsewhere, and the operator sees the hold.
	for i := 2; i < PairFailureLimit; i++ {
		if _, err := fx.db.PatientLogin(FormatPatientID(p.ID), "WRONG-CODE", addr); ErrorCode(err) != EUNAUTHORIZED {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	if _, err := fx.db.PatientLogin(p.ID, "WRONG-CODE", addr); ErrorCode(err) != EUNAUTHORIZED {
		t.Fatal(err)
	}
	_, err = fx.db.PatientLogin(p.ID, card.Code, addr)
	if ErrorCode(err) != ETHROTTLED || RetryAt(err).IsZero() || !strings.Contains(err.Error(), "この患者IDでのログインを一時停止") {
		t.Fatalf("held: %v", err)
	}
	if _, err := fx.db.PatientLogin(p.ID, card.Code, "198.51.100.8"); err != nil {
		t.Fatalf("another address: %v", err)
	}
	holds, err := fx.db.LoginHolds("")
	if err != nil || len(holds) != 1 || !holds[0].Patient() || holds[0].MemberID() != p.ID || holds[0].Label() != "患者様ページ：患者ID＋アドレス" {
		t.Fatalf("holds %+v %v", holds, err)
	}
	// Audited, with the patient on the lines that name one.
	page, err := fx.db.ListAudit(AuditFilter{Action: string(AuditPatientLogin), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	results := map[string]int{}
	for _, e := range page.Events {
		results[e.Result]++
	}
	if results[ResultOK] != 5 || results[ResultFailed] != PairFailureLimit+2 || results[ResultDenied] != 1 {
		t.Fatalf("audited logins %v", results)
	}
	// The member login's IDs never count against a patient.
	if PatientAccount(p.ID) == NormalizeAccountID(PatientAccount(p.ID)) {
		t.Fatal("a typed member ID can name a patient's throttle key")
	}
}

func TestPatientSessionTimeoutsAndNewCard(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	if _, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	start := *fx.now
	tok, _, err := fx.db.NewSession(Session{Kind: SessionPatient, PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	// Idle: 15 minutes.
	*fx.now = start.Add(14 * time.Minute)
	if _, err := fx.db.SessionByToken(tok); err != nil {
		t.Fatalf("after 14 min: %v", err)
	}
	*fx.now = start.Add(14*time.Minute + PatientSessionIdleTimeout + time.Second)
	if _, err := fx.db.SessionByToken(tok); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("idle: %v", err)
	}
	// Absolute: 2 hours, however busy.
	*fx.now = start
	tok, _, err = fx.db.NewSession(Session{Kind: SessionPatient, PatientID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	for d := 10 * time.Minute; d <= PatientSessionAbsoluteTimeout; d += 10 * time.Minute {
		*fx.now = start.Add(d)
		if _, err := fx.db.SessionByToken(tok); err != nil {
			t.Fatalf("at %v: %v", d, err)
		}
	}
	*fx.now = start.Add(PatientSessionAbsoluteTimeout + time.Minute)
	if _, err := fx.db.SessionByToken(tok); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("absolute: %v", err)
	}
	// A member session keeps its own, longer limits.
	*fx.now = start
	mtok, _, err := fx.db.NewSession(Session{Kind: SessionMember, MemberID: fx.a.MemberID})
	if err != nil {
		t.Fatal(err)
	}
	*fx.now = start.Add(20 * time.Minute)
	if _, err := fx.db.SessionByToken(mtok); err != nil {
		t.Fatalf("member after 20 min: %v", err)
	}
	// A new card ends the patient's sessions, and only theirs.
	other := mustRegister(t, fx.db, fx.a, PatientForm{Name: "佐藤 花子", NameKana: "サトウ ハナコ", BirthDate: "1980-01-02", Sex: "female"})
	t1, _, _ := fx.db.NewSession(Session{Kind: SessionPatient, PatientID: p.ID})
	t2, _, _ := fx.db.NewSession(Session{Kind: SessionPatient, PatientID: p.ID})
	t3, _, _ := fx.db.NewSession(Session{Kind: SessionPatient, PatientID: other.ID})
	if _, err := fx.db.SessionByToken(t1); err != nil { // cached
		t.Fatal(err)
	}
	if _, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{t1, t2} {
		if _, err := fx.db.SessionByToken(tok); ErrorCode(err) != ENOTFOUND {
			t.Fatalf("session after a new card: %v", err)
		}
	}
	if _, err := fx.db.SessionByToken(t3); err != nil {
		t.Fatalf("another patient's session: %v", err)
	}
	if _, err := fx.db.SessionByToken(mtok); err != nil {
		t.Fatalf("member session: %v", err)
	}
	if r, err := fx.db.Check(CheckOptions{}); err != nil || !r.OK() {
		t.Fatalf("check: %+v %v", r, err)
	}
}

// Failures count against the source address across patient IDs (and
// member logins): past AddressFailureLimit the address is held for every
// ID, the right pair included.
func TestPatientLoginAddressHold(t *testing.T) {
	fx := newPRSFixture(t)
	p := mustRegister(t, fx.db, fx.a, samplePatient())
	card, err := fx.db.IssuePatientAccessCard(fx.a, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	const addr = "2001:db8:1:2::5"
	for i := 0; i <= AddressFailureLimit; i++ {
		// Failures of other IDs, half of them member logins; the
		// store's own path is exercised by TestPatientLogin.
		account := PatientAccount(NewPatientID())
		if i%2 == 1 {
			account = NormalizeAccountID("H00000" + string(rune('0'+i%10)))
		}
		if _, err := fx.db.LoginFailed(LoginAttempt{Account: account, Addr: "2001:db8:1:2::" + string(rune('a'+i%6))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := fx.db.PatientLogin(p.ID, card.Code, addr); ErrorCode(err) != ETHROTTLED || !strings.Contains(err.Error(), "このアドレスからのログインの失敗が多すぎる") {
		t.Fatalf("held address (same /64): %v", err)
	}
	if _, err := fx.db.PatientLogin(p.ID, card.Code, "2001:db8:9::5"); err != nil {
		t.Fatalf("another network: %v", err)
	}
}
