package store

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

// serverChainVerifies reports whether cert verifies for host at now
// against the stored server CA.
func serverChainVerifies(t *testing.T, db *DB, cert tls.Certificate, host string, now time.Time) error {
	t.Helper()
	caPEM, err := db.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	_, err = cert.Leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: host, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	return err
}

func serverAudit(t *testing.T, db *DB, action string) int {
	t.Helper()
	page, err := db.ListAudit(AuditFilter{Actor: "system", Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Events)
}

// TestServerCertificateRenewal: the server certificate is kept while it is
// young, reissued (by the same CA) and stored once two thirds of its life
// have passed, and reissued after it expired unnoticed.
func TestServerCertificateRenewal(t *testing.T) {
	db, now := mustOpen(t)
	hosts := []string{"hotline.example.jp"}
	first, err := db.ServerCertificate(hosts)
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := db.ServerCAPEM()
	if err := serverChainVerifies(t, db, first, "hotline.example.jp", *now); err != nil {
		t.Fatal(err)
	}
	if life := first.Leaf.NotAfter.Sub(*now); life != serverCertValidity {
		t.Fatalf("lifetime %v, want %v", life, serverCertValidity)
	}

	// Not due yet: the same certificate.
	*now = now.Add(59 * 24 * time.Hour)
	same, err := db.ServerCertificate(hosts)
	if err != nil || same.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) != 0 {
		t.Fatalf("59 days in: serial %v (was %v), %v", same.Leaf.SerialNumber, first.Leaf.SerialNumber, err)
	}

	// Due: a new certificate from the same CA, valid now for the full term.
	*now = now.Add(2 * 24 * time.Hour)
	if !ServerCertNeedsRenewal(first.Leaf, *now) {
		t.Fatal("61 days in, the certificate is not due")
	}
	renewed, err := db.ServerCertificate(hosts)
	if err != nil {
		t.Fatal(err)
	}
	if renewed.Leaf.SerialNumber.Cmp(first.Leaf.SerialNumber) == 0 || ServerCertNeedsRenewal(renewed.Leaf, *now) ||
		renewed.Leaf.NotAfter.Sub(*now) != serverCertValidity {
		t.Fatalf("renewed: serial %v, until %v", renewed.Leaf.SerialNumber, renewed.Leaf.NotAfter)
	}
	if err := serverChainVerifies(t, db, renewed, "hotline.example.jp", *now); err != nil {
		t.Fatal(err)
	}
	if after, _ := db.ServerCAPEM(); !bytes.Equal(after, caPEM) {
		t.Fatal("renewing the certificate replaced the CA")
	}
	if len(renewed.Certificate) != 2 || !bytes.Equal(renewed.Certificate[1], pemBytes(t, caPEM)) {
		t.Fatal("the renewed chain does not carry the CA")
	}

	// Stored: asked again, and after a reopen, it is the same one.
	again, _ := db.ServerCertificate(hosts)
	path := db.Path()
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := *now
	db.SetClock(func() time.Time { return at })
	reopened, err := db.ServerCertificate(hosts)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []tls.Certificate{again, reopened} {
		if c.Leaf.SerialNumber.Cmp(renewed.Leaf.SerialNumber) != 0 {
			t.Fatalf("not stored: serial %v, want %v", c.Leaf.SerialNumber, renewed.Leaf.SerialNumber)
		}
	}

	// The server was off past the expiry: a new one at once.
	at = renewed.Leaf.NotAfter.Add(24 * time.Hour)
	if err := serverChainVerifies(t, db, renewed, "hotline.example.jp", at); err == nil {
		t.Fatal("an expired certificate verifies")
	}
	late, err := db.ServerCertificate(hosts)
	if err != nil {
		t.Fatal(err)
	}
	if late.Leaf.SerialNumber.Cmp(renewed.Leaf.SerialNumber) == 0 {
		t.Fatal("expired certificate not reissued")
	}
	if err := serverChainVerifies(t, db, late, "hotline.example.jp", at); err != nil {
		t.Fatal(err)
	}
	if n, c := serverAudit(t, db, "ca.server.issue"), serverAudit(t, db, "ca.server.create"); n != 3 || c != 1 {
		t.Errorf("audit: %d issues, %d CAs; want 3 and 1", n, c)
	}
}

// TestServerCertificateNewHostname: the server CA is name-constrained, so
// a host name it does not cover replaces it (and the certificate); names
// it covers, in any spelling, or fewer names, change nothing.
func TestServerCertificateNewHostname(t *testing.T) {
	db, now := mustOpen(t)
	first, err := db.ServerCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	oldCA, _ := db.ServerCAPEM()
	if err := serverChainVerifies(t, db, first, "localhost", *now); err != nil {
		t.Fatal(err)
	}

	*now = now.Add(time.Hour)
	added, err := db.ServerCertificate([]string{"hotline.example.jp"})
	if err != nil {
		t.Fatal(err)
	}
	newCA, _ := db.ServerCAPEM()
	if bytes.Equal(newCA, oldCA) {
		t.Fatal("a new host name kept the CA that cannot vouch for it")
	}
	for _, host := range []string{"hotline.example.jp", "localhost"} {
		if err := serverChainVerifies(t, db, added, host, *now); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	// Clients that trust only the old /ca.crt no longer trust the server.
	old := x509.NewCertPool()
	old.AppendCertsFromPEM(oldCA)
	if _, err := added.Leaf.Verify(x509.VerifyOptions{Roots: old, DNSName: "localhost", CurrentTime: *now}); err == nil {
		t.Error("the new certificate verifies against the old CA")
	}

	for _, hosts := range [][]string{{"HOTLINE.example.jp "}, {"localhost", "hotline.example.jp"}, nil} {
		c, err := db.ServerCertificate(hosts)
		if err != nil {
			t.Fatal(err)
		}
		if ca, _ := db.ServerCAPEM(); !bytes.Equal(ca, newCA) || c.Leaf.SerialNumber.Cmp(added.Leaf.SerialNumber) != 0 {
			t.Errorf("%q: replaced the CA or the certificate", hosts)
		}
	}
	if n, c := serverAudit(t, db, "ca.server.issue"), serverAudit(t, db, "ca.server.create"); n != 2 || c != 2 {
		t.Errorf("audit: %d issues, %d CAs; want 2 and 2", n, c)
	}
}

func pemBytes(t *testing.T, p []byte) []byte {
	t.Helper()
	b, _ := pem.Decode(p)
	if b == nil {
		t.Fatal("not PEM")
	}
	return b.Bytes
}
