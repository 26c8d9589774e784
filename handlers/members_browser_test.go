package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
)

// TestBrowserSettingsAndRequests drives two real browsers against a server
// without client certificates (web.CertOff): the operator (JavaScript on, so
// htmx-boosted forms) fills in the settings and the placeholder warning
// disappears; a member (JavaScript off) files an info_change request; the
// operator approves it; the member sees the status.
func TestBrowserSettingsAndRequests(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	env.PlaceholderSettings(t)
	if _, err := env.DB.EnsureFirstOperator(handlertest.OperatorPassword, false); err != nil {
		t.Fatal(err)
	}
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	origin := env.Listen(t)
	caPEM, err := env.DB.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	op := browsertest.New(t, browsertest.Options{ServerCAPEM: caPEM})
	member := browsertest.New(t, browsertest.Options{ServerCAPEM: caPEM, NoJavaScript: true})

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	count := func(ctx context.Context, sel string) int {
		t.Helper()
		nodes, err := chromedp.Run(ctx, chromedp.Nodes(sel, chromedp.AtLeast(0)))
		must(err)
		return len(nodes)
	}

	// The operator logs in and sees the placeholder warning.
	_, err = browsertest.NavigateStatus(op, origin+"/login")
	must(err)
	must(chromedp.Do(op,
		chromedp.SendKeys("#id", "admin"),
		chromedp.SendKeys("#password", handlertest.OperatorPassword),
		chromedp.Click(`form[action="/login"] button[type=submit]`),
		// An operator lands on the menu, which leads with 管理.
		chromedp.WaitVisible(`[data-testid="menu-side"] a[href="/admin"]`),
	))
	status, err := browsertest.NavigateStatus(op, origin+"/admin")
	must(err)
	if status != 200 || count(op, `[data-testid="placeholder-warning"]`) != 1 {
		t.Fatalf("dashboard: status %d, placeholder warning missing", status)
	}

	// Settings: filled in through the form, saved with htmx.
	_, err = browsertest.NavigateStatus(op, origin+"/admin/settings")
	must(err)
	for sel, v := range map[string]string{
		"#organisation": "テスト市医師会", "#department": "医療情報課 ほっとライン係", "#postal": "100-0001",
		"#address": "東京都千代田区千代田1-1", "#phone": "03-1234-5678", "#email": "hotline@example.jp",
		"#portal_url": "https://hotline.example.jp/",
	} {
		must(chromedp.Do(op, chromedp.SetValue(sel, v)))
	}
	must(chromedp.Do(op,
		chromedp.Click(`[data-testid="save-settings"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`),
	))
	if n := count(op, `[data-testid="placeholder-warning"]`); n != 0 {
		t.Fatal("settings page still warns after saving")
	}
	_, err = browsertest.NavigateStatus(op, origin+"/admin")
	must(err)
	if n := count(op, `[data-testid="placeholder-warning"]`); n != 0 {
		t.Fatal("dashboard still warns after saving the settings")
	}

	// The member (no JavaScript) files an info_change request.
	_, err = browsertest.NavigateStatus(member, origin+"/login")
	must(err)
	status, err = browsertest.ActionStatus(member,
		chromedp.SendKeys("#id", m.ID),
		chromedp.SendKeys("#password", "member-Pass-2345"),
		chromedp.Submit(`form[action="/login"]`),
	)
	must(err)
	if status != 200 {
		t.Fatalf("member login: %d", status)
	}
	_, err = browsertest.NavigateStatus(member, origin+"/requests")
	must(err)
	status, err = browsertest.ActionStatus(member,
		chromedp.SetValue("#kind", "info_change"),
		chromedp.SendKeys("#body", "勤務先の電話番号が変わりました"),
		chromedp.Submit(`form[action="/requests"]`),
	)
	must(err)
	got, err := chromedp.Run(member, chromedp.Text(`[data-testid="my-requests"]`))
	must(err)
	if status != 200 || !strings.Contains(got, "受付中") || !strings.Contains(got, "登録情報の変更") {
		t.Fatalf("after filing: %d %q", status, got)
	}

	// The operator approves it from the inbox.
	_, err = browsertest.NavigateStatus(op, origin+"/admin/requests")
	must(err)
	must(chromedp.Do(op,
		chromedp.Click(`[data-testid="request-list"] a`),
		chromedp.WaitVisible(`[data-testid="approve"]`),
		chromedp.SendKeys("#answer", "変更しました"),
		chromedp.Click(`[data-testid="approve"]`),
		chromedp.WaitVisible(`[data-testid="flash"]`),
	))
	st, err := chromedp.Run(op, chromedp.Text(`[data-testid="request-status"]`))
	must(err)
	if st != "承認" {
		t.Fatalf("operator sees %q", st)
	}

	// The member sees the decision.
	_, err = browsertest.NavigateStatus(member, origin+"/requests")
	must(err)
	st, err = chromedp.Run(member, chromedp.Text(`[data-testid="request-status"]`))
	must(err)
	got, err = chromedp.Run(member, chromedp.Text(`[data-testid="my-requests"]`))
	must(err)
	if st != "承認" || !strings.Contains(got, "変更しました") {
		t.Fatalf("member sees %q / %q", st, got)
	}
}
