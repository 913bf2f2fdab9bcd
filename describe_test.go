package enidetach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestDescribePageTooLargeIsAskedSmaller: one describe asks for 100
// interfaces (a shared poll's batch), whose items are large (EC2's carry
// many addresses and tags; here long descriptions), so the page passes
// the 1 MiB bound on bodies. The page is asked again, smaller, instead of
// failing every wait of the batch with a *ResponseError.
func TestDescribePageTooLargeIsAskedSmaller(t *testing.T) {
	t.Parallel()
	seed := ec2test.Seed{Instances: []ec2test.Instance{{InstanceID: ec2test.InstanceA}}}
	params := url.Values{"Filter.1.Name": {"network-interface-id"}}
	for i := 0; i < 100; i++ {
		id := fmt.Sprintf("eni-%017x", i+1)
		seed.NetworkInterfaces = append(seed.NetworkInterfaces, ec2test.NetworkInterface{
			NetworkInterfaceID: id, Description: strings.Repeat("d", 15<<10)})
		params["Filter.1.Value."+strconv.Itoa(i+1)] = []string{id}
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithSeed(seed)})
	var calls int
	items, _, err := c.describeMatching(context.Background(), params, &calls, nil)
	if err != nil {
		t.Fatalf("describe: %v", err)
	}
	if len(items) != 100 {
		t.Errorf("%d items, want 100", len(items))
	}
	var sizes []string
	for _, r := range srv.Requests() {
		sizes = append(sizes, r.Params.Get("MaxResults"))
	}
	// 1000 (too large), 50 (still 750 KiB: read), then the second page.
	if calls != len(sizes) || calls > 4 {
		t.Errorf("%d calls, MaxResults %v", calls, sizes)
	}
}

// describeItemXML is one item of a DescribeNetworkInterfaces answer, about
// as large as EC2's (most of its elements are ones the client skips).
func describeItemXML(iface, attachment, instance string, device int) string {
	att := ""
	if instance != "" {
		att = fmt.Sprintf(`<attachment><attachmentId>%s</attachmentId><instanceId>%s</instanceId><instanceOwnerId>123456789012</instanceOwnerId>`+
			`<deviceIndex>%d</deviceIndex><networkCardIndex>0</networkCardIndex><status>attached</status>`+
			`<attachTime>2026-11-25T12:00:00.000Z</attachTime><deleteOnTermination>false</deleteOnTermination></attachment>`, attachment, instance, device)
	}
	return `<item><networkInterfaceId>` + iface + `</networkInterfaceId><subnetId>subnet-0123456789abcdef0</subnetId><vpcId>vpc-0123456789abcdef0</vpcId>` +
		`<availabilityZone>us-east-1a</availabilityZone><description>an interface with a description of some length</description>` +
		`<ownerId>123456789012</ownerId><requesterManaged>false</requesterManaged><status>in-use</status><macAddress>0a:1b:2c:3d:4e:5f</macAddress>` +
		`<privateIpAddress>10.0.0.10</privateIpAddress><privateDnsName>ip-10-0-0-10.ec2.internal</privateDnsName><sourceDestCheck>true</sourceDestCheck>` +
		`<groupSet/>` + att + `<tagSet/><interfaceType>interface</interfaceType></item>`
}

// describePageXML wraps items in an answer, with a next token unless next
// is empty.
func describePageXML(next string, items ...string) string {
	tok := ""
	if next != "" {
		tok = "<nextToken>" + next + "</nextToken>"
	}
	return `<DescribeNetworkInterfacesResponse><requestId>req-` + next + `</requestId><networkInterfaceSet>` + strings.Join(items, "") +
		`</networkInterfaceSet>` + tok + `</DescribeNetworkInterfacesResponse>`
}

// newPagedClient returns a client for a server answering each call with
// page(n) for the nth call (from 1), and a counter of the calls.
func newPagedClient(t *testing.T, page func(n int) string) (*Client, *atomic.Int64) {
	t.Helper()
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, page(int(calls.Add(1))))
	}))
	t.Cleanup(ts.Close)
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: ts.URL, Credentials: staticCreds("AKID", "SECRET")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, noSleep)
	return c, &calls
}

// TestLookupAttachmentMemoryIsOnePage: the items of pages that do not
// match are not kept. The heap is measured when the server is asked for
// the last of 20 pages of 1,000 items each: before, every item decoded so
// far was still held; now only the matches are.
func TestLookupAttachmentMemoryIsOnePage(t *testing.T) {
	const pages, perPage = 20, 1000
	var body strings.Builder
	for i := range perPage {
		body.WriteString(describeItemXML(fmt.Sprintf("eni-%017x", i), fmt.Sprintf("eni-attach-%017x", i), "i-0fffffffffffffff0", 1))
	}
	items := body.String()
	last := describePageXML("", describeItemXML("eni-0123456789abcdef0", "eni-attach-0123456789abcdef0", "i-0123456789abcdef0", 1))
	var before runtime.MemStats
	var atLast uint64
	c, _ := newPagedClient(t, func(n int) string {
		if n < pages {
			return describePageXML(fmt.Sprintf("tok%d", n), items)
		}
		var m runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m)
		atLast = m.HeapAlloc
		return last
	})
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	if err != nil || got.NetworkInterfaceID != "eni-0123456789abcdef0" {
		t.Fatalf("got (%+v, %v)", got, err)
	}
	grew := int64(atLast) - int64(before.HeapAlloc)
	t.Logf("heap held at the last of %d pages of %d items (%d KiB each): %d KiB more than before the call", pages, perPage, len(items)/1024, grew/1024)
	if grew > 2<<20 {
		t.Errorf("the heap grew by %d KiB over %d pages: items of earlier pages are kept", grew/1024, pages)
	}
}

// BenchmarkLookupAttachmentPages reports the allocations of a lookup
// through 10 pages of 1,000 items that do not match.
func BenchmarkLookupAttachmentPages(b *testing.B) {
	var body strings.Builder
	for i := range 1000 {
		body.WriteString(describeItemXML(fmt.Sprintf("eni-%017x", i), fmt.Sprintf("eni-attach-%017x", i), "i-0fffffffffffffff0", 1))
	}
	items := body.String()
	var calls atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if n := calls.Add(1); n%10 != 0 {
			_, _ = io.WriteString(w, describePageXML(fmt.Sprintf("tok%d", n), items))
			return
		}
		_, _ = io.WriteString(w, describePageXML("", describeItemXML("eni-0123456789abcdef0", "eni-attach-0123456789abcdef0", "i-0123456789abcdef0", 1)))
	}))
	defer ts.Close()
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: ts.URL, Credentials: staticCreds("AKID", "SECRET")}, mapEnv{"HOME": b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRepeatedNextTokenIsNotTheEnd: a page that gives back the next token
// it was asked with has not said the answer ended; reading it as the end
// hides the pages after it, so that an attachment on them reads as gone
// ("detached") or not there. It is a *PageLimitError.
func TestRepeatedNextTokenIsNotTheEnd(t *testing.T) {
	t.Parallel()
	pages := func(n int) string {
		if n == 1 {
			return describePageXML("t1")
		}
		return describePageXML("t1") // asked with t1, answers t1 again
	}
	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		c, _ := newPagedClient(t, pages)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1")
		var pe *PageLimitError
		if res == nil || res.Detached || !errors.As(err, &pe) || !pe.RepeatedToken || pe.Pages != 2 {
			t.Fatalf("got (%+v, %v), want not detached and a *PageLimitError for the repeated token", res, err)
		}
	})
	t.Run("lookup", func(t *testing.T) {
		t.Parallel()
		c, _ := newPagedClient(t, pages)
		att, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-1", DeviceIndex: 1})
		var pe *PageLimitError
		if att != nil || !errors.As(err, &pe) || !pe.RepeatedToken {
			t.Fatalf("got (%+v, %v), want a *PageLimitError for the repeated token", att, err)
		}
		if want := "enidetach: DescribeNetworkInterfaces gave back the next token it was asked with after 2 pages (last request id req-t1)"; pe.Error() != want {
			t.Errorf("Error() = %q, want %q", pe.Error(), want)
		}
	})
}

// TestLookupAttachmentFollowsPages: EC2 filters each page, so a page may be
// empty and still have a next one.
func TestLookupAttachmentFollowsPages(t *testing.T) {
	t.Parallel()
	pages := []string{
		`<DescribeNetworkInterfacesResponse><requestId>r1</requestId><networkInterfaceSet/><nextToken>t1</nextToken></DescribeNetworkInterfacesResponse>`,
		`<DescribeNetworkInterfacesResponse><requestId>r2</requestId><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId><status>in-use</status>` +
			`<attachment><attachmentId>eni-attach-1</attachmentId><instanceId>i-1</instanceId><deviceIndex>2</deviceIndex><networkCardIndex>1</networkCardIndex><status>attached</status></attachment>` +
			`</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`,
	}
	c, requests := newScriptedClient(t, pages...)
	st, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-1", DeviceIndex: 2, NetworkCardIndex: 1})
	if err != nil || st.AttachmentID != "eni-attach-1" || st.NetworkCardIndex != 1 {
		t.Fatalf("got (%+v, %v)", st, err)
	}
	r := requests()
	if len(r) != 2 {
		t.Fatalf("requests = %v", r)
	}
	if r[0].Get("MaxResults") != "1000" || r[0].Has("NextToken") || r[1].Get("NextToken") != "t1" ||
		r[1].Get("Filter.1.Value.1") != "i-1" || r[1].Get("Filter.2.Value.1") != "2" {
		t.Errorf("requests = %v", r)
	}
}
