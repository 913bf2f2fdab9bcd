package query

import (
	"context"
	"testing"
	"time"
)

// TestThrottleBackoffWindows: u × 12 s after a call's first throttle, u ×
// 48 s after each later one: 200 one-call clients on a 20/20 bucket are
// then admitted at their second attempt, and 1,000 at their third.
func TestThrottleBackoffWindows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    int
		u    float64
		want time.Duration
	}{
		{0, 0.5, 6 * time.Second}, {1, 0.5, 6 * time.Second}, {1, 0.999, 11988 * time.Millisecond},
		{2, 0.5, 24 * time.Second}, {2, 1, 48 * time.Second}, {6, 1, 48 * time.Second},
		{1000, 0.25, 12 * time.Second}, {4, 0, 0},
	}
	for _, tc := range tests {
		if got := throttleBackoff(tc.k, tc.u); got != tc.want {
			t.Errorf("throttleBackoff(%d, %v) = %v, want %v", tc.k, tc.u, got, tc.want)
		}
	}
}

// TestThrottleBackoffEndsBeforeTheDeadline: a backoff's window ends 3 s
// before the call's deadline, so that its retry is not sent too late to
// matter, but keeps a quarter of itself, so that calls near their deadline
// do not retry in a flurry; Options.MaxBackoff caps it.
func TestThrottleBackoffEndsBeforeTheDeadline(t *testing.T) {
	t.Parallel()
	one := func() float64 { return 1 }
	tests := []struct {
		name       string
		left       time.Duration // 0: no deadline
		maxBackoff time.Duration
		k          int
		lo, hi     time.Duration
	}{
		{"no deadline", 0, 0, 2, 48 * time.Second, 48 * time.Second},
		{"deadline far", 10 * time.Minute, 0, 2, 48 * time.Second, 48 * time.Second},
		{"20 s left", 20 * time.Second, 0, 2, 16*time.Second - time.Second, 17 * time.Second},
		{"5 s left: a quarter of 48 s", 5 * time.Second, 0, 2, 12 * time.Second, 12 * time.Second},
		{"10 s left, first throttle", 10 * time.Second, 0, 1, 6*time.Second - time.Second, 7 * time.Second},
		{"MaxBackoff", 0, 5 * time.Second, 2, 5 * time.Second, 5 * time.Second},
	}
	for _, tc := range tests {
		ctx := context.Background()
		if tc.left > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.left)
			defer cancel()
		}
		p := &pacing{uniform: one, maxBackoff: tc.maxBackoff}
		if got := p.backoff(ctx, tc.k); got < tc.lo || got > tc.hi {
			t.Errorf("%s: backoff = %v, want within [%v, %v]", tc.name, got, tc.lo, tc.hi)
		}
	}
}
