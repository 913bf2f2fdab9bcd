package enidetach

import (
	"context"
	"slices"
	"time"
)

// The shared poller's describe rate (issue 23.2). Without throttling, a
// wait that is due sends a describe at once (poll.go). Once EC2 throttles
// one of the poller's describes, its describe bucket (per account, shared
// with every other tool there: Terraform, the VPC CNI, monitoring) is
// empty, and more describes only keep it empty. So the poller then sends
// its describes on slots at a rate of its own, at first pollPaceStart a
// second: a wait that is due joins the describe waiting for its slot
// (up to pollBatchSize values), and that describe takes along, when its
// slot comes, every other wait then eligible. A thousand waits on one
// client are then polled by a few describes a second carrying up to 100
// values each, instead of more describes. The rate halves after each
// second with throttled describes (to pollPaceMin) and rises by half after
// each second without throttles in which describes waited for their slots
// (to pollPaceMax, the documented non-mutating refill); the poller lets go
// once nothing was throttled or waited for pollPaceIdle, keeping its rate
// for the next throttle.
const (
	pollPaceStart = 4.0
	pollPaceMin   = 0.25
	pollPaceMax   = 20.0
	pollPaceIdle  = 10 * time.Second
	// pollPaceWindow is how often the rate is reconsidered.
	pollPaceWindow = time.Second
)

// pollPace is the poller's describe rate, guarded by poller.mu.
type pollPace struct {
	engaged     bool
	rate        float64   // describes a second; 0 until the first throttle
	next        time.Time // the next free describe slot
	busy        time.Time // the last throttle, or the last describe that waited for its slot
	windowStart time.Time
	throttles   int  // throttled describes sent while engaged, in the window
	held        bool // a describe waited for its slot in the window
}

// active reports whether describes are paced at now.
func (pp *pollPace) active(now time.Time) bool {
	if pp.engaged && now.Sub(pp.busy) >= pollPaceIdle && !pp.next.After(now) {
		pp.engaged = false
	}
	return pp.engaged
}

// reserve takes the next describe slot and returns how long a describe
// ready at now waits for it.
func (pp *pollPace) reserve(now time.Time) time.Duration {
	slot := now
	if pp.next.After(now) {
		slot = pp.next
		pp.held, pp.busy = true, now
	}
	pp.next = slot.Add(time.Duration(float64(time.Second) / pp.rate))
	return slot.Sub(now)
}

// observe records a describe's answer: throttled or not, and whether it
// was sent on a slot. Only those tell the rate: describes sent before the
// first throttle meet the same empty bucket.
func (pp *pollPace) observe(now time.Time, throttled, paced bool) {
	if throttled {
		pp.busy = now
	}
	if !pp.engaged {
		if throttled {
			if pp.rate == 0 {
				pp.rate = pollPaceStart
			}
			pp.engaged, pp.windowStart, pp.throttles, pp.held = true, now, 0, false
			pp.next = now.Add(time.Duration(float64(time.Second) / pp.rate))
		}
		return
	}
	if throttled && paced {
		pp.throttles++
	}
	if now.Sub(pp.windowStart) < pollPaceWindow {
		return
	}
	switch {
	case pp.throttles > 0:
		pp.rate = max(pp.rate/2, pollPaceMin)
	case pp.held:
		pp.rate = min(pp.rate*1.5, pollPaceMax)
	}
	pp.windowStart, pp.throttles, pp.held = now, 0, false
}

// placeLocked puts w into the paced describe of its filter that waits for
// its slot and has room, or into a new one on the next slot, which it
// returns to be sent; nil when w joined one, or when maxInflightPolls
// describes are in flight (w is then overdue: the next to return places
// it). p.mu is held.
func (p *poller) placeLocked(ctx context.Context, now time.Time, w *pollWaiter) *pollRound {
	for _, r := range p.open {
		if r.filter == w.filter && len(r.values) < pollBatchSize && r.ctx.Err() == nil {
			p.addLocked(r, w)
			return nil
		}
	}
	if p.inflight >= maxInflightPolls {
		w.overdue = true
		return nil
	}
	bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	r := &pollRound{b: &pollBatch{cancel: cancel}, ctx: bctx, filter: w.filter, paced: true, wait: p.pace.reserve(now)}
	p.addLocked(r, w)
	p.open = append(p.open, r)
	p.inflight++
	return r
}

// addLocked takes w into r. p.mu is held.
func (p *poller) addLocked(r *pollRound, w *pollWaiter) {
	delete(p.pending, w)
	w.overdue = false
	if !slices.Contains(r.values, w.value) {
		r.values = append(r.values, w.value)
	}
	r.waiters = append(r.waiters, w)
	r.b.left++
	w.batch = r.b
	w.wake()
}

// closeLocked ends r's wait for its slot: it takes along every pending
// wait of its filter then eligible or overdue, while it has room, and no
// wait joins it afterwards. p.mu is held.
func (p *poller) closeLocked(r *pollRound, now time.Time) {
	p.open = slices.DeleteFunc(p.open, func(o *pollRound) bool { return o == r })
	if r.ctx.Err() != nil {
		return
	}
	for w := range p.pending {
		if len(r.values) >= pollBatchSize {
			break
		}
		if w.filter == r.filter && (w.overdue || !w.eligible.After(now)) {
			p.addLocked(r, w)
		}
	}
	slices.Sort(r.values) // the values of a describe do not depend on map order
}

// pollBackoff returns the least delay before a wait's own next poll after
// its last failures polls failed, the last with err: after a throttled
// poll, a throttled call's full-jitter backoff for that many throttles in
// a row (query.Engine.ThrottleBackoff: each poll already spent its
// retryer's attempts), so that a poll EC2 throttled never comes back
// sooner than a throttled call would, nor after the wait's deadline where
// it can; 0 after any other failure.
func (c *Client) pollBackoff(ctx context.Context, err error, failures int) time.Duration {
	if !throttled(err) {
		return 0
	}
	return c.engine.ThrottleBackoff(ctx, max(failures, 1))
}
