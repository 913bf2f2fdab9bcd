package enidetach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

func TestLookupAttachment(t *testing.T) {
	t.Parallel()
	failover := InterfaceState{NetworkInterfaceID: ec2test.FailoverInterface, Status: "in-use", AttachmentID: ec2test.FailoverAttachment,
		AttachmentStatus: "attached", InstanceID: ec2test.InstanceA, DeviceIndex: 1, AvailabilityZone: "us-east-1a"}
	tests := []struct {
		name string
		in   LookupAttachmentInput
		want *InterfaceState
	}{
		{"by interface", LookupAttachmentInput{NetworkInterfaceID: ec2test.FailoverInterface}, &failover},
		{"by instance and device index", LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1}, &failover},
	}
	c, srv := newWaitClient(t, time.Minute, false)
	for _, tc := range tests {
		got, err := c.LookupAttachment(context.Background(), &tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
	for _, r := range srv.Requests() {
		paginated := r.Params.Get("MaxResults") != ""
		if byID := r.Params.Get("NetworkInterfaceId.1") != ""; byID == paginated {
			t.Errorf("request %v: by ID must not be paginated, filtered must", r.Params)
		}
	}

	// An attachment already detaching is found as it is.
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1})
	if err != nil || got.AttachmentID != ec2test.FailoverAttachment || got.AttachmentStatus != "detaching" {
		t.Errorf("detaching: got (%+v, %v)", got, err)
	}
}

func TestLookupAttachmentNotFound(t *testing.T) {
	t.Parallel()
	c, _ := newWaitClient(t, 0, false)
	tests := []struct {
		name      string
		in        LookupAttachmentInput
		iface     *InterfaceState // NoAttachmentError.Interface
		errString string
	}{
		{"free device index", LookupAttachmentInput{InstanceID: ec2test.InstanceB, DeviceIndex: 1}, nil,
			"enidetach: no network interface is attached to instance i-0123456789abcdef1 at device index 1, network card 0"},
		{"other network card", LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1, NetworkCardIndex: 1}, nil, ""},
		{"unknown instance", LookupAttachmentInput{InstanceID: "i-0fffffffffffffff0", DeviceIndex: 1}, nil, ""},
		{"interface not attached", LookupAttachmentInput{NetworkInterfaceID: ec2test.SpareInterface},
			&InterfaceState{NetworkInterfaceID: ec2test.SpareInterface, Status: "available", AvailabilityZone: "us-east-1a"},
			`enidetach: network interface eni-0aaaaaaaaaaaaaaa0 is not attached (status "available")`},
	}
	for _, tc := range tests {
		got, err := c.LookupAttachment(context.Background(), &tc.in)
		var na *NoAttachmentError
		if !errors.As(err, &na) || got != nil {
			t.Errorf("%s: got (%+v, %v), want a *NoAttachmentError", tc.name, got, err)
			continue
		}
		if na.Input != tc.in || !cmp.Equal(na.Interface, tc.iface) || na.RequestID == "" {
			t.Errorf("%s: error = %+v (interface %+v)", tc.name, na, na.Interface)
		}
		if tc.errString != "" && na.Error() != tc.errString {
			t.Errorf("%s: error text %q, want %q", tc.name, na, tc.errString)
		}
		checkOperation(t, err, "DescribeNetworkInterfaces")
	}

	// An interface that does not exist is EC2's own answer.
	_, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0fffffffffffffff0"})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterfaceID.NotFound" {
		t.Errorf("unknown interface: %v, want InvalidNetworkInterfaceID.NotFound", err)
	}
	checkOperation(t, err, "DescribeNetworkInterfaces")
}

func TestLookupAttachmentValidation(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, 0, false)
	for _, in := range []*LookupAttachmentInput{
		nil,
		{},
		{DeviceIndex: 1},
		{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceA},
		{NetworkInterfaceID: ec2test.FailoverInterface, DeviceIndex: 1},
		{InstanceID: ec2test.InstanceA, DeviceIndex: -1},
		{InstanceID: ec2test.InstanceA, NetworkCardIndex: -1},
	} {
		var ve *ValidationError
		if _, err := c.LookupAttachment(context.Background(), in); !errors.As(err, &ve) {
			t.Errorf("%+v: %v, want *ValidationError", in, err)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// newScriptedClient returns a client for a server that answers each
// request with the next of answers (an error document gets status 400),
// the last one repeated, and a function that returns the forms received.
func newScriptedClient(t *testing.T, answers ...string) (*Client, func() []url.Values) {
	t.Helper()
	var mu sync.Mutex
	var got []url.Values
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		mu.Lock()
		got = append(got, q)
		answer := answers[min(len(got), len(answers))-1]
		mu.Unlock()
		if strings.HasPrefix(answer, "<Response>") {
			w.WriteHeader(http.StatusBadRequest)
		}
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(ts.Close)
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: ts.URL, Credentials: staticCreds("AKID", "SECRET")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, noSleep)
	return c, func() []url.Values {
		mu.Lock()
		defer mu.Unlock()
		return append([]url.Values(nil), got...)
	}
}

// TestLookupThenDetachAndWait: the failover path from an instance and a
// device index, the wait polling the interface by ID from the start.
func TestLookupThenDetachAndWait(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, 5*time.Second, false)
	att, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID},
		func(o *WaitOptions) { o.NetworkInterfaceID = att.NetworkInterfaceID })
	if err != nil || !res.Detached || res.State != (InterfaceState{NetworkInterfaceID: ec2test.FailoverInterface, Status: "available", AvailabilityZone: "us-east-1a"}) {
		t.Fatalf("got (%+v, %v)", res, err)
	}
	for _, r := range srv.Requests()[1:] {
		if r.Params.Get("Filter.1.Name") != "network-interface-id" || r.Params.Get("Filter.1.Value.1") != ec2test.FailoverInterface {
			t.Errorf("poll %v, want by interface", r.Params)
		}
	}
}

// TestLookupAnswersRedacted: a describe page whose request ID and fields
// echo the request's signature and session token. Neither the request ID
// of a NoAttachmentError nor the fields of a found interface show them, in
// any verb: the answer is redacted before it is decoded.
func TestLookupAnswersRedacted(t *testing.T) {
	t.Parallel()
	empty := func(sig, token string) string {
		return "<DescribeNetworkInterfacesResponse><requestId>req-" + sig + "-" + token + "</requestId><networkInterfaceSet/></DescribeNetworkInterfacesResponse>"
	}
	c, sigs := newHostileClient(t, map[string]func(sig, token string) string{"DescribeNetworkInterfaces": empty})
	_, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	var nae *NoAttachmentError
	if !errors.As(err, &nae) || nae.RequestID == "" {
		t.Fatalf("err = %v, want a *NoAttachmentError with a request ID", err)
	}
	assertNoEcho(t, "the NoAttachmentError", fmt.Sprintf("%v\n%+v\n%#v\n%s", err, err, nae, nae.RequestID), sigs())

	found := func(sig, token string) string {
		return "<DescribeNetworkInterfacesResponse><requestId>req-" + token + "</requestId><networkInterfaceSet><item>" +
			"<networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId><status>in-use</status><availabilityZone>zone-" + sig + "</availabilityZone>" +
			"<attachment><attachmentId>eni-attach-" + token + "</attachmentId><status>attached</status><instanceId>i-0123456789abcdef0</instanceId>" +
			"<deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex></attachment></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"
	}
	c, sigs = newHostileClient(t, map[string]func(sig, token string) string{"DescribeNetworkInterfaces": found})
	st, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0123456789abcdef0"})
	if err != nil {
		t.Fatal(err)
	}
	assertNoEcho(t, "the interface found", fmt.Sprintf("%v\n%+v\n%#v", st, st, st), sigs())
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

// TestLookupAttachmentInterfaceShownTwoWays: looked up by interface, an
// answer that shows the interface both unattached and attached is no
// attachment to detach: nothing is chosen.
func TestLookupAttachmentInterfaceShownTwoWays(t *testing.T) {
	t.Parallel()
	attached := describeItemXML("eni-0aaaaaaaaaaaaaaa1", "eni-attach-0aaaaaaaaaaaaaaa1", "i-0123456789abcdef0", 1)
	unattached := describeItemXML("eni-0aaaaaaaaaaaaaaa1", "", "", 0)
	for _, answer := range []string{describePageXML("", attached, unattached), describePageXML("", unattached, attached)} {
		c, _ := newScriptedClient(t, answer)
		got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0aaaaaaaaaaaaaaa1"})
		var ae *AmbiguousAttachmentError
		if !errors.As(err, &ae) || got != nil || len(ae.Interfaces) != 2 {
			t.Fatalf("got (%+v, %v), want an *AmbiguousAttachmentError naming both", got, err)
		}
	}
}
