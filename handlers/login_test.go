package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

func TestLoginFirstStepsCertOff(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	if _, err := env.DB.EnsureFirstOperator("initial-Pass-2345", true); err != nil {
		t.Fatal(err)
	}
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "wrong password", Method: "POST", Path: "/login", Form: url.Values{"id": {"admin"}, "password": {"nope"}}, WantStatus: 401, WantContains: []string{"IDまたはパスワードが正しくありません"}},
		{Name: "unknown id", Method: "POST", Path: "/login", Form: url.Values{"id": {"H999999"}, "password": {"nope"}}, WantStatus: 401, WantContains: []string{"IDまたはパスワードが正しくありません"}},
		{Name: "right password, initial", Method: "POST", Path: "/login", Form: url.Values{"id": {"admin"}, "password": {"initial-Pass-2345"}}, WantStatus: 303, WantLocation: "/password"},
		{Name: "menu before change", Path: "/menu", WantStatus: 303, WantLocation: "/password"},
		{Name: "password page", Path: "/password", WantStatus: 200, WantContains: []string{"初期パスワードのままです"}},
		{Name: "wrong current", Method: "POST", Path: "/password", Form: url.Values{"current": {"x"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}, WantStatus: 422, WantContains: []string{"現在のパスワードが正しくありません"}},
		{Name: "too short", Method: "POST", Path: "/password", Form: url.Values{"current": {"initial-Pass-2345"}, "new": {"short"}, "confirm": {"short"}}, WantStatus: 422, WantContains: []string{"12文字以上"}},
		{Name: "mismatch", Method: "POST", Path: "/password", Form: url.Values{"current": {"initial-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-78"}}, WantStatus: 422, WantContains: []string{"一致しません"}},
		{Name: "change", Method: "POST", Path: "/password", Form: url.Values{"current": {"initial-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}, WantStatus: 303, WantLocation: "/menu?done=password"},
		{Name: "menu", Path: "/menu", WantStatus: 200, WantContains: []string{"ほっとライン - メニュー", "医療記録読書機能", "患者様登録ソフト", "地域連携システム", "Web処方箋", "ログアウト", "関連サイト", "パスワード変更", "ユーザ編集", "申請フォーム", `href="/admin"`, "証明書の確認が無効"}},
		{Name: "logout", Method: "POST", Path: "/logout", WantStatus: 303, WantLocation: "/"},
		{Name: "menu after logout", Path: "/menu", WantStatus: 303},
	} {
		sc.Run(t, c)
	}
}

func TestMemberMenuHasNoAdmin(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	res := c.Get("/menu")
	if res.Status != 200 || strings.Contains(res.Body, `href="/admin"`) {
		t.Fatalf("member menu: %d admin link present=%v", res.Status, strings.Contains(res.Body, `href="/admin"`))
	}
}

func TestLoginRequiredModeWithoutCertificate(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.Client()
	res := c.Post("/login", url.Values{"id": {strings.ToLower(m.ID)}, "password": {"member-Pass-2345"}})
	if res.Status != 303 || res.Location != "/cert" {
		t.Fatalf("login without certificate: %d %q", res.Status, res.Location)
	}
	// A password-only session never reaches member pages: 403 naming the
	// certificate and the way to a reissue.
	menu := c.Get("/menu")
	if menu.Status != 403 || !strings.Contains(menu.Body, "証明書") || !strings.Contains(menu.Body, "再発行") {
		t.Fatalf("menu without certificate: %d %s", menu.Status, handlertest.Snippet(menu.Body))
	}
}

// sessionCookieOf is the session cookie a response sets, nil when none.
func sessionCookieOf(t *testing.T, res handlertest.Response) *http.Cookie {
	t.Helper()
	var out *http.Cookie
	for _, line := range res.Header.Values("Set-Cookie") {
		ck, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if ck.Name == web.SessionCookie {
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
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.Client()
	// A cookie planted before login (session fixation) is not adopted.
	planted := strings.Repeat("p", 43)
	c.Cookies[web.SessionCookie] = planted
	c.Get("/login")
	res := c.Post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}})
	ck := sessionCookieOf(t, res)
	if res.Status != http.StatusSeeOther || ck == nil {
		t.Fatalf("login: %d, cookies %q", res.Status, res.Header.Values("Set-Cookie"))
	}
	if ck.Name != "__Host-hotline" || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" ||
		ck.Domain != "" || ck.MaxAge != 0 || !ck.Expires.IsZero() || len(ck.Value) < 32 || ck.Value == planted {
		t.Fatalf("session cookie %q", res.Header.Values("Set-Cookie"))
	}
	first := ck.Value
	if got := c.Get("/menu"); got.Status != http.StatusOK {
		t.Fatalf("menu: %d", got.Status)
	}

	// Logging in again, from the same browser, replaces the session.
	res = c.Post("/login", url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}})
	ck = sessionCookieOf(t, res)
	if res.Status != http.StatusSeeOther || ck == nil || ck.Value == first {
		t.Fatalf("second login: %d, cookie %+v", res.Status, ck)
	}
	if _, err := env.DB.SessionByToken(first); store.ErrorCode(err) != store.ENOTFOUND {
		t.Errorf("the session before the login lives on: %v", err)
	}
	old := env.Client()
	old.Cookies[web.SessionCookie] = first
	if got := old.Get("/menu"); got.Status != http.StatusSeeOther || got.Location != "/login?next=%2Fmenu" {
		t.Errorf("the old cookie: %d %q", got.Status, got.Location)
	}
	if got := c.Get("/menu"); got.Status != http.StatusOK {
		t.Errorf("the new session: %d", got.Status)
	}
	// The cookie carries a token, not the stored ID.
	if sess, err := env.DB.SessionByToken(ck.Value); err != nil || sess.ID == ck.Value {
		t.Errorf("stored session %q for cookie %q: %v", sess.ID, ck.Value, err)
	}
}

// TestSessionTimeouts: a session idle for more than 30 minutes, and any
// session older than 12 hours however busy, leads back to the login page.
func TestSessionTimeouts(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	fc := env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	toLogin := func(what string, c *handlertest.Client) {
		t.Helper()
		res := c.Get("/menu")
		if res.Status != http.StatusSeeOther || res.Location != "/login?next=%2Fmenu" {
			t.Fatalf("%s: %d %q, want the login page", what, res.Status, res.Location)
		}
		if ck := sessionCookieOf(t, res); ck == nil || ck.Value != "" {
			t.Errorf("%s: the cookie is not cleared: %q", what, res.Header.Values("Set-Cookie"))
		}
		if login := c.Get(res.Location); login.Status != http.StatusOK || !strings.Contains(login.Body, "ほっとラインID") {
			t.Fatalf("%s: login page %d", what, login.Status)
		}
	}

	// Idle: 29 minutes are fine and restart the idle time; 31 are not.
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	fc.Add(29 * time.Minute)
	if res := c.Get("/menu"); res.Status != http.StatusOK {
		t.Fatalf("after 29 idle minutes: %d", res.Status)
	}
	fc.Add(29 * time.Minute)
	if res := c.Get("/menu"); res.Status != http.StatusOK {
		t.Fatalf("29 minutes after the last request: %d", res.Status)
	}
	fc.Add(store.SessionIdleTimeout + time.Minute)
	toLogin("idle 31 minutes", c)

	// Absolute: a request every 20 minutes keeps the session only until
	// 12 hours after the login.
	c = env.LoginAs(t, m.ID, "member-Pass-2345")
	start := fc.Now()
	for fc.Now().Sub(start) < store.SessionAbsoluteTimeout-20*time.Minute {
		fc.Add(20 * time.Minute)
		if res := c.Get("/menu"); res.Status != http.StatusOK {
			t.Fatalf("busy session %v after login: %d", fc.Now().Sub(start), res.Status)
		}
	}
	fc.Add(21 * time.Minute)
	toLogin(fmt.Sprintf("%v after login", fc.Now().Sub(start)), c)
}

// argonCounter counts the Argon2id work done through verifyPassword and
// hashPassword, how much of it ran at once, and whether each call ran
// holding a passwordChecks slot.
type argonCounter struct {
	verifies, hashes atomic.Int32
	inside, peak     atomic.Int32
	outsideSlot      atomic.Int32
}

// countArgon swaps the Argon2id functions for counting ones until the test
// ends. With fake, they only sleep a little instead of hashing (for
// concurrency tests); else they hash for real.
func countArgon(t *testing.T, fake bool) *argonCounter {
	t.Helper()
	ac := &argonCounter{}
	verify, hash := argonVerify, argonHash
	enter := func() func() {
		if len(passwordChecks) == 0 {
			ac.outsideSlot.Add(1)
		}
		n := ac.inside.Add(1)
		for p := ac.peak.Load(); n > p && !ac.peak.CompareAndSwap(p, n); p = ac.peak.Load() {
		}
		if fake {
			time.Sleep(10 * time.Millisecond)
		}
		return func() { ac.inside.Add(-1) }
	}
	argonVerify = func(h, pw string) bool {
		ac.verifies.Add(1)
		defer enter()()
		if fake {
			return false
		}
		return verify(h, pw)
	}
	argonHash = func(pw string) string {
		ac.hashes.Add(1)
		defer enter()()
		if fake {
			return "$argon2id$fake"
		}
		return hash(pw)
	}
	t.Cleanup(func() { argonVerify, argonHash = verify, hash })
	return ac
}

// TestLoginRefusesOverlongPasswordBeforeHashing: a password longer than any
// the policy accepts is a plain failure that costs no Argon2id; the longest
// the policy accepts (128 kanji) still logs in.
func TestLoginRefusesOverlongPasswordBeforeHashing(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	long := strings.Repeat("山田医院長", 25) + "内科外科" // 129 characters, too many
	kanji := []rune(long)[:store.PasswordMaxLength]
	if err := store.CheckPassword("H999999", string(kanji)); err != nil {
		t.Fatalf("the policy refuses the 128-character password: %v", err)
	}
	k := env.AddMember(t, "鈴木 花子", string(kanji))
	ac := countArgon(t, false)
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "overlong", Method: "POST", Path: "/login", Form: loginForm(m.ID, strings.Repeat("あ", store.PasswordMaxBytes/3+1)),
			WantStatus: 401, WantContains: []string{loginFailed}},
		{Name: "overlong ASCII", Method: "POST", Path: "/login", Form: loginForm(m.ID, strings.Repeat("x", store.PasswordMaxBytes+1)),
			WantStatus: 401, WantContains: []string{loginFailed}},
	} {
		sc.Run(t, c)
	}
	if n := ac.verifies.Load(); n != 0 {
		t.Fatalf("overlong passwords were hashed %d times", n)
	}
	if page, _ := env.DB.ListAudit(store.AuditFilter{Actor: m.ID, Action: "login"}); len(page.Events) != 2 || page.Events[0].Result != store.ResultFailed {
		t.Fatalf("overlong attempts not audited as failures: %+v", page.Events)
	}
	if len(string(kanji)) <= 256 {
		t.Fatalf("test password is only %d bytes", len(string(kanji)))
	}
	handlertest.Scenario{Name: "128 kanji", Method: "POST", Path: "/login", Form: loginForm(k.ID, string(kanji)), WantStatus: 303, WantLocation: "/menu"}.Run(t, env.Client())
	if n := ac.verifies.Load(); n != 1 || ac.outsideSlot.Load() != 0 {
		t.Fatalf("verifications %d, outside the slots %d", n, ac.outsideSlot.Load())
	}
}

// TestPasswordWorkIsBounded: verifications and the hashing of a new
// password share passwordChecks; never more run at once than it has slots.
func TestPasswordWorkIsBounded(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	ac := countArgon(t, false)
	handlertest.Scenario{Name: "change", Method: "POST", Path: "/password", Form: url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}},
		WantStatus: 303}.Run(t, c)
	if ac.hashes.Load() != 1 || ac.verifies.Load() != 1 || ac.outsideSlot.Load() != 0 {
		t.Fatalf("password change: %d hashes, %d verifications, %d outside the slots", ac.hashes.Load(), ac.verifies.Load(), ac.outsideSlot.Load())
	}
	if got, _ := env.DB.Member(m.ID); !store.VerifyPassword(got.PasswordHash, "another-Good-pass-77") {
		t.Fatal("new password not stored")
	}

	ac = countArgon(t, true)
	slots := cap(passwordChecks)
	var wg sync.WaitGroup
	for i := range 4*slots + 3 {
		wg.Go(func() {
			if i%2 == 0 {
				verifyPassword("x", "y")
			} else {
				hashPassword("y")
			}
		})
	}
	wg.Wait()
	if peak := int(ac.peak.Load()); peak != slots {
		t.Fatalf("at most %d ran at once, want exactly the %d slots", peak, slots)
	}
	if ac.outsideSlot.Load() != 0 {
		t.Fatal("work ran outside passwordChecks")
	}
}

// TestPasswordChangeEndsOtherSessions: the member's other browser is
// logged out on its next request; the one that changed it goes on.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	other := env.AddMember(t, "鈴木 花子", "other-Pass-2345")
	here := env.LoginAs(t, m.ID, "member-Pass-2345")
	there := env.LoginAs(t, m.ID, "member-Pass-2345")
	someoneElse := env.LoginAs(t, other.ID, "other-Pass-2345")
	handlertest.Scenario{Name: "other browser before", Path: "/menu", WantStatus: 200}.Run(t, there)
	handlertest.Scenario{Name: "change", Method: "POST", Path: "/password", Form: url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}},
		WantStatus: 303, WantLocation: "/menu?done=password"}.Run(t, here)
	for _, sc := range []struct {
		c    *handlertest.Client
		want handlertest.Scenario
	}{
		{here, handlertest.Scenario{Name: "this browser goes on", Path: "/menu", WantStatus: 200, WantContains: []string{"ほっとライン - メニュー"}}},
		{there, handlertest.Scenario{Name: "other browser logged out", Path: "/menu", WantStatus: 303, WantLocation: "/login?next=%2Fmenu"}},
		{there, handlertest.Scenario{Name: "and stays out", Path: "/profile", WantStatus: 303, WantLocation: "/login?next=%2Fprofile"}},
		{someoneElse, handlertest.Scenario{Name: "another member is not affected", Path: "/menu", WantStatus: 200}},
	} {
		sc.want.Run(t, sc.c)
	}
	if sessions, _ := env.DB.MemberSessions(m.ID); len(sessions) != 1 {
		t.Fatalf("%d sessions left, want the current one", len(sessions))
	}
}

// TestLogoutEndsSessionOnServer: the cookie saved before logging out opens
// nothing afterwards.
func TestLogoutEndsSessionOnServer(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	saved := c.Cookies[web.SessionCookie]
	if saved == "" {
		t.Fatal("no session cookie after login")
	}
	handlertest.Scenario{Name: "logout", Method: "POST", Path: "/logout", WantStatus: 303, WantLocation: "/"}.Run(t, c)
	if _, ok := c.Cookies[web.SessionCookie]; ok {
		t.Error("logout left the cookie in the browser")
	}
	replay := env.Client()
	replay.Cookies[web.SessionCookie] = saved
	for _, sc := range []handlertest.Scenario{
		{Name: "replayed cookie, menu", Path: "/menu", WantStatus: 303, WantLocation: "/login?next=%2Fmenu"},
		{Name: "replayed cookie, profile", Path: "/profile", WantStatus: 303, WantLocation: "/login?next=%2Fprofile"},
	} {
		sc.Run(t, replay)
	}
	if sessions, _ := env.DB.MemberSessions(m.ID); len(sessions) != 0 {
		t.Fatalf("%d sessions left after logout", len(sessions))
	}
}

// TestLoginNextForPasswordOnlySession: the certificate page's link to the
// reissue request survives the login; a password-only session goes to
// `next` when it may open it, else to /cert, and the initial password is
// changed first.
func TestLoginNextForPasswordOnlySession(t *testing.T) {
	env := newTestEnv(t, web.CertRequired)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	initial, _, err := env.DB.CreateTestMember(store.TestMemberSpec{Name: "初回 花子", Password: "initial-Pass-2345", MustChange: true})
	if err != nil {
		t.Fatal(err)
	}

	// The whole way: the link on the 403 page, the login, the request form.
	c := env.Client()
	handlertest.Scenario{Name: "reissue link, anonymous", Path: "/requests?kind=cert_reissue", WantStatus: 303,
		WantLocation: "/login?next=%2Frequests%3Fkind%3Dcert_reissue"}.Run(t, c)
	handlertest.Scenario{Name: "login form keeps next", Path: "/login?next=%2Frequests%3Fkind%3Dcert_reissue", WantStatus: 200,
		WantContains: []string{`name="next" value="/requests?kind=cert_reissue"`}}.Run(t, c)
	handlertest.Scenario{Name: "login", Method: "POST", Path: "/login", Form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}, "next": {"/requests?kind=cert_reissue"}},
		WantStatus: 303, WantLocation: "/requests?kind=cert_reissue"}.Run(t, c)
	handlertest.Scenario{Name: "request form", Path: "/requests?kind=cert_reissue", WantStatus: 200,
		WantContains: []string{`data-testid="password-only"`, `<option value="cert_reissue" selected>`}}.Run(t, c)

	for _, tc := range []struct{ id, pw, next, want string }{
		{m.ID, "member-Pass-2345", "/requests", "/requests"},
		{m.ID, "member-Pass-2345", "/password", "/password"},
		{m.ID, "member-Pass-2345", "/cert", "/cert"},
		{m.ID, "member-Pass-2345", "", "/cert"},
		// Pages a password-only session may not open: the certificate first.
		{m.ID, "member-Pass-2345", "/menu", "/cert"},
		{m.ID, "member-Pass-2345", "/prs/patients?q=x", "/cert"},
		{m.ID, "member-Pass-2345", "/requestsx", "/cert"},
		{m.ID, "member-Pass-2345", "/cert/issue", "/cert"}, // POST only
		{m.ID, "member-Pass-2345", "//evil.example/requests", "/cert"},
		// The initial password is changed before anything else.
		{initial.ID, "initial-Pass-2345", "/requests?kind=cert_reissue", "/password"},
	} {
		handlertest.Scenario{Name: tc.id + " next=" + tc.next, Method: "POST", Path: "/login", Form: url.Values{"id": {tc.id}, "password": {tc.pw}, "next": {tc.next}},
			WantStatus: 303, WantLocation: tc.want}.Run(t, env.Client())
	}
}

// TestLoginNextForFullSession: a full session goes wherever next says
// (a local path), else to the menu.
func TestLoginNextForFullSession(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	for _, tc := range []struct{ next, want string }{
		{"/profile", "/profile"},
		{"/requests?kind=cert_reissue", "/requests?kind=cert_reissue"},
		{"https://evil.example/", "/menu"},
		{"", "/menu"},
	} {
		handlertest.Scenario{Name: "next=" + tc.next, Method: "POST", Path: "/login", Form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}, "next": {tc.next}},
			WantStatus: 303, WantLocation: tc.want}.Run(t, env.Client())
	}
}
