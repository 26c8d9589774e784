package handlers

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"hotline/handlers/handlertest"
	"hotline/handlers/web"
	"hotline/store"
)

// testAddr is the client address app.Test reports.
const testAddr = "0.0.0.0"

func loginForm(id, pw string) url.Values { return url.Values{"id": {id}, "password": {pw}} }

func TestLoginThrottlingThroughLogin(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	clock := env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	other := env.AddMember(t, "佐藤 花子", "member-Pass-2345")
	c := env.Client()
	var steps []handlertest.Scenario
	// Ten failures answer ten 401s: the tenth starts the hold but looks
	// like any other wrong pair.
	for i := 1; i <= store.PairFailureLimit; i++ {
		steps = append(steps, handlertest.Scenario{Name: fmt.Sprintf("failure %d", i), Method: "POST", Path: "/login",
			Form: loginForm(m.ID, "wrong-password"), WantStatus: 401, WantContains: []string{loginFailed}, WantAbsent: []string{"一時停止"}})
	}
	steps = append(steps,
		handlertest.Scenario{Name: "eleventh attempt, right password, is held", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"),
			WantStatus: 429, WantContains: []string{"ログインを一時停止しています", "12:15 以降"}, WantAbsent: []string{loginFailed}},
		handlertest.Scenario{Name: "wrong password during the hold", Method: "POST", Path: "/login", Form: loginForm(m.ID, "wrong-password"),
			WantStatus: 429, WantContains: []string{"一時停止"}, WantAbsent: []string{loginFailed}},
		handlertest.Scenario{Name: "another account from the same address", Method: "POST", Path: "/login", Form: loginForm(other.ID, "member-Pass-2345"),
			WantStatus: 303, WantLocation: "/menu"},
	)
	for _, sc := range steps {
		sc.Run(t, c)
	}
	res := env.Client().Post("/login", loginForm(m.ID, "member-Pass-2345"))
	if res.Header.Get("Retry-After") != "900" {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	clock.Add(store.PairHoldFor - time.Second)
	handlertest.Scenario{Name: "still held a second before", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 429}.Run(t, env.Client())
	clock.Add(time.Second)
	handlertest.Scenario{Name: "after 15 minutes", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 303, WantLocation: "/menu"}.Run(t, env.Client())

	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: m.ID, Action: "login.hold"})
	if len(page.Events) != 1 || page.Events[0].Remote != testAddr {
		t.Fatalf("hold audit: %+v", page.Events)
	}
}

func TestLoginThrottlingUnknownIDLooksTheSame(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	env.FakeClock()
	c := env.Client()
	for i := 1; i <= store.PairFailureLimit; i++ {
		handlertest.Scenario{Name: "unknown id", Method: "POST", Path: "/login", Form: loginForm("H123456", "whatever-pass"), WantStatus: 401, WantContains: []string{loginFailed}}.Run(t, c)
	}
	handlertest.Scenario{Name: "unknown id held", Method: "POST", Path: "/login", Form: loginForm("h123456", "whatever-pass"), WantStatus: 429,
		WantContains: []string{"このIDでのログインを一時停止しています"}}.Run(t, c)
}

func TestLoginSlowDownAcrossAddresses(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	clock := env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	// Someone far away fails 20 times from 20 addresses.
	for i := 0; i < store.AccountSlowAfter; i++ {
		if _, err := env.DB.LoginFailed(store.LoginAttempt{Account: m.ID, Addr: fmt.Sprintf("203.0.113.%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := env.Client()
	for _, sc := range []handlertest.Scenario{
		{Name: "slowed: right password waits", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 429,
			WantContains: []string{"しばらく待ってから", "10秒"}},
	} {
		sc.Run(t, c)
	}
	clock.Add(store.AccountInterval)
	handlertest.Scenario{Name: "one attempt per 10 s", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 303, WantLocation: "/menu"}.Run(t, c)
	// The address the member logged in from is theirs now: no waiting.
	c.Post("/logout", nil)
	handlertest.Scenario{Name: "own address is exempt", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 303}.Run(t, env.Client())
}

func TestLoginAddressHeldAcrossAccounts(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	clock := env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	for i := 0; i < store.AddressFailureLimit; i++ {
		env.DB.LoginFailed(store.LoginAttempt{Account: fmt.Sprintf("H9%05d", i), Addr: testAddr})
	}
	c := env.Client()
	// The 101st failure starts the hold and answers 401 like the others;
	// from the next attempt on the address is held, whatever it sends.
	handlertest.Scenario{Name: "101st failure starts the hold", Method: "POST", Path: "/login", Form: loginForm("H800000", "x"), WantStatus: 401,
		WantContains: []string{loginFailed}, WantAbsent: []string{"一時停止"}}.Run(t, c)
	if holds, _ := env.DB.LoginHolds(""); len(holds) != 1 || holds[0].Kind != store.HoldAddress {
		t.Fatalf("holds after the 101st failure: %+v", holds)
	}
	handlertest.Scenario{Name: "every account from it, right password", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 429,
		WantContains: []string{"このアドレスからのログインの失敗が多すぎる"}, WantAbsent: []string{loginFailed}}.Run(t, c)
	clock.Add(store.AddressHoldFor)
	handlertest.Scenario{Name: "after the hold", Method: "POST", Path: "/login", Form: loginForm(m.ID, "member-Pass-2345"), WantStatus: 303}.Run(t, c)
}

func TestOperatorSeesAndClearsLoginHold(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	// The hold comes from another address, so the operator's own logins
	// are not affected.
	at := store.LoginAttempt{Account: m.ID, Addr: "192.0.2.50"}
	for i := 0; i < store.PairFailureLimit; i++ {
		env.DB.LoginFailed(at)
	}
	op := env.LoginOperator(t)
	for _, sc := range []handlertest.Scenario{
		{Name: "dashboard shows the hold", Path: "/admin", WantStatus: 200, WantContains: []string{`data-testid="login-holds"`, m.ID, "192.0.2.50", `data-testid="count-login-holds"`}},
		{Name: "member page shows it", Path: "/admin/members/" + m.ID, WantStatus: 200, WantContains: []string{"192.0.2.50", "ログイン一時停止", "直近1時間の失敗：10 回", `data-testid="clear-limits"`}},
		{Name: "clear unknown", Method: "POST", Path: "/admin/login-holds/clear", Form: url.Values{"key": {"account|H1|x"}}, WantStatus: 404},
		{Name: "clear", Method: "POST", Path: "/admin/login-holds/clear", Form: url.Values{"key": {"account|" + m.ID + "|192.0.2.50"}, "back": {"/admin/members/" + m.ID}},
			WantStatus: 303, WantLocation: "/admin/members/" + m.ID + "?done=updated"},
		{Name: "gone", Path: "/admin/login-holds", WantStatus: 200, WantContains: []string{`data-testid="no-holds"`}},
		{Name: "clear the rest", Method: "POST", Path: "/admin/members/" + m.ID + "/login-limits/clear", WantStatus: 303},
		{Name: "nothing left", Path: "/admin/members/" + m.ID, WantStatus: 200, WantContains: []string{"直近1時間の失敗：0 回"}, WantAbsent: []string{`data-testid="clear-limits"`}},
	} {
		sc.Run(t, op)
	}
	if _, err := env.DB.CheckLogin(at); err != nil {
		t.Fatalf("still held: %v", err)
	}
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: "admin", Action: "login.hold_clear"})
	if len(page.Events) != 2 {
		t.Fatalf("clear audited %d times", len(page.Events))
	}
}

func TestPasswordChangeFailuresAreThrottled(t *testing.T) {
	env := newTestEnv(t, web.CertOff)
	env.FakeClock()
	m := env.AddMember(t, "山田 太郎", "member-Pass-2345")
	c := env.LoginAs(t, m.ID, "member-Pass-2345")
	wrong := url.Values{"current": {"not-my-password"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}
	for i := 1; i < store.PairFailureLimit; i++ {
		handlertest.Scenario{Name: "wrong current", Method: "POST", Path: "/password", Form: wrong, WantStatus: 422, WantContains: []string{"現在のパスワードが正しくありません"}}.Run(t, c)
	}
	handlertest.Scenario{Name: "tenth wrong current", Method: "POST", Path: "/password", Form: wrong, WantStatus: 422}.Run(t, c)
	right := url.Values{"current": {"member-Pass-2345"}, "new": {"another-Good-pass-77"}, "confirm": {"another-Good-pass-77"}}
	handlertest.Scenario{Name: "held", Method: "POST", Path: "/password", Form: right, WantStatus: 429, WantContains: []string{"一時停止"}}.Run(t, c)
	page, _ := env.DB.ListAudit(store.AuditFilter{Actor: m.ID, Action: "password.change"})
	if len(page.Events) != store.PairFailureLimit {
		t.Fatalf("audited %d failures", len(page.Events))
	}
	if !strings.Contains(c.Get("/password").Body, "パスワード変更") {
		t.Fatal("page gone")
	}
}
