package referral_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// TestLetterFlow: A sends to B; B's header counts it; B's open marks it
// 既読 with the time A then sees; B replies (validated), A sees 返信済 and
// the reply, completes it; both PDFs hold the letter's text. C, a
// stranger, gets 404 everywhere.
func TestLetterFlow(t *testing.T) {
	r := newRegion(t)
	clock := r.FakeClock()
	id := r.send(t, r.letterValues("to_facility", "", "to_member", r.MB.ID))
	letter := "/referrals/" + id
	for _, sc := range []handlertest.Scenario{
		{Name: "badge", Path: "/menu", WantStatus: 200, WantMatch: []string{`data-testid="referrals-unread"[^>]*>1</span>`}},
		{Name: "badge fragment", Path: "/referrals/unread", WantStatus: 200, WantMatch: []string{`^<span[^>]*data-testid="referrals-unread"[^>]*hx-trigger="every 60s"[^>]*>1</span>$`}},
		{Name: "inbox", Path: "/referrals", WantStatus: 200, WantContains: []string{`data-id="` + id + `"`, "未読", "あおば内科クリニック", "山田　太郎"}},
		{Name: "inbox unread filter", Path: "/referrals?status=unread", WantStatus: 200, WantContains: []string{`data-id="` + id + `"`}},
		{Name: "inbox read filter", Path: "/referrals?status=read", WantStatus: 200, WantContains: []string{`data-testid="referral-empty"`}},
		{Name: "inbox patient filter", Path: "/referrals?patient=" + r.patient, WantStatus: 200, WantContains: []string{`data-id="` + id + `"`}},
		{Name: "inbox bad patient filter", Path: "/referrals?patient=%00x", WantStatus: 200, WantContains: []string{`data-testid="referral-empty"`}},
	} {
		sc.Run(t, r.b)
	}
	handlertest.Scenario{Name: "sender sees 未読", Path: "/referrals/sent", WantStatus: 200, WantContains: []string{`data-id="` + id + `"`, "未読"},
		WantAbsent: []string{`data-testid="referral-read-at"`}}.Run(t, r.a)
	handlertest.Scenario{Name: "sender's open marks nothing", Path: letter, WantStatus: 200, WantContains: []string{`data-testid="letter-read-at">未読`}}.Run(t, r.a)

	// A HEAD of the page (a link checker, a prefetch) marks nothing.
	if res := r.b.Do(http.MethodHead, letter, nil, ""); res.Status != http.StatusOK || res.Body != "" {
		t.Fatalf("HEAD of the letter: %d, %d bytes", res.Status, len(res.Body))
	}
	handlertest.Scenario{Name: "still unread after HEAD", Path: "/referrals/unread", WantStatus: 200, WantMatch: []string{`>1</span>$`}}.Run(t, r.b)

	clock.Add(10 * time.Minute) // 12:10 in Japan
	for _, sc := range []handlertest.Scenario{
		{Name: "receiver opens", Path: letter, WantStatus: 200, WantContains: []string{"2026-04-01 12:10 に紹介先が開封", "一行目\n二行目", "高血圧症",
			"昭和45年4月1日生（56歳）", `data-testid="reply-form"`, `href="/referrals/` + id + `.pdf"`}, WantAbsent: []string{`data-testid="complete"`, `data-testid="correct"`}},
		{Name: "badge now 0", Path: "/referrals/unread", WantStatus: 200, WantMatch: []string{`>0</span>$`}},
		{Name: "reply empty", Method: "POST", Path: letter + "/reply", WantStatus: 422,
			WantContains: []string{`data-testid="error-visited_on">受診日を入力してください`, `data-testid="error-body">所見・方針・本文のいずれかを入力してください`}},
		{Name: "reply bad date", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"4月1日"}, "body": {"x"}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-visited_on">受診日：日付は`}},
		{Name: "reply future", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"2026-04-02"}, "body": {"x"}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-visited_on">受診日に未来の日付は入力できません`}},
		{Name: "reply long", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"2026-04-01"}, "plan": {strings.Repeat("方", 4001)}}, WantStatus: 422,
			WantContains: []string{`data-testid="error-plan">方針は4000文字以内`}},
		{Name: "reply", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"令和8年4月1日"}, "findings": {"心雑音なし"}, "plan": {"経過観察"}, "body": {"ご紹介ありがとうございました。\n当院で加療します。"}},
			WantStatus: 303, WantLocation: letter + "?done=referral-replied"},
		{Name: "reply again", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"2026-04-01"}, "body": {"x"}}, WantStatus: 409},
		{Name: "receiver may not complete", Method: "POST", Path: letter + "/complete", WantStatus: 403},
	} {
		sc.Run(t, r.b)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "sender sees 返信済 and the read time", Path: "/referrals/sent", WantStatus: 200, WantContains: []string{"返信済", "既読 2026-04-01 12:10"}},
		{Name: "sender sees the reply", Path: letter, WantStatus: 200, WantContains: []string{`data-testid="reply"`, "心雑音なし", "経過観察", "当院で加療します。",
			"令和8年4月1日", `href="/referrals/` + id + `/reply.pdf"`, `data-testid="complete"`}},
		{Name: "sender may not reply", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"2026-04-01"}, "body": {"x"}}, WantStatus: 403},
		{Name: "complete", Method: "POST", Path: letter + "/complete", WantStatus: 303, WantLocation: letter + "?done=referral-completed"},
		{Name: "complete again", Method: "POST", Path: letter + "/complete", WantStatus: 409},
		{Name: "completed", Path: letter + "?done=referral-completed", WantStatus: 200, WantContains: []string{"紹介状を完了にしました", `data-testid="letter-status">完了`}},
	} {
		sc.Run(t, r.a)
	}
	for _, c := range []*handlertest.Client{r.a, r.b} {
		res := c.Get(letter + ".pdf")
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("letter pdf: %d\n%s", res.Status, handlertest.Snippet(res.Body))
		}
		handlertest.CheckPDF(t, "letter.pdf", []byte(res.Body), []string{"診療情報提供書", "高血圧症", "精査加療のお願い", "山田", "あおば内科クリニック"})
		res = c.Get(letter + "/reply.pdf")
		if res.Status != 200 {
			t.Fatalf("reply pdf: %d\n%s", res.Status, handlertest.Snippet(res.Body))
		}
		handlertest.CheckPDF(t, "reply.pdf", []byte(res.Body), []string{"紹介患者経過報告書", "心雑音なし", "経過観察"})
	}
	// The stranger: 404 on every route of the letter; nothing changes.
	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: letter, WantStatus: 404, WantAbsent: []string{"山田"}},
		{Name: "pdf", Path: letter + ".pdf", WantStatus: 404},
		{Name: "reply pdf", Path: letter + "/reply.pdf", WantStatus: 404},
		{Name: "reply", Method: "POST", Path: letter + "/reply", Form: map[string][]string{"visited_on": {"2026-04-01"}, "body": {"x"}}, WantStatus: 404},
		{Name: "complete", Method: "POST", Path: letter + "/complete", WantStatus: 404},
		{Name: "edit", Method: "POST", Path: letter + "/edit", WantStatus: 404},
		{Name: "delete", Method: "POST", Path: letter + "/delete", WantStatus: 404},
		{Name: "attachment", Path: letter + "/attachments/abc", WantStatus: 404},
		{Name: "unknown letter", Path: "/referrals/L999999", WantStatus: 404},
		{Name: "not a letter id", Path: "/referrals/..%2Fx", WantStatus: 404},
		{Name: "inbox empty", Path: "/referrals", WantStatus: 200, WantContains: []string{`data-testid="referral-empty"`}},
		{Name: "sent empty", Path: "/referrals/sent", WantStatus: 200, WantContains: []string{`data-testid="referral-empty"`}},
	} {
		sc.Run(t, r.c)
	}
	// Every open, print and reply is in the audit log.
	r.DB.FlushAudit()
	page, err := r.DB.ListAudit(store.AuditFilter{Action: "referral.", Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	got := map[store.AuditAction]int{}
	for _, e := range page.Events {
		if e.Result == store.ResultOK {
			got[e.Action]++
		}
	}
	if got[store.AuditReferralView] < 3 || got[store.AuditReferralPrint] != 2 || got[store.AuditReferralReplyPrint] != 2 || got[store.AuditReferralReply] != 1 || got[store.AuditReferralSend] != 1 {
		t.Fatalf("audit: %v", got)
	}
}

// TestAttachmentsOfALetter: the files go with the letter to both sides
// (Content-Disposition with the name, nosniff), nobody else.
func TestAttachmentsOfALetter(t *testing.T) {
	r := newRegion(t)
	res := r.a.PostMultipart("/referrals/new", r.letterValues(), handlertest.File{Field: "attachment", Name: "心電図.pdf", Data: store.SamplePDF(2000, 3)})
	m := letterLocation.FindStringSubmatch(res.Location)
	if res.Status != 303 || m == nil {
		t.Fatalf("send: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	page := r.b.Get("/referrals/" + m[1])
	att := strings.Index(page.Body, "/referrals/"+m[1]+"/attachments/")
	if att < 0 {
		t.Fatalf("no attachment link\n%s", handlertest.Snippet(page.Body))
	}
	href := page.Body[att:]
	href = href[:strings.IndexByte(href, '"')]
	for _, c := range []*handlertest.Client{r.a, r.b} {
		res := c.Get(href)
		if res.Status != 200 || len(res.Body) != 2000 || res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(res.Header.Get("Content-Disposition"), "filename*=UTF-8''%E5%BF%83") {
			t.Fatalf("attachment: %d %d %v", res.Status, len(res.Body), res.Header)
		}
	}
	if res := r.c.Get(href); res.Status != 404 {
		t.Fatalf("stranger's attachment: %d", res.Status)
	}
}

// TestDirectory: the 会員名簿 searches name, facility, 診療科 and area,
// answers htmx with the results alone, and offers choices to the compose
// form; a member who chose not to appear is not listed.
func TestDirectory(t *testing.T) {
	r := newRegion(t)
	profile := map[string][]string{"name": {"医師 二郎"}, "name_kana": {"イシ ジロウ"}, "email": {"jiro@example.jp"}, "phone": {"03-1234-5678"},
		"department": {"循環器内科"}, "directory_asked": {"1"}, "directory": {"on"}, "introduction": {"心不全の紹介を受け付けています。"}}
	handlertest.Scenario{Name: "profile", Method: "POST", Path: "/profile", Form: profile, WantStatus: 303}.Run(t, r.b)
	handlertest.Scenario{Name: "profile shows the choice", Path: "/profile", WantStatus: 200, WantContains: []string{`name="directory" value="on" checked`,
		"心不全の紹介を受け付けています。", `name="introduction"`}}.Run(t, r.b)
	for _, sc := range []handlertest.Scenario{
		{Name: "all", Path: "/members", WantStatus: 200, WantContains: []string{"会員名簿", "医師 二郎", "みなと総合病院", "循環器内科", "千代田区", "心不全の紹介"}},
		{Name: "by department", Path: "/members?q=%E5%BE%AA%E7%92%B0%E5%99%A8", WantStatus: 200, WantContains: []string{"医師 二郎"}, WantAbsent: []string{"薬剤師 三子"}},
		{Name: "by facility", Path: "/members?q=%E3%81%95%E3%81%8F%E3%82%89", WantStatus: 200, WantContains: []string{"薬剤師 三子"}, WantAbsent: []string{"医師 二郎"}},
		{Name: "none", Path: "/members?q=zzzz", WantStatus: 200, WantContains: []string{"該当する会員はいません"}},
	} {
		sc.Run(t, r.a)
	}
	r.a.Headers["HX-Request"] = "true"
	r.a.Headers["HX-Target"] = "member-results"
	handlertest.Scenario{Name: "live", Path: "/members?q=%E5%BE%AA%E7%92%B0%E5%99%A8", WantStatus: 200, WantMatch: []string{`^<p class="small" data-testid="member-summary">`},
		WantAbsent: []string{"<h1>"}}.Run(t, r.a)
	r.a.Headers["HX-Target"] = "to-results"
	handlertest.Scenario{Name: "pick", Path: "/members?pick=1&q=%E5%BE%AA%E7%92%B0%E5%99%A8", WantStatus: 200,
		WantContains: []string{`data-fill-member="` + r.MB.ID + `"`, `data-fill-facility="` + r.FB.OID + `"`}}.Run(t, r.a)
	handlertest.Scenario{Name: "pick leaves out the own facility", Path: "/members?pick=1&q=%E5%8C%BB%E5%B8%AB", WantStatus: 200,
		WantAbsent: []string{`data-fill-member="` + r.MA.ID + `"`}}.Run(t, r.a)
	delete(r.a.Headers, "HX-Request")
	delete(r.a.Headers, "HX-Target")
	// B leaves the directory.
	delete(profile, "directory")
	handlertest.Scenario{Name: "hide", Method: "POST", Path: "/profile", Form: profile, WantStatus: 303}.Run(t, r.b)
	handlertest.Scenario{Name: "hidden", Path: "/members", WantStatus: 200, WantAbsent: []string{"医師 二郎"}}.Run(t, r.a)
	handlertest.Scenario{Name: "long introduction", Method: "POST", Path: "/profile", Form: map[string][]string{"name": {"医師 二郎"}, "name_kana": {"イシ ジロウ"},
		"email": {"jiro@example.jp"}, "phone": {"03-1234-5678"}, "introduction": {strings.Repeat("長", 401)}}, WantStatus: 422,
		WantContains: []string{"自己紹介は400文字以内"}}.Run(t, r.b)
	// Operators have no facility.
	handlertest.Scenario{Name: "operator", Path: "/members", WantStatus: 403}.Run(t, r.LoginOperator(t))
}
