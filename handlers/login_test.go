package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hotline/store"
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

// sessionCookieOf is the session cookie a response sets, nil when none.
func sessionCookieOf(t *testing.T, res testResponse) *http.Cookie {
	t.Helper()
	var out *http.Cookie
	for _, line := range res.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if ck.Name == sessionCookie {
			out = ck
		}
	}
	return out
}

// TestSessionCookie: the session cookie is host-only, HTTPS-only, out of
// reach of scripts and not sent on cross-site subrequests; every login
// issues a new session ID and ends the session (or planted cookie) the
// browser had before.
func TestSessionCookie(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.client()
	// A cookie planted before login (session fixation) is not adopted.
	planted := strings.Repeat("p", 43)
	c.cookies[sessionCookie] = planted
	c.get("/login")
	res := c.post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}})
	ck := sessionCookieOf(t, res)
	if res.Status != http.StatusSeeOther || ck == nil {
		t.Fatalf("login: %d, cookies %q", res.Status, res.Header.Values("Set-Cookie"))
	}
	if ck.Name != "__Host-hotline" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" ||
		ck.Domain != "" || ck.MaxAge != 0 || !ck.Expires.IsZero() || len(ck.Value) < 32 || ck.Value == planted {
		t.Fatalf("session cookie %q", res.Header.Values("Set-Cookie"))
	}
	first := ck.Value
	if got := c.get("/menu"); got.Status != http.StatusOK {
		t.Fatalf("menu: %d", got.Status)
	}

	// Logging in again, from the same browser, replaces the session.
	res = c.post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}})
	ck = sessionCookieOf(t, res)
	if res.Status != http.StatusSeeOther || ck == nil || ck.Value == first {
		t.Fatalf("second login: %d, cookie %+v", res.Status, ck)
	}
	if _, err := env.db.SessionByToken(first); store.ErrorCode(err) != store.ENOTFOUND {
		t.Errorf("the session before the login lives on: %v", err)
	}
	old := env.client()
	old.cookies[sessionCookie] = first
	if got := old.get("/menu"); got.Status != http.StatusSeeOther || got.Location != "/login?next=%2Fmenu" {
		t.Errorf("the old cookie: %d %q", got.Status, got.Location)
	}
	if got := c.get("/menu"); got.Status != http.StatusOK {
		t.Errorf("the new session: %d", got.Status)
	}
	// The cookie carries a token, not the stored ID.
	if sess, err := env.db.SessionByToken(ck.Value); err != nil || sess.ID == ck.Value {
		t.Errorf("stored session %q for cookie %q: %v", sess.ID, ck.Value, err)
	}
}

// TestSessionTimeouts: a session idle for more than 30 minutes, and any
// session older than 12 hours however busy, leads back to the login page.
func TestSessionTimeouts(t *testing.T) {
	env := newTestEnv(t, CertOff)
	fc := env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	toLogin := func(what string, c *testClient) {
		t.Helper()
		res := c.get("/menu")
		if res.Status != http.StatusSeeOther || res.Location != "/login?next=%2Fmenu" {
			t.Fatalf("%s: %d %q, want the login page", what, res.Status, res.Location)
		}
		if ck := sessionCookieOf(t, res); ck == nil || ck.Value != "" {
			t.Errorf("%s: the cookie is not cleared: %q", what, res.Header.Values("Set-Cookie"))
		}
		if login := c.get(res.Location); login.Status != http.StatusOK || !strings.Contains(login.Body, "ほっとラインID") {
			t.Fatalf("%s: login page %d", what, login.Status)
		}
	}

	// Idle: 29 minutes are fine and restart the idle time; 31 are not.
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	fc.Add(29 * time.Minute)
	if res := c.get("/menu"); res.Status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", res.Status)
	}
	fc.Add(29 * time.Minute)
	if res := c.get("/menu"); res.Status != http.StatusOK {
		t.Fatalf("29 minutes after the last request: %d", res.Status)
	}
	fc.Add(store.SessionIdleTimeout + time.Minute)
	toLogin("idle 31 minutes", c)

	// Absolute: a request every 20 minutes keeps the session only until
	// 12 hours after the login.
	c = env.loginAs(t, m.ID, "member-Pass-2345")
	start := fc.Now()
	for fc.Now().Sub(start) < store.SessionAbsoluteTimeout-20*time.Minute {
		fc.Add(20 * time.Minute)
		if res := c.get("/menu"); res.Status != http.StatusOK {
			t.Fatalf("busy session %v after login: %d", fc.Now().Sub(start), res.Status)
		}
	}
	fc.Add(21 * time.Minute)
	toLogin(fmt.Sprintf("%v after login", fc.Now().Sub(start)), c)
}
