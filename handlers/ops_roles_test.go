package handlers

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"hotline/store"
)

// Roles over real TLS for the authorization matrix and the malformed
// request corpus: each is an HTTPS client with its own cookies, the
// certificate it presents (if any) and the CSRF token of its session.

// opsRole is one person at one browser.
type opsRole struct {
	name     string
	id, pw   string // empty: anonymous
	client   *http.Client
	cert     *tls.Certificate // presented on every connection; nil: none
	base     string
	csrf     string
	loggedIn bool
	// prsOID and prsPW unlock 患者様登録ソフト for a facility member.
	prsOID, prsPW string
	prsOpen       bool
}

const opsTestPassphrase = "test-passphrase-1"

// opsIssueCert issues a client certificate for the member through the
// store, as /cert/issue does, and unpacks the PKCS#12 file a browser would
// import.
func opsIssueCert(t testing.TB, db *store.DB, memberID string) *tls.Certificate {
	t.Helper()
	issued, err := db.IssueCertificate(memberID, store.CertificateRequest{Device: "テスト端末",
		Passphrase: opsTestPassphrase, PassphraseConfirm: opsTestPassphrase}, 24*time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _, err := pkcs12.DecodeChain(issued.P12, opsTestPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

func (e *testEnv) opsRole(t testing.TB, base, name, id, pw string, cert *tls.Certificate) *opsRole {
	t.Helper()
	r := &opsRole{name: name, id: id, pw: pw, client: e.httpsClient(t, cert), cert: cert, base: base}
	r.login(t)
	return r
}

// login starts a session (anonymous roles only fetch a form's token).
func (r *opsRole) login(t testing.TB) {
	t.Helper()
	r.csrf, r.prsOpen = "", false
	page := r.do(t, http.MethodGet, "/login", nil, "")
	if r.id == "" {
		r.csrf = csrfOf(page)
		return
	}
	r.csrf = csrfOf(page)
	res := r.do(t, http.MethodPost, "/login", strings.NewReader(url.Values{"id": {r.id}, "password": {r.pw}, "_csrf": {r.csrf}}.Encode()), "application/x-www-form-urlencoded")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s: login answered %d", r.name, res.Status)
	}
	// Any page the session reaches carries its token.
	for _, p := range []string{"/menu", "/password"} {
		if tok := csrfOf(r.do(t, http.MethodGet, p, nil, "")); tok != "" && strings.HasPrefix(tok, "s.") {
			r.csrf = tok
			break
		}
	}
	if !strings.HasPrefix(r.csrf, "s.") {
		t.Fatalf("%s: no session token after login", r.name)
	}
	r.loggedIn = true
}

// unlockPRS enters the facility's OID and password once per session
// (again after a lock or a new login).
func (r *opsRole) unlockPRS(t testing.TB) {
	t.Helper()
	if r.prsOID == "" || r.prsOpen {
		return
	}
	res := r.do(t, http.MethodPost, "/prs/login", strings.NewReader(url.Values{"oid": {r.prsOID}, "password": {r.prsPW}, "_csrf": {r.csrf}}.Encode()), "application/x-www-form-urlencoded")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s: PRS unlock answered %d", r.name, res.Status)
	}
	r.prsOpen = true
}

// hasSession reports whether the browser still holds a session cookie.
func (r *opsRole) hasSession() bool {
	u, _ := url.Parse(r.base)
	for _, c := range r.client.Jar.Cookies(u) {
		if c.Name == sessionCookie && c.Value != "" {
			return true
		}
	}
	return false
}

// ensureSession logs in again when the last request ended the session.
func (r *opsRole) ensureSession(t testing.TB) {
	if r.id != "" && !r.hasSession() {
		r.login(t)
	}
}

func (r *opsRole) do(t testing.TB, method, path string, body io.Reader, contentType string) testResponse {
	t.Helper()
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := r.client.Do(req)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", r.name, method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if path == "/prs/lock" || strings.HasPrefix(res.Header.Get("Location"), "/prs/login") {
		r.prsOpen = false
	}
	return testResponse{Status: res.StatusCode, Body: string(data), Header: res.Header, Location: res.Header.Get("Location")}
}

func csrfOf(res testResponse) string {
	if m := csrfPattern.FindStringSubmatch(res.Body); m != nil {
		return m[1]
	}
	return ""
}
