package store

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"hotline/store/pkcs12info"
)

var pkiTestNow = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

type pkiTestCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func pkiMustParse(t testing.TB, der []byte, key *ecdsa.PrivateKey, err error) pkiTestCA {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pkiTestCA{cert, key, pool}
}

func pkiTestServerCA(t testing.TB, names ...string) pkiTestCA {
	t.Helper()
	der, key, err := NewServerCA(names, pkiTestNow)
	return pkiMustParse(t, der, key, err)
}

func pkiTestClientCA(t testing.TB) pkiTestCA {
	t.Helper()
	der, key, err := NewClientCA(pkiTestNow)
	return pkiMustParse(t, der, key, err)
}

func pkiTestClientCert(t testing.TB, ca pkiTestCA, at time.Time, validity time.Duration) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := pkiNewP256Key()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := IssueClientCert(ca.cert, ca.key, &key.PublicKey, ClientSubject{
		MemberID: "H123456", Name: "山田 太郎", Device: "診察室PC",
	}, at, validity)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// pkiRawCert signs a template with a CA directly, for cases our functions
// never produce.
func pkiRawCert(t testing.TB, ca pkiTestCA, tmpl *x509.Certificate) *x509.Certificate {
	t.Helper()
	key, err := pkiNewP256Key()
	if err != nil {
		t.Fatal(err)
	}
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(42)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewServerCA(t *testing.T) {
	ca := pkiTestServerCA(t, "clinic.example.jp", "192.0.2.10", "Portal.Example.JP.")
	c := ca.cert
	if !c.IsCA || !c.BasicConstraintsValid || c.MaxPathLen != 0 || !c.MaxPathLenZero {
		t.Errorf("not a path-length-0 CA: IsCA=%v MaxPathLen=%d zero=%v", c.IsCA, c.MaxPathLen, c.MaxPathLenZero)
	}
	if !strings.HasPrefix(c.Subject.CommonName, "hotline Server CA ") || len(c.Subject.CommonName) <= len("hotline Server CA ") {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if c.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("key usage %v", c.KeyUsage)
	}
	if _, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || c.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("not ECDSA P-256/SHA-256: %T %v", c.PublicKey, c.SignatureAlgorithm)
	}
	if got := c.NotAfter.Sub(pkiTestNow); got < CAValidity-time.Minute || got > CAValidity+time.Minute {
		t.Errorf("validity %v", got)
	}
	if !c.PermittedDNSDomainsCritical {
		t.Error("name constraints not critical")
	}
	found := false
	for _, e := range c.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 30}) {
			found = true
			if !e.Critical {
				t.Error("name constraints extension not critical")
			}
		}
	}
	if !found {
		t.Error("no name constraints extension")
	}
	want := []string{"localhost", "clinic.example.jp", "portal.example.jp"}
	if strings.Join(c.PermittedDNSDomains, ",") != strings.Join(want, ",") {
		t.Errorf("permitted DNS %v, want %v", c.PermittedDNSDomains, want)
	}
	var ranges []string
	for _, r := range c.PermittedIPRanges {
		ranges = append(ranges, r.String())
	}
	if strings.Join(ranges, ",") != "127.0.0.0/8,::1/128,192.0.2.10/32" {
		t.Errorf("permitted IP ranges %v", ranges)
	}
	// Two installations get different CA names.
	if other := pkiTestServerCA(t); other.cert.Subject.CommonName == c.Subject.CommonName {
		t.Error("CA names not unique")
	}
}

func TestNewServerCARejectsBadNames(t *testing.T) {
	for _, h := range []string{"bad name", "exa_mple.jp", "-x.jp", "0.0.0.0", "a..b"} {
		if _, _, err := NewServerCA([]string{h}, pkiTestNow); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
}

func TestServerCertNameConstraints(t *testing.T) {
	hosts := []string{"clinic.example.jp", "192.0.2.10"}
	ca := pkiTestServerCA(t, hosts...)
	cert, err := IssueServerCert(ca.cert, ca.key, hosts, pkiTestNow, 0)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("EKU %v", leaf.ExtKeyUsage)
	}
	if leaf.IsCA {
		t.Error("server certificate is a CA")
	}
	if leaf.Subject.CommonName != "clinic.example.jp" {
		t.Errorf("CN %q", leaf.Subject.CommonName)
	}
	if got := leaf.NotAfter.Sub(pkiTestNow); got != ServerCertValidity {
		t.Errorf("validity %v", got)
	}
	if len(cert.Certificate) != 2 || !bytes.Equal(cert.Certificate[1], ca.cert.Raw) {
		t.Error("chain does not hold the CA")
	}
	at := pkiTestNow.Add(time.Hour)
	for _, name := range []string{"localhost", "127.0.0.1", "::1", "clinic.example.jp", "192.0.2.10"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.pool, DNSName: name, CurrentTime: at}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.pool, DNSName: "example.com", CurrentTime: at}); err == nil {
		t.Error("verified for a name it does not hold")
	}

	// The CA key signing for a name outside the constraints: rejected by
	// name constraints, whatever the SAN.
	for _, tc := range []struct {
		name string
		dns  []string
		ips  []net.IP
	}{
		{"example.com", []string{"example.com"}, nil},
		{"localhost.example.com", []string{"localhost.example.com"}, nil},
		{"example.jp", []string{"example.jp"}, nil},
		{"10.0.0.1", nil, []net.IP{net.ParseIP("10.0.0.1")}},
		{"192.0.2.11", nil, []net.IP{net.ParseIP("192.0.2.11")}},
	} {
		bad, err := IssueServerCert(ca.cert, ca.key, append(tc.dns, pkiIPStrings(tc.ips)...), pkiTestNow, 0)
		if err != nil {
			t.Fatal(err)
		}
		_, err = bad.Leaf.Verify(x509.VerifyOptions{Roots: ca.pool, DNSName: tc.name, CurrentTime: at})
		var ci x509.CertificateInvalidError
		if !errors.As(err, &ci) || ci.Reason != x509.CANotAuthorizedForThisName {
			t.Errorf("%s: want name-constraint error, got %v", tc.name, err)
		}
	}
	// A subdomain of a permitted name is permitted (RFC 5280 semantics).
	sub, err := IssueServerCert(ca.cert, ca.key, []string{"www.clinic.example.jp"}, pkiTestNow, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sub.Leaf.Verify(x509.VerifyOptions{Roots: ca.pool, DNSName: "www.clinic.example.jp", CurrentTime: at}); err != nil {
		t.Errorf("subdomain: %v", err)
	}
}

func pkiIPStrings(ips []net.IP) []string {
	var s []string
	for _, ip := range ips {
		s = append(s, ip.String())
	}
	return s
}

// A real TLS handshake with the issued certificate, the client trusting
// only the server CA.
func TestServerCertHandshake(t *testing.T) {
	ca := pkiTestServerCA(t)
	now := time.Now()
	cert, err := IssueServerCert(ca.cert, ca.key, nil, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.(*tls.Conn).Handshake()
		c.Close()
	}()
	for _, sn := range []string{"localhost"} {
		conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: ca.pool, ServerName: sn})
		if err != nil {
			t.Fatalf("handshake as %s: %v", sn, err)
		}
		conn.Close()
	}
}

func TestServerCertRenewal(t *testing.T) {
	ca := pkiTestServerCA(t, "clinic.example.jp")
	cert, err := IssueServerCert(ca.cert, ca.key, []string{"clinic.example.jp"}, pkiTestNow, 90*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{pkiTestNow, false},
		{pkiTestNow.Add(40 * 24 * time.Hour), false},
		{pkiTestNow.Add(61 * 24 * time.Hour), true}, // past 2/3 and within 30 days
		{pkiTestNow.Add(100 * 24 * time.Hour), true},
		{pkiTestNow.Add(-time.Hour), true}, // not valid yet
	} {
		if got := ServerCertNeedsRenewal(leaf, tc.at); got != tc.want {
			t.Errorf("at %v: %v, want %v", tc.at.Sub(pkiTestNow), got, tc.want)
		}
	}
	long, err := IssueServerCert(ca.cert, ca.key, nil, pkiTestNow, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 397 days: 2/3 is day 264.6, 30 days before the end is day 367.
	if ServerCertNeedsRenewal(long.Leaf, pkiTestNow.Add(260*24*time.Hour)) {
		t.Error("renewal at day 260")
	}
	if !ServerCertNeedsRenewal(long.Leaf, pkiTestNow.Add(270*24*time.Hour)) {
		t.Error("no renewal at day 270")
	}
	if !ServerCertNeedsRenewal(nil, pkiTestNow) {
		t.Error("nil certificate needs no renewal")
	}

	if !ServerCertCovers(leaf, []string{"clinic.example.jp"}) || !ServerCertCovers(leaf, []string{"CLINIC.example.jp.", "localhost", "127.0.0.1"}) || !ServerCertCovers(leaf, nil) {
		t.Error("does not cover its own names")
	}
	if ServerCertCovers(leaf, []string{"clinic.example.jp", "new.example.jp"}) || ServerCertCovers(leaf, []string{"192.0.2.1"}) {
		t.Error("covers a new name")
	}
}

func TestNewClientCA(t *testing.T) {
	ca := pkiTestClientCA(t)
	c := ca.cert
	if !c.IsCA || !c.MaxPathLenZero {
		t.Error("not a path-length-0 CA")
	}
	if !strings.HasPrefix(c.Subject.CommonName, "hotline Client CA ") {
		t.Errorf("CN %q", c.Subject.CommonName)
	}
	if len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
		t.Errorf("EKU %v", c.ExtKeyUsage)
	}
	if c.NotAfter.Sub(pkiTestNow) < CAValidity-time.Minute {
		t.Errorf("validity ends %v", c.NotAfter)
	}
	// It cannot sign a server certificate that verifies.
	srv := pkiRawCert(t, ca, &x509.Certificate{
		Subject: pkix.Name{CommonName: "localhost"}, DNSNames: []string{"localhost"},
		NotBefore: pkiTestNow, NotAfter: pkiTestNow.Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	if _, err := srv.Verify(x509.VerifyOptions{Roots: ca.pool, DNSName: "localhost", CurrentTime: pkiTestNow}); err == nil {
		t.Error("client CA signed a usable server certificate")
	}
}

func TestIssueClientCert(t *testing.T) {
	ca := pkiTestClientCA(t)
	cert, _ := pkiTestClientCert(t, ca, pkiTestNow, 0)
	if cert.Subject.CommonName != "山田 太郎" || ClientCertMemberID(cert) != "H123456" || ClientCertDevice(cert) != "診察室PC" {
		t.Errorf("subject %v", cert.Subject)
	}
	// The CN is a UTF8String (tag 12) in the DER.
	if !bytes.Contains(cert.RawSubject, append([]byte{0x0c, byte(len("山田 太郎"))}, "山田 太郎"...)) {
		t.Error("CN not encoded as UTF8String")
	}
	if cert.SerialNumber.Sign() <= 0 || cert.SerialNumber.BitLen() > 128 || cert.SerialNumber.BitLen() < 96 {
		t.Errorf("serial %x (%d bits)", cert.SerialNumber, cert.SerialNumber.BitLen())
	}
	if cert.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("key usage %v", cert.KeyUsage)
	}
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth || len(cert.UnknownExtKeyUsage) != 0 {
		t.Errorf("EKU %v", cert.ExtKeyUsage)
	}
	if cert.IsCA {
		t.Error("client certificate is a CA")
	}
	if !cert.NotBefore.Before(pkiTestNow) || pkiTestNow.Sub(cert.NotBefore) > time.Hour {
		t.Errorf("NotBefore %v", cert.NotBefore)
	}
	if cert.NotAfter.Sub(pkiTestNow) != ClientCertValidity {
		t.Errorf("NotAfter %v", cert.NotAfter)
	}
	if err := cert.CheckSignatureFrom(ca.cert); err != nil {
		t.Error(err)
	}
	if ClientCertSerialHex(cert) != cert.SerialNumber.Text(16) || ClientCertSerialHex(nil) != "" || ClientCertMemberID(nil) != "" {
		t.Error("serial hex / nil helpers")
	}

	// Serials differ; one with the top bit set (half of them) is encoded
	// and read back whole.
	seen := map[string]bool{}
	full := 0
	for range 50 {
		c, _ := pkiTestClientCert(t, ca, pkiTestNow, 0)
		s := ClientCertSerialHex(c)
		if seen[s] {
			t.Fatal("serial repeated")
		}
		seen[s] = true
		if c.SerialNumber.BitLen() == 128 {
			full++
			if parsed, ok := ParseSerialHex(s); len(s) != 32 || !ok || parsed != s || len(c.Raw) == 0 {
				t.Errorf("128-bit serial %q", s)
			}
		}
	}
	if full == 0 {
		t.Error("no certificate of 50 has a 128-bit serial")
	}

	// Never outlives the CA.
	long, _ := pkiTestClientCert(t, ca, pkiTestNow, 20*365*24*time.Hour)
	if !long.NotAfter.Equal(ca.cert.NotAfter) {
		t.Errorf("NotAfter %v, CA %v", long.NotAfter, ca.cert.NotAfter)
	}

	key, _ := pkiNewP256Key()
	for _, s := range []ClientSubject{
		{Name: "山田"},
		{MemberID: "H1"},
		{MemberID: "H1", Name: strings.Repeat("山", 65)},
		{MemberID: "H1", Name: "山田", Device: strings.Repeat("端", 65)},
		{MemberID: "H1", Name: "\xff"},
	} {
		if _, err := IssueClientCert(ca.cert, ca.key, &key.PublicKey, s, pkiTestNow, 0); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// TestRandomSerialHas128Bits: every one of the 128 bits varies across
// draws (none is fixed), the value is positive and never longer.
func TestRandomSerialHas128Bits(t *testing.T) {
	const draws = 2000
	var set [128]int
	full := 0
	for range draws {
		n, err := pkiRandomSerial()
		if err != nil {
			t.Fatal(err)
		}
		if n.Sign() <= 0 || n.BitLen() > 128 {
			t.Fatalf("serial %x: sign %d, %d bits", n, n.Sign(), n.BitLen())
		}
		if n.BitLen() == 128 {
			full++
		}
		for i := range set {
			set[i] += int(n.Bit(i))
		}
	}
	for i, k := range set {
		// Each bit is set in about half the draws (σ ≈ 22): a bit that is
		// fixed, or far from even, is not random.
		if k < draws/2-250 || k > draws/2+250 {
			t.Errorf("bit %d set in %d of %d draws", i, k, draws)
		}
	}
	if full < draws/2-250 {
		t.Errorf("only %d of %d serials use the top bit", full, draws)
	}
}

func TestEncodeClientPKCS12(t *testing.T) {
	ca := pkiTestClientCA(t)
	cert, key := pkiTestClientCert(t, ca, time.Now(), 0)
	const pass = "合言葉 pass-1234"
	if _, err := EncodeClientPKCS12(key, cert, ca.cert, "", false); err == nil {
		t.Error("empty passphrase accepted")
	}
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "modern2023", true: "legacyDES"}[legacy]
		t.Run(name, func(t *testing.T) {
			p12, err := EncodeClientPKCS12(key, cert, ca.cert, pass, legacy)
			if err != nil {
				t.Fatal(err)
			}
			want := pkiWantEncoding(legacy)
			checkPKCS12Encoding(t, p12, want)
			gotKey, gotCert, chain, err := pkcs12.DecodeChain(p12, pass)
			if err != nil {
				t.Fatal(err)
			}
			if !gotCert.Equal(cert) || len(chain) != 1 || !chain[0].Equal(ca.cert) {
				t.Error("certificates differ")
			}
			if k, ok := gotKey.(*ecdsa.PrivateKey); !ok || !k.Equal(key) {
				t.Error("key differs")
			}
			if _, _, err := pkcs12.Decode(p12, "wrong"); err == nil {
				t.Error("decoded with a wrong passphrase")
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "member.p12")
			if err := os.WriteFile(file, p12, 0o600); err != nil {
				t.Fatal(err)
			}
			t.Run("openssl", func(t *testing.T) { pkiOpenSSLImport(t, file, pass, want) })
			t.Run("nss", func(t *testing.T) { pkiNSSImport(t, dir, file, pass, cert) })
		})
	}
}

func pkiNeedTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (needed under CI)", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// pkcs12Encoding is what protects a PKCS#12 file, as pkcs12info names it
// and as `openssl pkcs12 -info` prints it.
type pkcs12Encoding struct {
	cipher, mac               string // pkcs12info: key bag and certificates, MAC
	opensslCipher, opensslMAC string
}

// pkiWantEncoding is the encoding EncodeClientPKCS12 must use: Modern2023
// (PBES2 with PBKDF2-HMAC-SHA-256 and AES-256-CBC, SHA-256 MAC) by default,
// LegacyDES (3DES, SHA-1 MAC) when asked.
func pkiWantEncoding(legacy bool) pkcs12Encoding {
	if legacy {
		return pkcs12Encoding{cipher: "pbeWithSHA1And3-KeyTripleDES-CBC", mac: "SHA-1",
			opensslCipher: "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048", opensslMAC: "MAC: sha1"}
	}
	return pkcs12Encoding{cipher: "PBES2, PBKDF2, AES-256-CBC, PRF hmacWithSHA256", mac: "SHA-256",
		opensslCipher: "PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256", opensslMAC: "MAC: sha256"}
}

// checkPKCS12Encoding reads the algorithm identifiers of the file.
func checkPKCS12Encoding(t *testing.T, p12 []byte, want pkcs12Encoding) {
	t.Helper()
	info, err := pkcs12info.Read(p12)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Key) != 1 || info.Key[0] != want.cipher || len(info.Certs) != 1 || info.Certs[0] != want.cipher ||
		info.CertBagsInClear != 0 || info.MAC != want.mac {
		t.Errorf("encoding %+v, want key and certificates under %q, MAC %s", info, want.cipher, want.mac)
	}
}

func pkiOpenSSLImport(t *testing.T, file, pass string, want pkcs12Encoding) {
	openssl := pkiNeedTool(t, "openssl")
	out, err := exec.Command(openssl, "pkcs12", "-in", file, "-info", "-noout", "-passin", "pass:"+pass).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, out)
	}
	// OpenSSL reads the same algorithms.
	for _, line := range []string{"Shrouded Keybag: " + want.opensslCipher + "\n", "PKCS7 Encrypted data: " + want.opensslCipher + "\n", want.opensslMAC + ","} {
		if !bytes.Contains(out, []byte(line)) {
			t.Errorf("openssl -info lacks %q:\n%s", line, out)
		}
	}
	// And it really decrypts the key.
	out, err = exec.Command(openssl, "pkcs12", "-in", file, "-nocerts", "-nodes", "-passin", "pass:"+pass).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("PRIVATE KEY")) {
		t.Fatalf("openssl pkcs12 -nocerts: %v\n%s", err, out)
	}
}

func pkiNSSImport(t *testing.T, dir, file, pass string, cert *x509.Certificate) {
	certutil := pkiNeedTool(t, "certutil")
	pk12util := pkiNeedTool(t, "pk12util")
	db := "sql:" + filepath.Join(dir, "nssdb")
	if err := os.Mkdir(filepath.Join(dir, "nssdb"), 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(certutil, "-N", "-d", db, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	if out, err := exec.Command(pk12util, "-i", file, "-d", db, "-W", pass).CombinedOutput(); err != nil {
		t.Fatalf("pk12util -i: %v\n%s", err, out)
	}
	out, err := exec.Command(certutil, "-K", "-d", db).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("ec ")) {
		t.Fatalf("no EC key in the NSS db: %v\n%s", err, out)
	}
	out, err = exec.Command(certutil, "-L", "-d", db, "-a", "-n", pkiNSSNickname(t, certutil, db, cert)).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil -L: %v\n%s", err, out)
	}
	b, _ := pem.Decode(out)
	if b == nil || !bytes.Equal(b.Bytes, cert.Raw) {
		t.Fatal("imported certificate differs")
	}
}

// pkiNSSNickname finds the nickname NSS gave to the imported certificate
// (no friendly name is written, so NSS derives one).
func pkiNSSNickname(t *testing.T, certutil, db string, cert *x509.Certificate) string {
	out, err := exec.Command(certutil, "-L", "-d", db).CombinedOutput()
	if err != nil {
		t.Fatalf("certutil -L: %v\n%s", err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimRight(line, " ")
		if i := strings.LastIndex(line, " u,u,u"); i > 0 {
			return strings.TrimSpace(line[:i])
		}
	}
	t.Fatalf("no user certificate in the NSS db:\n%s", out)
	return ""
}

func TestVerifyClientCert(t *testing.T) {
	ca := pkiTestClientCA(t)
	other := pkiTestClientCA(t)
	now := pkiTestNow.Add(24 * time.Hour)
	good, _ := pkiTestClientCert(t, ca, pkiTestNow, 30*24*time.Hour)
	foreign, _ := pkiTestClientCert(t, other, pkiTestNow, 30*24*time.Hour)
	serverCA := pkiTestServerCA(t)
	srv, err := IssueServerCert(serverCA.cert, serverCA.key, nil, pkiTestNow, 0)
	if err != nil {
		t.Fatal(err)
	}
	serverUsage := pkiRawCert(t, ca, &x509.Certificate{
		Subject: pkix.Name{CommonName: "x"}, NotBefore: pkiTestNow, NotAfter: pkiTestNow.Add(48 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	})
	noEKU := pkiRawCert(t, ca, &x509.Certificate{
		Subject: pkix.Name{CommonName: "x"}, NotBefore: pkiTestNow, NotAfter: pkiTestNow.Add(48 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	})
	// An intermediate CA under ours breaks its path length (0): a chain
	// failure none of the sentinels names.
	interKey, err := pkiNewP256Key()
	if err != nil {
		t.Fatal(err)
	}
	interDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "intermediate"},
		NotBefore: pkiTestNow, NotAfter: pkiTestNow.Add(48 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca.cert, &interKey.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	inter := pkiMustParse(t, interDER, interKey, nil)
	throughIntermediate, _ := pkiTestClientCert(t, inter, pkiTestNow, 30*24*time.Hour)
	encipherOnly := pkiRawCert(t, ca, &x509.Certificate{
		Subject: pkix.Name{CommonName: "x"}, NotBefore: pkiTestNow, NotAfter: pkiTestNow.Add(48 * time.Hour),
		KeyUsage: x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})

	for _, tc := range []struct {
		name          string
		leaf          *x509.Certificate
		intermediates []*x509.Certificate
		pool          *x509.CertPool
		at            time.Time
		want          error
		text          string
		detail        string // in ClientCertErrorDetail, never in the message
	}{
		{name: "good", leaf: good, pool: ca.pool, at: now, want: nil, text: ""},
		{name: "good at NotAfter", leaf: good, pool: ca.pool, at: good.NotAfter, want: nil, text: ""},
		{name: "missing", leaf: nil, pool: ca.pool, at: now, want: ErrClientCertMissing, text: "証明書が提示されていません"},
		{name: "expired", leaf: good, pool: ca.pool, at: pkiTestNow.Add(31 * 24 * time.Hour), want: ErrClientCertExpired, text: "有効期限が切れています"},
		{name: "not yet valid", leaf: good, pool: ca.pool, at: pkiTestNow.Add(-time.Hour), want: ErrClientCertExpired, text: "まだ始まっていません"},
		{name: "foreign", leaf: foreign, pool: ca.pool, at: now, want: ErrClientCertForeign, text: "このシステムで発行されたものではありません"},
		{name: "foreign and expired", leaf: foreign, pool: ca.pool, at: pkiTestNow.Add(60 * 24 * time.Hour), want: ErrClientCertForeign, text: "このシステムで発行されたものではありません"},
		{name: "server certificate", leaf: srv.Leaf, pool: ca.pool, at: now, want: ErrClientCertForeign, text: ""},
		{name: "no pool", leaf: good, pool: nil, at: now, want: ErrClientCertForeign, text: ""},
		{name: "server usage from our CA", leaf: serverUsage, pool: ca.pool, at: now, want: ErrClientCertUsage, text: "クライアント認証"},
		{name: "no EKU from our CA", leaf: noEKU, pool: ca.pool, at: now, want: ErrClientCertUsage, text: ""},
		{name: "no digitalSignature", leaf: encipherOnly, pool: ca.pool, at: now, want: ErrClientCertUsage, text: ""},
		{name: "CA expired", leaf: good, pool: ca.pool, at: ca.cert.NotAfter.Add(time.Hour), want: ErrClientCertExpired, text: ""},
		{name: "through an intermediate CA", leaf: throughIntermediate, intermediates: []*x509.Certificate{inter.cert}, pool: ca.pool, at: now,
			want: ErrClientCertForeign, text: "このシステムで発行されたものではありません", detail: "path length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyClientCert(tc.leaf, tc.intermediates, tc.pool, tc.at)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.text) {
				t.Errorf("message %q lacks %q", err, tc.text)
			}
			// The message is Japanese only: no ASCII word from Go's errors.
			if err != nil && regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(err.Error()) {
				t.Errorf("message %q carries English", err)
			}
			if d := ClientCertErrorDetail(err); !strings.Contains(d, tc.detail) || (tc.detail == "") != (d == "") {
				t.Errorf("detail %q, want one with %q", d, tc.detail)
			}
			for _, s := range []error{ErrClientCertMissing, ErrClientCertExpired, ErrClientCertForeign, ErrClientCertUsage} {
				if s != tc.want && errors.Is(err, s) {
					t.Errorf("also matches %v", s)
				}
			}
		})
	}
	// A CA valid for ten years is still in force for a certificate issued
	// near its end: the certificate is capped at the CA's NotAfter.
	late, _ := pkiTestClientCert(t, ca, ca.cert.NotAfter.Add(-24*time.Hour), 0)
	if err := VerifyClientCert(late, nil, ca.pool, ca.cert.NotAfter.Add(-time.Hour)); err != nil {
		t.Errorf("late certificate: %v", err)
	}
}

// BenchmarkVerifyClientCert measures the raw cost of VerifyClientCert (one
// ECDSA P-256 signature check plus chain building) and, for comparison, a
// cache hit keyed by the SHA-256 of the certificate, which is what a
// per-request check should cost.
func BenchmarkVerifyClientCert(b *testing.B) {
	ca := pkiTestClientCA(b)
	cert, _ := pkiTestClientCert(b, ca, time.Now(), 0)
	now := time.Now()
	b.Run("raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := VerifyClientCert(cert, nil, ca.pool, now); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached", func(b *testing.B) {
		var cache sync.Map // [32]byte -> NotAfter
		b.ReportAllocs()
		for b.Loop() {
			k := sha256.Sum256(cert.Raw)
			if v, ok := cache.Load(k); ok && now.Before(v.(time.Time)) {
				continue
			}
			if err := VerifyClientCert(cert, nil, ca.pool, now); err != nil {
				b.Fatal(err)
			}
			cache.Store(k, cert.NotAfter)
		}
	})
}
