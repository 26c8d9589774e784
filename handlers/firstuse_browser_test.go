package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// First use as an operator meets it, in headless Chromium with the
// operator's real client certificate: the login lands on the menu, which
// (like the dashboard) warns that the portal address is still the server's localhost
// one; approval needs its box ticked; the letters page says the letters
// cannot be printed yet and leads to 設定; with the address set there, the
// 利用開始案内 prints it, with the password in its groups on one line; 郵送済
// needs its box too; the audit log fits a 1280 px window with every date
// on one line.
func TestFirstUseOperatorInBrowser(t *testing.T) {
	env := handlertest.New(t, web.CertRequired, func(c handlertest.Config) (handlertest.Server, error) {
		return New(Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger, PortalURL: "https://localhost:28443/"})
	})
	st := store.TestSettings()
	st.PortalURL = ""
	if err := env.DB.PutTestSettings(st); err != nil {
		t.Fatal(err)
	}
	apply(t, env.Client(), newFacilityForm("taro@example.jp"))
	if _, err := env.DB.MarkApplicationReceived("A000001", "admin", ""); err != nil {
		t.Fatal(err)
	}
	base := env.Listen(t)
	op := handlertest.OperatorWithCertificate(t, env, base) // lands on /menu
	if s := op.Text(`[data-testid="placeholder-warning"]`); !strings.Contains(s, "ポータルURL") {
		t.Fatalf("menu warning: %q", s)
	}
	if op.Count(`[data-testid="menu-side"] a[href="/admin"]`) != 1 {
		t.Fatal("the operator's menu has no 管理")
	}
	op.Open("/admin")
	if s := op.Text(`[data-testid="placeholder-warning"]`); !strings.Contains(s, "ポータルURL") {
		t.Fatalf("dashboard warning: %q", s)
	}

	op.Open("/admin/applications/A000001")
	op.Do("approve without the box", chromedp.Click(`[data-testid="action-approve"]`))
	if ok, err := chromedp.Run(op.Ctx(), chromedp.Evaluate[bool](`!document.querySelector("#confirm_approve").checkValidity()`)); err != nil || !ok {
		t.Fatalf("approve went without its confirmation (%v)", err)
	}
	if s := op.Text(`[data-testid="application-status"]`); s != "書類受付済" {
		t.Fatalf("status after an unconfirmed approve: %q", s)
	}
	op.Submit("approve", chromedp.Click("#confirm_approve"), chromedp.Click(`[data-testid="action-approve"]`))
	if s := op.Text(`[data-testid="letters-blocked"]`); !strings.Contains(s, "https://localhost:28443/") {
		t.Fatalf("letters page: %q", s)
	}
	if n := op.Count(`a[href$="start-guide.pdf"]`) + op.Count(`[data-testid="mailed-form"]`); n != 0 {
		t.Fatalf("letters offered while the portal address is localhost (%d)", n)
	}
	op.Submit("to 設定", chromedp.Click(`[data-testid="letters-settings"]`))
	op.Submit("set the portal address", chromedp.SetValue("#portal_url", "https://hotline.example.jp"), chromedp.Click(`[data-testid="save-settings"]`))
	if f := op.Text(`[data-testid="flash"]`); f != "保存しました。" || op.Count(`[data-testid="placeholder-warning"]`) != 0 {
		t.Fatalf("after saving 設定: %q\n%s", f, op.MainText())
	}
	op.Open("/admin/applications/A000001/letters")
	name, guide := op.Download("利用開始案内", chromedp.Click(`a[href$="/letters/start-guide.pdf"]`))
	text := handlertest.CheckPDF(t, name, guide, []string{"利用開始案内", "https://hotline.example.jp/", "「パスワード変更」", "「証明書の発行」", "〒100-0001"})
	if text != "" {
		if id, pw := credentialsOf(t, text, idLine); id != "H000001" || len(pw) != store.InitialPasswordLength || strings.Count(pw, "-") != 3 {
			t.Fatalf("ID %q, PW %q: want H000001 and XXXX-XXXX-XXXX-XXXX", id, pw)
		}
	}
	op.Do("mail without the box", chromedp.Click(`[data-testid="action-mailed"]`))
	if ok, err := chromedp.Run(op.Ctx(), chromedp.Evaluate[bool](`!document.querySelector("#confirm_mailed").checkValidity()`)); err != nil || !ok {
		t.Fatalf("郵送済 went without its confirmation (%v)", err)
	}
	op.Submit("mailed", chromedp.Click("#confirm_mailed"), chromedp.Click(`[data-testid="action-mailed"]`))
	if s := op.Text(`[data-testid="application-history"]`); !strings.Contains(s, "郵送済") {
		t.Fatalf("after 郵送済: %q", s)
	}

	// The audit log at 1280 px: nothing wider than the window, each date
	// on one line.
	op.Do("1280 px", chromedp.EmulateViewport(1280, 900))
	op.Open("/admin/audit")
	fits, err := chromedp.Run(op.Ctx(), chromedp.Evaluate[bool](`(() => {
		const wrap = document.querySelector('[data-testid="audit-table"]').parentElement;
		const oneLine = [...document.querySelectorAll('[data-testid="audit-table"] td.nowrap')].every(td => {
			const r = document.createRange(); r.selectNodeContents(td); return r.getClientRects().length === 1;
		});
		return document.documentElement.scrollWidth <= window.innerWidth && wrap.scrollWidth <= wrap.clientWidth && oneLine;
	})()`))
	if err != nil || !fits {
		t.Fatalf("the audit log overflows 1280 px or wraps a date (%v)", err)
	}
	if s := op.Text(`[data-testid="audit-table"]`); !strings.Contains(s, "（日本時間）") || !strings.Contains(s, "利用申込の承認") {
		t.Errorf("audit log lacks Japan times in the details or Japanese labels: %q", s)
	}
}

// TestSharedPCInBrowser: a reception PC whose browser holds member A's
// certificate. B's login there explains how to choose a certificate; once
// the operator allows B a certificate for that PC (on B's certificates
// page), B's login there leads to /cert, which issues B's certificate for
// it.
func TestSharedPCInBrowser(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	a := env.AddMember(t, "受付 明子", "member-Pass-2345")
	b := env.AddMember(t, "医師 次郎", "doctor-Pass-2345")
	aP12, err := env.DB.IssueCertificate(a.ID, store.CertificateRequest{Device: "受付PC1", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	base := env.Listen(t)
	reception := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{ClientP12: aP12.P12, ClientP12Pass: handlertest.TestPassphrase})
	if status := reception.Login(b.ID, "doctor-Pass-2345"); status != 0 && status != 403 {
		t.Fatalf("B with A's certificate: %d", status)
	}
	if s := reception.Text(`[data-testid="error-steps"]`); !strings.Contains(s, "ご自身の氏名の証明書を選びます") || !strings.Contains(s, "ユーザーアカウント") {
		t.Fatalf("the refusal does not explain how to choose the certificate: %q", reception.MainText())
	}

	op := handlertest.OperatorWithCertificate(t, env, base)
	op.Open("/admin/members/" + b.ID + "/certificates")
	op.Submit("allow the shared PC", chromedp.SetValue(`[data-testid="shared-pc-form"] #device_name`, "受付PC1"), chromedp.Click(`[data-testid="grant-shared-pc"]`))
	if s := op.Text(`[data-testid="shared-pc-grants"]`); !strings.Contains(s, "受付PC1") {
		t.Fatalf("grant not listed: %q", op.MainText())
	}

	reception.Login(b.ID, "doctor-Pass-2345")
	if loc := reception.Location(); loc != "/cert" {
		t.Fatalf("B's login at the shared PC: at %s\n%s", loc, reception.MainText())
	}
	if reception.Count(`[data-testid="cert-shared-pc"]`) != 1 || reception.Count(`input[name="shared_pc"][value="受付PC1"]:checked`) != 1 {
		t.Fatalf("cert page: %q", reception.MainText())
	}
	_, p12 := reception.Download("B's certificate for the shared PC", chromedp.Steps(
		chromedp.SetValue("#passphrase", handlertest.TestPassphrase),
		chromedp.SetValue("#passphrase_confirm", handlertest.TestPassphrase),
		chromedp.Click(`[data-testid="cert-issue-button"]`)))
	_, leaf := certFromP12(t, p12, handlertest.TestPassphrase)
	if rec, err := env.DB.Certificate(store.ClientCertSerialHex(leaf)); err != nil || rec.MemberID != b.ID || !rec.SharedPC || rec.Device != "受付PC1" {
		t.Fatalf("issued: %+v %v", rec, err)
	}
}

// The portal and the menu as a member meets them, and the phone layout: 利用
// 規約 and 個人情報の取扱い are linked from the portal and the guide; the
// menu marks the functions still 準備中, ends with ログアウト and has
// 端末（証明書）; on a 390 px phone the patient list, the applications and
// the members are cards, not squeezed columns, and hints are at least
// 14 px.
func TestPortalMenuAndPhoneInBrowser(t *testing.T) {
	pe := handlertest.NewRegion(t, newTestEnv(t, web.CertRequired))
	apply(t, pe.Client(), newFacilityForm("taro@example.jp"))
	base := pe.Listen(t)

	visitor := handlertest.OpenBrowser(t, pe.DB, base, browsertest.Options{})
	visitor.Open("/")
	visitor.Submit("利用規約", chromedp.Click(`main a[href="/terms"]`))
	if s := visitor.Text(`[data-testid="text-body"]`); !strings.Contains(s, "第1条") || visitor.Text("h1") != "利用規約" {
		t.Fatalf("terms: %q", visitor.MainText())
	}
	visitor.Open("/guide")
	visitor.Submit("個人情報の取扱い", chromedp.Click(`[data-testid="guide-privacy"]`))
	if s := visitor.Text(`[data-testid="text-body"]`); !strings.Contains(s, "利用の目的") {
		t.Fatalf("privacy: %q", visitor.MainText())
	}
	visitor.Do("390 px", chromedp.EmulateViewport(390, 844))
	visitor.Open("/apply")
	if ok, err := chromedp.Run(visitor.Ctx(), chromedp.Evaluate[bool](`[...document.querySelectorAll(".hint")].every(e => parseFloat(getComputedStyle(e).fontSize) >= 14)`)); err != nil || !ok {
		t.Errorf("a hint is smaller than 14 px (%v)", err)
	}

	issued, err := pe.DB.IssueCertificate(pe.MA.ID, store.CertificateRequest{Device: "診察室", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	member := handlertest.OpenBrowser(t, pe.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: handlertest.TestPassphrase})
	member.Login(pe.MA.ID, handlertest.MemberPassword)
	if loc := member.Location(); loc != "/menu" {
		t.Fatalf("member login: at %s", loc)
	}
	if n, want := member.Count(`[data-testid="function-open"]`), len(views.MenuFunctions); n != want {
		t.Errorf("%d open tiles, want %d", n, want)
	}
	if s := member.Text(`[data-testid="menu-side"] li:last-child`); s != "ログアウト" {
		t.Errorf("last menu entry %q, want ログアウト", s)
	}
	member.Submit("端末（証明書）", chromedp.Click(`[data-testid="menu-certificates"]`))
	if s := member.Text(`[data-testid="certificates"]`); !strings.Contains(s, "診察室") {
		t.Fatalf("certificates page: %q", member.MainText())
	}
	member.Open("/prs/login")
	member.Submit("unlock PRS", chromedp.SetValue("#password", handlertest.FacilityPassword), chromedp.Click(`main form[action="/prs/login"] button[type=submit]`))
	if _, err := pe.DB.RegisterPatient(store.PRSActor{MemberID: pe.MA.ID, FacilityOID: pe.FA.OID}, store.PatientForm{Name: "山田 太郎",
		NameKana: "ヤマダ タロウ", BirthDate: "1970-04-01", Sex: "male", ChartNumber: "1001"}); err != nil {
		t.Fatal(err)
	}

	cards := func(p *handlertest.Page, path, table string) {
		t.Helper()
		p.Do("390 px", chromedp.EmulateViewport(390, 844))
		p.Open(path)
		ok, err := chromedp.Run(p.Ctx(), chromedp.Evaluate[bool](`(() => {
			const t = document.querySelector('[data-testid="`+table+`"]');
			const row = t.querySelector("tbody tr"), cell = row.querySelector("td");
			return getComputedStyle(row).display === "block" && getComputedStyle(cell, "::before").content.length > 2 &&
				t.getBoundingClientRect().right <= window.innerWidth && document.documentElement.scrollWidth <= window.innerWidth;
		})()`))
		if err != nil || !ok {
			t.Errorf("%s at 390 px: not cards, or wider than the phone (%v)", path, err)
		}
	}
	cards(member, "/prs/patients", "patient-results")
	op := handlertest.OperatorWithCertificate(t, pe.Env, base)
	cards(op, "/admin/applications", "application-list")
	cards(op, "/admin/members", "member-list")
}
