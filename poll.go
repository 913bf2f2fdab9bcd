package enidetach

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
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

// Filters a shared poll asks by.
const (
	filterInterface  = "network-interface-id"
	filterAttachment = "attachment.attachment-id"
)

// poller shares DescribeNetworkInterfaces among the waits of one client.
// Each wait has a window for its next poll: from its start (eligible) a
// describe sent for another wait takes it along; at its own jittered time
// (due) it sends one itself, taking every other wait then eligible. So
// polls are shared without any wait polling before its window, and without
// a goroutine or timer of the client's own: each wait sleeps in its
// caller's goroutine, and a describe runs in a goroutine that ends with it,
// cancelled as soon as no wait is left for its answer.
type poller struct {
	mu      sync.Mutex
	pending map[*pollWaiter]struct{} // waits between eligible and taken into a describe
}

// pollWaiter is one wait's request for its next poll.
type pollWaiter struct {
	filter, value string                      // what the describe asks for
	match         func(it *describeItem) bool // the items of the answer that concern the wait
	eligible      time.Time
	wake          context.CancelFunc // ends the wait's sleep when another's describe takes it
	answer        chan pollAnswer    // buffered: the describe never blocks on a wait that left
	batch         *pollBatch         // set, under poller.mu, when a describe takes the wait
}

// pollAnswer is a shared describe's answer for one wait.
type pollAnswer struct {
	items []describeItem // the items that match the wait
	calls int            // the describe's requests (pages)
	err   error
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
	if b := w.batch; b == nil {
		delete(p.pending, w)
	} else if b.left--; b.left == 0 {
		b.cancel()
	}
	return pollAnswer{}, ctx.Err()
}

// sendPolls sends describes for self and every pending wait that is
// eligible, at most pollBatchSize values each, unless a describe already
// took self.
func (c *Client) sendPolls(ctx context.Context, self *pollWaiter) {
	p := &c.polls
	now := c.now()
	p.mu.Lock()
	if self.batch != nil {
		p.mu.Unlock()
		return
	}
	var due []*pollWaiter
	for w := range p.pending {
		if w == self || !w.eligible.After(now) {
			due = append(due, w)
			delete(p.pending, w)
		}
	}
	// Sorted, so that the values of a describe do not depend on map order.
	slices.SortFunc(due, func(a, b *pollWaiter) int {
		return cmp.Or(strings.Compare(a.filter, b.filter), strings.Compare(a.value, b.value))
	})
	type batch struct {
		b       *pollBatch
		ctx     context.Context
		filter  string
		values  []string
		waiters []*pollWaiter
	}
	var batches []*batch
	var cur *batch
	for _, w := range due {
		if cur == nil || cur.filter != w.filter || (len(cur.values) == pollBatchSize && cur.values[len(cur.values)-1] != w.value) {
			// The describe serves many callers: it must not end with the
			// one that sent it, only when all have left.
			bctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			cur = &batch{b: &pollBatch{cancel: cancel}, ctx: bctx, filter: w.filter}
			batches = append(batches, cur)
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
	p.mu.Unlock()
	for _, b := range batches {
		go c.describeFor(b.ctx, b.b, b.filter, b.values, b.waiters)
	}
}

// describeFor sends one describe with values for filter and gives each
// wait the items that concern it.
func (c *Client) describeFor(ctx context.Context, b *pollBatch, filter string, values []string, waiters []*pollWaiter) {
	defer b.cancel()
	params := url.Values{"Filter.1.Name": {filter}}
	for i, v := range values {
		params["Filter.1.Value."+strconv.Itoa(i+1)] = []string{v}
	}
	keep := func(it *describeItem) bool {
		for _, w := range waiters {
			if w.match(it) {
				return true
			}
		}
		return false
	}
	var calls int
	items, _, err := c.describeInterfaces(ctx, params, &calls, keep)
	for _, w := range waiters {
		a := pollAnswer{calls: calls, err: err}
		for _, it := range items {
			if w.match(&it) {
				a.items = append(a.items, it)
			}
		}
		w.answer <- a
	}
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
	return c.retryer.IsErrorRetryable(err)
}
