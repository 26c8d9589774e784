// Package browsertest runs a real headless Chromium for tests, able to
// present a TLS client certificate, as a member's browser does.
//
//	ctx := browsertest.New(t, browsertest.Options{
//		Origin:        "https://localhost:" + port, // the host the test navigates to
//		ServerCAPEM:   serverCAPEM,                 // trusted in the browser's NSS db
//		ClientP12:     p12,                         // imported into the NSS db
//		ClientP12Pass: "passphrase",
//	})
//	status, err := browsertest.NavigateStatus(ctx, "https://localhost:"+port+"/menu")
//	text, err := chromedp.Run(ctx, chromedp.Text("#x"))
//	status, err = browsertest.ClickNavigate(ctx, `form[action="/login"] button`) // a page load
//	err = browsertest.ClickSwap(ctx, `a[href="/admin/members"]`)                 // an htmx swap
//	name, data, err := browsertest.Download(ctx, chromedp.Click("#issue"))
//
// Clicks wait until the page is ready (ready.go): loaded, and processed by
// htmx when the page runs it; a click that loads a page waits for the new
// page, one that htmx answers for the swap to settle.
//
// Each New has its own HOME (NSS db) and --user-data-dir; NoJavaScript
// blocks the page's scripts (content setting and Emulation), while chromedp's
// own queries still work. Downloads (attachments, and PDFs, which the
// profile saves instead of showing) go to a directory of the test: Download
// returns the file; Fetch GETs a URL with the browser's cookies and
// certificate, outside the page.
//
// How Chromium is made to present the certificate (measured): the .p12 is
// imported into $HOME/.pki/nssdb of a HOME made for the test (an NSS db
// inside --user-data-dir is ignored), and the managed policy
// AutoSelectCertificateForUrls names the origin and the issuer CN; without
// the policy the navigation hangs on the invisible certificate picker. The
// policy lives in /etc/chromium/policies/managed, so this needs root.
//
// Chromium reads every file of that directory and, for a policy set by
// several files, takes the value of the file whose name sorts last (lists
// are not merged); a running Chromium reloads the directory some 5–8 s after
// a change (both measured). Tests of several packages run in parallel, so
// there is one policy file, hotline-browsertest.json, that lists the rules
// of every live browser: each New adds its own entry (one pattern per
// origin, so per port) and removes it in t.Cleanup. The entries are kept in
// the lock file, flock'ed around each read-modify-write; they carry the PID
// of their test process (entries of dead processes are dropped at the next
// change); and the policy file is replaced by an atomic rename, so a running
// Chromium that reloads it never loses its own rule. New fails if another
// file that sorts later sets the same policy.
//
// Chromium offers only certificates issued by a CA that the server names in
// its certificate request (tls.Config.ClientCAs): to such a server a foreign
// certificate is not sent at all, and the page sees none. Several rules for
// one origin (browsers with certificates of different CAs on one server at
// once) work: Chromium applies every filter given for a pattern.
//
// Every browser has an overall timeout (Options.Timeout, 60 s by default):
// a hang fails the test with "context deadline exceeded" instead of hitting
// the go test timeout.
//
// Without Chromium the test is skipped, and so is a client-certificate test
// when not root — unless the environment variable CI is set: then it fails.
package browsertest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

// DefaultTimeout is the lifetime of a browser when Options.Timeout is 0.
const DefaultTimeout = 60 * time.Second

// Where the policy goes (Debian's Chromium reads /etc/chromium/policies),
// and the lock file that also holds the list of live entries.
const (
	PolicyDir  = "/etc/chromium/policies/managed"
	PolicyFile = "hotline-browsertest.json"
	LockFile   = "/tmp/hotline-chromium-policy.lock"
)

// Options say how to start the browser. The zero value is a browser with
// JavaScript, trusting nothing but the system, presenting no certificate.
type Options struct {
	// Origin is the server's origin, https://localhost:PORT. It is needed
	// with ClientP12: the certificate is selected for this origin only.
	Origin string
	// ServerCAPEM is trusted as a CA for server certificates.
	ServerCAPEM []byte
	// ClientP12 and ClientP12Pass: the member's PKCS#12 file, imported into
	// the browser's certificate store and presented to Origin.
	ClientP12     []byte
	ClientP12Pass string
	// ClientCAName is the issuer CN the auto-selection filters on; empty
	// means the issuer of the certificate in ClientP12.
	ClientCAName string
	// NoJavaScript starts the browser with scripts disabled (the page's
	// scripts do not run; the harness's own queries still work).
	NoJavaScript bool
	// IgnoreCertErrors accepts any server certificate. A fallback only:
	// prefer ServerCAPEM, which checks the chain as a member's browser does.
	IgnoreCertErrors bool
	// Timeout is the lifetime of the browser (DefaultTimeout when 0).
	Timeout time.Duration
}

// browserState is what the helpers need, kept in the context New returns.
type browserState struct {
	opt         Options
	downloadDir string
	downloadMu  sync.Mutex
	tlsConfig   *tls.Config // for Fetch: the same trust and certificate
}

type stateKey struct{}

func stateOf(ctx context.Context) (*browserState, error) {
	st, _ := ctx.Value(stateKey{}).(*browserState)
	if st == nil {
		return nil, errors.New("browsertest: not a context made by browsertest.New")
	}
	return st, nil
}

// skipOrFail skips the test with the reason, or fails it under CI, where
// everything must be there.
func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("browsertest: "+format+" (CI is set, so this is a failure)", args...)
	}
	t.Skipf("browsertest: "+format, args...)
}

// ChromiumPath finds the Debian Chromium binary (the one that reads
// /etc/chromium/policies), or "".
func ChromiumPath() string {
	for _, p := range []string{"/usr/lib/chromium/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}

// New starts a headless Chromium for the test and returns the context of its
// tab, to use with chromedp.Run and the helpers of this package. The browser
// ends with the test (t.Cleanup) or at its timeout.
func New(t testing.TB, opt Options) context.Context {
	t.Helper()
	exe := ChromiumPath()
	if exe == "" {
		skipOrFail(t, "chromium is not installed (apt-get install chromium)")
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}

	var pattern, issuerCN string
	var clientCert *tls.Certificate
	if len(opt.ClientP12) > 0 {
		if os.Geteuid() != 0 {
			skipOrFail(t, "presenting a client certificate needs root: Chromium selects it only by a managed policy in %s", PolicyDir)
		}
		u, err := url.Parse(opt.Origin)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.Port() == "" {
			t.Fatalf("browsertest: Options.Origin %q must be https://HOST:PORT", opt.Origin)
		}
		pattern = "https://" + u.Host
		key, leaf, chain, err := pkcs12.DecodeChain(opt.ClientP12, opt.ClientP12Pass)
		if err != nil {
			t.Fatalf("browsertest: ClientP12: %v", err)
		}
		issuerCN = opt.ClientCAName
		if issuerCN == "" {
			issuerCN = leaf.Issuer.CommonName
		}
		c := tls.Certificate{Certificate: [][]byte{leaf.Raw}, PrivateKey: key, Leaf: leaf}
		for _, ca := range chain {
			c.Certificate = append(c.Certificate, ca.Raw)
		}
		clientCert = &c
	}

	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	profile := filepath.Join(dir, "profile")
	downloads := filepath.Join(dir, "downloads")
	for _, d := range []string{home, filepath.Join(profile, "Default"), downloads} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}

	// The NSS db of $HOME: trust for the server CA, the member's key.
	if len(opt.ServerCAPEM) > 0 || clientCert != nil {
		if err := setupNSS(home, opt); err != nil {
			if errors.Is(err, exec.ErrNotFound) {
				skipOrFail(t, "%v (apt-get install libnss3-tools)", err)
			}
			t.Fatalf("browsertest: %v", err)
		}
	}
	if err := writePreferences(profile, downloads, opt.NoJavaScript); err != nil {
		t.Fatal(err)
	}

	if clientCert != nil {
		remove, err := addPolicy(pattern, issuerCN)
		if err != nil {
			if os.IsPermission(err) {
				skipOrFail(t, "cannot write the Chromium policy: %v", err)
			}
			t.Fatalf("browsertest: %v", err)
		}
		// Registered before the browser's cancel, so it runs after it.
		t.Cleanup(func() {
			if err := remove(); err != nil {
				t.Errorf("browsertest: removing the policy entry: %v", err)
			}
		})
		if other := overridingPolicy(); other != "" {
			t.Fatalf("browsertest: %s also sets AutoSelectCertificateForUrls and sorts after %s: Chromium takes that list only, so the certificate would not be selected; remove it", other, PolicyFile)
		}
	}

	output := &tailBuffer{max: 64 << 10}
	allocOpts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.UserDataDir(profile),
		chromedp.Env("HOME="+home,
			"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
			"XDG_CACHE_HOME="+filepath.Join(home, ".cache")),
		chromedp.CombinedOutput(output),
	}
	if opt.IgnoreCertErrors {
		allocOpts = append(allocOpts, chromedp.Flag("ignore-certificate-errors", true))
	}

	deadline, cancelDeadline := context.WithTimeout(context.Background(), opt.Timeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(deadline, allocOpts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser process to end
		cancelDeadline()
		if t.Failed() {
			t.Logf("browsertest: Chromium output (tail):\n%s", output.String())
		}
	})

	// Start the browser and prepare the tab.
	setup := []chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior:      browser.SetDownloadBehaviorBehaviorAllowAndName,
				DownloadPath:  downloads,
				EventsEnabled: new(true),
			})
			return err
		}),
	}
	if opt.NoJavaScript {
		setup = append(setup, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
			return err
		}))
	}
	if err := chromedp.Do(ctx, setup...); err != nil {
		t.Fatalf("browsertest: starting Chromium: %v\n%s", err, output.String())
	}

	st := &browserState{opt: opt, downloadDir: downloads}
	st.tlsConfig = &tls.Config{InsecureSkipVerify: opt.IgnoreCertErrors}
	if len(opt.ServerCAPEM) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(opt.ServerCAPEM)
		st.tlsConfig.RootCAs = pool
	}
	if clientCert != nil {
		st.tlsConfig.Certificates = []tls.Certificate{*clientCert}
	}
	return context.WithValue(ctx, stateKey{}, st)
}

// setupNSS makes $home/.pki/nssdb with the server CA trusted and the
// member's PKCS#12 imported.
func setupNSS(home string, opt Options) error {
	certutil, err := exec.LookPath("certutil")
	if err != nil {
		return fmt.Errorf("certutil: %w", err)
	}
	pk12util, err := exec.LookPath("pk12util")
	if err != nil {
		return fmt.Errorf("pk12util: %w", err)
	}
	nssdir := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nssdir, 0o700); err != nil {
		return err
	}
	db := "sql:" + nssdir
	run := func(name string, args ...string) error {
		out, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run(certutil, "-N", "-d", db, "--empty-password"); err != nil {
		return err
	}
	if len(opt.ServerCAPEM) > 0 {
		f := filepath.Join(home, "server-ca.pem")
		if err := os.WriteFile(f, opt.ServerCAPEM, 0o600); err != nil {
			return err
		}
		if err := run(certutil, "-A", "-n", "hotline test server CA", "-t", "C,,", "-i", f, "-d", db); err != nil {
			return err
		}
	}
	if len(opt.ClientP12) > 0 {
		f := filepath.Join(home, "member.p12")
		if err := os.WriteFile(f, opt.ClientP12, 0o600); err != nil {
			return err
		}
		// The passphrase goes through a file, not the command line.
		pw := filepath.Join(home, "member.pass")
		if err := os.WriteFile(pw, []byte(opt.ClientP12Pass), 0o600); err != nil {
			return err
		}
		if err := run(pk12util, "-i", f, "-d", db, "-w", pw); err != nil {
			return err
		}
	}
	return nil
}

// writePreferences writes the profile's preferences: downloads go to dir
// without asking, PDFs are downloaded rather than shown in the viewer, and
// scripts may be blocked.
func writePreferences(profile, downloads string, noJS bool) error {
	prefs := map[string]any{
		"download": map[string]any{
			"default_directory":   downloads,
			"prompt_for_download": false,
		},
		"plugins": map[string]any{"always_open_pdf_externally": true},
	}
	if noJS {
		prefs["profile"] = map[string]any{
			"default_content_setting_values": map[string]any{"javascript": 2},
		}
	}
	b, err := json.Marshal(prefs)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(profile, "Default", "Preferences"), b, 0o600)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if len(b.buf) > b.max {
		b.buf = append(b.buf[:0:0], b.buf[len(b.buf)-b.max:]...)
	}
	return len(p), nil
}

// String returns the kept output less the lines about D-Bus, which a
// headless browser without a session bus prints in plenty.
func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out strings.Builder
	for line := range strings.Lines(string(b.buf)) {
		if !strings.Contains(line, "dbus") {
			out.WriteString(line)
		}
	}
	return out.String()
}

// hint explains the usual cause of a navigation that never ends.
func hint(ctx context.Context, err error) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	st, _ := ctx.Value(stateKey{}).(*browserState)
	if st != nil && len(st.opt.ClientP12) > 0 {
		return fmt.Errorf("%w (Chromium waits on its invisible certificate picker when a server asks for a client certificate on an origin without a rule: the rule is for %s only — not 127.0.0.1 — and does not follow other ports)", err, st.opt.Origin)
	}
	return err
}

// NavigateStatus navigates to u, waits for the page to load and be ready
// (WaitReady) and returns the HTTP status of the document (after
// redirects, the last response).
func NavigateStatus(ctx context.Context, u string) (int, error) {
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		return 0, hint(ctx, err)
	}
	if resp == nil {
		return 0, fmt.Errorf("browsertest: no response for %s", u)
	}
	if err := WaitReady(ctx); err != nil {
		return 0, err
	}
	return int(resp.Status), nil
}

// ActionStatus runs actions that cause a navigation (a click on a link, a
// form submit) once the page is ready, waits for the new page to load and
// be ready, and returns its HTTP status (after redirects: a POST answered
// 303 gives the status of the page it leads to).
func ActionStatus(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) (int, error) {
	if err := WaitReady(ctx); err != nil {
		return 0, err
	}
	resp, err := chromedp.RunResponse(ctx, actions...)
	if err != nil {
		return 0, hint(ctx, err)
	}
	if resp == nil {
		return 0, errors.New("browsertest: no response")
	}
	if err := WaitReady(ctx); err != nil {
		return 0, err
	}
	return int(resp.Status), nil
}

// downloadGrace is how long Download still waits for a download to begin
// after the action failed (navigating to a file aborts the navigation).
const downloadGrace = 3 * time.Second

// Download runs action (a click, a form submit, or chromedp.Navigate to the
// file's URL) and returns the name and content of the file it makes the
// browser download: a response with Content-Disposition: attachment, and
// also an inline PDF (the profile downloads PDFs instead of showing them).
func Download[T any](ctx context.Context, action chromedp.Action[T]) (filename string, data []byte, err error) {
	st, err := stateOf(ctx)
	if err != nil {
		return "", nil, err
	}
	st.downloadMu.Lock()
	defer st.downloadMu.Unlock()
	if err := WaitReady(ctx); err != nil {
		return "", nil, err
	}

	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One channel keeps the order of the events: a download's end never
	// overtakes its beginning.
	events := make(chan any, 256)
	if err := chromedp.Listen(lctx, func(ev any) {
		switch e := ev.(type) {
		case *browser.EventDownloadProgress:
			if e.State == browser.DownloadProgressStateInProgress {
				return
			}
		case *browser.EventDownloadWillBegin:
		default:
			return
		}
		select {
		case events <- ev:
		default: // 256 downloads began or ended during one call: ignore more
		}
	}); err != nil {
		return "", nil, err
	}

	actionErr := make(chan error, 1)
	go func() {
		_, err := chromedp.Run(lctx, action)
		actionErr <- err
	}()

	var guid string
	var grace <-chan time.Time // set when the action failed before a download
	var failed error
	for {
		select {
		case <-ctx.Done():
			return "", nil, fmt.Errorf("browsertest: waiting for a download: %w", ctx.Err())
		case err := <-actionErr:
			actionErr = nil
			if err != nil && guid == "" {
				failed = err
				grace = time.After(downloadGrace)
			}
		case <-grace:
			if guid == "" {
				return "", nil, fmt.Errorf("browsertest: no download began: %w", failed)
			}
		case ev := <-events:
			if e, ok := ev.(*browser.EventDownloadWillBegin); ok {
				if guid == "" {
					guid, filename = e.GUID, e.SuggestedFilename
				}
				continue
			}
			e := ev.(*browser.EventDownloadProgress)
			if guid == "" || e.GUID != guid {
				continue
			}
			if e.State != browser.DownloadProgressStateCompleted {
				return filename, nil, fmt.Errorf("browsertest: download of %s: %s", filename, e.State)
			}
			path := filepath.Join(st.downloadDir, guid)
			data, err := os.ReadFile(path)
			if err != nil {
				return filename, nil, err
			}
			os.Remove(path)
			return filename, data, nil
		}
	}
}

// Fetch GETs u outside the page, as the browser would: with the browser's
// cookies for u, trusting the same server CA and presenting the same client
// certificate. Redirects are not followed (a 303 is returned as such). Use it
// for what a test wants to read rather than see, such as an inline PDF.
func Fetch(ctx context.Context, u string) (status int, header http.Header, body []byte, err error) {
	st, err := stateOf(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		return 0, nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: st.tlsConfig.Clone()},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	body, err = io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body, err
}
