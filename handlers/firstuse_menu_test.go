package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// Every function of the menu is a plain tile leading to its page (none is
// 準備中), ログアウト is the last entry, 端末（証明書） is there, and an
// operator lands on the menu too (the external contract), where 管理 comes
// first.
func TestMenuTiles(t *testing.T) {
	lastEntry := regexp.MustCompile(`(?s)<nav class="menu-side".*data-testid="menu-logout".*?</li>\s*</ul>\s*</nav>`)
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	res := c.Get("/menu")
	for _, f := range views.MenuFunctions {
		if !strings.Contains(res.Body, `<a class="tile" href="`+f.Href+`" data-testid="function-open">`) {
			t.Errorf("tile %s not a plain tile", f.Href)
		}
	}
	if strings.Contains(res.Body, "準備中") {
		t.Errorf("the menu says 準備中:\n%s", handlertest.Snippet(res.Body))
	}
	if !strings.Contains(res.Body, `href="/certificates" data-testid="menu-certificates">端末（証明書）`) || !lastEntry.MatchString(res.Body) {
		t.Errorf("menu: 端末（証明書） missing or ログアウト not last:\n%s", handlertest.Snippet(res.Body))
	}
	env.EnsureOperator(t)
	login := env.Client().Post("/login", url.Values{"id": {"admin"}, "password": {handlertest.OperatorPassword}})
	if login.Status != http.StatusSeeOther || login.Location != "/menu" {
		t.Fatalf("operator login: %d → %q, want /menu", login.Status, login.Location)
	}
}

// The small fixes of first use.
func TestFirstUseSmallFixes(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	c := env.Client()
	fav := c.Get("/favicon.ico")
	if fav.Status != 200 || fav.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(fav.Body, "\x00\x00\x01\x00") {
		t.Fatalf("favicon: %d %q", fav.Status, fav.Header.Get("Content-Type"))
	}
	if home := c.Get("/"); !strings.Contains(home.Body, `rel="icon"`) {
		t.Error("pages do not name the icon")
	}

	// The backup page neither links to itself nor says its warning twice.
	op := newTestEnv(t, web.CertOff).LoginOperator(t)
	page := op.Get("/admin/backup")
	main := page.Body[strings.Index(page.Body, "<h1>"):]
	if page.Status != 200 || strings.Contains(main, `href="/admin/backup"`) || strings.Count(main, "定期バックアップが設定されていません") != 1 {
		t.Errorf("backup page: self link %v, warning %d times", strings.Contains(main, `href="/admin/backup"`), strings.Count(main, "定期バックアップが設定されていません"))
	}
	if dash := op.Get("/admin"); !strings.Contains(dash.Body, `href="/admin/backup">バックアップの管理`) {
		t.Error("the dashboard lost its link to the backup page")
	}
}

// After the initial password change the certificate page says the
// password was changed (not 「確認しました」); a browser's refused issue
// goes back to /cert, whose address is what the member sees, while other
// clients still get 403.
func TestCertPageAfterPasswordChange(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "初回 太郎", Password: "initial-Pass-2345", MustChange: true})
	if err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	if res := c.Post("/login", url.Values{"id": {m.ID}, "password": {"initial-Pass-2345"}}); res.Location != "/password" {
		t.Fatalf("login: %d %q", res.Status, res.Location)
	}
	c.Get("/password")
	res := c.Post("/password", url.Values{"current": {"initial-Pass-2345"}, "new": {"changed-Pass-6789"}, "confirm": {"changed-Pass-6789"}})
	if res.Status != http.StatusSeeOther || res.Location != "/cert?done=password" {
		t.Fatalf("password change: %d %q", res.Status, res.Location)
	}
	handlertest.Scenario{Name: "cert page", Path: res.Location, WantStatus: 200, WantContains: []string{"パスワードを変更しました", `data-testid="cert-pending"`},
		WantAbsent: []string{"パスワードを確認しました"}}.Run(t, c)
	handlertest.Scenario{Name: "cert page on a later login", Path: "/cert", WantStatus: 200, WantContains: []string{"パスワードを確認しました"}}.Run(t, c)

	// The allowance used, a refused issue.
	if _, err := env.DB.IssueCertificate(m.ID, store.CertificateRequest{Device: "別のPC", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, ""); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"device_name": {"受付PC"}, "passphrase": {"passphrase-1"}, "passphrase_confirm": {"passphrase-1"}}
	handlertest.Scenario{Name: "refused, a client", Method: http.MethodPost, Path: "/cert/issue", Form: form, WantStatus: 403}.Run(t, c)
	c.Headers["Sec-Fetch-Mode"] = "navigate"
	handlertest.Scenario{Name: "refused, a browser's form", Method: http.MethodPost, Path: "/cert/issue", Form: form, WantStatus: 303, WantLocation: "/cert"}.Run(t, c)
	delete(c.Headers, "Sec-Fetch-Mode")
	handlertest.Scenario{Name: "explained at /cert", Path: "/cert", WantStatus: 403, WantContains: []string{`data-testid="cert-none"`}}.Run(t, c)
}

// The audit log shows every time in Japan time, the details' too.
func TestAuditDetailInJapanTime(t *testing.T) {
	for in, want := range map[string]string{
		"device=受付PC expires=2028-12-01T15:04:05Z":                     "device=受付PC expires=2028-12-02 00:04:05（日本時間）",
		"at 2026-01-01T00:00:00.5+00:00 and 2026-06-30T23:00:00+09:00": "at 2026-01-01 09:00:00（日本時間） and 2026-06-30 23:00:00（日本時間）",
		"no time here 2026-01-01":                                      "no time here 2026-01-01",
	} {
		if got := views.AuditDetail(in); got != want {
			t.Errorf("AuditDetail(%q) = %q, want %q", in, got, want)
		}
	}
	env := newTestEnv(t, web.CertOff)
	env.EnsureOperator(t)
	if _, err := env.DB.IssueCertificate("admin", store.CertificateRequest{Device: "運営PC", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, ""); err != nil {
		t.Fatal(err)
	}
	op := env.LoginOperator(t)
	handlertest.Scenario{Name: "audit page", Path: "/admin/audit?action=cert.issue", WantStatus: 200,
		WantContains: []string{`<table class="audit"`, `<td class="nowrap">`, "（日本時間）", "証明書の発行"},
		WantMatch:    []string{`expires=\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}（日本時間）`}}.Run(t, op)
}
