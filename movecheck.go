package enidetach

import (
	"context"
	"errors"
	"fmt"
)

// What the move reads and refuses before it sends anything: the source
// (lookup), the state it is in (decide) and the target (checkTarget).

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
