package handlers

import (
	"net/url"
	"strings"
	"testing"
)

func TestLoginFirstStepsCertOff(t *testing.T) {
	env := newTestEnv(t, CertOff)
	if _, err := env.db.EnsureFirstOperator("initial-Pass-2345", true); err != nil {
		t.Fatal(err)
	}
	c := env.client()
	for _, sc := range []scenario{
		{name: "wrong password", method: "POST", path: "/login", form: url.Values{"id": {"admin"}, "password": {"nope"}}, wantStatus: 401, wantContains: []string{"IDまたはパスワードが正しくありません"}},
		{name: "unknown id", method: "POST", path: "/login", form: url.Values{"id": {"H999999"}, "password": {"nope"}}, wantStatus: 401, wantContains: []string{"IDまたはパスワードが正しくありません"}},
		{name: "right password, initial", method: "POST", path: "/login", form: url.Values{"id": {"admin"}, "password": {"initial-Pass-2345"}}, wantStatus: 303, wantLocation: "/password"},
		{name: "menu before change", path: "/menu", wantStatus: 303, wantLocation: "/password"},
		{name: "password page", path: "/password", wantStatus: 200, wantContains: []string{"初期パスワードのままです"}},
		{name: "wrong current", method: "POST", path: "/password", form: url.Values{"current": {"x"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}, wantStatus: 422, wantContains: []string{"現在のパスワードが正しくありません"}},
		{name: "too short", method: "POST", path: "/password", form: url.Values{"current": {"initial-Pass-2345"}, "new": {"short"}, "confirm": {"short"}}, wantStatus: 422, wantContains: []string{"12文字以上"}},
		{name: "mismatch", method: "POST", path: "/password", form: url.Values{"current": {"initial-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-78"}}, wantStatus: 422, wantContains: []string{"一致しません"}},
		{name: "change", method: "POST", path: "/password", form: url.Values{"current": {"initial-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}, wantStatus: 303, wantLocation: "/menu?done=password"},
		{name: "menu", path: "/menu", wantStatus: 200, wantContains: []string{"ほっとライン - メニュー", "医療記録読書機能", "患者様登録ソフト", "地域連携システム", "Web処方箋", "ログアウト", "関連サイト", "パスワード変更", "ユーザ編集", "申請フォーム", `href="/admin"`, "証明書の確認が無効"}},
		{name: "logout", method: "POST", path: "/logout", wantStatus: 303, wantLocation: "/"},
		{name: "menu after logout", path: "/menu", wantStatus: 303},
	} {
		sc.run(t, c)
	}
}

func TestMemberMenuHasNoAdmin(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	res := c.get("/menu")
	if res.Status != 200 || strings.Contains(res.Body, `href="/admin"`) {
		t.Fatalf("member menu: %d admin link present=%v", res.Status, strings.Contains(res.Body, `href="/admin"`))
	}
}

func TestLoginRequiredModeWithoutCertificate(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.client()
	res := c.post("/login", url.Values{"id": {strings.ToLower(m.ID)}, "password": {"member-Pass-2345"}})
	if res.Status != 303 || res.Location != "/cert" {
		t.Fatalf("login without certificate: %d %q", res.Status, res.Location)
	}
	// A password-only session never reaches member pages: 403 naming the
	// certificate and the way to a reissue.
	menu := c.get("/menu")
	if menu.Status != 403 || !strings.Contains(menu.Body, "証明書") || !strings.Contains(menu.Body, "再発行") {
		t.Fatalf("menu without certificate: %d %s", menu.Status, snippet(menu.Body))
	}
}
