package enidetach

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ec2lite/enidetach/internal/query"
)

// pollBatchSize bounds the filter values of one shared
// DescribeNetworkInterfaces. EC2 refuses more than 200 filter values in one
// call ("FilterLimitExceeded: The maximum number of filter values specified
// on a single call is 200", as its users report it: gjbae1212/gossm#47,
// apache/druid#1954, ansible/ansible#16184, where 200 was still refused) and
// its developer guide asks for no more than 1,000 IDs in one call
// (ec2/latest/devguide/ec2-api-pagination.html). 100 stays well inside
// both, and a thousand waits cost ten calls a round.
//
// Polls ask with filters (network-interface-id, or attachment.attachment-id
// before the interface is known), never NetworkInterfaceId.N: by ID, one
// unknown interface fails the whole call (InvalidNetworkInterfaceID.NotFound)
// and so every other waiter's poll, and MaxResults, which EC2 refuses with
// IDs, is allowed with filters.
const pollBatchSize = 100

// maxInflightPolls bounds the shared describes in flight on one client
// before a wait that is due waits for one of them to return: then the
// describe that returns sends the next round for every wait that became
// due meanwhile. A thousand waits that all look at once (WaitUntilDetached,
// WaitUntilAttached) cost a few describes, not a thousand; a wait alone,
// or a few, never wait for anything.
const maxInflightPolls = 4

// Filters a shared poll asks by.
const (
	filterInterface  = "network-interface-id"
	filterAttachment = "attachment.attachment-id"
)

// poller shares DescribeNetworkInterfaces among the waits of one client.
// Each wait is eligible for its next poll MinDelay after its last one: from
// then on a describe sent for another wait takes it along; at its own
// jittered time (due) it sends one itself, taking every other wait then
// eligible. So a crowd of waits collapses into one round of describes when
// the first of them is due, no wait is polled more often than MinDelay, and
// there is no goroutine or timer of the client's own: each wait sleeps in
// its caller's goroutine, and a describe runs in a goroutine that ends with
// it, cancelled as soon as no wait is left for its answer.
type poller struct {
	mu       sync.Mutex
	pending  map[*pollWaiter]struct{} // waits not yet taken into a describe
	inflight int                      // shared describes in flight
	pace     pollPace                 // the describe rate after throttles (pollpace.go)
	open     []*pollRound             // paced describes waiting for their slots
}

// pollWaiter is one wait's request for its next poll.
type pollWaiter struct {
	filter, value string                      // what the describe asks for
	match         func(it *describeItem) bool // the items of the answer that concern the wait
	eligible      time.Time
	wake          context.CancelFunc // ends the wait's sleep when another's describe takes it
	answer        chan pollAnswer    // buffered: the describe never blocks on a wait that left
	batch         *pollBatch         // set, under poller.mu, when a describe takes the wait
	overdue       bool               // due while maxInflightPolls were in flight: the next to return sends it
}

// pollAnswer is a shared describe's answer for one wait.
type pollAnswer struct {
	items []describeItem // the items that match the wait
	calls int            // the describe's requests (pages)
	// cut: the wait's context ended while a describe that asked for it was
	// in flight; err is the context's error.
	cut  bool
	took time.Duration // the describe's time, on the client's clock
	err  error
}

// pollBatch is one shared describe in flight.
type pollBatch struct {
	cancel context.CancelFunc
	left   int // waits still expecting its answer; 0 cancels it
}

// sharedPoll returns the answer of the first describe that takes w: one
// another wait sends once now is past w.eligible, or the one sent at due.
// It returns the context's error, at once, when ctx ends first.
func (c *Client) sharedPoll(ctx context.Context, w *pollWaiter, due time.Time) (pollAnswer, error) {
	sleepCtx, wake := context.WithCancel(ctx)
	defer wake()
	w.wake, w.answer = wake, make(chan pollAnswer, 1)
	p := &c.polls
	p.mu.Lock()
	if p.pending == nil {
		p.pending = make(map[*pollWaiter]struct{})
	}
	p.pending[w] = struct{}{}
	p.mu.Unlock()
	if d := due.Sub(c.now()); d > 0 {
		_ = c.sleep(sleepCtx, d) // ends early when another's describe takes w
	}
	if ctx.Err() == nil {
		c.sendPolls(ctx, w)
		select {
		case a := <-w.answer:
			return a, nil
		case <-ctx.Done():
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	b := w.batch
	if b == nil {
		delete(p.pending, w)
	} else if b.left--; b.left == 0 {
		b.cancel()
	}
	a := pollAnswer{err: ctx.Err()}
	if b != nil {
		a.cut, a.calls = true, 1
	}
	return a, ctx.Err()
}

// sendPolls sends describes for self and every pending wait that is
// eligible, unless a describe already took self. When maxInflightPolls
// describes are in flight, self is left for the next of them to return.
func (c *Client) sendPolls(ctx context.Context, self *pollWaiter) {
	p := &c.polls
	now := c.now()
	p.mu.Lock()
	if self.batch != nil {
		p.mu.Unlock()
		return
	}
	if p.pace.active(now) {
		r := p.placeLocked(ctx, now, self)
		p.mu.Unlock()
		if r != nil {
			go c.describeFor(r)
		}
		return
	}
	if p.inflight >= maxInflightPolls {
		self.overdue = true
		p.mu.Unlock()
		return
	}
	batches := p.takeLocked(ctx, now, self)
	p.mu.Unlock()
	for _, b := range batches {
		go c.describeFor(b)
	}
}

// pollRound is one describe of a round: what it asks and for whom.
type pollRound struct {
	b       *pollBatch
	ctx     context.Context
	filter  string
	values  []string
	waiters []*pollWaiter
	paced   bool          // sent on a slot of the poller's pace
	wait    time.Duration // how long it waits for its slot
}

// takeLocked takes self and every pending wait that is eligible or
// overdue into describes of at most pollBatchSize values each, counts them
// in flight, and returns them to be sent. p.mu is held.
func (p *poller) takeLocked(ctx context.Context, now time.Time, self *pollWaiter) []*pollRound {
	var due []*pollWaiter
	for w := range p.pending {
		if w == self || w.overdue || !w.eligible.After(now) {
			due = append(due, w)
			delete(p.pending, w)
		}
	}
	// Sorted, so that the values of a describe do not depend on map order.
	slices.SortFunc(due, func(a, b *pollWaiter) int {
		return cmp.Or(strings.Compare(a.filter, b.filter), strings.Compare(a.value, b.value))
	})
	var rounds []*pollRound
	var cur *pollRound
	for _, w := range due {
		if cur == nil || cur.filter != w.filter || (len(cur.values) == pollBatchSize && cur.values[len(cur.values)-1] != w.value) {
			// The describe serves many callers: it must not end with the
			// one that sent it, only when all have left.
			bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			cur = &pollRound{b: &pollBatch{cancel: cancel}, ctx: bctx, filter: w.filter}
			rounds = append(rounds, cur)
		}
		if len(cur.values) == 0 || cur.values[len(cur.values)-1] != w.value {
			cur.values = append(cur.values, w.value)
		}
		cur.waiters = append(cur.waiters, w)
		cur.b.left++
		w.batch = cur.b
		if w != self {
			w.wake()
		}
	}
	p.inflight += len(rounds)
	return rounds
}

// describeFor sends one describe of a round, gives each wait the items
// that concern it, and then sends the next round for the waits that became
// due while too many describes were in flight.
func (c *Client) describeFor(r *pollRound) {
	defer r.b.cancel()
	p := &c.polls
	if r.paced {
		_ = c.sleep(r.ctx, r.wait) // ends early when every wait has left
		p.mu.Lock()
		p.closeLocked(r, c.now())
		p.mu.Unlock()
	}
	ctx, waiters := r.ctx, r.waiters
	keep := func(it *describeItem) bool {
		for _, w := range waiters {
			if w.match(it) {
				return true
			}
		}
		return false
	}
	var calls int
	sent := c.now()
	items, failed, err := c.describeSplit(ctx, r.filter, r.values, &calls, keep)
	took := c.now().Sub(sent)
	for _, w := range waiters {
		a := pollAnswer{calls: calls, took: took, err: failed[w.value]}
		for _, it := range items {
			if w.match(&it) {
				a.items = append(a.items, it)
			}
		}
		w.answer <- a
	}
	p.mu.Lock()
	p.inflight--
	now := c.now()
	p.pace.observe(now, throttled(err) || c.engine.ThrottledSince("DescribeNetworkInterfaces", sent), r.paced)
	var next []*pollRound
	for w := range p.pending {
		switch {
		case !w.overdue:
		case p.pace.active(now):
			if r := p.placeLocked(ctx, now, w); r != nil {
				next = append(next, r)
			}
		default:
			next = p.takeLocked(context.WithoutCancel(ctx), now, nil)
		}
		if len(next) > 0 && !p.pace.active(now) {
			break
		}
	}
	p.mu.Unlock()
	for _, r := range next {
		go c.describeFor(r)
	}
}

// describeSplit describes the interfaces whose filter has one of values
// and returns the items keep accepts, and the error of each value whose
// describe failed. An answer too large to read even at the smallest page
// (one interface of many addresses and tags can pass the bound on bodies
// alone) is asked again in halves, down to the one value it belongs to:
// only the waits on that value fail, not every wait of the batch. err is
// the first describe's error.
func (c *Client) describeSplit(ctx context.Context, filter string, values []string, calls *int, keep func(*describeItem) bool) ([]describeItem, map[string]error, error) {
	items, _, err := c.describeMatching(ctx, filterParams(filter, values...), calls, keep)
	if err == nil {
		return items, nil, nil
	}
	if len(values) == 1 || !errors.Is(err, query.ErrBodyTooLarge) || ctx.Err() != nil {
		failed := make(map[string]error, len(values))
		for _, v := range values {
			failed[v] = err
		}
		return nil, failed, err
	}
	half := len(values) / 2
	items, failed, _ := c.describeSplit(ctx, filter, values[:half], calls, keep)
	more, failedMore, _ := c.describeSplit(ctx, filter, values[half:], calls, keep)
	for v, err := range failedMore {
		if failed == nil {
			failed = make(map[string]error, len(failedMore))
		}
		failed[v] = err
	}
	return append(items, more...), failed, err
}

// pollMayPass reports whether a poll that failed with err may succeed
// later: what the client's retryer retries (throttling, 5xx, the network),
// also when the retries or the client's retry quota ran out. An answer that
// will not change (access denied, an interface that does not exist, a
// response that cannot be understood) may not.
func (c *Client) pollMayPass(err error) bool {
	var re *RetryError
	if errors.As(err, &re) {
		err = re.Err
	}
	var ve *ValidationError
	var pe *PageLimitError
	if err == nil || errors.As(err, &ve) || errors.As(err, &pe) || errors.Is(err, context.Canceled) {
		return false
	}
	return c.engine.IsErrorRetryable(err)
}
