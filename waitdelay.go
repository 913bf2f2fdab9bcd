package enidetach

import (
	"math/rand/v2"
	"time"
)

// The wait's schedule, chosen by the simulation in waitsim_test.go (see
// BENCHMARKS.md). A base delay is the time waited so far divided by
// waitDelayDivisor, at least MinDelay/85 % (so that the shortest delay is
// MinDelay), at most MaxDelay; each delay is drawn at random between 85 %
// and 105 % of it, within MinDelay and MaxDelay. With the default MinDelay
// the base starts at 2 s. With MinDelay = MaxDelay the delay is exactly
// that.
const (
	defaultWaitMinDelay = 1700 * time.Millisecond
	defaultWaitMaxDelay = 15 * time.Second
	waitDelayDivisor    = 12
	// jitterLowPct and jitterHighPct bound a delay around the base: a
	// window narrow enough to keep the lateness targets (p95 <= 2 s for
	// detaches up to 30 s) and the first minute's calls, wide enough that
	// waits started together drift apart within a few polls.
	jitterLowPct, jitterHighPct = 85, 105
	// maxPollBackoffShift bounds the doubling of the base after failed
	// polls (MaxDelay bounds it first with any sane setting).
	maxPollBackoffShift = 16
)

// pollBase returns the base of the delay before the next poll, when
// waited has passed since the wait began and the last failures polls
// failed: each failure in a row doubles it, up to MaxDelay.
func pollBase(waited, minDelay, maxDelay time.Duration, failures int) time.Duration {
	base := min(max(waited/waitDelayDivisor, minDelay*100/jitterLowPct), maxDelay)
	if shift := min(failures, maxPollBackoffShift); shift > 0 {
		if base > maxDelay>>shift {
			return maxDelay // doubled past it (and, with a MaxDelay of days, past what a Duration holds)
		}
		base = min(base<<shift, maxDelay)
	}
	return base
}

// jitteredDelay returns the delay for a base and a factor f drawn in
// [0.85, 1.05], within MinDelay and MaxDelay.
func jitteredDelay(base time.Duration, f float64, minDelay, maxDelay time.Duration) time.Duration {
	d := float64(base) * f
	switch {
	case d >= float64(maxDelay): // also where d no longer fits in a Duration
		return maxDelay
	case d <= float64(minDelay):
		return minDelay
	}
	return min(max(time.Duration(d), minDelay), maxDelay)
}

// pollWindow returns the bounds of the delay before the next poll (see
// pollBase).
func pollWindow(waited, minDelay, maxDelay time.Duration, failures int) (lo, hi time.Duration) {
	base := pollBase(waited, minDelay, maxDelay, failures)
	return jitteredDelay(base, jitterLowPct/100.0, minDelay, maxDelay), jitteredDelay(base, jitterHighPct/100.0, minDelay, maxDelay)
}

// jitterFactor maps u, drawn uniformly in [0, 1), to a delay's factor of
// its base, in [0.85, 1.05).
func jitterFactor(u float64) float64 {
	return (jitterLowPct + (jitterHighPct-jitterLowPct)*u) / 100
}

// nextDelay draws the delay before the next poll.
func (c *Client) nextDelay(waited time.Duration, o WaitOptions, failures int) time.Duration {
	f := jitterFactor(rand.Float64())
	if c.jitter != nil {
		f = c.jitter()
	}
	return jitteredDelay(pollBase(waited, o.MinDelay, o.MaxDelay, failures), f, o.MinDelay, o.MaxDelay)
}
