package handlertest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/store"
)

// Page is one headless Chromium tab in a screen-flow test. Its steps
// fail the test with what the page showed, so a flow reads as what a person
// does and sees.
type Page struct {
	t    *testing.T
	ctx  context.Context
	base string
	js   bool
}

// OpenBrowser starts a browser for the server at base, trusting its CA.
// opt.Origin and opt.ServerCAPEM are filled in; the rest (client
// certificate, NoJavaScript, Timeout) is the caller's.
func OpenBrowser(t *testing.T, db *store.DB, base string, opt browsertest.Options) *Page {
	t.Helper()
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	caPEM, err := db.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	opt.Origin, opt.ServerCAPEM = base, caPEM
	if opt.Timeout == 0 {
		opt.Timeout = 3 * time.Minute
	}
	return &Page{t: t, ctx: browsertest.New(t, opt), base: base, js: !opt.NoJavaScript}
}

// Ctx is the tab's context, for chromedp actions of a test's own.
func (p *Page) Ctx() context.Context { return p.ctx }

// Base is the server's origin.
func (p *Page) Base() string { return p.base }

// Open navigates to path and returns the HTTP status of the page.
func (p *Page) Open(path string) int {
	p.t.Helper()
	status, err := browsertest.NavigateStatus(p.ctx, p.base+path)
	if err != nil {
		p.t.Fatalf("open %s: %v", path, err)
	}
	return status
}

// Do runs steps that do not leave the page (typing, choosing, waiting).
func (p *Page) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.MainText())
	}
}

// Submit runs steps that end in a click leading to another page (a form
// or a link) once the page is ready, and waits for that page to be ready
// (browsertest.WaitReady). Without JavaScript that is a page load and the
// status is its HTTP status. With JavaScript htmx swaps the body, in the
// same document (a full load means htmx did not take the click), and the
// status is 0 (htmx's request is not a navigation).
func (p *Page) Submit(what string, steps ...chromedp.Action[chromedp.Void]) int {
	p.t.Helper()
	if !p.js {
		status, err := browsertest.ActionStatus(p.ctx, steps...)
		if err != nil {
			p.t.Fatalf("%s: %v\n%s", what, err, p.MainText())
		}
		return status
	}
	if err := browsertest.Swap(p.ctx, steps...); err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.MainText())
	}
	return 0
}

// Poll waits until the JavaScript function returns true.
func (p *Page) Poll(what, fn string, args ...any) {
	p.t.Helper()
	_, err := chromedp.Run(p.ctx, chromedp.PollFunction[bool](fn, chromedp.WithPollingArgs(args...),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		p.t.Fatalf("%s: %v\n%s", what, err, p.MainText())
	}
}

// Text is the visible text of the first element matching sel.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	s, err := chromedp.Run(p.ctx, chromedp.Text(sel))
	if err != nil {
		p.t.Fatalf("text of %s: %v\n%s", sel, err, p.MainText())
	}
	return strings.TrimSpace(s)
}

// Count is how many elements match sel now.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	nodes, err := chromedp.Run(p.ctx, chromedp.Nodes(sel, chromedp.AtLeast(0)))
	if err != nil {
		p.t.Fatalf("count %s: %v", sel, err)
	}
	return len(nodes)
}

// Location is the address bar, without the origin.
func (p *Page) Location() string {
	p.t.Helper()
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, p.base)
}

// MainText is what <main> shows, for failure messages ("" when unreadable).
func (p *Page) MainText() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Text("main", chromedp.AtLeast(0)))
	return s
}

// Download runs action and returns the file the browser saved.
func (p *Page) Download(what string, action chromedp.Action[chromedp.Void]) (string, []byte) {
	p.t.Helper()
	// A download that never begins (htmx swapped the response into the
	// page instead) fails here rather than at the browser's deadline.
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	name, data, err := browsertest.Download(ctx, action)
	if err != nil {
		p.t.Fatalf("download %s: %v\n%s", what, err, p.MainText())
	}
	return name, data
}

// Login fills in the login form and returns the status of the page it
// leads to (0 with JavaScript).
func (p *Page) Login(id, password string) int {
	p.t.Helper()
	if status := p.Open("/login"); status != 200 {
		p.t.Fatalf("login page: %d", status)
	}
	return p.Submit("log in as "+id,
		chromedp.SetValue("#id", id),
		chromedp.SetValue("#password", password),
		chromedp.Click(`main form[action="/login"] button[type=submit]`))
}

// OperatorWithCertificate gives the first operator (admin) a client
// certificate through the store and opens a browser that holds it in its
// NSS database and presents it to base (the server must ask for client
// certificates: CertRequired), logged in to a full session.
func OperatorWithCertificate(t *testing.T, env *Env, base string) *Page {
	t.Helper()
	if _, err := env.DB.EnsureFirstOperator(OperatorPassword, false); err != nil {
		t.Fatal(err)
	}
	issued, err := env.DB.IssueCertificate("admin", store.CertificateRequest{Device: "運営PC", Passphrase: TestPassphrase,
		PassphraseConfirm: TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	op := OpenBrowser(t, env.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: TestPassphrase})
	op.Login("admin", OperatorPassword)
	if loc := op.Location(); loc != "/menu" {
		t.Fatalf("operator login with the certificate: at %s, want /menu (an operator lands on the menu, which leads with 管理)\n%s", loc, op.MainText())
	}
	return op
}
