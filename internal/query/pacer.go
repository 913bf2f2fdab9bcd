package query

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Pacing of throttled mutating calls (issues 19 and 23).
//
// EC2 throttles each API action with a token bucket per account and Region
// ("Request throttling for the Amazon EC2 API", EC2 developer guide): the
// mutating actions, DetachNetworkInterface and AttachNetworkInterface among
// them, share a category whose default bucket holds 50 tokens refilled at 5
// a second; the non-mutating ones (Describe*, Get*, List*, Search*) hold
// 100 refilled at 20. A failover that detaches hundreds of interfaces at
// once empties the bucket in its first burst, and every later request is
// answered RequestLimitExceeded until tokens come back.
//
// Two crowds meet there. Many jobs on one shared client can learn the
// account's rate from the answers and space their calls by it. But when a
// zone fails, every HA pair's agent has its own client, each with one call,
// all drawing on the same bucket: no client sees enough to learn a rate,
// and a thousand clients each pacing at a rate of its own send a thousand
// times that rate. What EC2 documents for them, and what converges without
// coordination, is randomized exponential backoff ("Exponential Backoff And
// Jitter", AWS Architecture Blog: full jitter costs contending clients the
// fewest calls). So each mutating action has a pacer:
//
//   - A throttle engages it: from then on, every attempt of the action,
//     first attempts of new calls included, takes the next free send slot
//     at the pacer's rate, at first the faster documented refill (20 a
//     second): a client throttled never sends faster than that.
//   - Until the client has evidence of the rate, and unless it has
//     pacerCrowd calls of the action throttled at once (it is then a crowd
//     that its slots space), a throttled attempt also waits a full-jitter
//     backoff before it is ready again
//     (pacerbackoff.go: at most 12 s after a call's first throttle, 48 s
//     after later ones, and ending before the call's deadline where it
//     can). An x-amz-retry-after lengthens a wait, never shortens it.
//   - Evidence of the rate is a second in which EC2 both admitted
//     pacerEvidence or more attempts sent while the pacer was engaged and
//     throttled some: what it admitted is then its refill rate, for this
//     client. A client with one call never has it; a client shared by many
//     jobs has it within a second or two of the first throttle.
//   - With evidence, the rate is what EC2 admitted, and a throttled attempt
//     takes the next slot at once instead of a random backoff: the client
//     sends what the bucket refills. Each later second with throttles sets
//     the rate to what EC2 admitted in it, at most halving it; each second
//     without throttles in which calls waited and EC2 admitted what the
//     rate sent raises it by half (buckets can be raised).
//   - A slot is taken when an attempt is ready to go, never in advance: one
//     attempt's long wait (an x-amz-retry-after, a long backoff) holds no
//     slot that another call could use, so it delays no other call of the
//     action beyond the learnt rate.
//   - The pacer lets go once nothing was throttled and no call waited for
//     a slot for the time a documented mutating bucket takes to refill
//     (50 / 5 = 10 s); what it learnt is kept for its next throttle.
//
// With the client's own retryer (Options.Retryer nil), a throttled
// mutating call is also retried beyond MaxAttempts and without the retry
// quota, while its context allows (and for at most maxPacedTime when the
// context has no deadline): throttling is EC2 saying "later", the backoff
// and the pacer keep the later orderly, and the quota stays whole for the
// errors it is for (5xx, broken connections: a regional outage).
// MaxAttempts 1 still disables every retry. A caller's own Options.Retryer
// decides every retry as before (IsErrorRetryable, MaxAttempts, its quota,
// RetryDelay); the pacer only spaces the attempts it allows.

const (
	// pacerStartRate is the documented refill of EC2's non-mutating
	// bucket, the faster of the two: the first rate learnt is at most
	// halved from it.
	pacerStartRate = 20.0
	pacerMinRate   = 0.5
	pacerMaxRate   = 1000.0
	// pacerWindow is how often the rate is reconsidered.
	pacerWindow = time.Second
	// pacerEvidence is how many attempts EC2 must admit, in a window in
	// which it throttled others, for the client to take what it admitted
	// as the rate.
	pacerEvidence = 4
	// pacerCrowd is how many calls of an action on one client, throttled
	// at once, make it a crowd that its own slots space (throttleDelay).
	pacerCrowd = 4
	// pacerRaiseShare is how much of its rate a window without throttles
	// must have had admitted for the rate to rise.
	pacerRaiseShare = 0.95
	// pacerIdle lets a pacer go: a documented mutating bucket (50 tokens,
	// 5 a second) refills in 10 s.
	pacerIdle = 10 * time.Second
	// maxPacedTime bounds the throttled retries of a call whose context
	// has no deadline.
	maxPacedTime = 5 * time.Minute
)

// pacing holds a client's pacers.
type pacing struct {
	// beyondRetryer: throttled mutating calls are retried beyond the
	// retryer's MaxAttempts and quota (the client's own retryer only).
	beyondRetryer bool
	// maxBackoff, if set (Options.MaxBackoff), caps throttleBackoff's
	// ceiling below throttleBackoffCap.
	maxBackoff time.Duration
	// mutating says which actions are paced (Settings.Mutating); nil: all.
	mutating func(action string) bool
	// uniform draws the u of throttleBackoff; nil: math/rand/v2.
	uniform   func() float64
	pacers    sync.Map // action name -> *pacer
	throttled sync.Map // action name -> *atomic.Int64: the last throttle, in Unix nanoseconds
}

// noteThrottle records a throttled answer of action at now and returns the
// action's pacer, made if need be (nil for actions not mutating).
func (p *pacing) noteThrottle(action string, now time.Time) *pacer {
	if p == nil {
		return nil
	}
	v, ok := p.throttled.Load(action)
	if !ok {
		v, _ = p.throttled.LoadOrStore(action, new(atomic.Int64))
	}
	v.(*atomic.Int64).Store(now.UnixNano())
	return p.pacerFor(action, true)
}

// throttledSince reports whether EC2 throttled an attempt of action at or
// after t (the shared poller asks, whose describes the retryer may retry
// to success).
func (p *pacing) throttledSince(action string, t time.Time) bool {
	if p == nil {
		return false
	}
	v, ok := p.throttled.Load(action)
	return ok && v.(*atomic.Int64).Load() >= t.UnixNano()
}

// pacerFor returns the action's pacer, nil for non-mutating actions (and a
// nil pacing). Pacers are made on an action's first throttle only.
func (p *pacing) pacerFor(action string, create bool) *pacer {
	if p == nil || p.mutating != nil && !p.mutating(action) {
		return nil
	}
	if v, ok := p.pacers.Load(action); ok {
		return v.(*pacer)
	}
	if !create {
		return nil
	}
	v, _ := p.pacers.LoadOrStore(action, &pacer{rate: pacerStartRate})
	return v.(*pacer)
}

// pacer spaces the attempts of one action while EC2 throttles it.
type pacer struct {
	engaged atomic.Bool  // read without the lock on every attempt
	crowd   atomic.Int32 // calls of the action throttled and not yet ended

	mu          sync.Mutex
	rate        float64   // attempts a second: pacerStartRate until known
	known       bool      // the client has evidence of the rate
	next        time.Time // the next free send slot
	busy        time.Time // the last throttle, or the last wait for a slot
	windowStart time.Time
	admitted    int  // answers to paced attempts not throttled in the window
	throttles   int  // throttled answers to paced attempts in the window
	waited      bool // an attempt waited for its slot in the window
}

// reserve takes the next free send slot for an attempt ready now and
// returns how long to wait for it, and whether the attempt is paced (sent
// while the pacer is engaged; its answer tells the rate). An attempt that
// backs off (a long backoff, an x-amz-retry-after) reserves once it is
// ready, never before: a slot taken in advance would hold every later
// call of the action behind it, and a thousand calls backing off at once
// would push the next free slot out by a thousand intervals.
func (p *pacer) reserve(now time.Time) (time.Duration, bool) {
	if p == nil || !p.engaged.Load() {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.engaged.Load() {
		return 0, false
	}
	if now.Sub(p.busy) >= pacerIdle && !p.next.After(now) {
		p.engaged.Store(false) // nothing throttled or waited for a while: EC2 keeps up
		return 0, false
	}
	slot := now
	if p.next.After(now) {
		slot, p.waited, p.busy = p.next, true, now
	}
	p.next = slot.Add(time.Duration(float64(time.Second) / p.rate))
	return slot.Sub(now), true
}

// untilFree returns how long from now until the next free send slot,
// without taking it; 0 when the pacer is not engaged.
func (p *pacer) untilFree(now time.Time) time.Duration {
	if p == nil || !p.engaged.Load() {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return max(p.next.Sub(now), 0)
}

// throttleDelay returns how long a call throttled k times in a row waits
// before its next attempt: nothing where the pacer's slots space it
// (reserve): once the rate is learnt, or while pacerCrowd or more calls of
// the action on this client are throttled (the client is a crowd of its
// own, and its slots at the start rate spread it as no random backoff
// could); else pacing.backoff.
func (p *pacer) throttleDelay(ctx context.Context, ps *pacing, k int) time.Duration {
	if p != nil {
		if p.crowd.Load() >= pacerCrowd {
			return 0
		}
		p.mu.Lock()
		known := p.known
		p.mu.Unlock()
		if known {
			return 0
		}
	}
	return ps.backoff(ctx, k)
}

// observe records an answer of the action: throttled or not, and whether
// the attempt was paced. Any throttle engages the pacer; only the answers
// of paced attempts tell the rate, since an unpaced burst (the one that
// engaged it) says nothing of the rate EC2 keeps up with.
func (p *pacer) observe(now time.Time, throttled, paced bool) {
	if p == nil || (!throttled && !p.engaged.Load()) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if throttled {
		p.busy = now
	}
	if !p.engaged.Load() {
		// EC2's bucket is empty now: with a rate learnt, send again at it,
		// one interval from now.
		p.engaged.Store(true)
		p.next = now.Add(time.Duration(float64(time.Second) / p.rate))
		p.windowStart, p.admitted, p.throttles, p.waited = now, 0, 0, false
		return
	}
	if !paced {
		return
	}
	if throttled {
		p.throttles++
	} else {
		p.admitted++
	}
	if now.Sub(p.windowStart) < pacerWindow {
		return
	}
	p.learn(float64(p.admitted) / now.Sub(p.windowStart).Seconds())
	p.windowStart, p.admitted, p.throttles, p.waited = now, 0, 0, false
}

// learn reconsiders the rate at the end of a window that admitted
// perSecond. p.mu is held.
func (p *pacer) learn(perSecond float64) {
	switch {
	case p.throttles > 0 && !p.known && p.admitted >= pacerEvidence:
		// EC2 admitted several and refused more: that is its refill for
		// this client, at most halved from the start rate.
		p.known = true
		p.rate = min(max(perSecond, pacerStartRate/2, pacerMinRate), pacerMaxRate)
	case p.throttles > 0 && p.known:
		// What EC2 admitted while refusing more is its refill rate; at
		// most halved a second, against a second that admitted little
		// by chance.
		p.rate = min(max(perSecond, p.rate/2, pacerMinRate), pacerMaxRate)
	case p.waited && p.known && perSecond >= pacerRaiseShare*p.rate:
		// Calls waited and EC2 admitted all the rate sent: it may keep up
		// with more. Not when it admitted less: calls then waited for
		// slots given out at an earlier rate, and raising the rate on each
		// such second would end in a burst at pacerMaxRate.
		p.rate = min(p.rate*1.5, pacerMaxRate)
	}
}

// ThrottledSince reports whether EC2 throttled an attempt of action at or
// after t, also one the retryer then retried to success: the shared
// poller slows its describes on it.
func (e *Engine) ThrottledSince(action string, t time.Time) bool {
	return e.pacing.throttledSince(action, t)
}

// pace waits for the action's next send slot for an attempt ready at
// ready (zero: now), or until ctx ends, and reports whether the attempt is
// paced. An attempt whose backoff ended is ready at its end even on a
// clock that the backoff did not move (tests).
func (e *Engine) pace(ctx context.Context, p *pacer, ready time.Time) (bool, error) {
	if p == nil {
		return false, nil
	}
	d, paced := p.reserve(maxTime(e.Now(), ready))
	if d > 0 {
		return paced, e.sleep(ctx, d)
	}
	return paced, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
