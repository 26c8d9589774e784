package handlers

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"hotline/store"
)

// testEnv is a server on a temp database, driven through app.Test.
type testEnv struct {
	t   testing.TB
	db  *store.DB
	srv *Server
}

// newTestEnv starts a server in the given certificate mode on a new file.
func newTestEnv(t testing.TB, mode CertMode) *testEnv {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ca, err := db.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	srv, err := New(Config{DB: db, CertMode: mode, ClientCAs: pool,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, db: db, srv: srv}
}

// testClient is a browser without JavaScript: it keeps cookies and the last
// page's CSRF token.
type testClient struct {
	env     *testEnv
	cookies map[string]string
	csrf    string
	headers map[string]string
}

func (e *testEnv) client() *testClient {
	return &testClient{env: e, cookies: map[string]string{}, headers: map[string]string{}}
}

// testResponse is what a request answered.
type testResponse struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

var csrfPattern = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (c *testClient) do(method, path string, body io.Reader, contentType string) testResponse {
	c.env.t.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Host = "localhost"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	res, err := c.env.srv.App().Test(req, 30000)
	if err != nil {
		c.env.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	out := testResponse{Status: res.StatusCode, Body: string(data), Header: res.Header, Location: res.Header.Get("Location")}
	if m := csrfPattern.FindStringSubmatch(out.Body); m != nil {
		c.csrf = m[1]
	}
	return out
}

func (c *testClient) get(path string) testResponse { return c.do(http.MethodGet, path, nil, "") }

// post sends a form with the current CSRF token (fetching a page first when
// the client has none yet).
func (c *testClient) post(path string, form url.Values) testResponse {
	c.env.t.Helper()
	if c.csrf == "" {
		c.get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.csrf)
	}
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// postNoCSRF sends a form without a token.
func (c *testClient) postNoCSRF(path string, form url.Values) testResponse {
	return c.do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// scenario is one row of a handler table test.
type scenario struct {
	name         string
	method       string // GET by default
	path         string
	form         url.Values
	noCSRF       bool
	wantStatus   int
	wantContains []string
	wantAbsent   []string
	wantLocation string
	// wantHeaders are exact header values.
	wantHeaders map[string]string
	// wantNoBody: the answer has no body (HEAD).
	wantNoBody bool
	// wantMatch are regular expressions the body must match (e.g. a
	// message inside its field's error element).
	wantMatch []string
}

// run executes the scenario with client c.
func (sc scenario) run(t *testing.T, c *testClient) testResponse {
	t.Helper()
	var res testResponse
	switch {
	case sc.method == "" || sc.method == http.MethodGet:
		res = c.get(sc.path)
	case sc.method == http.MethodPost && sc.noCSRF:
		res = c.postNoCSRF(sc.path, sc.form)
	case sc.method == http.MethodPost:
		res = c.post(sc.path, sc.form)
	default:
		res = c.do(sc.method, sc.path, nil, "")
	}
	if sc.wantStatus != 0 && res.Status != sc.wantStatus {
		t.Errorf("%s: status %d, want %d\n%s", sc.name, res.Status, sc.wantStatus, snippet(res.Body))
	}
	for _, s := range sc.wantContains {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s: body lacks %q\n%s", sc.name, s, snippet(res.Body))
		}
	}
	for _, s := range sc.wantAbsent {
		if strings.Contains(res.Body, s) {
			t.Errorf("%s: body has %q", sc.name, s)
		}
	}
	for _, p := range sc.wantMatch {
		if !regexp.MustCompile(p).MatchString(res.Body) {
			t.Errorf("%s: body does not match %s\n%s", sc.name, p, snippet(res.Body))
		}
	}
	if sc.wantLocation != "" && res.Location != sc.wantLocation {
		t.Errorf("%s: Location %q, want %q", sc.name, res.Location, sc.wantLocation)
	}
	for k, v := range sc.wantHeaders {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", sc.name, k, got, v)
		}
	}
	if sc.wantNoBody && res.Body != "" {
		t.Errorf("%s: body of %d bytes, want none", sc.name, len(res.Body))
	}
	return res
}

func snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}

// addMember creates an active member of a new facility directly in the
// store, with a password already changed.
func (e *testEnv) addMember(t testing.TB, name, password string) store.Member {
	t.Helper()
	m, _, err := e.db.CreateTestMember(store.TestMemberSpec{Name: name, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// loginAs logs a client in (certificate mode off or optional).
func (e *testEnv) loginAs(t testing.TB, id, password string) *testClient {
	t.Helper()
	c := e.client()
	res := c.post("/login", url.Values{"id": {id}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d\n%s", id, res.Status, snippet(res.Body))
	}
	c.get(res.Location)
	return c
}

// operatorPassword is the first operator's password in tests.
const operatorPassword = "correct-horse-battery-9"

// loginOperator creates admin (password already changed) and logs in.
func (e *testEnv) loginOperator(t testing.TB) *testClient {
	t.Helper()
	if _, err := e.db.EnsureFirstOperator(operatorPassword, false); err != nil {
		t.Fatal(err)
	}
	return e.loginAs(t, "admin", operatorPassword)
}

// listen serves the app over real TLS on a loopback port, with the
// production TLS configuration, and returns its base URL.
func (e *testEnv) listen(t testing.TB) string {
	t.Helper()
	cert, err := e.db.ServerCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(ln, e.srv.TLSConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }))
	go e.srv.App().Listener(tlsLn)
	t.Cleanup(func() { _ = e.srv.App().Shutdown() })
	return "https://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// httpsClient trusts the server CA and presents clientCert when given.
func (e *testEnv) httpsClient(t testing.TB, clientCert *tls.Certificate) *http.Client {
	t.Helper()
	pemCA, err := e.db.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pemCA)
	cfg := &tls.Config{RootCAs: roots}
	if clientCert != nil {
		cfg.Certificates = []tls.Certificate{*clientCert}
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:       jar,
		Transport: &http.Transport{TLSClientConfig: cfg},
		// Tests look at redirects themselves.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// syncBuffer is a log sink the server's goroutines may write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
