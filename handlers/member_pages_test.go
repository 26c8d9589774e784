package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
	"hotline/store/jptext"
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
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/profile", WantStatus: 200, WantContains: []string{"ユーザ編集", `name="name"`, `name="name_kana"`, `name="email"`, `name="phone"`, `name="department"`, `href="/certificates"`, "端末（証明書）", m.ID}},
		{Name: "no name", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("name", " ") }), WantStatus: 422, WantContains: []string{`data-testid="error-name"`, "氏名を入力してください"}},
		{Name: "kanji in kana", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("name_kana", "山田") }), WantStatus: 422, WantContains: []string{`data-testid="error-name_kana"`, "フリガナ：" + jptext.ErrKanaInvalid.Error()}},
		{Name: "no kana", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("name_kana", "") }), WantStatus: 422, WantContains: []string{"フリガナを入力してください"}},
		{Name: "bad email", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("email", "taro@@example.jp") }), WantStatus: 422, WantContains: []string{`data-testid="error-email"`, jptext.ErrEmailFormat.Error()}},
		{Name: "no email", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("email", "") }), WantStatus: 422, WantContains: []string{"メールアドレスを入力してください"}},
		{Name: "bad phone", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("phone", "12-34") }), WantStatus: 422, WantContains: []string{`data-testid="error-phone"`, jptext.ErrPhoneFormat.Error()}},
		{Name: "no phone", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("phone", "") }), WantStatus: 422, WantContains: []string{"電話番号を入力してください"}},
		{Name: "long department", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("department", strings.Repeat("科", 61)) }), WantStatus: 422, WantContains: []string{`data-testid="error-department"`, "診療科・専門は60文字以内で入力してください"}},
		{Name: "values kept", Method: "POST", Path: "/profile", Form: profileValues(func(v url.Values) { v.Set("phone", "x"); v.Set("department", "循環器内科") }), WantStatus: 422, WantContains: []string{`value="循環器内科"`}},
		{Name: "no csrf", Method: "POST", Path: "/profile", Form: profileValues(nil), NoCSRF: true, WantStatus: 403},
		{Name: "save", Method: "POST", Path: "/profile", Form: profileValues(nil), WantStatus: 303, WantLocation: "/profile?done=saved"},
		{Name: "saved", Path: "/profile?done=saved", WantStatus: 200, WantContains: []string{"保存しました", `value="ヤマダ　タロウ"`, `value="内科"`}},
	} {
		sc.Run(t, c)
	}
	got, _ := env.DB.Member(m.ID)
	if got.Department != "内科" || got.Email != "taro@example.jp" {
		t.Fatalf("stored: %+v", got)
	}
	handlertest.Scenario{Name: "anonymous", Path: "/profile", WantStatus: 303, WantLocation: "/login?next=%2Fprofile"}.Run(t, env.Client())
}

func TestLinksPage(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	handlertest.Scenario{Name: "empty", Path: "/links", WantStatus: 200, WantContains: []string{"関連サイト", `data-testid="no-links"`}}.Run(t, c)
	if _, err := env.DB.SaveSiteLink("", store.SiteLinkForm{Title: "厚生労働省", URL: "https://www.mhlw.go.jp/", Description: "通知・統計"}, "admin", ""); err != nil {
		t.Fatal(err)
	}
	handlertest.Scenario{Name: "listed", Path: "/links", WantStatus: 200, WantContains: []string{`href="https://www.mhlw.go.jp/"`, "厚生労働省", "通知・統計", `rel="noopener noreferrer"`}}.Run(t, c)
}

func TestRequestsPage(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	for _, sc := range []handlertest.Scenario{
		{Name: "form", Path: "/requests", WantStatus: 200, WantContains: []string{"申請フォーム", `value="cert_reissue"`, `value="info_change"`, `value="withdrawal"`, `value="other"`, `data-testid="no-requests"`}},
		{Name: "preselect", Path: "/requests?kind=withdrawal", WantStatus: 200, WantContains: []string{`<option value="withdrawal" selected>`}},
		{Name: "no kind", Method: "POST", Path: "/requests", Form: url.Values{"kind": {""}, "body": {"x"}}, WantStatus: 422, WantContains: []string{"申請の種類を選択してください", `<option value="" selected>選択してください`}},
		{Name: "unknown kind", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"upgrade"}, "body": {"x"}}, WantStatus: 422, WantContains: []string{`data-testid="error-kind"`, "申請の種類を選択してください"}},
		{Name: "no body", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"info_change"}, "body": {" "}}, WantStatus: 422, WantContains: []string{`data-testid="error-body"`, "申請内容を入力してください"}},
		{Name: "long body", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"info_change"}, "body": {strings.Repeat("あ", 2001)}}, WantStatus: 422, WantContains: []string{"申請内容は2000文字以内で入力してください"}},
		{Name: "file", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"info_change"}, "body": {"勤務先が変わりました"}}, WantStatus: 303, WantLocation: "/requests?done=sent"},
		{Name: "reissue", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"cert_reissue"}, "body": {"新しいPC"}}, WantStatus: 303},
		{Name: "reissue twice", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"cert_reissue"}, "body": {"もう一度"}}, WantStatus: 409, WantContains: []string{"すでに受付中です"}},
		{Name: "history", Path: "/requests?done=sent", WantStatus: 200, WantContains: []string{"送信しました", "R000001", "R000002", "勤務先が変わりました", "登録情報の変更", "受付中"}},
	} {
		sc.Run(t, c)
	}
	// Another member sees none of it.
	o := env.AddMember(t, "佐藤 花子", "member-Pass-2345")
	handlertest.Scenario{Name: "other member", Path: "/requests", WantStatus: 200, WantAbsent: []string{"勤務先が変わりました", "R000001"}}.Run(t, env.LoginAs(t, o.ID, "member-Pass-2345"))
}

func TestRequestsPasswordOnlySession(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.Client()
	if res := c.Post("/login", loginForm(m.ID, "member-Pass-2345")); res.Location != "/cert" {
		t.Fatalf("login: %d %s", res.Status, res.Location)
	}
	for _, sc := range []handlertest.Scenario{
		{Name: "page", Path: "/requests?kind=cert_reissue", WantStatus: 200, WantContains: []string{`data-testid="password-only"`, `<option value="cert_reissue" selected>`}, WantAbsent: []string{`value="info_change"`, `value="withdrawal"`}},
		{Name: "other kind refused", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"info_change"}, "body": {"x"}}, WantStatus: 403, WantContains: []string{"証明書の再発行」のみ"}},
		{Name: "withdrawal refused", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"withdrawal"}, "body": {"x"}}, WantStatus: 403},
		{Name: "reissue", Method: "POST", Path: "/requests", Form: url.Values{"kind": {"cert_reissue"}, "body": {"PCを買い替えました"}}, WantStatus: 303, WantLocation: "/requests?done=sent"},
		{Name: "history", Path: "/requests", WantStatus: 200, WantContains: []string{"PCを買い替えました", "受付中"}},
		{Name: "profile needs the certificate", Path: "/profile", WantStatus: 403, WantContains: []string{"証明書"}},
		{Name: "links need the certificate", Path: "/links", WantStatus: 403},
	} {
		sc.Run(t, c)
	}
}

func TestMemberCannotReachAdmin(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	for _, p := range []string{"/admin", "/admin/members", "/admin/members/" + m.ID, "/admin/inquiries", "/admin/requests", "/admin/links", "/admin/settings", "/admin/operators", "/admin/login-holds"} {
		handlertest.Scenario{Name: p, Path: p, WantStatus: 403, WantContains: []string{"運営者のみ"}}.Run(t, c)
	}
	for _, p := range []string{"/admin/members/" + m.ID + "/lock", "/admin/settings", "/admin/operators", "/admin/links", "/admin/requests/R000001/approve"} {
		handlertest.Scenario{Name: "POST " + p, Method: "POST", Path: p, Form: url.Values{"id": {"evil"}, "name": {"x"}}, WantStatus: 403}.Run(t, c)
	}
	handlertest.Scenario{Name: "anonymous", Path: "/admin", WantStatus: 303, WantLocation: "/login?next=%2Fadmin"}.Run(t, env.Client())
}

// TestMenuFunctionPages: each function linked from the menu answers its
// own page, not a 準備中 one.
func TestMenuFunctionPages(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	for _, f := range views.MenuFunctions {
		res := c.Get(f.Href)
		if res.Status == http.StatusSeeOther && strings.HasPrefix(res.Location, f.Href+"/") {
			res = c.Get(res.Location) // PRS asks for the facility's password first
		}
		if res.Status != 200 || strings.Contains(res.Body, "準備中") {
			t.Errorf("%s: %d, or it says 準備中:\n%s", f.Href, res.Status, handlertest.Snippet(res.Body))
		}
	}
}

// TestMenuFunctionsMatchAccess: the menu links a function only for an
// account that may use it. The facility functions (their routes are
// FacilityMember) appear for an operator unlinked, with the reason; the
// tiles themselves stay the seed's four.
func TestMenuFunctionsMatchAccess(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	access := map[string]web.Access{}
	for _, r := range srvOf(env).Routes() {
		if r.Method == http.MethodGet {
			access[r.Path] = r.Access
		}
	}
	for _, f := range views.MenuFunctions {
		a, ok := access[f.Href]
		if !ok {
			t.Fatalf("menu function %s: no GET %s route", f.Name, f.Href)
		}
		if f.NeedsFacility != (a == web.FacilityMember) {
			t.Errorf("menu function %s: NeedsFacility %v, route access %s", f.Name, f.NeedsFacility, a)
		}
	}

	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	member := handlertest.Scenario{Name: "member menu", Path: "/menu", WantStatus: 200,
		WantContains: []string{`href="/dms"`, `href="/prs"`, `href="/referrals"`, `href="/rx"`}, WantAbsent: []string{`data-testid="function-unavailable"`}}
	member.Run(t, env.LoginAs(t, m.ID, "member-Pass-2345"))

	op := env.LoginOperator(t)
	res := handlertest.Scenario{Name: "operator menu", Path: "/menu", WantStatus: 200,
		WantContains: []string{`href="/admin"`, "運営者アカウントには所属施設がないため利用できません"},
		WantAbsent:   []string{`href="/dms"`, `href="/prs"`, `href="/referrals"`, `href="/rx"`}}.Run(t, op)
	for _, f := range views.MenuFunctions {
		if !strings.Contains(res.Body, f.Name) || !strings.Contains(res.Body, f.Description) {
			t.Errorf("operator menu lacks the tile of %s", f.Name)
		}
	}
	if n := strings.Count(res.Body, `data-testid="function-unavailable"`); n != 4 {
		t.Errorf("%d unlinked tiles, want all four", n)
	}
	// And what the menu does not link, the operator cannot reach.
	for _, p := range []string{"/dms", "/prs", "/referrals", "/rx"} {
		handlertest.Scenario{Name: "operator " + p, Path: p, WantStatus: 403, WantContains: []string{"運営者アカウントには所属施設がありません"}}.Run(t, op)
	}
}

// TestCertificateListsShowDates: the member's 端末（証明書） page and the
// operator's list of a member's certificates show when each was issued,
// when it expires and when it was last used (— when never).
func TestCertificateListsShowDates(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	clock := env.FakeClock() // 2026-04-01 12:00 in Japan
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	_, used := storeCert(t, env.DB, m.ID, "受付PC", 0)
	if err := env.DB.GrantCertificateReissue(m.ID, "admin", ""); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Hour)
	_, unused := storeCert(t, env.DB, m.ID, "診察室PC", 90*24*time.Hour)
	if err := env.DB.TouchCertificate(used.Serial, time.Date(2026, 4, 2, 0, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	row := func(serial, cells string) string {
		return `(?s)<tr data-testid="cert-` + serial + `">\s*<td>[^<]*` + cells
	}
	usedCells := `</td>\s*<td>2026-04-01 12:00</td>\s*<td>2028-03-31 12:00</td>\s*<td>2026-04-02 09:30</td>`
	unusedCells := `</td>\s*<td>2026-04-01 14:00</td>\s*<td>2026-06-30 14:00</td>\s*<td>—</td>`

	handlertest.Scenario{Name: "member's page", Path: "/certificates", WantStatus: 200, WantMatch: []string{
		`<tr><th>端末名</th><th>発行日時</th><th>有効期限</th><th>最終利用</th>`,
		row(used.Serial, `受付PC\s*`+usedCells),
		row(unused.Serial, `診察室PC\s*`+unusedCells),
	}}.Run(t, env.LoginAs(t, m.ID, "member-Pass-2345"))

	short := func(serial string) string { return `\s*<td><code title="` + serial + `">` + serial[:12] + `…</code>` }
	handlertest.Scenario{Name: "operator's list", Path: "/admin/members/" + m.ID + "/certificates", WantStatus: 200, WantMatch: []string{
		`<tr><th>端末名</th><th>シリアル</th><th>発行日時</th><th>有効期限</th><th>最終利用</th>`,
		row(used.Serial, `受付PC\s*</td>`+short(used.Serial)+usedCells),
		row(unused.Serial, `診察室PC\s*</td>`+short(unused.Serial)+unusedCells),
	}}.Run(t, env.LoginOperator(t))
}
