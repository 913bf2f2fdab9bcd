package enidetach

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

// attachForTest attaches an interface with Call, as AttachNetworkInterface
// is not this file's subject, and returns the attachment ID.
func attachForTest(t *testing.T, c *Client, ifaceID, instanceID string, device int) string {
	t.Helper()
	var out struct {
		AttachmentID string `xml:"attachmentId"`
	}
	err := c.Call(context.Background(), "AttachNetworkInterface", url.Values{
		"NetworkInterfaceId": {ifaceID}, "InstanceId": {instanceID}, "DeviceIndex": {"1"},
	}, &out)
	if err != nil || out.AttachmentID == "" {
		t.Fatalf("attach: %q, %v", out.AttachmentID, err)
	}
	return out.AttachmentID
}

func TestWaitUntilAttached(t *testing.T) {
	t.Parallel()
	t.Run("polls until attached, with the zone", func(t *testing.T) {
		t.Parallel()
		c, srv, fc := newClockedClient(t, []ec2test.Option{ec2test.WithAttachingDuration(5 * time.Second)})
		attID := attachForTest(t, c, ec2test.SpareInterface, ec2test.InstanceB, 1)
		start := fc.Now()
		var seen []string
		res, err := c.WaitUntilAttached(context.Background(), ec2test.SpareInterface, attID, func(o *WaitOptions) {
			o.OnPoll = func(r WaitResult) { seen = append(seen, r.State.Status+"/"+r.State.AttachmentStatus) }
		})
		if err != nil {
			t.Fatal(err)
		}
		want := InterfaceState{NetworkInterfaceID: ec2test.SpareInterface, Status: "in-use", AttachmentID: attID, AttachmentStatus: "attached",
			InstanceID: ec2test.InstanceB, DeviceIndex: 1, AvailabilityZone: "us-east-1a"}
		if diff := cmp.Diff(want, res.State); diff != "" {
			t.Errorf("state (-want +got):\n%s", diff)
		}
		// Polls at once, then 1.7 s to 2.1 s apart: attaching until 5 s.
		if !res.Attached || res.Detached || res.Polls != 4 || res.Elapsed != fc.Now().Sub(start) || res.Elapsed < 5*time.Second || res.Elapsed > 3*2100*time.Millisecond {
			t.Errorf("result = %+v, want attached after 4 polls, 5 s to 6.3 s", res)
		}
		if diff := cmp.Diff([]string{"in-use/attaching", "in-use/attaching", "in-use/attaching", "in-use/attached"}, seen); diff != "" {
			t.Errorf("progress (-want +got):\n%s", diff)
		}
		for _, r := range srv.Requests() {
			if r.Action == "DescribeNetworkInterfaces" && (r.Params.Get("Filter.1.Name") != "network-interface-id" || r.Params.Get("Filter.1.Value.1") != ec2test.SpareInterface) {
				t.Errorf("poll %v, want the interface by filter", r.Params)
			}
		}
	})
	t.Run("a timeout says not attached and keeps the last state", func(t *testing.T) {
		t.Parallel()
		c, _, _ := newClockedClient(t, []ec2test.Option{ec2test.WithAttachingDuration(time.Hour)})
		attID := attachForTest(t, c, ec2test.SpareInterface, ec2test.InstanceB, 1)
		res, err := c.WaitUntilAttached(context.Background(), ec2test.SpareInterface, attID, func(o *WaitOptions) { o.MaxWait = time.Minute })
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) || res == nil || res.Attached {
			t.Fatalf("got (%+v, %v), want a *WaitTimeoutError", res, err)
		}
		if wt.Last.State.AttachmentStatus != "attaching" || wt.Last.Polls < 2 || !strings.Contains(err.Error(), "not attached after 1m0s") {
			t.Errorf("last = %+v, error %q", wt.Last, err)
		}
	})
	t.Run("an unknown interface is EC2's error", func(t *testing.T) {
		t.Parallel()
		c, _, _ := newClockedClient(t, []ec2test.Option{ec2test.WithAttachingDuration(0)})
		res, err := c.WaitUntilAttached(context.Background(), "eni-0fffffffffffffff0", "eni-attach-0fffffffffffffff0")
		// The filtered poll finds nothing; asked by ID, EC2 says why.
		if !isCode(err, "InvalidNetworkInterfaceID.NotFound") || res == nil || res.Attached || res.Polls != 2 {
			t.Errorf("got (%+v, %v), want the NotFound error after two calls", res, err)
		}
		checkOperation(t, err, "DescribeNetworkInterfaces")
	})
	t.Run("bad input", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newClockedClient(t, []ec2test.Option{ec2test.WithAttachingDuration(0)})
		for name, call := range map[string]func() error{
			"no interface":  func() error { _, err := c.WaitUntilAttached(context.Background(), "", "eni-attach-1"); return err },
			"no attachment": func() error { _, err := c.WaitUntilAttached(context.Background(), "eni-1", ""); return err },
			"two interfaces": func() error {
				_, err := c.WaitUntilAttached(context.Background(), "eni-1", "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-2" })
				return err
			},
			"negative MaxWait": func() error {
				_, err := c.WaitUntilAttached(context.Background(), "eni-1", "eni-attach-1", func(o *WaitOptions) { o.MaxWait = -1 })
				return err
			},
		} {
			var ve *ValidationError
			if err := call(); !errors.As(err, &ve) {
				t.Errorf("%s: %v, want *ValidationError", name, err)
			}
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

// TestWaitUntilAttachedToleratesStaleAnswers: right after an accepted
// attach, EC2 may still show the interface available, then its old
// attachment, or not at all; none of them ends the wait, and none shows in
// State as ours. A poll that does not show the interface asks for it by
// ID.
func TestWaitUntilAttachedToleratesStaleAnswers(t *testing.T) {
	t.Parallel()
	item := func(status, attachment string) string {
		return `<DescribeNetworkInterfacesResponse><requestId>r</requestId><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>` +
			`<availabilityZone>eu-west-1b</availabilityZone><status>` + status + `</status>` + attachment + `</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`
	}
	att := func(id, status string) string {
		return `<attachment><attachmentId>` + id + `</attachmentId><instanceId>i-2</instanceId><deviceIndex>1</deviceIndex><status>` + status + `</status></attachment>`
	}
	c, got := newScriptedClient(t,
		item("available", ""),
		item("in-use", att("eni-attach-old", "attached")),
		`<DescribeNetworkInterfacesResponse><requestId>r</requestId><networkInterfaceSet/></DescribeNetworkInterfacesResponse>`,
		item("in-use", att("eni-attach-new", "attaching")),
		item("in-use", att("eni-attach-new", "attached")))
	var seen []InterfaceState
	res, err := c.WaitUntilAttached(context.Background(), "eni-1", "eni-attach-new", func(o *WaitOptions) {
		o.OnPoll = func(r WaitResult) { seen = append(seen, r.State) }
	})
	if err != nil || !res.Attached || res.Polls != 5 {
		t.Fatalf("got (%+v, %v), want attached at the fifth poll", res, err)
	}
	want := []InterfaceState{
		{NetworkInterfaceID: "eni-1", Status: "available", AvailabilityZone: "eu-west-1b"},
		{NetworkInterfaceID: "eni-1", Status: "in-use", AvailabilityZone: "eu-west-1b"},
		{NetworkInterfaceID: "eni-1", Status: "in-use", AvailabilityZone: "eu-west-1b", AttachmentID: "eni-attach-new", AttachmentStatus: "attaching", InstanceID: "i-2", DeviceIndex: 1},
		{NetworkInterfaceID: "eni-1", Status: "in-use", AvailabilityZone: "eu-west-1b", AttachmentID: "eni-attach-new", AttachmentStatus: "attached", InstanceID: "i-2", DeviceIndex: 1},
	}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	var asked []string
	for _, q := range got() {
		asked = append(asked, q.Get("Filter.1.Name")+q.Get("NetworkInterfaceId.1"))
	}
	wantAsked := []string{"network-interface-id", "network-interface-id", "network-interface-id", "eni-1", "network-interface-id"}
	if diff := cmp.Diff(wantAsked, asked); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestAttachAndWait: the attach, then polls of the new attachment until it
// is "attached", the first a first delay after the attach was sent.
func TestAttachAndWait(t *testing.T) {
	t.Parallel()
	var events []Event
	c, srv, fc := newClockedClient(t, []ec2test.Option{ec2test.WithAttachingDuration(5 * time.Second)}, func(o *Options) {
		o.OnEvent = func(e Event) {
			if e.Kind == EventPoll {
				events = append(events, e)
			}
		}
	})
	start := fc.Now()
	res, err := c.AttachAndWait(context.Background(), attachSpare())
	if err != nil || !res.Attached || res.Detached || res.Attach == nil || res.Attach.AttachmentID == "" || res.Attach.RequestID == "" {
		t.Fatalf("got (%+v, %v), want attached, with the attach's output", res, err)
	}
	st, _ := srv.Interface(ec2test.SpareInterface)
	want := InterfaceState{NetworkInterfaceID: ec2test.SpareInterface, Status: "in-use", AttachmentID: st.Attachment.AttachmentID, AttachmentStatus: "attached",
		InstanceID: ec2test.InstanceB, DeviceIndex: 1, AvailabilityZone: "us-east-1a"}
	if diff := cmp.Diff(want, res.State); diff != "" || res.State.AttachmentID != res.Attach.AttachmentID {
		t.Errorf("state (-want +got):\n%s", diff)
	}
	lo, hi := pollWindow(0, defaultWaitMinDelay, defaultWaitMaxDelay, 0)
	var polls []time.Duration
	for _, r := range srv.Requests() {
		if r.Action == "DescribeNetworkInterfaces" {
			polls = append(polls, r.Time.Sub(start))
		}
	}
	if len(polls) != res.Polls || len(polls) < 2 || polls[0] < lo || polls[0] > hi || len(events) != res.Polls || events[len(events)-1].Outcome != OutcomeDone {
		t.Errorf("polls at %v (%d events), want the first within [%v, %v], then until attached at 5 s", polls, len(events), lo, hi)
	}
}

// TestAttachAndWaitLostResponse: the attach's response is lost after it
// took effect; the retry's InUse is resolved by looking, as
// AttachNetworkInterface does, and the wait goes on with the attachment
// found.
func TestAttachAndWaitLostResponse(t *testing.T) {
	t.Parallel()
	c, srv, _ := newLagClient(t, 0, 3*time.Second)
	srv.Inject(ec2test.TruncatedBody(), 1)
	res, err := c.AttachAndWait(context.Background(), attachSpare())
	st, _ := srv.Interface(ec2test.SpareInterface)
	if err != nil || !res.Attached || st.Attaches != 1 || res.Attach.AttachmentID != st.Attachment.AttachmentID || res.State.AttachmentID != st.Attachment.AttachmentID {
		t.Fatalf("got (%+v, %v), interface %+v: want the one attachment waited on", res, err, st)
	}
	if got := actions(srv); !strings.HasPrefix(got, "AttachNetworkInterface,AttachNetworkInterface,DescribeNetworkInterfaces,DescribeNetworkInterfaces") {
		t.Errorf("requests %s, want the attach, its retry, the look, then polls", got)
	}
}

// TestAttachAndWaitSaysWhichStepFailed: a refused attach or bad input
// gives no result and the attach's error, nothing polled; a poll refused
// after an accepted attach gives the result so far, with the attach.
func TestAttachAndWaitSaysWhichStepFailed(t *testing.T) {
	t.Parallel()
	c, srv, _ := newLagClient(t, 0, time.Minute)
	for _, tc := range []struct {
		name string
		in   *AttachNetworkInterfaceInput
		opt  func(*WaitOptions)
		is   func(error) bool
	}{
		{"in use", &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1}, nil,
			func(err error) bool { return errors.Is(err, ErrInterfaceInUse) }},
		{"a dry run", &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1, DryRun: true}, nil,
			func(err error) bool { var ve *ValidationError; return errors.As(err, &ve) && ve.Field == "DryRun" }},
		{"another interface in the options", attachSpare(), func(o *WaitOptions) { o.NetworkInterfaceID = ec2test.FailoverInterface },
			func(err error) bool {
				var ve *ValidationError
				return errors.As(err, &ve) && ve.Field == "WaitOptions.NetworkInterfaceID"
			}},
		{"a negative MaxWait", attachSpare(), func(o *WaitOptions) { o.MaxWait = -1 },
			func(err error) bool {
				var ve *ValidationError
				return errors.As(err, &ve) && ve.Field == "WaitOptions.MaxWait"
			}},
	} {
		srv.ResetRequests()
		res, err := c.AttachAndWait(context.Background(), tc.in, tc.opt)
		if res != nil || !tc.is(err) || strings.Contains(actions(srv), "Describe") {
			t.Errorf("%s: got (%+v, %v), requests %s: want no result, the attach's error, no poll", tc.name, res, err, actions(srv))
		}
		checkOperation(t, err, "AttachNetworkInterface")
	}
	res, err := c.AttachAndWait(context.Background(), attachSpare(), func(o *WaitOptions) {
		o.OnPoll = func(WaitResult) { srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1) }
	})
	if !errors.Is(err, ErrUnauthorizedOperation) || res == nil || res.Attach == nil || res.Attached || res.Polls != 2 {
		t.Errorf("refused poll: got (%+v, %v), want the result so far with the attach", res, err)
	}
	checkOperation(t, err, "DescribeNetworkInterfaces")
}
