package handlers

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/store/pkcs12info"
)

// certBrowser is a member's browser over real TLS: a cookie jar, the CSRF
// token of the last page, and the client certificate it presents (always,
// as a browser whose certificate was selected does, whatever CAs the server
// names).
type certBrowser struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string

	mu   sync.Mutex
	cert *tls.Certificate
}

func newCertBrowser(e *handlertest.Env, t *testing.T, base string, cert *tls.Certificate) *certBrowser {
	t.Helper()
	b := &certBrowser{t: t, base: base, cert: cert}
	b.http = e.HTTPSClient(t, nil)
	tr := b.http.Transport.(*http.Transport)
	tr.TLSClientConfig.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.cert == nil {
			return &tls.Certificate{}, nil
		}
		return b.cert, nil
	}
	t.Cleanup(tr.CloseIdleConnections)
	return b
}

// present switches the certificate; the next request opens a new
// connection.
func (b *certBrowser) present(cert *tls.Certificate) {
	b.mu.Lock()
	b.cert = cert
	b.mu.Unlock()
	b.http.Transport.(*http.Transport).CloseIdleConnections()
}

func (b *certBrowser) Do(method, path string, form url.Values) handlertest.Response {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v (the handshake must never fail)", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	out := handlertest.Response{Status: res.StatusCode, Body: string(data), Header: res.Header, Location: res.Header.Get("Location")}
	if m := handlertest.CSRFPattern.FindStringSubmatch(out.Body); m != nil {
		b.csrf = m[1]
	}
	return out
}

func (b *certBrowser) Get(path string) handlertest.Response { return b.Do(http.MethodGet, path, nil) }

func (b *certBrowser) Post(path string, form url.Values) handlertest.Response {
	b.t.Helper()
	if b.csrf == "" {
		b.Get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("_csrf", b.csrf)
	return b.Do(http.MethodPost, path, form)
}

// login posts the login form and checks where it leads.
func (b *certBrowser) Login(id, password, wantLocation string) {
	b.t.Helper()
	b.Get("/login")
	res := b.Post("/login", url.Values{"id": {id}, "password": {password}})
	if res.Status != http.StatusSeeOther || res.Location != wantLocation {
		b.t.Fatalf("login %s: %d → %q, want 303 → %q\n%s", id, res.Status, res.Location, wantLocation, handlertest.Snippet(res.Body))
	}
}

// expect checks a response's status and content.
func (b *certBrowser) expect(what string, res handlertest.Response, status int, contains ...string) {
	b.t.Helper()
	if res.Status != status {
		b.t.Fatalf("%s: status %d, want %d\n%s", what, res.Status, status, handlertest.Snippet(res.Body))
	}
	for _, s := range contains {
		if !strings.Contains(res.Body, s) {
			b.t.Fatalf("%s: body lacks %q\n%s", what, s, handlertest.Snippet(res.Body))
		}
	}
}

const certTestPassphrase = "受付の パスフレーズ 1"

// issueOverHTTP posts the issue form and unpacks the file it answers.
func (b *certBrowser) issueOverHTTP(device string, extra url.Values) (*tls.Certificate, *x509.Certificate, handlertest.Response) {
	b.t.Helper()
	form := url.Values{"device_name": {device}, "passphrase": {certTestPassphrase}, "passphrase_confirm": {certTestPassphrase}}
	for k, v := range extra {
		form[k] = v
	}
	b.Get("/cert")
	res := b.Post("/cert/issue", form)
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/x-pkcs12" {
		b.t.Fatalf("issue: %d %s\n%s", res.Status, res.Header.Get("Content-Type"), handlertest.Snippet(res.Body))
	}
	cert, leaf := certFromP12(b.t, []byte(res.Body), certTestPassphrase)
	return cert, leaf, res
}

func certFromP12(t testing.TB, p12 []byte, pass string) (*tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, leaf, chain, err := pkcs12.DecodeChain(p12, pass)
	if err != nil {
		t.Fatalf("decode .p12: %v", err)
	}
	c := &tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
	for _, ca := range chain {
		c.Certificate = append(c.Certificate, ca.Raw)
	}
	return c, leaf
}

// checkP12Encoding reads which algorithms protect a downloaded file:
// Modern2023 (PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC, SHA-256 MAC) by
// default, LegacyDES (3DES, SHA-1 MAC) for encoding=legacy.
func checkP12Encoding(t testing.TB, p12 []byte, legacy bool) {
	t.Helper()
	info, err := pkcs12info.Read(p12)
	if err != nil {
		t.Fatal(err)
	}
	cipher, mac := "PBES2, PBKDF2, AES-256-CBC, PRF hmacWithSHA256", "SHA-256"
	if legacy {
		cipher, mac = "pbeWithSHA1And3-KeyTripleDES-CBC", "SHA-1"
	}
	if len(info.Key) != 1 || info.Key[0] != cipher || len(info.Certs) != 1 || info.Certs[0] != cipher || info.CertBagsInClear != 0 || info.MAC != mac {
		t.Errorf("downloaded file (legacy=%v): %+v, want key and certificates under %q, MAC %s", legacy, info, cipher, mac)
	}
}

// storeCert issues a certificate through the store (as if downloaded
// before) and unpacks it.
func storeCert(t testing.TB, db *store.DB, memberID, device string, validity time.Duration) (*tls.Certificate, store.Certificate) {
	t.Helper()
	issued, err := db.IssueCertificate(memberID, store.CertificateRequest{Device: device, Passphrase: certTestPassphrase,
		PassphraseConfirm: certTestPassphrase}, validity, "")
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := certFromP12(t, issued.P12, certTestPassphrase)
	return cert, issued.Record
}

// foreignCert is a certificate for memberID from a CA that is not ours.
func foreignCert(t testing.TB, memberID, name string) *tls.Certificate {
	t.Helper()
	der, caKey, err := store.NewClientCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := store.IssueClientCert(ca, caKey, &key.PublicKey, store.ClientSubject{MemberID: memberID, Name: name, Device: "受付PC"}, time.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{leaf.Raw, ca.Raw}, PrivateKey: key, Leaf: leaf}
}

// auditOf lists a member's audit lines, oldest first, as action/result
// detail.
func auditOf(t testing.TB, db *store.DB, actor string) []store.AuditEvent {
	t.Helper()
	page, err := db.ListAudit(store.AuditFilter{Actor: actor, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]store.AuditEvent, 0, len(page.Events))
	for i := len(page.Events) - 1; i >= 0; i-- {
		out = append(out, page.Events[i])
	}
	return out
}

func hasAudit(events []store.AuditEvent, action, result, detail string) bool {
	for _, e := range events {
		if string(e.Action) == action && e.Result == result && strings.Contains(e.Detail, detail) {
			return true
		}
	}
	return false
}

// TestCertificateFirstLoginOverTLS: no certificate → issue in the session
// → the session ends → log in with the certificate → the menu; a second
// issue without a grant is refused.
func TestCertificateFirstLoginOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	ca, _ := env.DB.ClientCA()

	b := newCertBrowser(env, t, base, nil)
	b.Login(m.ID, "member-Pass-2345", "/cert")
	b.expect("menu, password-only", b.Get("/menu"), 403, "この端末には証明書がインストールされていません", "再発行", `href="/cert"`)
	page := b.Get("/cert")
	b.expect("cert page", page, 200, `action="/cert/issue"`, `hx-boost="false"`, `name="device_name"`, `name="passphrase"`,
		`name="passphrase_confirm"`, `name="encoding"`, "ダウンロードの後に", "ブラウザをすべて閉じて起動し直し", `href="/cert/done"`, "Windows", "macOS", "Firefox")

	for _, sc := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"short passphrase", url.Values{"device_name": {"受付PC"}, "passphrase": {"1234567"}, "passphrase_confirm": {"1234567"}}, "passphrase", "8文字以上"},
		{"mismatch", url.Values{"device_name": {"受付PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345670"}}, "passphrase_confirm", "一致しません"},
		{"no device", url.Values{"passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}}, "device_name", "端末名を入力してください"},
		{"encoding", url.Values{"device_name": {"受付PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}, "encoding": {"rc2"}}, "encoding", "ファイル形式"},
	} {
		res := b.Post("/cert/issue", sc.form)
		b.expect(sc.name, res, 422, `data-testid="error-`+sc.field+`"`, sc.msg)
		if strings.Contains(res.Body, "12345678") {
			t.Errorf("%s: the passphrase is echoed back", sc.name)
		}
	}
	// The limits are the spec's: the inputs' maxlength (and the
	// passphrase's minlength), and one character more refused beside the
	// field.
	if !strings.Contains(page.Body, `minlength="`+strconv.Itoa(store.PassphraseMinLength)+`"`) {
		t.Errorf("the passphrase has no minlength %d", store.PassphraseMinLength)
	}
	checkSpecLimits(t, page.Body, store.CertificateSpec,
		url.Values{"device_name": {"受付PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}},
		func(f url.Values) handlertest.Response { return b.Post("/cert/issue", f) },
		limitCase{"device_name", ""}, limitCase{"passphrase", ""}, limitCase{"passphrase_confirm", "確認用のパスフレーズが一致しません"})
	if a, _ := env.DB.Member(m.ID); a.CertAllowance != 1 {
		t.Fatalf("bad input used the allowance: %d", a.CertAllowance)
	}

	cert, leaf, res := b.issueOverHTTP("受付PC", url.Values{"download_token": {strings.Repeat("ab", 16)}})
	checkP12Encoding(t, []byte(res.Body), false)
	cd := res.Header.Get("Content-Disposition")
	if !strings.HasPrefix(cd, "attachment; ") || !strings.Contains(cd, `filename="hotline-`+m.ID+`.p12"`) ||
		!strings.Contains(cd, "filename*=UTF-8''hotline-"+m.ID+"-%E5%8F%97%E4%BB%98PC.p12") {
		t.Errorf("Content-Disposition %q", cd)
	}
	var sessionCleared, tokenSet bool
	for _, ck := range res.Header.Values("Set-Cookie") {
		sessionCleared = sessionCleared || strings.HasPrefix(ck, web.SessionCookie+"=;")
		tokenSet = tokenSet || strings.HasPrefix(ck, "hotline_dl="+strings.Repeat("ab", 16)+";")
	}
	if !sessionCleared || !tokenSet {
		t.Errorf("Set-Cookie %q: session cleared %v, download token %v", res.Header.Values("Set-Cookie"), sessionCleared, tokenSet)
	}
	if leaf.Subject.CommonName != "山田 太郎" || leaf.Subject.SerialNumber != m.ID || store.ClientCertDevice(leaf) != "受付PC" ||
		leaf.SerialNumber.BitLen() < 100 || len(leaf.ExtKeyUsage) != 1 || leaf.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth ||
		leaf.CheckSignatureFrom(ca.Cert) != nil {
		t.Errorf("certificate: subject %v serial bits %d usage %v", leaf.Subject, leaf.SerialNumber.BitLen(), leaf.ExtKeyUsage)
	}
	if d := time.Until(leaf.NotAfter); d < 2*365*24*time.Hour-time.Hour || d > 2*365*24*time.Hour {
		t.Errorf("validity until %v", leaf.NotAfter)
	}

	// The password-only session ended with the download.
	b.expect("cert after download", b.Get("/cert"), 303)
	b.expect("done page", b.Get("/cert/done"), 200, "証明書ファイルの取り込みと再ログイン", `href="/login"`)

	// Without the certificate (another PC), nothing more to issue.
	b.Login(m.ID, "member-Pass-2345", "/cert")
	b.expect("cert page, no allowance", b.Get("/cert"), 403, "この端末には証明書がありません", `href="/requests?kind=cert_reissue"`,
		"この端末には証明書がインストールされていません")
	b.expect("second issue", b.Post("/cert/issue", url.Values{"device_name": {"診察室PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}}),
		403, "この端末には証明書がありません")

	// Reconnect presenting the certificate and log in again.
	b.present(cert)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu", b.Get("/menu"), 200, "ほっとライン - メニュー")
	b.expect("my certificates", b.Get("/certificates"), 200, "受付PC", "このPC", "有効")
	b.expect("cert page with a certificate", b.Get("/cert"), 200, "このPCには有効な証明書がインストールされています")

	serial := store.ClientCertSerialHex(leaf)
	events := auditOf(t, env.DB, m.ID)
	for _, want := range [][3]string{
		{"cert.issue", store.ResultOK, "device=受付PC"},
		{"cert.download", store.ResultOK, "pkcs12 modern"},
		{"login", store.ResultOK, "cert:" + serial},
		{"login", store.ResultOK, "no certificate"},
		{"cert.refused", store.ResultDenied, "インストールされていません"},
		{"cert.issue", store.ResultDenied, "no allowance"},
	} {
		if !hasAudit(events, want[0], want[1], want[2]) {
			t.Errorf("no audit %v", want)
		}
	}
	if rec, _ := env.DB.Certificate(serial); rec.LastUsedAt.IsZero() {
		t.Error("last use not recorded")
	}
}

// TestCertificateRefusalsOverTLS: another member's certificate, none,
// revoked, expired and foreign certificates get our 403 page (never a TLS
// error) and end a bound session.
func TestCertificateRefusalsOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	other := env.AddMember(t, "鈴木 花子", "other-Pass-2345")
	mine, rec := storeCert(t, env.DB, m.ID, "受付PC", 0)
	theirs, _ := storeCert(t, env.DB, other.ID, "薬局PC", 0)

	b := newCertBrowser(env, t, base, mine)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu", b.Get("/menu"), 200)

	// Another member's certificate on this session.
	b.present(theirs)
	b.expect("menu with another member's certificate", b.Get("/menu"), 403, "この証明書は別のアカウントのものです", "証明書", "再発行")
	b.present(mine)
	b.expect("session ended", b.Get("/menu"), 303)

	// Logging in as m with the other member's certificate is refused.
	b.present(theirs)
	b.Get("/login")
	b.expect("login with another member's certificate", b.Post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}}), 403, "別のアカウント")

	// No certificate on a bound session.
	b.present(mine)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.present(nil)
	b.expect("menu without certificate", b.Get("/menu"), 403, "この端末には証明書がインストールされていません", "/requests?kind=cert_reissue")
	b.present(mine)
	b.expect("session ended", b.Get("/menu"), 303)

	// Revoked: the next request, no restart.
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu", b.Get("/menu"), 200)
	if err := env.DB.RevokeCertificate(rec.Serial, "admin", true, ""); err != nil {
		t.Fatal(err)
	}
	b.expect("menu after revocation", b.Get("/menu"), 403, "この証明書は失効しています", "再発行")
	b.expect("session ended", b.Get("/menu"), 303)
	b.Login(m.ID, "member-Pass-2345", "/cert")
	b.expect("cert page with a revoked certificate", b.Get("/cert"), 403, "この端末には証明書がありません", "この証明書は失効しています")

	// A foreign CA: the handshake succeeds, the answer is our page.
	f := newCertBrowser(env, t, base, foreignCert(t, other.ID, "鈴木 花子"))
	f.expect("login page with a foreign certificate", f.Get("/login"), 200)
	f.Login(other.ID, "other-Pass-2345", "/cert")
	f.expect("menu with a foreign certificate", f.Get("/menu"), 403, "このシステムで発行されたものではありません", "証明書", "再発行")
	f.expect("cert page with a foreign certificate", f.Get("/cert"), 403, "このシステムで発行されたものではありません")
	// A bound session presenting a foreign certificate ends.
	f.present(theirs)
	f.Login(other.ID, "other-Pass-2345", "/menu")
	f.present(foreignCert(t, other.ID, "鈴木 花子"))
	f.expect("bound session, foreign certificate", f.Get("/menu"), 403, "このシステムで発行されたものではありません")

	events := auditOf(t, env.DB, m.ID)
	for _, want := range [][3]string{
		{"cert.refused", store.ResultDenied, "別のアカウント"},
		{"cert.refused", store.ResultDenied, "失効"},
		{"login", store.ResultDenied, "certificate of " + other.ID},
		{"login", store.ResultOK, "certificate not used: この証明書は失効しています"},
	} {
		if !hasAudit(events, want[0], want[1], want[2]) {
			t.Errorf("no audit %v", want)
		}
	}
}

func TestCertificateExpiredOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	start := time.Now()
	cert, _ := storeCert(t, env.DB, m.ID, "受付PC", 10*time.Minute)

	b := newCertBrowser(env, t, base, cert)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu", b.Get("/menu"), 200)
	env.DB.SetClock(func() time.Time { return time.Now().Add(time.Since(start) + 11*time.Minute) })
	b.expect("menu after expiry", b.Get("/menu"), 403, "証明書の有効期限が切れています", "再発行")
	b.expect("session ended", b.Get("/menu"), 303)
	// The expired certificate does not stop the login page or the login.
	b.expect("login page", b.Get("/login"), 200)
	b.Login(m.ID, "member-Pass-2345", "/cert")
	b.expect("cert page", b.Get("/cert"), 403, "この端末には証明書がありません", "証明書の有効期限が切れています", "/requests?kind=cert_reissue")
}

// TestCertificateReissueOverTLS: the operator grants a reissue and revokes
// over HTTP; the member's second PC gets a second certificate and the first
// stays valid.
func TestCertificateReissueOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	first, firstRec := storeCert(t, env.DB, m.ID, "受付PC", 0)
	if _, err := env.DB.EnsureFirstOperator(handlertest.OperatorPassword, false); err != nil {
		t.Fatal(err)
	}

	// The operator's own first login: password, then the certificate.
	op := newCertBrowser(env, t, base, nil)
	op.Login("admin", handlertest.OperatorPassword, "/cert")
	opCert, _, opRes := op.issueOverHTTP("運営PC", url.Values{"encoding": {"modern"}})
	checkP12Encoding(t, []byte(opRes.Body), false)
	op.present(opCert)
	op.Login("admin", handlertest.OperatorPassword, "/menu")
	list := op.Get("/admin/members/" + m.ID + "/certificates")
	op.expect("operator list", list, 200, "受付PC", firstRec.Serial[:12], `data-testid="admin-nav"`, `action="/admin/members/`+m.ID+`/grant-reissue"`, "失効させる")
	op.expect("grant", op.Post("/admin/members/"+m.ID+"/grant-reissue", nil), 303)
	op.expect("after grant", op.Get("/admin/members/"+m.ID+"/certificates?done=granted"), 200, "再発行を許可しました", `data-testid="allowance">1<`)

	// On the first PC the page says to issue on the new one.
	pc1 := newCertBrowser(env, t, base, first)
	pc1.Login(m.ID, "member-Pass-2345", "/menu")
	pc1.expect("cert page on the first PC after grant", pc1.Get("/cert"), 200, `data-testid="cert-other-pc"`, `action="/cert/issue"`)

	// The member's new PC.
	pc2 := newCertBrowser(env, t, base, nil)
	pc2.Login(m.ID, "member-Pass-2345", "/cert")
	pc2.expect("cert page after grant", pc2.Get("/cert"), 200, `action="/cert/issue"`)
	second, _, legacyRes := pc2.issueOverHTTP("診察室PC", url.Values{"encoding": {"legacy"}})
	checkP12Encoding(t, []byte(legacyRes.Body), true)
	pc2.present(second)
	pc2.Login(m.ID, "member-Pass-2345", "/menu")
	pc2.expect("menu on the second PC", pc2.Get("/menu"), 200)

	pc1.expect("menu on the first PC", pc1.Get("/menu"), 200)
	pc1.expect("list", pc1.Get("/certificates"), 200, "受付PC", "診察室PC")

	// A third issue needs another grant.
	pc3 := newCertBrowser(env, t, base, nil)
	pc3.Login(m.ID, "member-Pass-2345", "/cert")
	pc3.expect("third issue", pc3.Post("/cert/issue", url.Values{"device_name": {"x"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}}), 403)

	// The operator revokes the first PC's certificate: its next request is
	// refused, the second PC goes on.
	op.Get("/admin/members/" + m.ID + "/certificates")
	res := op.Post("/admin/certificates/"+firstRec.Serial+"/revoke", nil)
	if res.Status != 303 || res.Location != "/admin/members/"+m.ID+"/certificates?done=revoked" {
		t.Fatalf("operator revoke: %d %q", res.Status, res.Location)
	}
	op.expect("revoke twice", op.Post("/admin/certificates/"+firstRec.Serial+"/revoke", nil), 409)
	op.expect("revoke unknown", op.Post("/admin/certificates/abcdef/revoke", nil), 404)
	pc1.expect("first PC after revocation", pc1.Get("/menu"), 403, "この証明書は失効しています")
	pc2.expect("second PC after revocation of the first", pc2.Get("/menu"), 200)
	if !hasAudit(auditOf(t, env.DB, "admin"), "cert.revoke", store.ResultOK, m.ID) || !hasAudit(auditOf(t, env.DB, "admin"), "cert.grant_reissue", store.ResultOK, "") {
		t.Error("operator audit lacks revoke or grant")
	}

	// Members reach neither the operator pages nor each other's certificates.
	other := env.AddMember(t, "鈴木 花子", "other-Pass-2345")
	otherCert, otherRec := storeCert(t, env.DB, other.ID, "薬局PC", 0)
	o := newCertBrowser(env, t, base, otherCert)
	o.Login(other.ID, "other-Pass-2345", "/menu")
	o.expect("operator page as member", o.Get("/admin/members/"+m.ID+"/certificates"), 403)
	o.expect("revoke someone else's", o.Post("/certificates/"+store.ClientCertSerialHex(second.Leaf)+"/revoke", nil), 404)
	o.expect("operator revoke as member", o.Post("/admin/certificates/"+store.ClientCertSerialHex(second.Leaf)+"/revoke", nil), 403)
	o.expect("still fine", o.Get("/menu"), 200)
	_ = otherRec
}

// TestRevokeOwnCertificateOverTLS: a member revokes another PC's
// certificate, then the one in use (which needs the confirmation and logs
// out).
func TestRevokeOwnCertificateOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	cert, rec := storeCert(t, env.DB, m.ID, "受付PC", 0)
	if err := env.DB.GrantCertificateReissue(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	_, old := storeCert(t, env.DB, m.ID, "古いPC", 0)

	b := newCertBrowser(env, t, base, cert)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("list", b.Get("/certificates"), 200, "古いPC", "受付PC", `data-testid="revoke-current-warning"`)
	res := b.Post("/certificates/"+old.Serial+"/revoke", nil)
	if res.Status != 303 || res.Location != "/certificates?done=revoked" {
		t.Fatalf("revoke other PC: %d %q", res.Status, res.Location)
	}
	b.expect("list after", b.Get("/certificates?done=revoked"), 200, "失効させました", "失効")
	b.expect("revoke current without confirmation", b.Post("/certificates/"+rec.Serial+"/revoke", nil), 422, "使用中の証明書です")
	b.expect("still logged in", b.Get("/menu"), 200)
	res = b.Post("/certificates/"+rec.Serial+"/revoke", url.Values{"confirm": {"1"}})
	if res.Status != 303 || res.Location != "/login?done=revoked" {
		t.Fatalf("revoke current: %d %q", res.Status, res.Location)
	}
	b.expect("after revoking the current certificate", b.Get("/menu"), 303)
	if c, _ := env.DB.Certificate(rec.Serial); !c.Revoked() || c.RevokedBy != m.ID {
		t.Fatalf("record %+v", c)
	}
	if !hasAudit(auditOf(t, env.DB, m.ID), "cert.revoke", store.ResultOK, "") {
		t.Error("no revoke audit")
	}
}

// TestCertificateRenewalOverTLS: in the last 30 days the banner leads to
// /cert, which renews with the certificate in use, once; the first login
// with the new certificate retires the old one.
func TestCertificateRenewalOverTLS(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	srvOf(env).cfg.CertValidity = 40 * 24 * time.Hour
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	cert, rec := storeCert(t, env.DB, m.ID, "受付PC", 40*24*time.Hour)

	b := newCertBrowser(env, t, base, cert)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	menu := b.Get("/menu")
	b.expect("menu", menu, 200)
	if strings.Contains(menu.Body, "証明書を更新する") {
		t.Fatal("renewal banner 40 days before expiry")
	}
	b.expect("cert page, not due", b.Get("/cert"), 200, "このPCには有効な証明書がインストールされています")
	b.expect("early renewal", b.Post("/cert/issue", url.Values{"device_name": {"受付PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}}), 403)

	start := time.Now()
	env.DB.SetClock(func() time.Time { return time.Now().Add(time.Since(start) + 15*24*time.Hour) })
	b.Login(m.ID, "member-Pass-2345", "/menu") // the old session timed out
	b.expect("menu with banner", b.Get("/menu"), 200, "このPCの証明書（受付PC）の有効期限は", "あと25日", `href="/cert"`, "証明書を更新する")
	b.expect("renewal page", b.Get("/cert"), 200, "証明書の更新", `value="受付PC"`, `action="/cert/issue"`)
	renewed, leaf, _ := b.issueOverHTTP("受付PC", nil)
	if leaf.Subject.SerialNumber != m.ID || time.Until(leaf.NotAfter) < 39*24*time.Hour {
		t.Errorf("renewed certificate %v until %v", leaf.Subject, leaf.NotAfter)
	}
	// The full session goes on with the current certificate.
	b.expect("menu after renewal", b.Get("/menu"), 200, "更新した証明書ファイルを取り込み")
	b.expect("cert page after renewal", b.Get("/cert"), 200, "このPCの証明書はすでに更新されています", `href="/cert/done?renewal=1"`)
	b.expect("done page after renewal", b.Get("/cert/done?renewal=1"), 200, "新しい証明書でログインするまで使えます")
	b.expect("second renewal", b.Post("/cert/issue", url.Values{"device_name": {"受付PC"}, "passphrase": {"12345678"}, "passphrase_confirm": {"12345678"}}), 403)
	if a, _ := env.DB.Member(m.ID); a.CertAllowance != 0 {
		t.Errorf("renewal used an allowance: %d", a.CertAllowance)
	}

	// The new certificate's first login retires the old one.
	b.present(renewed)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu with the new certificate", b.Get("/menu"), 200)
	if old, _ := env.DB.Certificate(rec.Serial); !old.Revoked() {
		t.Error("old certificate still live")
	}
	b.present(cert)
	b.expect("old certificate", b.Get("/menu"), 403, "失効")
	if !hasAudit(auditOf(t, env.DB, m.ID), "cert.renew", store.ResultOK, "renews="+rec.Serial) {
		t.Error("no renewal audit")
	}
}

// TestCertificateOptionalMode: certificates are used when presented; a
// full session without one is refused once the server requires them.
func TestCertificateOptionalMode(t *testing.T) {
	env := newTestEnv(t, web.CertOptional)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	other := env.AddMember(t, "鈴木 花子", "other-Pass-2345")
	cert, _ := storeCert(t, env.DB, m.ID, "受付PC", 0)
	theirs, _ := storeCert(t, env.DB, other.ID, "薬局PC", 0)

	plain := newCertBrowser(env, t, base, nil)
	plain.Login(m.ID, "member-Pass-2345", "/menu")
	plain.expect("menu without certificate", plain.Get("/menu"), 200)
	plain.present(theirs)
	plain.expect("unbound session, another member's certificate", plain.Get("/menu"), 403, "別のアカウント")

	bound := newCertBrowser(env, t, base, cert)
	bound.Login(m.ID, "member-Pass-2345", "/menu")
	bound.present(nil)
	bound.expect("bound session without its certificate", bound.Get("/menu"), 403, "インストールされていません")

	plain.present(nil)
	plain.Login(m.ID, "member-Pass-2345", "/menu")
	srvOf(env).cfg.CertMode = web.CertRequired
	plain.expect("full session without certificate, now required", plain.Get("/menu"), 403, "証明書")
	plain.expect("session ended", plain.Get("/menu"), 303)
}

func TestP12FileNames(t *testing.T) {
	for _, tc := range []struct{ device, ascii, full, header string }{
		{"受付PC", "hotline-H000123.p12", "hotline-H000123-受付PC.p12",
			`attachment; filename="hotline-H000123.p12"; filename*=UTF-8''hotline-H000123-%E5%8F%97%E4%BB%98PC.p12`},
		{"PC-1", "hotline-H000123-PC-1.p12", "hotline-H000123-PC-1.p12", `attachment; filename="hotline-H000123-PC-1.p12"`},
		{`a/b\c "d"`, "hotline-H000123-a_b_c__d.p12", "hotline-H000123-a_b_c__d.p12", `attachment; filename="hotline-H000123-a_b_c__d.p12"`},
		{"..", "hotline-H000123.p12", "hotline-H000123.p12", `attachment; filename="hotline-H000123.p12"`},
		{"診察室 1", "hotline-H000123.p12", "hotline-H000123-診察室_1.p12",
			`attachment; filename="hotline-H000123.p12"; filename*=UTF-8''hotline-H000123-%E8%A8%BA%E5%AF%9F%E5%AE%A4_1.p12`},
	} {
		ascii, full := p12FileNames("H000123", tc.device)
		if ascii != tc.ascii || full != tc.full {
			t.Errorf("%q: %q %q", tc.device, ascii, full)
		}
		if h := web.ContentDispositionASCII("attachment", ascii, full); h != tc.header {
			t.Errorf("%q: header %q", tc.device, h)
		}
	}
}

// TestCertificateKeyIsNeverStored: after certificates are issued over
// HTTP (modern and legacy files), the database file holds neither the
// private keys (PKCS#8, SEC 1 or the bare scalar), nor the .p12 files, nor
// the passphrase.
func TestCertificateKeyIsNeverStored(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	if err := env.DB.GrantCertificateReissue(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{"passphrase": []byte(certTestPassphrase)}
	var serials []string
	for i, encoding := range []string{"modern", "legacy"} {
		c := env.Client()
		if res := c.Post("/login", loginForm(m.ID, "member-Pass-2345")); res.Location != "/cert" {
			t.Fatalf("login: %d %q", res.Status, res.Location)
		}
		c.Get("/cert")
		res := c.Post("/cert/issue", url.Values{"device_name": {"PC" + encoding}, "passphrase": {certTestPassphrase},
			"passphrase_confirm": {certTestPassphrase}, "encoding": {encoding}})
		if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/x-pkcs12" {
			t.Fatalf("issue %s: %d\n%s", encoding, res.Status, handlertest.Snippet(res.Body))
		}
		p12 := []byte(res.Body)
		key, leaf, _, err := pkcs12.DecodeChain(p12, certTestPassphrase)
		if err != nil {
			t.Fatal(err)
		}
		ec, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			t.Fatalf("key is %T", key)
		}
		pkcs8, err := x509.MarshalPKCS8PrivateKey(ec)
		if err != nil {
			t.Fatal(err)
		}
		sec1, err := x509.MarshalECPrivateKey(ec)
		if err != nil {
			t.Fatal(err)
		}
		scalar, err := ec.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		n := strconv.Itoa(i)
		secrets["PKCS#8 key "+n], secrets["SEC 1 key "+n], secrets["private scalar "+n], secrets[".p12 file "+n] = pkcs8, sec1, scalar, p12
		serials = append(serials, store.ClientCertSerialHex(leaf))
	}
	if err := env.DB.Close(); err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(env.DB.Path())
	if err != nil {
		t.Fatal(err)
	}
	// The scan reads what the store wrote: the certificate records are there.
	for _, serial := range serials {
		if !bytes.Contains(file, []byte(serial)) {
			t.Fatalf("the file lacks the record of %s: the scan reads the wrong file", serial)
		}
	}
	for name, secret := range secrets {
		if bytes.Contains(file, secret) {
			t.Errorf("the database file holds the %s", name)
		}
	}
}

// TestCertificateChainFailureIsExplainedInJapanese: a chain that fails for
// a reason none of the usual messages names (here an intermediate CA under
// ours, beyond its path length) gets the Japanese "not ours" page, and the
// technical reason goes to the server log only.
func TestCertificateChainFailureIsExplainedInJapanese(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	logs := &handlertest.SyncBuffer{}
	srvOf(env).certs.log = slog.New(slog.NewTextHandler(logs, nil))
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	ca, err := env.DB.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	interDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "intermediate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca.Cert, &interKey.PublicKey, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	inter, err := x509.ParseCertificate(interDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := store.IssueClientCert(inter, interKey, &key.PublicKey, store.ClientSubject{MemberID: m.ID, Name: m.Name, Device: "受付PC"}, time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b := newCertBrowser(env, t, base, &tls.Certificate{Certificate: [][]byte{leaf.Raw, inter.Raw}, PrivateKey: key, Leaf: leaf})
	b.Login(m.ID, "member-Pass-2345", "/cert")
	res := b.Get("/menu")
	b.expect("menu", res, 403, "この証明書はこのシステムで発行されたものではありません", "/requests?kind=cert_reissue")
	for _, english := range []string{"x509", "intermediates", "path length"} {
		if strings.Contains(res.Body, english) {
			t.Errorf("the page shows %q", english)
		}
	}
	log := logs.String()
	if !strings.Contains(log, "client certificate refused") || !strings.Contains(log, "too many intermediates") || !strings.Contains(log, store.ClientCertSerialHex(leaf)) {
		t.Errorf("the log lacks the reason:\n%s", log)
	}
	if !strings.Contains(log, "subject_id="+m.ID) || strings.Contains(log, m.Name) {
		t.Errorf("the log should name the member by ID only:\n%s", log)
	}
	for _, e := range auditOf(t, env.DB, m.ID) {
		if strings.Contains(e.Detail, "x509") {
			t.Errorf("audit %s: %q", e.Action, e.Detail)
		}
	}
}

// TestCertificateLookupFailureIsInternal: when the store cannot be read
// while checking the certificate, the answer is 500 — not "this
// certificate is not registered" — and the session survives it.
func TestCertificateLookupFailureIsInternal(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	other := env.AddMember(t, "鈴木 花子", "other-Pass-2345")
	cert, rec := storeCert(t, env.DB, m.ID, "受付PC", 0)
	b := newCertBrowser(env, t, base, cert)
	b.Login(m.ID, "member-Pass-2345", "/menu")
	b.expect("menu", b.Get("/menu"), 200)

	// The record becomes unreadable; another certificate's issue makes the
	// checker read it again.
	var good []byte
	setRecord := func(v []byte) {
		t.Helper()
		err := env.DB.Update(func(tx *store.Tx) error {
			bucket := tx.Bucket([]byte("certificates"))
			if good == nil {
				good = append([]byte(nil), bucket.Get([]byte(rec.Serial))...)
			}
			return bucket.Put([]byte(rec.Serial), v)
		})
		if err != nil {
			t.Fatal(err)
		}
		storeCert(t, env.DB, other.ID, "薬局PC", 0)
		if err := env.DB.GrantCertificateReissue(other.ID, "admin", ""); err != nil {
			t.Fatal(err)
		}
	}
	setRecord([]byte("{broken"))
	for _, path := range []string{"/menu", "/certificates", "/cert"} {
		res := b.Get(path)
		b.expect(path+" while the record cannot be read", res, 500, "システムエラー")
		for _, refusal := range []string{"この証明書は登録されていません", "証明書を確認できません"} {
			if strings.Contains(res.Body, refusal) {
				t.Errorf("%s: answered as a refusal (%q)", path, refusal)
			}
		}
	}
	if sessions, _ := env.DB.MemberSessions(m.ID); len(sessions) != 1 {
		t.Fatalf("%d sessions after the failure, want the one", len(sessions))
	}
	// A login in the meantime is not made password-only.
	again := newCertBrowser(env, t, base, cert)
	again.Get("/login")
	again.expect("login while the record cannot be read", again.Post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}}), 500)

	setRecord(good)
	b.expect("menu once the store reads again", b.Get("/menu"), 200, "ほっとライン - メニュー")
	if hasAudit(auditOf(t, env.DB, m.ID), "cert.refused", store.ResultDenied, "") {
		t.Error("the failure was audited as a refusal")
	}
}
