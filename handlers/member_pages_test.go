package handlers

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"hotline/store"
	"hotline/views"
)

func profileValues(edit func(url.Values)) url.Values {
	v := url.Values{"name": {"山田 太郎"}, "name_kana": {"やまだ たろう"}, "email": {"taro@example.jp"}, "phone": {"03-1234-5678"}, "department": {"内科"}}
	if edit != nil {
		edit(v)
	}
	return v
}

func TestProfile(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	for _, sc := range []scenario{
		{name: "form", path: "/profile", wantStatus: 200, wantContains: []string{"ユーザ編集", `name="name"`, `name="name_kana"`, `name="email"`, `name="phone"`, `name="department"`, `href="/certificates"`, "端末（証明書）", m.ID}},
		{name: "no name", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("name", " ") }), wantStatus: 422, wantContains: []string{`data-testid="error-name"`, "氏名を入力してください"}},
		{name: "kanji in kana", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("name_kana", "山田") }), wantStatus: 422, wantContains: []string{`data-testid="error-name_kana"`, "フリガナ：" + store.ErrKanaInvalid.Error()}},
		{name: "no kana", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("name_kana", "") }), wantStatus: 422, wantContains: []string{"フリガナを入力してください"}},
		{name: "bad email", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("email", "taro@@example.jp") }), wantStatus: 422, wantContains: []string{`data-testid="error-email"`, store.ErrEmailFormat.Error()}},
		{name: "no email", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("email", "") }), wantStatus: 422, wantContains: []string{"メールアドレスを入力してください"}},
		{name: "bad phone", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("phone", "12-34") }), wantStatus: 422, wantContains: []string{`data-testid="error-phone"`, store.ErrPhoneFormat.Error()}},
		{name: "no phone", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("phone", "") }), wantStatus: 422, wantContains: []string{"電話番号を入力してください"}},
		{name: "long department", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("department", strings.Repeat("科", 61)) }), wantStatus: 422, wantContains: []string{`data-testid="error-department"`, "診療科・専門は60文字以内で入力してください"}},
		{name: "values kept", method: "POST", path: "/profile", form: profileValues(func(v url.Values) { v.Set("phone", "x"); v.Set("department", "循環器内科") }), wantStatus: 422, wantContains: []string{`value="循環器内科"`}},
		{name: "no csrf", method: "POST", path: "/profile", form: profileValues(nil), noCSRF: true, wantStatus: 403},
		{name: "save", method: "POST", path: "/profile", form: profileValues(nil), wantStatus: 303, wantLocation: "/profile?done=saved"},
		{name: "saved", path: "/profile?done=saved", wantStatus: 200, wantContains: []string{"保存しました", `value="ヤマダ　タロウ"`, `value="内科"`}},
	} {
		sc.run(t, c)
	}
	got, _ := env.db.Member(m.ID)
	if got.Department != "内科" || got.Email != "taro@example.jp" {
		t.Fatalf("stored: %+v", got)
	}
	scenario{name: "anonymous", path: "/profile", wantStatus: 303, wantLocation: "/login?next=%2Fprofile"}.run(t, env.client())
}

func TestLinksPage(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	scenario{name: "empty", path: "/links", wantStatus: 200, wantContains: []string{"関連サイト", `data-testid="no-links"`}}.run(t, c)
	if _, err := env.db.SaveSiteLink("", store.SiteLinkForm{Title: "厚生労働省", URL: "https://www.mhlw.go.jp/", Description: "通知・統計"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	scenario{name: "listed", path: "/links", wantStatus: 200, wantContains: []string{`href="https://www.mhlw.go.jp/"`, "厚生労働省", "通知・統計", `rel="noopener noreferrer"`}}.run(t, c)
}

func TestRequestsPage(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	for _, sc := range []scenario{
		{name: "form", path: "/requests", wantStatus: 200, wantContains: []string{"申請フォーム", `value="cert_reissue"`, `value="info_change"`, `value="withdrawal"`, `value="other"`, `data-testid="no-requests"`}},
		{name: "preselect", path: "/requests?kind=withdrawal", wantStatus: 200, wantContains: []string{`<option value="withdrawal" selected>`}},
		{name: "no kind", method: "POST", path: "/requests", form: url.Values{"kind": {""}, "body": {"x"}}, wantStatus: 422, wantContains: []string{"申請の種類を選択してください", `<option value="" selected>選択してください`}},
		{name: "unknown kind", method: "POST", path: "/requests", form: url.Values{"kind": {"upgrade"}, "body": {"x"}}, wantStatus: 422, wantContains: []string{`data-testid="error-kind"`, "申請の種類を選択してください"}},
		{name: "no body", method: "POST", path: "/requests", form: url.Values{"kind": {"info_change"}, "body": {" "}}, wantStatus: 422, wantContains: []string{`data-testid="error-body"`, "申請内容を入力してください"}},
		{name: "long body", method: "POST", path: "/requests", form: url.Values{"kind": {"info_change"}, "body": {strings.Repeat("あ", 2001)}}, wantStatus: 422, wantContains: []string{"申請内容は2000文字以内で入力してください"}},
		{name: "file", method: "POST", path: "/requests", form: url.Values{"kind": {"info_change"}, "body": {"勤務先が変わりました"}}, wantStatus: 303, wantLocation: "/requests?done=sent"},
		{name: "reissue", method: "POST", path: "/requests", form: url.Values{"kind": {"cert_reissue"}, "body": {"新しいPC"}}, wantStatus: 303},
		{name: "reissue twice", method: "POST", path: "/requests", form: url.Values{"kind": {"cert_reissue"}, "body": {"もう一度"}}, wantStatus: 409, wantContains: []string{"すでに受付中です"}},
		{name: "history", path: "/requests?done=sent", wantStatus: 200, wantContains: []string{"送信しました", "R000001", "R000002", "勤務先が変わりました", "登録情報の変更", "受付中"}},
	} {
		sc.run(t, c)
	}
	// Another member sees none of it.
	o := env.addMember(t, "佐藤 花子", "member-Pass-2345")
	scenario{name: "other member", path: "/requests", wantStatus: 200, wantAbsent: []string{"勤務先が変わりました", "R000001"}}.run(t, env.loginAs(t, o.ID, "member-Pass-2345"))
}

func TestRequestsPasswordOnlySession(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.client()
	if res := c.post("/login", loginForm(m.ID, "member-Pass-2345")); res.Location != "/cert" {
		t.Fatalf("login: %d %s", res.Status, res.Location)
	}
	for _, sc := range []scenario{
		{name: "page", path: "/requests?kind=cert_reissue", wantStatus: 200, wantContains: []string{`data-testid="password-only"`, `<option value="cert_reissue" selected>`}, wantAbsent: []string{`value="info_change"`, `value="withdrawal"`}},
		{name: "other kind refused", method: "POST", path: "/requests", form: url.Values{"kind": {"info_change"}, "body": {"x"}}, wantStatus: 403, wantContains: []string{"証明書の再発行」のみ"}},
		{name: "withdrawal refused", method: "POST", path: "/requests", form: url.Values{"kind": {"withdrawal"}, "body": {"x"}}, wantStatus: 403},
		{name: "reissue", method: "POST", path: "/requests", form: url.Values{"kind": {"cert_reissue"}, "body": {"PCを買い替えました"}}, wantStatus: 303, wantLocation: "/requests?done=sent"},
		{name: "history", path: "/requests", wantStatus: 200, wantContains: []string{"PCを買い替えました", "受付中"}},
		{name: "profile needs the certificate", path: "/profile", wantStatus: 403, wantContains: []string{"証明書"}},
		{name: "links need the certificate", path: "/links", wantStatus: 403},
	} {
		sc.run(t, c)
	}
}

func TestMemberCannotReachAdmin(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	for _, p := range []string{"/admin", "/admin/members", "/admin/members/" + m.ID, "/admin/inquiries", "/admin/requests", "/admin/links", "/admin/settings", "/admin/operators", "/admin/login-holds"} {
		scenario{name: p, path: p, wantStatus: 403, wantContains: []string{"運営者のみ"}}.run(t, c)
	}
	for _, p := range []string{"/admin/members/" + m.ID + "/lock", "/admin/settings", "/admin/operators", "/admin/links", "/admin/requests/R000001/approve"} {
		scenario{name: "POST " + p, method: "POST", path: p, form: url.Values{"id": {"evil"}, "name": {"x"}}, wantStatus: 403}.run(t, c)
	}
	scenario{name: "anonymous", path: "/admin", wantStatus: 303, wantLocation: "/login?next=%2Fadmin"}.run(t, env.client())
}

// builtFunctions are the menu's functions that are built; every other one
// shows the 準備中 page. A function added to the menu must be listed here.
var builtFunctions = map[string]bool{"/dms": false, "/prs": true, "/referrals": false, "/rx": false}

// TestComingSoonPages: each function linked from the menu that is not
// built yet answers the honest 準備中 page with its name and description.
func TestComingSoonPages(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	op := env.loginOperator(t)
	for _, f := range views.MenuFunctions {
		built, ok := builtFunctions[f.Href]
		if !ok {
			t.Errorf("menu function %s (%s) is not in builtFunctions", f.Name, f.Href)
			continue
		}
		if built {
			res := c.get(f.Href)
			if strings.Contains(res.Body, `data-testid="coming-soon"`) || strings.Contains(res.Body, "準備中") {
				t.Errorf("%s is built but shows 準備中", f.Href)
			}
			continue
		}
		soon := scenario{name: "member " + f.Href, path: f.Href, wantStatus: 200, wantMatch: []string{
			`(?s)<h1>` + regexp.QuoteMeta(f.Name) + `</h1>\s*<div class="alert alert-info" data-testid="coming-soon">\s*<h2>準備中</h2>\s*この機能は現在準備中です。`,
		}, wantContains: []string{"<p>" + f.Description + "</p>", `href="/menu"`}}
		soon.run(t, c)
		// The operator sees the page too where the menu links it.
		if !f.NeedsFacility {
			soon.name = "operator " + f.Href
			soon.run(t, op)
		}
	}
}

// TestMenuFunctionsMatchAccess: the menu links a function only for an
// account that may use it. The facility functions (their routes are
// FacilityMember) appear for an operator unlinked, with the reason; the
// tiles themselves stay the seed's four.
func TestMenuFunctionsMatchAccess(t *testing.T) {
	env := newTestEnv(t, CertOff)
	access := map[string]Access{}
	for _, r := range env.srv.Routes() {
		if r.Method == http.MethodGet {
			access[r.Path] = r.Access
		}
	}
	for _, f := range views.MenuFunctions {
		a, ok := access[f.Href]
		if !ok {
			t.Fatalf("menu function %s: no GET %s route", f.Name, f.Href)
		}
		if f.NeedsFacility != (a == FacilityMember) {
			t.Errorf("menu function %s: NeedsFacility %v, route access %s", f.Name, f.NeedsFacility, a)
		}
	}

	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	member := scenario{name: "member menu", path: "/menu", wantStatus: 200,
		wantContains: []string{`href="/dms"`, `href="/prs"`, `href="/referrals"`, `href="/rx"`}, wantAbsent: []string{`data-testid="function-unavailable"`}}
	member.run(t, env.loginAs(t, m.ID, "member-Pass-2345"))

	op := env.loginOperator(t)
	res := scenario{name: "operator menu", path: "/menu", wantStatus: 200,
		wantContains: []string{`href="/referrals"`, `href="/rx"`, `href="/admin"`, "運営者アカウントには所属施設がないため利用できません"},
		wantAbsent:   []string{`href="/dms"`, `href="/prs"`}}.run(t, op)
	for _, f := range views.MenuFunctions {
		if !strings.Contains(res.Body, f.Name) || !strings.Contains(res.Body, f.Description) {
			t.Errorf("operator menu lacks the tile of %s", f.Name)
		}
	}
	if n := strings.Count(res.Body, `data-testid="function-unavailable"`); n != 2 {
		t.Errorf("%d unlinked tiles, want DMS and PRS", n)
	}
	// And what the menu does not link, the operator cannot reach.
	for _, p := range []string{"/dms", "/prs"} {
		scenario{name: "operator " + p, path: p, wantStatus: 403, wantContains: []string{"運営者アカウントには所属施設がありません"}}.run(t, op)
	}
}

// TestCertificateListsShowDates: the member's 端末（証明書） page and the
// operator's list of a member's certificates show when each was issued,
// when it expires and when it was last used (— when never).
func TestCertificateListsShowDates(t *testing.T) {
	env := newTestEnv(t, CertOff)
	clock := env.fakeClock() // 2026-04-01 12:00 in Japan
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	_, used := storeCert(t, env.db, m.ID, "受付PC", 0)
	if err := env.db.GrantCertificateReissue(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	_, unused := storeCert(t, env.db, m.ID, "診察室PC", 90*24*time.Hour)
	if err := env.db.TouchCertificate(used.Serial, time.Date(2026, 4, 2, 0, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	row := func(serial, cells string) string {
		return `(?s)<tr data-testid="cert-` + serial + `">\s*<td>[^<]*` + cells
	}
	usedCells := `</td>\s*<td>2026-04-01 12:00</td>\s*<td>2028-03-31 12:00</td>\s*<td>2026-04-02 09:30</td>`
	unusedCells := `</td>\s*<td>2026-04-01 14:00</td>\s*<td>2026-06-30 14:00</td>\s*<td>—</td>`

	scenario{name: "member's page", path: "/certificates", wantStatus: 200, wantMatch: []string{
		`<tr><th>端末名</th><th>発行日時</th><th>有効期限</th><th>最終利用</th>`,
		row(used.Serial, `受付PC\s*`+usedCells),
		row(unused.Serial, `診察室PC\s*`+unusedCells),
	}}.run(t, env.loginAs(t, m.ID, "member-Pass-2345"))

	short := func(serial string) string { return `\s*<td><code title="` + serial + `">` + serial[:12] + `…</code>` }
	scenario{name: "operator's list", path: "/admin/members/" + m.ID + "/certificates", wantStatus: 200, wantMatch: []string{
		`<tr><th>端末名</th><th>シリアル</th><th>発行日時</th><th>有効期限</th><th>最終利用</th>`,
		row(used.Serial, `受付PC\s*</td>`+short(used.Serial)+usedCells),
		row(unused.Serial, `診察室PC\s*</td>`+short(unused.Serial)+unusedCells),
	}}.run(t, env.loginOperator(t))
}
