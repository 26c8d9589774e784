package handlertest

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"hotline/handlers/web"
	"hotline/store"
)

// Role is one person at one browser over real TLS, for the authorization
// matrix and the malformed request corpus: an HTTPS client with its own
// cookies, the certificate it presents (if any) and the CSRF token of its
// session.
type Role struct {
	Name   string
	ID, PW string // empty: anonymous
	Client *http.Client
	Cert   *tls.Certificate // presented on every connection; nil: none
	Base   string
	CSRF   string
	// PRSOID and PRSPW unlock 患者様登録ソフト for a facility member.
	PRSOID, PRSPW string
	prsOpen       bool
	// Login, when set, replaces the member login (e.g. a patient's).
	Login func(t testing.TB, r *Role)
	// Cookie is the name of the session cookie Login sets (default: the
	// member's).
	Cookie string
}

// TestPassphrase protects the PKCS#12 files tests issue.
const TestPassphrase = "test-passphrase-1"

// IssueCert issues a client certificate for the member through the store,
// as /cert/issue does, and unpacks the PKCS#12 file a browser would import.
func IssueCert(t testing.TB, db *store.DB, memberID string) *tls.Certificate {
	t.Helper()
	issued, err := db.IssueCertificate(memberID, store.CertificateRequest{Device: "テスト端末",
		Passphrase: TestPassphrase, PassphraseConfirm: TestPassphrase}, 24*time.Hour, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _, err := pkcs12.DecodeChain(issued.P12, TestPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

// Role logs a person in at base (id "" stays anonymous).
func (e *Env) Role(t testing.TB, base, name, id, pw string, cert *tls.Certificate) *Role {
	t.Helper()
	r := &Role{Name: name, ID: id, PW: pw, Client: e.HTTPSClient(t, cert), Cert: cert, Base: base}
	r.LogIn(t)
	return r
}

// LogIn starts a session (anonymous roles only fetch a form's token).
func (r *Role) LogIn(t testing.TB) {
	t.Helper()
	r.CSRF, r.prsOpen = "", false
	if r.Login != nil {
		r.Login(t, r)
		return
	}
	page := r.Do(t, http.MethodGet, "/login", nil, "")
	r.CSRF = CSRFOf(page)
	if r.ID == "" {
		return
	}
	res := r.Do(t, http.MethodPost, "/login", strings.NewReader(url.Values{"id": {r.ID}, "password": {r.PW}, "_csrf": {r.CSRF}}.Encode()), "application/x-www-form-urlencoded")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s: login answered %d", r.Name, res.Status)
	}
	// Any page the session reaches carries its token.
	for _, p := range []string{"/menu", "/password"} {
		if tok := CSRFOf(r.Do(t, http.MethodGet, p, nil, "")); tok != "" && strings.HasPrefix(tok, "s.") {
			r.CSRF = tok
			break
		}
	}
	if !strings.HasPrefix(r.CSRF, "s.") {
		t.Fatalf("%s: no session token after login", r.Name)
	}
}

// UnlockPRS enters the facility's OID and password once per session
// (again after a lock or a new login).
func (r *Role) UnlockPRS(t testing.TB) {
	t.Helper()
	if r.PRSOID == "" || r.prsOpen {
		return
	}
	res := r.Do(t, http.MethodPost, "/prs/login", strings.NewReader(url.Values{"oid": {r.PRSOID}, "password": {r.PRSPW}, "_csrf": {r.CSRF}}.Encode()), "application/x-www-form-urlencoded")
	if res.Status != http.StatusSeeOther {
		t.Fatalf("%s: PRS unlock answered %d", r.Name, res.Status)
	}
	r.prsOpen = true
}

// HasSession reports whether the browser still holds a session cookie.
func (r *Role) HasSession() bool { return r.SessionCookieValue() != "" }

// SessionCookieValue is the session cookie the browser holds ("" when none).
func (r *Role) SessionCookieValue() string {
	name := r.Cookie
	if name == "" {
		name = web.SessionCookie
	}
	u, _ := url.Parse(r.Base)
	for _, c := range r.Client.Jar.Cookies(u) {
		if c.Name == name && c.Value != "" {
			return c.Value
		}
	}
	return ""
}

// EnsureSession logs in again when the last request ended the session.
func (r *Role) EnsureSession(t testing.TB) {
	if (r.ID != "" || r.Login != nil) && !r.HasSession() {
		r.LogIn(t)
	}
}

// Do sends a request as this person.
func (r *Role) Do(t testing.TB, method, path string, body io.Reader, contentType string) Response {
	t.Helper()
	req, err := http.NewRequest(method, r.Base+path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := r.Client.Do(req)
	if err != nil {
		t.Fatalf("%s: %s %s: %v", r.Name, method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if path == "/prs/lock" || strings.HasPrefix(res.Header.Get("Location"), "/prs/login") {
		r.prsOpen = false
	}
	return Response{Status: res.StatusCode, Body: string(data), Header: res.Header, Location: res.Header.Get("Location")}
}

// Post sends a form with the role's token.
func (r *Role) Post(t testing.TB, path string, form url.Values) Response {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", r.CSRF)
	return r.Do(t, http.MethodPost, path, strings.NewReader(f.Encode()), "application/x-www-form-urlencoded")
}

// UnlockPRSAgain unlocks PRS even when the role believes it is unlocked
// (after requests that may have ended the unlock).
func (r *Role) UnlockPRSAgain(t testing.TB) {
	t.Helper()
	r.prsOpen = false
	r.UnlockPRS(t)
}

// CookieHeader is the role's session cookie as a Cookie header value (""
// when it holds none).
func (r *Role) CookieHeader() string {
	name := r.Cookie
	if name == "" {
		name = web.SessionCookie
	}
	if v := r.SessionCookieValue(); v != "" {
		return name + "=" + v
	}
	return ""
}

// PatientRole is a patient at a browser over TLS, without a certificate,
// logged in to the patient page with the access card's pair (id as
// printed, code); its token is its patient session's.
func (e *Env) PatientRole(t testing.TB, base, name, id, code string) *Role {
	t.Helper()
	r := &Role{Name: name, Client: e.HTTPSClient(t, nil), Base: base, Cookie: web.PatientSessionCookie,
		Login: func(t testing.TB, r *Role) {
			t.Helper()
			tok := CSRFOf(r.Do(t, http.MethodGet, "/patient/login", nil, ""))
			res := r.Do(t, http.MethodPost, "/patient/login", strings.NewReader(url.Values{"patient_id": {store.FormatPatientID(id)},
				"access_code": {code}, "_csrf": {tok}}.Encode()), "application/x-www-form-urlencoded")
			if res.Status != http.StatusSeeOther || res.Location != "/patient" {
				t.Fatalf("%s: patient login answered %d %q", r.Name, res.Status, res.Location)
			}
			r.CSRF = CSRFOf(r.Do(t, http.MethodGet, "/patient", nil, ""))
			if !strings.HasPrefix(r.CSRF, "s.") {
				t.Fatalf("%s: no session token after login", r.Name)
			}
		}}
	r.LogIn(t)
	return r
}
