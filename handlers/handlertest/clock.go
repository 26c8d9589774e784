package handlertest

import (
	"sync"
	"time"
)

// Clock is a store clock the test moves by hand.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// FakeClock sets the store's clock to 2026-04-01 12:00 Japan time; the test
// moves it with Add.
func (e *Env) FakeClock() *Clock {
	fc := &Clock{now: time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)}
	e.DB.SetClock(fc.Now)
	return fc
}

// Now is the clock's time.
func (f *Clock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Add moves the clock on by d.
func (f *Clock) Add(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}
