package store

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

func certTestMember(t *testing.T, db *DB, name string) Member {
	t.Helper()
	m, _, err := db.CreateTestMember(TestMemberSpec{Name: name, Password: "member-Pass-2345"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func certRequest(device string) CertificateRequest {
	return CertificateRequest{Device: device, Passphrase: "pass phrase 1", PassphraseConfirm: "pass phrase 1"}
}

func certActions(t *testing.T, db *DB, actor string) []string {
	t.Helper()
	page, err := db.ListAudit(AuditFilter{Actor: actor, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(page.Events) - 1; i >= 0; i-- {
		e := page.Events[i]
		out = append(out, string(e.Action)+"/"+e.Result)
	}
	return out
}

func TestCertificateRequestValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		req   CertificateRequest
		field string
	}{
		{"ok", certRequest("受付PC"), ""},
		{"no device", certRequest("  "), "device_name"},
		{"long device", certRequest(strings.Repeat("端", 41)), "device_name"},
		{"control in device", certRequest("受付\x00PC"), "device_name"},
		{"short passphrase", CertificateRequest{Device: "PC", Passphrase: "1234567", PassphraseConfirm: "1234567"}, "passphrase"},
		{"eight kana are enough", CertificateRequest{Device: "PC", Passphrase: "あいうえおかきく", PassphraseConfirm: "あいうえおかきく"}, ""},
		{"empty passphrase", CertificateRequest{Device: "PC"}, "passphrase"},
		{"mismatch", CertificateRequest{Device: "PC", Passphrase: "12345678", PassphraseConfirm: "12345679"}, "passphrase_confirm"},
	} {
		err := tc.req.Validate()
		fields := ErrorFields(err)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if ErrorCode(err) != EINVALID || fields[tc.field] == "" {
			t.Errorf("%s: %v %v, want a message for %s", tc.name, err, fields, tc.field)
		}
	}
}

func TestIssueCertificate(t *testing.T) {
	db, now := mustOpen(t)
	m := certTestMember(t, db, "山田 太郎")
	ca, err := db.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	issued, err := db.IssueCertificate(m.ID, certRequest(" 受付PC "), 0, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(issued.P12, "pass phrase 1")
	if err != nil {
		t.Fatal(err)
	}
	checkPKCS12Encoding(t, issued.P12, pkiWantEncoding(false))
	if key == nil || len(chain) != 1 || !chain[0].Equal(ca.Cert) {
		t.Fatalf("key %T chain %d", key, len(chain))
	}
	if leaf.Subject.CommonName != "山田 太郎" || leaf.Subject.SerialNumber != m.ID || ClientCertDevice(leaf) != "受付PC" {
		t.Errorf("subject %v", leaf.Subject)
	}
	if leaf.SerialNumber.BitLen() < 100 || ClientCertSerialHex(leaf) != issued.Record.Serial {
		t.Errorf("serial %x (%d bits), record %s", leaf.SerialNumber, leaf.SerialNumber.BitLen(), issued.Record.Serial)
	}
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || leaf.IsCA {
		t.Errorf("usage %v ca %v", leaf.ExtKeyUsage, leaf.IsCA)
	}
	if got := leaf.NotAfter.Sub(*now); got != ClientCertValidity {
		t.Errorf("validity %v, want %v", got, ClientCertValidity)
	}
	if err := leaf.CheckSignatureFrom(ca.Cert); err != nil {
		t.Errorf("not signed by the client CA: %v", err)
	}
	rec, err := db.Certificate(issued.Record.Serial)
	if err != nil || rec.MemberID != m.ID || rec.Device != "受付PC" || !rec.ExpiresAt.Equal(leaf.NotAfter) {
		t.Fatalf("record %+v %v", rec, err)
	}
	if after, _ := db.Member(m.ID); after.CertAllowance != 0 {
		t.Errorf("allowance %d after the first certificate", after.CertAllowance)
	}

	// Once per allowance.
	if _, err := db.IssueCertificate(m.ID, certRequest("診察室PC"), 0, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("second issue without a grant: %v", err)
	}
	// Bad input changes nothing.
	if _, err := db.IssueCertificate(m.ID, CertificateRequest{Device: "PC", Passphrase: "short", PassphraseConfirm: "short"}, 0, ""); ErrorCode(err) != EINVALID {
		t.Fatalf("bad input: %v", err)
	}
	// A granted reissue adds one certificate; the first stays valid.
	if err := db.GrantCertificateReissue(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	legacy := certRequest("診察室PC")
	legacy.Legacy = true
	second, err := db.IssueCertificate(m.ID, legacy, 90*24*time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, leaf2, _, err := pkcs12.DecodeChain(second.P12, "pass phrase 1"); err != nil || leaf2.NotAfter.Sub(*now) != 90*24*time.Hour {
		t.Fatalf("legacy file: %v", err)
	}
	checkPKCS12Encoding(t, second.P12, pkiWantEncoding(true))
	certs, _ := db.MemberCertificates(m.ID)
	if len(certs) != 2 || !certs[0].Usable(*now) || !certs[1].Usable(*now) {
		t.Fatalf("certificates %+v", certs)
	}
	want := []string{"cert.issue/ok", "cert.download/ok", "cert.issue/ok", "cert.download/ok"}
	if got := certActions(t, db, m.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audit %v, want %v", got, want)
	}
	if got := certActions(t, db, "admin"); len(got) != 1 || got[0] != "cert.grant_reissue/ok" {
		t.Errorf("operator audit %v", got)
	}
}

func TestIssueCertificateInactiveMember(t *testing.T) {
	db, _ := mustOpen(t)
	m := certTestMember(t, db, "山田 太郎")
	err := db.Update(func(tx *Tx) error {
		m.Status = MemberLocked
		return putMemberTx(tx, m)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.IssueCertificate(m.ID, certRequest("PC"), 0, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("locked member: %v", err)
	}
	if err := db.GrantCertificateReissue(m.ID, "admin", ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("grant for a locked member: %v", err)
	}
}

func TestRenewCertificate(t *testing.T) {
	db, now := mustOpen(t)
	m := certTestMember(t, db, "山田 太郎")
	other := certTestMember(t, db, "鈴木 花子")
	first, err := db.IssueCertificate(m.ID, certRequest("受付PC"), 60*24*time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	renew := certRequest("受付PC")
	renew.Renew = first.Record.Serial

	// Not before the last 30 days.
	if _, err := db.IssueCertificate(m.ID, renew, 60*24*time.Hour, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("early renewal: %v", err)
	}
	*now = now.Add(40 * 24 * time.Hour)
	// Not someone else's certificate.
	if _, err := db.IssueCertificate(other.ID, renew, 0, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("renewing another member's certificate: %v", err)
	}
	second, err := db.IssueCertificate(m.ID, renew, 60*24*time.Hour, "")
	if err != nil {
		t.Fatal(err)
	}
	if second.Record.RenewalOf != first.Record.Serial {
		t.Errorf("renewal of %q", second.Record.RenewalOf)
	}
	if a, _ := db.Member(m.ID); a.CertAllowance != 0 {
		t.Errorf("renewal changed the allowance: %d", a.CertAllowance)
	}
	if next, err := db.CertificateRenewedBy(first.Record.Serial); err != nil || next != second.Record.Serial {
		t.Errorf("renewed by %q %v", next, err)
	}
	// Once.
	if _, err := db.IssueCertificate(m.ID, renew, 0, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("second renewal: %v", err)
	}
	// The first login with the renewal retires the old certificate, once.
	if done, err := db.RetireRenewedCertificate(second.Record.Serial, ""); err != nil || !done {
		t.Fatalf("retire: %v %v", done, err)
	}
	if done, err := db.RetireRenewedCertificate(second.Record.Serial, ""); err != nil || done {
		t.Fatalf("retire again: %v %v", done, err)
	}
	if old, _ := db.Certificate(first.Record.Serial); !old.Revoked() {
		t.Error("old certificate still live after the renewal was used")
	}
	if done, err := db.RetireRenewedCertificate(first.Record.Serial, ""); err != nil || done {
		t.Fatalf("retire for a certificate that renewed nothing: %v %v", done, err)
	}
	// An expired certificate cannot be renewed: that is a reissue.
	third, err := db.IssueCertificate(m.ID, certRequest("x"), time.Hour, "")
	if ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("no allowance left, yet %v %v", third.Record.Serial, err)
	}
	*now = now.Add(30 * 24 * time.Hour)
	renew.Renew = second.Record.Serial
	if _, err := db.IssueCertificate(m.ID, renew, 0, ""); ErrorCode(err) != EFORBIDDEN {
		t.Fatalf("renewing an expired certificate: %v", err)
	}
	got := strings.Join(certActions(t, db, m.ID), " ")
	for _, want := range []string{"cert.renew/ok", "cert.revoke/ok"} {
		if !strings.Contains(got, want) {
			t.Errorf("audit %s lacks %s", got, want)
		}
	}
}

func TestRevokeCertificate(t *testing.T) {
	db, now := mustOpen(t)
	m := certTestMember(t, db, "山田 太郎")
	other := certTestMember(t, db, "鈴木 花子")
	issued, err := db.IssueCertificate(m.ID, certRequest("受付PC"), 0, "")
	if err != nil {
		t.Fatal(err)
	}
	serial := issued.Record.Serial
	gen := db.CertificateGeneration()
	if err := db.RevokeCertificate(serial, other.ID, false, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("another member revoking: %v", err)
	}
	if err := db.RevokeCertificate(serial, m.ID, false, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if db.CertificateGeneration() == gen {
		t.Error("revocation did not change the certificate generation")
	}
	rec, _ := db.Certificate(serial)
	if !rec.Revoked() || rec.RevokedBy != m.ID || rec.Usable(*now) || rec.StatusLabel(*now) != "失効" {
		t.Fatalf("after revoke %+v", rec)
	}
	if err := db.RevokeCertificate(serial, "admin", true, ""); ErrorCode(err) != ECONFLICT {
		t.Fatalf("revoking twice: %v", err)
	}
	if err := db.RevokeCertificate("abc", "admin", true, ""); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("unknown serial: %v", err)
	}
}

func TestCertificateStatus(t *testing.T) {
	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	c := Certificate{ExpiresAt: now.Add(31 * 24 * time.Hour)}
	if c.StatusLabel(now) != "有効" || c.ExpiresSoon(now) {
		t.Error("31 days left")
	}
	c.ExpiresAt = now.Add(29 * 24 * time.Hour)
	if c.StatusLabel(now) != "まもなく期限切れ" || !c.ExpiresSoon(now) {
		t.Error("29 days left")
	}
	c.ExpiresAt = now
	if c.StatusLabel(now) != "期限切れ" || c.Usable(now) || c.ExpiresSoon(now) {
		t.Error("expired")
	}
}

func TestParseSerialHex(t *testing.T) {
	for in, want := range map[string]string{"AbC0": "abc0", " 1f ": "1f", "": "", "xyz": "", strings.Repeat("a", 41): ""} {
		got, ok := ParseSerialHex(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v", in, got, ok)
		}
	}
}
