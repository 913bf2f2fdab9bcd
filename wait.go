package enidetach

import (
	"context"
	"errors"
	"time"

	"github.com/ec2lite/enidetach/internal/query"
)

// WaitUntilDetached polls DescribeNetworkInterfaces until the attachment is
// gone or its interface is "available", and returns the final state. The
// schedule is described at WaitOptions.MinDelay. A poll that fails for a
// reason that may pass (throttling, a 5xx answer, the network, the
// client's retry quota spent) does not end the wait: it backs off and polls
// again, and the result counts it (FailedPolls, LastPollError). An answer
// that will not change (access denied, an interface that does not exist)
// ends the wait, returned with the result so far. An attachment that is
// not found at the first poll, asked for by attachment ID alone, counts as
// detached; once an interface is known (WaitOptions.NetworkInterfaceID, or
// the first answer), only an answer showing it without the attachment, or
// InvalidNetworkInterfaceID.NotFound for it once seen, does (see
// WaitOptions.NetworkInterfaceID). An answer that
// shows the attachment on another interface than NetworkInterfaceID ends
// it with a *WrongInterfaceError; one that shows the attachment, or the
// interface, more than one way (a contradiction no answer of EC2's holds)
// ends it with an *AmbiguousAttachmentError, and an attachment shown
// without its ID on an interface that is not "available" proves no
// detach. When ctx or MaxWait ends the wait first, the error is a
// *WaitTimeoutError carrying the last state.
func (c *Client) WaitUntilDetached(ctx context.Context, attachmentID string, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	opts := waitOptions(optFns)
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError("DescribeNetworkInterfaces", err)
	}
	if err := validateWait(attachmentID, opts); err != nil {
		return nil, c.operationError("DescribeNetworkInterfaces", err)
	}
	return c.wait(ctx, waitGoal{attachmentID: attachmentID, sent: opts.SentAt}, opts, &WaitResult{}, c.now())
}

// DetachAndWait detaches the interface, then waits until it is detached (see
// WaitUntilDetached). With WaitOptions.Idempotent, a detach answered with
// InvalidAttachmentID.NotFound counts as already done.
//
// The result says which step failed: when the detach fails, DetachAndWait
// returns a nil result and the detach's error; once the detach was
// accepted, it returns the result so far (with Detach set) and the error of
// a poll whose answer will not change, or a *WaitTimeoutError. Polls that
// fail for a reason that may pass do not end the wait (see
// WaitUntilDetached).
func (c *Client) DetachAndWait(ctx context.Context, in *DetachNetworkInterfaceInput, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	// Refused before anything is sent, named for the request that was not.
	const action = "DetachNetworkInterface"
	opts := waitOptions(optFns)
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	if in.DryRun {
		return nil, c.operationError(action, &ValidationError{Field: "DryRun", Reason: "a dry run detaches nothing to wait for; call DetachNetworkInterface"})
	}
	if err := validateWait(in.AttachmentID, opts); err != nil {
		return nil, c.operationError(action, err)
	}
	start := c.now()
	res, g := &WaitResult{}, waitGoal{attachmentID: in.AttachmentID}
	out, err := c.DetachNetworkInterface(ctx, in)
	switch {
	case err == nil:
		// The first poll waits a first delay: at once it would only see
		// "detaching". Counted from the answer, not from the call's start:
		// a detach throttled for 20 s was accepted only now.
		res.Detach, g.sent = out, c.now()
	case opts.Idempotent && errors.Is(err, ErrAttachmentNotFound):
		res.AlreadyDetached, res.DetachError, g.alreadyGone = true, err, true
	case opts.Idempotent && errors.Is(err, ErrIncorrectState):
		// Perhaps an earlier detach is still in progress: wait for it if
		// the first poll shows the attachment detaching.
		res.DetachError, g.unlessDetaching = err, err
	default:
		return nil, err
	}
	return c.wait(ctx, g, opts, res, start)
}

// waitLoop is one wait's polling: the goal, what answers showed, and the
// result so far.
type waitLoop struct {
	c        *Client
	g        waitGoal
	o        WaitOptions
	res      *WaitResult
	start    time.Time
	deadline time.Time // MaxWait's, on the client's clock
	sight    waitSight
	polls    int    // polls reported
	failures int    // failed polls in a row
	doubt    string // why the last answer was no evidence (verdict.doubt)
}

// wait polls until an answer reaches the goal or ends the wait, filling
// res. start is when the wait began (DetachAndWait: before its detach).
func (c *Client) wait(ctx context.Context, g waitGoal, o WaitOptions, res *WaitResult, start time.Time) (*WaitResult, error) {
	parent := ctx
	if o.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.MaxWait)
		defer cancel()
	}
	l := &waitLoop{c: c, g: g, o: o, res: res, start: start, sight: waitSight{ifaceID: o.NetworkInterfaceID}}
	l.deadline = c.now().Add(o.MaxWait)
	eligible, due := l.firstPoll(ctx)
	for {
		if o.MaxWait > 0 && !due.Before(l.deadline) {
			// Checked on the client's clock too, so that a wait on a fake
			// clock ends as a real one does.
			_ = c.sleep(ctx, max(l.deadline.Sub(c.now()), 0)) // ends at the deadline either way
			return l.timeout(parent)
		}
		a, took, ok := l.poll(ctx, eligible, due)
		if !ok {
			return l.timeout(parent)
		}
		v := judge(g, l.sight, a)
		if v.askByID {
			if a, took, ok = l.askByID(ctx, took); !ok {
				return l.timeout(parent)
			}
			v = judge(g, l.sight, a)
		}
		now := c.now()
		l.polls++
		c.emit(pollEvent(l.polls, v, a.err, took))
		if end, err := l.record(v, a, now); err != nil && err == g.unlessDetaching {
			return nil, err // the detach was refused: no wait
		} else if end {
			return l.res, err
		}
		// Another wait's describe may take this one along from MinDelay on:
		// a crowd of waits on one client collapses into one round of
		// describes, sent when the first of them is due.
		eligible, due = now.Add(o.MinDelay), now.Add(l.delay(ctx, now, a.err))
	}
}

// firstPoll returns when the first poll may be taken along by another
// wait's describe, and when it is due: at once, or, for a wait on a detach
// or attach just sent, a first delay after it, when it could have ended.
// A wait that knows no interface looks at once, while the attachment is
// there to name it.
func (l *waitLoop) firstPoll(ctx context.Context) (eligible, due time.Time) {
	now := l.c.now()
	if l.g.sent.IsZero() || l.sight.ifaceID == "" {
		return now, now
	}
	lo, _ := pollWindow(0, l.o.MinDelay, l.o.MaxDelay, 0)
	eligible, due = l.g.sent.Add(lo), l.g.sent.Add(l.c.nextDelay(0, l.o, 0))
	if dl, ok := ctx.Deadline(); ok {
		// At most half the time left (MaxWait, the context's deadline): a
		// wait that ends without a look is of no use to anyone.
		latest := now.Add(time.Until(dl) / 2) // MaxWait's deadline is in ctx too
		eligible, due = minTime(eligible, latest), minTime(due, latest)
	}
	return maxTime(eligible, now), maxTime(due, now)
}

// poll waits for the shared poll that takes this wait and returns its
// answer; false when ctx ended first.
func (l *waitLoop) poll(ctx context.Context, eligible, due time.Time) (waitAnswer, time.Duration, bool) {
	ours := hasAttachment(l.g.attachmentID)
	w := &pollWaiter{filter: filterAttachment, value: l.g.attachmentID, match: ours, eligible: eligible}
	if id := l.sight.ifaceID; id != "" {
		w.filter, w.value = filterInterface, id
		w.match = func(it *describeItem) bool { return it.ID == id || ours(it) }
	}
	ans, err := l.c.sharedPoll(ctx, w, due)
	l.res.Polls += ans.calls
	if err != nil {
		if ans.cut { // a describe asked for this wait: a poll, failed
			l.cut(ans.err, l.c.now().Sub(due))
		}
		return waitAnswer{}, 0, false
	}
	a := waitAnswer{items: ans.items, err: ans.err, mayPass: l.c.pollMayPass(ans.err)}
	if ans.err != nil && ctx.Err() != nil {
		l.cut(ans.err, ans.took)
		return a, ans.took, false
	}
	return a, ans.took, true
}

// cut reports a poll that the wait's end cut off in flight: it was sent,
// so it is counted and reported, as an error.
func (l *waitLoop) cut(err error, took time.Duration) {
	l.polls++
	l.c.emit(pollEvent(l.polls, verdict{failed: true}, err, max(took, 0)))
}

// askByID asks for the wait's interface by ID, adding the time it took to
// took; false when ctx ended first.
func (l *waitLoop) askByID(ctx context.Context, took time.Duration) (waitAnswer, time.Duration, bool) {
	id, ours := l.sight.ifaceID, hasAttachment(l.g.attachmentID)
	t := l.c.now()
	items, _, err := l.c.describeMatching(ctx, interfaceParams(id), &l.res.Polls,
		func(it *describeItem) bool { return it.ID == id || ours(it) })
	a := waitAnswer{items: items, err: err, mayPass: l.c.pollMayPass(err), byID: true}
	took += l.c.now().Sub(t)
	if err != nil && ctx.Err() != nil {
		l.cut(err, took)
		return a, took, false
	}
	return a, took, true
}

// record takes verdict v on answer a into the result, and reports whether
// the wait ends: done, or with an error.
func (l *waitLoop) record(v verdict, a waitAnswer, now time.Time) (bool, error) {
	res := l.res
	res.Elapsed = now.Sub(l.start)
	res.Detached, res.Attached = false, false
	if a.err == nil {
		res.State, l.sight, l.doubt, l.failures = v.state, v.sight, v.doubt, 0
	} else if v.failed {
		res.FailedPolls, res.LastPollError, l.failures = res.FailedPolls+1, a.err, l.failures+1
	} else {
		res.State, l.sight = v.state, v.sight // deleted, or an error that ends the wait
	}
	if v.err != nil {
		return true, v.err
	}
	res.Detached, res.Attached = v.done && !l.g.attach, v.done && l.g.attach
	if l.o.OnPoll != nil {
		l.o.OnPoll(*res)
	}
	return v.done, nil
}

// delay draws the delay before the next poll: after a failed poll, the
// schedule's base doubled for each failure in a row, and after a throttled
// one no sooner than a throttled call's backoff (pollBackoff).
func (l *waitLoop) delay(ctx context.Context, now time.Time, err error) time.Duration {
	return max(l.c.nextDelay(now.Sub(l.start), l.o, l.failures), l.c.pollBackoff(ctx, err, l.failures))
}

// timeout ends the wait with a *WaitTimeoutError: the caller's context
// error, or DeadlineExceeded from MaxWait.
func (l *waitLoop) timeout(parent context.Context) (*WaitResult, error) {
	l.res.Elapsed = l.c.now().Sub(l.start)
	l.res.Detached, l.res.Attached = false, false
	cause := parent.Err()
	if cause == nil {
		cause = context.DeadlineExceeded
	}
	return l.res, &WaitTimeoutError{Last: *l.res, Err: cause, attaching: l.g.attach, Contradiction: l.doubt}
}

// throttled reports whether err is a throttled poll's.
func throttled(err error) bool { _, ok := throttledPoll(err); return ok }

// pollEvent is the EventPoll of poll n of a wait, judged v.
func pollEvent(n int, v verdict, err error, took time.Duration) Event {
	e := Event{Kind: EventPoll, Action: "DescribeNetworkInterfaces", Outcome: OutcomePending, Attempt: n, Duration: took}
	switch {
	case err != nil && v.failed && throttled(err):
		e.Outcome = OutcomeThrottled
	case v.err != nil || (err != nil && v.failed):
		e.Outcome = OutcomeError
	case v.done:
		e.Outcome = OutcomeDone
	}
	return e
}

// throttledPoll reports whether a poll failed because EC2 throttled it,
// and after how many throttled attempts.
func throttledPoll(err error) (int, bool) {
	var ae *APIError
	if !errors.As(err, &ae) || !query.IsThrottle(ae) {
		return 0, false
	}
	var re *RetryError
	if errors.As(err, &re) {
		return max(re.Attempts, 1), true
	}
	return 1, true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
