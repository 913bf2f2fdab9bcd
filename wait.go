package enidetach

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// The wait's schedule, chosen by the simulation in waitsim_test.go (see
// BENCHMARKS.md): after the first poll, each delay is the time waited so far
// divided by waitDelayDivisor, at least MinDelay and at most MaxDelay.
const (
	defaultWaitMinDelay = 2 * time.Second
	defaultWaitMaxDelay = 15 * time.Second
	waitDelayDivisor    = 12
)

// pollDelay returns the delay before the next poll when waited has passed
// since the wait began. It has no jitter: MinDelay is a floor and MaxDelay a
// ceiling, exactly. Polls of many waiters still drift apart, since each
// delay counts from the end of the previous poll's request.
func pollDelay(waited, minDelay, maxDelay time.Duration) time.Duration {
	return min(max(waited/waitDelayDivisor, minDelay), maxDelay)
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
	// done.
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
	// Polls is the number of DescribeNetworkInterfaces calls made.
	Polls int
	// Elapsed is the time since the wait began (for DetachAndWait, since
	// the detach was sent), on Options.Clock.
	Elapsed time.Duration
}

// WaitOptions tunes WaitUntilDetached, DetachAndWait and WaitUntilAttached.
type WaitOptions struct {
	// NetworkInterfaceID, when known, is polled by ID from the first poll
	// on; it must be the attachment's interface (LookupAttachment gives
	// both). Without it, the first poll finds the interface by attachment
	// ID and later polls ask for that interface by ID. WaitUntilAttached
	// takes the interface as an argument: there it must be empty or the
	// same.
	NetworkInterfaceID string
	// MinDelay and MaxDelay bound the delay between polls. The first poll
	// is at once; after it, each delay is a twelfth of the time waited so
	// far, at least MinDelay and at most MaxDelay, with no jitter. With the
	// defaults, 2 s and 15 s, the wait polls every 2 s for the first 24 s,
	// then less often, every 15 s from 3 minutes on: about 24 polls in the
	// first minute and 4 a minute later, and a detach is noticed at most a
	// twelfth of its duration (and at least 2 s) after it ends.
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
	// OnPoll, if set, is called after every poll with the result so far.
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

// Error gives the time waited, the polls and the last state seen.
func (e *WaitTimeoutError) Error() string {
	st, goal := e.Last.State, "detached"
	if e.attaching {
		goal = "attached"
	}
	return fmt.Sprintf("enidetach: interface not %s after %s and %d polls (last seen: interface %q status %q, attachment status %q): %v",
		goal, e.Last.Elapsed.Round(time.Millisecond), e.Last.Polls, st.NetworkInterfaceID, st.Status, st.AttachmentStatus, e.Err)
}

// Unwrap returns Err.
func (e *WaitTimeoutError) Unwrap() error { return e.Err }

// WaitUntilDetached polls DescribeNetworkInterfaces until the attachment is
// gone or its interface is "available", and returns the final state. The
// schedule is described at WaitOptions.MinDelay. Throttled polls are
// retried by the client; an error that outlasts the retries ends the wait
// and is returned with the result so far. An attachment that is not found
// counts as detached. When ctx or MaxWait ends the wait first, the error is
// a *WaitTimeoutError carrying the last state.
func (c *Client) WaitUntilDetached(ctx context.Context, attachmentID string, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	opts := waitOptions(optFns)
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError("DescribeNetworkInterfaces", err)
	}
	if err := validateWait(attachmentID, opts); err != nil {
		return nil, c.operationError("DescribeNetworkInterfaces", err)
	}
	return c.wait(ctx, waitGoal{attachmentID: attachmentID}, opts, &WaitResult{}, c.now(), nil)
}

// WaitUntilAttached polls DescribeNetworkInterfaces until the interface
// shows the attachment attachmentID (AttachNetworkInterface's answer) with
// status "attached", and returns the final state with Attached set. It
// keeps the schedule of WaitUntilDetached (see WaitOptions.MinDelay) and
// its errors: a poll's error that outlasts the client's retries ends the
// wait and is returned with the result so far; ctx or MaxWait ending first
// gives a *WaitTimeoutError carrying the last state.
//
// EC2's answers are eventually consistent: right after an accepted attach
// a poll may still show the interface "available", or an earlier
// attachment of it. Neither is a failure; the wait goes on. State then
// holds the interface's ID, status and zone only, as it holds attachment
// fields only for attachmentID. An interface that does not exist is EC2's
// InvalidNetworkInterfaceID.NotFound error. WaitOptions.Idempotent does not
// apply.
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
	return c.wait(ctx, waitGoal{attachmentID: attachmentID, attach: true}, opts, &WaitResult{}, c.now(), nil)
}

// DetachAndWait detaches the interface, then waits until it is detached (see
// WaitUntilDetached). With WaitOptions.Idempotent, a detach answered with
// InvalidAttachmentID.NotFound counts as already done.
//
// The result says which step failed: when the detach fails, DetachAndWait
// returns a nil result and the detach's error; once the detach was
// accepted, it returns the result so far (with Detach set) and the error of
// the poll that failed, or a *WaitTimeoutError.
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
	case opts.Idempotent && isCode(err, "IncorrectState"):
		// Perhaps an earlier detach is still in progress: wait for it if
		// the first poll shows the attachment detaching.
		res.DetachError, unlessDetaching = err, err
	default:
		return nil, err
	}
	return c.wait(ctx, waitGoal{attachmentID: in.AttachmentID}, opts, res, start, unlessDetaching)
}

// isCode reports whether err holds an *APIError with the code.
func isCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}

// now is the client's clock (always set: usable refused a client New did not make).
func (c *Client) now() time.Time { return c.clock() }

func waitOptions(optFns []func(*WaitOptions)) WaitOptions {
	var o WaitOptions
	for _, fn := range optFns {
		fn(&o)
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

func validateWait(attachmentID string, o WaitOptions) error {
	switch {
	case attachmentID == "":
		return &ValidationError{Field: "AttachmentID", Reason: "is required"}
	case len(attachmentID) > maxAttachmentIDLen:
		return &ValidationError{Field: "AttachmentID", Reason: fmt.Sprintf("is longer than %d bytes", maxAttachmentIDLen)}
	case len(o.NetworkInterfaceID) > maxAttachmentIDLen:
		return &ValidationError{Field: "WaitOptions.NetworkInterfaceID", Reason: fmt.Sprintf("is longer than %d bytes", maxAttachmentIDLen)}
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

// wait runs the polling loop, filling res. With unlessDetaching set, the
// wait goes on only if the first poll shows the attachment detaching or
// gone; otherwise unlessDetaching is returned.
func (c *Client) wait(ctx context.Context, goal waitGoal, o WaitOptions, res *WaitResult, start time.Time, unlessDetaching error) (*WaitResult, error) {
	attachmentID := goal.attachmentID
	parent := ctx
	pollStart := c.now()
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
	// The interface to poll by ID, and whether a poll has shown it: an
	// interface that was seen and then is not found was deleted, which
	// detached it (and ends an attach wait with the error); one never seen
	// is an error (a wrong ID).
	ifaceID, seen := o.NetworkInterfaceID, false
	for {
		var items []describeItem
		var err error
		if ifaceID != "" {
			items, _, err = c.describeInterfaces(ctx, url.Values{"NetworkInterfaceId.1": {ifaceID}}, &res.Polls)
			if err != nil && seen && !goal.attach && isCode(err, "InvalidNetworkInterfaceID.NotFound") {
				items, err = nil, nil
			}
		} else {
			items, _, err = c.describeInterfaces(ctx, url.Values{"Filter.1.Name": {"attachment.attachment-id"}, "Filter.1.Value.1": {attachmentID}}, &res.Polls)
		}
		if err != nil {
			if ctx.Err() != nil {
				return timeout()
			}
			res.Elapsed = c.now().Sub(start)
			return res, err
		}
		// Each poll replaces the state: nothing of an earlier poll is kept
		// but the interface's ID. A detach wait that does not find its
		// attachment is done; an attach wait goes on: right after an
		// accepted attach, EC2 may still show the interface available or
		// its old attachment.
		res.State, res.Detached, res.Attached = InterfaceState{NetworkInterfaceID: ifaceID}, !goal.attach, false
		for _, it := range items {
			ours := it.Attachment != nil && it.Attachment.ID == attachmentID
			if (ifaceID != "" && it.ID != ifaceID) || (ifaceID == "" && !ours) {
				continue
			}
			ifaceID, seen = it.ID, true
			switch {
			case !ours:
				// Another attachment, if any, is not ours.
				res.State = InterfaceState{NetworkInterfaceID: it.ID, Status: it.Status, AvailabilityZone: it.AvailabilityZone}
			case goal.attach:
				res.State, res.Attached = it.state(), it.Attachment.Status == "attached"
			default:
				res.State, res.Detached = it.state(), it.Status == "available"
			}
		}
		now := c.now()
		res.Elapsed = now.Sub(start)
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
		d := pollDelay(now.Sub(start), o.MinDelay, o.MaxDelay)
		if o.MaxWait > 0 {
			// Checked on the client's clock too, so that a wait on a fake
			// clock ends as a real one does.
			if left := pollStart.Add(o.MaxWait).Sub(now); d >= left {
				_ = c.sleep(ctx, max(left, 0)) // ends at the deadline either way
				return timeout()
			}
		}
		if err := c.sleep(ctx, d); err != nil {
			return timeout()
		}
	}
}
