package prs_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/store"
)

// TestPRSInBrowser drives PRS in headless Chromium (client certificates
// off): unlock → register → live search (typing kana updates the results
// without a page load) → link → the other facility's member sees the
// patient in 「連携患者」.
func TestPRSInBrowser(t *testing.T) {
	if browsertest.ChromiumPath() == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("Chromium is required under CI")
		}
		t.Skip("Chromium not installed")
	}
	pe := newRegion(t)
	base := pe.Listen(t)
	pemCA, err := pe.DB.ServerCAPEM()
	if err != nil {
		t.Fatal(err)
	}
	open := func() context.Context {
		return browsertest.New(t, browsertest.Options{Origin: base, ServerCAPEM: pemCA, Timeout: 90 * time.Second})
	}
	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(ctx context.Context, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	loginAndUnlock := func(ctx context.Context, m store.Member) {
		t.Helper()
		do(ctx, "login "+m.ID,
			chromedp.Navigate(base+"/login"),
			chromedp.WaitVisible("#id"),
			chromedp.SendKeys("#id", m.ID),
			chromedp.SendKeys("#password", handlertest.MemberPassword),
			chromedp.Click(`main form[action="/login"] button[type="submit"]`),
			chromedp.WaitVisible(`[data-testid="menu-functions"]`),
		)
		do(ctx, "open PRS from the menu",
			chromedp.Click(`a.tile[href="/prs"]`),
			chromedp.WaitVisible("#oid"),
		)
		// The OID is filled in: the member's own facility.
		if v, err := chromedp.Run(ctx, chromedp.Value("#oid")); err != nil || v != m.FacilityOID {
			t.Fatalf("PRS login: OID %q, want the member's %q", v, m.FacilityOID)
		}
		do(ctx, "unlock",
			chromedp.SendKeys("#password", handlertest.FacilityPassword),
			chromedp.Click(`main form[action="/prs/login"] button[type="submit"]`),
			chromedp.WaitVisible(`[data-testid="prs-nav"]`),
		)
	}

	a := open()
	loginAndUnlock(a, pe.MA)
	register := func(name, kana, birth, sex string) string {
		t.Helper()
		do(a, "register "+name,
			chromedp.Navigate(base+"/prs/patients/new"),
			chromedp.WaitVisible("#name"),
			chromedp.SendKeys("#name", name),
			chromedp.SendKeys("#name_kana", kana),
			chromedp.SendKeys("#birth_date", birth),
			chromedp.Click(`input[name="sex"][value="`+sex+`"]`),
			chromedp.SendKeys("#insurer_number", "01130012"),
			chromedp.SendKeys("#insured_symbol", "12"),
			chromedp.SendKeys("#insured_number", "345"),
			chromedp.Click(`main form[action="/prs/patients"] button[type="submit"]`),
			chromedp.WaitVisible(`[data-testid="patient-id"]`),
		)
		return text(a, `[data-testid="patient-id"]`)
	}
	yamada := register("山田 太郎", "ヤマダ タロウ", "S45.4.1", "male")
	register("佐藤 花子", "サトウ ハナコ", "1980-05-06", "female")
	if id, err := store.NormalizePatientID(yamada); err != nil || id == "" {
		t.Fatalf("patient ID on the page: %q", yamada)
	}

	// Live search: type kana, the results change in place.
	do(a, "patient list",
		chromedp.Navigate(base+"/prs"),
		chromedp.WaitVisible(`[data-testid="patient-search"]`),
	)
	if s := text(a, "#patient-results"); !strings.Contains(s, "山田　太郎") || !strings.Contains(s, "佐藤　花子") {
		t.Fatalf("list before searching: %q", s)
	}
	if _, err := chromedp.Run(a, chromedp.Evaluate[bool](`window.prsNoReload = true`)); err != nil {
		t.Fatal(err)
	}
	do(a, "type kana", chromedp.SendKeys(`[data-testid="patient-search"]`, "やまだ"))
	if _, err := chromedp.Run(a, chromedp.Poll[bool](
		`document.querySelector('[data-testid="patient-summary"]').textContent.includes('フリガナ')`,
		chromedp.WithPollingTimeout(15*time.Second))); err != nil {
		t.Fatalf("live search did not update the results: %v (results %q)", err, text(a, "#patient-results"))
	}
	if s := text(a, "#patient-results"); !strings.Contains(s, "山田　太郎") || strings.Contains(s, "佐藤　花子") {
		t.Fatalf("live search results: %q", s)
	}
	if same, err := chromedp.Run(a, chromedp.Evaluate[bool](`window.prsNoReload === true`)); err != nil || !same {
		t.Fatalf("the page was reloaded (%v)", err)
	}
	if loc, _ := chromedp.Run(a, chromedp.Location()); !strings.Contains(loc, "q=") {
		t.Errorf("search not in the address bar: %s", loc)
	}

	// Link the patient to facility B with the patient's consent.
	do(a, "open the patient",
		chromedp.Click(`[data-testid="patient-row"] a`),
		chromedp.WaitVisible(`[data-testid="link-form"]`),
		chromedp.SendKeys("#facility_oid", pe.FB.OID),
		chromedp.Click(`input[name="consent_method"][value="written"]`),
		chromedp.Click("#consent"),
		chromedp.Click(`[data-testid="link-form"] button[type="submit"]`),
		chromedp.WaitVisible(`[data-testid="prs-flash"]`),
	)
	if s := text(a, `[data-testid="patient-links"]`); !strings.Contains(s, "みなと総合病院") || !strings.Contains(s, "書面") {
		t.Fatalf("links after linking: %q", s)
	}

	// Facility B's member sees the patient.
	b := open()
	loginAndUnlock(b, pe.MB)
	do(b, "連携患者",
		chromedp.Click(`[data-testid="prs-nav"] a[href="/prs/linked"]`),
		chromedp.WaitVisible(`[data-testid="linked-row"]`),
	)
	if s := text(b, `[data-testid="linked-patients"]`); !strings.Contains(s, "山田　太郎") || !strings.Contains(s, yamada) || strings.Contains(s, "佐藤") {
		t.Fatalf("B's 連携患者: %q", s)
	}
	do(b, "open the linked patient",
		chromedp.Click(`[data-testid="linked-row"] a`),
		chromedp.WaitVisible(`[data-testid="linked-notice"]`),
	)
	if s := text(b, `[data-testid="patient-data"]`); !strings.Contains(s, "昭和45年4月1日") || strings.Contains(s, "01130012") {
		t.Fatalf("B's view of the patient: %q", s)
	}
}
