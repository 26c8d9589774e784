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
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	long := strings.Repeat("山田医院長", 25) + "内科外科" // 129 characters, too many
	kanji := []rune(long)[:store.PasswordMaxLength]
	if err := store.CheckPassword("H999999", string(kanji)); err != nil {
		t.Fatalf("the policy refuses the 128-character password: %v", err)
	}
	k := env.addMember(t, "鈴木 花子", string(kanji))
	ac := countArgon(t, false)
	c := env.client()
	for _, sc := range []scenario{
		{name: "overlong", method: "POST", path: "/login", form: loginForm(m.ID, strings.Repeat("あ", store.PasswordMaxBytes/3+1)),
			wantStatus: 401, wantContains: []string{loginFailed}},
		{name: "overlong ASCII", method: "POST", path: "/login", form: loginForm(m.ID, strings.Repeat("x", store.PasswordMaxBytes+1)),
			wantStatus: 401, wantContains: []string{loginFailed}},
	} {
		sc.run(t, c)
	}
	if n := ac.verifies.Load(); n != 0 {
		t.Fatalf("overlong passwords were hashed %d times", n)
	}
	if page, _ := env.db.ListAudit(store.AuditFilter{Actor: m.ID, Action: "login"}); len(page.Events) != 2 || page.Events[0].Result != store.ResultFailed {
		t.Fatalf("overlong attempts not audited as failures: %+v", page.Events)
	}
	if len(string(kanji)) <= 256 {
		t.Fatalf("test password is only %d bytes", len(string(kanji)))
	}
	scenario{name: "128 kanji", method: "POST", path: "/login", form: loginForm(k.ID, string(kanji)), wantStatus: 303, wantLocation: "/menu"}.run(t, env.client())
	if n := ac.verifies.Load(); n != 1 || ac.outsideSlot.Load() != 0 {
		t.Fatalf("verifications %d, outside the slots %d", n, ac.outsideSlot.Load())
	}
}

// TestPasswordWorkIsBounded: verifications and the hashing of a new
// password share passwordChecks; never more run at once than it has slots.
func TestPasswordWorkIsBounded(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	ac := countArgon(t, false)
	scenario{name: "change", method: "POST", path: "/password", form: url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}},
		wantStatus: 303}.run(t, c)
	if ac.hashes.Load() != 1 || ac.verifies.Load() != 1 || ac.outsideSlot.Load() != 0 {
		t.Fatalf("password change: %d hashes, %d verifications, %d outside the slots", ac.hashes.Load(), ac.verifies.Load(), ac.outsideSlot.Load())
	}
	if got, _ := env.db.Member(m.ID); !store.VerifyPassword(got.PasswordHash, "another-Good-pass-77") {
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
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	other := env.addMember(t, "鈴木 花子", "other-Pass-2345")
	here := env.loginAs(t, m.ID, "member-Pass-2345")
	there := env.loginAs(t, m.ID, "member-Pass-2345")
	someoneElse := env.loginAs(t, other.ID, "other-Pass-2345")
	scenario{name: "other browser before", path: "/menu", wantStatus: 200}.run(t, there)
	scenario{name: "change", method: "POST", path: "/password", form: url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}},
		wantStatus: 303, wantLocation: "/menu?done=password"}.run(t, here)
	for _, sc := range []struct {
		c    *testClient
		want scenario
	}{
		{here, scenario{name: "this browser goes on", path: "/menu", wantStatus: 200, wantContains: []string{"ほっとライン - メニュー"}}},
		{there, scenario{name: "other browser logged out", path: "/menu", wantStatus: 303, wantLocation: "/login?next=%2Fmenu"}},
		{there, scenario{name: "and stays out", path: "/profile", wantStatus: 303, wantLocation: "/login?next=%2Fprofile"}},
		{someoneElse, scenario{name: "another member is not affected", path: "/menu", wantStatus: 200}},
	} {
		sc.want.run(t, sc.c)
	}
	if sessions, _ := env.db.MemberSessions(m.ID); len(sessions) != 1 {
		t.Fatalf("%d sessions left, want the current one", len(sessions))
	}
}

// TestLogoutEndsSessionOnServer: the cookie saved before logging out opens
// nothing afterwards.
func TestLogoutEndsSessionOnServer(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	saved := c.cookies[sessionCookie]
	if saved == "" {
		t.Fatal("no session cookie after login")
	}
	scenario{name: "logout", method: "POST", path: "/logout", wantStatus: 303, wantLocation: "/"}.run(t, c)
	if _, ok := c.cookies[sessionCookie]; ok {
		t.Error("logout left the cookie in the browser")
	}
	replay := env.client()
	replay.cookies[sessionCookie] = saved
	for _, sc := range []scenario{
		{name: "replayed cookie, menu", path: "/menu", wantStatus: 303, wantLocation: "/login?next=%2Fmenu"},
		{name: "replayed cookie, profile", path: "/profile", wantStatus: 303, wantLocation: "/login?next=%2Fprofile"},
	} {
		sc.run(t, replay)
	}
	if sessions, _ := env.db.MemberSessions(m.ID); len(sessions) != 0 {
		t.Fatalf("%d sessions left after logout", len(sessions))
	}
}

// TestLoginNextForPasswordOnlySession: the certificate page's link to the
// reissue request survives the login; a password-only session goes to
// `next` when it may open it, else to /cert, and the initial password is
// changed first.
func TestLoginNextForPasswordOnlySession(t *testing.T) {
	env := newTestEnv(t, CertRequired)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	initial, _, err := env.db.CreateTestMember(store.TestMemberSpec{Name: "初回 花子", Password: "initial-Pass-2345", MustChange: true})
	if err != nil {
		t.Fatal(err)
	}

	// The whole way: the link on the 403 page, the login, the request form.
	c := env.client()
	scenario{name: "reissue link, anonymous", path: "/requests?kind=cert_reissue", wantStatus: 303,
		wantLocation: "/login?next=%2Frequests%3Fkind%3Dcert_reissue"}.run(t, c)
	scenario{name: "login form keeps next", path: "/login?next=%2Frequests%3Fkind%3Dcert_reissue", wantStatus: 200,
		wantContains: []string{`name="next" value="/requests?kind=cert_reissue"`}}.run(t, c)
	scenario{name: "login", method: "POST", path: "/login", form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}, "next": {"/requests?kind=cert_reissue"}},
		wantStatus: 303, wantLocation: "/requests?kind=cert_reissue"}.run(t, c)
	scenario{name: "request form", path: "/requests?kind=cert_reissue", wantStatus: 200,
		wantContains: []string{`data-testid="password-only"`, `<option value="cert_reissue" selected>`}}.run(t, c)

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
		scenario{name: tc.id + " next=" + tc.next, method: "POST", path: "/login", form: url.Values{"id": {tc.id}, "password": {tc.pw}, "next": {tc.next}},
			wantStatus: 303, wantLocation: tc.want}.run(t, env.client())
	}
}

// TestLoginNextForFullSession: a full session goes wherever next says
// (a local path), else to the menu.
func TestLoginNextForFullSession(t *testing.T) {
	env := newTestEnv(t, CertOff)
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	for _, tc := range []struct{ next, want string }{
		{"/profile", "/profile"},
		{"/requests?kind=cert_reissue", "/requests?kind=cert_reissue"},
		{"https://evil.example/", "/menu"},
		{"", "/menu"},
	} {
		scenario{name: "next=" + tc.next, method: "POST", path: "/login", form: url.Values{"id": {m.ID}, "password": {"member-Pass-2345"}, "next": {tc.next}},
			wantStatus: 303, wantLocation: tc.want}.run(t, env.client())
	}
}
