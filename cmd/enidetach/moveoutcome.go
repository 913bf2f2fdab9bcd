package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ec2lite/enidetach"
)

// moveOutcome returns the error to print for a move that ended with err,
// and the exit status.
func moveOutcome(ctx context.Context, err error) (*errorJSON, int) {
	switch ie := interruptedBy(ctx); {
	case err == nil:
		return nil, exitOK
	case ie != nil && errors.Is(err, context.Canceled):
		e, status := interruptedMove(ie, err)
		e.Action = operation(err)
		return e, status
	}
	return describeMove(err)
}

// describeMove turns a move's error into its JSON form and the exit
// status: 1 when the move was refused before it changed anything or its
// detach or attach was refused (or could not connect), 3 when a call was
// accepted (or sent, its answer lost) but the move was not seen finished.
func describeMove(err error) (*errorJSON, int) {
	var (
		mr  *enidetach.MoveRefusedError
		inc *enidetach.MoveIncompleteError
		ue  *usageError
	)
	switch {
	case errors.As(err, &mr):
		e, _ := describe(err) // EC2's code and request ID behind it, if any
		e.Kind, e.Reason, e.Message = "refused", mr.Reason, mr.Error()
		if errors.As(err, &inc) {
			// Refused after the move had sent its detach (someone else
			// attached the interface meanwhile): say where it stopped.
			// Running it again cannot finish it: still exit 1.
			e.Step, e.Message = inc.Step, inc.Error()
		}
		return e, exitRefused
	case errors.As(err, &ue):
		return &errorJSON{Kind: "validation", Message: ue.msg}, exitUsage
	case !errors.As(err, &inc):
		return describe(err) // before anything was sent
	}
	e, _ := describe(inc.Err) // its kind, action, code and request ID
	e.Step, e.Message = inc.Step, inc.Error()
	var status int
	switch {
	case errors.Is(inc.Err, context.DeadlineExceeded):
		e.Kind, status = "timeout", exitPending
	case (inc.Step == "detach" || inc.Step == "attach") && answerLost(inc.Err):
		// Sent, and its answer lost on every attempt: it may have been
		// accepted (the interface detaching, or attached at the
		// target), so the script runs the move again, which looks.
		e.Message += " (the " + inc.Step + " was sent and its answer lost: it may have been accepted; run the same move again)"
		status = exitPending
	case inc.Step == "detach" || inc.Step == "attach":
		status = exitRefused
	default:
		// A poll failed or the state changed under the move after a call
		// was accepted: not seen finished.
		status = exitPending
	}
	return e, status
}

// interruptedMove describes a move that a signal stopped: exit 3 once it
// had sent a detach or an attach or was waiting (the interface may be
// between instances), 1 before.
func interruptedMove(ie *interruptedError, err error) (*errorJSON, int) {
	name := signalName(ie.signal)
	e := &errorJSON{Kind: "interrupted", Signal: name}
	var inc *enidetach.MoveIncompleteError
	if errors.As(err, &inc) {
		e.Step = inc.Step
		e.Message = fmt.Sprintf("interrupted by %s at the move's %s step: the interface may be detached and not yet attached; run the same move again to finish it", name, inc.Step)
		return e, exitPending
	}
	e.Message = fmt.Sprintf("interrupted by %s before the move changed anything", name)
	return e, exitRefused
}

// resumeHint adds to the error of a move that exits 3 how to finish it when
// running the same command again cannot: a move named by -instance-id or
// -attachment-id alone finds nothing at its source once the interface is
// detached (refused, source-not-found), so the interface would stay
// between instances. The interface's ID, seen by this run, finds it.
func resumeHint(f *flags, res *result, status int) {
	if status != exitPending || res.Error == nil || f.set["network-interface-id"] {
		return
	}
	id := res.NetworkInterfaceID
	if id == "" {
		id = "ID"
	}
	res.Error.Message += "; to finish it, run the move again with -network-interface-id " + id +
		" added (the source named alone is empty once the interface is detached)"
}

// reportMove writes a move's outcome as text: the outcome on stdout, a
// failure on stderr.
func reportMove(stdout, stderr io.Writer, r *result) {
	target := r.ToInstanceID
	if r.ToDeviceIndex != nil { // not known when the lookup that defaults it failed
		target += fmt.Sprintf(" at device index %d, network card %d", *r.ToDeviceIndex, deref(r.ToNetworkCardIndex))
	}
	ids := fmt.Sprintf("detach request id %s, attach request id %s", orNone(r.Detach.requestID()), orNone(r.Attach.requestID()))
	if e := r.Error; e != nil {
		switch e.Kind {
		case "api":
			fmt.Fprintf(stderr, "enidetach: move of %s: %s refused by EC2: %s: %s (status %d, request id %s)%s\n",
				orNone(r.NetworkInterfaceID), orNone(e.Action), e.Code, e.Message, e.StatusCode, orNone(e.RequestID), lastSeen(r))
		case "validation", "credentials", "not-found", "refused":
			fmt.Fprintf(stderr, "enidetach: %s\n", e.Message)
		default:
			fmt.Fprintf(stderr, "enidetach: move of %s to %s: %s (%s)%s\n",
				orNone(r.NetworkInterfaceID), target, e.Message, ids, lastSeen(r))
		}
		return
	}
	switch {
	case r.DryRunPermitted:
		fmt.Fprintf(stdout, "dry run: moving %s to %s would be permitted (%s)\n", r.NetworkInterfaceID, target, ids)
	case r.AlreadyAtTarget:
		fmt.Fprintf(stdout, "%s is already attached to %s (%s): nothing to do\n", r.NetworkInterfaceID, target, orNone(r.Attach.attachmentID()))
	default:
		from := "-"
		if r.Detach != nil {
			from = orNone(r.Detach.InstanceID)
		}
		fmt.Fprintf(stdout, "moved %s from %s to %s: attachment %s attached, %.1fs (%s)\n",
			r.NetworkInterfaceID, from, target, orNone(r.Attach.attachmentID()), deref(r.ElapsedSeconds), ids)
	}
}

func (s *stepJSON) requestID() string {
	if s == nil {
		return ""
	}
	return s.RequestID
}

func (s *stepJSON) attachmentID() string {
	if s == nil {
		return ""
	}
	return s.AttachmentID
}
