package prs_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/store"
)

// TestPRSPatientInBrowser drives the patient and facility screens of PRS in
// headless Chromium, with JavaScript (htmx-boosted) and without: a patient
// is edited (the 変更履歴 names who changed what), the access card is
// printed (a PDF download with the patient ID and an access code), the
// patient is deactivated; 施設情報修正 saves the facility data and changes
// the facility password, after which PRS unlocks with the new password only.
// The server runs without client certificates (web.CertOff), as TestPRSInBrowser
// does: PRS asks for the facility password whatever the certificate.
func TestPRSPatientInBrowser(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			pe := newRegion(t)
			base := pe.Listen(t)
			b := handlertest.OpenBrowser(t, pe.DB, base, browsertest.Options{NoJavaScript: !js})
			b.Login(pe.MA.ID, handlertest.MemberPassword)
			unlock := func(password string) int {
				t.Helper()
				return b.Submit("unlock PRS",
					chromedp.SetValue("#oid", pe.FA.OID),
					chromedp.SetValue("#password", password),
					chromedp.Click(`main form[action="/prs/login"] button[type=submit]`))
			}
			b.Submit("open PRS from the menu", chromedp.Click(`a.tile[href="/prs"]`))
			unlock(handlertest.FacilityPassword)
			if b.Count(`[data-testid="prs-nav"]`) != 1 {
				t.Fatalf("not unlocked: %q", b.MainText())
			}

			// Register a patient to work on.
			b.Submit("new patient", chromedp.Click(`[data-testid="prs-nav"] a[href="/prs/patients/new"]`))
			b.Submit("register",
				chromedp.SetValue("#name", "山田 太郎"),
				chromedp.SetValue("#name_kana", "ヤマダ タロウ"),
				chromedp.SetValue("#birth_date", "S45.4.1"),
				chromedp.Click(`input[name="sex"][value="male"]`),
				chromedp.SetValue("#phone", "03-1234-5678"),
				chromedp.SetValue("#address", "東京都千代田区千代田1-1"),
				chromedp.Click(`main form[action="/prs/patients"] button[type=submit]`))
			displayID := b.Text(`[data-testid="patient-id"]`)
			id, err := store.NormalizePatientID(displayID)
			if err != nil {
				t.Fatalf("patient ID on the page %q: %v", displayID, err)
			}
			patientPage := "/prs/patients/" + id

			// Edit: the history names the member and the changed fields.
			b.Submit("修正", chromedp.Click(`main a.button[href="`+patientPage+`/edit"]`))
			if v, _ := chromedp.Run(b.Ctx(), chromedp.Value("#phone")); v != "03-1234-5678" {
				t.Fatalf("edit form phone %q", v)
			}
			b.Submit("save the edit",
				chromedp.SetValue("#phone", "03-9876-5432"),
				chromedp.SetValue("#allergies", "ペニシリン"),
				chromedp.Click(`main form[action="`+patientPage+`/edit"] button[type=submit]`))
			if f := b.Text(`[data-testid="prs-flash"]`); f != "患者情報を修正しました。" {
				t.Fatalf("after the edit: %q", f)
			}
			if s := b.Text(`[data-testid="patient-data"]`); !strings.Contains(s, "03-9876-5432") || !strings.Contains(s, "ペニシリン") || !strings.Contains(s, "第2版") {
				t.Fatalf("patient after the edit: %q", s)
			}
			history := b.Text(`[data-testid="patient-history"]`)
			for _, want := range []string{"修正", "医師 一郎（" + pe.MA.ID + "）", "電話番号：03-1234-5678 → 03-9876-5432", "アレルギー：— → ペニシリン", "登録"} {
				if !strings.Contains(history, want) {
					t.Errorf("history lacks %q: %q", want, history)
				}
			}

			// The access card: the form posts outside htmx and the browser
			// downloads the PDF; the page stays.
			name, pdf := b.Download("access card", chromedp.Click(`[data-testid="card-form"] button[type=submit]`))
			if name != "access-card-"+id+".pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("card: %q, %d bytes", name, len(pdf))
			}
			if text := handlertest.CheckPDF(t, name, pdf, []string{"患者様アクセスカード", "患者ID", displayID, "アクセスコード"}); text != "" {
				code := regexp.MustCompile(`[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}`).FindString(strings.ReplaceAll(text, displayID, ""))
				if code == "" {
					t.Fatalf("no access code on the card:\n%s", text)
				}
				if p, err := pe.DB.VerifyPatientAccess(id, code); err != nil || p.ID != id {
					t.Fatalf("the printed code %s does not open the patient's access: %v", code, err)
				}
			}
			// The page shows the new card: with script it learns of the
			// download (its token comes back as a cookie) and shows the
			// patient again by itself; without, the link beside the button
			// does.
			// cardState waits until the card state shows want; the page
			// may be navigating meanwhile, so a failed look is looked at
			// again.
			cardState := func(want string) {
				t.Helper()
				js := `(() => { const e = document.querySelector('[data-testid="card-state"]'); return !!e && e.textContent.includes("` + want + `"); })()`
				deadline := time.Now().Add(30 * time.Second)
				for {
					if ok, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](js)); err == nil && ok {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("the card state never showed %q:\n%s", want, b.MainText())
					}
					time.Sleep(100 * time.Millisecond)
				}
			}
			if js {
				cardState("1回発行")
				if f := b.Text(`[data-testid="prs-flash"]`); !strings.Contains(f, "アクセスカードを発行しました") {
					t.Errorf("flash after the card: %q", f)
				}
			} else {
				if loc := b.Location(); loc != patientPage+"?done=prs-updated" {
					t.Errorf("the download moved the page to %s", loc)
				}
				if s := b.Text(`[data-testid="card-state"]`); s != "未発行" {
					t.Errorf("without script the page changed by itself: %q", s)
				}
				b.Submit("refresh after printing", chromedp.Click(`[data-testid="card-refresh"]`))
			}
			if s := b.Text(`[data-testid="card-state"]`); !strings.Contains(s, "1回発行") {
				t.Fatalf("card state: %q", s)
			}
			// The server serves the patient page: nothing says it is not
			// open yet.
			if b.Count(`[data-testid="patient-page-not-open"]`) != 0 {
				t.Error("the page says the patient page is not open yet")
			}
			// A second card makes the first useless: its box must be
			// ticked, which the browser enforces without script too.
			b.Do("second card without the box", chromedp.Click(`[data-testid="card-button"]`))
			if ok, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`!document.querySelector("#confirm_card").checkValidity()`)); err != nil || !ok {
				t.Fatalf("the second card went without its confirmation (%v)", err)
			}
			b.Do("tick the box", chromedp.Click("#confirm_card"))
			b.Download("second card", chromedp.Click(`[data-testid="card-button"]`))
			if js {
				cardState("2回発行")
			} else {
				b.Submit("refresh after the second card", chromedp.Click(`[data-testid="card-refresh"]`))
			}
			if s := b.Text(`[data-testid="card-state"]`); !strings.Contains(s, "2回発行") {
				t.Fatalf("card state after the second card: %q", s)
			}

			// 連携を解除 asks for its box too.
			handlertest.Link(t, pe.Unlocked(t, pe.MA), id, pe.FB.OID)
			b.Open(patientPage)
			revoke := `[data-testid="unlink-form-` + pe.FB.OID + `"]`
			b.Do("unlink without the box", chromedp.Click(revoke+` button[type=submit]`))
			if ok, err := chromedp.Run(b.Ctx(), chromedp.Evaluate[bool](`!document.querySelector("#confirm_unlink-`+pe.FB.OID+`").checkValidity()`)); err != nil || !ok {
				t.Fatalf("unlink went without its confirmation (%v)", err)
			}
			b.Submit("unlink", chromedp.Click("#confirm_unlink-"+pe.FB.OID), chromedp.Click(revoke+` button[type=submit]`))
			if f := b.Text(`[data-testid="prs-flash"]`); !strings.Contains(f, "連携を解除しました") {
				t.Fatalf("after unlinking: %q", f)
			}

			// Deactivate, with a reason.
			b.Do("open the deactivation", chromedp.Click(`main details summary`), chromedp.WaitVisible("#deactivate-reason"))
			b.Submit("deactivate", chromedp.SetValue("#deactivate-reason", "転居のため"),
				chromedp.Click(`main form[action="`+patientPage+`/deactivate"] button[type=submit]`))
			if f := b.Text(`[data-testid="prs-flash"]`); f != "患者様を無効にしました。" || b.Count(`[data-testid="patient-inactive"]`) != 1 {
				t.Fatalf("after deactivating: %q", f)
			}
			if n := b.Count(`[data-testid="card-form"], main a.button[href$="/edit"], [data-testid="link-form"]`); n != 0 {
				t.Errorf("an inactive patient still offers %d actions", n)
			}
			if s := b.Text(`[data-testid="patient-history"]`); !strings.Contains(s, "無効化") || !strings.Contains(s, "転居のため") {
				t.Errorf("history after deactivating: %q", s)
			}

			// 施設情報修正: the facility data, then the facility password.
			b.Submit("施設情報修正", chromedp.Click(`[data-testid="prs-nav"] a[href="/prs/facility"]`))
			b.Submit("save the facility",
				chromedp.SetValue("#name", "あおば内科・小児科クリニック"),
				chromedp.SetValue("#departments", "内科\n小児科"),
				chromedp.Click(`main form[action="/prs/facility"] button[type=submit]`))
			if f := b.Text(`[data-testid="prs-flash"]`); f != "施設情報を保存しました。" {
				t.Fatalf("facility save: %q\n%s", f, b.MainText())
			}
			if s := b.Text(`[data-testid="prs-facility"]`); !strings.Contains(s, "あおば内科・小児科クリニック") {
				t.Errorf("header after the save: %q", s)
			}
			const newFacilityPassword = "renewed-Facility-6789"
			changePassword := func(current string) int {
				t.Helper()
				return b.Submit("change the facility password",
					chromedp.SetValue("#current", current),
					chromedp.SetValue("#new", newFacilityPassword),
					chromedp.SetValue("#confirm", newFacilityPassword),
					chromedp.Click(`main form[action="/prs/facility"] button[type=submit]`))
			}
			if status := changePassword("not-the-Facility-0000"); !js && status != 422 || b.Count(`[data-testid="error-current"]`) != 1 {
				t.Fatalf("wrong current facility password: %d\n%s", status, b.MainText())
			}
			changePassword(handlertest.FacilityPassword)
			if f := b.Text(`[data-testid="prs-flash"]`); f != "施設パスワードを変更しました。" {
				t.Fatalf("password change: %q\n%s", f, b.MainText())
			}

			// PRS closed and opened again: the old password is refused,
			// the new one unlocks.
			b.Submit("PRSを終了", chromedp.Click(`form[action="/prs/lock"] button`))
			b.Submit("open PRS again", chromedp.Click(`a.tile[href="/prs"]`))
			if status := unlock(handlertest.FacilityPassword); b.Count(`[data-testid="prs-nav"]`) != 0 || !js && status != 401 {
				t.Fatalf("the old facility password unlocked PRS (%d)", status)
			}
			if s := b.Text(`[data-testid="error-summary"]`); s == "" {
				t.Errorf("no message for the old password")
			}
			unlock(newFacilityPassword)
			if b.Count(`[data-testid="prs-nav"]`) != 1 || b.Location() != "/prs" {
				t.Fatalf("the new facility password did not unlock: at %s\n%s", b.Location(), b.MainText())
			}
		})
	}
}
