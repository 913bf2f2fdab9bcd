package enidetach

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"

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
