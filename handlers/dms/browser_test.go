package dms_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// memberBrowser opens Chromium holding m's own client certificate (in its
// NSS database, selected by policy) and logs m in: the server requires
// certificates, as in production.
func memberBrowser(t *testing.T, r *handlertest.Region, base string, m store.Member) *handlertest.Page {
	t.Helper()
	issued, err := r.DB.IssueCertificate(m.ID, store.CertificateRequest{Device: "診察室", Passphrase: handlertest.TestPassphrase,
		PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	b := handlertest.OpenBrowser(t, r.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: handlertest.TestPassphrase})
	b.Login(m.ID, handlertest.MemberPassword)
	if loc := b.Location(); loc != "/menu" {
		t.Fatalf("%s logged in at %s\n%s", m.ID, loc, b.MainText())
	}
	return b
}

// TestDMSInBrowser: a member registers a patient in PRS, writes a record
// with an image from the patient's page, discloses it to a facility the
// patient is linked to; that facility's member finds it in /dms and opens
// it (the image shows); the writer revokes the disclosure and the other
// member loses access. Both browsers present their own client
// certificates. (The patient's side of disclosures is the patient page's
// own flow.)
func TestDMSInBrowser(t *testing.T) {
	r := handlertest.NewRegion(t, newEnv(t, web.CertRequired))
	base := r.Listen(t)
	a := memberBrowser(t, r, base, r.MA)

	// Register the patient.
	a.Submit("open PRS", chromedp.Click(`a.tile[href="/prs"]`))
	a.Submit("unlock PRS", chromedp.SetValue("#oid", r.FA.OID), chromedp.SetValue("#password", handlertest.FacilityPassword),
		chromedp.Click(`main form[action="/prs/login"] button[type=submit]`))
	a.Submit("new patient", chromedp.Click(`[data-testid="prs-nav"] a[href="/prs/patients/new"]`))
	a.Submit("register",
		chromedp.SetValue("#name", "山田 太郎"),
		chromedp.SetValue("#name_kana", "ヤマダ タロウ"),
		chromedp.SetValue("#birth_date", "1970-04-01"),
		chromedp.Click(`input[name="sex"][value="male"]`),
		chromedp.Click(`main form[action="/prs/patients"] button[type=submit]`))
	id, err := store.NormalizePatientID(a.Text(`[data-testid="patient-id"]`))
	if err != nil {
		t.Fatal(err)
	}
	// The patient consents to みなと総合病院 (the PRS link step).
	if _, err := r.DB.LinkPatient(store.PRSActor{MemberID: r.MA.ID, FacilityOID: r.FA.OID}, id,
		store.LinkForm{FacilityOID: r.FB.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}

	// Write a record with an image, from the patient's page.
	img := filepath.Join(t.TempDir(), "胸部X線.png")
	if err := os.WriteFile(img, store.SamplePNG(120, 90, 5), 0o600); err != nil {
		t.Fatal(err)
	}
	a.Open("/prs/patients/" + id)
	a.Submit("記録を作成", chromedp.Click(`[data-testid="patient-records"] a.button`))
	if s := a.Text(`[data-testid="record-patient"]`); !strings.Contains(s, "山田　太郎") {
		t.Fatalf("record form for %q", s)
	}
	a.Do("fill in the record",
		chromedp.SetValue("#kind", "imaging"),
		chromedp.SetValue("#title", "胸部X線"),
		chromedp.SetValue("#recorded_on", "2026-03-01"),
		chromedp.SetValue("#body", "所見：異常なし\n経過観察"),
		chromedp.SetUploadFiles("#attachment", []string{img}))
	a.Submit("save the record", chromedp.Click(`[data-testid="record-form"] button[type=submit]`))
	if f := a.Text(`[data-testid="dms-flash"]`); f != "記録を保存しました。" {
		t.Fatalf("after saving: %q\n%s", f, a.MainText())
	}
	recordPage := a.Location()
	recordPage = recordPage[:strings.IndexByte(recordPage+"?", '?')]
	a.Poll("the image shows", `() => { const i = document.querySelector('[data-testid="attachment-image"]'); return !!i && i.complete && i.naturalWidth === 120; }`)

	// Disclose it to the linked facility.
	a.Do("choose the facility", chromedp.Click(`input[name="to"][value="facility"]`), chromedp.SetValue("#facility_oid", r.FB.OID))
	a.Submit("disclose", chromedp.Click(`[data-testid="disclose-form"] button[type=submit]`))
	if f := a.Text(`[data-testid="dms-flash"]`); f != "公開しました。" {
		t.Fatalf("after disclosing: %q\n%s", f, a.MainText())
	}
	if s := a.Text(`[data-testid="disclosure-list"]`); !strings.Contains(s, "みなと総合病院") || !strings.Contains(s, "公開中") {
		t.Fatalf("disclosures: %q", s)
	}

	// みなと総合病院's member finds it in /dms and opens it.
	b := memberBrowser(t, r, base, r.MB)
	b.Submit("open DMS", chromedp.Click(`a.tile[href="/dms"]`))
	if s := b.Text(`[data-testid="record-results"]`); !strings.Contains(s, "胸部X線") || !strings.Contains(s, "公開を受けた記録") {
		t.Fatalf("B's list: %q", s)
	}
	b.Submit("open the record", chromedp.Click(`[data-testid="record-row"] a[href="`+recordPage+`"]`))
	if s := b.Text(`[data-testid="record-body"]`); !strings.Contains(s, "所見：異常なし") {
		t.Fatalf("B's record page: %q", b.MainText())
	}
	b.Poll("B sees the image", `() => { const i = document.querySelector('[data-testid="attachment-image"]'); return !!i && i.complete && i.naturalWidth === 120; }`)
	if b.Count(`[data-testid="disclose-form"]`) != 0 {
		t.Fatal("the recipient is offered to disclose")
	}

	// The writer revokes; B loses access.
	a.Submit("revoke", chromedp.Click(`[data-testid="revoke-form"] button[type=submit]`))
	if f := a.Text(`[data-testid="dms-flash"]`); !strings.Contains(f, "公開を取り消しました") {
		t.Fatalf("after revoking: %q", f)
	}
	if status := b.Open(recordPage); status != 404 {
		t.Fatalf("B after the revocation: %d\n%s", status, b.MainText())
	}
	b.Open("/dms")
	if b.Count(`[data-testid="record-row"]`) != 0 {
		t.Fatalf("B still lists it: %q", b.MainText())
	}
	// The writer's list filters live (htmx swaps the table, the address
	// follows the filter).
	a.Open("/dms")
	if a.Count(`[data-testid="record-row"]`) != 1 {
		t.Fatalf("A's list: %q", a.MainText())
	}
	if err := browsertest.Swap(a.Ctx(), chromedp.SetValue("#kind", "lab"),
		chromedp.Evaluate[chromedp.Void](`(() => { document.querySelector('#kind').dispatchEvent(new Event('change', {bubbles: true})); return {}; })()`)); err != nil {
		t.Fatalf("live filter: %v\n%s", err, a.MainText())
	}
	if a.Count(`[data-testid="records-empty"]`) != 1 || !strings.Contains(a.Location(), "kind=lab") {
		t.Fatalf("after the live filter (%s): %q", a.Location(), a.MainText())
	}
	// B's view stays in the log.
	log, err := r.DB.ListAudit(store.AuditFilter{Patient: id, Action: "record.", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var views int
	for _, e := range log.Events {
		if e.Actor == r.MB.ID && e.Result == store.ResultOK && (e.Action == store.AuditRecordView || e.Action == store.AuditRecordAttachment) {
			views++
		}
	}
	if views < 2 {
		t.Fatalf("B's views in the log: %d", views)
	}
}
