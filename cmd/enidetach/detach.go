package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ec2lite/enidetach"
)

// detach does the detach: lookup, detach, wait, filling res.
func detach(ctx context.Context, client *enidetach.Client, f *flags, res *result, stderr io.Writer) error {
	if f.attachmentID == "" {
		done, err := lookupForDetach(ctx, client, f, res)
		if done || err != nil {
			return err
		}
	}
	in := &enidetach.DetachNetworkInterfaceInput{AttachmentID: res.AttachmentID, DryRun: f.dryRun, Force: f.force}
	res.sent = !f.dryRun
	if !f.wait {
		return detachOnly(ctx, client, f, in, res)
	}
	return detachAndWait(ctx, client, f, in, res, stderr)
}

// lookupForDetach finds the attachment to detach, filling res; done when
// there is nothing to detach and that is success (-idempotent).
func lookupForDetach(ctx context.Context, client *enidetach.Client, f *flags, res *result) (done bool, err error) {
	in := &enidetach.LookupAttachmentInput{NetworkInterfaceID: f.interfaceID}
	onInstance := f.instanceID != "" && f.interfaceID != "" // a detach only from that instance
	if !onInstance {
		in.InstanceID, in.DeviceIndex, in.NetworkCardIndex = f.instanceID, f.deviceIndex, f.cardIndex
	}
	att, err := client.LookupAttachment(ctx, in)
	var na *enidetach.NoAttachmentError
	if errors.As(err, &na) && na.Interface != nil {
		res.Status = na.Interface.Status
		if f.idempotent && na.Interface.Status == "available" {
			res.Detached, res.AlreadyDetached = true, true
			return true, nil
		}
	}
	if onInstance && f.idempotent && isInterfaceNotFound(err) {
		// EC2 says the interface does not exist: attached nowhere, so
		// not here either.
		res.Detached, res.AlreadyDetached, res.InterfaceNotFound = true, true, true
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if onInstance && att.InstanceID != f.instanceID {
		res.Status, res.AttachmentStatus, res.AttachedInstanceID = att.Status, att.AttachmentStatus, att.InstanceID
		if f.idempotent {
			// Not attached here: from this instance, already detached.
			res.Detached, res.AlreadyDetached = true, true
			return true, nil
		}
		return true, &notHereError{interfaceID: f.interfaceID, instanceID: f.instanceID, attachedTo: att.InstanceID}
	}
	res.observe(*att)
	return false, nil
}

// notHereError is a detach constrained to -instance-id that found the
// interface attached to another instance: nothing was sent (exit 1, kind
// refused, reason attached-elsewhere).
type notHereError struct{ interfaceID, instanceID, attachedTo string }

func (e *notHereError) Error() string {
	return fmt.Sprintf("interface %s is attached to %s, not to %s: nothing detached (-idempotent counts this as done)", e.interfaceID, e.attachedTo, e.instanceID)
}

// detachOnly sends the detach (or its dry run) without waiting.
func detachOnly(ctx context.Context, client *enidetach.Client, f *flags, in *enidetach.DetachNetworkInterfaceInput, res *result) error {
	out, err := client.DetachNetworkInterface(ctx, in)
	switch {
	case err == nil:
		res.RequestID, res.Return = out.RequestID, &out.Return
	case f.dryRun && errors.Is(err, enidetach.ErrDryRunOperation):
		res.DryRunPermitted, res.RequestID = true, requestID(err)
		return nil
	}
	return err
}

// detachAndWait sends the detach and waits until the interface is
// available, each poll on stderr.
func detachAndWait(ctx context.Context, client *enidetach.Client, f *flags, in *enidetach.DetachNetworkInterfaceInput, res *result, stderr io.Writer) error {
	wr, err := client.DetachAndWait(ctx, in, func(o *enidetach.WaitOptions) {
		o.NetworkInterfaceID = res.NetworkInterfaceID
		o.Idempotent = f.idempotent
		o.OnPoll = func(r enidetach.WaitResult) {
			fmt.Fprintf(stderr, "poll %d: interface %s status %s, attachment %s (%s)\n", r.Polls,
				orNone(r.State.NetworkInterfaceID), orNone(r.State.Status), orGone(r.State.AttachmentStatus), r.Elapsed.Round(time.Millisecond))
		}
		if f.tune != nil {
			f.tune(o)
		}
	})
	var wt *enidetach.WaitTimeoutError
	if errors.As(err, &wt) {
		wr = &wt.Last
	}
	if wr == nil {
		return err // the detach failed: nothing was polled
	}
	res.observeWait(wr)
	return err // a poll's error names DescribeNetworkInterfaces
}

// observeWait records what a detach's wait observed.
func (r *result) observeWait(wr *enidetach.WaitResult) {
	if wr.Detach != nil {
		r.RequestID, r.Return = wr.Detach.RequestID, &wr.Detach.Return
	} else if wr.DetachError != nil {
		r.RequestID = requestID(wr.DetachError)
		r.inProgress = true
	}
	r.Status, r.AttachmentStatus = wr.State.Status, wr.State.AttachmentStatus
	if wr.State.NetworkInterfaceID != "" {
		r.NetworkInterfaceID = wr.State.NetworkInterfaceID
	}
	if wr.State.InstanceID != "" {
		r.InstanceID = wr.State.InstanceID
	}
	r.Detached, r.AlreadyDetached, r.Polls = wr.Detached, wr.AlreadyDetached, wr.Polls
	r.ElapsedSeconds = seconds(wr.Elapsed)
}

// observe records a state seen by the lookup.
func (r *result) observe(st enidetach.InterfaceState) {
	r.AttachmentID, r.NetworkInterfaceID, r.InstanceID = st.AttachmentID, st.NetworkInterfaceID, st.InstanceID
	r.DeviceIndex, r.NetworkCardIndex = &st.DeviceIndex, &st.NetworkCardIndex
	r.Status, r.AttachmentStatus = st.Status, st.AttachmentStatus
}

// detachOutcome returns the error to print for a detach that ended with
// err, and the exit status.
func detachOutcome(ctx context.Context, res *result, err error) (*errorJSON, int) {
	accepted := res.Return != nil && *res.Return || res.AlreadyDetached || res.inProgress
	var ce *enidetach.CredentialsError
	switch ie := interruptedBy(ctx); {
	case err != nil && ie != nil && errors.Is(err, context.Canceled):
		// Stopped by a signal, as -max-wait would have stopped it: what
		// was observed is still printed.
		e, status := interrupted(ie, accepted, res.sent && !errors.As(err, &ce))
		e.Action = operation(err)
		return e, status
	case err != nil:
		e, status := describe(err)
		if !accepted && status == exitRefused && res.sent && answerLost(err) {
			e.Message += " (the detach was sent and its answer lost: it may have been accepted)"
		}
		if accepted || status == exitRefused && res.sent && answerLost(err) {
			// EC2 accepted the detach, and what failed came after (a
			// poll, credentials that could not be refreshed for it), or
			// the detach was sent and its answer lost: the interface may
			// be detaching, neither refused nor left alone.
			status = exitPending
		}
		return e, status
	case res.Return != nil && !*res.Return && !res.Detached:
		// A 200 saying return=false: EC2 did not report the detach as done.
		return &errorJSON{Kind: "response", Action: "DetachNetworkInterface", RequestID: res.RequestID,
			Message: "EC2 answered return=false: the detach was not accepted"}, exitRefused
	}
	return nil, exitOK
}
