package enidetach

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Polling defaults of WaitUntilDetached.
const (
	defaultWaitMinDelay = time.Second
	defaultWaitMaxDelay = 15 * time.Second
)

// InterfaceState is a network interface as DescribeNetworkInterfaces shows it.
type InterfaceState struct {
	NetworkInterfaceID string
	// Status is the interface's status: "in-use" while attached or
	// detaching, "available" once detached.
	Status string
	// AttachmentID, AttachmentStatus ("attached", "detaching", ...),
	// InstanceID and DeviceIndex describe the attachment; they are empty
	// once the attachment is gone.
	AttachmentID     string
	AttachmentStatus string
	InstanceID       string
	DeviceIndex      int
}

// WaitResult is the outcome of a wait.
type WaitResult struct {
	// State is the last state seen. When the attachment was already gone
	// at the first poll and no interface ID was given, it holds only what
	// is known: an empty NetworkInterfaceID.
	State InterfaceState
	// Detached reports that the attachment is gone or the interface is
	// available.
	Detached bool
	// AlreadyDetached reports that DetachAndWait's detach answered
	// InvalidAttachmentID.NotFound and WaitOptions.Idempotent counted it as
	// done.
	AlreadyDetached bool
	// Polls is the number of DescribeNetworkInterfaces calls made.
	Polls int
	// Elapsed is the time since the wait began.
	Elapsed time.Duration
}

// WaitOptions tunes WaitUntilDetached and DetachAndWait.
type WaitOptions struct {
	// NetworkInterfaceID, when known, narrows the polls to that interface.
	NetworkInterfaceID string
	// MinDelay is the delay before the second poll (the first is at once);
	// it doubles up to MaxDelay, with jitter. Defaults: 1 s and 15 s.
	MinDelay, MaxDelay time.Duration
	// MaxWait bounds the wait besides the context. 0: only the context.
	MaxWait time.Duration
	// Idempotent makes DetachAndWait treat InvalidAttachmentID.NotFound from
	// the detach as already detached, and IncorrectState as a detach already
	// in progress when the attachment is seen "detaching". A detach retried
	// after a lost response, or run twice by a failover script, sees exactly
	// these.
	Idempotent bool
	// OnPoll, if set, is called after every poll with the state so far.
	OnPoll func(WaitResult)
}

// WaitTimeoutError reports that a wait ended, by WaitOptions.MaxWait or by
// the context, before the interface was detached. It carries the last state
// seen and wraps the context's error (context.DeadlineExceeded for MaxWait).
type WaitTimeoutError struct {
	Last WaitResult
	Err  error
}

// Error gives the time waited, the polls and the last state seen.
func (e *WaitTimeoutError) Error() string {
	st := e.Last.State
	return fmt.Sprintf("enidetach: interface not detached after %s and %d polls (last seen: interface %q status %q, attachment status %q): %v",
		e.Last.Elapsed.Round(time.Millisecond), e.Last.Polls, st.NetworkInterfaceID, st.Status, st.AttachmentStatus, e.Err)
}

// Unwrap returns the context's error.
func (e *WaitTimeoutError) Unwrap() error { return e.Err }

// describeResult decodes DescribeNetworkInterfaces.
type describeResult struct {
	Items []struct {
		ID         string `xml:"networkInterfaceId"`
		Status     string `xml:"status"`
		Attachment *struct {
			ID          string `xml:"attachmentId"`
			Status      string `xml:"status"`
			InstanceID  string `xml:"instanceId"`
			DeviceIndex int    `xml:"deviceIndex"`
		} `xml:"attachment"`
	} `xml:"networkInterfaceSet>item"`
}

// WaitUntilDetached polls DescribeNetworkInterfaces until the attachment is
// gone or its interface is "available", and returns the final state. The
// first poll is at once, the next after WaitOptions.MinDelay, doubling up to
// MaxDelay with jitter. Throttled polls are retried by the client; an error
// that outlasts the retries ends the wait. An attachment that is not found
// counts as detached. When ctx or MaxWait ends the wait first, the error is
// a *WaitTimeoutError carrying the last state.
func (c *Client) WaitUntilDetached(ctx context.Context, attachmentID string, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	opts := waitOptions(optFns)
	if err := validateWait(ctx, attachmentID, opts); err != nil {
		return nil, err
	}
	return c.wait(ctx, attachmentID, opts, time.Now(), nil)
}

// DetachAndWait detaches the interface, then waits until it is detached (see
// WaitUntilDetached). With WaitOptions.Idempotent, a detach answered with
// InvalidAttachmentID.NotFound counts as already done.
func (c *Client) DetachAndWait(ctx context.Context, in *DetachNetworkInterfaceInput, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	opts := waitOptions(optFns)
	if err := in.validate(); err != nil {
		return nil, err
	}
	if in.DryRun {
		return nil, &ValidationError{Field: "DryRun", Reason: "a dry run detaches nothing to wait for; call DetachNetworkInterface"}
	}
	if err := validateWait(ctx, in.AttachmentID, opts); err != nil {
		return nil, err
	}
	start := time.Now()
	already := false
	var detachErr error
	if _, err := c.DetachNetworkInterface(ctx, in); err != nil {
		var ae *APIError
		switch {
		case opts.Idempotent && errors.Is(err, ErrAttachmentNotFound):
			already = true
		case opts.Idempotent && errors.As(err, &ae) && ae.Code == "IncorrectState":
			// Perhaps an earlier detach is still in progress: wait for it
			// if the first poll shows the attachment detaching.
			detachErr = err
		default:
			return nil, err
		}
	}
	res, err := c.wait(ctx, in.AttachmentID, opts, start, detachErr)
	if res != nil {
		res.AlreadyDetached = already
	}
	return res, err
}

func waitOptions(optFns []func(*WaitOptions)) WaitOptions {
	var o WaitOptions
	for _, fn := range optFns {
		fn(&o)
	}
	if o.MinDelay == 0 {
		o.MinDelay = defaultWaitMinDelay
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = max(defaultWaitMaxDelay, o.MinDelay)
	}
	return o
}

func validateWait(ctx context.Context, attachmentID string, o WaitOptions) error {
	switch {
	case ctx == nil:
		return &ValidationError{Field: "ctx", Reason: "is nil"}
	case attachmentID == "":
		return &ValidationError{Field: "AttachmentID", Reason: "is required"}
	case len(attachmentID) > maxAttachmentIDLen:
		return &ValidationError{Field: "AttachmentID", Reason: fmt.Sprintf("is longer than %d bytes", maxAttachmentIDLen)}
	case o.MinDelay < 0 || o.MaxDelay < o.MinDelay:
		return &ValidationError{Field: "WaitOptions.MinDelay", Reason: "must be positive and at most MaxDelay"}
	case o.MaxWait < 0:
		return &ValidationError{Field: "WaitOptions.MaxWait", Reason: "is negative"}
	}
	return nil
}

// wait runs the polling loop. With unlessDetaching set, the wait goes on
// only if the first poll shows the attachment detaching or gone; otherwise
// unlessDetaching is returned.
func (c *Client) wait(ctx context.Context, attachmentID string, o WaitOptions, start time.Time, unlessDetaching error) (*WaitResult, error) {
	parent := ctx
	if o.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.MaxWait)
		defer cancel()
	}
	params := url.Values{"Filter.1.Name": {"attachment.attachment-id"}, "Filter.1.Value.1": {attachmentID}}
	if o.NetworkInterfaceID != "" {
		params = url.Values{"NetworkInterfaceId.1": {o.NetworkInterfaceID}}
	}
	res := &WaitResult{}
	// timeout reports the end of the wait with the caller's context error,
	// or DeadlineExceeded from MaxWait.
	timeout := func() (*WaitResult, error) {
		res.Elapsed = time.Since(start)
		cause := parent.Err()
		if cause == nil {
			cause = ctx.Err()
		}
		return res, &WaitTimeoutError{Last: *res, Err: cause}
	}
	delay := o.MinDelay
	for {
		var out describeResult
		err := c.Call(ctx, "DescribeNetworkInterfaces", params, &out)
		if err != nil {
			if ctx.Err() != nil {
				return timeout()
			}
			res.Elapsed = time.Since(start)
			return res, err
		}
		res.Polls++
		res.Detached = true
		for _, it := range out.Items {
			st := InterfaceState{NetworkInterfaceID: it.ID, Status: it.Status}
			if a := it.Attachment; a != nil && a.ID == attachmentID {
				st.AttachmentID, st.AttachmentStatus, st.InstanceID, st.DeviceIndex = a.ID, a.Status, a.InstanceID, a.DeviceIndex
				res.Detached = it.Status == "available"
			}
			res.State = st
		}
		res.Elapsed = time.Since(start)
		if o.OnPoll != nil {
			o.OnPoll(*res)
		}
		if res.Detached {
			return res, nil
		}
		if unlessDetaching != nil {
			if res.State.AttachmentStatus != "detaching" {
				return nil, unlessDetaching
			}
			unlessDetaching = nil
		}
		// Equal jitter: between half the delay and all of it.
		d := delay/2 + time.Duration(c.jitter()*float64(delay/2))
		if err := c.sleep(ctx, d); err != nil {
			return timeout()
		}
		delay = min(delay*2, o.MaxDelay)
	}
}
