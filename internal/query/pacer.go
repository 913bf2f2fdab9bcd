package query

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pacing of throttled mutating calls (issue 19).
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
// aws/retry alone fails most of such a burst on a shared client: its retry
// quota (500 tokens, 5 a throttled retry) is spent by the first burst and
// every later throttle then fails at once, and MaxAttempts ends the rest
// (issue 19 measured 28 % of 200 jobs done). Adaptive mode limits the rate
// only after the first throttle, for every action of the client together.
// So the client adds, beside the retryer, a pacer per mutating action:
//
//   - After a throttle the action's pacer engages: each attempt of that
//     action, first attempts of new calls included, takes the next free
//     send slot, so the client sends at the bucket's refill rate instead of
//     throwing every call at an empty bucket.
//   - The rate starts at 20 a second and learns the account's from the
//     answers to paced attempts: each second with throttles sets it to what
//     EC2 admitted in that second (the bucket's refill: 5 a second for a
//     default mutating bucket), but at most halves it; each second without
//     throttles while calls were waiting raises it by half (buckets can be
//     raised per account). The start is the faster
//     documented refill (the non-mutating one) because the slots handed
//     out in the first second keep that spacing: starting at 5 would hold
//     a burst of 200 at 5 a second for 40 s even where EC2 admits 20,
//     while starting at 20 where EC2 admits 5 costs one more throttled
//     answer for most calls of the first second's queue.
//   - The pacer lets go once no call has waited for a slot for the time a
//     documented mutating bucket takes to refill (50 / 5 = 10 s); the rate
//     it learnt is kept for its next throttle.
//
// With the client's own retryer (Options.Retryer nil), a throttled
// mutating call is also retried beyond MaxAttempts and without the retry
// quota, while its context allows (and for at most maxPacedTime when the
// context has no deadline): throttling is EC2 saying "later", the pacer
// keeps the later orderly, and the quota stays whole for the errors it is
// for (5xx, broken connections: a regional outage). MaxAttempts 1 still
// disables every retry. A caller's own Options.Retryer decides every retry
// as before (IsErrorRetryable, MaxAttempts, its quota, RetryDelay); the
// pacer only spaces the attempts it allows.

const (
	// pacerStartRate is the documented refill of EC2's non-mutating
	// bucket, the faster of the two.
	pacerStartRate = 20.0
	pacerMinRate   = 0.5
	pacerMaxRate   = 1000.0
	// pacerWindow is how often the rate is reconsidered.
	pacerWindow = time.Second
	// pacerIdle lets a pacer go: a documented mutating bucket (50 tokens,
	// 5 a second) refills in 10 s.
	pacerIdle = 10 * time.Second
	// maxPacedTime bounds the throttled retries of a call whose context
	// has no deadline.
	maxPacedTime = 5 * time.Minute
	// pacedBackoffAttempt caps the attempt number given to RetryDelay for
	// paced retries: aws/retry's backoff is a fixed MaxBackoff beyond about
	// the fifth attempt, which would send long-throttled calls in step.
	pacedBackoffAttempt = 4
)

// pacing holds a client's pacers.
type pacing struct {
	// beyondRetryer: throttled mutating calls are retried beyond the
	// retryer's MaxAttempts and quota (the client's own retryer only).
	beyondRetryer bool
	pacers        sync.Map // action name -> *pacer
}

// pacerFor returns the action's pacer, nil for non-mutating actions (and a
// nil pacing). Pacers are made on an action's first throttle only.
func (p *pacing) pacerFor(action string, create bool) *pacer {
	if p == nil || !mutating(action) {
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

// mutating reports whether EC2 counts action among its mutating actions:
// all but Describe*, Get*, List* and Search*.
func mutating(action string) bool {
	for _, prefix := range [...]string{"Describe", "Get", "List", "Search"} {
		if strings.HasPrefix(action, prefix) {
			return false
		}
	}
	return true
}

// pacer spaces the attempts of one action while EC2 throttles it.
type pacer struct {
	engaged atomic.Bool // read without the lock on every attempt

	mu          sync.Mutex
	rate        float64   // attempts a second while engaged
	next        time.Time // the next free send slot
	windowStart time.Time
	admitted    int  // answers not throttled in the window
	throttles   int  // throttled answers in the window
	waited      bool // an attempt waited for its slot in the window
}

// reserve takes the first send slot at least after from now and returns
// how long to wait for it, and whether the attempt is paced (it took a
// slot): after exactly, unpaced, when the pacer is not engaged.
func (p *pacer) reserve(now time.Time, after time.Duration) (time.Duration, bool) {
	if p == nil || !p.engaged.Load() {
		return after, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.engaged.Load() {
		return after, false
	}
	if now.Sub(p.next) >= pacerIdle {
		p.engaged.Store(false) // nobody has waited for a while: EC2 keeps up
		return after, false
	}
	slot := now.Add(after)
	if p.next.After(slot) {
		slot = p.next
	}
	p.next = slot.Add(time.Duration(float64(time.Second) / p.rate))
	if slot.Sub(now) > after {
		p.waited = true
	}
	return slot.Sub(now), true
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
	if !p.engaged.Load() {
		// EC2's bucket is empty now: send again at the rate learnt, one
		// interval from now.
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
	perSecond := float64(p.admitted) / now.Sub(p.windowStart).Seconds()
	switch {
	case p.throttles > 0:
		// What EC2 admitted while refusing more is its refill rate; at
		// most halved a second, against a second that admitted little
		// by chance.
		p.rate = min(max(perSecond, p.rate/2, pacerMinRate), pacerMaxRate)
	case p.waited:
		p.rate = min(p.rate*1.5, pacerMaxRate)
	}
	p.windowStart, p.admitted, p.throttles, p.waited = now, 0, 0, false
}

// pace waits for the action's next send slot, or until ctx ends, and
// reports whether the attempt is paced.
func (e *Engine) pace(ctx context.Context, p *pacer) (bool, error) {
	if p == nil {
		return false, nil
	}
	d, paced := p.reserve(e.Now(), 0)
	if d > 0 {
		return paced, e.sleep(ctx, d)
	}
	return paced, nil
}
