package enidetach

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"
)

// AttachNetworkInterfaceInput is the input of AttachNetworkInterface.
type AttachNetworkInterfaceInput struct {
	// NetworkInterfaceID is the interface to attach, such as
	// "eni-0123456789abcdef0". Required.
	NetworkInterfaceID string

	// InstanceID is the instance to attach it to, such as
	// "i-0123456789abcdef0". Required.
	InstanceID string

	// DeviceIndex is the interface's slot on the network card: 1 and up on
	// network card 0, where 0 is the primary interface's slot. It is always
	// sent; 0 on network card 0 is refused before anything is sent, so a
	// DeviceIndex left unset never reaches EC2.
	DeviceIndex int

	// NetworkCardIndex is the network card, for instance types that have
	// several; 0 (the default, and EC2's) is not sent.
	NetworkCardIndex int

	// DryRun checks whether the caller may attach the interface without
	// attaching it. A permitted dry run fails with an error that matches
	// ErrDryRunOperation; a refused one matches ErrUnauthorizedOperation.
	DryRun bool
}

// AttachNetworkInterfaceOutput is the result of a successful
// AttachNetworkInterface call.
type AttachNetworkInterfaceOutput struct {
	// AttachmentID is the new attachment's ID, such as
	// "eni-attach-0123456789abcdef0": what DetachNetworkInterface and
	// WaitUntilAttached take.
	AttachmentID string

	// NetworkCardIndex is the network card the interface was attached to,
	// as EC2 answered it (the input's when the answer has none).
	NetworkCardIndex int

	// RequestID identifies the request for AWS support: the body's
	// <requestId>, else the x-amzn-requestid header. After a lost response
	// resolved by looking, it is the DescribeNetworkInterfaces call's.
	RequestID string
}

// validate checks the input before anything is signed or sent.
func (in *AttachNetworkInterfaceInput) validate() error {
	if in == nil {
		return &ValidationError{Field: "input", Reason: "is nil"}
	}
	if err := cmp.Or(requireID("NetworkInterfaceID", in.NetworkInterfaceID), requireID("InstanceID", in.InstanceID),
		in.slot().checkIndexes("DeviceIndex", "NetworkCardIndex")); err != nil {
		return err
	}
	return in.slot().refusePrimary("DeviceIndex", "; set the slot to attach to (1 or more)")
}

// body returns the form body for the input, byte for byte what
// url.Values.Encode gives (keys sorted, values escaped by url.QueryEscape)
// without building the map. DryRun is sent only when true and
// NetworkCardIndex only when above 0, as the SDK sends them when unset.
func (in *AttachNetworkInterfaceInput) body() []byte {
	eni, instance := url.QueryEscape(in.NetworkInterfaceID), url.QueryEscape(in.InstanceID)
	b := make([]byte, 0, 160+len(eni)+len(instance))
	b = append(b, "Action=AttachNetworkInterface&DeviceIndex="...)
	b = strconv.AppendInt(b, int64(in.DeviceIndex), 10)
	if in.DryRun {
		b = append(b, "&DryRun=true"...)
	}
	b = append(b, "&InstanceId="...)
	b = append(b, instance...)
	if in.NetworkCardIndex > 0 {
		b = append(b, "&NetworkCardIndex="...)
		b = strconv.AppendInt(b, int64(in.NetworkCardIndex), 10)
	}
	b = append(b, "&NetworkInterfaceId="...)
	b = append(b, eni...)
	return append(b, "&Version="+apiVersion...)
}

// AttachNetworkInterface attaches a network interface to an instance at a
// device index (and network card).
//
// The call returns when EC2 has accepted the attach; the attachment then
// stays "attaching" for a while before it is "attached" (WaitUntilAttached
// waits for that).
//
// Errors: *ValidationError for bad input (nothing sent), *APIError for the
// service's answers (see ErrDryRunOperation, ErrUnauthorizedOperation,
// ErrInterfaceInUse, ErrDeviceIndexInUse, ErrZoneMismatch), and the other
// error types of this package for transport, decoding and exhausted
// retries.
//
// An attach whose response was lost is retried, and the retry then meets
// InvalidNetworkInterface.InUse if the first attempt took effect. That
// answer is resolved by looking: DescribeNetworkInterfaces by the
// interface. An attachment (attached or attaching) to the asked instance,
// network card and device index, made after the attach was sent, is the
// success it is, with that attachment's ID; anything else returns the
// InUse error. A describe may lag behind the attach (EC2 is eventually
// consistent), so while it shows the interface unattached, detaching, or
// at the asked slot by an attachment made before the attach was sent (an
// earlier one, which a lagging describe still shows), the look is repeated
// a few times (about 7 s in all), within ctx. An attachment's age is read
// from its attachTime against the client's clock (corrected by the offset
// learnt from a clock-skew error, if any), with 2 s of tolerance for EC2's
// whole seconds. So the rule holds as well as the clocks agree: a client
// clock ahead of EC2's by more than 2 s makes the look fail safe (the InUse
// error, although the attach took effect); one behind by d would let an
// earlier attachment at the slot made less than d + 2 s before the attach
// pass. Keep the clock synchronised (NTP, the Amazon Time Sync Service).
func (c *Client) AttachNetworkInterface(ctx context.Context, in *AttachNetworkInterfaceInput) (*AttachNetworkInterfaceOutput, error) {
	const action = "AttachNetworkInterface"
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	r := &attachResult{}
	// On the service's clock as far as the client knows it (the offset
	// learnt from a clock-skew error): an attachment made before this
	// cannot be the one this call made.
	sent := c.engine.ServiceTime(c.now())
	if err := c.send(ctx, action, in.body(), r); err != nil {
		var re *RetryError
		if !in.DryRun && errors.As(err, &re) && re.Attempts > 1 && errors.Is(err, ErrInterfaceInUse) {
			if out, ok := c.resolveInUseSince(ctx, in, sent); ok {
				return out, nil
			}
		}
		return nil, c.operationError(action, err)
	}
	if !r.cardSet {
		r.out.NetworkCardIndex = in.NetworkCardIndex
	}
	return &r.out, nil
}

// resolveDelays are the waits between the looks of resolveInUseSince: a
// describe may still show the interface as it was before the attach.
var resolveDelays = [...]time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second}

// attachTimeSlack is how much earlier than the attach was sent (on the
// client's clock) an attachment's attachTime may be and still count as
// made by it: EC2 gives attachTime to the second (".000Z"), and clocks
// kept by NTP differ by far less than the rest.
const attachTimeSlack = 2 * time.Second

// resolveInUseSince looks at the interface after a retried attach, first
// sent at sent, met InUse, reporting the attachment found at the asked
// instance, card and device index and made since sent. It gives up (false)
// at once when the interface is seen attached elsewhere or a look fails,
// and after the last look while the interface is seen unattached,
// detaching, at the slot by an earlier attachment, or shown more than
// once with different attachments: states a lagging (or hostile) describe
// may show after an attach that took effect, which prove nothing.
func (c *Client) resolveInUseSince(ctx context.Context, in *AttachNetworkInterfaceInput, sent time.Time) (*AttachNetworkInterfaceOutput, bool) {
	for _, d := range resolveDelays {
		if d > 0 && c.sleep(ctx, d) != nil {
			return nil, false
		}
		var calls int
		items, requestID, err := c.describeMatching(ctx, interfaceParams(in.NetworkInterfaceID), &calls, isInterface(in.NetworkInterfaceID))
		if err != nil {
			return nil, false
		}
		out, verdict := resolveLook(items, in, sent)
		switch verdict {
		case lookAttachedHere:
			out.RequestID = requestID
			return out, true
		case lookAttachedElsewhere:
			return nil, false // the InUse stands
		}
	}
	return nil, false
}

// The verdicts of one look of resolveInUseSince.
const (
	lookUndecided         = iota // nothing proven yet: look again
	lookAttachedHere             // attached at the asked slot since the attach was sent
	lookAttachedElsewhere        // attached to another slot or instance
)

// resolveLook judges one look: items are the answer's items for the
// interface.
func resolveLook(items []describeItem, in *AttachNetworkInterfaceInput, sent time.Time) (*AttachNetworkInterfaceOutput, int) {
	var found *describeItem
	for i := range items {
		it := &items[i]
		if found != nil && !found.same(it) {
			return nil, lookUndecided // one interface shown two ways: no answer to act on
		}
		found = it
	}
	if found == nil {
		return nil, lookUndecided
	}
	a := found.Attachment
	if a == nil || a.ID == "" || a.Status == "detaching" {
		return nil, lookUndecided // not attached yet, as far as this describe knows
	}
	if found.slot() != in.slot() || (a.Status != "attached" && a.Status != "attaching") {
		return nil, lookAttachedElsewhere
	}
	at, err := time.Parse(time.RFC3339Nano, a.AttachTime)
	if err != nil || at.Before(sent.Add(-attachTimeSlack)) {
		// No time, or an attachment older than the attach: an earlier
		// one at this slot, which a lagging describe still shows.
		return nil, lookUndecided
	}
	return &AttachNetworkInterfaceOutput{AttachmentID: a.ID, NetworkCardIndex: a.NetworkCardIndex}, lookAttachedHere
}
