package store

import (
	"strings"
	"testing"
	"time"
)

func TestRequestForm(t *testing.T) {
	for _, tc := range []struct {
		name  string
		form  RequestForm
		field string // "" means valid
		msg   string
	}{
		{"valid", RequestForm{Kind: RequestOther, Body: " 質問です "}, "", ""},
		{"unknown kind", RequestForm{Kind: "promote", Body: "x"}, "kind", "申請の種類を選択してください"},
		{"empty body", RequestForm{Kind: RequestInfoChange, Body: "  "}, "body", "申請内容を入力してください"},
		{"long body", RequestForm{Kind: RequestInfoChange, Body: strings.Repeat("あ", 2001)}, "body", "申請内容は2000文字以内で入力してください"},
		{"control character", RequestForm{Kind: RequestInfoChange, Body: "a\x00b"}, "body", "申請内容に使用できない文字が含まれています"},
	} {
		err := tc.form.Validate()
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if got := ErrorFields(err)[tc.field]; got != tc.msg {
			t.Errorf("%s: %s = %q, want %q", tc.name, tc.field, got, tc.msg)
		}
	}
}

func TestRequestsLifecycle(t *testing.T) {
	db, now := mustOpen(t)
	m, _, err := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := db.CreateTestMember(TestMemberSpec{Name: "佐藤 花子", Password: "member-Pass-2345"})

	r1, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestCertReissue, Body: "新しいPCで使います"}, "192.0.2.1")
	if err != nil || r1.ID != "R000001" || r1.Status != RequestOpen {
		t.Fatalf("create: %+v %v", r1, err)
	}
	// A second open reissue request is a conflict; another kind is fine.
	if _, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestCertReissue, Body: "もう一度"}, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("duplicate reissue: %v", err)
	}
	*now = now.Add(time.Minute)
	r2, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestInfoChange, Body: "勤務先が変わりました"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRequest(other.ID, RequestForm{Kind: RequestOther, Body: "質問"}, ""); err != nil {
		t.Fatal(err)
	}
	mine, _ := db.MemberRequests(m.ID)
	if len(mine) != 2 || mine[0].ID != r2.ID || mine[1].ID != r1.ID {
		t.Fatalf("member's requests: %+v", mine)
	}
	open, _ := db.Requests(RequestOpen)
	if len(open) != 3 {
		t.Fatalf("open: %d", len(open))
	}

	// Rejecting needs an answer.
	if _, err := db.DecideRequest(r2.ID, Decision{Approve: false}, "admin", ""); ErrorFields(err)["answer"] == "" {
		t.Fatalf("reject without answer: %v", err)
	}
	if _, err := db.DecideRequest(r2.ID, Decision{Approve: false, Answer: "書面でお送りください"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideRequest(r2.ID, Decision{Approve: true}, "admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("decide twice: %v", err)
	}

	// Approving a reissue grants one more certificate in the same step.
	before, _ := db.Member(m.ID)
	r, err := db.DecideRequest(r1.ID, Decision{Approve: true}, "admin", "")
	if err != nil || r.Status != RequestApproved || r.DecidedBy != "admin" {
		t.Fatalf("approve: %+v %v", r, err)
	}
	after, _ := db.Member(m.ID)
	if after.CertAllowance != before.CertAllowance+1 {
		t.Fatalf("allowance %d → %d", before.CertAllowance, after.CertAllowance)
	}
	counts, _ := db.CountRequests()
	if counts[RequestOpen] != 1 || counts[RequestApproved] != 1 || counts[RequestRejected] != 1 {
		t.Fatalf("counts: %v", counts)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "admin"})
	var actions []string
	for _, e := range page.Events {
		actions = append(actions, string(e.Action))
	}
	want := []string{"request.approve", "cert.grant_reissue", "request.reject"}
	if len(actions) != 3 || actions[0] != want[0] || actions[1] != want[1] || actions[2] != want[2] {
		t.Fatalf("audit: %v", actions)
	}
}

func TestWithdrawalRequestWithdrawsTheMember(t *testing.T) {
	db, _ := mustOpen(t)
	m, _, _ := db.CreateTestMember(TestMemberSpec{Name: "山田 太郎", Password: "member-Pass-2345"})
	cert, err := db.IssueCertificate(m.ID, CertificateRequest{Device: "受付PC", Passphrase: "passphrase-1", PassphraseConfirm: "passphrase-1"}, time.Hour*24*365, "")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := db.NewSession(Session{Kind: SessionMember, MemberID: m.ID})
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestWithdrawal, Body: "閉院のため"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideRequest(r.ID, Decision{Approve: true, Answer: "承りました"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Member(m.ID)
	if got.Status != MemberWithdrawn {
		t.Fatalf("status %s", got.Status)
	}
	c, _ := db.Certificate(cert.Record.Serial)
	if !c.Revoked() || c.RevokedBy != "admin" {
		t.Fatalf("certificate not revoked: %+v", c)
	}
	if _, err := db.SessionByToken(token); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("session survived: %v", err)
	}
	// Data kept, no new requests from a withdrawn account.
	if reqs, _ := db.MemberRequests(m.ID); len(reqs) != 1 || reqs[0].Status != RequestApproved {
		t.Fatalf("requests: %+v", reqs)
	}
	if _, err := db.CreateRequest(m.ID, RequestForm{Kind: RequestOther, Body: "x"}, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("request after withdrawal: %v", err)
	}
}
