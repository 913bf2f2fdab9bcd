package enidetach

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// LookupAttachmentInput says which attachment LookupAttachment looks for:
// the one of a network interface, or the one at a device index of an
// instance. Set NetworkInterfaceID, or InstanceID with DeviceIndex.
type LookupAttachmentInput struct {
	// NetworkInterfaceID is the interface, such as "eni-0123456789abcdef0".
	NetworkInterfaceID string
	// InstanceID is the instance, such as "i-0123456789abcdef0".
	InstanceID string
	// DeviceIndex is the attachment's device index on the instance. 0 on
	// network card 0 is the primary interface, which cannot be detached:
	// LookupAttachment refuses it, so that an unset field never selects
	// it.
	DeviceIndex int
	// NetworkCardIndex is the network card of the device index, 0 unless
	// the instance has several network cards; AttachNetworkInterface
	// defaults to 0 too.
	NetworkCardIndex int
}

// NoAttachmentError reports that LookupAttachment found no attachment:
// the interface exists but is not attached, or the instance has no
// interface at that device index (or no such instance exists). An
// interface ID that does not exist is EC2's own answer instead, an
// *APIError with code InvalidNetworkInterfaceID.NotFound.
type NoAttachmentError struct {
	// Input is what was looked for.
	Input LookupAttachmentInput
	// Interface is the interface found without an attachment (its Status
	// is usually "available"), when looked up by NetworkInterfaceID; nil
	// when the answer did not hold the interface at all.
	Interface *InterfaceState
	// RequestID identifies the DescribeNetworkInterfaces call that found
	// nothing (the last one, when the answer had several pages).
	RequestID string
}

// Error says what was looked for and what was found.
func (e *NoAttachmentError) Error() string {
	switch {
	case e.Interface != nil:
		return fmt.Sprintf("enidetach: network interface %s is not attached (status %q)", e.Interface.NetworkInterfaceID, e.Interface.Status)
	case e.Input.NetworkInterfaceID != "":
		return fmt.Sprintf("enidetach: network interface %s was not in DescribeNetworkInterfaces' answer", e.Input.NetworkInterfaceID)
	}
	return fmt.Sprintf("enidetach: no network interface is attached to instance %s at device index %d, network card %d",
		e.Input.InstanceID, e.Input.DeviceIndex, e.Input.NetworkCardIndex)
}

// AmbiguousAttachmentError reports that DescribeNetworkInterfaces showed
// more than one attachment for what LookupAttachment was asked: two
// interfaces at one device index of one instance, or one interface twice
// with different attachments. Nothing is chosen: a failover must not detach
// a guess.
type AmbiguousAttachmentError struct {
	// Input is what was looked for (empty for a wait).
	Input LookupAttachmentInput
	// AttachmentID is the attachment a wait (WaitUntilDetached,
	// DetachAndWait, WaitUntilAttached) was waiting on when a poll's answer
	// showed it, or its interface, more than one way: the wait ends with
	// this error rather than read "detached" or "attached" into a
	// contradiction. Empty for LookupAttachment.
	AttachmentID string
	// Interfaces are the matches, in the answer's order.
	Interfaces []InterfaceState
	// RequestID identifies the DescribeNetworkInterfaces call (the last
	// one, when the answer had several pages); empty for a wait, whose
	// polls are shared.
	RequestID string
}

// Error names what was asked and every match.
func (e *AmbiguousAttachmentError) Error() string {
	var b strings.Builder
	switch {
	case e.AttachmentID != "":
		fmt.Fprintf(&b, "enidetach: DescribeNetworkInterfaces showed attachment %s, or its interface, %d ways:", e.AttachmentID, len(e.Interfaces))
	case e.Input.NetworkInterfaceID != "":
		fmt.Fprintf(&b, "enidetach: network interface %s is shown with %d attachments:", e.Input.NetworkInterfaceID, len(e.Interfaces))
	default:
		fmt.Fprintf(&b, "enidetach: %d network interfaces claim instance %s, device index %d, network card %d:",
			len(e.Interfaces), e.Input.InstanceID, e.Input.DeviceIndex, e.Input.NetworkCardIndex)
	}
	for i, st := range e.Interfaces {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %s (attachment %s, %s)", st.NetworkInterfaceID, st.AttachmentID, st.AttachmentStatus)
	}
	return b.String()
}

// LookupAttachment finds the attachment of a network interface, or the one
// at a device index of an instance, with DescribeNetworkInterfaces, and
// returns it with its interface. Scripts hold those IDs rather than the
// attachment ID that DetachNetworkInterface takes:
//
//	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: id, DeviceIndex: 1})
//	// ... then detach att.AttachmentID, waiting on att.NetworkInterfaceID:
//	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID},
//		func(o *enidetach.WaitOptions) { o.NetworkInterfaceID = att.NetworkInterfaceID })
//
// When there is no such attachment the error is a *NoAttachmentError; when
// the answer shows more than one, an *AmbiguousAttachmentError naming them
// all. An attachment that is already "detaching" is returned as found.
// Errors are wrapped in a *smithy.OperationError naming
// DescribeNetworkInterfaces, as every call's are. Memory is bounded by one
// page of the answer: only the items that match are kept.
func (c *Client) LookupAttachment(ctx context.Context, in *LookupAttachmentInput) (*InterfaceState, error) {
	const action = "DescribeNetworkInterfaces"
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	params, keep := in.query()
	var calls int
	items, requestID, err := c.describeMatching(ctx, params, &calls, keep)
	if err != nil {
		return nil, err // Call named the operation
	}
	st, err := in.judge(items, requestID)
	if err != nil {
		return nil, c.operationError(action, err)
	}
	return st, nil
}

// query returns the DescribeNetworkInterfaces parameters that ask for what
// the input names, and the keep that accepts its items.
func (in *LookupAttachmentInput) query() (url.Values, func(*describeItem) bool) {
	if in.NetworkInterfaceID != "" {
		return interfaceParams(in.NetworkInterfaceID), isInterface(in.NetworkInterfaceID)
	}
	// EC2 has no network card filter: the card is checked here. An item
	// without an attachment ID is attached to nothing.
	params := url.Values{
		"Filter.1.Name": {"attachment.instance-id"}, "Filter.1.Value.1": {in.InstanceID},
		"Filter.2.Name": {"attachment.device-index"}, "Filter.2.Value.1": {strconv.Itoa(in.DeviceIndex)},
	}
	at := in.slot()
	return params, func(it *describeItem) bool {
		return it.Attachment != nil && it.Attachment.ID != "" && it.slot() == at
	}
}

// judge returns the one attachment the answer's items show, a
// *NoAttachmentError when they show none, or an *AmbiguousAttachmentError
// when they show more than one (or the interface both attached and not).
func (in *LookupAttachmentInput) judge(items []describeItem, requestID string) (*InterfaceState, error) {
	var found []InterfaceState
	notFound := &NoAttachmentError{Input: *in, RequestID: requestID}
	for _, it := range items {
		st := it.state()
		if it.Attachment == nil || it.Attachment.ID == "" {
			notFound.Interface = &st // by interface: there, but not attached
			continue
		}
		if !slices.ContainsFunc(found, func(f InterfaceState) bool { return f == st }) {
			found = append(found, st)
		}
	}
	if len(found) > 0 && notFound.Interface != nil {
		// The interface shown both attached and not: no answer to act on.
		found = append(found, *notFound.Interface)
	}
	switch {
	case len(found) == 1:
		return &found[0], nil
	case len(found) > 1:
		return nil, &AmbiguousAttachmentError{Input: *in, Interfaces: found, RequestID: requestID}
	}
	return nil, notFound
}

// validate checks the input before anything is sent.
func (in *LookupAttachmentInput) validate() error {
	switch {
	case in == nil:
		return &ValidationError{Field: "input", Reason: "is nil"}
	case in.NetworkInterfaceID != "" && in.slot() != (slot{}):
		return &ValidationError{Field: "NetworkInterfaceID", Reason: "cannot be combined with InstanceID, DeviceIndex or NetworkCardIndex"}
	case in.NetworkInterfaceID == "" && in.InstanceID == "":
		return &ValidationError{Field: "NetworkInterfaceID", Reason: "or InstanceID is required"}
	}
	// The instance is sent as a filter value, the interface by ID.
	if err := cmp.Or(checkID("NetworkInterfaceID", in.NetworkInterfaceID), checkFilterID("InstanceID", in.InstanceID),
		in.slot().checkIndexes("DeviceIndex", "NetworkCardIndex")); err != nil || in.InstanceID == "" {
		return err
	}
	return in.slot().refusePrimary("DeviceIndex", ", which cannot be detached; set the device index of a secondary interface (1 or more)")
}
