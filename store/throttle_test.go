package store

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// throttleStep is one event in a throttle scenario.
type throttleStep struct {
	wait    time.Duration // advance the clock first
	op      string        // "fail" (check then fail), "check", "ok" (check then succeed), "clear" (account), "clearhold"
	account string
	addr    string
	trusted bool
	times   int  // repeat (default 1)
	refused bool // the (last) check must be refused with ETHROTTLED
	held    bool // the (last) failure must start a hold
}

func TestLoginThrottle(t *testing.T) {
	const a, b = "H000001", "H000002"
	const ip1, ip2, ip3 = "192.0.2.1", "192.0.2.2", "198.51.100.7"
	many := func(n int, prefix string) []throttleStep {
		var out []throttleStep
		for i := 0; i < n; i++ {
			out = append(out, throttleStep{op: "fail", account: a, addr: fmt.Sprintf("%s%d", prefix, i)})
		}
		return out
	}
	cases := []struct {
		name  string
		steps []throttleStep
	}{
		{"nine failures are not a hold", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 9},
			{op: "ok", account: a, addr: ip1},
		}},
		{"the tenth failure holds the pair, even for the right password", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 9},
			{op: "fail", account: a, addr: ip1, held: true},
			{op: "ok", account: a, addr: ip1, refused: true},
			{wait: 14 * time.Minute, op: "ok", account: a, addr: ip1, refused: true},
		}},
		{"a hold covers one account from one address only", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 10, held: true},
			{op: "ok", account: a, addr: ip2},
			{op: "ok", account: b, addr: ip1},
		}},
		{"a hold expires after 15 minutes", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 10, held: true},
			{wait: PairHoldFor, op: "ok", account: a, addr: ip1},
		}},
		{"the hold starts counting afresh", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 10, held: true},
			{wait: PairHoldFor, op: "fail", account: a, addr: ip1, times: 9},
			{op: "check", account: a, addr: ip1},
		}},
		{"failures outside the 15-minute window do not add up", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 9},
			{wait: PairWindow + time.Second, op: "fail", account: a, addr: ip1, times: 9},
			{op: "ok", account: a, addr: ip1},
		}},
		{"a success forgets the pair's failures", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 9},
			{op: "ok", account: a, addr: ip1},
			{op: "fail", account: a, addr: ip1, times: 9},
			{op: "check", account: a, addr: ip1},
		}},
		{"the operator clears a hold", []throttleStep{
			{op: "fail", account: a, addr: ip1, times: 10, held: true},
			{op: "clearhold", account: a, addr: ip1},
			{op: "ok", account: a, addr: ip1},
		}},
		{"the account slows down after 20 failures in an hour, across addresses", append(many(20, "203.0.113."), []throttleStep{
			{op: "ok", account: a, addr: ip3, refused: true},
			{wait: AccountInterval, op: "check", account: a, addr: ip3},
			{op: "check", account: a, addr: ip2, refused: true},
			{wait: AccountInterval, op: "fail", account: a, addr: ip2},
			{wait: AccountInterval - time.Second, op: "check", account: a, addr: ip2, refused: true},
			{wait: time.Second, op: "check", account: a, addr: ip2},
		}...)},
		{"a slowed account is not locked for its own certificate or known address", append([]throttleStep{
			{op: "ok", account: a, addr: ip1},
		}, append(many(20, "203.0.113."), []throttleStep{
			{op: "check", account: a, addr: ip3, refused: true},
			{op: "ok", account: a, addr: ip3, trusted: true},
			{op: "ok", account: a, addr: ip1},
			{op: "ok", account: b, addr: ip3},
		}...)...)},
		{"the slow-down ends an hour after the failures", append(many(20, "203.0.113."), []throttleStep{
			{op: "check", account: a, addr: ip3, refused: true},
			{wait: AccountWindow, op: "check", account: a, addr: ip3},
			{op: "check", account: a, addr: ip3},
		}...)},
		{"clearing the account ends its slow-down", append(many(20, "203.0.113."), []throttleStep{
			{op: "check", account: a, addr: ip3, refused: true},
			{op: "clear", account: a},
			{op: "check", account: a, addr: ip3},
		}...)},
		{"more than 100 failures from one address across accounts hold the address", func() []throttleStep {
			var out []throttleStep
			for i := 0; i < 100; i++ {
				out = append(out, throttleStep{op: "fail", account: fmt.Sprintf("H9%05d", i), addr: ip1})
			}
			return append(out,
				throttleStep{op: "check", account: "H800000", addr: ip1},
				throttleStep{op: "fail", account: "H800000", addr: ip1, held: true},
				throttleStep{op: "ok", account: b, addr: ip1, refused: true},
				throttleStep{op: "ok", account: b, addr: ip2},
				throttleStep{wait: AddressHoldFor, op: "ok", account: b, addr: ip1},
			)
		}()},
		{"IPv6 addresses count per /64", []throttleStep{
			{op: "fail", account: a, addr: "2001:db8:1:2::10", times: 5},
			{op: "fail", account: a, addr: "2001:db8:1:2:abcd::1", times: 5, held: true},
			{op: "ok", account: a, addr: "2001:db8:1:2::99", refused: true},
			{op: "ok", account: a, addr: "2001:db8:1:3::1"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db, now := mustOpen(t)
			for i, st := range tc.steps {
				*now = now.Add(st.wait)
				n := max(st.times, 1)
				for j := 0; j < n; j++ {
					last := j == n-1
					at := LoginAttempt{Account: st.account, Addr: st.addr, Trusted: st.trusted}
					switch st.op {
					case "clear":
						if err := db.ClearAccountLoginLimits(st.account, "admin", ""); err != nil {
							t.Fatalf("step %d: clear: %v", i, err)
						}
						continue
					case "clearhold":
						key := LoginHold{Kind: HoldAccount, Account: st.account, Addr: ThrottleAddr(st.addr)}.Key()
						if err := db.ClearLoginHold(key, "admin", ""); err != nil {
							t.Fatalf("step %d: clear hold: %v", i, err)
						}
						continue
					}
					_, err := db.CheckLogin(at)
					if last && st.refused != (err != nil) {
						t.Fatalf("step %d (%s %s from %s): refused=%v, want %v", i, st.op, st.account, st.addr, err, st.refused)
					}
					if err != nil {
						if ErrorCode(err) != ETHROTTLED {
							t.Fatalf("step %d: code %s", i, ErrorCode(err))
						}
						continue
					}
					switch st.op {
					case "fail":
						h, err := db.LoginFailed(at)
						if err != nil {
							t.Fatal(err)
						}
						if last && st.held != (h != nil) {
							t.Fatalf("step %d: hold %+v, want held=%v", i, h, st.held)
						}
					case "ok":
						db.LoginSucceeded(at)
					}
				}
			}
		})
	}
}

func TestLoginHoldSurvivesRestartAndIsAudited(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hotline.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db.SetClock(clock)
	at := LoginAttempt{Account: "H000001", Addr: "192.0.2.1"}
	for i := 0; i < PairFailureLimit; i++ {
		if _, err := db.LoginFailed(at); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.CheckLogin(at); ErrorCode(err) != ETHROTTLED || !strings.Contains(err.Error(), "12:15 以降") {
		t.Fatalf("held: %v", err)
	}
	db.Close()

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetClock(clock)
	retry, err := db.CheckLogin(at)
	if ErrorCode(err) != ETHROTTLED || !retry.Equal(now.Add(PairHoldFor)) {
		t.Fatalf("after restart: %v %v", retry, err)
	}
	holds, _ := db.LoginHolds("H000001")
	if len(holds) != 1 || holds[0].Failures != PairFailureLimit || holds[0].Addr != "192.0.2.1" {
		t.Fatalf("holds: %+v", holds)
	}
	page, _ := db.ListAudit(AuditFilter{Actor: "H000001", Action: "login.hold"})
	if len(page.Events) != 1 || page.Events[0].Result != ResultDenied {
		t.Fatalf("audit: %+v", page.Events)
	}
	if err := db.ClearLoginHold(holds[0].Key(), "admin", "192.0.2.9"); err != nil {
		t.Fatal(err)
	}
	if err := db.ClearLoginHold(holds[0].Key(), "admin", "192.0.2.9"); ErrorCode(err) != ENOTFOUND {
		t.Fatalf("second clear: %v", err)
	}
	page, _ = db.ListAudit(AuditFilter{Actor: "admin", Action: "login.hold_clear"})
	if len(page.Events) != 1 {
		t.Fatalf("clear audit: %+v", page.Events)
	}
	db.Close()

	// The cleared hold stays cleared after another restart, and an expired
	// one is gone from the file after the next sweep.
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetClock(clock)
	if _, err := db.CheckLogin(at); err != nil {
		t.Fatalf("after clear and restart: %v", err)
	}
	other := LoginAttempt{Account: "H000002", Addr: "192.0.2.1"}
	for i := 0; i < PairFailureLimit; i++ {
		db.LoginFailed(other)
	}
	now = now.Add(PairHoldFor + time.Minute)
	db.LoginFailed(LoginAttempt{Account: "H000003", Addr: "192.0.2.5"})
	stored := 0
	db.View(func(tx *Tx) error {
		stored = tx.bucket(bucketLoginFailures).Stats().KeyN
		return nil
	})
	if stored != 0 {
		t.Fatalf("expired holds left in the file: %d", stored)
	}
}

func TestThrottleAddr(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":              "192.0.2.1",
		"::ffff:192.0.2.1":       "192.0.2.1",
		"2001:db8:1:2:3:4:5:6":   "2001:db8:1:2::/64",
		"2001:db8:1:2::1":        "2001:db8:1:2::/64",
		"not an address":         "not an address",
		"fe80::1%eth0":           "fe80::/64",
		" 198.51.100.200 ":       "198.51.100.200",
		"2001:0db8:0001:0002::1": "2001:db8:1:2::/64",
	} {
		if got := ThrottleAddr(in); got != want {
			t.Errorf("ThrottleAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFailureCountersStayBounded(t *testing.T) {
	db, now := mustOpen(t)
	for i := 0; i < 300; i++ {
		db.LoginFailed(LoginAttempt{Account: fmt.Sprintf("x%d", i), Addr: fmt.Sprintf("10.0.%d.%d", i/250, i%250)})
	}
	*now = now.Add(2 * time.Hour)
	db.LoginFailed(LoginAttempt{Account: "y", Addr: "10.9.9.9"})
	th, _ := db.loginThrottle()
	th.mu.Lock()
	defer th.mu.Unlock()
	if len(th.pairs) != 1 || len(th.accounts) != 1 || len(th.addrs) != 1 {
		t.Fatalf("after the windows passed: %d pairs, %d accounts, %d addresses", len(th.pairs), len(th.accounts), len(th.addrs))
	}
}
