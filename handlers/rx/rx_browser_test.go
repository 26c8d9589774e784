package rx_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestRxInBrowser is the prescriber's flow in headless Chromium over TLS
// with the doctor's real client certificate: compose with the live drug
// search (type, pick), apply a 約束処方 (htmx inserts its lines), see the
// duplicate warning for the linked hospital's prescription, issue, print
// (the PDF's text holds the 照会番号).
func TestRxInBrowser(t *testing.T) {
	env := newEnv(t, web.CertRequired)
	base := env.Listen(t)
	r := handlertest.NewRegion(t, env)
	db := env.DB
	if err := db.ImportSampleDrugs(); err != nil {
		t.Fatal(err)
	}
	for _, oid := range []string{r.FA.OID, r.FB.OID} {
		if err := db.SetTestFacilityCode(oid, "1310112345"); err != nil {
			t.Fatal(err)
		}
	}
	home := store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}
	pt, err := db.RegisterPatient(home, store.PatientForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1970-04-01", Sex: "male", InsurerNumber: "01130012"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.LinkPatient(home, pt.ID, store.LinkForm{FacilityOID: r.FB.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	// The linked hospital prescribed ノルバスク (Ca拮抗薬, 2171).
	if _, err := db.IssuePrescription(store.RxActor{MemberID: r.MB.ID}, store.RxForm{PatientID: pt.ID,
		Lines: []store.RxLineForm{{DrugCode: "2171022F5032", Amount: "1", Usage: "1日1回朝食後", Days: "28"}}}); err != nil {
		t.Fatal(err)
	}
	doctor := store.RxActor{MemberID: r.MA.ID}
	if _, err := db.SaveRxPreset(doctor, "血圧セット", false, []store.RxLineForm{{DrugCode: "2171022F5180", Amount: "1", Usage: "1日1回朝食後", Days: "28"}}); err != nil {
		t.Fatal(err)
	}
	issued, err := db.IssueCertificate(r.MA.ID, store.CertificateRequest{Device: "診察室PC", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	t.Run("no-javascript", func(t *testing.T) {
		composeWithoutScript(t, db, base, issued.P12, r.MA.ID, pt.ID)
	})
	b := handlertest.OpenBrowser(t, db, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: handlertest.TestPassphrase})
	b.Login(r.MA.ID, handlertest.MemberPassword)
	if loc := b.Location(); loc != "/menu" {
		t.Fatalf("after login at %s\n%s", loc, b.MainText())
	}
	if status := b.Open("/rx/new?patient=" + pt.ID); status != 200 {
		t.Fatalf("composer: %d\n%s", status, b.MainText())
	}

	// Live search in line 1, pick ロキソニン.
	b.Do("search", chromedp.SendKeys("#line-0-q", "ろきそ"))
	b.Poll("results", `() => !!document.querySelector('#line-0-results [data-testid="drug-pick"][data-drug-code="1149019F1560"]')`)
	b.Do("pick", chromedp.Click(`#line-0-results [data-testid="drug-pick"][data-drug-code="1149019F1560"]`))
	b.Poll("picked", `() => { const n = document.querySelector('#line-0 [data-testid="rx-drug-name"]'); return !!n && n.textContent.includes("ロキソニン錠６０ｍｇ") }`)
	b.Do("amount and usage",
		chromedp.SetValue(`[name="lines[0][amount]"]`, "3"),
		chromedp.SetValue(`[name="lines[0][usage]"]`, "1日3回毎食後"),
		chromedp.SetValue(`[name="lines[0][days]"]`, "7"))

	// Apply the preset: its line comes in as line 3, and the check runs.
	b.Do("apply the preset", chromedp.Click(`[data-testid="rx-apply-preset"]`))
	b.Poll("preset line", `() => !!document.querySelector('#line-2 [name="lines[2][drug_code]"][value="2171022F5180"]')`)
	b.Poll("duplicate warning", `() => { const d = document.querySelector('[data-testid="rx-duplicate"]'); return !!d && d.textContent.includes("みなと総合病院") && d.textContent.includes("ノルバスク錠１０ｍｇ") }`)
	if w := b.Text(`[data-testid="rx-duplicates"]`); !strings.Contains(w, "同一成分") {
		t.Errorf("warning %q", w)
	}
	// A removed spare line goes.
	b.Do("remove the spare line", chromedp.Click(`#line-1 [data-testid="rx-remove-line"]`))
	b.Poll("line removed", `() => !document.querySelector('#line-1')`)

	b.Submit("issue", chromedp.Click(`[data-testid="rx-issue"]`))
	number := b.Text(`[data-testid="rx-number"]`)
	if n, err := store.NormalizeRxNumber(number); err != nil || n == "" {
		t.Fatalf("照会番号 %q: %v\n%s", number, err, b.MainText())
	}
	if s := b.Text(`[data-testid="rx-status"]`); s != "発行済" {
		t.Errorf("status %q", s)
	}
	loc := b.Location()
	if !strings.HasPrefix(loc, "/rx/RX") {
		t.Fatalf("after issue at %s", loc)
	}
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/rx/")
	if n := b.Count(`[data-testid="rx-line"]`); n != 2 {
		t.Errorf("%d lines on the page, want 2", n)
	}

	// Print: the browser's own request for the PDF.
	status, header, pdfData, err := browsertest.Fetch(b.Ctx(), base+"/rx/"+id+".pdf")
	if err != nil || status != 200 || header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %v %v", status, header, err)
	}
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext missing")
	}
	text := handlertest.PDFText(t, pdfData)
	found := false
	for _, line := range strings.Split(text, "\n") {
		if i := strings.Index(line, "照会番号"); i >= 0 && strings.Contains(line[i:], number) {
			found = true
		}
	}
	if !found {
		t.Errorf("PDF has no line with 照会番号 %s:\n%s", number, text)
	}
}

// composeWithoutScript: with JavaScript off the composer still works: the
// drug code is typed, 「行を追加」 shows the form again with more lines,
// and 発行する issues.
func composeWithoutScript(t *testing.T, db *store.DB, base string, p12 []byte, member, patient string) {
	b := handlertest.OpenBrowser(t, db, base, browsertest.Options{ClientP12: p12, ClientP12Pass: handlertest.TestPassphrase, NoJavaScript: true})
	b.Login(member, handlertest.MemberPassword)
	if status := b.Open("/rx/new?patient=" + patient); status != 200 {
		t.Fatalf("composer: %d", status)
	}
	before := b.Count(`[data-testid="rx-line"]`)
	if status := b.Submit("行を追加",
		chromedp.SetValue(`[name="lines[0][drug_code]"]`, "2329021F1102"),
		chromedp.SetValue(`[name="lines[0][amount]"]`, "3"),
		chromedp.SetValue(`[name="lines[0][usage]"]`, "1日3回毎食後"),
		chromedp.SetValue(`[name="lines[0][days]"]`, "5"),
		chromedp.Click(`[data-testid="rx-add-line"]`)); status != 200 {
		t.Fatalf("行を追加: %d\n%s", status, b.MainText())
	}
	if after := b.Count(`[data-testid="rx-line"]`); after <= before {
		t.Fatalf("lines %d → %d", before, after)
	}
	if name := b.Text(`#line-0 [data-testid="rx-drug-name"]`); name != "ムコスタ錠１００ｍｇ" {
		t.Fatalf("line 1 shows %q", name)
	}
	if status := b.Submit("issue", chromedp.Click(`[data-testid="rx-issue"]`)); status != 200 {
		t.Fatalf("issue: %d\n%s", status, b.MainText())
	}
	if n, err := store.NormalizeRxNumber(b.Text(`[data-testid="rx-number"]`)); err != nil || n == "" {
		t.Fatalf("no 照会番号 after issuing without script: %v\n%s", err, b.MainText())
	}
}
