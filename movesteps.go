package enidetach

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// arrived records the interface attached at the target: the move is done.
func (m *move) arrived(st InterfaceState) error {
	m.out.AlreadyAtTarget = !m.out.Detach.Sent && !m.out.Attach.Sent && m.out.Detach.Polls == 0
	if m.out.Attach.AttachmentID == "" {
		m.out.Attach = stepAt(st)
	}
	m.out.Attach.Status = st.AttachmentStatus
	return nil
}

// waitAttaching waits for an attach at the target found in progress.
func (m *move) waitAttaching(ctx context.Context, st InterfaceState) error {
	if m.out.Attach.AttachmentID == "" {
		m.out.Attach = stepAt(st)
	}
	return m.waitAttached(ctx, st.AttachmentID)
}

// attachAndWait attaches the available interface at the target and waits
// until it is attached.
func (m *move) attachAndWait(ctx context.Context) error {
	if err := m.attach(ctx); err != nil {
		return err
	}
	return m.waitAttached(ctx, m.out.Attach.AttachmentID)
}

// leaveSource detaches the interface (moveDetach) or waits for its detach
// (moveWaitDetached), and returns the state the next round decides from.
func (m *move) leaveSource(ctx context.Context, act moveAction, st InterfaceState) (InterfaceState, error) {
	if act == moveDetach {
		incorrectState, err := m.detach(ctx, st)
		if err != nil {
			return st, err
		}
		if incorrectState != nil {
			return m.detachingAlready(ctx, incorrectState)
		}
	}
	if err := m.waitDetached(ctx, st); err != nil {
		return st, err
	}
	// The wait's last poll shows the interface available: attach without
	// another describe. Anything else (attached by someone else meanwhile)
	// is looked at again.
	if s := m.out.State; s.Status == "available" && s.AttachmentID == "" {
		return s, nil
	}
	st, err := m.describe(ctx, moveStepWaitAvailable)
	if err != nil {
		return st, err
	}
	m.out.State = st
	return st, nil
}

// detachingAlready looks again after the detach met IncorrectState: the
// attachment may be detaching already (an earlier attempt whose answer was
// lost). Look rather than guess, and go on only if it is. A describe that
// still shows the attachment attached may lag behind EC2: look a few times.
func (m *move) detachingAlready(ctx context.Context, incorrectState error) (InterfaceState, error) {
	old := m.out.Detach.AttachmentID
	st, err := m.relook(ctx, moveStepDetach, func(s InterfaceState) bool {
		return s.AttachmentID == old && s.AttachmentStatus == "attached"
	})
	if err != nil {
		return st, err
	}
	if st.AttachmentID == old && st.AttachmentStatus != "detaching" {
		return st, &MoveIncompleteError{Step: moveStepDetach, Err: incorrectState}
	}
	return st, nil
}

// stepAt returns a step describing the interface's attachment.
func stepAt(st InterfaceState) MoveStep {
	return st.slot().step(st.AttachmentID)
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

// waitOpts returns the move's wait options for optFns.
func (m *move) waitOpts() func(*WaitOptions) {
	return func(o *WaitOptions) { *o = m.opts; o.NetworkInterfaceID, o.SentAt = m.out.NetworkInterfaceID, m.sent }
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
		m.out.Detach.RequestID, m.sent = out.RequestID, m.c.now()
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
	m.out.Attach.AttachmentID, m.out.Attach.RequestID, m.sent = out.AttachmentID, out.RequestID, m.c.now()
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
