package enidetach

import (
	"cmp"
	"fmt"
	"time"
)

// MoveNetworkInterfaceInput says which network interface MoveNetworkInterface
// moves and where to. Name the interface by NetworkInterfaceID (the only
// way a move can be re-run after it detached the interface), by the source
// AttachmentID, or by the source slot (FromInstanceID with FromDeviceIndex
// and FromNetworkCardIndex). NetworkInterfaceID may be combined with either
// of the others, which then say where the move expects to find it.
type MoveNetworkInterfaceInput struct {
	// NetworkInterfaceID is the interface to move, such as
	// "eni-0123456789abcdef0". Given alone, the move takes it from
	// whichever instance it is attached to; give FromInstanceID (and the
	// slot) or AttachmentID too, and a re-run refuses to take it from an
	// instance it was attached to since.
	NetworkInterfaceID string
	// AttachmentID is the source attachment, such as
	// "eni-attach-0123456789abcdef0". Once it is detached it cannot be
	// found again: re-run a move by NetworkInterfaceID (the output holds it).
	AttachmentID string
	// FromInstanceID is the source instance; FromDeviceIndex and
	// FromNetworkCardIndex are the interface's slot on it. The primary
	// interface's slot (device index 0 on network card 0) is refused: it
	// cannot be detached. Not with AttachmentID.
	FromInstanceID                        string
	FromDeviceIndex, FromNetworkCardIndex int

	// ToInstanceID is the target instance, in the interface's availability
	// zone, running or stopped. Required.
	ToInstanceID string
	// ToDeviceIndex and ToNetworkCardIndex are the slot to attach at. Device
	// index 0 on network card 0 (the zero values) is the primary
	// interface's slot and is refused, so a slot left unset never reaches
	// EC2.
	ToDeviceIndex, ToNetworkCardIndex int

	// Force detaches the interface even if the source instance does not
	// release it, for a failed source; see DetachNetworkInterfaceInput.Force.
	Force bool
	// DryRun checks the move without changing anything: the interface and
	// the target are read and checked as for a real move, then the detach
	// (when one is needed) and the attach are sent as dry runs. When every
	// call the move would make is permitted, the error matches
	// ErrDryRunOperation; a refused one matches ErrUnauthorizedOperation.
	// When the move would send nothing (the interface is attached or
	// attaching at the target), no dry run is sent and the error is nil.
	DryRun bool
}

// MoveNetworkInterfaceOutput is what MoveNetworkInterface observed. It is
// returned with a *MoveIncompleteError too, holding what was done so far.
type MoveNetworkInterfaceOutput struct {
	// NetworkInterfaceID is the interface moved: keep it to re-run the move.
	NetworkInterfaceID string
	// Start is the interface as the move's first describe showed it, before
	// anything was sent.
	Start InterfaceState
	// AlreadyAtTarget reports that the move found the interface attached at
	// the target slot and sent nothing that changes anything.
	AlreadyAtTarget bool
	// Detach is the first half: the detach and the wait until the interface
	// is available. Its AttachmentID is empty when the interface was found
	// available or already at the target.
	Detach MoveStep
	// Attach is the second half: the attach and the wait until attached.
	// Its AttachmentID is the new attachment.
	Attach MoveStep
	// State is the interface at the move's last describe: attached at the
	// target when the move succeeded.
	State InterfaceState
	// LookupElapsed is the time spent reading the interface and the target
	// instance before anything was sent.
	LookupElapsed time.Duration
	// Elapsed is the whole move's time, on Options.Clock.
	Elapsed time.Duration
}

// MoveStep is what a move observed of one of its halves: a detach or an
// attach, and the wait after it.
type MoveStep struct {
	// AttachmentID is, for the detach, the attachment detached (the old
	// one); for the attach, the attachment made (the new one).
	AttachmentID string
	// InstanceID, DeviceIndex and NetworkCardIndex are where the interface
	// was detached from, or attached to.
	InstanceID                    string
	DeviceIndex, NetworkCardIndex int
	// Sent reports that the move sent the call (or its dry run). It is
	// false when the state found made it needless: the interface was
	// already detaching, available, or attaching at the target.
	Sent bool
	// RequestID identifies the call EC2 answered: the accepted call, or the
	// dry run's answer. Empty when the call was not sent or its answer was
	// lost; a detach whose retry found the attachment gone has the request
	// ID of that answer.
	RequestID string
	// Status is the last status the wait saw: the interface's ("available")
	// after the detach, the attachment's ("attached") after the attach.
	Status string
	// Polls is the number of DescribeNetworkInterfaces calls of the wait.
	Polls int
	// CallElapsed is the time of the call, WaitElapsed that of the wait.
	CallElapsed, WaitElapsed time.Duration
}

// MoveRefusedError reports a move refused before it changed anything: the
// interface was not detached and nothing was attached.
type MoveRefusedError struct {
	// Reason says why, one of:
	//   - "source-not-found": no interface has the AttachmentID, or none is
	//     at the From slot (a re-run after the detach: use NetworkInterfaceID)
	//   - "source-ambiguous": DescribeNetworkInterfaces shows two matches
	//     for the source named (Err holds LookupAttachment's
	//     *AmbiguousAttachmentError, when it found them); nothing is chosen
	//   - "attached-elsewhere": the interface is attached (or attaching, or
	//     detaching) at an instance or slot that is neither the source named
	//     nor the target; the move never takes it from a third place
	//   - "primary-interface": the interface is an instance's primary
	//     interface (device index 0 on network card 0), which cannot be
	//     detached
	//   - "target-not-found": DescribeInstances does not know ToInstanceID
	//   - "target-state": the target is neither running nor stopped, the
	//     states EC2 attaches interfaces in
	//   - "target-zone": the target is in another availability zone than the
	//     interface
	//   - "target-slot-taken": another interface is at the target slot
	Reason string
	// Interface is the interface as the move saw it (empty for
	// "source-not-found").
	Interface InterfaceState
	// Detail says what was seen, with IDs, zones and states.
	Detail string
	// Err is the error behind the refusal, when there is one: DescribeInstances'
	// InvalidInstanceID.NotFound for "target-not-found".
	Err error
}

// Error gives the reason and what was seen.
func (e *MoveRefusedError) Error() string {
	msg := "enidetach: move refused (" + e.Reason + "): " + e.Detail
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns Err.
func (e *MoveRefusedError) Unwrap() error { return e.Err }

// Is matches the sentinel of the answer EC2 would have given the attach,
// so that one errors.Is covers the move's check and EC2's own refusal:
// ErrInterfaceInUse for "attached-elsewhere", ErrDeviceIndexInUse for
// "target-slot-taken", ErrZoneMismatch for "target-zone". The error is
// still not an *APIError: EC2 was not asked.
func (e *MoveRefusedError) Is(target error) bool {
	switch e.Reason {
	case "attached-elsewhere":
		return target == ErrInterfaceInUse
	case "target-slot-taken":
		return target == ErrDeviceIndexInUse
	case "target-zone":
		return target == ErrZoneMismatch
	}
	return false
}

// MoveIncompleteError reports a move that stopped after it sent a detach or
// an attach, or while it waited: the interface may be detached and not yet
// attached. Running the same move again (by NetworkInterfaceID) continues
// from where it is.
type MoveIncompleteError struct {
	// Step is where the move stopped: "detach", "wait-available", "attach"
	// or "wait-attached".
	Step string
	// Output is what was done so far, the value MoveNetworkInterface
	// returned with the error.
	Output *MoveNetworkInterfaceOutput
	// Err is the step's error: the call's (an *APIError when EC2 refused
	// it), or a *WaitTimeoutError when the context or WaitOptions.MaxWait
	// ended a wait.
	Err error
}

// Error names the step, the interface and the step's error.
func (e *MoveIncompleteError) Error() string {
	id := ""
	if e.Output != nil {
		id = e.Output.NetworkInterfaceID
	}
	return fmt.Sprintf("enidetach: move of %s stopped at %s: %v", id, e.Step, e.Err)
}

// Unwrap returns Err.
func (e *MoveIncompleteError) Unwrap() error { return e.Err }

// The steps a MoveIncompleteError names.
const (
	moveStepDetach        = "detach"
	moveStepWaitAvailable = "wait-available"
	moveStepAttach        = "attach"
	moveStepWaitAttached  = "wait-attached"
)

// validate checks the input before anything is sent.
func (in *MoveNetworkInterfaceInput) validate() error {
	if in == nil {
		return &ValidationError{Field: "input", Reason: "is nil"}
	}
	from, to := in.from(), in.to()
	// The source attachment and instance are sent as filter values.
	if err := cmp.Or(checkID("NetworkInterfaceID", in.NetworkInterfaceID), checkFilterID("AttachmentID", in.AttachmentID),
		checkFilterID("FromInstanceID", in.FromInstanceID), checkID("ToInstanceID", in.ToInstanceID),
		from.checkIndexes("FromDeviceIndex", "FromNetworkCardIndex"), to.checkIndexes("ToDeviceIndex", "ToNetworkCardIndex")); err != nil {
		return err
	}
	switch {
	case in.NetworkInterfaceID == "" && in.AttachmentID == "" && in.FromInstanceID == "":
		return &ValidationError{Field: "NetworkInterfaceID", Reason: "(or AttachmentID, or FromInstanceID with FromDeviceIndex) is required"}
	case in.AttachmentID != "" && in.FromInstanceID != "":
		return &ValidationError{Field: "AttachmentID", Reason: "cannot be combined with FromInstanceID: name the source one way"}
	case in.FromInstanceID == "" && from != (slot{}):
		return &ValidationError{Field: "FromDeviceIndex", Reason: "needs FromInstanceID"}
	case in.FromInstanceID != "" && from.primary():
		return from.refusePrimary("FromDeviceIndex", ", which cannot be detached (set the source's device index)")
	case in.ToInstanceID == "":
		return &ValidationError{Field: "ToInstanceID", Reason: "is required"}
	case to.primary():
		return to.refusePrimary("ToDeviceIndex", " (set the target's device index)")
	case from == to:
		return &ValidationError{Field: "ToDeviceIndex", Reason: "is the source slot: the move would detach and attach the interface where it is"}
	}
	return nil
}
