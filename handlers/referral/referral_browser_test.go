package referral_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// TestReferralInBrowser: two members, each in their own Chromium presenting
// their own client certificate (--client-cert required): A chooses B from
// the directory as they type, ticks a DMS record and sends a letter → B's
// header badge shows 1 → B opens it and follows the record into DMS → A sees 既読 with the time → B replies → A sees 返信済 and
// the reply → both PDFs, fetched by the browser, hold the letter's text.
func TestReferralInBrowser(t *testing.T) {
	pe := handlertest.NewRegion(t, newEnv(t, web.CertRequired))
	pa := store.PRSActor{MemberID: pe.MA.ID, FacilityOID: pe.FA.OID}
	p, err := pe.DB.RegisterPatient(pa, store.PatientForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", BirthDate: "1970-04-01", Sex: "male"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pe.DB.LinkPatient(pa, p.ID, store.LinkForm{FacilityOID: pe.FB.OID, Consent: "on", ConsentMethod: "written"}); err != nil {
		t.Fatal(err)
	}
	rec, err := pe.DB.CreateRecord(pa, store.RecordForm{PatientID: p.ID, Kind: "imaging", Title: "胸部X線", Body: "右下肺野に浸潤影", RecordedOn: "2026-03-01"})
	if err != nil {
		t.Fatal(err)
	}
	base := pe.Listen(t)
	browser := func(m store.Member) *handlertest.Page {
		issued, err := pe.DB.IssueCertificate(m.ID, store.CertificateRequest{Device: "診察室", Passphrase: handlertest.TestPassphrase,
			PassphraseConfirm: handlertest.TestPassphrase}, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		b := handlertest.OpenBrowser(t, pe.DB, base, browsertest.Options{ClientP12: issued.P12, ClientP12Pass: handlertest.TestPassphrase})
		b.Login(m.ID, handlertest.MemberPassword)
		if loc := b.Location(); loc != "/menu" {
			t.Fatalf("login %s: at %s\n%s", m.ID, loc, b.MainText())
		}
		return b
	}
	a, b := browser(pe.MA), browser(pe.MB)
	if n := b.Text(`[data-testid="referrals-unread"]`); n != "0" {
		t.Fatalf("B's badge before: %q", n)
	}

	// A writes: the 紹介先 from the directory, as typed.
	a.Open("/referrals/new?patient=" + p.ID)
	if s := a.Text(`[data-testid="compose-birth"]`); !strings.Contains(s, "昭和45年4月1日生") {
		t.Fatalf("patient block: %q", s)
	}
	a.Do("search the directory", chromedp.SendKeys(`[data-testid="to-search"]`, "みなと"))
	a.Poll("the directory's choices", `() => !!document.querySelector('#to-results [data-fill-member="`+pe.MB.ID+`"]')`)
	a.Do("choose B", chromedp.Click(`#to-results [data-fill-member="`+pe.MB.ID+`"]`))
	if v, err := chromedp.Run(a.Ctx(), chromedp.Value("#to_member")); err != nil || v != pe.MB.ID {
		t.Fatalf("to_member after the choice: %q %v", v, err)
	}
	a.Do("write", chromedp.SendKeys("#diagnosis", "高血圧症"), chromedp.SendKeys("#purpose", "精査加療のお願い"),
		chromedp.SendKeys("#course", "二週間前から頭痛"))
	// …and ticks the patient's X-ray in DMS.
	box := `input[name="record"][value="` + rec.ID + `"]`
	a.Do("tick the record", chromedp.Click(box))
	a.Poll("the record ticked", `() => document.querySelector('`+box+`').checked`)
	a.Submit("send", chromedp.Click(`[data-testid="send"]`))
	if s := a.Text(`[data-testid="flash"]`); !strings.Contains(s, "送信しました") {
		t.Fatalf("after sending: %q", a.MainText())
	}
	letter := strings.TrimSuffix(a.Location(), "?done=referral-sent")
	if !strings.HasPrefix(letter, "/referrals/L") {
		t.Fatalf("letter page: %s", letter)
	}

	// B: the badge counts it on the next page; opening marks it 既読.
	b.Open("/menu")
	if n := b.Text(`[data-testid="referrals-unread"]`); n != "1" {
		t.Fatalf("B's badge: %q", n)
	}
	b.Submit("inbox", chromedp.Click(`.site-nav a[href="/referrals"]`))
	b.Submit("open the letter", chromedp.Click(`[data-testid="referral-row"] a`))
	if s := b.Text(`[data-testid="letter-status"]`); s != "既読" {
		t.Fatalf("status after B's open: %q", s)
	}
	if n := b.Text(`[data-testid="referrals-unread"]`); n != "0" {
		t.Fatalf("B's badge after opening: %q", n)
	}
	// The record goes with the letter: B follows its link into DMS.
	b.Submit("open the record", chromedp.Click(`[data-testid="letter-record"][data-id="`+rec.ID+`"] a`))
	if s := b.Text(`[data-testid="record-title"]`); !strings.Contains(s, "胸部X線") {
		t.Fatalf("B's record page: %q", b.MainText())
	}
	if s := b.Text(`[data-testid="record-body"]`); s != "右下肺野に浸潤影" {
		t.Fatalf("B's record body: %q", s)
	}
	b.Open(letter)

	// A sees 既読 with the time.
	a.Open("/referrals/sent")
	if s := a.Text(`[data-testid="referral-read-at"]`); !strings.HasPrefix(s, "既読 20") {
		t.Fatalf("A's sent list: %q", a.MainText())
	}

	// B replies.
	b.Do("reply", chromedp.SendKeys("#findings", "血圧 150/90"), chromedp.SendKeys("#plan", "降圧薬を調整"),
		chromedp.SendKeys("#body", "ご紹介ありがとうございました。"))
	b.Submit("send the reply", chromedp.Click(`[data-testid="send-reply"]`))
	if s := b.Text(`[data-testid="flash"]`); !strings.Contains(s, "返書を送信しました") {
		t.Fatalf("after the reply: %q", b.MainText())
	}

	// A sees 返信済 and the reply.
	a.Open(letter)
	if s := a.Text(`[data-testid="letter-status"]`); s != "返信済" {
		t.Fatalf("A's status: %q", s)
	}
	if s := a.Text(`[data-testid="reply-body"]`); s != "ご紹介ありがとうございました。" {
		t.Fatalf("A's reply: %q", s)
	}

	// Both PDFs, as the browser gets them with its certificate.
	fetch := func(path string) []byte {
		t.Helper()
		js := `fetch(` + "`" + path + "`" + `).then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(b => {
			let s = ""; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s); })`
		s, err := chromedp.Run(a.Ctx(), chromedp.Evaluate[string](js, func(p *runtime.EvaluateParams) { yes := true; p.AwaitPromise = &yes }))
		if err != nil {
			t.Fatalf("fetch %s: %v", path, err)
		}
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	handlertest.CheckPDF(t, "letter.pdf", fetch(letter+".pdf"), []string{"診療情報提供書", "高血圧症", "精査加療のお願い", "二週間前から頭痛", "山田", "DMS記録", rec.ID, "胸部X線（画像）"})
	handlertest.CheckPDF(t, "reply.pdf", fetch(letter+"/reply.pdf"), []string{"紹介患者経過報告書", "血圧 150/90", "降圧薬を調整", "ご紹介ありがとうございました。"})
}
