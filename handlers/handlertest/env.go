// Package handlertest is the world the screen tests run in: a server on a
// temp database (driven through app.Test, or served over real TLS), clients
// that keep cookies and the page's CSRF token, members and operators made
// through the store, a scenario-table runner, people at browsers over TLS
// with their own client certificates (Role), the authorization matrix
// (matrix.go) and headless Chromium pages (browser.go).
//
// It does not import the shell: a test passes the server it builds
// (Build), so the shell's own tests and every domain package's tests use
// the same world. It has no tests of its own: those tests are its tests.
package handlertest

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
)

// Server is the server under test (the shell's *handlers.Server).
type Server interface {
	App() *fiber.App
	TLSConfig(getCert func(*tls.ClientHelloInfo) (*tls.Certificate, error)) *tls.Config
	Routes() []web.Route
}

// Config is what Build gets to make the server.
type Config struct {
	DB        *store.DB
	Mode      web.CertMode
	ClientCAs *x509.CertPool
	Logger    *slog.Logger
}

// Build makes the server under test.
type Build func(Config) (Server, error)

// Env is a server on a temp database.
type Env struct {
	T      testing.TB
	DB     *store.DB
	Server Server
}

// New starts a server in the given certificate mode on a new file; its
// log is discarded.
func New(t testing.TB, mode web.CertMode, build Build) *Env {
	t.Helper()
	return NewWithLog(t, mode, build, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// NewWithLog is New with the server's log going to log.
func NewWithLog(t testing.TB, mode web.CertMode, build Build, log *slog.Logger) *Env {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The operator's 設定 are done (store.TestSettings): the portal takes
	// applications and prints letters and cards. A test of the
	// placeholders starts from them with PlaceholderSettings.
	if err := db.PutTestSettings(store.TestSettings()); err != nil {
		t.Fatal(err)
	}
	ca, err := db.ClientCA()
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	srv, err := build(Config{DB: db, Mode: mode, ClientCAs: pool, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	return &Env{T: t, DB: db, Server: srv}
}

// PlaceholderSettings puts the settings back to a new database's
// placeholders (設定 not done yet).
func (e *Env) PlaceholderSettings(t testing.TB) {
	t.Helper()
	if err := e.DB.PutTestSettings(store.DefaultSettings()); err != nil {
		t.Fatal(err)
	}
}

// App is the server's Fiber application.
func (e *Env) App() *fiber.App { return e.Server.App() }

// AddMember creates an active member of a new facility directly in the
// store, with a password already changed.
func (e *Env) AddMember(t testing.TB, name, password string) store.Member {
	t.Helper()
	m, _, err := e.DB.CreateTestMember(store.TestMemberSpec{Name: name, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// OperatorPassword is the first operator's password in tests.
const OperatorPassword = "correct-horse-battery-9"

// EnsureOperator creates admin with OperatorPassword (already changed).
func (e *Env) EnsureOperator(t testing.TB) {
	t.Helper()
	if _, err := e.DB.EnsureFirstOperator(OperatorPassword, false); err != nil {
		t.Fatal(err)
	}
}

// Listen serves the app over real TLS on a loopback port, with the
// production TLS configuration, and returns its base URL.
func (e *Env) Listen(t testing.TB) string {
	t.Helper()
	cert, err := e.DB.ServerCertificate(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tlsLn := tls.NewListener(ln, e.Server.TLSConfig(func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return &cert, nil }))
	go e.App().Listener(tlsLn)
	t.Cleanup(func() { _ = e.App().Shutdown() })
	return "https://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// HTTPSClient trusts the server CA and presents clientCert when given. It
// keeps cookies and does not follow redirects (tests look at them).
func (e *Env) HTTPSClient(t testing.TB, clientCert *tls.Certificate) *http.Client {
	t.Helper()
	pemCA, err := e.DB.ServerCAPEM()
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
		Jar:           jar,
		Transport:     &http.Transport{TLSClientConfig: cfg},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}
}

// SyncBuffer is a log sink the server's goroutines may write to.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
