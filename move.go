package enidetach

import (
	"cmp"
	"context"
	"errors"
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

// maxMoveRounds bounds the move's look-and-act rounds. A round ends in an
// answer or after one step; more than a few means the interface is being
// changed by someone else at the same time.
const maxMoveRounds = 6

// MoveNetworkInterface moves a network interface to another instance, as a
// failover does: it reads the interface, checks the target, detaches the
// interface, waits until it is available, attaches it at the target slot
// and waits until it is attached, and returns what each step observed.
//
// It starts from wherever the interface is, so it can be re-run after an
// interruption at any point: attached at the target is done, with nothing
// sent that changes anything; attaching at the target is waited for;
// available goes straight to the attach; detaching is waited for. An
// interface attached at a place that is neither the source named nor the
// target is refused, never taken from a third instance.
//
// What can be known to fail is refused before anything is detached, with a
// *MoveRefusedError: an interface attached elsewhere, a primary interface,
// a source not found or matched twice, a target that DescribeInstances
// does not know (the move needs the
// ec2:DescribeInstances permission), that is not running or stopped, that
// is in another zone, or whose slot holds another interface.
//
// optFns tune both waits (see WaitOptions; WaitOptions.MaxWait bounds each
// wait, and NetworkInterfaceID must be left empty). Once the move has sent
// a detach or an attach, or is waiting, any error, the context's included,
// is a *MoveIncompleteError naming the step, returned with the output so
// far; errors.As finds the step's own error in it. Errors before that are
// the reads' own (an unknown interface is EC2's
// InvalidNetworkInterfaceID.NotFound *APIError), a *MoveRefusedError or a
// *ValidationError.
func (c *Client) MoveNetworkInterface(ctx context.Context, in *MoveNetworkInterfaceInput, optFns ...func(*WaitOptions)) (*MoveNetworkInterfaceOutput, error) {
	if err := c.usable(ctx); err != nil {
		return nil, err
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	opts := waitOptions(optFns)
	if opts.NetworkInterfaceID != "" {
		return nil, &ValidationError{Field: "WaitOptions.NetworkInterfaceID", Reason: "must be empty: the move sets it; name the interface in MoveNetworkInterfaceInput"}
	}
	// The wait options are checked now, before anything is sent: the
	// attachment IDs they will wait on are not known yet.
	if err := validateWaitTiming(opts); err != nil {
		return nil, err
	}
	input := *in // the caller may reuse theirs while the move runs
	m := &move{c: c, in: &input, opts: opts, start: c.now(), out: &MoveNetworkInterfaceOutput{}}
	return m.run(ctx)
}

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

// move is one MoveNetworkInterface call in progress.
type move struct {
	c     *Client
	in    *MoveNetworkInterfaceInput
	opts  WaitOptions
	start time.Time
	out   *MoveNetworkInterfaceOutput
}

// moveAction is what a round of the move does next, from the state seen.
type moveAction int

const (
	moveDone         moveAction = iota // attached at the target
	moveWaitAttached                   // attaching at the target
	moveWaitDetached                   // detaching from the source
	moveDetach                         // attached (or attaching) at the source
	moveAttach                         // available
)

// run looks at the interface and acts on what it sees, step by step, until
// the interface is attached at the target or a step fails. Each round
// starts from a state seen by a describe (or by the last poll of a wait),
// so a move interrupted anywhere continues when run again.
func (m *move) run(ctx context.Context) (*MoveNetworkInterfaceOutput, error) {
	st, err := m.lookup(ctx)
	if err != nil {
		return nil, err
	}
	m.out.NetworkInterfaceID, m.out.Start, m.out.State = st.NetworkInterfaceID, st, st
	for round := 0; round < maxMoveRounds; round++ {
		act, err := m.decide(st)
		if err != nil {
			if round == 0 {
				return nil, err // nothing was sent
			}
			// Someone else changed the interface while the move waited.
			return m.finish(&MoveIncompleteError{Step: moveStepWaitAvailable, Err: err})
		}
		if round == 0 {
			if act != moveDone && act != moveWaitAttached {
				if err := m.checkTarget(ctx, st); err != nil {
					return nil, err
				}
			}
			m.out.LookupElapsed = m.c.now().Sub(m.start)
			if m.in.DryRun {
				return m.dryRun(ctx, act, st)
			}
		}
		switch act {
		case moveDone:
			m.out.AlreadyAtTarget = !m.out.Detach.Sent && !m.out.Attach.Sent && m.out.Detach.Polls == 0
			if m.out.Attach.AttachmentID == "" {
				m.out.Attach = stepAt(st)
			}
			m.out.Attach.Status = st.AttachmentStatus
			return m.finish(nil)
		case moveWaitAttached:
			if m.out.Attach.AttachmentID == "" {
				m.out.Attach = stepAt(st)
			}
			return m.finish(m.waitAttached(ctx, st.AttachmentID))
		case moveAttach:
			if err := m.attach(ctx); err != nil {
				return m.finish(err)
			}
			return m.finish(m.waitAttached(ctx, m.out.Attach.AttachmentID))
		case moveDetach:
			incorrectState, err := m.detach(ctx, st)
			if err != nil {
				return m.finish(err)
			}
			if incorrectState != nil {
				// Perhaps detaching already: look again rather than guess,
				// and go on only if it is. A describe that still shows the
				// attachment attached may lag behind EC2: look a few times.
				old := m.out.Detach.AttachmentID
				if st, err = m.relook(ctx, moveStepDetach, func(s InterfaceState) bool {
					return s.AttachmentID == old && s.AttachmentStatus == "attached"
				}); err != nil {
					return m.finish(err)
				}
				if st.AttachmentID == old && st.AttachmentStatus != "detaching" {
					return m.finish(&MoveIncompleteError{Step: moveStepDetach, Err: incorrectState})
				}
				continue
			}
			fallthrough
		case moveWaitDetached:
			if err := m.waitDetached(ctx, st); err != nil {
				return m.finish(err)
			}
			// The wait's last poll shows the interface available: attach
			// without another describe. Anything else (attached by someone
			// else meanwhile) is looked at again.
			if s := m.out.State; s.Status == "available" && s.AttachmentID == "" {
				st = s
				continue
			}
		}
		if st, err = m.describe(ctx, moveStepWaitAvailable); err != nil {
			return m.finish(err)
		}
		m.out.State = st
	}
	return m.finish(&MoveIncompleteError{Step: moveStepWaitAvailable,
		Err: fmt.Errorf("the interface did not settle in %d rounds: someone else is changing it (last seen: status %q, attachment %s %q at %s)",
			maxMoveRounds, m.out.State.Status, m.out.State.AttachmentID, m.out.State.AttachmentStatus, m.out.State.InstanceID)})
}

// finish sets the elapsed time and, for an error, the partial output.
func (m *move) finish(err error) (*MoveNetworkInterfaceOutput, error) {
	m.out.Elapsed = m.c.now().Sub(m.start)
	var inc *MoveIncompleteError
	if errors.As(err, &inc) && inc.Output == nil {
		inc.Output = m.out
	}
	return m.out, err
}

// stepAt returns a step describing the interface's attachment.
func stepAt(st InterfaceState) MoveStep {
	return st.slot().step(st.AttachmentID)
}

// lookup reads the interface before anything is sent: by its ID or the
// source slot with LookupAttachment, or by the source attachment. An
// answer that matches twice is refused, never guessed from.
func (m *move) lookup(ctx context.Context) (InterfaceState, error) {
	in := m.in
	const rerun = " (a move re-run after its detach finds the interface only by NetworkInterfaceID)"
	if in.AttachmentID != "" && in.NetworkInterfaceID == "" {
		var calls int
		items, _, err := m.c.describeMatching(ctx, filterParams(filterAttachment, in.AttachmentID), &calls, hasAttachment(in.AttachmentID))
		switch {
		case err != nil:
			return InterfaceState{}, err
		case len(items) == 0:
			return InterfaceState{}, &MoveRefusedError{Reason: "source-not-found", Detail: "no interface has attachment " + in.AttachmentID + rerun}
		case len(items) > 1:
			return InterfaceState{}, &MoveRefusedError{Reason: "source-ambiguous", Interface: items[0].state(),
				Detail: fmt.Sprintf("%d interfaces have attachment %s (%s, %s...)", len(items), in.AttachmentID, items[0].ID, items[1].ID)}
		}
		return items[0].state(), nil
	}
	look := &LookupAttachmentInput{NetworkInterfaceID: in.NetworkInterfaceID}
	if in.NetworkInterfaceID == "" {
		look = &LookupAttachmentInput{InstanceID: in.FromInstanceID, DeviceIndex: in.FromDeviceIndex, NetworkCardIndex: in.FromNetworkCardIndex}
	}
	st, err := m.c.LookupAttachment(ctx, look)
	var none *NoAttachmentError
	var ambiguous *AmbiguousAttachmentError
	switch {
	case err == nil:
		return *st, nil
	case errors.As(err, &none) && none.Interface != nil:
		return *none.Interface, nil // the interface, attached nowhere
	case errors.As(err, &none) && in.NetworkInterfaceID != "":
		// EC2 answers an unknown interface ID with an error; an answer
		// without it is not one to act on.
		return InterfaceState{}, &MoveRefusedError{Reason: "source-not-found", Detail: "DescribeNetworkInterfaces did not return interface " + in.NetworkInterfaceID, Err: err}
	case errors.As(err, &none):
		return InterfaceState{}, &MoveRefusedError{Reason: "source-not-found", Err: err,
			Detail: fmt.Sprintf("no interface is attached to instance %s at device index %d, network card %d", in.FromInstanceID, in.FromDeviceIndex, in.FromNetworkCardIndex) + rerun}
	case errors.As(err, &ambiguous):
		return InterfaceState{}, &MoveRefusedError{Reason: "source-ambiguous", Interface: ambiguous.Interfaces[0], Err: err,
			Detail: "DescribeNetworkInterfaces shows more than one match"}
	}
	return InterfaceState{}, err
}

// describe reads the interface by ID during the move; an error is the
// step's.
func (m *move) describe(ctx context.Context, step string) (InterfaceState, error) {
	var calls int
	items, _, err := m.c.describeMatching(ctx, interfaceParams(m.out.NetworkInterfaceID), &calls, isInterface(m.out.NetworkInterfaceID))
	if err != nil {
		return InterfaceState{}, &MoveIncompleteError{Step: step, Err: err}
	}
	if len(items) > 0 {
		return items[0].state(), nil
	}
	return InterfaceState{}, &MoveIncompleteError{Step: step, Err: fmt.Errorf("DescribeNetworkInterfaces did not return interface %s", m.out.NetworkInterfaceID)}
}

// relook describes the interface again after an ambiguous answer, as
// AttachNetworkInterface's resolveInUseSince does: at once, then after the
// delays of resolveDelays while stale reports that the describe may still
// show the state from before the change. It returns the last state seen.
func (m *move) relook(ctx context.Context, step string, stale func(InterfaceState) bool) (InterfaceState, error) {
	var st InterfaceState
	for _, d := range resolveDelays {
		if d > 0 {
			if err := m.c.sleep(ctx, d); err != nil {
				return st, &MoveIncompleteError{Step: step, Err: err}
			}
		}
		var err error
		if st, err = m.describe(ctx, step); err != nil {
			return st, err
		}
		m.out.State = st
		if !stale(st) {
			break
		}
	}
	return st, nil
}

// atTarget reports whether the interface's attachment is at the target slot.
func (m *move) atTarget(st InterfaceState) bool {
	return st.AttachmentID != "" && st.slot() == m.in.to()
}

// atSource reports whether the interface's attachment is the source the
// input names (with NetworkInterfaceID alone, any attachment is) and the
// one the move found first: an attachment made while the move runs is
// someone else's, never the move's to detach.
func (m *move) atSource(st InterfaceState) bool {
	in := m.in
	switch {
	case st.AttachmentID == "" || st.AttachmentID != m.out.Start.AttachmentID:
		return false
	case in.AttachmentID != "":
		return st.AttachmentID == in.AttachmentID
	case in.FromInstanceID != "":
		return st.slot() == in.from()
	}
	return true
}

// decide returns what to do from the state seen, or why not to.
func (m *move) decide(st InterfaceState) (moveAction, error) {
	switch {
	case st.AttachmentID == "" && st.Status == "available":
		return moveAttach, nil
	case st.AttachmentID == "":
		// In use without an attachment shown: an answer not to act on.
		return 0, &MoveRefusedError{Reason: "attached-elsewhere", Interface: st,
			Detail: fmt.Sprintf("interface %s has status %q and no attachment", st.NetworkInterfaceID, st.Status)}
	case m.atTarget(st) && st.AttachmentStatus == "attached":
		return moveDone, nil
	case m.atTarget(st) && st.AttachmentStatus == "attaching":
		return moveWaitAttached, nil
	case !m.atSource(st):
		return 0, &MoveRefusedError{Reason: "attached-elsewhere", Interface: st,
			Detail: fmt.Sprintf("interface %s is %s at instance %s (device index %d, network card %d), which is neither the source named nor the target",
				st.NetworkInterfaceID, st.AttachmentStatus, st.InstanceID, st.DeviceIndex, st.NetworkCardIndex)}
	case st.slot().primary():
		return 0, &MoveRefusedError{Reason: "primary-interface", Interface: st,
			Detail: fmt.Sprintf("interface %s is the primary interface of instance %s (device index 0, network card 0), which cannot be detached", st.NetworkInterfaceID, st.InstanceID)}
	case st.AttachmentStatus == "detaching":
		return moveWaitDetached, nil
	}
	return moveDetach, nil
}

// checkTarget refuses a target that the attach would fail on, before the
// move detaches anything: EC2 attaches an interface to an instance that is
// running (hot attach) or stopped (warm attach) and in the interface's
// availability zone ("Network interface attachments", Amazon EC2 User
// Guide), at a free slot.
func (m *move) checkTarget(ctx context.Context, st InterfaceState) error {
	target, err := m.c.describeInstance(ctx, m.in.ToInstanceID)
	refused := func(reason, detail string, err error) error {
		return &MoveRefusedError{Reason: reason, Interface: st, Detail: detail, Err: err}
	}
	switch {
	case isCode(err, "InvalidInstanceID.NotFound"):
		return refused("target-not-found", "instance "+m.in.ToInstanceID+" does not exist", err)
	case err != nil:
		return err
	case target == nil:
		return refused("target-not-found", "DescribeInstances did not return instance "+m.in.ToInstanceID, nil)
	case target.State != "running" && target.State != "stopped":
		return refused("target-state", fmt.Sprintf("instance %s is %q; an interface is attached to a running or stopped instance", target.InstanceID, target.State), nil)
	case st.AvailabilityZone != "" && target.AvailabilityZone != st.AvailabilityZone:
		return refused("target-zone", fmt.Sprintf("instance %s is in %s, interface %s in %s", target.InstanceID, target.AvailabilityZone, st.NetworkInterfaceID, st.AvailabilityZone), nil)
	}
	if h := target.slotHolder(m.in.to()); h != nil && h.NetworkInterfaceID != st.NetworkInterfaceID {
		return refused("target-slot-taken", fmt.Sprintf("instance %s has interface %s at device index %d, network card %d",
			target.InstanceID, h.NetworkInterfaceID, m.in.ToDeviceIndex, m.in.ToNetworkCardIndex), nil)
	}
	return nil
}

// dryRun sends the dry runs of the calls the move would make from the
// state seen, and returns the last answer: DryRunOperation when all are
// permitted.
func (m *move) dryRun(ctx context.Context, act moveAction, st InterfaceState) (*MoveNetworkInterfaceOutput, error) {
	if act == moveDetach {
		m.out.Detach = stepAt(st)
		m.out.Detach.Sent = true
		_, err := m.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: st.AttachmentID, Force: m.in.Force, DryRun: true})
		m.out.Detach.RequestID = requestIDOf(err)
		if !errors.Is(err, ErrDryRunOperation) {
			return m.finish(err)
		}
	}
	if act == moveDetach || act == moveWaitDetached || act == moveAttach {
		m.out.Attach = m.in.to().step("")
		m.out.Attach.Sent = true
		_, err := m.c.AttachNetworkInterface(ctx, m.attachInput(true))
		m.out.Attach.RequestID = requestIDOf(err)
		return m.finish(err)
	}
	// Attached or attaching at the target: nothing to send.
	m.out.AlreadyAtTarget = act == moveDone
	return m.finish(nil)
}

// requestIDOf returns the request ID of an *APIError in err.
func requestIDOf(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.RequestID
	}
	return ""
}

// waitOpts returns the move's wait options for optFns.
func (m *move) waitOpts() func(*WaitOptions) {
	return func(o *WaitOptions) { *o = m.opts; o.NetworkInterfaceID = m.out.NetworkInterfaceID }
}

// detach sends the detach. An IncorrectState answer (the attachment is
// attaching or detaching, perhaps by an earlier attempt whose answer was
// lost) is returned as incorrectState for the caller to look again.
func (m *move) detach(ctx context.Context, st InterfaceState) (incorrectState, err error) {
	m.out.Detach = stepAt(st)
	m.out.Detach.Sent = true
	t := m.c.now()
	out, err := m.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: st.AttachmentID, Force: m.in.Force})
	m.out.Detach.CallElapsed = m.c.now().Sub(t)
	switch {
	case err == nil:
		m.out.Detach.RequestID = out.RequestID
		return nil, nil
	case errors.Is(err, ErrAttachmentNotFound):
		// The attachment is gone: an earlier attempt whose answer was lost
		// detached it, or someone else did. The wait shows where the
		// interface is.
		m.out.Detach.RequestID = requestIDOf(err)
		return nil, nil
	case errors.Is(err, ErrIncorrectState):
		m.out.Detach.RequestID = requestIDOf(err)
		return err, nil
	}
	return nil, &MoveIncompleteError{Step: moveStepDetach, Err: err}
}

// waitDetached waits until the source attachment is gone.
func (m *move) waitDetached(ctx context.Context, st InterfaceState) error {
	if m.out.Detach.AttachmentID == "" {
		m.out.Detach = stepAt(st)
	}
	res, err := m.c.WaitUntilDetached(ctx, st.AttachmentID, m.waitOpts())
	if res != nil {
		m.out.Detach.Status, m.out.Detach.Polls = res.State.Status, m.out.Detach.Polls+res.Polls
		m.out.Detach.WaitElapsed += res.Elapsed
		if res.State.NetworkInterfaceID != "" {
			m.out.State = res.State
		}
	}
	if err != nil {
		return &MoveIncompleteError{Step: moveStepWaitAvailable, Err: err}
	}
	return nil
}

// rerunWindow bounds how long before a move began an attachment at its
// target slot may have been made and still be taken, after the move's
// attach met InvalidNetworkInterface.InUse, as made by an earlier run of
// the same move that was stopped right after its attach (a describe lagging
// behind it had shown the interface available). EC2's describes lag by
// seconds; a script re-runs a stopped move within minutes. An older
// attachment at the slot is another party's, or a describe's stale view:
// the InUse stands, and a re-run once the describes agree converges.
const rerunWindow = 15 * time.Minute

// attachInput returns the attach of the interface at the target slot.
func (m *move) attachInput(dryRun bool) *AttachNetworkInterfaceInput {
	return &AttachNetworkInterfaceInput{NetworkInterfaceID: m.out.NetworkInterfaceID, InstanceID: m.in.ToInstanceID,
		DeviceIndex: m.in.ToDeviceIndex, NetworkCardIndex: m.in.ToNetworkCardIndex, DryRun: dryRun}
}

// attach sends the attach.
func (m *move) attach(ctx context.Context) error {
	m.out.Attach = m.in.to().step("")
	m.out.Attach.Sent = true
	t := m.c.now()
	out, err := m.c.AttachNetworkInterface(ctx, m.attachInput(false))
	if errors.Is(err, ErrInterfaceInUse) {
		// The move saw the interface available, so a lagging describe
		// may have hidden an attach made since (by a run of this move
		// that was stopped right after it): in use at the target slot is
		// what the move wants. Anywhere else, the InUse stands.
		// Only an attachment made since shortly before this run began
		// counts: a run stopped after its attach is re-run within
		// minutes, while an older attachment at the slot, still shown by
		// a describe, is not the one the move made.
		since := m.c.engine.ServiceTime(m.start).Add(-rerunWindow)
		if found, ok := m.c.resolveInUseSince(ctx, m.attachInput(false), since); ok {
			out, err = found, nil
		}
	}
	m.out.Attach.CallElapsed = m.c.now().Sub(t)
	if err != nil {
		m.out.Attach.RequestID = requestIDOf(err)
		return &MoveIncompleteError{Step: moveStepAttach, Err: err}
	}
	m.out.Attach.AttachmentID, m.out.Attach.RequestID = out.AttachmentID, out.RequestID
	return nil
}

// waitAttached waits until the attachment is attached at the target.
func (m *move) waitAttached(ctx context.Context, attachmentID string) error {
	res, err := m.c.WaitUntilAttached(ctx, m.out.NetworkInterfaceID, attachmentID, m.waitOpts())
	if res != nil {
		m.out.Attach.Status, m.out.Attach.Polls = res.State.AttachmentStatus, res.Polls
		m.out.Attach.WaitElapsed = res.Elapsed
		if res.State.NetworkInterfaceID != "" {
			m.out.State = res.State
		}
	}
	if err != nil {
		return &MoveIncompleteError{Step: moveStepWaitAttached, Err: err}
	}
	return nil
}
