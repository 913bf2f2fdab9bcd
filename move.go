package enidetach

import (
	"context"
	"errors"
	"fmt"
	"time"
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

// move is one MoveNetworkInterface call in progress.
type move struct {
	c     *Client
	in    *MoveNetworkInterfaceInput
	opts  WaitOptions
	start time.Time
	out   *MoveNetworkInterfaceOutput
	// sent is when this run's last detach or attach was accepted: the
	// wait after it polls first when the call could have finished
	// (WaitOptions.SentAt), not at once, when it would see it in progress.
	sent time.Time
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

// run is the move, as its steps: read the interface and refuse what can be
// known to fail (begin), then act on what was seen (a step) and look again,
// until the interface is attached at the target or a step fails. Each round
// starts from a state seen by a describe (or by the last poll of a wait),
// so a move interrupted anywhere continues when run again.
func (m *move) run(ctx context.Context) (*MoveNetworkInterfaceOutput, error) {
	st, act, err := m.begin(ctx)
	if err != nil {
		return nil, err // nothing was sent
	}
	if m.in.DryRun {
		return m.dryRun(ctx, act, st)
	}
	for round := 1; ; round++ {
		switch act {
		case moveDone:
			return m.finish(m.arrived(st))
		case moveWaitAttached:
			return m.finish(m.waitAttaching(ctx, st))
		case moveAttach:
			return m.finish(m.attachAndWait(ctx))
		}
		// moveDetach or moveWaitDetached: the interface leaves the source.
		if st, err = m.leaveSource(ctx, act, st); err != nil {
			return m.finish(err)
		}
		if round == maxMoveRounds {
			return m.finish(m.unsettled())
		}
		if act, err = m.decide(st); err != nil {
			// Someone else changed the interface while the move waited.
			return m.finish(&MoveIncompleteError{Step: moveStepWaitAvailable, Err: err})
		}
	}
}

// begin reads the interface and decides the first step. What can be known
// to fail is refused here, before anything is sent: the source (lookup,
// decide) and, unless the interface is already at the target, the target
// (checkTarget).
func (m *move) begin(ctx context.Context) (InterfaceState, moveAction, error) {
	st, err := m.lookup(ctx)
	if err != nil {
		return st, 0, err
	}
	m.out.NetworkInterfaceID, m.out.Start, m.out.State = st.NetworkInterfaceID, st, st
	act, err := m.decide(st)
	if err != nil {
		return st, 0, err
	}
	if act != moveDone && act != moveWaitAttached {
		if err := m.checkTarget(ctx, st); err != nil {
			return st, 0, err
		}
	}
	m.out.LookupElapsed = m.c.now().Sub(m.start)
	return st, act, nil
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

// unsettled is the error of a move that ran out of rounds.
func (m *move) unsettled() error {
	s := m.out.State
	return &MoveIncompleteError{Step: moveStepWaitAvailable,
		Err: fmt.Errorf("the interface did not settle in %d rounds: someone else is changing it (last seen: status %q, attachment %s %q at %s)",
			maxMoveRounds, s.Status, s.AttachmentID, s.AttachmentStatus, s.InstanceID)}
}
