package handlers

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/store/jptext"
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
	env := newTestEnv(t, web.CertOff)
	env.PlaceholderSettings(t)
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "dashboard", Path: "/admin", WantStatus: 200, WantContains: []string{`data-testid="admin-nav"`, `data-testid="placeholder-warning"`, "運営組織", "ポータルURL", `data-testid="certoff-warning"`, `data-testid="count-applications-pending"`, `data-testid="count-applications-received"`, `data-testid="count-inquiries-open"`, `data-testid="count-requests-open"`, `data-testid="count-members-total"`, `data-testid="count-members-active"`, `data-testid="no-holds"`}},
		{Name: "settings form", Path: "/admin/settings", WantStatus: 200, WantContains: []string{`name="organisation"`, `value="（未設定）運営組織名"`, `data-testid="placeholder-warning"`}},
		{Name: "empty organisation", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("organisation", "") }), WantStatus: 422, WantContains: []string{`data-testid="error-organisation"`, "運営組織を入力してください"}},
		{Name: "empty site name", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("site_name", "") }), WantStatus: 422, WantContains: []string{"サイト名を入力してください"}},
		{Name: "empty department", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("department", "") }), WantStatus: 422, WantContains: []string{"担当部署を入力してください"}},
		{Name: "empty address", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("address", "") }), WantStatus: 422, WantContains: []string{"住所を入力してください"}},
		{Name: "bad postal", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("postal", "12") }), WantStatus: 422, WantContains: []string{`data-testid="error-postal"`, jptext.ErrPostalFormat.Error()}},
		{Name: "bad phone", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("phone", "12") }), WantStatus: 422, WantContains: []string{`data-testid="error-phone"`, jptext.ErrPhoneFormat.Error()}},
		{Name: "bad email", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("email", "x@") }), WantStatus: 422, WantContains: []string{`data-testid="error-email"`, jptext.ErrEmailFormat.Error()}},
		{Name: "http portal", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("portal_url", "http://x.jp/") }), WantStatus: 422, WantContains: []string{`data-testid="error-portal_url"`, "ポータルURLは https://ホスト名/ の形で入力してください"}},
		{Name: "localhost portal", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("portal_url", "https://localhost:8443/") }), WantStatus: 422, WantContains: []string{`data-testid="error-portal_url"`, "他のPCから接続できません"}},
		{Name: "overlong terms", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("terms", strings.Repeat("規", 20001)) }), WantStatus: 422, WantContains: []string{`data-testid="error-terms"`}},
		{Name: "long organisation", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("organisation", strings.Repeat("あ", 101)) }), WantStatus: 422, WantContains: []string{"運営組織が長すぎます"}},
		{Name: "long site name", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("site_name", strings.Repeat("あ", 61)) }), WantStatus: 422, WantContains: []string{"サイト名が長すぎます"}},
		{Name: "save", Method: "POST", Path: "/admin/settings", Form: settingsForm(nil), WantStatus: 303, WantLocation: "/admin/settings?done=saved"},
		{Name: "saved", Path: "/admin/settings", WantStatus: 200, WantContains: []string{`value="100-0001"`}, WantAbsent: []string{`data-testid="placeholder-warning"`}},
		{Name: "warning gone", Path: "/admin", WantStatus: 200, WantAbsent: []string{`data-testid="placeholder-warning"`}},
		{Name: "portal top", Path: "/", WantStatus: 200, WantContains: []string{"テスト市医師会"}},
	} {
		sc.Run(t, op)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "settings.update"})
	if len(page.Events) != 1 {
		t.Fatalf("settings audit: %d", len(page.Events))
	}
	// Left empty, the portal address is the server's own (localhost here,
	// so the dashboard warns again); a new 利用規約 text is version 2.
	for _, sc := range []handlertest.Scenario{
		{Name: "empty portal", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) {
			v.Set("portal_url", "")
			v.Set("terms", "第1条　改定した利用規約")
		}), WantStatus: 303},
		{Name: "server's address", Path: "/admin/settings", WantStatus: 200, WantContains: []string{`placeholder="https://localhost:8443/"`, "現在 第2版", `data-testid="placeholder-warning"`, "ポータルURL"}},
		{Name: "terms page", Path: "/terms", WantStatus: 200, WantContains: []string{"改定した利用規約", "第2版"}},
		// The 添付文書 link template: checked, saved, kept when left empty.
		{Name: "insert template without a code", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("package_insert_url", "https://insert.example.jp/") }),
			WantStatus: 422, WantContains: []string{`data-testid="error-package_insert_url"`, "{yj}"}},
		{Name: "insert template", Method: "POST", Path: "/admin/settings", Form: settingsForm(func(v url.Values) { v.Set("package_insert_url", "https://insert.example.jp/?c={code}") }), WantStatus: 303},
		{Name: "insert template kept", Method: "POST", Path: "/admin/settings", Form: settingsForm(nil), WantStatus: 303},
		{Name: "insert template shown", Path: "/admin/settings", WantStatus: 200, WantContains: []string{`name="package_insert_url"`, `value="https://insert.example.jp/?c={code}"`}},
	} {
		sc.Run(t, op)
	}
}

func TestDashboardWithoutCertOffWarning(t *testing.T) {
	env := newTestEnv(t, web.CertOptional)
	op := env.LoginOperator(t)
	handlertest.Scenario{Name: "optional", Path: "/admin", WantStatus: 200, WantAbsent: []string{`data-testid="certoff-warning"`}}.Run(t, op)
}

func TestAdminMembers(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	a := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	env.DB.UpdateProfile(a.ID, store.ProfileForm{Name: "山田 太郎", NameKana: "ヤマダ タロウ", Email: "a@example.jp", Phone: "03-1234-5678"}, "")
	b := env.AddMember(t, "佐藤 花子", "member-Pass-2345")
	member := env.LoginAs(t, a.ID, "member-Pass-2345")
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "list", Path: "/admin/members", WantStatus: 200, WantContains: []string{a.ID, b.ID, "山田 太郎", "佐藤 花子", "2 件"}, WantAbsent: []string{`href="/admin/members/admin"`}},
		{Name: "search kana", Path: "/admin/members?q=" + url.QueryEscape("やまだ"), WantStatus: 200, WantContains: []string{a.ID, "1 件"}, WantAbsent: []string{b.ID}},
		{Name: "search id", Path: "/admin/members?q=" + strings.ToLower(b.ID), WantStatus: 200, WantContains: []string{b.ID}, WantAbsent: []string{a.ID}},
		{Name: "search facility", Path: "/admin/members?q=" + url.QueryEscape("佐藤 花子クリニック"), WantStatus: 200, WantContains: []string{b.ID, "1 件"}},
		{Name: "status filter", Path: "/admin/members?status=locked", WantStatus: 200, WantContains: []string{"0 件"}},
		{Name: "bad status ignored", Path: "/admin/members?status=evil&page=-3", WantStatus: 200, WantContains: []string{"2 件"}},
		{Name: "detail", Path: "/admin/members/" + a.ID, WantStatus: 200, WantContains: []string{"ヤマダ　タロウ", "a@example.jp", `data-testid="member-sessions"`, `href="/admin/members/` + a.ID + `/certificates"`, `action="/admin/members/` + a.ID + `/reset-password"`, `data-testid="lock"`, `data-testid="login-events"`, "利用中"}},
		{Name: "unknown", Path: "/admin/members/H999999", WantStatus: 404},
		{Name: "operator not a member", Path: "/admin/members/admin", WantStatus: 404},
		{Name: "lock", Method: "POST", Path: "/admin/members/" + a.ID + "/lock", WantStatus: 303, WantLocation: "/admin/members/" + a.ID + "?done=updated"},
		{Name: "lock twice", Method: "POST", Path: "/admin/members/" + a.ID + "/lock", WantStatus: 409, WantContains: []string{"すでに利用停止中です"}},
		{Name: "locked", Path: "/admin/members/" + a.ID, WantStatus: 200, WantContains: []string{"利用停止", `data-testid="unlock"`, `data-testid="no-sessions"`}},
		{Name: "no csrf", Method: "POST", Path: "/admin/members/" + a.ID + "/unlock", NoCSRF: true, WantStatus: 403},
		{Name: "unlock", Method: "POST", Path: "/admin/members/" + a.ID + "/unlock", WantStatus: 303},
		{Name: "unlock twice", Method: "POST", Path: "/admin/members/" + a.ID + "/unlock", WantStatus: 409},
		{Name: "withdraw", Method: "POST", Path: "/admin/members/" + b.ID + "/withdraw", WantStatus: 303},
		{Name: "withdraw twice", Method: "POST", Path: "/admin/members/" + b.ID + "/withdraw", WantStatus: 409, WantContains: []string{"すでに退会済み"}},
		{Name: "unlock withdrawn", Method: "POST", Path: "/admin/members/" + b.ID + "/unlock", WantStatus: 409},
		{Name: "withdrawn kept", Path: "/admin/members/" + b.ID, WantStatus: 200, WantContains: []string{"佐藤 花子", "退会"}, WantAbsent: []string{`data-testid="withdraw"`}},
		{Name: "withdraw operator", Method: "POST", Path: "/admin/members/admin/withdraw", WantStatus: 404},
	} {
		sc.Run(t, op)
	}
	// The member's session ended with the lock.
	handlertest.Scenario{Name: "member logged out by lock", Path: "/menu", WantStatus: 303}.Run(t, member)
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "member."})
	if len(page.Events) != 3 {
		t.Fatalf("audited %d member actions", len(page.Events))
	}
	// A withdrawn member cannot log in.
	handlertest.Scenario{Name: "withdrawn login", Method: "POST", Path: "/login", Form: loginForm(b.ID, "member-Pass-2345"), WantStatus: 403, WantContains: []string{"退会"}}.Run(t, env.Client())
}

func TestAdminInquiries(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	q, err := env.DB.CreateInquiry(store.InquiryForm{Name: "田中", Email: "tanaka@example.jp", Subject: "証明書について", Body: "インストールできません"}, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "open list", Path: "/admin/inquiries", WantStatus: 200, WantContains: []string{q.Number, "証明書について", "未対応（1）"}},
		{Name: "done list", Path: "/admin/inquiries?status=done", WantStatus: 200, WantContains: []string{`data-testid="no-inquiries"`}},
		{Name: "detail", Path: "/admin/inquiries/" + q.Number, WantStatus: 200, WantContains: []string{"インストールできません", "tanaka@example.jp", `name="status"`, `name="note"`}},
		{Name: "unknown", Path: "/admin/inquiries/Q999999", WantStatus: 404},
		{Name: "bad status", Method: "POST", Path: "/admin/inquiries/" + q.Number, Form: url.Values{"status": {"lost"}, "note": {"x"}}, WantStatus: 422, WantContains: []string{"状態を選択してください"}},
		{Name: "long note", Method: "POST", Path: "/admin/inquiries/" + q.Number, Form: url.Values{"status": {"in_progress"}, "note": {strings.Repeat("あ", 2001)}}, WantStatus: 422, WantContains: []string{`data-testid="error-note"`, "メモは2000文字以内で入力してください"}},
		{Name: "update", Method: "POST", Path: "/admin/inquiries/" + q.Number, Form: url.Values{"status": {"in_progress"}, "note": {"電話で案内"}}, WantStatus: 303, WantLocation: "/admin/inquiries/" + q.Number + "?done=updated"},
		{Name: "updated", Path: "/admin/inquiries/" + q.Number, WantStatus: 200, WantContains: []string{"電話で案内", "対応中"}},
		{Name: "dashboard counts", Path: "/admin", WantStatus: 200, WantContains: []string{"対応中の問合せ"}},
		{Name: "update unknown", Method: "POST", Path: "/admin/inquiries/Q999999", Form: url.Values{"status": {"done"}}, WantStatus: 404},
	} {
		sc.Run(t, op)
	}
}

func TestAdminRequests(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	reissue, _ := env.DB.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestCertReissue, Body: "新しいPC"}, "")
	info, _ := env.DB.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestInfoChange, Body: "電話番号の変更"}, "")
	withdrawal, _ := env.DB.CreateRequest(m.ID, store.RequestForm{Kind: store.RequestWithdrawal, Body: "閉院"}, "")
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "inbox", Path: "/admin/requests", WantStatus: 200, WantContains: []string{reissue.ID, info.ID, withdrawal.ID, "山田 太郎", "受付中（3）"}},
		{Name: "detail", Path: "/admin/requests/" + reissue.ID, WantStatus: 200, WantContains: []string{"新しいPC", "証明書の再発行", `data-testid="approve"`, `data-testid="reject"`, "もう1枚発行できる"},
			WantMatch: []string{`<a href="/admin/members/` + m.ID + `/certificates" data-testid="member-certificates">`}},
		{Name: "detail of another kind", Path: "/admin/requests/" + info.ID, WantStatus: 200, WantContains: []string{"電話番号の変更"},
			WantAbsent: []string{`data-testid="member-certificates"`}},
		{Name: "the link leads to the certificates", Path: "/admin/members/" + m.ID + "/certificates", WantStatus: 200,
			WantContains: []string{"端末（証明書）：山田 太郎", `data-testid="grant-reissue"`}},
		{Name: "unknown", Path: "/admin/requests/R999999", WantStatus: 404},
		{Name: "reject without reason", Method: "POST", Path: "/admin/requests/" + info.ID + "/reject", Form: url.Values{"answer": {" "}}, WantStatus: 422, WantContains: []string{`data-testid="error-answer"`, "却下する理由を回答に入力してください"}},
		{Name: "long answer", Method: "POST", Path: "/admin/requests/" + info.ID + "/approve", Form: url.Values{"answer": {strings.Repeat("あ", 2001)}}, WantStatus: 422, WantContains: []string{"回答は2000文字以内で入力してください"}},
		{Name: "approve reissue", Method: "POST", Path: "/admin/requests/" + reissue.ID + "/approve", WantStatus: 303, WantLocation: "/admin/requests/" + reissue.ID + "?done=updated"},
		{Name: "approve again", Method: "POST", Path: "/admin/requests/" + reissue.ID + "/approve", WantStatus: 409, WantContains: []string{"すでに処理されています"}},
		{Name: "reject decided", Method: "POST", Path: "/admin/requests/" + reissue.ID + "/reject", Form: url.Values{"answer": {"x"}}, WantStatus: 409},
		{Name: "reject info", Method: "POST", Path: "/admin/requests/" + info.ID + "/reject", Form: url.Values{"answer": {"書面でお送りください"}}, WantStatus: 303},
		{Name: "decided page", Path: "/admin/requests/" + info.ID, WantStatus: 200, WantContains: []string{"却下", "書面でお送りください"}, WantAbsent: []string{`data-testid="approve"`}},
		{Name: "approve withdrawal", Method: "POST", Path: "/admin/requests/" + withdrawal.ID + "/approve", Form: url.Values{"answer": {"承りました"}}, WantStatus: 303},
		{Name: "all tab", Path: "/admin/requests?status=all", WantStatus: 200, WantContains: []string{"すべて（3）", "承認", "却下"}},
		{Name: "member withdrawn", Path: "/admin/members/" + m.ID, WantStatus: 200, WantContains: []string{`data-testid="member-status">退会`}},
	} {
		sc.Run(t, op)
	}
	got, _ := env.DB.Member(m.ID)
	if got.Status != store.MemberWithdrawn {
		t.Fatalf("status %s", got.Status)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "cert.grant_reissue"})
	if len(page.Events) != 1 {
		t.Fatalf("grant audited %d", len(page.Events))
	}
}

func TestAdminLinks(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	link := func(edit func(url.Values)) url.Values {
		v := url.Values{"title": {"厚生労働省"}, "url": {"https://www.mhlw.go.jp/"}, "description": {"通知"}, "order": {"1"}}
		if edit != nil {
			edit(v)
		}
		return v
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "empty list", Path: "/admin/links", WantStatus: 200, WantContains: []string{`data-testid="no-links"`, `href="/admin/links/new"`}},
		{Name: "new form", Path: "/admin/links/new", WantStatus: 200, WantContains: []string{`action="/admin/links"`, `name="url"`}},
		{Name: "no title", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("title", "") }), WantStatus: 422, WantContains: []string{`data-testid="error-title"`, "サイト名を入力してください"}},
		{Name: "no url", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("url", "") }), WantStatus: 422, WantContains: []string{"URLを入力してください"}},
		{Name: "javascript url", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("url", "javascript:alert(1)") }), WantStatus: 422, WantContains: []string{`data-testid="error-url"`, "URLは https://example.jp/ のように入力してください"}},
		{Name: "ftp url", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("url", "ftp://example.jp/") }), WantStatus: 422, WantContains: []string{"URLは http:// または https:// で始めてください"}},
		{Name: "bad order", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("order", "-1") }), WantStatus: 422, WantContains: []string{`data-testid="error-order"`, "表示順は0〜9999の数字で入力してください"}},
		{Name: "long description", Method: "POST", Path: "/admin/links", Form: link(func(v url.Values) { v.Set("description", strings.Repeat("あ", 501)) }), WantStatus: 422, WantContains: []string{"説明は500文字以内で入力してください"}},
		{Name: "create", Method: "POST", Path: "/admin/links", Form: link(nil), WantStatus: 303, WantLocation: "/admin/links?done=saved"},
		{Name: "listed", Path: "/admin/links", WantStatus: 200, WantContains: []string{"厚生労働省", "https://www.mhlw.go.jp/", `href="/admin/links/L000001"`}},
		{Name: "edit form", Path: "/admin/links/L000001", WantStatus: 200, WantContains: []string{`action="/admin/links/L000001"`, `value="厚生労働省"`}},
		{Name: "edit invalid", Method: "POST", Path: "/admin/links/L000001", Form: link(func(v url.Values) { v.Set("url", "www.mhlw.go.jp") }), WantStatus: 422, WantContains: []string{`action="/admin/links/L000001"`}},
		{Name: "edit", Method: "POST", Path: "/admin/links/L000001", Form: link(func(v url.Values) { v.Set("title", "厚労省") }), WantStatus: 303},
		{Name: "edit unknown", Method: "POST", Path: "/admin/links/L999999", Form: link(nil), WantStatus: 404},
		{Name: "members see it", Path: "/links", WantStatus: 200, WantContains: []string{"厚労省"}},
		{Name: "delete", Method: "POST", Path: "/admin/links/L000001/delete", WantStatus: 303},
		{Name: "delete again", Method: "POST", Path: "/admin/links/L000001/delete", WantStatus: 404},
		{Name: "deleted", Path: "/links", WantStatus: 200, WantContains: []string{`data-testid="no-links"`}},
	} {
		sc.Run(t, op)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "link."})
	if len(page.Events) != 3 {
		t.Fatalf("link actions audited: %d", len(page.Events))
	}
}

var newPasswordPattern = regexp.MustCompile(`data-testid="new-operator-password">([^<]+)<`)

func TestAdminOperators(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "list", Path: "/admin/operators", WantStatus: 200, WantContains: []string{"admin", "運営管理者", "ログイン中のアカウント", `name="id"`}},
		{Name: "no id", Method: "POST", Path: "/admin/operators", Form: url.Values{"id": {""}, "name": {"鈴木"}}, WantStatus: 422, WantContains: []string{`data-testid="error-id"`, "ログイン名を入力してください"}},
		{Name: "bad id", Method: "POST", Path: "/admin/operators", Form: url.Values{"id": {"Suzuki!"}, "name": {"鈴木"}}, WantStatus: 422, WantContains: []string{"ログイン名は英小文字で始まる3〜32文字"}},
		{Name: "short id", Method: "POST", Path: "/admin/operators", Form: url.Values{"id": {"ab"}, "name": {"鈴木"}}, WantStatus: 422},
		{Name: "no name", Method: "POST", Path: "/admin/operators", Form: url.Values{"id": {"suzuki"}, "name": {""}}, WantStatus: 422, WantContains: []string{`data-testid="error-name"`, "氏名を入力してください"}},
		{Name: "taken", Method: "POST", Path: "/admin/operators", Form: url.Values{"id": {"admin"}, "name": {"重複"}}, WantStatus: 422, WantContains: []string{"このログイン名はすでに使われています"}},
	} {
		sc.Run(t, op)
	}
	res := op.Post("/admin/operators", url.Values{"id": {"suzuki"}, "name": {"鈴木 一郎"}})
	pw := newPasswordPattern.FindStringSubmatch(res.Body)
	if res.Status != 200 || pw == nil {
		t.Fatalf("create: %d\n%s", res.Status, handlertest.Snippet(res.Body))
	}
	if again := op.Get("/admin/operators"); strings.Contains(again.Body, pw[1]) || strings.Contains(again.Body, "new-operator-password") {
		t.Fatal("password shown twice")
	}
	suzuki, _ := env.DB.Member("suzuki")
	if !suzuki.MustChangePassword || suzuki.CertAllowance != 1 || strings.Contains(suzuki.PasswordHash, pw[1]) {
		t.Fatalf("stored: %+v", suzuki)
	}
	sc := env.Client()
	if r := sc.Post("/login", loginForm("suzuki", pw[1])); r.Location != "/password" {
		t.Fatalf("new operator login: %d %s", r.Status, r.Location)
	}
	for _, s := range []handlertest.Scenario{
		{Name: "lock self", Method: "POST", Path: "/admin/operators/admin/lock", WantStatus: 409, WantContains: []string{"自分自身"}},
		{Name: "lock suzuki", Method: "POST", Path: "/admin/operators/suzuki/lock", WantStatus: 303, WantLocation: "/admin/operators?done=updated"},
		{Name: "lock member via operators", Method: "POST", Path: "/admin/operators/H000001/lock", WantStatus: 404},
		{Name: "unlock suzuki", Method: "POST", Path: "/admin/operators/suzuki/unlock", WantStatus: 303},
	} {
		s.Run(t, op)
	}
	// suzuki's session ended with the lock.
	handlertest.Scenario{Name: "suzuki logged out", Path: "/password", WantStatus: 303}.Run(t, sc)

	// The last active operator cannot be locked by anyone.
	if err := env.DB.LockMember("suzuki", "admin", ""); err != nil {
		t.Fatal(err)
	}
	env.DB.UnlockMember("suzuki", "admin", "")
	env.DB.LockMember("admin", "suzuki", "")
	if err := env.DB.LockMember("suzuki", "x", ""); store.ErrorCode(err) != store.ECONFLICT {
		t.Fatalf("last operator: %v", err)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "operator."})
	if len(page.Events) < 3 {
		t.Fatalf("operator actions audited: %d", len(page.Events))
	}
}

// TestDashboardLettersToMail: the approved applications whose credential
// letters are still in memory and not yet mailed are counted first on the
// dashboard and listed, the soonest wiped first, each linking to the page
// that prints them; mailing or the 24 hours take them off.
func TestDashboardLettersToMail(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	clock := env.FakeClock()
	member := env.AddMember(t, "会員 一郎", "member-Pass-2345")
	applicant := env.Client()
	apply(t, applicant, newFacilityForm("taro@example.jp"))                            // A000001, new facility
	apply(t, applicant, existingFacilityForm("hanako@example.jp", member.FacilityOID)) // A000002
	apply(t, applicant, existingFacilityForm("jiro@example.jp", member.FacilityOID))   // A000003, stays pending

	op := env.LoginOperator(t)
	count := func(n int) string {
		return `data-testid="count-letters-held">\s*<strong>[^<]*</strong>\s*<span class="[^"]*">` + strconv.Itoa(n) + `</span>`
	}
	handlertest.Scenario{Name: "nothing to mail", Path: "/admin", WantStatus: 200, WantMatch: []string{count(0)},
		WantContains: []string{`data-testid="no-letters-held"`}}.Run(t, op)
	approve := func(number string) {
		t.Helper()
		handlertest.Scenario{Name: "received " + number, Method: "POST", Path: "/admin/applications/" + number + "/received", WantStatus: 303}.Run(t, op)
		handlertest.Scenario{Name: "approve " + number, Method: "POST", Path: "/admin/applications/" + number + "/approve", WantStatus: 303,
			WantLocation: "/admin/applications/" + number + "/letters"}.Run(t, op)
	}
	approve("A000001")
	clock.Add(10 * time.Minute)
	approve("A000002")
	res := handlertest.Scenario{Name: "two to mail", Path: "/admin", WantStatus: 200, WantMatch: []string{
		count(2),
		// The most urgent tile comes first and leads to the list.
		`data-testid="dashboard-counts">\s*<a class="tile" href="#letters-held" data-testid="count-letters-held">`,
		// A000001 is wiped first (approved 10 minutes earlier).
		`(?s)data-testid="letters-A000001">.*利用開始案内\s*・施設登録情報.*2026-04-02 12:00.*href="/admin/applications/A000001/letters".*` +
			`data-testid="letters-A000002">.*2026-04-02 12:10.*href="/admin/applications/A000002/letters"`,
	}, WantAbsent: []string{"A000003", `data-testid="no-letters-held"`}}.Run(t, op)
	if strings.Contains(res.Body[strings.Index(res.Body, `data-testid="letters-A000002"`):], "施設登録情報") {
		t.Error("A000002 joined a registered facility: no 施設登録情報")
	}

	handlertest.Scenario{Name: "mailed", Method: "POST", Path: "/admin/applications/A000002/mailed", WantStatus: 303}.Run(t, op)
	handlertest.Scenario{Name: "one left", Path: "/admin", WantStatus: 200, WantMatch: []string{count(1)},
		WantContains: []string{`data-testid="letters-A000001"`}, WantAbsent: []string{`data-testid="letters-A000002"`}}.Run(t, op)

	// 24 hours after A000001's approval its passwords are gone.
	clock.Add(24*time.Hour - 5*time.Minute)
	op = env.LoginOperator(t)
	handlertest.Scenario{Name: "wiped", Path: "/admin", WantStatus: 200, WantMatch: []string{count(0)},
		WantContains: []string{`data-testid="no-letters-held"`}, WantAbsent: []string{`data-testid="letters-A000001"`}}.Run(t, op)
}
