package handlers

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hotline/store"
)

func settingsForm(edit func(url.Values)) url.Values {
	v := url.Values{
		"site_name": {"ほっとライン"}, "organisation": {"テスト市医師会"}, "department": {"医療情報課"}, "postal": {"１００－０００１"},
		"address": {"東京都千代田区千代田1-1"}, "phone": {"03-1234-5678"}, "email": {"hotline@example.jp"}, "portal_url": {"https://hotline.example.jp/"},
	}
	if edit != nil {
		edit(v)
	}
	return v
}

func TestAdminDashboardAndSettings(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "dashboard", path: "/admin", wantStatus: 200, wantContains: []string{`data-testid="admin-nav"`, `data-testid="placeholder-warning"`, "運営組織", `data-testid="certoff-warning"`, `data-testid="count-applications-pending"`, `data-testid="count-applications-received"`, `data-testid="count-inquiries-open"`, `data-testid="count-requests-open"`, `data-testid="count-members-total"`, `data-testid="count-members-active"`, `data-testid="no-holds"`}},
		{name: "settings form", path: "/admin/settings", wantStatus: 200, wantContains: []string{`name="organisation"`, `value="（未設定）運営組織名"`, `data-testid="placeholder-warning"`}},
		{name: "empty organisation", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("organisation", "") }), wantStatus: 422, wantContains: []string{`data-testid="error-organisation"`, "運営組織を入力してください"}},
		{name: "empty site name", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("site_name", "") }), wantStatus: 422, wantContains: []string{"サイト名を入力してください"}},
		{name: "empty department", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("department", "") }), wantStatus: 422, wantContains: []string{"担当部署を入力してください"}},
		{name: "empty address", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("address", "") }), wantStatus: 422, wantContains: []string{"住所を入力してください"}},
		{name: "bad postal", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("postal", "12") }), wantStatus: 422, wantContains: []string{`data-testid="error-postal"`, store.ErrPostalFormat.Error()}},
		{name: "bad phone", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("phone", "12") }), wantStatus: 422, wantContains: []string{`data-testid="error-phone"`, store.ErrPhoneFormat.Error()}},
		{name: "bad email", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("email", "x@") }), wantStatus: 422, wantContains: []string{`data-testid="error-email"`, store.ErrEmailFormat.Error()}},
		{name: "http portal", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("portal_url", "http://x.jp/") }), wantStatus: 422, wantContains: []string{"ポータルURLは https:// で始めてください"}},
		{name: "empty portal", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("portal_url", "") }), wantStatus: 422, wantContains: []string{`data-testid="error-portal_url"`, "ポータルURLを入力してください"}},
		{name: "long organisation", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("organisation", strings.Repeat("あ", 101)) }), wantStatus: 422, wantContains: []string{"運営組織が長すぎます"}},
		{name: "long site name", method: "POST", path: "/admin/settings", form: settingsForm(func(v url.Values) { v.Set("site_name", strings.Repeat("あ", 61)) }), wantStatus: 422, wantContains: []string{"サイト名が長すぎます"}},
		{name: "save", method: "POST", path: "/admin/settings", form: settingsForm(nil), wantStatus: 303, wantLocation: "/admin/settings?done=saved"},
		{name: "saved", path: "/admin/settings", wantStatus: 200, wantContains: []string{`value="100-0001"`}, wantAbsent: []string{`data-testid="placeholder-warning"`}},
		{name: "warning gone", path: "/admin", wantStatus: 200, wantAbsent: []string{`data-testid="placeholder-warning"`}},
		{name: "portal top", path: "/", wantStatus: 200, wantContains: []string{"テスト市医師会"}},
	} {
		sc.run(t, op)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "settings.update"})
	if len(page.Events) != 1 {
		t.Fatalf("settings audit: %d", len(page.Events))
	}
}

func TestDashboardWithoutCertOffWarning(t *testing.T) {
	env := newTestEnv(t, CertOptional)
	op := env.loginOperator(t)
	scenario{name: "optional", path: "/admin", wantStatus: 200, wantAbsent: []string{`data-testid="certoff-warning"`}}.run(t, op)
}

func TestAdminMembers(t *testing.T) {
	env := newTestEnv(t, CertOff)
	a := env.addMember(t, "山田 太郎", "member-Pass-2345")
	env.db.UpdateProfile(a.ID, store.ProfileForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", Email: "a@example.jp", Phone: "03-1234-5678"}, "")
	b := env.addMember(t, "佐藤 花子", "member-Pass-2345")
	member := env.loginAs(t, a.ID, "member-Pass-2345")
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "list", path: "/admin/members", wantStatus: 200, wantContains: []string{a.ID, b.ID, "山田 太郎", "佐藤 花子", "2 件"}, wantAbsent: []string{`href="/admin/members/admin"`}},
		{name: "search kana", path: "/admin/members?q=" + url.QueryEscape("やまだ"), wantStatus: 200, wantContains: []string{a.ID, "1 件"}, wantAbsent: []string{b.ID}},
		{name: "search id", path: "/admin/members?q=" + strings.ToLower(b.ID), wantStatus: 200, wantContains: []string{b.ID}, wantAbsent: []string{a.ID}},
		{name: "search facility", path: "/admin/members?q=" + url.QueryEscape("佐藤 花子クリニック"), wantStatus: 200, wantContains: []string{b.ID, "1 件"}},
		{name: "status filter", path: "/admin/members?status=locked", wantStatus: 200, wantContains: []string{"0 件"}},
		{name: "bad status ignored", path: "/admin/members?status=evil&page=-3", wantStatus: 200, wantContains: []string{"2 件"}},
		{name: "detail", path: "/admin/members/" + a.ID, wantStatus: 200, wantContains: []string{"ヤマダ　タロウ", "a@example.jp", `data-testid="member-sessions"`, `href="/admin/members/` + a.ID + `/certificates"`, `action="/admin/members/` + a.ID + `/reset-password"`, `data-testid="lock"`, `data-testid="login-events"`, "利用中"}},
		{name: "unknown", path: "/admin/members/H999999", wantStatus: 404},
		{name: "operator not a member", path: "/admin/members/admin", wantStatus: 404},
		{name: "lock", method: "POST", path: "/admin/members/" + a.ID + "/lock", wantStatus: 303, wantLocation: "/admin/members/" + a.ID + "?done=updated"},
		{name: "lock twice", method: "POST", path: "/admin/members/" + a.ID + "/lock", wantStatus: 409, wantContains: []string{"すでに利用停止中です"}},
		{name: "locked", path: "/admin/members/" + a.ID, wantStatus: 200, wantContains: []string{"利用停止", `data-testid="unlock"`, `data-testid="no-sessions"`}},
		{name: "no csrf", method: "POST", path: "/admin/members/" + a.ID + "/unlock", noCSRF: true, wantStatus: 403},
		{name: "unlock", method: "POST", path: "/admin/members/" + a.ID + "/unlock", wantStatus: 303},
		{name: "unlock twice", method: "POST", path: "/admin/members/" + a.ID + "/unlock", wantStatus: 409},
		{name: "withdraw", method: "POST", path: "/admin/members/" + b.ID + "/withdraw", wantStatus: 303},
		{name: "withdraw twice", method: "POST", path: "/admin/members/" + b.ID + "/withdraw", wantStatus: 409, wantContains: []string{"すでに退会済み"}},
		{name: "unlock withdrawn", method: "POST", path: "/admin/members/" + b.ID + "/unlock", wantStatus: 409},
		{name: "withdrawn kept", path: "/admin/members/" + b.ID, wantStatus: 200, wantContains: []string{"佐藤 花子", "退会"}, wantAbsent: []string{`data-testid="withdraw"`}},
		{name: "withdraw operator", method: "POST", path: "/admin/members/admin/withdraw", wantStatus: 404},
	} {
		sc.run(t, op)
	}
	// The member's session ended with the lock.
	scenario{name: "member logged out by lock", path: "/menu", wantStatus: 303}.run(t, member)
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "member."})
	if len(page.Events) != 3 {
		t.Fatalf("audited %d member actions", len(page.Events))
	}
	// A withdrawn member cannot log in.
	scenario{name: "withdrawn login", method: "POST", path: "/login", form: loginForm(b.ID, "member-Pass-2345"), wantStatus: 403, wantContains: []string{"退会"}}.run(t, env.client())
}

func TestAdminInquiries(t *testing.T) {
	env := newTestEnv(t, CertOff)
	q, err := env.db.CreateInquiry(store.InquiryForm{Name: "田中", Email: "tanaka@example.jp", Subject: "証明書について", Body: "インストールできません"}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "open list", path: "/admin/inquiries", wantStatus: 200, wantContains: []string{q.Number, "証明書について", "未対応（1）"}},
		{name: "done list", path: "/admin/inquiries?status=done", wantStatus: 200, wantContains: []string{`data-testid="no-inquiries"`}},
		{name: "detail", path: "/admin/inquiries/" + q.Number, wantStatus: 200, wantContains: []string{"インストールできません", "tanaka@example.jp", `name="status"`, `name="note"`}},
		{name: "unknown", path: "/admin/inquiries/Q999999", wantStatus: 404},
		{name: "bad status", method: "POST", path: "/admin/inquiries/" + q.Number, form: url.Values{"status": {"lost"}, "note": {"x"}}, wantStatus: 422, wantContains: []string{"状態を選択してください"}},
		{name: "long note", method: "POST", path: "/admin/inquiries/" + q.Number, form: url.Values{"status": {"in_progress"}, "note": {strings.Repeat("あ", 2001)}}, wantStatus: 422, wantContains: []string{`data-testid="error-note"`, "メモは2000文字以内で入力してください"}},
		{name: "update", method: "POST", path: "/admin/inquiries/" + q.Number, form: url.Values{"status": {"in_progress"}, "note": {"電話で案内"}}, wantStatus: 303, wantLocation: "/admin/inquiries/" + q.Number + "?done=updated"},
		{name: "updated", path: "/admin/inquiries/" + q.Number, wantStatus: 200, wantContains: []string{"電話で案内", "対応中"}},
		{name: "dashboard counts", path: "/admin", wantStatus: 200, wantContains: []string{"対応中の問合せ"}},
		{name: "update unknown", method: "POST", path: "/admin/inquiries/Q999999", form: url.Values{"status": {"done"}}, wantStatus: 404},
	} {
		sc.run(t, op)
	}
}

func TestAdminRequests(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	reissue, _ := env.db.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestCertReissue, Body: "新しいPC"}, "")
	info, _ := env.db.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestInfoChange, Body: "電話番号の変更"}, "")
	withdrawal, _ := env.db.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestWithdrawal, Body: "閉院"}, "")
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "inbox", path: "/admin/requests", wantStatus: 200, wantContains: []string{reissue.ID, info.ID, withdrawal.ID, "山田 太郎", "受付中（3）"}},
		{name: "detail", path: "/admin/requests/" + reissue.ID, wantStatus: 200, wantContains: []string{"新しいPC", "証明書の再発行", `data-testid="approve"`, `data-testid="reject"`, "もう1枚発行できる"},
			wantMatch: []string{`<a href="/admin/members/` + m.ID + `/certificates" data-testid="member-certificates">`}},
		{name: "detail of another kind", path: "/admin/requests/" + info.ID, wantStatus: 200, wantContains: []string{"電話番号の変更"},
			wantAbsent: []string{`data-testid="member-certificates"`}},
		{name: "the link leads to the certificates", path: "/admin/members/" + m.ID + "/certificates", wantStatus: 200,
			wantContains: []string{"端末（証明書）：山田 太郎", `data-testid="grant-reissue"`}},
		{name: "unknown", path: "/admin/requests/R999999", wantStatus: 404},
		{name: "reject without reason", method: "POST", path: "/admin/requests/" + info.ID + "/reject", form: url.Values{"answer": {" "}}, wantStatus: 422, wantContains: []string{`data-testid="error-answer"`, "却下する理由を回答に入力してください"}},
		{name: "long answer", method: "POST", path: "/admin/requests/" + info.ID + "/approve", form: url.Values{"answer": {strings.Repeat("あ", 2001)}}, wantStatus: 422, wantContains: []string{"回答は2000文字以内で入力してください"}},
		{name: "approve reissue", method: "POST", path: "/admin/requests/" + reissue.ID + "/approve", wantStatus: 303, wantLocation: "/admin/requests/" + reissue.ID + "?done=updated"},
		{name: "approve again", method: "POST", path: "/admin/requests/" + reissue.ID + "/approve", wantStatus: 409, wantContains: []string{"すでに処理されています"}},
		{name: "reject decided", method: "POST", path: "/admin/requests/" + reissue.ID + "/reject", form: url.Values{"answer": {"x"}}, wantStatus: 409},
		{name: "reject info", method: "POST", path: "/admin/requests/" + info.ID + "/reject", form: url.Values{"answer": {"書面でお送りください"}}, wantStatus: 303},
		{name: "decided page", path: "/admin/requests/" + info.ID, wantStatus: 200, wantContains: []string{"却下", "書面でお送りください"}, wantAbsent: []string{`data-testid="approve"`}},
		{name: "approve withdrawal", method: "POST", path: "/admin/requests/" + withdrawal.ID + "/approve", form: url.Values{"answer": {"承りました"}}, wantStatus: 303},
		{name: "all tab", path: "/admin/requests?status=all", wantStatus: 200, wantContains: []string{"すべて（3）", "承認", "却下"}},
		{name: "member withdrawn", path: "/admin/members/" + m.ID, wantStatus: 200, wantContains: []string{`data-testid="member-status">退会`}},
	} {
		sc.run(t, op)
	}
	got, _ := env.db.Member(m.ID)
	if got.Status != store.MemberWithdrawn {
		t.Fatalf("status %s", got.Status)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "cert.grant_reissue"})
	if len(page.Events) != 1 {
		t.Fatalf("grant audited %d", len(page.Events))
	}
}

func TestAdminLinks(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	link := func(edit func(url.Values)) url.Values {
		v := url.Values{"title": {"厚生労働省"}, "url": {"https://www.mhlw.go.jp/"}, "description": {"通知"}, "order": {"1"}}
		if edit != nil {
			edit(v)
		}
		return v
	}
	for _, sc := range []scenario{
		{name: "empty list", path: "/admin/links", wantStatus: 200, wantContains: []string{`data-testid="no-links"`, `href="/admin/links/new"`}},
		{name: "new form", path: "/admin/links/new", wantStatus: 200, wantContains: []string{`action="/admin/links"`, `name="url"`}},
		{name: "no title", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("title", "") }), wantStatus: 422, wantContains: []string{`data-testid="error-title"`, "サイト名を入力してください"}},
		{name: "no url", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("url", "") }), wantStatus: 422, wantContains: []string{"URLを入力してください"}},
		{name: "javascript url", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("url", "javascript:alert(1)") }), wantStatus: 422, wantContains: []string{`data-testid="error-url"`, "URLは https://example.jp/ のように入力してください"}},
		{name: "ftp url", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("url", "ftp://example.jp/") }), wantStatus: 422, wantContains: []string{"URLは http:// または https:// で始めてください"}},
		{name: "bad order", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("order", "-1") }), wantStatus: 422, wantContains: []string{`data-testid="error-order"`, "表示順は0〜9999の数字で入力してください"}},
		{name: "long description", method: "POST", path: "/admin/links", form: link(func(v url.Values) { v.Set("description", strings.Repeat("あ", 501)) }), wantStatus: 422, wantContains: []string{"説明は500文字以内で入力してください"}},
		{name: "create", method: "POST", path: "/admin/links", form: link(nil), wantStatus: 303, wantLocation: "/admin/links?done=saved"},
		{name: "listed", path: "/admin/links", wantStatus: 200, wantContains: []string{"厚生労働省", "https://www.mhlw.go.jp/", `href="/admin/links/L000001"`}},
		{name: "edit form", path: "/admin/links/L000001", wantStatus: 200, wantContains: []string{`action="/admin/links/L000001"`, `value="厚生労働省"`}},
		{name: "edit invalid", method: "POST", path: "/admin/links/L000001", form: link(func(v url.Values) { v.Set("url", "www.mhlw.go.jp") }), wantStatus: 422, wantContains: []string{`action="/admin/links/L000001"`}},
		{name: "edit", method: "POST", path: "/admin/links/L000001", form: link(func(v url.Values) { v.Set("title", "厚労省") }), wantStatus: 303},
		{name: "edit unknown", method: "POST", path: "/admin/links/L999999", form: link(nil), wantStatus: 404},
		{name: "members see it", path: "/links", wantStatus: 200, wantContains: []string{"厚労省"}},
		{name: "delete", method: "POST", path: "/admin/links/L000001/delete", wantStatus: 303},
		{name: "delete again", method: "POST", path: "/admin/links/L000001/delete", wantStatus: 404},
		{name: "deleted", path: "/links", wantStatus: 200, wantContains: []string{`data-testid="no-links"`}},
	} {
		sc.run(t, op)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "link."})
	if len(page.Events) != 3 {
		t.Fatalf("link actions audited: %d", len(page.Events))
	}
}

var newPasswordPattern = regexp.MustCompile(`data-testid="new-operator-password">([^<]+)<`)

func TestAdminOperators(t *testing.T) {
	env := newTestEnv(t, CertOff)
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "list", path: "/admin/operators", wantStatus: 200, wantContains: []string{"admin", "運営管理者", "ログイン中のアカウント", `name="id"`}},
		{name: "no id", method: "POST", path: "/admin/operators", form: url.Values{"id": {""}, "name": {"鈴木"}}, wantStatus: 422, wantContains: []string{`data-testid="error-id"`, "ログイン名を入力してください"}},
		{name: "bad id", method: "POST", path: "/admin/operators", form: url.Values{"id": {"Suzuki!"}, "name": {"鈴木"}}, wantStatus: 422, wantContains: []string{"ログイン名は英小文字で始まる3〜32文字"}},
		{name: "short id", method: "POST", path: "/admin/operators", form: url.Values{"id": {"ab"}, "name": {"鈴木"}}, wantStatus: 422},
		{name: "no name", method: "POST", path: "/admin/operators", form: url.Values{"id": {"suzuki"}, "name": {""}}, wantStatus: 422, wantContains: []string{`data-testid="error-name"`, "氏名を入力してください"}},
		{name: "taken", method: "POST", path: "/admin/operators", form: url.Values{"id": {"admin"}, "name": {"重複"}}, wantStatus: 422, wantContains: []string{"このログイン名はすでに使われています"}},
	} {
		sc.run(t, op)
	}
	res := op.post("/admin/operators", url.Values{"id": {"suzuki"}, "name": {"鈴木 一郎"}})
	pw := newPasswordPattern.FindStringSubmatch(res.Body)
	if res.Status != 200 || pw == nil {
		t.Fatalf("create: %d\n%s", res.Status, snippet(res.Body))
	}
	if again := op.get("/admin/operators"); strings.Contains(again.Body, pw[1]) || strings.Contains(again.Body, "new-operator-password") {
		t.Fatal("password shown twice")
	}
	suzuki, _ := env.db.Member("suzuki")
	if !suzuki.MustChangePassword || suzuki.CertAllowance != 1 || strings.Contains(suzuki.PasswordHash, pw[1]) {
		t.Fatalf("stored: %+v", suzuki)
	}
	sc := env.client()
	if r := sc.post("/login", loginForm("suzuki", pw[1])); r.Location != "/password" {
		t.Fatalf("new operator login: %d %s", r.Status, r.Location)
	}
	for _, s := range []scenario{
		{name: "lock self", method: "POST", path: "/admin/operators/admin/lock", wantStatus: 409, wantContains: []string{"自分自身"}},
		{name: "lock suzuki", method: "POST", path: "/admin/operators/suzuki/lock", wantStatus: 303, wantLocation: "/admin/operators?done=updated"},
		{name: "lock member via operators", method: "POST", path: "/admin/operators/H000001/lock", wantStatus: 404},
		{name: "unlock suzuki", method: "POST", path: "/admin/operators/suzuki/unlock", wantStatus: 303},
	} {
		s.run(t, op)
	}
	// suzuki's session ended with the lock.
	scenario{name: "suzuki logged out", path: "/password", wantStatus: 303}.run(t, sc)

	// The last active operator cannot be locked by anyone.
	if err := env.db.LockMember("suzuki", "admin", ""); err != nil {
		t.Fatal(err)
	}
	env.db.UnlockMember("suzuki", "admin", "")
	env.db.LockMember("admin", "suzuki", "")
	if err := env.db.LockMember("suzuki", "x", ""); store.ErrorCode(err) != store.ECONFLICT {
		t.Fatalf("last operator: %v", err)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "operator."})
	if len(page.Events) < 3 {
		t.Fatalf("operator actions audited: %d", len(page.Events))
	}
}

// TestDashboardLettersToMail: the approved applications whose credential
// letters are still in memory and not yet mailed are counted first on the
// dashboard and listed, the soonest wiped first, each linking to the page
// that prints them; mailing or the 24 hours take them off.
func TestDashboardLettersToMail(t *testing.T) {
	env := newTestEnv(t, CertOff)
	clock := env.fakeClock()
	member := env.addMember(t, "会員 一郎", "member-Pass-2345")
	applicant := env.client()
	apply(t, applicant, newFacilityForm("taro@example.jp"))                            // A000001, new facility
	apply(t, applicant, existingFacilityForm("hanako@example.jp", member.FacilityOID)) // A000002
	apply(t, applicant, existingFacilityForm("jiro@example.jp", member.FacilityOID))   // A000003, stays pending

	op := env.loginOperator(t)
	count := func(n int) string {
		return `data-testid="count-letters-held">\s*<strong>[^<]*</strong>\s*<span class="[^"]*">` + strconv.Itoa(n) + `</span>`
	}
	scenario{name: "nothing to mail", path: "/admin", wantStatus: 200, wantMatch: []string{count(0)},
		wantContains: []string{`data-testid="no-letters-held"`}}.run(t, op)
	approve := func(number string) {
		t.Helper()
		scenario{name: "received " + number, method: "POST", path: "/admin/applications/" + number + "/received", wantStatus: 303}.run(t, op)
		scenario{name: "approve " + number, method: "POST", path: "/admin/applications/" + number + "/approve", wantStatus: 303,
			wantLocation: "/admin/applications/" + number + "/letters"}.run(t, op)
	}
	approve("A000001")
	clock.Add(10 * time.Minute)
	approve("A000002")
	res := scenario{name: "two to mail", path: "/admin", wantStatus: 200, wantMatch: []string{
		count(2),
		// The most urgent tile comes first and leads to the list.
		`data-testid="dashboard-counts">\s*<a class="tile" href="#letters-held" data-testid="count-letters-held">`,
		// A000001 is wiped first (approved 10 minutes earlier).
		`(?s)data-testid="letters-A000001">.*利用開始案内\s*・施設登録情報.*2026-04-02 12:00.*href="/admin/applications/A000001/letters".*` +
			`data-testid="letters-A000002">.*2026-04-02 12:10.*href="/admin/applications/A000002/letters"`,
	}, wantAbsent: []string{"A000003", `data-testid="no-letters-held"`}}.run(t, op)
	if strings.Contains(res.Body[strings.Index(res.Body, `data-testid="letters-A000002"`):], "施設登録情報") {
		t.Error("A000002 joined a registered facility: no 施設登録情報")
	}

	scenario{name: "mailed", method: "POST", path: "/admin/applications/A000002/mailed", wantStatus: 303}.run(t, op)
	scenario{name: "one left", path: "/admin", wantStatus: 200, wantMatch: []string{count(1)},
		wantContains: []string{`data-testid="letters-A000001"`}, wantAbsent: []string{`data-testid="letters-A000002"`}}.run(t, op)

	// 24 hours after A000001's approval its passwords are gone.
	clock.Add(24*time.Hour - 5*time.Minute)
	op = env.loginOperator(t)
	scenario{name: "wiped", path: "/admin", wantStatus: 200, wantMatch: []string{count(0)},
		wantContains: []string{`data-testid="no-letters-held"`}, wantAbsent: []string{`data-testid="letters-A000001"`}}.run(t, op)
}
