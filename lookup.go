package enidetach

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/ec2lite/enidetach/internal/query"
)

// describePageSize is the MaxResults of filtered DescribeNetworkInterfaces
// calls. EC2 recommends paginated requests (unpaginated ones may fail in
// accounts with many interfaces) and filters each page, so a page can be
// empty and still have a next one.
const describePageSize = 1000

// minDescribePageSize is the smallest MaxResults EC2 takes; a page too
// large to read is asked again at most maxPageShrinks times, each time at
// half the size.
const (
	minDescribePageSize = 5
	maxPageShrinks      = 8
)

// filterValues returns the number of values of params' first filter (the
// interfaces or attachments asked for): no page of the answer holds more
// items than that.
func filterValues(params url.Values) int {
	n := 0
	for len(params["Filter.1.Value."+strconv.Itoa(n+1)]) > 0 {
		n++
	}
	if n <= 1 {
		return describePageSize
	}
	return n
}

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

// PageLimitError reports that DescribeNetworkInterfaces still gave a next
// page after the most pages the client follows, or gave back the next
// token it was asked with: every page had a body, but the answer never
// ended. Nothing is concluded from the pages read.
type PageLimitError struct {
	// Pages is the number of pages read.
	Pages int
	// RequestID identifies the last page's call.
	RequestID string
	// RepeatedToken reports that the last page's next token was the one
	// it was asked with: following it would only read that page again.
	RepeatedToken bool
}

// Error gives the pages read and the last request ID.
func (e *PageLimitError) Error() string {
	if e.RepeatedToken {
		return fmt.Sprintf("enidetach: DescribeNetworkInterfaces gave back the next token it was asked with after %d pages (last request id %s)", e.Pages, e.RequestID)
	}
	return fmt.Sprintf("enidetach: DescribeNetworkInterfaces still gave a next page after %d pages (last request id %s)", e.Pages, e.RequestID)
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
	var params url.Values
	var keep func(*describeItem) bool
	if in.NetworkInterfaceID != "" {
		params, keep = interfaceParams(in.NetworkInterfaceID), isInterface(in.NetworkInterfaceID)
	} else {
		// EC2 has no network card filter: the card is checked here. An
		// item without an attachment ID is attached to nothing.
		params = url.Values{
			"Filter.1.Name": {"attachment.instance-id"}, "Filter.1.Value.1": {in.InstanceID},
			"Filter.2.Name": {"attachment.device-index"}, "Filter.2.Value.1": {strconv.Itoa(in.DeviceIndex)},
		}
		at := in.slot()
		keep = func(it *describeItem) bool {
			return it.Attachment != nil && it.Attachment.ID != "" && it.slot() == at
		}
	}
	var calls int
	items, requestID, err := c.describeMatching(ctx, params, &calls, keep)
	if err != nil {
		return nil, err // Call named the operation
	}
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
		return nil, c.operationError(action, &AmbiguousAttachmentError{Input: *in, Interfaces: found, RequestID: requestID})
	}
	return nil, c.operationError(action, notFound)
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
		AttachTime       string `xml:"attachTime"` // as given, such as "2026-11-30T06:00:00.000Z"
	} `xml:"attachment"`
}

// same reports whether two items show the same: an answer that shows one
// interface twice alike says nothing more than once, twice differently
// says nothing a failover may act on.
func (it *describeItem) same(o *describeItem) bool {
	if it.ID != o.ID || it.Status != o.Status || it.AvailabilityZone != o.AvailabilityZone || (it.Attachment == nil) != (o.Attachment == nil) {
		return false
	}
	return it.Attachment == nil || *it.Attachment == *o.Attachment
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

// describePage decodes one DescribeNetworkInterfaces answer, keeping only
// the items keep accepts as each is decoded: a page of a thousand
// interfaces never becomes a thousand kept items.
type describePage struct {
	RequestID string  `xml:"requestId"`
	Items     itemSet `xml:"networkInterfaceSet"`
	NextToken string  `xml:"nextToken"`
}

// itemSet decodes the items of networkInterfaceSet one at a time.
type itemSet struct {
	keep  func(*describeItem) bool // nil keeps every item
	items []describeItem
}

// UnmarshalXML decodes each <item> and keeps it if keep accepts it; other
// elements are skipped.
func (s *itemSet) UnmarshalXML(d *xml.Decoder, _ xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local != "item" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			var it describeItem
			if err := d.DecodeElement(&it, &t); err != nil {
				return err
			}
			if s.keep == nil || s.keep(&it) {
				s.items = append(s.items, it)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// interfaceIDParam asks DescribeNetworkInterfaces for an interface by its
// ID (interfaceParams).
const interfaceIDParam = "NetworkInterfaceId.1"

// interfaceParams are the parameters that ask for one interface by its ID:
// EC2 answers an ID that does not exist with
// InvalidNetworkInterfaceID.NotFound, and describeMatching sends them
// unpaginated (EC2 refuses MaxResults with IDs).
func interfaceParams(id string) url.Values { return url.Values{interfaceIDParam: {id}} }

// filterParams are the parameters that ask for the interfaces whose filter
// name has one of values (filterValues counts them back).
func filterParams(name string, values ...string) url.Values {
	p := make(url.Values, len(values)+1)
	p["Filter.1.Name"] = []string{name}
	for i, v := range values {
		p["Filter.1.Value."+strconv.Itoa(i+1)] = []string{v}
	}
	return p
}

// isInterface returns a keep for describeMatching that accepts the items
// of the interface id.
func isInterface(id string) func(*describeItem) bool {
	return func(it *describeItem) bool { return it.ID == id }
}

// hasAttachment returns a keep for describeMatching that accepts the items
// that show the attachment id.
func hasAttachment(id string) func(*describeItem) bool {
	return func(it *describeItem) bool { return it.Attachment != nil && it.Attachment.ID == id }
}

// describeMatching calls DescribeNetworkInterfaces with params, following
// next tokens, and returns the items keep accepts (every item if keep is
// nil) and the last request ID; calls counts the requests. Items are kept
// as each is decoded: memory is bounded by one page, not by the answer.
// Filtered calls are paginated; calls by NetworkInterfaceId are not (EC2
// refuses MaxResults with them).
func (c *Client) describeMatching(ctx context.Context, params url.Values, calls *int, keep func(*describeItem) bool) ([]describeItem, string, error) {
	paginated := len(params[interfaceIDParam]) == 0
	if paginated {
		p := make(url.Values, len(params)+2)
		for k, v := range params {
			p[k] = v
		}
		p["MaxResults"] = []string{strconv.Itoa(describePageSize)}
		params = p
	}
	var items []describeItem
	pageSize := describePageSize
	for page, shrunk := 1, 0; ; page++ {
		out := describePage{Items: itemSet{keep: keep}}
		err := c.Call(ctx, "DescribeNetworkInterfaces", params, &out)
		*calls++
		if err != nil && paginated && pageSize > minDescribePageSize && shrunk < maxPageShrinks && errors.Is(err, query.ErrBodyTooLarge) {
			// A page of interfaces with many addresses and tags can pass
			// the 1 MiB bound on bodies: ask the same page again, smaller.
			pageSize = max(minDescribePageSize, min(pageSize, filterValues(params))/2)
			params.Set("MaxResults", strconv.Itoa(pageSize))
			page, shrunk = page-1, shrunk+1
			continue
		}
		if err != nil {
			return nil, "", err
		}
		items = append(items, out.Items.items...)
		if !paginated || out.NextToken == "" {
			return items, out.RequestID, nil
		}
		if out.NextToken == params.Get("NextToken") {
			// Not an end: the pages after it were never shown.
			return nil, "", c.operationError("DescribeNetworkInterfaces", &PageLimitError{Pages: page, RequestID: out.RequestID, RepeatedToken: true})
		}
		if page == maxDescribePages {
			return nil, "", c.operationError("DescribeNetworkInterfaces", &PageLimitError{Pages: page, RequestID: out.RequestID})
		}
		params.Set("NextToken", out.NextToken)
	}
}
