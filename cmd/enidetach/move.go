package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ec2lite/enidetach"
)

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
		if f.tune != nil {
			f.tune(o)
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
