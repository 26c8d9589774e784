package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestSharedPCOverTLS: a reception PC carries member A's certificate. B,
// logging in there, gets the explanation of how to choose a certificate,
// not a dead end; the operator allows B a certificate for that PC by its
// name; B logs in there (a password-only session, despite A's certificate)
// and issues it; B's next login there, with it, is bound to it. Everyone
// else is refused on that PC as before, and so is B once the allowance is
// used; B's ordinary allowance is untouched; it is all audited.
func TestSharedPCOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	a := env.AddMember(t, "受付 明子", "member-Pass-2345")
	b := env.AddMember(t, "医師 次郎", "doctor-Pass-2345")
	c := env.AddMember(t, "看護 三子", "nurse-Pass-2345")
	aCert, _ := storeCert(t, env.DB, a.ID, "受付PC1", 0)
	storeCert(t, env.DB, b.ID, "診察室", 0) // B's own PC: the ordinary allowance is used
	env.EnsureOperator(t)
	opCert, _ := storeCert(t, env.DB, "admin", "運営PC", 0)
	op := newCertBrowser(env, t, base, opCert)
	op.Login("admin", handlertest.OperatorPassword, "/menu")

	// At the reception PC, B's login finds A's certificate.
	reception := newCertBrowser(env, t, base, aCert)
	reception.Get("/login")
	res := reception.Post("/login", url.Values{"id": {b.ID}, "password": {"doctor-Pass-2345"}})
	reception.expect("B with A's certificate", res, http.StatusForbidden, "この証明書は別のアカウントのものです",
		`data-testid="error-steps"`, "ブラウザをすべて閉じてから起動し直し", "ユーザーアカウントを一人ずつ分ける", "共用PC", `href="/guide/certificate#shared-pc"`)

	// The operator allows B a certificate for 受付PC1.
	certs := "/admin/members/" + b.ID + "/certificates"
	op.expect("shared PC section", op.Get(certs), 200, `data-testid="shared-pc-section"`, `action="/admin/members/`+b.ID+`/shared-pc"`)
	op.expect("no name", op.Post("/admin/members/"+b.ID+"/shared-pc", url.Values{"device_name": {" "}}), 422, `data-testid="error-device_name"`)
	res = op.Post("/admin/members/"+b.ID+"/shared-pc", url.Values{"device_name": {"受付PC1"}})
	if res.Status != http.StatusSeeOther || res.Location != certs+"?done=shared#shared-pc" {
		t.Fatalf("grant: %d %q", res.Status, res.Location)
	}
	op.expect("grant listed", op.Get(certs+"?done=shared"), 200, "共用PCの証明書を許可しました", "「受付PC1」", "証明書は未発行")
	op.expect("same name twice", op.Post("/admin/members/"+b.ID+"/shared-pc", url.Values{"device_name": {"受付PC1"}}), 422, "すでに許可されています")

	// B logs in at the reception PC: a password-only session, for /cert.
	reception.Login(b.ID, "doctor-Pass-2345", "/cert")
	reception.expect("cert page", reception.Get("/cert"), 200, `data-testid="cert-shared-pc"`, `name="shared_pc" value="受付PC1"`)
	if page := reception.Get("/cert"); page.Status == 200 && containsAll(page.Body, `name="device_name"`) {
		t.Error("on another member's PC only the shared PC's certificate may be issued: no device name field")
	}
	reception.expect("menu, password-only", reception.Get("/menu"), http.StatusForbidden)
	noChoice := url.Values{"passphrase": {certTestPassphrase}, "passphrase_confirm": {certTestPassphrase}}
	reception.expect("ordinary certificate refused", reception.Post("/cert/issue", noChoice), 422, `data-testid="error-shared_pc"`)
	bShared, leaf, _ := reception.issueOverHTTP("", url.Values{"shared_pc": {"受付PC1"}})
	rec, err := env.DB.Certificate(store.ClientCertSerialHex(leaf))
	if err != nil || !rec.SharedPC || rec.Device != "受付PC1" || rec.MemberID != b.ID {
		t.Fatalf("shared PC certificate: %+v %v", rec, err)
	}
	if m, _ := env.DB.Member(b.ID); m.HasSharedPCGrant() || m.CertAllowance != 0 {
		t.Fatalf("after the issue: grants %v, allowance %d", m.SharedPCs, m.CertAllowance)
	}

	// The PC now holds both certificates; B's browser presents B's.
	reception.present(bShared)
	reception.Login(b.ID, "doctor-Pass-2345", "/menu")
	reception.expect("menu with B's shared-PC certificate", reception.Get("/menu"), 200)
	reception.present(aCert)
	reception.expect("B's session with A's certificate", reception.Get("/menu"), http.StatusForbidden)
	reception.expect("session ended", reception.Get("/menu"), http.StatusSeeOther)

	// A still uses the PC as before; C, with no allowance, and B, whose
	// allowance is used, are refused with A's certificate.
	reception.Login(a.ID, "member-Pass-2345", "/menu")
	for _, who := range []struct{ id, pw string }{{c.ID, "nurse-Pass-2345"}, {b.ID, "doctor-Pass-2345"}} {
		other := newCertBrowser(env, t, base, aCert)
		other.Get("/login")
		other.expect(who.id+" with A's certificate", other.Post("/login", url.Values{"id": {who.id}, "password": {who.pw}}), http.StatusForbidden, "この証明書は別のアカウントのものです")
	}

	op.expect("operator sees the shared PC", op.Get(certs), 200, `data-testid="shared-pc-badge"`, "受付PC1")
	if !hasAudit(auditOf(t, env.DB, "admin"), "cert.grant_shared_pc", store.ResultOK, "device=受付PC1") {
		t.Error("grant not audited")
	}
	if !hasAudit(auditOf(t, env.DB, b.ID), "cert.issue", store.ResultOK, "shared-pc") {
		t.Error("shared PC certificate not audited as such")
	}
	if !hasAudit(auditOf(t, env.DB, b.ID), "login", store.ResultOK, "shared PC: certificate of "+a.ID) {
		t.Error("the shared-PC login does not say whose certificate the PC presented")
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
