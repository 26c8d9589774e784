package patient_test

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestPatientPageInBrowser: the server requires client certificates, as
// in production. A member (with certificate) prints the access card in
// PRS and reads the record; the patient, in Chromium without any
// certificate and on a 390 px phone, logs in with the card's ID (typed in
// lower case, without hyphens) and code, opens the disclosed record, sees
// its image and opens its PDF, finds both their own views and the
// member's in 閲覧履歴, and logs out. With JavaScript (htmx-boosted) and
// without.
func TestPatientPageInBrowser(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			env := newEnv(t, web.CertRequired)
			base := env.Listen(t)
			w := newWorld(t, env)
			// The card, printed through PRS by a member at their PC.
			member := env.Role(t, base, "member", w.MA.ID, handlertest.MemberPassword, handlertest.IssueCert(t, env.DB, w.MA.ID))
			member.PRSOID, member.PRSPW = w.FA.OID, handlertest.FacilityPassword
			member.UnlockPRS(t)
			res := member.Post(t, "/prs/patients/"+w.Patient.ID+"/card", url.Values{"confirm_asked": {"confirm_card"}, "confirm_card": {"1"}})
			if res.Status != 200 {
				t.Fatalf("card: %d", res.Status)
			}
			text := handlertest.PDFText(t, []byte(res.Body))
			printedID, code := cardID(t, text), cardCode(t, text)
			if !strings.Contains(text, "/patient/login") {
				t.Fatalf("the card does not name the patient page:\n%s", text)
			}
			// The member reads the record (DMS).
			if _, err := env.DB.ViewRecord(w.A, w.Shown, 0); err != nil {
				t.Fatal(err)
			}

			b := handlertest.OpenBrowser(t, env.DB, base, browsertest.Options{NoJavaScript: !js})
			b.Do("390 px", chromedp.EmulateViewport(390, 844))
			if status := b.Open("/patient"); status != 200 || !strings.HasPrefix(b.Location(), "/patient/login") {
				t.Fatalf("/patient before login: %d at %s", status, b.Location())
			}
			typed := strings.ToLower(strings.ReplaceAll(printedID, "-", ""))
			b.Submit("log in with the card",
				chromedp.SetValue("#patient_id", typed),
				chromedp.SetValue("#access_code", code),
				chromedp.Click(`main form[action="/patient/login"] button[type=submit]`))
			if loc := b.Location(); loc != "/patient" {
				t.Fatalf("after login at %s:\n%s", loc, b.MainText())
			}
			if s := b.Text(`[data-testid="patient-records"]`); !strings.Contains(s, "血液検査の結果") || strings.Contains(s, "院内メモ") {
				t.Fatalf("records: %q", s)
			}
			narrow := func(where string) {
				t.Helper()
				ok, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
				if err != nil || !ok {
					t.Errorf("%s is wider than a 390 px phone (%v)", where, err)
				}
			}
			narrow("the record list")

			b.Submit("open the record", chromedp.Click(`a[data-testid="record-link"]`))
			if title := b.Text(`[data-testid="record-title"]`); title != "血液検査の結果" {
				t.Fatalf("record page: %q\n%s", title, b.MainText())
			}
			narrow("the record")
			// The image shows inline (the browser fetched it with the
			// patient's cookie); the PDF link streams the file.
			b.Poll("the image loads", `() => { const i = document.querySelector('[data-testid="attachments"] img'); return !!i && i.complete && i.naturalWidth > 0; }`)
			href, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[string](`document.querySelectorAll('a[data-testid="attachment-link"]')[1].getAttribute("href")`))
			if err != nil {
				t.Fatal(err)
			}
			status, header, body, err := browsertest.Fetch(b.Ctx(), base+href)
			if err != nil || status != 200 || header.Get("Content-Type") != store.ContentTypePDF || !bytes.Equal(body, w.PDFBytes) ||
				header.Get("Content-Security-Policy") != "sandbox" || header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("PDF %s: %d %v %v", href, status, header, err)
			}

			b.Submit("閲覧履歴", chromedp.Click(`header a[href="/patient/access"]`))
			log := b.Text(`[data-testid="access-log"]`)
			for _, want := range []string{"ご本人", "あおば内科クリニック", "医師 一郎", "記録「血液検査の結果」を閲覧", "記録「血液検査の結果」の添付ファイルを閲覧"} {
				if !strings.Contains(log, want) {
					t.Errorf("閲覧履歴 lacks %q:\n%s", want, log)
				}
			}
			narrow("閲覧履歴")

			b.Submit("log out", chromedp.Click(`header form[action="/patient/logout"] button[type=submit]`))
			if loc := b.Location(); loc != "/patient/login?done=patient-logout" || !strings.Contains(b.MainText(), "ログアウトしました") {
				t.Fatalf("after logout at %s:\n%s", loc, b.MainText())
			}
			b.Open("/patient")
			if loc := b.Location(); !strings.HasPrefix(loc, "/patient/login") {
				t.Fatalf("/patient after logout at %s", loc)
			}
		})
	}
}
