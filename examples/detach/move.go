package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ec2lite/enidetach"
)

// stepJSON is what -json prints of one half of a move: only what was
// observed.
type stepJSON struct {
	// AttachmentID is the old attachment (detach) or the new one (attach).
	AttachmentID     string `json:"attachmentId,omitempty"`
	InstanceID       string `json:"instanceId,omitempty"`
	DeviceIndex      *int   `json:"deviceIndex,omitempty"`
	NetworkCardIndex *int   `json:"networkCardIndex,omitempty"`
	// Sent reports that the call (or its dry run) was sent; false when the
	// state found made it needless.
	Sent      bool   `json:"sent,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	// Status is the last seen: the interface's after the detach
	// ("available"), the attachment's after the attach ("attached").
	Status             string   `json:"status,omitempty"`
	Polls              int      `json:"polls,omitempty"`
	CallElapsedSeconds *float64 `json:"callElapsedSeconds,omitempty"`
	WaitElapsedSeconds *float64 `json:"waitElapsedSeconds,omitempty"`
}

// moving reports whether the command line asks for a move.
func (f *flags) moving() bool { return f.set["to-instance-id"] }

// checkMoveFlags checks the move's flags (parse calls it for a move).
func (f *flags) checkMoveFlags() error {
	switch {
	case f.toInstanceID == "":
		return errors.New("-to-instance-id is empty")
	case f.toDeviceIndex < 0 || f.toCardIndex < 0:
		return errors.New("-to-device-index and -to-network-card-index cannot be negative")
	case f.idempotent:
		return errors.New("-idempotent is for a detach: a move converges when run again")
	case f.set["attachment-id"] && !f.set["network-interface-id"] && !f.set["to-device-index"]:
		// An attachment found detached cannot say where it was.
		return errors.New("a move by -attachment-id alone needs -to-device-index (by -network-interface-id or -instance-id it defaults to the index the interface had)")
	}
	return nil
}

// moveTargetIndex returns the target device index: -to-device-index, or
// the index the interface had, given with -instance-id or looked up.
// (-to-network-card-index defaults to 0, as it does for EC2's
// AttachNetworkInterface.)
func moveTargetIndex(ctx context.Context, client *enidetach.Client, f *flags, res *result) (int, error) {
	switch {
	case f.set["to-device-index"]:
		return f.toDeviceIndex, nil
	case f.set["instance-id"]:
		return f.deviceIndex, nil
	}
	// By -network-interface-id (parse refused -attachment-id without
	// -to-device-index).
	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{NetworkInterfaceID: f.interfaceID})
	var na *enidetach.NoAttachmentError
	if errors.As(err, &na) && na.Interface != nil {
		res.Status = na.Interface.Status
		return 0, &usageError{fmt.Sprintf("interface %s is not attached (status %s), so it has no device index to keep: give -to-device-index",
			f.interfaceID, orNone(na.Interface.Status))}
	}
	if err != nil {
		return 0, err
	}
	return att.DeviceIndex, nil
}

// usageError is a command line that cannot be run as given, found after a
// lookup (exit 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// moveInterface runs the move: MoveNetworkInterface, with each poll on
// stderr. The result holds what was observed even when err is set.
func moveInterface(ctx context.Context, client *enidetach.Client, f *flags, res *result, stderr io.Writer) error {
	device, err := moveTargetIndex(ctx, client, f, res)
	if err != nil {
		return err
	}
	card := f.toCardIndex
	res.ToDeviceIndex, res.ToNetworkCardIndex = &device, &card
	in := &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: f.interfaceID, AttachmentID: f.attachmentID,
		ToInstanceID: f.toInstanceID, ToDeviceIndex: device, ToNetworkCardIndex: card,
		Force: f.force, DryRun: f.dryRun,
	}
	if f.set["instance-id"] {
		in.FromInstanceID, in.FromDeviceIndex, in.FromNetworkCardIndex = f.instanceID, f.deviceIndex, f.cardIndex
	}
	out, err := client.MoveNetworkInterface(ctx, in, func(o *enidetach.WaitOptions) {
		o.OnPoll = func(r enidetach.WaitResult) {
			st, att := r.State, "no attachment"
			if st.AttachmentID != "" {
				att = fmt.Sprintf("attachment %s %s at %s device index %d", st.AttachmentID, orNone(st.AttachmentStatus), orNone(st.InstanceID), st.DeviceIndex)
			}
			fmt.Fprintf(stderr, "poll %d: interface %s status %s, %s (%s)\n", r.Polls,
				orNone(st.NetworkInterfaceID), orNone(st.Status), att, r.Elapsed.Round(time.Millisecond))
		}
	})
	var mr *enidetach.MoveRefusedError
	if errors.As(err, &mr) && mr.Interface.NetworkInterfaceID != "" {
		res.NetworkInterfaceID, res.Status, res.AttachmentStatus = mr.Interface.NetworkInterfaceID, mr.Interface.Status, mr.Interface.AttachmentStatus
	}
	var inc *enidetach.MoveIncompleteError
	if out == nil && errors.As(err, &inc) {
		out = inc.Output
	}
	if out != nil {
		res.observeMove(out)
	}
	switch {
	case f.dryRun && errors.Is(err, enidetach.ErrDryRunOperation):
		res.DryRunPermitted = true
		return nil
	case err == nil && !f.dryRun:
		res.Moved = true
	}
	return err
}

// observeMove records what the move observed.
func (r *result) observeMove(out *enidetach.MoveNetworkInterfaceOutput) {
	r.NetworkInterfaceID = out.NetworkInterfaceID
	r.Status, r.AttachmentStatus = out.State.Status, out.State.AttachmentStatus
	r.AlreadyAtTarget = out.AlreadyAtTarget
	r.Detach, r.Attach = stepOf(out.Detach), stepOf(out.Attach)
	r.LookupElapsedSeconds, r.ElapsedSeconds = seconds(out.LookupElapsed), seconds(out.Elapsed)
}

// stepOf returns the JSON of a half of the move, nil when nothing of it
// was observed.
func stepOf(s enidetach.MoveStep) *stepJSON {
	if s.AttachmentID == "" && s.InstanceID == "" && !s.Sent && s.Polls == 0 {
		return nil
	}
	j := &stepJSON{AttachmentID: s.AttachmentID, InstanceID: s.InstanceID, Sent: s.Sent, RequestID: s.RequestID, Status: s.Status, Polls: s.Polls}
	if s.InstanceID != "" {
		j.DeviceIndex, j.NetworkCardIndex = &s.DeviceIndex, &s.NetworkCardIndex
	}
	if s.Sent && s.CallElapsed > 0 { // a dry run's is not measured
		j.CallElapsedSeconds = seconds(s.CallElapsed)
	}
	if s.Polls > 0 {
		j.WaitElapsedSeconds = seconds(s.WaitElapsed)
	}
	return j
}

func seconds(d time.Duration) *float64 {
	s := d.Round(time.Millisecond).Seconds()
	return &s
}

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
// detach or attach was refused (or failed on the network after retries),
// 3 when a call was accepted but the move was not seen finished.
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

// reportMove writes a move's outcome as text: the outcome on stdout, a
// failure on stderr.
func reportMove(stdout, stderr io.Writer, r *result) {
	target := fmt.Sprintf("%s at device index %d, network card %d", r.ToInstanceID, deref(r.ToDeviceIndex), deref(r.ToNetworkCardIndex))
	ids := fmt.Sprintf("detach request id %s, attach request id %s", orNone(r.Detach.requestID()), orNone(r.Attach.requestID()))
	if e := r.Error; e != nil {
		switch e.Kind {
		case "api":
			fmt.Fprintf(stderr, "detach: move of %s: %s refused by EC2: %s: %s (status %d, request id %s); last seen: status %s, attachment %s\n",
				orNone(r.NetworkInterfaceID), orNone(e.Action), e.Code, e.Message, e.StatusCode, orNone(e.RequestID), orNone(r.Status), orGone(r.AttachmentStatus))
		case "validation", "credentials", "not-found", "refused":
			fmt.Fprintf(stderr, "detach: %s\n", e.Message)
		default:
			fmt.Fprintf(stderr, "detach: move of %s to %s: %s (%s); last seen: status %s, attachment %s\n",
				orNone(r.NetworkInterfaceID), target, e.Message, ids, orNone(r.Status), orGone(r.AttachmentStatus))
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

func deref[T int | float64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}
