package enidetach

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestMoveNetworkInterfaceLostResponses loses the answer of the detach or
// the attach after EC2 acted on it: the client retries, meets the effect of
// its first attempt, and the move resolves it by looking.
func TestMoveNetworkInterfaceLostResponses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		detaching time.Duration
		action    string
		want      string // the mutating requests
	}{
		{"detach, gone at once", 0, "DetachNetworkInterface",
			"DetachNetworkInterface!truncated-body DetachNetworkInterface:InvalidAttachmentID.NotFound AttachNetworkInterface"},
		{"detach, still detaching", 10 * time.Second, "DetachNetworkInterface",
			"DetachNetworkInterface!truncated-body DetachNetworkInterface:IncorrectState AttachNetworkInterface"},
		{"attach", 0, "AttachNetworkInterface",
			"DetachNetworkInterface AttachNetworkInterface!truncated-body AttachNetworkInterface:InvalidNetworkInterface.InUse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDetachingDuration(tc.detaching))
			e.hooks.before(tc.action, func() { e.srv.Inject(ec2test.TruncatedBody(), 1) })
			out, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
			st, _ := e.srv.Interface(ec2test.FailoverInterface)
			if out.Attach.AttachmentID != st.Attachment.AttachmentID || out.Detach.AttachmentID != ec2test.FailoverAttachment {
				t.Errorf("output %+v, server attachment %s", out, st.Attachment.AttachmentID)
			}
			if got := strings.Join(mutations(e.srv), " "); got != tc.want {
				t.Errorf("sent %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestMoveNetworkInterfaceThrottled throttles the detach, the attach and
// polls of both waits: the client's retries carry the move through.
func TestMoveNetworkInterfaceThrottled(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDetachingDuration(4*time.Second), ec2test.WithAttachingDuration(4*time.Second))
	throttle := func() { e.srv.Inject(ec2test.Throttle(), 2) }
	e.hooks.before("DetachNetworkInterface", throttle)
	e.hooks.before("AttachNetworkInterface", throttle)
	e.hooks.before("DescribeInstances", throttle)
	out, err := e.c.MoveNetworkInterface(context.Background(), toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	want := "DetachNetworkInterface:RequestLimitExceeded!throttle DetachNetworkInterface:RequestLimitExceeded!throttle DetachNetworkInterface " +
		"AttachNetworkInterface:RequestLimitExceeded!throttle AttachNetworkInterface:RequestLimitExceeded!throttle AttachNetworkInterface"
	if got := strings.Join(mutations(e.srv), " "); got != want {
		t.Errorf("sent %s\nwant %s", got, want)
	}
	if out.Detach.RequestID == "" || out.Attach.RequestID == "" {
		t.Errorf("output %+v", out)
	}
}

// TestMoveNetworkInterfaceEventualConsistency makes describes lag behind
// the detach and the attach: the move waits through stale answers.
func TestMoveNetworkInterfaceEventualConsistency(t *testing.T) {
	t.Parallel()
	for _, lag := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Second} {
		t.Run(lag.String(), func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDescribeLag(lag), ec2test.WithDetachingDuration(3*time.Second), ec2test.WithAttachingDuration(3*time.Second))
			out, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
			if out.State.InstanceID != ec2test.InstanceB || out.State.AttachmentStatus != "attached" || out.Attach.Status != "attached" {
				t.Errorf("output state %+v", out.State)
			}
			// Each half is seen done once the lag has passed, not before.
			if out.Detach.WaitElapsed < 3*time.Second+lag || out.Attach.WaitElapsed < 3*time.Second+lag {
				t.Errorf("waits %v and %v, shorter than the change and the lag", out.Detach.WaitElapsed, out.Attach.WaitElapsed)
			}
			if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface" {
				t.Errorf("sent %s", got)
			}
		})
	}
}

// TestMoveNetworkInterfaceLaggingRerun re-runs a move right after its
// attach was accepted, while describes still show the interface
// available: the attach meets InUse, and the move finds the interface
// attaching at the target rather than failing.
func TestMoveNetworkInterfaceLaggingRerun(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDescribeLag(3*time.Second), ec2test.WithAttachingDuration(10*time.Second))
	ctx := context.Background()
	if _, err := e.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	_ = e.clock.Sleep(ctx, 5*time.Second) // the detach is seen by describes
	att := attachForTest(t, e.c, ec2test.FailoverInterface, ec2test.InstanceB, 1)
	out, err := e.c.MoveNetworkInterface(ctx, toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	if out.Start.Status != "available" || out.Attach.AttachmentID != att || out.Attach.Status != "attached" {
		t.Errorf("output: start %+v, attach %+v; want the attachment %s found and waited for", out.Start, out.Attach, att)
	}
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface AttachNetworkInterface:InvalidNetworkInterface.InUse" {
		t.Errorf("sent %s", got)
	}
}

// TestMoveNetworkInterfaceLaggingDetach starts a move right after a detach
// was accepted, while describes still show the interface attached: the
// detach meets IncorrectState, and the move looks until it sees the
// attachment detaching rather than failing.
func TestMoveNetworkInterfaceLaggingDetach(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDescribeLag(3*time.Second), ec2test.WithDetachingDuration(10*time.Second))
	ctx := context.Background()
	if _, err := e.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.MoveNetworkInterface(ctx, toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	if out.Start.AttachmentStatus != "attached" || out.Detach.Status != "available" {
		t.Errorf("output: start %+v, detach %+v", out.Start, out.Detach)
	}
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface DetachNetworkInterface:IncorrectState AttachNetworkInterface" {
		t.Errorf("sent %s", got)
	}
}

// rewritingHTTP is an HTTPClient that answers DescribeNetworkInterfaces
// with answer(n) (n counts the describes) when it returns a body, and
// passes everything else to EC2 (here ec2test): an inconsistent,
// hostile or badly lagging describe, which no single lag can model.
type rewritingHTTP struct {
	next   HTTPClient
	answer func(n int, sentAttach bool) string

	mu         sync.Mutex
	describes  int
	sentAttach bool
}

func (h *rewritingHTTP) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	h.mu.Lock()
	action := form.Get("Action")
	if action == "AttachNetworkInterface" {
		h.sentAttach = true
	}
	var answer string
	if action == "DescribeNetworkInterfaces" {
		h.describes++
		answer = h.answer(h.describes, h.sentAttach)
	}
	h.mu.Unlock()
	if answer == "" {
		return h.next.Do(req)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(strings.NewReader(answer)), Request: req}, nil
}

// TestMoveInUseNotResolvedByAnOldAttachment: the move's first describe
// shows the interface available (stale), its attach meets InUse (the
// interface is at a third instance), and the looks that follow show it at
// the target slot by an attachment two days old. That attachment was not
// made by this move nor by a run of it stopped minutes ago: the InUse
// stands, and the move neither reports success nor waits on it.
func TestMoveInUseNotResolvedByAnOldAttachment(t *testing.T) {
	t.Parallel()
	const third = "i-0123456789abcdef3"
	iface := ec2test.FailoverInterface
	var h *rewritingHTTP
	c, srv := newTestClient(t, nil, func(o *Options) {
		h = &rewritingHTTP{next: &http.Client{}, answer: func(n int, sentAttach bool) string {
			item := "<networkInterfaceId>" + iface + "</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone>"
			if !sentAttach {
				item += "<status>available</status>"
			} else {
				old := time.Now().Add(-48 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
				item += "<status>in-use</status><attachment><attachmentId>eni-attach-0bbbbbbbbbbbbbbb0</attachmentId>" +
					"<instanceId>" + ec2test.InstanceB + "</instanceId><deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex>" +
					"<status>attached</status><attachTime>" + old + "</attachTime></attachment>"
			}
			return "<DescribeNetworkInterfacesResponse><requestId>r-" + string(rune('0'+n%10)) + "</requestId><networkInterfaceSet><item>" +
				item + "</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"
		}}
		o.HTTPClient = h
	})
	srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: srv.Region() + "a"})
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0123456789abcdef3", NetworkInterfaceID: iface, InstanceID: third, DeviceIndex: 1})

	out, err := c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{
		NetworkInterfaceID: iface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1})
	var incomplete *MoveIncompleteError
	if !errors.As(err, &incomplete) || incomplete.Step != "attach" || !errors.Is(err, ErrInterfaceInUse) {
		t.Fatalf("MoveNetworkInterface = (%+v, %v), want a *MoveIncompleteError at the attach holding InUse", out, err)
	}
	if incomplete.Output == nil || incomplete.Output.Attach.AttachmentID != "" {
		t.Errorf("the output claims an attachment: %+v", incomplete.Output)
	}
	if st, _ := srv.Interface(iface); st.Attachment == nil || st.Attachment.InstanceID != third || st.Attaches != 0 {
		t.Errorf("server: %+v, want still at %s", st.Attachment, third)
	}
}
