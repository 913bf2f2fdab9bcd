package query

import (
	"context"
	"math/rand/v2"
	"time"
)

// The backoff of a throttled call without evidence of the rate (pacer.go).
//
// A client with one call (each agent's, when a zone fails) knows nothing
// of the crowd but how often its own call was throttled. Every call's
// first attempt goes at once, so a crowd of N meets an empty bucket of B
// tokens and N-B calls are throttled once whatever they do next; what the
// schedule decides is how many are throttled again. A first window of W
// spreads the N-B retries at (N-B)/W a second over a bucket that refills
// at r: they are throttled again only where that exceeds r. Measured on
// 20/20 buckets (BENCHMARKS.md, "Fleets"; internal/sdkcompare's fleet
// benchmark), 200 one-call clients need W of about 10 s to be admitted at
// the second attempt (180 retries at 20 a second), and 1,000 need the
// survivors of that window spread over about 50 s more. So the first
// window is throttleBackoffBase (12 s: a lone throttle on a quiet account
// waits 6 s on average), and a call throttled again has evidence of a
// crowd that W did not spread: its windows are throttleBackoffCap (48 s).
// The doubling of earlier schedules (4 s, 8 s, 16 s, 32 s) cost 4.5
// detach attempts a job for 1,000 clients and 2.5 for 200; this one 2.8
// and 1.9, where 1.98 and 1.9 are the floor (every call but the bucket's
// B is throttled once), with the p95 of 1,000 jobs about 5 s later.
//
// A backoff ends throttleBackoffMargin before the call's deadline where it
// can, but waits at least a quarter of its window: a call that would
// otherwise retry after its deadline retries before it, and calls near
// their deadline do not retry in a flurry.
const (
	throttleBackoffBase   = 12 * time.Second
	throttleBackoffCap    = 48 * time.Second
	throttleBackoffMargin = 3 * time.Second
)

// throttleWindow returns the ceiling of the backoff after the k-th
// throttle in a row of one call or one wait's polls: 12 s after the first,
// 48 s after later ones.
func throttleWindow(k int) time.Duration {
	if k <= 1 {
		return throttleBackoffBase
	}
	return throttleBackoffCap
}

// throttleBackoff returns the full-jitter delay u × throttleWindow(k), for
// u drawn uniformly in [0, 1).
func throttleBackoff(k int, u float64) time.Duration {
	return time.Duration(u * float64(throttleWindow(k)))
}

// backoff returns the delay after the k-th throttle of a call whose
// context is ctx: u × its window, the window capped by Options.MaxBackoff
// and ending throttleBackoffMargin before ctx's deadline where at least a
// quarter of it is left.
func (p *pacing) backoff(ctx context.Context, k int) time.Duration {
	u := rand.Float64
	if p != nil && p.uniform != nil {
		u = p.uniform
	}
	ceiling := throttleWindow(k)
	if p != nil && p.maxBackoff > 0 {
		ceiling = min(ceiling, p.maxBackoff)
	}
	if dl, ok := ctx.Deadline(); ok {
		ceiling = min(ceiling, max(time.Until(dl)-throttleBackoffMargin, ceiling/4))
	}
	return time.Duration(u() * float64(ceiling))
}

// ThrottleBackoff returns the full-jitter delay of a call throttled k times
// in a row whose context is ctx (see pacing.backoff): a wait whose polls
// EC2 throttled polls again no sooner.
func (e *Engine) ThrottleBackoff(ctx context.Context, k int) time.Duration {
	return e.pacing.backoff(ctx, k)
}

// SetUniform replaces the draw of u in ThrottleBackoff (tests).
func (e *Engine) SetUniform(fn func() float64) {
	if e.pacing != nil {
		e.pacing.uniform = fn
	}
}
