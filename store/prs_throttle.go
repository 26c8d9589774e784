package store

import (
	"sync"
	"time"
)

// The PRS unlock (facility OID + facility password inside a member's
// session) is a second password prompt, so it is throttled like login:
// PRSUnlockLimit failures per member and client address within
// PRSUnlockWindow hold further attempts until the oldest failure ages out.
// The counts live in memory: a restart forgets them, which only gives an
// attacker who can restart the server another ten guesses.
const (
	PRSUnlockLimit  = 10
	PRSUnlockWindow = 15 * time.Minute
	// prsThrottleMaxKeys bounds the memory a flood of addresses can take.
	prsThrottleMaxKeys = 50_000
)

// failureThrottle counts recent failures per key in a sliding window.
type failureThrottle struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
	calls  int
}

func newFailureThrottle(limit int, window time.Duration) *failureThrottle {
	return &failureThrottle{limit: limit, window: window, fails: map[string][]time.Time{}}
}

// recent drops failures older than the window; the caller holds mu.
func (t *failureThrottle) recent(key string, now time.Time) []time.Time {
	list := t.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.window {
		i++
	}
	if i == len(list) {
		delete(t.fails, key)
		return nil
	}
	if i > 0 {
		list = append(list[:0], list[i:]...)
		t.fails[key] = list
	}
	return list
}

// Blocked reports whether key has used up its failures, and until when.
func (t *failureThrottle) Blocked(key string, now time.Time) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	list := t.recent(key, now)
	if len(list) < t.limit {
		return false, time.Time{}
	}
	return true, list[len(list)-t.limit].Add(t.window)
}

// Fail records a failure for key.
func (t *failureThrottle) Fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls++
	if t.calls%1000 == 0 {
		t.prune(now) // amortised: expired keys go without a scan per call
	}
	if _, known := t.fails[key]; !known && len(t.fails) >= prsThrottleMaxKeys {
		// Full of live entries: forget an arbitrary one rather than grow
		// without bound (map order is random).
		for k := range t.fails {
			delete(t.fails, k)
			break
		}
	}
	list := t.recent(key, now)
	if len(list) >= t.limit {
		list = list[1:]
	}
	t.fails[key] = append(list, now)
}

// Reset forgets key's failures (after a success).
func (t *failureThrottle) Reset(key string) {
	t.mu.Lock()
	delete(t.fails, key)
	t.mu.Unlock()
}

func (t *failureThrottle) prune(now time.Time) {
	for k := range t.fails {
		t.recent(k, now)
	}
}

// prsThrottles holds one throttle per open database (tests open many).
var prsThrottles sync.Map // *DB → *failureThrottle

func (db *DB) prsThrottle() *failureThrottle {
	if t, ok := prsThrottles.Load(db); ok {
		return t.(*failureThrottle)
	}
	t, _ := prsThrottles.LoadOrStore(db, newFailureThrottle(PRSUnlockLimit, PRSUnlockWindow))
	return t.(*failureThrottle)
}
