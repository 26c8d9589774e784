package prs_test

import (
	"net/url"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

var cardConfirmed = url.Values{"confirm_asked": {"confirm_card"}, "confirm_card": {"1"}}

// The access card names the patient page once the server serves
// /patient/login, which the patient page domain (handlers/patient) now
// does: the card prints the real address, the ID and the code each on one
// line after its label, and no 準備中. (The card without the page, for a
// build without it, is tested in views/pdf.)
func TestAccessCardNamesThePatientPage(t *testing.T) {
	region := newRegion(t)
	c := region.Unlocked(t, region.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	page := c.Get("/prs/patients/" + id)
	if strings.Contains(page.Body, `data-testid="patient-page-not-open"`) {
		t.Error("PRS page says the patient page is not open")
	}
	res := c.Post("/prs/patients/"+id+"/card", nil)
	if res.Status != 200 {
		t.Fatalf("card: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	layout := handlertest.PDFText(t, []byte(res.Body))
	text := strings.Join(strings.Fields(layout), "")
	url := strings.TrimSuffix(store.TestSettings().PortalURL, "/") + "/patient/login"
	if !strings.Contains(text, url) || strings.Contains(text, "患者様ページは準備中です") {
		t.Errorf("card: address printed %v, 準備中 printed %v:\n%s", strings.Contains(text, url), strings.Contains(text, "準備中"), layout)
	}
	line := func(label, value string) bool {
		for _, l := range strings.Split(layout, "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == label && f[1] == value {
				return true
			}
		}
		return false
	}
	if !line("患者ID", store.FormatPatientID(id)) {
		t.Errorf("no line 患者ID %s:\n%s", store.FormatPatientID(id), layout)
	}
	if !strings.Contains(layout, "アクセスコード") {
		t.Errorf("no アクセスコード:\n%s", layout)
	}
}

// A new card once a card was issued needs its box ticked (the earlier card
// stops working); the card's download sets the page's token as a cookie,
// so the page learns the card was issued and shows the new state; no card
// is printed while 設定 is not done.
func TestAccessCardConfirmAndState(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	base := "/prs/patients/" + id
	handlertest.Scenario{Name: "first card: no box", Path: base, WantStatus: 200,
		WantContains: []string{`data-testid="card-state">未発行<`, `data-download-then="` + base + `?done=prs-card"`, `name="download_token"`, `data-testid="card-refresh"`},
		WantAbsent:   []string{`name="confirm_card"`}}.Run(t, c)
	token := strings.Repeat("ab", 16)
	res := c.Post(base+"/card", url.Values{"download_token": {token}})
	if res.Status != 200 || !strings.Contains(res.Header.Get("Set-Cookie"), "hotline_dl="+token) {
		t.Fatalf("card: %d, Set-Cookie %q", res.Status, res.Header.Get("Set-Cookie"))
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "state after the card", Path: base + "?done=prs-card", WantStatus: 200,
			WantContains: []string{"1回発行", "アクセスカードを発行しました", `name="confirm_asked" value="confirm_card"`, `name="confirm_card"`}},
		{Name: "second card unticked", Method: "POST", Path: base + "/card", Form: url.Values{"confirm_asked": {"confirm_card"}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-confirm_card"`, "チェックを入れてから"}},
		{Name: "still one card", Path: base, WantStatus: 200, WantContains: []string{"1回発行"}},
	} {
		sc.Run(t, c)
	}
	if res := c.Post(base+"/card", cardConfirmed); res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("second card, ticked: %d", res.Status)
	}
	handlertest.Scenario{Name: "two cards", Path: base, WantStatus: 200, WantContains: []string{"2回発行"}}.Run(t, c)

	pe.PlaceholderSettings(t)
	handlertest.Scenario{Name: "settings not done", Method: "POST", Path: base + "/card", Form: cardConfirmed, WantStatus: 409,
		WantContains: []string{"アクセスカードはまだ印刷できません", "ポータルURL"}}.Run(t, c)
	handlertest.Scenario{Name: "no card issued", Path: base, WantStatus: 200, WantContains: []string{"2回発行"}}.Run(t, c)
}

// 連携を解除 asks for its box; unticked it is 422 and the link stands. The
// unlock form offers the member's own OID; the start of a patient ID finds
// the patient; a likely duplicate is warned of together with the other
// fields' messages.
func TestPRSSmallFixes(t *testing.T) {
	pe := newRegion(t)
	c := pe.Unlocked(t, pe.MA)
	id := handlertest.Register(t, c, handlertest.PatientValues())
	handlertest.Link(t, c, id, pe.FB.OID)
	base := "/prs/patients/" + id
	revoke := base + "/links/" + pe.FB.OID + "/revoke"
	for _, sc := range []handlertest.Scenario{
		{Name: "unlink form asks", Path: base, WantStatus: 200, WantContains: []string{`value="confirm_unlink"`, `id="confirm_unlink-` + pe.FB.OID + `"`}},
		{Name: "unlink unticked", Method: "POST", Path: revoke, Form: url.Values{"confirm_asked": {"confirm_unlink"}, "reason": {"同意の撤回"}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-confirm_unlink"`}},
		{Name: "still linked", Path: base, WantStatus: 200, WantContains: []string{"連携中"}},
		{Name: "unlink ticked", Method: "POST", Path: revoke, Form: url.Values{"confirm_asked": {"confirm_unlink"}, "confirm_unlink": {"1"}, "reason": {"同意の撤回"}}, WantStatus: 303,
			WantLocation: base + "?done=prs-unlinked"},
		{Name: "partial ID", Path: "/prs/patients?q=" + url.QueryEscape(store.FormatPatientID(id)[:7]), WantStatus: 200,
			WantContains: []string{base, "患者ID（前方一致）で検索：1件"}},
		{Name: "duplicate with another error", Method: "POST", Path: "/prs/patients", Form: handlertest.PatientValues("phone", "abc", "chart_number", "X-2"), WantStatus: 422,
			WantContains: []string{`data-testid="duplicate-warning"`, `data-testid="error-phone"`, `data-testid="confirm-duplicate"`}},
	} {
		sc.Run(t, c)
	}
	other := pe.LoginAs(t, pe.MB.ID, handlertest.MemberPassword)
	handlertest.Scenario{Name: "unlock form prefilled", Path: "/prs/login", WantStatus: 200,
		WantContains: []string{`name="oid" value="` + pe.FB.OID + `"`}}.Run(t, other)
}
