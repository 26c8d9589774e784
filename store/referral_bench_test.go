package store

import (
	"os"
	"sync"
	"testing"
	"time"
)

// keepTB is b without its cleanups and with a temporary directory of its own.
type keepTB struct{ testing.TB }

func (keepTB) Cleanup(func()) {}
func (k keepTB) TempDir() string {
	dir, err := os.MkdirTemp("", "referral-bench")
	if err != nil {
		k.Fatal(err)
	}
	return dir
}

// The inbox of a facility with 50,000 letters: a page (newest first, the
// first and deep pages, by status and by patient) read by 20 concurrent
// readers, with the latency of each call; and the unread count.
//
//	go test ./store -run '^$' -bench 'ReferralInbox|UnreadReferrals' -benchtime 3s

var (
	referralBenchOnce sync.Once
	referralBenchDB   *DB
	referralBenchFx   *refFixture
)

func referralBench(b *testing.B) (*DB, *refFixture) {
	referralBenchOnce.Do(func() {
		// The data set outlives each run of the benchmark function (it is
		// built once): its file and handle are not tied to this b.
		fx := newRefFixture(keepTB{b})
		if err := fx.db.SeedReferrals(fx.a, fx.fb.OID, fx.p.ID, 50000); err != nil {
			b.Fatal(err)
		}
		referralBenchDB, referralBenchFx = fx.db, fx
	})
	if referralBenchDB == nil {
		b.Skip("no data set")
	}
	return referralBenchDB, referralBenchFx
}

func BenchmarkReferralInbox(b *testing.B) {
	db, fx := referralBench(b)
	for _, tc := range []struct {
		name string
		q    ReferralQuery
	}{
		{"first page", ReferralQuery{Box: BoxInbox}},
		{"page 1000", ReferralQuery{Box: BoxInbox, Before: 30000}},
		{"unread", ReferralQuery{Box: BoxInbox, Status: ReferralUnread}},
		{"patient", ReferralQuery{Box: BoxInbox, PatientID: fx.p.ID, Before: 25000}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var mu sync.Mutex
			var times []time.Duration
			b.SetParallelism(10) // 20 goroutines on 2 cores
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					start := time.Now()
					page, err := db.Referrals(fx.b, tc.q)
					mine = append(mine, time.Since(start))
					if err != nil || len(page.Rows) != DefaultReferralPage {
						b.Errorf("page: %d rows, %v", len(page.Rows), err)
						return
					}
				}
				mu.Lock()
				times = append(times, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			reportPercentiles(b, times)
		})
	}
}

func BenchmarkUnreadReferrals(b *testing.B) {
	db, fx := referralBench(b)
	n, _ := db.UnreadReferrals(fx.fb.OID)
	if n != 10000 {
		b.Fatalf("unread %d, want 10000", n)
	}
	times := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := db.UnreadReferrals(fx.fb.OID); err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, times)
}
