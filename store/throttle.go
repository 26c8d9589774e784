package store

// Login throttling (ログイン試行の制限).
//
// Three limits, checked before any password is verified:
//
//  1. Account + address: PairFailureLimit failures for one account from one
//     address within PairWindow hold that address for that account for
//     PairHoldFor, even for the right password. Other addresses are not
//     affected, so nobody can lock a doctor out from afar.
//  2. Account, across addresses: after AccountSlowAfter failures within
//     AccountWindow the account slows down instead of locking: one attempt
//     per AccountInterval. Attempts that show they come from the member
//     (a valid client certificate of the account, or an address that logged
//     in to it successfully within trustedAddressFor) are exempt.
//  3. Address, across accounts: more than AddressFailureLimit failures
//     within AddressWindow hold the address for AddressHoldFor.
//
// Persistence: failure counters live in memory only (a page of timestamps
// per key; a restart starts them afresh, which an attacker cannot cause).
// Holds are written to the login_failures bucket in the same transaction
// as their audit line (login.hold) and read back at the first use after a
// restart, so a restart never lifts a hold. Expired holds are deleted from
// the file lazily. The same ID string is throttled whether or not such an
// account exists, so throttling reveals nothing about which IDs exist.
// IPv6 addresses are counted per /64, the block one subscriber gets.
//
// The PRS facility unlock is throttled by the same rules under its own
// account key (prs_throttle.go), so its holds are stored, counted per /64
// and listed and cleared by the operator like login holds. So is a
// pharmacy's 照会番号 lookup of a prescription (rx_lookup_throttle.go).

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Login throttling policy.
const (
	PairFailureLimit    = 10
	PairWindow          = 15 * time.Minute
	PairHoldFor         = 15 * time.Minute
	AccountSlowAfter    = 20
	AccountWindow       = time.Hour
	AccountInterval     = 10 * time.Second
	AddressFailureLimit = 100
	AddressWindow       = time.Hour
	AddressHoldFor      = time.Hour

	// trustedAddressFor: an address that logged in successfully to an
	// account is exempt from the account's slow-down this long.
	trustedAddressFor = 30 * 24 * time.Hour
	// throttleMaxKeys bounds each in-memory map; past it new keys are not
	// counted until a sweep frees room (the other limits still apply).
	throttleMaxKeys    = 100_000
	throttleSweepEvery = time.Minute
)

var bucketLoginFailures = []byte("login_failures")

// HoldKind says what a login hold covers.
type HoldKind string

const (
	// HoldAccount: one account from one address.
	HoldAccount HoldKind = "account"
	// HoldAddress: every account from one address.
	HoldAddress HoldKind = "address"
)

// Label is the kind in Japanese.
func (k HoldKind) Label() string {
	if k == HoldAddress {
		return "アドレス（全ID）"
	}
	return "ID＋アドレス"
}

// LoginHold is an address held from logging in (ログイン一時停止).
type LoginHold struct {
	Kind     HoldKind  `json:"kind"`
	Account  string    `json:"account,omitempty"` // empty for HoldAddress
	Addr     string    `json:"addr"`
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Failures int       `json:"failures"`
}

// Key identifies the hold (the operator's clear button posts it).
func (h LoginHold) Key() string {
	return string(h.Kind) + "|" + h.Account + "|" + h.Addr
}

// Active reports whether the hold is still in force at now.
func (h LoginHold) Active(now time.Time) bool { return now.Before(h.Until) }

// PRS reports whether the hold is of the PRS facility unlock (施設認証),
// not of the login.
func (h LoginHold) PRS() bool { return isPRSAccount(h.Account) }

// RxLookup reports whether the hold is of the pharmacy's prescription
// lookup (処方箋の照会).
func (h LoginHold) RxLookup() bool { return isRxLookupAccount(h.Account) }

// Patient reports whether the hold is of the patient page's login
// (patient_login.go).
func (h LoginHold) Patient() bool { return isPatientAccount(h.Account) }

// MemberID is the ID the hold is about (empty for HoldAddress; for a
// patient login hold, the patient ID as typed).
func (h LoginHold) MemberID() string {
	if h.Patient() {
		return strings.TrimPrefix(h.Account, patientAccountPrefix)
	}
	return strings.TrimPrefix(strings.TrimPrefix(h.Account, prsAccountPrefix), rxLookupAccountPrefix)
}

// Label says what the hold stops, for the operator.
func (h LoginHold) Label() string {
	if h.Patient() {
		return "患者様ページ：患者ID＋アドレス"
	}
	if h.PRS() {
		return "施設認証（患者様登録ソフト）：ID＋アドレス"
	}
	if h.RxLookup() {
		return "処方箋の照会（薬局）：ID＋アドレス"
	}
	return h.Kind.Label()
}

// LoginAttempt is one try to log in (or to prove the current password).
type LoginAttempt struct {
	Account string // normalised ID as typed (whether or not it exists)
	Addr    string // client address
	// Trusted: the attempt presents a valid client certificate of the
	// account; it is exempt from the account-wide slow-down.
	Trusted bool
	// Group, when set, is a second key slowed down like an account by its
	// failures across accounts and addresses: the facility of a PRS
	// unlock, whose password all its members type.
	Group string
}

// prs reports whether the attempt is a PRS facility unlock.
func (a LoginAttempt) prs() bool { return isPRSAccount(a.Account) }

// ThrottleAddr is the key an address is counted under: IPv4 as is, IPv6 by
// its /64 network.
func ThrottleAddr(addr string) string {
	a, err := netip.ParseAddr(strings.TrimSpace(addr))
	if err != nil {
		return clip(addr, 64)
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}

// failureLog keeps the most recent failure times, oldest first, at most
// max of them.
type failureLog struct {
	times []time.Time
}

func (l *failureLog) add(t time.Time, max int) {
	if len(l.times) >= max {
		copy(l.times, l.times[1:])
		l.times = l.times[:max-1]
	}
	l.times = append(l.times, t)
}

// count is the number of failures after since.
func (l *failureLog) count(since time.Time) int {
	n := 0
	for i := len(l.times) - 1; i >= 0 && l.times[i].After(since); i-- {
		n++
	}
	return n
}

func (l *failureLog) last() time.Time {
	if len(l.times) == 0 {
		return time.Time{}
	}
	return l.times[len(l.times)-1]
}

type accountLog struct {
	failureLog
	// lastSlot is when the last attempt was let through while slowed.
	lastSlot time.Time
}

// loginThrottle is the in-memory state; holds mirror the bucket.
type loginThrottle struct {
	mu        sync.Mutex
	loaded    bool
	pairs     map[string]*failureLog
	accounts  map[string]*accountLog
	addrs     map[string]*failureLog
	trusted   map[string]time.Time // account|addr → last success
	holds     map[string]LoginHold
	lastSweep time.Time
}

func newLoginThrottle() *loginThrottle {
	return &loginThrottle{
		pairs:    map[string]*failureLog{},
		accounts: map[string]*accountLog{},
		addrs:    map[string]*failureLog{},
		trusted:  map[string]time.Time{},
		holds:    map[string]LoginHold{},
	}
}

func pairKey(account, addr string) string { return account + "|" + addr }

func holdKey(kind HoldKind, account, addr string) string {
	return LoginHold{Kind: kind, Account: account, Addr: addr}.Key()
}

// throttle returns the DB's throttle, loading persisted holds on first use.
func (db *DB) loginThrottle() (*loginThrottle, error) {
	db.throttleOnce.Do(func() { db.throttle = newLoginThrottle() })
	t := db.throttle
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.loaded {
		return t, nil
	}
	err := db.View(func(tx *Tx) error {
		return tx.bucket(bucketLoginFailures).ForEach(func(k, v []byte) error {
			if !strings.HasPrefix(string(k), "hold/") {
				return nil
			}
			var h LoginHold
			if err := json.Unmarshal(v, &h); err != nil {
				return Errorf(EINTERNAL, "login hold %s: %v", k, err)
			}
			t.holds[h.Key()] = h
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	t.loaded = true
	return t, nil
}

func holdDBKey(key string) []byte { return []byte("hold/" + key) }

// CheckLogin tells whether an attempt may be verified now. It answers an
// ETHROTTLED error with a Japanese message, and when to try again, while a
// hold or the slow-down applies. It costs no disk access.
func (db *DB) CheckLogin(a LoginAttempt) (retryAt time.Time, err error) {
	t, err := db.loginThrottle()
	if err != nil {
		return time.Time{}, err
	}
	now := db.Now()
	addr := ThrottleAddr(a.Addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	if h, ok := t.holds[holdKey(HoldAddress, "", addr)]; ok && h.Active(now) {
		if isRxLookupAccount(a.Account) {
			return h.Until, Errorf(ETHROTTLED, "このアドレスからの失敗が多すぎるため、処方箋の照会を一時的に停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
		}
		if a.prs() {
			return h.Until, Errorf(ETHROTTLED, "このアドレスからのログイン・施設認証の失敗が多すぎるため、施設認証を一時的に停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
		}
		return h.Until, Errorf(ETHROTTLED, "このアドレスからのログインの失敗が多すぎるため、ログインを一時停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
	}
	if h, ok := t.holds[holdKey(HoldAccount, a.Account, addr)]; ok && h.Active(now) {
		if isRxLookupAccount(a.Account) {
			return h.Until, Errorf(ETHROTTLED, "処方箋の照会に続けて失敗したため、照会を一時的に停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
		}
		if isPatientAccount(a.Account) {
			return h.Until, Errorf(ETHROTTLED, "ログインに続けて失敗したため、この患者IDでのログインを一時停止しています。%s 以降にもう一度お試しください。お急ぎの場合はアクセスカードを発行した医療機関にお問い合わせください。", clock(h.Until))
		}
		if a.prs() {
			return h.Until, Errorf(ETHROTTLED, "施設パスワードの入力に続けて失敗したため、施設認証を一時的に停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
		}
		return h.Until, Errorf(ETHROTTLED, "ログインに続けて失敗したため、このIDでのログインを一時停止しています。%s 以降にもう一度お試しください。お急ぎの場合は運営者にお問い合わせください。", clock(h.Until))
	}
	if a.Trusted || t.isTrusted(a.Account, addr, now) {
		return time.Time{}, nil
	}
	// The account and the group each let one attempt through per
	// AccountInterval while slowed down; a slot is used only when both
	// let the attempt through.
	var slowed []*accountLog
	for _, k := range []string{a.Account, a.Group} {
		l, ok := t.accounts[k]
		if k == "" || !ok {
			continue
		}
		next, slow := l.nextSlot(now)
		if !slow {
			continue
		}
		if now.Before(next) {
			secs := int(AccountInterval / time.Second)
			switch {
			case k == a.Group:
				return next, Errorf(ETHROTTLED, "この施設の施設認証の失敗が続いているため、施設認証の間隔を制限しています。しばらく待ってから（%d秒ほど）もう一度お試しください。", secs)
			case isRxLookupAccount(a.Account):
				return next, Errorf(ETHROTTLED, "処方箋の照会の失敗が続いているため、照会の間隔を制限しています。しばらく待ってから（%d秒ほど）もう一度お試しください。", secs)
			case a.prs():
				return next, Errorf(ETHROTTLED, "施設認証の失敗が続いているため、施設認証の間隔を制限しています。しばらく待ってから（%d秒ほど）もう一度お試しください。", secs)
			}
			return next, Errorf(ETHROTTLED, "このIDへのログインの失敗が続いているため、ログインの間隔を制限しています。しばらく待ってから（%d秒ほど）もう一度お試しください。", secs)
		}
		slowed = append(slowed, l)
	}
	for _, l := range slowed {
		l.lastSlot = now
	}
	return time.Time{}, nil
}

// nextSlot tells whether the key is slowed down (AccountSlowAfter failures
// within AccountWindow) and when it lets the next attempt through.
func (l *accountLog) nextSlot(now time.Time) (time.Time, bool) {
	if l.count(now.Add(-AccountWindow)) < AccountSlowAfter {
		return time.Time{}, false
	}
	next := l.lastSlot.Add(AccountInterval)
	if last := l.last().Add(AccountInterval); last.After(next) {
		next = last
	}
	return next, true
}

func (t *loginThrottle) isTrusted(account, addr string, now time.Time) bool {
	at, ok := t.trusted[pairKey(account, addr)]
	return ok && now.Sub(at) < trustedAddressFor
}

// clock formats a time as Japan time for messages.
func clock(t time.Time) string { return t.In(Tokyo).Format("15:04") }

// LoginFailed records a failed attempt. When it starts a hold, the hold is
// stored and audited (login.hold) and returned.
func (db *DB) LoginFailed(a LoginAttempt) (*LoginHold, error) {
	t, err := db.loginThrottle()
	if err != nil {
		return nil, err
	}
	now := db.Now()
	addr := ThrottleAddr(a.Addr)
	expired := t.sweepIfDue(now, false)
	var started []LoginHold
	t.mu.Lock()
	pk := pairKey(a.Account, addr)
	if p := t.pairLog(pk); p != nil {
		p.add(now, PairFailureLimit)
		if n := p.count(now.Add(-PairWindow)); n >= PairFailureLimit {
			if h, held := t.holds[holdKey(HoldAccount, a.Account, addr)]; !held || !h.Active(now) {
				h := LoginHold{Kind: HoldAccount, Account: a.Account, Addr: addr, Since: now, Until: now.Add(PairHoldFor), Failures: n}
				t.holds[h.Key()] = h
				delete(t.pairs, pk)
				started = append(started, h)
			}
		}
	}
	for _, k := range []string{a.Account, a.Group} {
		if k == "" {
			continue
		}
		if l := t.accountLog(k); l != nil {
			l.add(now, AccountSlowAfter)
		}
	}
	if l := t.addrLog(addr); l != nil {
		l.add(now, AddressFailureLimit+1)
		if n := l.count(now.Add(-AddressWindow)); n > AddressFailureLimit {
			if h, held := t.holds[holdKey(HoldAddress, "", addr)]; !held || !h.Active(now) {
				h := LoginHold{Kind: HoldAddress, Addr: addr, Since: now, Until: now.Add(AddressHoldFor), Failures: n}
				t.holds[h.Key()] = h
				delete(t.addrs, addr)
				started = append(started, h)
			}
		}
	}
	t.mu.Unlock()
	if len(started) == 0 && len(expired) == 0 {
		return nil, nil
	}
	err = db.Update(func(tx *Tx) error {
		b := tx.bucket(bucketLoginFailures)
		for _, k := range expired {
			if err := b.Delete(holdDBKey(k)); err != nil {
				return err
			}
		}
		for _, h := range started {
			if err := putJSON(b, holdDBKey(h.Key()), h); err != nil {
				return err
			}
			actor, detail := h.Account, "ID+アドレスの一時停止"
			switch {
			case h.Kind == HoldAddress:
				actor, detail = "anonymous", "アドレスの一時停止"
			case h.PRS():
				actor, detail = h.MemberID(), "施設認証（患者様登録ソフト）のID+アドレスの一時停止"
			case h.RxLookup():
				actor, detail = h.MemberID(), "処方箋の照会（薬局）のID+アドレスの一時停止"
			case h.Patient():
				actor, detail = "anonymous", "患者様ページの患者ID+アドレスの一時停止（患者ID "+h.MemberID()+"）"
			}
			if err := AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditLoginHold, Object: "login-hold:" + h.Key(),
				Remote: a.Addr, Result: ResultDenied,
				Detail: detail + "（失敗" + strconv.Itoa(h.Failures) + "回、" + clock(h.Until) + "まで）"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(started) == 0 {
		return nil, nil
	}
	return &started[len(started)-1], nil
}

// pairLog, accountLog and addrLog find or make a counter; nil when the map
// is full (see throttleMaxKeys).
func (t *loginThrottle) pairLog(k string) *failureLog {
	if l, ok := t.pairs[k]; ok {
		return l
	}
	if len(t.pairs) >= throttleMaxKeys {
		return nil
	}
	l := &failureLog{}
	t.pairs[k] = l
	return l
}

func (t *loginThrottle) accountLog(k string) *accountLog {
	if l, ok := t.accounts[k]; ok {
		return l
	}
	if len(t.accounts) >= throttleMaxKeys {
		return nil
	}
	l := &accountLog{}
	t.accounts[k] = l
	return l
}

func (t *loginThrottle) addrLog(k string) *failureLog {
	if l, ok := t.addrs[k]; ok {
		return l
	}
	if len(t.addrs) >= throttleMaxKeys {
		return nil
	}
	l := &failureLog{}
	t.addrs[k] = l
	return l
}

// sweepIfDue drops counters that fell out of their windows and expired
// holds (returning the keys of the latter, to delete from the file). It
// runs at most once a minute, or at once when a map is full.
func (t *loginThrottle) sweepIfDue(now time.Time, force bool) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	full := len(t.pairs) >= throttleMaxKeys || len(t.accounts) >= throttleMaxKeys || len(t.addrs) >= throttleMaxKeys
	if !force && !full && now.Sub(t.lastSweep) < throttleSweepEvery {
		return nil
	}
	t.lastSweep = now
	for k, l := range t.pairs {
		if !l.last().After(now.Add(-PairWindow)) {
			delete(t.pairs, k)
		}
	}
	for k, l := range t.accounts {
		if !l.last().After(now.Add(-AccountWindow)) {
			delete(t.accounts, k)
		}
	}
	for k, l := range t.addrs {
		if !l.last().After(now.Add(-AddressWindow)) {
			delete(t.addrs, k)
		}
	}
	for k, at := range t.trusted {
		if now.Sub(at) >= trustedAddressFor {
			delete(t.trusted, k)
		}
	}
	var expired []string
	for k, h := range t.holds {
		if !h.Active(now) {
			delete(t.holds, k)
			expired = append(expired, k)
		}
	}
	return expired
}

// LoginSucceeded forgets the failures of this account from this address
// and remembers the address as the member's own (exempt from the account's
// slow-down).
func (db *DB) LoginSucceeded(a LoginAttempt) {
	t, err := db.loginThrottle()
	if err != nil {
		return
	}
	now := db.Now()
	addr := ThrottleAddr(a.Addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.pairs, pairKey(a.Account, addr))
	if len(t.trusted) < throttleMaxKeys {
		t.trusted[pairKey(a.Account, addr)] = now
	}
}

// LoginHolds lists the holds in force, newest first; account filters to one
// account's, its PRS facility unlock's included (empty: all).
func (db *DB) LoginHolds(account string) ([]LoginHold, error) {
	t, err := db.loginThrottle()
	if err != nil {
		return nil, err
	}
	now := db.Now()
	t.mu.Lock()
	var out []LoginHold
	for _, h := range t.holds {
		if h.Active(now) && (account == "" || h.Account == account || h.Account == PRSAccount(account) || h.Account == RxLookupAccount(account)) {
			out = append(out, h)
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.After(out[j].Since)
		}
		return out[i].Key() < out[j].Key()
	})
	return out, nil
}

// LoginFailureState is what the operator sees of an account's failures.
type LoginFailureState struct {
	LastHour int  // failures within AccountWindow (capped at AccountSlowAfter)
	Slowed   bool // the account-wide slow-down applies
}

// LoginFailures reports an account's recent failures across addresses.
func (db *DB) LoginFailures(account string) (LoginFailureState, error) {
	t, err := db.loginThrottle()
	if err != nil {
		return LoginFailureState{}, err
	}
	now := db.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var st LoginFailureState
	if l, ok := t.accounts[account]; ok {
		st.LastHour = l.count(now.Add(-AccountWindow))
		st.Slowed = st.LastHour >= AccountSlowAfter
	}
	return st, nil
}

// ClearLoginHold lifts one hold by its key (the operator's action),
// together with the counters behind it; audited as actor.
func (db *DB) ClearLoginHold(key, actor, remote string) error {
	t, err := db.loginThrottle()
	if err != nil {
		return err
	}
	now := db.Now()
	t.mu.Lock()
	h, ok := t.holds[key]
	t.mu.Unlock()
	if !ok || !h.Active(now) {
		return Errorf(ENOTFOUND, "この一時停止はすでに解除されているか、期限が切れています")
	}
	err = db.Update(func(tx *Tx) error {
		if err := tx.bucket(bucketLoginFailures).Delete(holdDBKey(key)); err != nil {
			return err
		}
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditLoginHoldClear, Object: "login-hold:" + key, Remote: remote, Detail: h.Account})
	})
	if err != nil {
		return err
	}
	t.mu.Lock()
	delete(t.holds, key)
	if h.Kind == HoldAddress {
		delete(t.addrs, h.Addr)
	} else {
		delete(t.pairs, pairKey(h.Account, h.Addr))
	}
	t.mu.Unlock()
	return nil
}

// ClearAccountLoginLimits lifts every hold of an account, those of its PRS
// facility unlock included, and forgets its failures (so the slow-down
// ends too); audited as actor.
func (db *DB) ClearAccountLoginLimits(account, actor, remote string) error {
	t, err := db.loginThrottle()
	if err != nil {
		return err
	}
	err = db.Update(func(tx *Tx) error {
		n, err := deleteAccountHoldsTx(tx, account)
		if err != nil {
			return err
		}
		p, err := deleteAccountHoldsTx(tx, PRSAccount(account))
		if err != nil {
			return err
		}
		q, err := deleteAccountHoldsTx(tx, RxLookupAccount(account))
		if err != nil {
			return err
		}
		p += q
		return AppendAudit(tx, AuditEvent{Actor: actor, Action: AuditLoginHoldClear, Object: "member:" + account, Remote: remote,
			Detail: "ログイン制限をすべて解除（一時停止" + strconv.Itoa(n+p) + "件、うち施設認証・処方箋の照会" + strconv.Itoa(p) + "件）"})
	})
	if err != nil {
		return err
	}
	t.forgetAccount(account)
	t.forgetAccount(PRSAccount(account))
	t.forgetAccount(RxLookupAccount(account))
	return nil
}

// deleteAccountHoldsTx deletes the stored holds of one account (every
// address).
func deleteAccountHoldsTx(tx *Tx, account string) (int, error) {
	b := tx.bucket(bucketLoginFailures)
	prefix := holdDBKey(string(HoldAccount) + "|" + account + "|")
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, append([]byte(nil), k...))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}

// forgetAccount drops an account's holds and counters from memory.
func (t *loginThrottle) forgetAccount(account string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, h := range t.holds {
		if h.Kind == HoldAccount && h.Account == account {
			delete(t.holds, k)
		}
	}
	prefix := account + "|"
	for k := range t.pairs {
		if strings.HasPrefix(k, prefix) {
			delete(t.pairs, k)
		}
	}
	delete(t.accounts, account)
}
