package enidetach

import (
	"fmt"
	"time"
)

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
	// Attached reports that WaitUntilAttached or AttachAndWait saw the
	// attachment "attached". Always false for the detach waits.
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
	// Attach is AttachAndWait's attach, as AttachNetworkInterface returned
	// it: the attachment ID waited on and the request ID. Nil for the
	// other waits.
	Attach *AttachNetworkInterfaceOutput
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
	// Contradiction, when set, says why the last answer was no evidence of
	// the state waited for although it did not show the attachment either:
	// an interface asked for by ID that the answer did not show, neither
	// as it is nor as not found. Empty when the last answer simply showed
	// the attachment not yet there.
	Contradiction string

	// attaching marks a timeout of WaitUntilAttached, for the message.
	attaching bool
}

// Error gives the time waited, the polls (and the failed ones, with the
// last failure) and the last state seen, or that nothing was.
func (e *WaitTimeoutError) Error() string {
	st, goal := e.Last.State, "detached"
	if e.attaching {
		goal = "attached"
	}
	failed := ""
	if e.Last.FailedPolls > 0 {
		failed = fmt.Sprintf(", %d failed (last: %v)", e.Last.FailedPolls, e.Last.LastPollError)
	}
	if e.Contradiction != "" {
		failed += "; " + e.Contradiction
	}
	seen := "nothing seen" // no answer showed the interface
	if st != (InterfaceState{}) {
		seen = fmt.Sprintf("last seen: interface %q status %q, attachment status %q", st.NetworkInterfaceID, st.Status, st.AttachmentStatus)
	}
	return fmt.Sprintf("enidetach: interface not %s after %s and %d polls%s (%s): %v",
		goal, e.Last.Elapsed.Round(time.Millisecond), e.Last.Polls, failed, seen, e.Err)
}

// Unwrap returns Err.
func (e *WaitTimeoutError) Unwrap() error { return e.Err }

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
