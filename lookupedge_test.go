package enidetach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

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

// TestLookupAttachmentAmbiguous: two attached interfaces claiming one
// instance, card and device index are an error naming both, whatever
// their order; nothing is chosen.
func TestLookupAttachmentAmbiguous(t *testing.T) {
	t.Parallel()
	a := describeItemXML("eni-0aaaaaaaaaaaaaaa1", "eni-attach-0aaaaaaaaaaaaaaa1", "i-0123456789abcdef0", 1)
	b := describeItemXML("eni-0bbbbbbbbbbbbbbb1", "eni-attach-0bbbbbbbbbbbbbbb1", "i-0123456789abcdef0", 1)
	for _, answer := range []string{describePageXML("", a, b), describePageXML("", b, a)} {
		c, _ := newScriptedClient(t, answer)
		got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
		var ae *AmbiguousAttachmentError
		if !errors.As(err, &ae) || got != nil {
			t.Fatalf("got (%+v, %v), want an *AmbiguousAttachmentError", got, err)
		}
		if len(ae.Interfaces) != 2 || !strings.Contains(err.Error(), "eni-0aaaaaaaaaaaaaaa1") || !strings.Contains(err.Error(), "eni-0bbbbbbbbbbbbbbb1") ||
			!strings.Contains(err.Error(), "instance i-0123456789abcdef0, device index 1") {
			t.Errorf("error %q (%+v), want both interfaces and what was asked named", err, ae.Interfaces)
		}
		checkOperation(t, err, "DescribeNetworkInterfaces")
	}
}

// TestLookupAttachmentEdges: what is not an attachment is not found, and
// every error names what was asked.
func TestLookupAttachmentEdges(t *testing.T) {
	t.Parallel()
	t.Run("an item without an attachment ID is not found by instance", func(t *testing.T) {
		t.Parallel()
		c, _ := newScriptedClient(t, describePageXML("", describeItemXML("eni-0aaaaaaaaaaaaaaa1", "", "i-0123456789abcdef0", 1)))
		got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
		var na *NoAttachmentError
		if !errors.As(err, &na) || got != nil {
			t.Errorf("got (%+v, %v), want a *NoAttachmentError", got, err)
		}
	})
	t.Run("an answer without the interface asked names the interface", func(t *testing.T) {
		t.Parallel()
		c, _ := newScriptedClient(t, describePageXML(""))
		_, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0aaaaaaaaaaaaaaa1"})
		var na *NoAttachmentError
		if !errors.As(err, &na) || na.Error() != "enidetach: network interface eni-0aaaaaaaaaaaaaaa1 was not in DescribeNetworkInterfaces' answer" {
			t.Errorf("error %v, want one naming the interface", err)
		}
	})
	t.Run("the page bound's error says what happened", func(t *testing.T) {
		t.Parallel()
		c, calls := newPagedClient(t, func(n int) string { return describePageXML(fmt.Sprintf("tok%d", n)) })
		_, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
		var pe *PageLimitError
		if !errors.As(err, &pe) || pe.Pages != maxDescribePages || calls.Load() != maxDescribePages || strings.HasSuffix(err.Error(), "; empty body") ||
			!strings.Contains(err.Error(), "still gave a next page after 100 pages") {
			t.Errorf("error %v after %d calls, want a *PageLimitError after %d pages", err, calls.Load(), maxDescribePages)
		}
		checkOperation(t, err, "DescribeNetworkInterfaces")
	})
	t.Run("device index 0 on card 0 is refused: unset, it must not mean the primary", func(t *testing.T) {
		t.Parallel()
		c, srv := newWaitClient(t, 0, false)
		for _, in := range []LookupAttachmentInput{{InstanceID: ec2test.InstanceA}, {InstanceID: ec2test.InstanceA, DeviceIndex: 0}} {
			_, err := c.LookupAttachment(context.Background(), &in)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "DeviceIndex" || !strings.Contains(err.Error(), "primary interface") {
				t.Errorf("%+v: %v, want a *ValidationError on DeviceIndex", in, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
		// Device index 0 of another card is no primary: it is looked up.
		_, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: ec2test.InstanceA, NetworkCardIndex: 1})
		var na *NoAttachmentError
		if !errors.As(err, &na) {
			t.Errorf("card 1, index 0: %v, want a *NoAttachmentError", err)
		}
	})
}
