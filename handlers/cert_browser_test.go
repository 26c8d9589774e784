package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestCertificateInBrowser walks the first login in a real headless
// Chromium: password, password change, the certificate issued in the
// browser and downloaded, imported into a new browser, which logs in and
// reaches the menu; the operator revokes it from another session and the
// browser's next request gets the 403 page naming the 証明書. The
// operator's own first certificate is issued with JavaScript off.
func TestCertificateInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	env := newTestEnv(t, web.CertRequired)
	base := env.Listen(t)
	caPEM, err := env.DB.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	const initial, changed, pass = "initial-Pass-2345", "changed-Pass-6789", "受付の パスフレーズ"
	m, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "山田 太郎", Password: initial, MustChange: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.EnsureFirstOperator(handlertest.OperatorPassword, false); err != nil {
		t.Fatal(err)
	}
	opts := browsertest.Options{Origin: base, ServerCAPEM: caPEM, Timeout: 3 * time.Minute}

	// The operator's first certificate, JavaScript off: the page stays on
	// /cert with the import steps while the file downloads.
	noJS := opts
	noJS.NoJavaScript = true
	opCtx := browsertest.New(t, noJS)
	browserLogin(t, opCtx, base, "admin", handlertest.OperatorPassword, "/cert", "[data-testid=cert-issue-form]")
	opName, opP12 := browserIssue(t, opCtx, "運営PC", pass)
	if opName != "hotline-admin-運営PC.p12" {
		t.Errorf("operator's file %q", opName)
	}
	time.Sleep(500 * time.Millisecond)
	if loc := browserRun(t, opCtx, chromedp.Location()); !strings.HasSuffix(loc, "/cert") {
		t.Errorf("without JavaScript the page moved to %s", loc)
	}
	if txt := browserRun(t, opCtx, chromedp.Text("#after-download")); !strings.Contains(txt, "ダウンロードの後に") {
		t.Errorf("after-download steps: %q", txt)
	}
	opCert, _ := certFromP12(t, opP12, pass)

	// The member's first login, JavaScript on (boosted forms).
	ctx := browsertest.New(t, opts)
	if status, err := browsertest.NavigateStatus(ctx, base+"/login"); err != nil || status != 200 {
		t.Fatalf("login page: %d %v", status, err)
	}
	browserDo(t, ctx,
		chromedp.SendKeys("#id", m.ID),
		chromedp.SendKeys("#password", initial),
		chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible("#current"))
	browserDo(t, ctx,
		chromedp.SendKeys("#current", initial),
		chromedp.SendKeys("#new", changed),
		chromedp.SendKeys("#confirm", changed),
		chromedp.Click("main form button[type=submit]"),
		chromedp.WaitVisible("[data-testid=cert-issue-form]"))
	if loc := browserRun(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/cert?done=password") {
		t.Fatalf("after the password change: %s", loc)
	}
	name, p12 := browserIssue(t, ctx, "受付PC", pass)
	if name != "hotline-"+m.ID+"-受付PC.p12" {
		t.Errorf("file name %q", name)
	}
	// With JavaScript the page moves on to the next steps.
	browserDo(t, ctx, chromedp.WaitVisible("[data-testid=cert-done]"))
	if loc := browserRun(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, "/cert/done") {
		t.Errorf("after the download: %s", loc)
	}
	_, leaf := certFromP12(t, p12, pass)
	serial := store.ClientCertSerialHex(leaf)
	// The password-only session ended with the download.
	if status, err := browsertest.NavigateStatus(ctx, base+"/cert"); err != nil || status != 200 {
		t.Fatalf("cert page after download: %d %v", status, err)
	}
	if loc := browserRun(t, ctx, chromedp.Location()); !strings.Contains(loc, "/login") {
		t.Errorf("password-only session still alive: %s", loc)
	}

	// A new browser with the file imported (NSS db + auto-selection policy).
	withCert := opts
	withCert.ClientP12, withCert.ClientP12Pass = p12, pass
	ctx2 := browsertest.New(t, withCert)
	browserLogin(t, ctx2, base, m.ID, changed, "/menu", "[data-testid=menu-functions]")
	if txt := browserRun(t, ctx2, chromedp.Text("main")); !strings.Contains(txt, "ほっとライン - メニュー") {
		t.Fatalf("menu: %q", txt)
	}
	if status, err := browsertest.NavigateStatus(ctx2, base+"/certificates"); err != nil || status != 200 {
		t.Fatalf("certificates: %d %v", status, err)
	}
	if txt := browserRun(t, ctx2, chromedp.Text("main")); !strings.Contains(txt, "受付PC") || !strings.Contains(txt, "このPC") {
		t.Errorf("certificates page: %q", txt)
	}

	// The operator revokes it from another session.
	op := newCertBrowser(env, t, base, opCert)
	op.Login("admin", handlertest.OperatorPassword, "/menu")
	op.Get("/admin/members/" + m.ID + "/certificates")
	op.expect("revoke", op.Post("/admin/certificates/"+serial+"/revoke", nil), http.StatusSeeOther)

	status, err := browsertest.NavigateStatus(ctx2, base+"/menu")
	if err != nil {
		t.Fatal(err)
	}
	txt := browserRun(t, ctx2, chromedp.Text("main"))
	if status != http.StatusForbidden || !strings.Contains(txt, "証明書") || !strings.Contains(txt, "失効") || !strings.Contains(txt, "再発行") {
		t.Errorf("after revocation: %d %q", status, txt)
	}
}

// browserLogin logs in with the form (boosted by htmx with JavaScript, a
// plain POST without) and waits for an element of the page it leads to.
func browserLogin(t *testing.T, ctx context.Context, base, id, password, wantPath, waitFor string) {
	t.Helper()
	if status, err := browsertest.NavigateStatus(ctx, base+"/login"); err != nil || status != 200 {
		t.Fatalf("login page: %d %v", status, err)
	}
	browserDo(t, ctx, chromedp.SendKeys("#id", id), chromedp.SendKeys("#password", password),
		chromedp.Click("main form button[type=submit]"), chromedp.WaitVisible(waitFor))
	if loc := browserRun(t, ctx, chromedp.Location()); !strings.HasSuffix(loc, wantPath) {
		t.Fatalf("login %s: at %s, want %s\n%s", id, loc, wantPath, browserRun(t, ctx, chromedp.Text("main")))
	}
}

// browserIssue fills the issue form on /cert and returns the downloaded
// file.
func browserIssue(t *testing.T, ctx context.Context, device, pass string) (string, []byte) {
	t.Helper()
	browserDo(t, ctx,
		chromedp.SendKeys("#device_name", device),
		chromedp.SendKeys("#passphrase", pass),
		chromedp.SendKeys("#passphrase_confirm", pass))
	name, data, err := browsertest.Download(ctx, chromedp.Click("[data-testid=cert-issue-button]"))
	if err != nil {
		t.Fatalf("download: %v\n%s", err, browserRun(t, ctx, chromedp.Text("main")))
	}
	return name, data
}

func browserDo(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func browserRun[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
