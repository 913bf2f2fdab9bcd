package enidetach

import (
	"context"
	"errors"
)

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
