package browsertest_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/store"
)

// pki is a server CA, a server certificate for localhost, a client CA and a
// member's certificate in a .p12, all made with the store's functions.
type pki struct {
	serverCAPEM []byte
	serverCert  tls.Certificate
	clientCA    *x509.Certificate
	clientPool  *x509.CertPool
	p12         []byte
	pass        string
}

func newPKI(t *testing.T, memberName string) *pki {
	t.Helper()
	now := time.Now()
	sDER, sKey, err := store.NewServerCA(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	sCA, err := x509.ParseCertificate(sDER)
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := store.IssueServerCert(sCA, sKey, nil, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	cDER, cKey, err := store.NewClientCA(now)
	if err != nil {
		t.Fatal(err)
	}
	cCA, err := x509.ParseCertificate(cDER)
	if err != nil {
		t.Fatal(err)
	}
	memberKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := store.IssueClientCert(cCA, cKey, &memberKey.PublicKey, store.ClientSubject{
		MemberID: "H000123", Name: memberName, Device: "受付PC",
	}, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	const pass = "テスト用 passphrase"
	p12, err := store.EncodeClientPKCS12(memberKey, leaf, cCA, pass, false)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cCA)
	return &pki{
		serverCAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: sDER}),
		serverCert:  serverCert,
		clientCA:    cCA,
		clientPool:  pool,
		p12:         p12,
		pass:        pass,
	}
}

var testPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n")

var testP12Body = []byte("not really PKCS#12, but bytes\x00\x01\x02")

// startServer runs an HTTPS server that requests (not requires) a client
// certificate, as hotline does, and returns its origin on localhost.
func startServer(t *testing.T, p *pki) string {
	t.Helper()
	return startServerCAs(t, p, true)
}

// startServerCAs: with advertise false, the server does not name the client
// CA it accepts in its certificate request.
func startServerCAs(t *testing.T, p *pki, advertise bool) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		cn, id := "none", ""
		if certs := r.TLS.PeerCertificates; len(certs) > 0 {
			if err := store.VerifyClientCert(certs[0], certs[1:], p.clientPool, time.Now()); err != nil {
				cn = "invalid: " + err.Error()
			} else {
				cn, id = certs[0].Subject.CommonName, store.ClientCertMemberID(certs[0])
			}
		}
		if c, err := r.Cookie("session"); err == nil {
			id += " session=" + c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>echo</title></head>
<body><p id="cn">%s</p><p id="id">%s</p></body></html>`, html.EscapeString(cn), html.EscapeString(id))
	})
	mux.HandleFunc("/js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><body><p id="x">original</p>
<noscript><p id="ns">JavaScript is off</p></noscript>
<script>document.getElementById("x").textContent = "changed by script";</script></body></html>`)
	})
	mux.HandleFunc("/forbidden", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<!doctype html><html><body><p id="msg">証明書がありません</p></body></html>`)
	})
	mux.HandleFunc("/files", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s3cret", Path: "/", Secure: true, HttpOnly: true})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><body>
<a id="p12link" href="/member.p12">p12</a>
<a id="pdflink" href="/doc.pdf">pdf</a>
<form id="issue" method="post" action="/cert/issue"><input name="device_name" value="受付PC"><button id="issuebtn" type="submit">発行</button></form>
<form id="post" method="post" action="/next"><button id="postbtn" type="submit">次へ</button></form>
</body></html>`)
	})
	p12 := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-pkcs12")
		w.Header().Set("Content-Disposition", `attachment; filename="hotline-H000123.p12"`)
		w.Write(testP12Body)
	}
	mux.HandleFunc("/member.p12", p12)
	mux.HandleFunc("POST /cert/issue", func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("device_name") != "受付PC" {
			http.Error(w, "bad form", http.StatusUnprocessableEntity)
			return
		}
		p12(w, r)
	})
	mux.HandleFunc("/doc.pdf", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("session"); err != nil || c.Value != "s3cret" {
			http.Error(w, "no session", http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		w.Write(testPDF)
	})
	mux.HandleFunc("POST /next", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/forbidden", http.StatusSeeOther)
	})

	srv := httptest.NewUnstartedServer(mux)
	// Chromium opens spare connections and closes some unused: not errors.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{p.serverCert},
		ClientAuth:   tls.RequestClientCert,
	}
	if advertise {
		srv.TLS.ClientCAs = p.clientPool
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	return "https://localhost:" + port
}

func TestWithoutClientCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "山田 太郎")
	origin := startServer(t, p)
	ctx := browsertest.New(t, browsertest.Options{ServerCAPEM: p.serverCAPEM})
	status, err := browsertest.NavigateStatus(ctx, origin+"/")
	if err != nil {
		t.Fatal(err)
	}
	cn, err := chromedp.Run(ctx, chromedp.Text("#cn"))
	if err != nil {
		t.Fatal(err)
	}
	if status != 200 || cn != "none" {
		t.Errorf("status %d, cn %q; want 200, none", status, cn)
	}
}

func TestWithClientCertificate(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "山田 太郎")
	origin := startServer(t, p)
	ctx := browsertest.New(t, browsertest.Options{
		Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
	})
	if _, err := browsertest.NavigateStatus(ctx, origin+"/"); err != nil {
		t.Fatal(err)
	}
	cn, err := chromedp.Run(ctx, chromedp.Text("#cn"))
	if err != nil {
		t.Fatal(err)
	}
	id, err := chromedp.Run(ctx, chromedp.Text("#id"))
	if err != nil {
		t.Fatal(err)
	}
	if cn != "山田 太郎" || id != "H000123" {
		t.Errorf("cn %q, id %q; want 山田 太郎, H000123", cn, id)
	}
}

// Browsers of several servers with certificates from several client CAs run
// at once, as tests of several packages do: each presents its own.
func TestClientCertificatesInParallel(t *testing.T) {
	t.Parallel()
	names := []string{"佐藤 花子", "鈴木 一郎", "髙橋 﨑"}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := newPKI(t, name)
			origin := startServer(t, p)
			ctx := browsertest.New(t, browsertest.Options{
				Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
			})
			// Several navigations while other browsers come and go.
			for i := range 3 {
				if _, err := browsertest.NavigateStatus(ctx, fmt.Sprintf("%s/?n=%d", origin, i)); err != nil {
					t.Fatal(err)
				}
				cn, err := chromedp.Run(ctx, chromedp.Text("#cn"))
				if err != nil {
					t.Fatal(err)
				}
				if cn != name {
					t.Fatalf("cn %q, want %q", cn, name)
				}
				time.Sleep(300 * time.Millisecond)
			}
		})
	}
}

func TestJavaScriptOff(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "山田 太郎")
	origin := startServer(t, p)
	for _, tc := range []struct {
		noJS bool
		want string
	}{
		{false, "changed by script"},
		{true, "original"},
	} {
		t.Run(fmt.Sprintf("NoJavaScript=%v", tc.noJS), func(t *testing.T) {
			ctx := browsertest.New(t, browsertest.Options{ServerCAPEM: p.serverCAPEM, NoJavaScript: tc.noJS})
			for i := range 2 { // also after a second navigation
				if _, err := browsertest.NavigateStatus(ctx, fmt.Sprintf("%s/js?n=%d", origin, i)); err != nil {
					t.Fatal(err)
				}
				got, err := chromedp.Run(ctx, chromedp.Text("#x"))
				if err != nil {
					t.Fatal(err)
				}
				if got != tc.want {
					t.Errorf("%q, want %q", got, tc.want)
				}
				// <noscript> content is markup only when scripts are off.
				ns, err := chromedp.Run(ctx, chromedp.Nodes("#ns", chromedp.AtLeast(0)))
				if err != nil {
					t.Fatal(err)
				}
				if (len(ns) == 1) != tc.noJS {
					t.Errorf("%d <noscript> elements", len(ns))
				}
			}
			// A plain form posts without scripts.
			if _, err := browsertest.NavigateStatus(ctx, origin+"/files"); err != nil {
				t.Fatal(err)
			}
			status, err := browsertest.ActionStatus(ctx, chromedp.Click("#postbtn"))
			if err != nil || status != http.StatusForbidden {
				t.Errorf("form POST: status %d, %v", status, err)
			}
		})
	}
}

func TestDownload(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "山田 太郎")
	origin := startServer(t, p)
	ctx := browsertest.New(t, browsertest.Options{
		Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
	})
	if _, err := browsertest.NavigateStatus(ctx, origin+"/files"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		action chromedp.Action[chromedp.Void]
		file   string
		data   []byte
	}{
		{"attachment by link", chromedp.Click("#p12link"), "hotline-H000123.p12", testP12Body},
		{"attachment by form", chromedp.Click("#issuebtn"), "hotline-H000123.p12", testP12Body},
		{"attachment by navigation", chromedp.Navigate(origin + "/member.p12"), "hotline-H000123.p12", testP12Body},
		{"inline PDF by link", chromedp.Click("#pdflink"), "doc.pdf", testPDF},
		{"inline PDF by navigation", chromedp.Navigate(origin + "/doc.pdf"), "doc.pdf", testPDF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, data, err := browsertest.Download(ctx, tc.action)
			if err != nil {
				t.Fatal(err)
			}
			if name != tc.file || !bytes.Equal(data, tc.data) {
				t.Errorf("got %q (%d bytes), want %q (%d bytes)", name, len(data), tc.file, len(tc.data))
			}
		})
	}
	t.Run("inline PDF by Fetch", func(t *testing.T) {
		status, header, body, err := browsertest.Fetch(ctx, origin+"/doc.pdf")
		if err != nil {
			t.Fatal(err)
		}
		if status != 200 || header.Get("Content-Type") != "application/pdf" || !bytes.Equal(body, testPDF) {
			t.Errorf("status %d, type %q, %d bytes", status, header.Get("Content-Type"), len(body))
		}
		// Fetch presents the same certificate and cookies.
		_, _, body, err = browsertest.Fetch(ctx, origin+"/")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), "山田 太郎") || !strings.Contains(string(body), "session=s3cret") {
			t.Errorf("Fetch lacks the certificate or cookie:\n%s", body)
		}
	})
}

func TestNavigateStatus(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "山田 太郎")
	origin := startServer(t, p)
	ctx := browsertest.New(t, browsertest.Options{ServerCAPEM: p.serverCAPEM})
	status, err := browsertest.NavigateStatus(ctx, origin+"/forbidden")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text("#msg"))
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusForbidden || msg != "証明書がありません" {
		t.Errorf("status %d, message %q", status, msg)
	}
	if status, err := browsertest.NavigateStatus(ctx, origin+"/files"); err != nil || status != 200 {
		t.Fatalf("status %d, %v", status, err)
	}
	// A form POST answered 303: the status of the page it leads to.
	status, err = browsertest.ActionStatus(ctx, chromedp.Click("#postbtn"))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusForbidden || !strings.HasSuffix(loc, "/forbidden") {
		t.Errorf("after POST: status %d at %s", status, loc)
	}
}

// childEnv marks the process that TestPolicyAcrossProcesses starts, as
// go test ./... starts the test binaries of several packages at once.
const childEnv = "HOTLINE_BROWSERTEST_CHILD_OF"

// policyPatterns reads the patterns of the shared policy file.
func policyPatterns(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(browsertest.PolicyDir, browsertest.PolicyFile))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ AutoSelectCertificateForUrls []string }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("policy file: %v\n%s", err, b)
	}
	var patterns []string
	for _, r := range doc.AutoSelectCertificateForUrls {
		var rule struct {
			Pattern string `json:"pattern"`
			Filter  struct {
				Issuer struct{ CN string } `json:"ISSUER"`
			} `json:"filter"`
		}
		if err := json.Unmarshal([]byte(r), &rule); err != nil || rule.Filter.Issuer.CN == "" {
			t.Fatalf("policy rule %q: %v", r, err)
		}
		patterns = append(patterns, rule.Pattern)
	}
	return patterns
}

func expectCN(t *testing.T, ctx context.Context, u, want string) {
	t.Helper()
	if _, err := browsertest.NavigateStatus(ctx, u); err != nil {
		t.Fatal(err)
	}
	cn, err := chromedp.Run(ctx, chromedp.Text("#cn"))
	if err != nil {
		t.Fatal(err)
	}
	if cn != want {
		t.Fatalf("cn %q, want %q", cn, want)
	}
}

// Another test process adds and removes its rule while this browser runs:
// both keep their own, and the other's rule leaves with it.
func TestPolicyAcrossProcesses(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "親 太郎")
	origin := startServer(t, p)
	ctx := browsertest.New(t, browsertest.Options{
		Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
		Timeout: 2 * browsertest.DefaultTimeout, // it waits for another process
	})
	expectCN(t, ctx, origin+"/", "親 太郎")

	cmd := exec.Command(os.Args[0], "-test.run=^TestPolicyChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+origin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
wait:
	for i := 0; ; i++ {
		select {
		case err = <-done:
			break wait
		case <-time.After(500 * time.Millisecond):
			expectCN(t, ctx, fmt.Sprintf("%s/?parent=%d", origin, i), "親 太郎")
		}
	}
	if err != nil || !strings.Contains(out.String(), "--- PASS: TestPolicyChild") {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	var child string
	for _, line := range strings.Split(out.String(), "\n") {
		if _, o, ok := strings.Cut(line, "CHILD ORIGIN "); ok {
			child = strings.TrimSpace(o)
		}
	}
	patterns := policyPatterns(t)
	if child == "" || slices.Contains(patterns, child) || !slices.Contains(patterns, origin) {
		t.Errorf("after the child (%s) ended, the policy holds %v", child, patterns)
	}
	expectCN(t, ctx, origin+"/?after", "親 太郎")
}

// TestPolicyChild is the other process of TestPolicyAcrossProcesses.
func TestPolicyChild(t *testing.T) {
	parent := os.Getenv(childEnv)
	if parent == "" {
		t.Skip("run by TestPolicyAcrossProcesses")
	}
	p := newPKI(t, "子 花子")
	origin := startServer(t, p)
	fmt.Printf("CHILD ORIGIN %s\n", origin)
	ctx := browsertest.New(t, browsertest.Options{
		Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
	})
	for i := range 4 {
		expectCN(t, ctx, fmt.Sprintf("%s/?child=%d", origin, i), "子 花子")
		if patterns := policyPatterns(t); !slices.Contains(patterns, origin) || !slices.Contains(patterns, parent) {
			t.Fatalf("policy holds %v, want %s and %s", patterns, origin, parent)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// Two browsers on one server at once, with certificates of two client CAs
// (a member's and a foreign one): two rules for one origin. Chromium offers
// only certificates of the CAs that the server names in its request, so to a
// server that names its client CA (as hotline does) a foreign certificate is
// not even sent; to one that names none, it is, and the application sees it.
func TestSameOriginTwoCAs(t *testing.T) {
	t.Parallel()
	for _, advertise := range []bool{true, false} {
		// A subtest each, so that its two browsers end with it.
		t.Run(fmt.Sprintf("advertise=%v", advertise), func(t *testing.T) {
			p := newPKI(t, "山田 太郎")
			foreign := newPKI(t, "外部 次郎")
			origin := startServerCAs(t, p, advertise)
			ours := browsertest.New(t, browsertest.Options{
				Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: p.p12, ClientP12Pass: p.pass,
			})
			theirs := browsertest.New(t, browsertest.Options{
				Origin: origin, ServerCAPEM: p.serverCAPEM, ClientP12: foreign.p12, ClientP12Pass: foreign.pass,
			})
			want := "none"
			if !advertise {
				want = "invalid: この証明書はこのシステムで発行されたものではありません"
			}
			expectCN(t, ours, origin+"/", "山田 太郎")
			expectCN(t, theirs, origin+"/", want)
			expectCN(t, ours, origin+"/?again", "山田 太郎")
		})
	}
}
