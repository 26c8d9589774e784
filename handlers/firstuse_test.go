package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// Until 設定 is done, visitors never see a placeholder: the public pages
// say 準備中, applications are not taken (GET: the reason, no form; POST:
// 409, nothing stored) and an applicant's forms are not printed (409).
func TestPublicPagesBeforeSettings(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	// An application made while the settings were done.
	c := env.Client()
	receipt := apply(t, c, newFacilityForm("taro@example.jp"))
	env.PlaceholderSettings(t)

	placeholders := []string{"（未設定）", "000-0000", "00-0000-0000", "operator@example.invalid"}
	for _, sc := range []handlertest.Scenario{
		{Name: "portal top", Path: "/", WantStatus: 200, WantContains: []string{`data-testid="contact-coming-soon"`, "準備中", `data-testid="apply-closed-tile"`}, WantAbsent: placeholders},
		{Name: "guide flow", Path: "/guide/flow", WantStatus: 200, WantContains: []string{`data-testid="guide-mail-to"`, "準備中"}, WantAbsent: placeholders},
		{Name: "apply closed", Path: "/apply", WantStatus: 200, WantContains: []string{`data-testid="apply-closed"`, "利用申込の受付は準備中です", "送付先"},
			WantAbsent: append([]string{`data-testid="apply-form"`}, placeholders...)},
		{Name: "apply posted", Method: http.MethodPost, Path: "/apply", Form: newFacilityForm("jiro@example.jp"), WantStatus: 409,
			WantContains: []string{"お申し込みは送信されませんでした", "準備中"}},
		{Name: "receipt", Path: receipt, WantStatus: 200, WantContains: []string{`data-testid="pdf-not-ready"`, "準備中"},
			WantAbsent: append([]string{"member.pdf", "facility.pdf"}, placeholders...)},
		{Name: "member form", Path: receipt + "/member.pdf", WantStatus: 409, WantContains: []string{"送付先・お問合せ先が準備中"}},
		{Name: "facility form", Path: receipt + "/facility.pdf", WantStatus: 409, WantContains: []string{"送付先・お問合せ先が準備中"}},
		{Name: "terms", Path: "/terms", WantStatus: 200, WantContains: []string{"第1条", "第1版"}, WantAbsent: placeholders},
	} {
		sc.Run(t, c)
	}
	if apps, _ := env.DB.Applications(""); len(apps) != 1 {
		t.Fatalf("a closed form stored an application: %d", len(apps))
	}
	// With only the portal address still the server's own, applications
	// are taken (it is printed on letters, not on the applicant's forms).
	st := store.TestSettings()
	st.PortalURL = ""
	if err := env.DB.PutTestSettings(st); err != nil {
		t.Fatal(err)
	}
	apply(t, c, newFacilityForm("jiro@example.jp"))
}

// 利用規約 and 個人情報の取扱い are public pages linked from the portal,
// the guide and the form; the form asks for consent (422 without it) and
// the application keeps when and to which versions; its printed form says
// so. A client of the bare contract is not asked.
func TestApplyConsent(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "portal links", Path: "/", WantStatus: 200, WantContains: []string{`href="/terms"`, `href="/privacy"`}},
		{Name: "guide links", Path: "/guide", WantStatus: 200, WantContains: []string{`data-testid="guide-terms"`, `data-testid="guide-privacy"`}},
		{Name: "privacy", Path: "/privacy", WantStatus: 200, WantContains: []string{"個人情報の取扱い", "利用の目的", "安全管理", `data-testid="text-version"`}},
		{Name: "form asks", Path: "/apply", WantStatus: 200, WantContains: []string{`name="consent_asked" value="1"`, `name="agree"`, "required", `href="/terms"`, "第1版"}},
		{Name: "not ticked", Method: http.MethodPost, Path: "/apply", Form: formWith(newFacilityForm("a@example.jp"), "consent_asked", "1"), WantStatus: 422,
			WantContains: []string{`data-testid="error-agree"`, store.MsgConsentRequired}},
	} {
		sc.Run(t, c)
	}
	receipt := apply(t, c, formWith(newFacilityForm("a@example.jp"), "consent_asked", "1", "agree", "on"))
	apps, _ := env.DB.Applications("")
	if len(apps) != 1 || apps[0].ConsentedAt.IsZero() || apps[0].TermsVersion != 1 || apps[0].PrivacyVersion != 1 {
		t.Fatalf("consent not recorded: %+v", apps)
	}
	text := handlertest.PDFText(t, []byte(c.Get(receipt+"/member.pdf").Body))
	if text != "" && !strings.Contains(strings.Join(strings.Fields(text), ""), "利用規約（第1版）および個人情報の取扱い（第1版）に同意のうえ") {
		t.Errorf("the form does not name the versions agreed to:\n%s", text)
	}
	if text != "" && !strings.Contains(text, "オンライン申込で同意済み") {
		t.Errorf("the form does not say the consent was given online:\n%s", text)
	}
	// The operator sees it beside the other items to compare.
	op := env.LoginOperator(t)
	handlertest.Scenario{Name: "operator's checklist", Path: "/admin/applications/" + apps[0].Number, WantStatus: 200,
		WantContains: []string{"利用規約 第1版・個人情報の取扱い 第1版に同意", "同意日時"}}.Run(t, op)
	page, _ := env.DB.ListAudit(store.AuditFilter{Action: "application.create"})
	if len(page.Events) != 1 || !strings.Contains(page.Events[0].Detail, "第1版") {
		t.Fatalf("audit of the consent: %+v", page.Events)
	}
}

// The portal address follows the command line (handlers.Config.PortalURL)
// unless the operator sets one; while it is localhost the dashboard warns
// and credential letters are not printed: 409 saying why, with the way to
// 設定, and the letters page says so instead of offering the PDFs.
func TestPortalURLBeforeLetters(t *testing.T) {
	env := handlertest.New(t, web.CertOff, func(c handlertest.Config) (handlertest.Server, error) {
		return New(Config{DB: c.DB, CertMode: c.Mode, ClientCAs: c.ClientCAs, Logger: c.Logger, PortalURL: "https://localhost:28443/"})
	})
	st := store.TestSettings()
	st.PortalURL = ""
	if err := env.DB.PutTestSettings(st); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.DB.Settings(); got.Portal() != "https://localhost:28443/" {
		t.Fatalf("portal address %q, want the command line's", got.Portal())
	}
	c := env.Client()
	apply(t, c, newFacilityForm("taro@example.jp"))
	op := env.LoginOperator(t)
	confirm := url.Values{"confirm_asked": {"confirm_approve"}, "confirm_approve": {"1"}}
	op.Post("/admin/applications/A000001/received", nil)
	if res := op.Post("/admin/applications/A000001/approve", confirm); res.Status != 303 {
		t.Fatalf("approve: %d", res.Status)
	}
	base := "/admin/applications/A000001/letters"
	for _, sc := range []handlertest.Scenario{
		{Name: "dashboard", Path: "/admin", WantStatus: 200, WantContains: []string{`data-testid="placeholder-warning"`, "ポータルURL"}},
		{Name: "letters page", Path: base, WantStatus: 200, WantContains: []string{`data-testid="letters-blocked"`, "https://localhost:28443/", `href="/admin/settings"`},
			WantAbsent: []string{"start-guide.pdf", "facility-info.pdf", `data-testid="mailed-form"`}},
		{Name: "start guide", Path: base + "/start-guide.pdf", WantStatus: 409, WantContains: []string{"「利用開始案内」はまだ印刷できません", "ポータルURL", "https://localhost:28443/", `href="/admin/settings"`}},
		{Name: "facility info", Path: base + "/facility-info.pdf", WantStatus: 409, WantContains: []string{"「施設登録情報」はまだ印刷できません", `href="/admin/settings"`}},
		// The operator sets the address members reach.
		{Name: "settings", Method: http.MethodPost, Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("portal_url", "https://hotline.example.jp:28443") }), WantStatus: 303},
		{Name: "letters page after", Path: base, WantStatus: 200, WantContains: []string{"start-guide.pdf", `data-testid="mailed-form"`}, WantAbsent: []string{`data-testid="letters-blocked"`}},
	} {
		sc.Run(t, op)
	}
	res := op.Get(base + "/start-guide.pdf")
	if res.Status != 200 {
		t.Fatalf("start guide after 設定: %d", res.Status)
	}
	if text := handlertest.PDFText(t, []byte(res.Body)); text != "" && !strings.Contains(text, "https://hotline.example.jp:28443/") {
		t.Errorf("the letter does not print the portal address:\n%s", text)
	}
}

// What cannot be undone asks for a ticked box in its form (it works
// without script); a form that asks and comes unticked is 422 with the
// message beside the box, and nothing happened. A client of the bare
// contract, which does not ask, is answered as before.
func TestConfirmationsOfOperator(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	c := env.Client()
	apply(t, c, newFacilityForm("taro@example.jp"))
	apply(t, c, formWith(newFacilityForm("jiro@example.jp"), "facility_code", "0130113715"))
	op := env.LoginOperator(t)
	op.Post("/admin/applications/A000001/received", nil)
	op.Post("/admin/applications/A000002/received", nil)
	asked := func(box string, ticked bool) url.Values {
		v := url.Values{"confirm_asked": {box}}
		if ticked {
			v.Set(box, "1")
		}
		return v
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "approve form asks", Path: "/admin/applications/A000001", WantStatus: 200, WantContains: []string{`name="confirm_asked" value="confirm_approve"`, `name="confirm_approve"`}},
		{Name: "approve unticked", Method: http.MethodPost, Path: "/admin/applications/A000001/approve", Form: asked("confirm_approve", false), WantStatus: 422,
			WantContains: []string{`data-testid="error-confirm_approve"`, "チェックを入れてから"}},
		{Name: "still received", Path: "/admin/applications/A000001", WantStatus: 200, WantContains: []string{"書類受付済"}},
		{Name: "approve ticked", Method: http.MethodPost, Path: "/admin/applications/A000001/approve", Form: asked("confirm_approve", true), WantStatus: 303, WantLocation: "/admin/applications/A000001/letters"},
		{Name: "approve, bare contract", Method: http.MethodPost, Path: "/admin/applications/A000002/approve", WantStatus: 303},
		{Name: "mailed form asks", Path: "/admin/applications/A000001/letters", WantStatus: 200, WantContains: []string{`value="confirm_mailed"`}},
		{Name: "mailed unticked", Method: http.MethodPost, Path: "/admin/applications/A000001/mailed", Form: asked("confirm_mailed", false), WantStatus: 422,
			WantContains: []string{`data-testid="error-confirm_mailed"`, "start-guide.pdf"}},
		{Name: "letters still printable", Path: "/admin/applications/A000001/letters/start-guide.pdf", WantStatus: 200},
		{Name: "mailed ticked", Method: http.MethodPost, Path: "/admin/applications/A000001/mailed", Form: asked("confirm_mailed", true), WantStatus: 303},
		{Name: "letters wiped", Path: "/admin/applications/A000001/letters/start-guide.pdf", WantStatus: 410},
		{Name: "mailed, bare contract", Method: http.MethodPost, Path: "/admin/applications/A000002/mailed", WantStatus: 303},
	} {
		sc.Run(t, op)
	}
	// A member's reset letter and a facility's: the same box.
	ap, _ := env.DB.Application("A000001")
	op.Post("/admin/members/"+ap.MemberID+"/reset-password", nil)
	handlertest.Scenario{Name: "member letter unticked", Method: http.MethodPost, Path: "/admin/members/" + ap.MemberID + "/letters/mailed",
		Form: asked("confirm_mailed", false), WantStatus: 422, WantContains: []string{`data-testid="error-confirm_mailed"`}}.Run(t, op)
	handlertest.Scenario{Name: "member letter still held", Path: "/admin/members/" + ap.MemberID + "/letters/start-guide.pdf", WantStatus: 200}.Run(t, op)
	op.Post("/admin/facilities/"+ap.CreatedFacilityOID+"/reset-password", nil)
	handlertest.Scenario{Name: "facility letter unticked", Method: http.MethodPost, Path: "/admin/facilities/" + ap.CreatedFacilityOID + "/letters/mailed",
		Form: asked("confirm_mailed", false), WantStatus: 422, WantContains: []string{`data-testid="error-confirm_mailed"`}}.Run(t, op)
	handlertest.Scenario{Name: "facility letter ticked", Method: http.MethodPost, Path: "/admin/facilities/" + ap.CreatedFacilityOID + "/letters/mailed",
		Form: asked("confirm_mailed", true), WantStatus: 303}.Run(t, op)
}
