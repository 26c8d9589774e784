package handlers

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestApplicationChainInBrowser drives the whole chain in headless Chromium
// with scripts on (htmx boosting every link and form), over real TLS, with
// certificates off (the certificate step is tested on its own): apply →
// print both forms → operator receives and approves → print the start
// guide → the member's first login with the printed ID and PW → forced
// password change → menu.
func TestApplicationChainInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	env := newTestEnv(t, web.CertOff)
	if _, err := env.DB.EnsureFirstOperator(handlertest.OperatorPassword, false); err != nil {
		t.Fatal(err)
	}
	origin := env.Listen(t)
	caPEM, err := env.DB.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, browsertest.Options{Origin: origin, ServerCAPEM: caPEM, Timeout: 3 * time.Minute})

	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	// waitText waits until the element's text holds want (boosted pages
	// are swapped in by script, not loaded).
	waitText := func(sel, want string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s, err := chromedp.Run(ctx, chromedp.Text(sel))
			if err == nil && strings.Contains(s, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never showed %q (last %q, %v)", sel, want, s, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	// 1. Apply, for a new facility.
	if status, err := browsertest.NavigateStatus(ctx, origin+"/apply"); err != nil || status != 200 {
		t.Fatalf("apply form: %d %v", status, err)
	}
	do("fill in the application",
		chromedp.SetValue("#name", "山田 太郎"),
		chromedp.SetValue("#name_kana", "やまだ たろう"),
		chromedp.SetValue("#qualification", "doctor"),
		chromedp.SetValue("#license_number", "１２３４５６"),
		chromedp.SetValue("#email", "taro@example.jp"),
		chromedp.SetValue("#phone", "03-1234-5678"),
		chromedp.Click("#facility_choice_new"),
		chromedp.SetValue("#facility_name", "山田内科クリニック"),
		chromedp.SetValue("#facility_kind", "clinic"),
		chromedp.SetValue("#facility_code", "0110113719"),
		chromedp.SetValue("#facility_postal", "1000001"),
		chromedp.SetValue("#facility_address", "東京都千代田区千代田1-1"),
		chromedp.SetValue("#facility_phone", "03-1234-0001"),
	)
	// Without the consent box ticked the form comes back (422, swapped in
	// by htmx) with the message beside the box and nothing stored. Each
	// submit waits for htmx's swap to settle: after it the page moves the
	// focus to the error summary (which scrolls), so a click before that
	// could land elsewhere.
	if err := browsertest.ClickSwap(ctx, `form[action="/apply"] button[type=submit]`); err != nil {
		t.Fatalf("send without consent: %v", err)
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="error-agree"]') && !document.querySelector("#agree").checked && location.pathname === "/apply"`)); err != nil || !ok {
		t.Fatalf("the form without consent: no message beside the box (%v)", err)
	}
	if n, err := env.DB.CountApplications(); err != nil || len(n) != 0 {
		t.Fatalf("an application was stored without consent: %v %v", n, err)
	}
	do("agree", chromedp.Click("#agree"))
	if err := browsertest.ClickSwap(ctx, `form[action="/apply"] button[type=submit]`); err != nil {
		t.Fatalf("agree and send: %v", err)
	}
	do("receipt", chromedp.WaitVisible(`[data-testid="application-number"]`))
	number := text(`[data-testid="application-number"]`)
	if number != "A000001" || !strings.Contains(text(`[data-testid="application-status"]`), "仮登録") {
		t.Fatalf("receipt: %q", number)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !receiptPattern.MatchString(strings.TrimPrefix(loc, origin)) {
		t.Fatalf("receipt URL %q %v", loc, err)
	}

	// 2. Both forms, as the browser downloads them.
	for _, tc := range []struct {
		sel, file string
		want      []string
	}{
		{`[data-testid="pdf-member"]`, "application-A000001-member.pdf", []string{"加入申込書（医療関係者用）", "A000001", "山田 太郎", "ヤマダ", "123456", "taro@example.jp", "山田内科クリニック"}},
		{`[data-testid="pdf-facility"]`, "application-A000001-facility.pdf", []string{"加入申込書（施設用）", "A000001", "山田内科クリニック", "0110113719", "100-0001", "東京都千代田区千代田1-1"}},
	} {
		name, data, err := browsertest.Download(ctx, chromedp.Click(tc.sel))
		if err != nil {
			t.Fatalf("download %s: %v", tc.sel, err)
		}
		if !strings.HasSuffix(name, ".pdf") || !strings.HasPrefix(string(data), "%PDF-") {
			t.Fatalf("download %s: %q, %d bytes", tc.sel, name, len(data))
		}
		handlertest.CheckPDF(t, tc.file, data, tc.want)
	}

	// 3. The operator receives and approves.
	login := func(id, password string) {
		t.Helper()
		if status, err := browsertest.NavigateStatus(ctx, origin+"/login"); err != nil || status != 200 {
			t.Fatalf("login page: %d %v", status, err)
		}
		do("log in as "+id,
			chromedp.SetValue("#id", id),
			chromedp.SetValue("#password", password),
			chromedp.Click(`form[action="/login"] button[type=submit]`),
		)
	}
	login("admin", handlertest.OperatorPassword)
	do("operator menu", chromedp.WaitVisible(`[data-testid="menu-side"] a[href="/admin"]`))
	if status, err := browsertest.NavigateStatus(ctx, origin+"/admin/applications?status=pending"); err != nil || status != 200 {
		t.Fatalf("application list: %d %v", status, err)
	}
	do("open the application", chromedp.Click(`a[href="/admin/applications/A000001"]`), chromedp.WaitVisible(`[data-testid="checklist"]`))
	// Each boosted submit waits for htmx's swap to settle (the page may
	// scroll after it), so the next click lands where it aims.
	if err := browsertest.ClickSwap(ctx, `[data-testid="action-received"]`); err != nil {
		t.Fatalf("mark received: %v", err)
	}
	do("approve shown", chromedp.WaitVisible(`[data-testid="action-approve"]`))
	waitText(`[data-testid="application-status"]`, "書類受付済")
	// 承認 cannot be undone: its box must be ticked first.
	do("approve without the box", chromedp.Click(`[data-testid="action-approve"]`))
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!document.querySelector("#confirm_approve").checkValidity()`)); err != nil || !ok {
		t.Fatalf("approve went without its confirmation (%v)", err)
	}
	waitText(`[data-testid="application-status"]`, "書類受付済")
	do("tick the box", chromedp.Click("#confirm_approve"))
	if err := browsertest.ClickSwap(ctx, `[data-testid="action-approve"]`); err != nil {
		t.Fatalf("approve: %v", err)
	}
	do("letters shown", chromedp.WaitVisible(`[data-testid="letters"]`))

	_, guide, err := browsertest.Download(ctx, chromedp.Click(`a[href$="/letters/start-guide.pdf"]`))
	if err != nil {
		t.Fatalf("start guide: %v", err)
	}
	guideText := handlertest.CheckPDF(t, "start-guide.pdf", guide, []string{"利用開始案内", "山田 太郎"})
	_, info, err := browsertest.Download(ctx, chromedp.Click(`a[href$="/letters/facility-info.pdf"]`))
	if err != nil {
		t.Fatalf("facility info: %v", err)
	}
	infoText := handlertest.CheckPDF(t, "facility-info.pdf", info, []string{"施設登録情報", "山田内科クリニック"})
	if guideText == "" {
		t.Skip("pdftotext is not installed: the member's login with the printed password is not possible")
	}
	id, pw := credentialsOf(t, guideText, idLine)
	oid, fpw := credentialsOf(t, infoText, oidLine)
	if id != "H000001" || oid != "F000001" || len(pw) != store.InitialPasswordLength || len(fpw) != store.InitialPasswordLength || pw == fpw {
		t.Fatalf("credentials: %s %s / %s %s", id, pw, oid, fpw)
	}
	do("mark mailed", chromedp.Click("#confirm_mailed"), chromedp.Click(`[data-testid="action-mailed"]`), chromedp.WaitVisible(`[data-testid="application-history"]`))
	waitText(`[data-testid="application-history"]`, "郵送済")
	do("log out", chromedp.Click(`form[action="/logout"] button`), chromedp.WaitVisible(`a[href="/apply"]`))

	// 4. The member's first login with the printed ID and PW: the initial
	// password must be changed, then the menu.
	login(id, pw)
	do("forced password change", chromedp.WaitVisible(`[data-testid="initial-password"]`))
	do("change the password",
		chromedp.SetValue("#current", pw),
		chromedp.SetValue("#new", "my-Own-secret-2026"),
		chromedp.SetValue("#confirm", "my-Own-secret-2026"),
		chromedp.Click(`form[action="/password"] button[type=submit]`),
		chromedp.WaitVisible(`[data-testid="menu-functions"]`),
	)
	if h := text("h1"); h != "ほっとライン - メニュー" {
		t.Fatalf("menu heading %q", h)
	}
	if who := text(".who"); !strings.Contains(who, "H000001") {
		t.Fatalf("logged in as %q", who)
	}
	if m, _ := env.DB.Member(id); m.MustChangePassword {
		t.Fatal("password change not stored")
	}
}

// checkPDF saves a PDF and checks it with poppler and qpdf: the text holds
// want, every font is embedded, the structure is sound. It returns the

// TestApplyWithoutJavaScriptInBrowser: the form works as plain HTML, a mistake comes
// back as 422 with the message beside the field, a registered facility is
// named by its OID only.
func TestApplyWithoutJavaScriptInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "会員 一郎", "member-Pass-2345")
	origin := env.Listen(t)
	caPEM, err := env.DB.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, browsertest.Options{Origin: origin, ServerCAPEM: caPEM, NoJavaScript: true})
	if status, err := browsertest.NavigateStatus(ctx, origin+"/apply"); err != nil || status != 200 {
		t.Fatalf("apply form: %d %v", status, err)
	}
	fill := []chromedp.Action[chromedp.Void]{
		chromedp.SetValue("#name", "佐藤 花子"),
		chromedp.SetValue("#name_kana", "サトウ ハナコ"),
		chromedp.SetValue("#qualification", "pharmacist"),
		chromedp.SetValue("#license_number", "654321"),
		chromedp.SetValue("#email", "hanako@example.jp"),
		chromedp.SetValue("#phone", "090-1234-5678"),
		chromedp.Click("#facility_choice"),
		chromedp.SetValue("#facility_oid", "F999999"),
		chromedp.Click("#agree"),
	}
	if err := chromedp.Do(ctx, fill...); err != nil {
		t.Fatal(err)
	}
	status, err := browsertest.ActionStatus(ctx, chromedp.Click(`form[action="/apply"] button[type=submit]`))
	if err != nil || status != 422 {
		t.Fatalf("unknown OID: %d %v", status, err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="error-facility_oid"]`))
	if err != nil || !strings.Contains(msg, "登録されていないか") {
		t.Fatalf("message beside the OID: %q %v", msg, err)
	}
	// The values came back; only the OID needs fixing.
	if err := chromedp.Do(ctx, chromedp.SetValue("#facility_oid", strings.ToLower(m.FacilityOID))); err != nil {
		t.Fatal(err)
	}
	status, err = browsertest.ActionStatus(ctx, chromedp.Click(`form[action="/apply"] button[type=submit]`))
	if err != nil || status != 200 {
		t.Fatalf("apply: %d %v", status, err)
	}
	number, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="application-number"]`))
	if err != nil || number != "A000001" {
		t.Fatalf("receipt: %q %v", number, err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Nodes(`[data-testid="pdf-facility"]`, chromedp.AtLeast(0))); len(n) != 0 {
		t.Fatal("a registered facility was offered the facility form")
	}
	a, err := env.DB.Application("A000001")
	// The ticked consent survived the 422 and was recorded.
	if err != nil || a.FacilityOID != m.FacilityOID || a.Name != "佐藤 花子" || a.Qualification != "pharmacist" || a.ConsentedAt.IsZero() {
		t.Fatalf("stored: %+v %v", a, err)
	}
}
