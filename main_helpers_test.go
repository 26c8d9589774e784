package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"hotline/store"
)

// Helpers for the tests that drive the real binary: crash safety, restore
// and soak.

const (
	opsOperatorPassword = "ops-operator-Pass-1"
	opsMemberPassword   = "ops-member-Pass-1"
)

// opsServer is a hotline process started by a test.
type opsServer struct {
	cmd  *exec.Cmd
	base string
	out  *lockedBuffer
	done chan struct{}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// freeAddr is a loopback address with a port nobody listens on now.
func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// opsStart runs `hotline serve` on db with extra flags; with wait it
// returns once the portal answers.
func opsStart(tb testing.TB, bin, db string, wait bool, args ...string) *opsServer {
	tb.Helper()
	addr := freeAddr(tb)
	cmd := exec.Command(bin, append([]string{"serve", "--db", db, "--addr", addr, "--http-addr", ""}, args...)...)
	cmd.Env = append(os.Environ(), "HOTLINE_OPERATOR_PASSWORD="+opsOperatorPassword)
	cmd.SysProcAttr = childProcAttr()
	s := &opsServer{cmd: cmd, base: "https://" + addr, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.out, s.out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	tb.Cleanup(func() { s.kill() })
	if wait {
		s.waitReady(tb)
	}
	return s
}

func (s *opsServer) waitReady(tb testing.TB) {
	tb.Helper()
	c := opsHTTPClient(nil)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			tb.Fatalf("hotline exited before answering:\n%s", s.out.String())
		default:
		}
		if res, err := c.Get(s.base + "/"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("no answer within 20 s:\n%s", s.out.String())
}

// kill ends the process with SIGKILL (kill -9) and waits for it.
func (s *opsServer) kill() {
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop asks for a graceful shutdown (SIGTERM) and waits for it.
func (s *opsServer) stop(tb testing.TB) {
	tb.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			tb.Fatalf("exit status %d after SIGTERM:\n%s", code, s.out.String())
		}
	case <-time.After(40 * time.Second):
		tb.Fatal("no exit after SIGTERM")
	}
}

func (s *opsServer) pid() int { return s.cmd.Process.Pid }

// opsHTTPClient is a browser without JavaScript: cookies, no redirects
// followed, the given client certificate. The server certificate is not
// verified: these tests are about the process, the handler tests check
// trust against the server CA.
func opsHTTPClient(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{InsecureSkipVerify: true}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	jar, _ := cookiejar.New(nil)
	return &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: cfg, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

var opsCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// opsGet fetches a page and returns its status, body and CSRF token.
func opsGet(c *http.Client, u string) (int, string, string, error) {
	res, err := c.Get(u)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	token := ""
	if m := opsCSRF.FindSubmatch(body); m != nil {
		token = string(m[1])
	}
	return res.StatusCode, string(body), token, err
}

// opsPost posts a form and returns the status and Location.
func opsPost(c *http.Client, u string, form url.Values) (int, string, error) {
	res, err := c.PostForm(u, form)
	if err != nil {
		return 0, "", err
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), nil
}

// opsInquiry posts an inquiry whose subject is tag; the 受付番号 comes back
// in the Location of the 303.
func opsInquiry(c *http.Client, base, token, tag string) (string, error) {
	status, loc, err := opsPost(c, base+"/inquiry", url.Values{"_csrf": {token}, "name": {"耐久 試験"},
		"email": {"crash@example.jp"}, "subject": {tag}, "body": {"強制終了の試験です。"}})
	if err != nil {
		return "", err
	}
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/inquiry/thanks/Q") {
		return "", fmt.Errorf("inquiry answered %d %q", status, loc)
	}
	return strings.TrimPrefix(loc, "/inquiry/thanks/"), nil
}

// opsPrepare makes a database with the operator "admin" and client
// certificates for it and for one member, as if they had logged in and
// issued them: the processes these tests start run with client
// certificates required.
func opsPrepare(tb testing.TB, dbPath string) (member store.Member, opCert, memberCert *tls.Certificate) {
	tb.Helper()
	db, err := store.Open(dbPath, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureFirstOperator(opsOperatorPassword, false); err != nil {
		tb.Fatal(err)
	}
	member, _, err = db.CreateTestMember(store.TestMemberSpec{Name: "負荷 試験", Password: opsMemberPassword})
	if err != nil {
		tb.Fatal(err)
	}
	return member, opsCert(tb, db, "admin"), opsCert(tb, db, member.ID)
}

func opsCert(tb testing.TB, db *store.DB, id string) *tls.Certificate {
	tb.Helper()
	const pass = "ops-passphrase-1"
	issued, err := db.IssueCertificate(id, store.CertificateRequest{Device: "試験端末", Passphrase: pass, PassphraseConfirm: pass}, 24*time.Hour, "")
	if err != nil {
		tb.Fatal(err)
	}
	key, cert, _, err := pkcs12.DecodeChain(issued.P12, pass)
	if err != nil {
		tb.Fatal(err)
	}
	return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}
}

// opsLogin logs a client (presenting its certificate) in.
func opsLogin(tb testing.TB, c *http.Client, base, id, pw string) {
	tb.Helper()
	_, _, token, err := opsGet(c, base+"/login")
	if err != nil {
		tb.Fatal(err)
	}
	status, loc, err := opsPost(c, base+"/login", url.Values{"_csrf": {token}, "id": {id}, "password": {pw}})
	// Operators too land on the menu (theirs leads with 管理).
	if err != nil || status != http.StatusSeeOther || loc != "/menu" {
		tb.Fatalf("login %s: %d %q %v", id, status, loc, err)
	}
}

// opsRun runs the binary with args and returns its output and exit code.
func opsRun(tb testing.TB, bin string, args ...string) (string, int) {
	tb.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		tb.Fatal(err)
	}
	return string(out), 0
}
