package pharmacy_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// browserWith opens a browser holding m's client certificate (issued
// through the store, imported from its PKCS#12 file) and logs m in.
func browserWith(t *testing.T, w *pharmacyWorld, base string, m store.Member, js bool) *handlertest.Page {
	t.Helper()
	issued, err := w.DB.IssueCertificate(m.ID, store.CertificateRequest{Device: "薬局PC", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	b := handlertest.OpenBrowser(t, w.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: handlertest.TestPassphrase, NoJavaScript: !js})
	b.Login(m.ID, handlertest.MemberPassword)
	if loc := b.Location(); loc != "/menu" {
		t.Fatalf("%s logged in at %s\n%s", m.ID, loc, b.MainText())
	}
	return b
}

// TestPharmacyInBrowser: with client certificates required, a pharmacy
// member looks a prescription up by the 照会番号 and birth date as printed,
// dispenses it (one line as a generic from the master's alternatives),
// and the prescriber's /rx/{id} then shows 調剤済 with the pharmacy, the
// date and the note. With JavaScript (htmx-boosted) and without.
func TestPharmacyInBrowser(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, web.CertRequired)
			base := w.Listen(t)
			rx := w.issue(t, "")
			ph := browserWith(t, w, base, w.MC, js)
			if status := ph.Open("/pharmacy/lookup"); status != 200 {
				t.Fatalf("lookup page: %d\n%s", status, ph.MainText())
			}
			// A mistyped birth date first: the same answer as an unknown number.
			ph.Submit("look up with a wrong birth date",
				chromedp.SetValue("#number", rx.DisplayNumber()),
				chromedp.SetValue("#birth_date", "昭和45年4月2日"),
				chromedp.Click(`main form[action="/pharmacy/lookup"] button[type=submit]`))
			if s := ph.Text(`[data-testid="error-summary"]`); !strings.Contains(s, "一致する処方箋はありません") {
				t.Fatalf("after a wrong birth date: %q", s)
			}
			ph.Submit("look up as printed",
				chromedp.SetValue("#number", toFullWidth(rx.DisplayNumber())),
				chromedp.SetValue("#birth_date", "昭和45年4月1日"),
				chromedp.Click(`main form[action="/pharmacy/lookup"] button[type=submit]`))
			if loc := ph.Location(); loc != "/pharmacy/rx/"+rx.ID {
				t.Fatalf("after the lookup at %s\n%s", loc, ph.MainText())
			}
			if s := ph.Text(`[data-testid="rx-status"]`); s != "発行済" {
				t.Fatalf("status %q", s)
			}
			if s := ph.Text(`[data-testid="rx-lines"]`); !strings.Contains(s, "ノルバスク錠１０ｍｇ") || !strings.Contains(s, "以下余白") {
				t.Fatalf("lines %q", s)
			}
			ph.Submit("dispense",
				chromedp.Click(`input[name="lines[0][drug_code]"][value="2171022F5180"]`),
				chromedp.SetValue("#note", "後発品に変更しました"),
				chromedp.Click(`[data-testid="dispense-submit"]`))
			if f := ph.Text(`[data-testid="pharmacy-flash"]`); !strings.Contains(f, "調剤済を記録しました") {
				t.Fatalf("after dispensing: %q\n%s", f, ph.MainText())
			}
			if s := ph.Text(`[data-testid="rx-status"]`); s != "調剤済" {
				t.Fatalf("status after dispensing %q", s)
			}
			if ph.Count(`[data-testid="dispense-form"]`) != 0 {
				t.Fatal("the form is still offered")
			}

			doc := browserWith(t, w, base, w.MA, js)
			if status := doc.Open("/rx/" + rx.ID); status != 200 {
				t.Fatalf("prescriber's page: %d\n%s", status, doc.MainText())
			}
			main := doc.MainText()
			today := store.JapanDate(w.DB.Now()).Format("2006-01-02")
			for _, want := range []string{"調剤済", "さくら薬局", today, "後発品に変更しました"} {
				if !strings.Contains(main, want) {
					t.Errorf("the prescriber's page lacks %q:\n%s", want, main)
				}
			}
		})
	}
}
