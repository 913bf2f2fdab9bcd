package enidetach

import "context"

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
	return c.wait(ctx, waitGoal{attachmentID: attachmentID, attach: true, sent: opts.SentAt}, opts, &WaitResult{}, c.now())
}

// AttachAndWait attaches the interface (AttachNetworkInterface, with its
// resolution of a lost response by looking), then waits until the new
// attachment is "attached" (see WaitUntilAttached), with the same options.
// The first poll comes a first delay after the attach was sent (see
// WaitOptions.MinDelay), when it could have finished. WaitOptions.Idempotent
// does not apply: an interface already attached is AttachNetworkInterface's
// error (ErrInterfaceInUse), for the caller to judge (MoveNetworkInterface
// converges from any state).
//
// The result says which step failed: when the attach fails, AttachAndWait
// returns a nil result and the attach's error; once the attach was
// accepted, it returns the result so far, with Attach set, and the error of
// a poll whose answer will not change, or a *WaitTimeoutError.
func (c *Client) AttachAndWait(ctx context.Context, in *AttachNetworkInterfaceInput, optFns ...func(*WaitOptions)) (*WaitResult, error) {
	// Refused before anything is sent, named for the request that was not.
	const action = "AttachNetworkInterface"
	opts := waitOptions(optFns)
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	switch {
	case in.DryRun:
		return nil, c.operationError(action, &ValidationError{Field: "DryRun", Reason: "a dry run attaches nothing to wait for; call AttachNetworkInterface"})
	case opts.NetworkInterfaceID != "" && opts.NetworkInterfaceID != in.NetworkInterfaceID:
		return nil, c.operationError(action, &ValidationError{Field: "WaitOptions.NetworkInterfaceID", Reason: "differs from the interface attached"})
	}
	if err := validateWaitTiming(opts); err != nil {
		return nil, c.operationError(action, err)
	}
	opts.NetworkInterfaceID = in.NetworkInterfaceID
	start := c.now()
	out, err := c.AttachNetworkInterface(ctx, in)
	if err != nil {
		return nil, err
	}
	// The first delay counts from the answer: an attach throttled, or
	// resolved by looking, was accepted only now.
	g := waitGoal{attachmentID: out.AttachmentID, attach: true, sent: c.now()}
	return c.wait(ctx, g, opts, &WaitResult{Attach: out}, start)
}
