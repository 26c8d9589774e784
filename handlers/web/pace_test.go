package web

import (
	"testing"
	"time"
)

func TestDownloadPaceDeadline(t *testing.T) {
	p := Pace{Stall: 2 * time.Minute, MinRate: 64 << 10}
	start := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Duration // since start
		sent int64
		want time.Duration // deadline, since start
	}{
		{"before the first byte", 0, 0, 2 * time.Minute},
		{"a fast client: a stall from now", 10 * time.Second, 100 << 20, 10*time.Second + 2*time.Minute},
		{"1 GB at 1 MB/s, far past the WriteTimeout", 1000 * time.Second, 1 << 30, 1000*time.Second + 2*time.Minute},
		{"just at the minimum rate", 10 * time.Minute, 64 << 10 * 600, 12 * time.Minute},
		{"a trickle: the rate's deadline, already past", 10 * time.Minute, 1 << 20, 2*time.Minute + 16*time.Second},
	} {
		if got := p.deadline(start, start.Add(tc.at), tc.sent).Sub(start); got != tc.want {
			t.Errorf("%s: deadline %v after the start, want %v", tc.name, got, tc.want)
		}
	}
}
