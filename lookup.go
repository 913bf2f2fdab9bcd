package enidetach

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
)

// describePageSize is the MaxResults of filtered DescribeNetworkInterfaces
// calls. EC2 recommends paginated requests (unpaginated ones may fail in
// accounts with many interfaces) and filters each page, so a page can be
// empty and still have a next one.
const describePageSize = 1000

// maxDescribePages bounds the pages of one describe, against a service
// that keeps returning a next token.
const maxDescribePages = 100

// LookupAttachmentInput says which attachment LookupAttachment looks for:
// the one of a network interface, or the one at a device index of an
// instance. Set NetworkInterfaceID, or InstanceID with DeviceIndex.
type LookupAttachmentInput struct {
	// NetworkInterfaceID is the interface, such as "eni-0123456789abcdef0".
	NetworkInterfaceID string
	// InstanceID is the instance, such as "i-0123456789abcdef0".
	InstanceID string
	// DeviceIndex is the attachment's device index on the instance (0 is
	// the primary interface, which cannot be detached).
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
	// is usually "available"), when looked up by NetworkInterfaceID.
	Interface *InterfaceState
	// RequestID identifies the DescribeNetworkInterfaces call that found
	// nothing (the last one, when the answer had several pages).
	RequestID string
}

// Error says what was looked for and what was found.
func (e *NoAttachmentError) Error() string {
	if e.Interface != nil {
		return fmt.Sprintf("enidetach: network interface %s is not attached (status %q)", e.Interface.NetworkInterfaceID, e.Interface.Status)
	}
	return fmt.Sprintf("enidetach: no network interface is attached to instance %s at device index %d, network card %d",
		e.Input.InstanceID, e.Input.DeviceIndex, e.Input.NetworkCardIndex)
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
// When there is no such attachment the error is a *NoAttachmentError. An
// attachment that is already "detaching" is returned as found. Errors are
// wrapped in a *smithy.OperationError naming DescribeNetworkInterfaces, as
// every call's are.
func (c *Client) LookupAttachment(ctx context.Context, in *LookupAttachmentInput) (*InterfaceState, error) {
	const action = "DescribeNetworkInterfaces"
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	var params url.Values
	if in.NetworkInterfaceID != "" {
		params = url.Values{"NetworkInterfaceId.1": {in.NetworkInterfaceID}}
	} else {
		// EC2 has no network card filter: the card is checked below.
		params = url.Values{
			"Filter.1.Name": {"attachment.instance-id"}, "Filter.1.Value.1": {in.InstanceID},
			"Filter.2.Name": {"attachment.device-index"}, "Filter.2.Value.1": {strconv.Itoa(in.DeviceIndex)},
		}
	}
	var calls int
	items, requestID, err := c.describeInterfaces(ctx, params, &calls)
	if err != nil {
		return nil, err // Call named the operation
	}
	notFound := &NoAttachmentError{Input: *in, RequestID: requestID}
	for _, it := range items {
		a := it.Attachment
		switch {
		case in.NetworkInterfaceID != "":
			if it.ID != in.NetworkInterfaceID {
				continue
			}
			if a == nil || a.ID == "" {
				st := it.state()
				notFound.Interface = &st
				continue
			}
		case a == nil || a.InstanceID != in.InstanceID || a.DeviceIndex != in.DeviceIndex || a.NetworkCardIndex != in.NetworkCardIndex:
			continue
		}
		st := it.state()
		return &st, nil
	}
	return nil, c.operationError(action, notFound)
}

// validate checks the input before anything is sent.
func (in *LookupAttachmentInput) validate() error {
	switch {
	case in == nil:
		return &ValidationError{Field: "input", Reason: "is nil"}
	case in.NetworkInterfaceID != "" && (in.InstanceID != "" || in.DeviceIndex != 0 || in.NetworkCardIndex != 0):
		return &ValidationError{Field: "NetworkInterfaceID", Reason: "cannot be combined with InstanceID, DeviceIndex or NetworkCardIndex"}
	case in.NetworkInterfaceID == "" && in.InstanceID == "":
		return &ValidationError{Field: "NetworkInterfaceID", Reason: "or InstanceID is required"}
	case len(in.NetworkInterfaceID) > maxAttachmentIDLen || len(in.InstanceID) > maxAttachmentIDLen:
		return &ValidationError{Field: "NetworkInterfaceID", Reason: fmt.Sprintf("or InstanceID is longer than %d bytes", maxAttachmentIDLen)}
	case in.DeviceIndex < 0:
		return &ValidationError{Field: "DeviceIndex", Reason: "is negative"}
	case in.NetworkCardIndex < 0:
		return &ValidationError{Field: "NetworkCardIndex", Reason: "is negative"}
	}
	return nil
}

// describeItem is one network interface of a DescribeNetworkInterfaces
// answer.
type describeItem struct {
	ID               string `xml:"networkInterfaceId"`
	Status           string `xml:"status"`
	AvailabilityZone string `xml:"availabilityZone"`
	Attachment       *struct {
		ID               string `xml:"attachmentId"`
		Status           string `xml:"status"`
		InstanceID       string `xml:"instanceId"`
		DeviceIndex      int    `xml:"deviceIndex"`
		NetworkCardIndex int    `xml:"networkCardIndex"`
	} `xml:"attachment"`
}

// state returns the item as an InterfaceState.
func (it *describeItem) state() InterfaceState {
	st := InterfaceState{NetworkInterfaceID: it.ID, Status: it.Status, AvailabilityZone: it.AvailabilityZone}
	if a := it.Attachment; a != nil {
		st.AttachmentID, st.AttachmentStatus, st.InstanceID = a.ID, a.Status, a.InstanceID
		st.DeviceIndex, st.NetworkCardIndex = a.DeviceIndex, a.NetworkCardIndex
	}
	return st
}

// describePage decodes one DescribeNetworkInterfaces answer.
type describePage struct {
	RequestID string         `xml:"requestId"`
	Items     []describeItem `xml:"networkInterfaceSet>item"`
	NextToken string         `xml:"nextToken"`
}

// describeInterfaces calls DescribeNetworkInterfaces with params, following
// next tokens, and returns every item and the last request ID; calls counts
// the requests. Filtered calls are paginated; calls by NetworkInterfaceId
// are not (EC2 refuses MaxResults with them).
func (c *Client) describeInterfaces(ctx context.Context, params url.Values, calls *int) ([]describeItem, string, error) {
	paginated := len(params["NetworkInterfaceId.1"]) == 0
	if paginated {
		p := make(url.Values, len(params)+2)
		for k, v := range params {
			p[k] = v
		}
		p["MaxResults"] = []string{strconv.Itoa(describePageSize)}
		params = p
	}
	var items []describeItem
	for page := 1; ; page++ {
		var out describePage
		err := c.Call(ctx, "DescribeNetworkInterfaces", params, &out)
		*calls++
		if err != nil {
			return nil, "", err
		}
		items = append(items, out.Items...)
		if !paginated || out.NextToken == "" || out.NextToken == params.Get("NextToken") {
			return items, out.RequestID, nil
		}
		if page == maxDescribePages {
			return nil, "", c.operationError("DescribeNetworkInterfaces", &ResponseError{StatusCode: 200, RequestID: out.RequestID,
				Err: fmt.Errorf("still a next page after %d pages", maxDescribePages)})
		}
		params.Set("NextToken", out.NextToken)
	}
}
