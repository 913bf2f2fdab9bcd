package enidetach

import (
	"cmp"
	"time"
)

// WaitOptions tunes WaitUntilDetached, DetachAndWait, WaitUntilAttached and
// AttachAndWait.
type WaitOptions struct {
	// NetworkInterfaceID, when known, is polled (with the
	// network-interface-id filter) from the first poll on; it must be the
	// attachment's interface (LookupAttachment gives both). Without it,
	// the first poll finds the interface by attachment ID (and so comes at
	// once, before the attachment can be gone) and later polls ask for
	// that interface. A poll whose answer does not show the interface asks
	// for it by ID. Only an answer that shows the interface without the
	// attachment, or EC2's InvalidNetworkInterfaceID.NotFound for an
	// interface an earlier poll showed (it was deleted), is taken as
	// detached: an answer that shows nothing, asked by ID too, is not, and
	// the wait polls on (its *WaitTimeoutError says so). NotFound for an
	// interface never seen ends the wait with that error.
	// WaitUntilAttached takes the interface as an argument: there it must
	// be empty or the same.
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
	// A wait whose detach or attach was just sent (DetachAndWait,
	// AttachAndWait, or SentAt set) makes its first poll a first delay of
	// this schedule after the call was sent (at most half the time MaxWait
	// or the context leave), since a detach takes a second or more; other
	// waits poll at once. After a failed poll, the base doubles with each
	// failure in a row, up to MaxDelay, and a poll that failed throttled
	// never comes back sooner than the client's backoff for it.
	//
	// Waits on one client share their polls: a poll that is due also asks
	// for every other wait whose last poll is at least MinDelay old, and
	// one DescribeNetworkInterfaces (filtered by up to 100 interface or
	// attachment IDs) answers them all. So no wait is polled more often
	// than MinDelay, and a crowd of waits on one client is polled in one
	// round of calls when the first of them is due.
	MinDelay, MaxDelay time.Duration
	// SentAt, when set, is when the detach or attach waited for was sent
	// (on Options.Clock): the first poll comes no earlier than a first
	// delay after it (see MinDelay), when it could have finished, instead
	// of at once. DetachAndWait and AttachAndWait set it themselves.
	SentAt time.Time
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
	// it). It runs in the caller's goroutine. Options.OnEvent also sees
	// every poll, once, as an EventPoll.
	OnPoll func(WaitResult)
}

// waitOptions applies optFns to the defaults.
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

// validateWait checks a wait's attachment ID and options before anything
// is sent.
func validateWait(attachmentID string, o WaitOptions) error {
	if attachmentID == "" {
		return &ValidationError{Field: "AttachmentID", Reason: "is required"}
	}
	// Both are sent as filter values.
	if err := cmp.Or(checkFilterID("AttachmentID", attachmentID), checkFilterID("WaitOptions.NetworkInterfaceID", o.NetworkInterfaceID)); err != nil {
		return err
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
