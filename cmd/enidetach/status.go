package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/ec2lite/enidetach"
)

// checkStatus asks EC2 where the interface is attached (-status), filling
// res: Attached is true only when EC2 shows it attached (not attaching or
// detaching) to the instance asked about.
func checkStatus(ctx context.Context, client *enidetach.Client, f *flags, res *result) error {
	attached := false
	res.Attached = &attached
	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{NetworkInterfaceID: f.interfaceID})
	var na *enidetach.NoAttachmentError
	if errors.As(err, &na) && na.Interface != nil {
		res.Status = na.Interface.Status // EC2 said: no attachment
		return nil
	}
	if isInterfaceNotFound(err) {
		res.InterfaceNotFound = true // EC2 said: no such interface
		return nil
	}
	if err != nil {
		return err
	}
	res.Status, res.AttachmentStatus, res.AttachmentID = att.Status, att.AttachmentStatus, att.AttachmentID
	res.AttachedInstanceID = att.InstanceID
	res.DeviceIndex, res.NetworkCardIndex = &att.DeviceIndex, &att.NetworkCardIndex
	attached = att.InstanceID == f.instanceID && att.AttachmentStatus == "attached"
	return nil
}

// statusOutcome returns the error to print for -status and the exit
// status: 0 attached to the instance, 4 not (EC2 said so, or that the
// interface does not exist), 1 when EC2 could not be asked or answered
// another error, 2 for usage or configuration. Never 4 on an error: an
// agent takes 4 as "not running".
func statusOutcome(ctx context.Context, res *result, err error) (*errorJSON, int) {
	switch ie := interruptedBy(ctx); {
	case err == nil && *res.Attached:
		return nil, exitOK
	case err == nil:
		return nil, exitNotAttached
	case ie != nil && errors.Is(err, context.Canceled):
		name := signalName(ie.signal)
		return &errorJSON{Kind: "interrupted", Signal: name, Action: operation(err),
			Message: "interrupted by " + name + " before EC2 answered"}, exitRefused
	}
	res.Attached = nil // not known
	e, status := describe(err)
	if status == exitPending { // no wait: cannot happen, but never 3 here
		status = exitRefused
	}
	return e, status
}

// reportStatus writes -status's answer as text: the answer on stdout, a
// failure on stderr.
func reportStatus(stdout, stderr io.Writer, r *result) {
	if r.Error != nil || r.Attached == nil {
		reportError(stderr, r)
		return
	}
	where := "not attached (status " + orNone(r.Status) + ")"
	switch {
	case r.InterfaceNotFound:
		where = interfaceGone
	case r.AttachedInstanceID != "":
		where = fmt.Sprintf("attachment %s %s at %s device index %d, network card %d", r.AttachmentID,
			orNone(r.AttachmentStatus), r.AttachedInstanceID, deref(r.DeviceIndex), deref(r.NetworkCardIndex))
	}
	verdict := "is not attached to"
	if *r.Attached {
		verdict = "is attached to"
	}
	fmt.Fprintf(stdout, "%s %s %s: %s\n", r.NetworkInterfaceID, verdict, r.InstanceID, where)
}
