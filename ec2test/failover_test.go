package ec2test_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// fakeClock is a clock the test moves, shared by the server and the client
// so that signatures stay within the server's 15 minutes.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// attachResult decodes AttachNetworkInterface.
type attachResult struct {
	AttachmentID     string `xml:"attachmentId"`
	NetworkCardIndex int    `xml:"networkCardIndex"`
}

// interfaceResult decodes the one interface of a DescribeNetworkInterfaces
// answer.
type interfaceResult struct {
	Items []struct {
		ID         string `xml:"networkInterfaceId"`
		Status     string `xml:"status"`
		Zone       string `xml:"availabilityZone"`
		Attachment *struct {
			ID          string `xml:"attachmentId"`
			InstanceID  string `xml:"instanceId"`
			DeviceIndex int    `xml:"deviceIndex"`
			Status      string `xml:"status"`
		} `xml:"attachment"`
	} `xml:"networkInterfaceSet>item"`
}

// TestFailover moves the failover interface from instance A to instance B
// with this library alone, as a user's failover test would: detach, wait
// until detached, attach, poll until attached. Detaching takes 30 s and
// attaching 10 s by the server's clock, which each poll moves 10 s on, so
// the test takes milliseconds.
func TestFailover(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	srv := ec2test.NewServer(ec2test.WithClock(clock.Now),
		ec2test.WithDetachingDuration(30*time.Second), ec2test.WithAttachingDuration(10*time.Second))
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(),
		Clock: clock.Now, MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// 1. Detach from A and wait.
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	res, err := client.WaitUntilDetached(ctx, ec2test.FailoverAttachment, func(o *enidetach.WaitOptions) {
		o.NetworkInterfaceID = ec2test.FailoverInterface
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.OnPoll = func(enidetach.WaitResult) { clock.Advance(10 * time.Second) }
	})
	if err != nil || !res.Detached || res.Polls != 4 || res.State.Status != "available" {
		t.Fatalf("wait: %+v %v", res, err)
	}

	// 2. Attach to B at device index 1 through the generic Call.
	var att attachResult
	err = client.Call(ctx, "AttachNetworkInterface", url.Values{
		"NetworkInterfaceId": {ec2test.FailoverInterface},
		"InstanceId":         {ec2test.InstanceB},
		"DeviceIndex":        {"1"},
	}, &att)
	if err != nil || att.AttachmentID == "" || att.AttachmentID == ec2test.FailoverAttachment {
		t.Fatalf("attach: %+v %v", att, err)
	}

	// 3. Poll until attached.
	var states []string
	for poll := 0; ; poll++ {
		if poll == 5 {
			t.Fatalf("not attached after %d polls: %v", poll, states)
		}
		var out interfaceResult
		if err := client.Call(ctx, "DescribeNetworkInterfaces", url.Values{
			"Filter.1.Name": {"attachment.attachment-id"}, "Filter.1.Value.1": {att.AttachmentID}}, &out); err != nil {
			t.Fatal(err)
		}
		if len(out.Items) != 1 || out.Items[0].Attachment == nil {
			t.Fatalf("poll %d: %+v", poll, out)
		}
		a := out.Items[0].Attachment
		states = append(states, a.Status)
		if a.InstanceID != ec2test.InstanceB || a.DeviceIndex != 1 || out.Items[0].Status != "in-use" {
			t.Fatalf("poll %d: attachment %+v", poll, a)
		}
		if a.Status == "attached" {
			break
		}
		clock.Advance(10 * time.Second)
	}
	if got := strconv.Quote(joinStates(states)); got != `"attaching,attached"` {
		t.Errorf("attachment states = %s", got)
	}

	// The old attachment is gone; a failover back starts from B.
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); !errors.Is(err, enidetach.ErrAttachmentNotFound) {
		t.Errorf("detach of the old attachment: %v", err)
	}
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if st.Detaches != 1 || st.Attaches != 1 || st.Attachment.AttachmentID != att.AttachmentID {
		t.Errorf("server state: %+v", st)
	}

	// 4. Attaching to the instance in the other zone is refused.
	var ae *enidetach.APIError
	err = client.Call(ctx, "AttachNetworkInterface", url.Values{
		"NetworkInterfaceId": {ec2test.SpareInterface}, "InstanceId": {ec2test.InstanceC}, "DeviceIndex": {"1"}}, nil)
	if !errors.As(err, &ae) || ae.Code != "InvalidParameterCombination" {
		t.Errorf("attach across zones: %v", err)
	}
}

func joinStates(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
