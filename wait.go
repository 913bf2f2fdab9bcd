package enidetach

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
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

// InterfaceState is a network interface as DescribeNetworkInterfaces shows it.
type InterfaceState struct {
	// NetworkInterfaceID is the interface's ID, such as
	// "eni-0123456789abcdef0".
	NetworkInterfaceID string
	// Status is the interface's status: "in-use" while attached or
	// detaching, "available" once detached. Empty when it was not seen.
	Status string

	// The attachment, as long as there is one; each field is empty (zero)
	// once the attachment is gone.

	// AttachmentID is the attachment's ID, such as
	// "eni-attach-0123456789abcdef0".
	AttachmentID string
	// AttachmentStatus is "attaching", "attached", "detaching" or
	// "detached".
	AttachmentStatus string
	// InstanceID is the instance the interface is attached to.
	InstanceID string
	// DeviceIndex is the interface's device index on the instance.
	DeviceIndex int
	// NetworkCardIndex is the network card the device index is on.
	NetworkCardIndex int

	// AvailabilityZone is the interface's zone, such as "us-east-1a": an
	// interface can be attached only to an instance in its zone. Empty
	// when the interface was not seen.
	AvailabilityZone string
}

// WaitResult is the outcome of a wait.
type WaitResult struct {
	// State is the state seen at the last poll, never an earlier one. When
	// the attachment is gone it holds no attachment fields; when the last
	// poll saw no interface at all (the attachment was gone at the first
	// poll and no interface ID was known), it is empty.
	State InterfaceState
	// Detached reports that the attachment is gone or the interface is
	// available.
	Detached bool
	// Attached reports that WaitUntilAttached saw the attachment
	// "attached". Always false for the detach waits.
	Attached bool
	// AlreadyDetached reports that DetachAndWait's detach answered
	// InvalidAttachmentID.NotFound and WaitOptions.Idempotent counted it as
	// done. Detach is then nil and DetachError holds the NotFound. The
	// wait still polls, to report the interface's State: Detached is set
	// unless a poll shows the attachment still there (then the wait goes
	// on as any other). A poll that fails, for any reason, does not
	// contradict the NotFound: the result is Detached, with no error, the
	// failure counted in FailedPolls and LastPollError and State empty.
	AlreadyDetached bool
	// Detach is DetachAndWait's detach, when the service accepted it: its
	// Return and request ID. Nil for WaitUntilDetached and when the detach
	// failed with an error that Idempotent let the wait go on after (see
	// DetachError).
	Detach *DetachNetworkInterfaceOutput
	// DetachError is the error of DetachAndWait's detach that
	// WaitOptions.Idempotent absorbed: InvalidAttachmentID.NotFound (then
	// AlreadyDetached is set) or IncorrectState on an attachment seen
	// detaching. errors.As finds the *APIError, with its request ID.
	DetachError error
	// Polls is the number of DescribeNetworkInterfaces calls that asked
	// for this wait's interface, the failed ones included. Waits on one
	// client share their calls (see WaitOptions), so the calls a client
	// sends for many waits are far fewer than the sum of their Polls.
	Polls int
	// FailedPolls is the number of polls that failed for a reason that
	// may pass (throttling, a 5xx answer, the network, the client's retry
	// quota spent) and that the wait outlasted: it backed off and polled
	// again.
	FailedPolls int
	// LastPollError is the error of the last failed poll, nil when none
	// failed. It is kept when a later poll succeeds, to say why polls
	// failed.
	LastPollError error
	// Elapsed is the time since the wait began (for DetachAndWait, since
	// the detach was sent), on Options.Clock.
	Elapsed time.Duration
}

// WaitOptions tunes WaitUntilDetached, DetachAndWait and WaitUntilAttached.
type WaitOptions struct {
	// NetworkInterfaceID, when known, is polled (with the
	// network-interface-id filter) from the first poll on; it must be the
	// attachment's interface (LookupAttachment gives both). Without it,
	// the first poll finds the interface by attachment ID and later polls
	// ask for that interface. A poll whose answer does not show the
	// interface asks for it by ID: one never seen is not taken as
	// detached. WaitUntilAttached takes the interface as an argument:
	// there it must be empty or the same.
	NetworkInterfaceID string
	// MinDelay and MaxDelay bound the delay between polls. A base delay
	// is a twelfth of the time waited so far, at least MinDelay/0.85, at
	// most MaxDelay; each delay is drawn at random (jitter, so that waits
	// started together do not poll in step) between 85 % and 105 % of the
	// base, never below MinDelay nor above MaxDelay. With the defaults,
	// 1.7 s and 15 s, delays are between 1.7 s and 2.1 s for the
	// first 24 s, then grow with the wait, to between 12.75 s and 15 s
	// from 3 minutes on: at most 25 polls in the first minute and 5 a
	// minute later; a detach is noticed at most 2.1 s after it ends for
	// the first 24 s (p95 1.9 s for detaches up to 30 s), then about a
	// twelfth of its duration. MinDelay = MaxDelay polls at exactly that
	// interval.
	//
	// WaitUntilDetached and WaitUntilAttached poll at once, then on this
	// schedule; DetachAndWait, after an accepted detach, waits a first
	// delay (at most half the time MaxWait or the context leave) before
	// its first poll, since a detach takes a second or more. After a
	// failed poll, the base doubles with each failure in a row, up to
	// MaxDelay.
	//
	// Waits on one client share their polls: a poll that is due also asks
	// for every other wait whose last poll is at least MinDelay old, and
	// one DescribeNetworkInterfaces (filtered by up to 100 interface or
	// attachment IDs) answers them all. So no wait is polled more often
	// than MinDelay, and a crowd of waits on one client is polled in one
	// round of calls when the first of them is due.
	MinDelay, MaxDelay time.Duration
	// MaxWait bounds the polling, counted from its start, besides the
	// context. 0: only the context.
	MaxWait time.Duration
	// Idempotent applies to DetachAndWait only (WaitUntilDetached sends no
	// detach and ignores it). It treats InvalidAttachmentID.NotFound from
	// the detach as already detached, and IncorrectState as a detach
	// already in progress when the first poll sees the attachment
	// "detaching". A detach retried after a lost response, or run twice by
	// a failover script, sees exactly these.
	Idempotent bool
	// OnPoll, if set, is called after every poll with the result so far,
	// a failed poll that the wait outlasts included (FailedPolls tells
	// it). It runs in the caller's goroutine.
	OnPoll func(WaitResult)
}

// WaitTimeoutError reports that a wait ended, by WaitOptions.MaxWait or by
// the context, before the interface was detached (or, for
// WaitUntilAttached, attached).
type WaitTimeoutError struct {
	// Last is the wait's result when it ended: the state seen at the last
	// poll, the number of polls, the time elapsed and, for DetachAndWait,
	// the accepted detach. Detached is false.
	Last WaitResult
	// Err is context.DeadlineExceeded when MaxWait ended the wait, else the
	// error of the caller's context (context.Canceled or
	// context.DeadlineExceeded).
	Err error

	// attaching marks a timeout of WaitUntilAttached, for the message.
	attaching bool
}

// Error gives the time waited, the polls (and the failed ones, with the
// last failure) and the last state seen.
func (e *WaitTimeoutError) Error() string {
	st, goal := e.Last.State, "detached"
	if e.attaching {
		goal = "attached"
	}
	failed := ""
	if e.Last.FailedPolls > 0 {
		failed = fmt.Sprintf(", %d failed (last: %v)", e.Last.FailedPolls, e.Last.LastPollError)
	}
	return fmt.Sprintf("enidetach: interface not %s after %s and %d polls%s (last seen: interface %q status %q, attachment status %q): %v",
		goal, e.Last.Elapsed.Round(time.Millisecond), e.Last.Polls, failed, st.NetworkInterfaceID, st.Status, st.AttachmentStatus, e.Err)
}

// Unwrap returns Err.
func (e *WaitTimeoutError) Unwrap() error { return e.Err }

// WaitUntilDetached polls DescribeNetworkInterfaces until the attachment is
// gone or its interface is "available", and returns the final state. The
// schedule is described at WaitOptions.MinDelay. A poll that fails for a
// reason that may pass (throttling, a 5xx answer, the network, the
// client's retry quota spent) does not end the wait: it backs off and polls
// again, and the result counts it (FailedPolls, LastPollError). An answer
// that will not change (access denied, an interface that does not exist)
// ends the wait, returned with the result so far. An attachment that is
// not found counts as detached; an interface (WaitOptions.NetworkInterfaceID)
// never seen is not: a poll that does not show it asks for it by ID, and
// EC2's InvalidNetworkInterfaceID.NotFound ends the wait. An answer that
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
	return c.wait(ctx, waitGoal{attachmentID: attachmentID}, opts, &WaitResult{}, c.now(), nil, false)
}

// WaitUntilAttached polls DescribeNetworkInterfaces until the interface
// shows the attachment attachmentID (AttachNetworkInterface's answer) with
// status "attached", and returns the final state with Attached set. It
// keeps the schedule of WaitUntilDetached (see WaitOptions.MinDelay),
// shares its polls and tolerates the same failed polls: only an answer
// that will not change ends it early, returned with the result so far;
// ctx or MaxWait ending first gives a *WaitTimeoutError carrying the last
// state.
//
// EC2's answers are eventually consistent: right after an accepted attach
// a poll may still show the interface "available", or an earlier
// attachment of it. Neither is a failure; the wait goes on. State then
// holds the interface's ID, status and zone only, as it holds attachment
// fields only for attachmentID. An interface missing from a poll's answer
// is asked for by ID: one that does not exist (or no longer does) ends the
// wait with EC2's InvalidNetworkInterfaceID.NotFound error.
// WaitOptions.Idempotent does not apply.
func (c *Client) WaitUntilAttached(ctx context.Context, networkInterfaceID, attachmentID string, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	const action = "DescribeNetworkInterfaces"
	opts := waitOptions(optFns)
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	switch {
	case networkInterfaceID == "":
		return nil, c.operationError(action, &ValidationError{Field: "NetworkInterfaceID", Reason: "is required"})
	case opts.NetworkInterfaceID != "" && opts.NetworkInterfaceID != networkInterfaceID:
		return nil, c.operationError(action, &ValidationError{Field: "WaitOptions.NetworkInterfaceID", Reason: "differs from the interface waited on"})
	}
	opts.NetworkInterfaceID = networkInterfaceID
	if err := validateWait(attachmentID, opts); err != nil {
		return nil, c.operationError(action, err)
	}
	return c.wait(ctx, waitGoal{attachmentID: attachmentID, attach: true}, opts, &WaitResult{}, c.now(), nil, false)
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
	res := &WaitResult{}
	var unlessDetaching error
	out, err := c.DetachNetworkInterface(ctx, in)
	switch {
	case err == nil:
		res.Detach = out
	case opts.Idempotent && errors.Is(err, ErrAttachmentNotFound):
		res.AlreadyDetached, res.DetachError = true, err
	case opts.Idempotent && errors.Is(err, ErrIncorrectState):
		// Perhaps an earlier detach is still in progress: wait for it if
		// the first poll shows the attachment detaching.
		res.DetachError, unlessDetaching = err, err
	default:
		return nil, err
	}
	// After an accepted detach, the first poll waits a first delay: at once
	// it would only see "detaching".
	return c.wait(ctx, waitGoal{attachmentID: in.AttachmentID}, opts, res, start, unlessDetaching, res.Detach != nil)
}

// ambiguousItems returns the states of items when they are not all the
// same, nil when they are (or there are none).
func ambiguousItems(items []describeItem) []InterfaceState {
	for i := 1; i < len(items); i++ {
		if !items[i].same(&items[0]) {
			states := make([]InterfaceState, len(items))
			for j := range items {
				states[j] = items[j].state()
			}
			return states
		}
	}
	return nil
}

func waitOptions(optFns []func(*WaitOptions)) WaitOptions {
	var o WaitOptions
	for _, fn := range optFns {
		if fn != nil { // a nil option is no option, not a panic
			fn(&o)
		}
	}
	if o.MinDelay == 0 {
		o.MinDelay = defaultWaitMinDelay
		if o.MaxDelay > 0 {
			o.MinDelay = min(o.MinDelay, o.MaxDelay) // MaxDelay alone may be below the default floor
		}
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(defaultWaitMaxDelay, o.MinDelay)
	}
	return o
}

// filterWildcards are the characters EC2 reads as wildcards (and their
// escape) in a filter value. The IDs that waits and lookups send as filter
// values must not hold them: "eni-attach-*" would match every attachment,
// none of which is the ID asked for, and so read as "gone".
const filterWildcards = `*?\`

// wildcardError refuses an ID holding a filter wildcard.
func wildcardError(field string) error {
	return &ValidationError{Field: field, Reason: "holds a filter wildcard (*, ? or \\), which no ID does"}
}

// validateWait checks a wait's attachment ID and options before anything
// is sent.
func validateWait(attachmentID string, o WaitOptions) error {
	switch {
	case attachmentID == "":
		return &ValidationError{Field: "AttachmentID", Reason: "is required"}
	case len(attachmentID) > maxAttachmentIDLen:
		return &ValidationError{Field: "AttachmentID", Reason: fmt.Sprintf("is longer than %d bytes", maxAttachmentIDLen)}
	case len(o.NetworkInterfaceID) > maxAttachmentIDLen:
		return &ValidationError{Field: "WaitOptions.NetworkInterfaceID", Reason: fmt.Sprintf("is longer than %d bytes", maxAttachmentIDLen)}
	case strings.ContainsAny(attachmentID, filterWildcards):
		return wildcardError("AttachmentID")
	case strings.ContainsAny(o.NetworkInterfaceID, filterWildcards):
		return wildcardError("WaitOptions.NetworkInterfaceID")
	}
	return validateWaitTiming(o)
}

// validateWaitTiming checks the options' delays and MaxWait.
func validateWaitTiming(o WaitOptions) error {
	switch {
	case o.MinDelay < 0 || o.MaxDelay < o.MinDelay:
		return &ValidationError{Field: "WaitOptions.MinDelay", Reason: "must be positive and at most MaxDelay"}
	case o.MaxWait < 0:
		return &ValidationError{Field: "WaitOptions.MaxWait", Reason: "is negative"}
	}
	return nil
}

// waitGoal is what a wait waits for: the attachment gone (or its
// interface available), or, with attach, the attachment "attached".
type waitGoal struct {
	attachmentID string
	attach       bool
}

// WrongInterfaceError reports that a poll showed the attachment waited on
// attached to another interface than WaitOptions.NetworkInterfaceID: the
// two IDs given do not belong together, and the wait cannot tell which one
// the caller meant.
type WrongInterfaceError struct {
	// AttachmentID is the attachment waited on.
	AttachmentID string
	// NetworkInterfaceID is the interface given in WaitOptions.
	NetworkInterfaceID string
	// Found is the interface the answer showed the attachment on.
	Found string
}

// Error names the three IDs.
func (e *WrongInterfaceError) Error() string {
	return fmt.Sprintf("enidetach: attachment %s is on network interface %s, not on %s (WaitOptions.NetworkInterfaceID)",
		e.AttachmentID, e.Found, e.NetworkInterfaceID)
}

// wait runs the polling loop, filling res. With unlessDetaching set, the
// wait goes on only if the first poll shows the attachment detaching or
// gone; otherwise unlessDetaching is returned. With floor, the first poll
// comes after a first delay of the schedule rather than at once.
func (c *Client) wait(ctx context.Context, goal waitGoal, o WaitOptions, res *WaitResult, start time.Time, unlessDetaching error, floor bool) (*WaitResult, error) {
	attachmentID := goal.attachmentID
	parent := ctx
	pollStart := c.now()
	deadline := pollStart.Add(o.MaxWait)
	if o.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.MaxWait)
		defer cancel()
	}
	// timeout reports the end of the wait with the caller's context error,
	// or DeadlineExceeded from MaxWait.
	timeout := func() (*WaitResult, error) {
		res.Elapsed = c.now().Sub(start)
		cause := parent.Err()
		if cause == nil {
			cause = context.DeadlineExceeded
		}
		return res, &WaitTimeoutError{Last: *res, Err: cause, attaching: goal.attach}
	}
	ours := hasAttachment(attachmentID)
	// The interface to poll, and whether a poll has shown it: an interface
	// that was seen and then is not found was deleted, which detached it
	// (and ends an attach wait with the error); one never seen is asked
	// for by ID, and EC2's NotFound is the error (a wrong ID).
	ifaceID, seen := o.NetworkInterfaceID, false
	eligible, due := pollStart, pollStart
	if floor {
		// At most half the time left (MaxWait, the context's deadline): a
		// wait that ends without a look is of no use to anyone.
		lo, _ := pollWindow(0, o.MinDelay, o.MaxDelay, 0)
		d := c.nextDelay(0, o, 0)
		if dl, ok := ctx.Deadline(); ok {
			left := time.Until(dl) / 2 // MaxWait's deadline is in ctx too
			lo, d = max(min(lo, left), 0), max(min(d, left), 0)
		}
		eligible, due = pollStart.Add(lo), pollStart.Add(d)
	}
	failures := 0
	for {
		if o.MaxWait > 0 && !due.Before(deadline) {
			// Checked on the client's clock too, so that a wait on a fake
			// clock ends as a real one does.
			_ = c.sleep(ctx, max(deadline.Sub(c.now()), 0)) // ends at the deadline either way
			return timeout()
		}
		w := &pollWaiter{filter: filterAttachment, value: attachmentID, match: ours, eligible: eligible}
		if ifaceID != "" {
			id := ifaceID
			w.filter, w.value = filterInterface, id
			w.match = func(it *describeItem) bool { return it.ID == id || ours(it) }
		}
		ans, cerr := c.sharedPoll(ctx, w, due)
		if cerr != nil {
			return timeout()
		}
		res.Polls += ans.calls
		items, err := ans.items, ans.err
		if err == nil && ifaceID != "" && len(items) == 0 && (!seen || goal.attach) {
			// A filter matches nothing both for an interface that does not
			// exist and for one EC2 does not show yet: asked by ID, EC2
			// says which.
			items, _, err = c.describeMatching(ctx, interfaceParams(ifaceID), &res.Polls, w.match)
		}
		if err != nil && seen && !goal.attach && isCode(err, "InvalidNetworkInterfaceID.NotFound") {
			items, err = nil, nil // deleted, which detached it
		}
		now := c.now()
		res.Elapsed = now.Sub(start)
		if err != nil {
			if ctx.Err() != nil {
				return timeout()
			}
			if res.AlreadyDetached {
				// The detach's NotFound already said the attachment is
				// gone; this poll was only to show the interface.
				res.Detached, res.FailedPolls, res.LastPollError = true, res.FailedPolls+1, err
				return res, nil
			}
			if !c.pollMayPass(err) {
				return res, err
			}
			res.FailedPolls, res.LastPollError = res.FailedPolls+1, err
			failures++
			if o.OnPoll != nil {
				o.OnPoll(*res)
			}
			eligible, due = now.Add(o.MinDelay), now.Add(max(c.nextDelay(now.Sub(start), o, failures), c.pollBackoff(err, failures)))
			continue
		}
		failures = 0
		// Each poll replaces the state: nothing of an earlier poll is kept
		// but the interface's ID. A detach wait that does not find its
		// attachment is done; an attach wait goes on: right after an
		// accepted attach, EC2 may still show the interface available or
		// its old attachment.
		for _, it := range items {
			if ours(&it) && ifaceID != "" && it.ID != ifaceID {
				return res, &WrongInterfaceError{AttachmentID: attachmentID, NetworkInterfaceID: ifaceID, Found: it.ID}
			}
		}
		// An answer that shows the attachment, or the interface, two ways
		// (two interfaces claiming the attachment, one interface twice with
		// different states) proves nothing: reading the last item as the
		// truth could report a detach or an attach that did not happen.
		if amb := ambiguousItems(items); amb != nil {
			res.State, res.Detached, res.Attached = InterfaceState{NetworkInterfaceID: ifaceID}, false, false
			return res, &AmbiguousAttachmentError{AttachmentID: attachmentID, Interfaces: amb}
		}
		res.State, res.Detached, res.Attached = InterfaceState{NetworkInterfaceID: ifaceID}, !goal.attach, false
		for _, it := range items {
			ifaceID, seen = it.ID, true
			switch {
			case !ours(&it):
				// Another attachment, if any, is not ours; one without its
				// ID, on an interface not available, may be: that proves no
				// detach.
				res.State = InterfaceState{NetworkInterfaceID: it.ID, Status: it.Status, AvailabilityZone: it.AvailabilityZone}
				if it.Attachment != nil && it.Attachment.ID == "" && it.Status != "available" {
					res.Detached = false
				}
			case goal.attach:
				res.State, res.Attached = it.state(), it.Attachment.Status == "attached"
			default:
				res.State, res.Detached = it.state(), it.Status == "available"
			}
		}
		if o.OnPoll != nil {
			o.OnPoll(*res)
		}
		if res.Detached || res.Attached {
			return res, nil
		}
		if unlessDetaching != nil {
			if res.State.AttachmentStatus != "detaching" {
				return nil, unlessDetaching
			}
			unlessDetaching = nil
		}
		// Another wait's describe may take this one along from MinDelay on:
		// a crowd of waits on one client collapses into one round of
		// describes, sent when the first of them is due.
		eligible, due = now.Add(o.MinDelay), now.Add(c.nextDelay(now.Sub(start), o, 0))
	}
}
