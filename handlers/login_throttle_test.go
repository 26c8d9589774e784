package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"hotline/store"
)

// testAddr is the client address app.Test reports.
const testAddr = "0.0.0.0"

// fakeClock sets the store clock to a fixed time the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (e *testEnv) fakeClock() *fakeClock {
	fc := &fakeClock{now: time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)} // 12:00 in Japan
	e.db.SetClock(fc.Now)
	return fc
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Add(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

func loginForm(id, pw string) url.Values { return url.Values{"id": {id}, "password": {pw}} }

func TestLoginThrottlingThroughLogin(t *testing.T) {
	env := newTestEnv(t, CertOff)
	clock := env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	other := env.addMember(t, "佐藤 花子", "member-Pass-2345")
	c := env.client()
	var steps []scenario
	// Ten failures answer ten 401s: the tenth starts the hold but looks
	// like any other wrong pair.
	for i := 1; i <= store.PairFailureLimit; i++ {
		steps = append(steps, scenario{name: fmt.Sprintf("failure %d", i), method: "POST", path: "/login",
			form: loginForm(m.ID, "wrong-password"), wantStatus: 401, wantContains: []string{loginFailed}, wantAbsent: []string{"一時停止"}})
	}
	steps = append(steps,
		scenario{name: "eleventh attempt, right password, is held", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"),
			wantStatus: 429, wantContains: []string{"ログインを一時停止しています", "12:15 以降"}, wantAbsent: []string{loginFailed}},
		scenario{name: "wrong password during the hold", method: "POST", path: "/login", form: loginForm(m.ID, "wrong-password"),
			wantStatus: 429, wantContains: []string{"一時停止"}, wantAbsent: []string{loginFailed}},
		scenario{name: "another account from the same address", method: "POST", path: "/login", form: loginForm(other.ID, "member-Pass-2345"),
			wantStatus: 303, wantLocation: "/menu"},
	)
	for _, sc := range steps {
		sc.run(t, c)
	}
	res := env.client().post("/login", loginForm(m.ID, "member-Pass-2345"))
	if res.Header.Get("Retry-After") != "900" {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	clock.Add(store.PairHoldFor - time.Second)
	scenario{name: "still held a second before", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 429}.run(t, env.client())
	clock.Add(time.Second)
	scenario{name: "after 15 minutes", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 303, wantLocation: "/menu"}.run(t, env.client())

	page, _ := env.db.ListAudit(store.AuditFilter{Actor: m.ID, Action: "login.hold"})
	if len(page.Events) != 1 || page.Events[0].Remote != testAddr {
		t.Fatalf("hold audit: %+v", page.Events)
	}
}

func TestLoginThrottlingUnknownIDLooksTheSame(t *testing.T) {
	env := newTestEnv(t, CertOff)
	env.fakeClock()
	c := env.client()
	for i := 1; i <= store.PairFailureLimit; i++ {
		scenario{name: "unknown id", method: "POST", path: "/login", form: loginForm("H123456", "whatever-pass"), wantStatus: 401, wantContains: []string{loginFailed}}.run(t, c)
	}
	scenario{name: "unknown id held", method: "POST", path: "/login", form: loginForm("h123456", "whatever-pass"), wantStatus: 429,
		wantContains: []string{"このIDでのログインを一時停止しています"}}.run(t, c)
}

func TestLoginSlowDownAcrossAddresses(t *testing.T) {
	env := newTestEnv(t, CertOff)
	clock := env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	// Someone far away fails 20 times from 20 addresses.
	for i := 0; i < store.AccountSlowAfter; i++ {
		if _, err := env.db.LoginFailed(store.LoginAttempt{Account: m.ID, Addr: fmt.Sprintf("203.0.113.%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := env.client()
	for _, sc := range []scenario{
		{name: "slowed: right password waits", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 429,
			wantContains: []string{"しばらく待ってから", "10秒"}},
	} {
		sc.run(t, c)
	}
	clock.Add(store.AccountInterval)
	scenario{name: "one attempt per 10 s", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 303, wantLocation: "/menu"}.run(t, c)
	// The address the member logged in from is theirs now: no waiting.
	c.post("/logout", nil)
	scenario{name: "own address is exempt", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 303}.run(t, env.client())
}

func TestLoginAddressHeldAcrossAccounts(t *testing.T) {
	env := newTestEnv(t, CertOff)
	clock := env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	for i := 0; i < store.AddressFailureLimit; i++ {
		env.db.LoginFailed(store.LoginAttempt{Account: fmt.Sprintf("H9%05d", i), Addr: testAddr})
	}
	c := env.client()
	// The 101st failure starts the hold and answers 401 like the others;
	// from the next attempt on the address is held, whatever it sends.
	scenario{name: "101st failure starts the hold", method: "POST", path: "/login", form: loginForm("H800000", "x"), wantStatus: 401,
		wantContains: []string{loginFailed}, wantAbsent: []string{"一時停止"}}.run(t, c)
	if holds, _ := env.db.LoginHolds(""); len(holds) != 1 || holds[0].Kind != store.HoldAddress {
		t.Fatalf("holds after the 101st failure: %+v", holds)
	}
	scenario{name: "every account from it, right password", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 429,
		wantContains: []string{"このアドレスからのログインの失敗が多すぎる"}, wantAbsent: []string{loginFailed}}.run(t, c)
	clock.Add(store.AddressHoldFor)
	scenario{name: "after the hold", method: "POST", path: "/login", form: loginForm(m.ID, "member-Pass-2345"), wantStatus: 303}.run(t, c)
}

func TestOperatorSeesAndClearsLoginHold(t *testing.T) {
	env := newTestEnv(t, CertOff)
	env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	// The hold comes from another address, so the operator's own logins
	// are not affected.
	at := store.LoginAttempt{Account: m.ID, Addr: "192.0.2.50"}
	for i := 0; i < store.PairFailureLimit; i++ {
		env.db.LoginFailed(at)
	}
	op := env.loginOperator(t)
	for _, sc := range []scenario{
		{name: "dashboard shows the hold", path: "/admin", wantStatus: 200, wantContains: []string{`data-testid="login-holds"`, m.ID, "192.0.2.50", `data-testid="count-login-holds"`}},
		{name: "member page shows it", path: "/admin/members/" + m.ID, wantStatus: 200, wantContains: []string{"192.0.2.50", "ログイン一時停止", "直近1時間の失敗：10 回", `data-testid="clear-limits"`}},
		{name: "clear unknown", method: "POST", path: "/admin/login-holds/clear", form: url.Values{"key": {"account|H1|x"}}, wantStatus: 404},
		{name: "clear", method: "POST", path: "/admin/login-holds/clear", form: url.Values{"key": {"account|" + m.ID + "|192.0.2.50"}, "back": {"/admin/members/" + m.ID}},
			wantStatus: 303, wantLocation: "/admin/members/" + m.ID + "?done=updated"},
		{name: "gone", path: "/admin/login-holds", wantStatus: 200, wantContains: []string{`data-testid="no-holds"`}},
		{name: "clear the rest", method: "POST", path: "/admin/members/" + m.ID + "/login-limits/clear", wantStatus: 303},
		{name: "nothing left", path: "/admin/members/" + m.ID, wantStatus: 200, wantContains: []string{"直近1時間の失敗：0 回"}, wantAbsent: []string{`data-testid="clear-limits"`}},
	} {
		sc.run(t, op)
	}
	if _, err := env.db.CheckLogin(at); err != nil {
		t.Fatalf("still held: %v", err)
	}
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: "admin", Action: "login.hold_clear"})
	if len(page.Events) != 2 {
		t.Fatalf("clear audited %d times", len(page.Events))
	}
}

func TestPasswordChangeFailuresAreThrottled(t *testing.T) {
	env := newTestEnv(t, CertOff)
	env.fakeClock()
	m := env.addMember(t, "山田 太郎", "member-Pass-2345")
	c := env.loginAs(t, m.ID, "member-Pass-2345")
	wrong := url.Values{"current": {"not-my-password"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}
	for i := 1; i < store.PairFailureLimit; i++ {
		scenario{name: "wrong current", method: "POST", path: "/password", form: wrong, wantStatus: 422, wantContains: []string{"現在のパスワードが正しくありません"}}.run(t, c)
	}
	scenario{name: "tenth wrong current", method: "POST", path: "/password", form: wrong, wantStatus: 422}.run(t, c)
	right := url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}
	scenario{name: "held", method: "POST", path: "/password", form: right, wantStatus: 429, wantContains: []string{"一時停止"}}.run(t, c)
	page, _ := env.db.ListAudit(store.AuditFilter{Actor: m.ID, Action: "password.change"})
	if len(page.Events) != store.PairFailureLimit {
		t.Fatalf("audited %d failures", len(page.Events))
	}
	if !strings.Contains(c.get("/password").Body, "パスワード変更") {
		t.Fatal("page gone")
	}
}
