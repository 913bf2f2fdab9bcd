package enidetach

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/google/go-cmp/cmp"
)

// fakeClock is a clock shared by the fake server and the client's sleep,
// so waits of seconds run in microseconds.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

const secondary = "eni-attach-0123456789abcdef0"

// newWaitClient returns a client and server sharing a fake clock, with
// interfaces staying "detaching" for detaching. With realTime, the server
// and the client keep real time.
func newWaitClient(t *testing.T, detaching time.Duration, realTime bool) (*Client, *ec2test.Server) {
	c, srv, _ := newFakeClockClient(t, detaching, realTime)
	return c, srv
}

// newFakeClockClient is newWaitClient that also returns the fake clock
// (nil with realTime). Retries back off by their full delay, on the clock.
func newFakeClockClient(t *testing.T, detaching time.Duration, realTime bool) (*Client, *ec2test.Server, *fakeClock) {
	t.Helper()
	if !realTime {
		return newClockedClient(t, []ec2test.Option{ec2test.WithDetachingDuration(detaching)})
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithDetachingDuration(detaching)})
	setSleep(c, query.SleepContext) // newTestClient skips backoffs
	return c, srv, nil
}

// newClockedClient is newTestClient with the client and the server sharing
// a fake clock, on which the client sleeps: its backoffs and polls take no
// real time.
func newClockedClient(t *testing.T, srvOpts []ec2test.Option, optFns ...func(*Options)) (*Client, *ec2test.Server, *fakeClock) {
	t.Helper()
	fc := &fakeClock{now: time.Now()}
	c, srv := newTestClient(t, append([]ec2test.Option{ec2test.WithClock(fc.Now)}, srvOpts...),
		append([]func(*Options){func(o *Options) { o.Clock = fc.Now }}, optFns...)...)
	setSleep(c, fc.Sleep)
	return c, srv, fc
}

func TestWaitUntilDetached(t *testing.T) {
	t.Parallel()
	t.Run("already available", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 0, false)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		res, err := c.WaitUntilDetached(context.Background(), secondary)
		if err != nil || !res.Detached || res.Polls != 1 {
			t.Fatalf("got (%+v, %v), want detached after one poll", res, err)
		}
	})
	t.Run("polls every MinDelay at first", func(t *testing.T) {
		t.Parallel()
		c, srv := newWaitClient(t, 5*time.Second, false)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		var seen []string
		res, err := c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) {
			o.NetworkInterfaceID = "eni-0123456789abcdef0"
			o.OnPoll = func(r WaitResult) { seen = append(seen, r.State.Status+"/"+r.State.AttachmentStatus) }
		})
		if err != nil {
			t.Fatal(err)
		}
		// Polls at 0, 2, 4 and 6 s: detaching until 5 s.
		if res.Polls != 4 || res.State.Status != "available" || res.State.NetworkInterfaceID != "eni-0123456789abcdef0" {
			t.Errorf("result = %+v, want available after 4 polls", res)
		}
		if len(seen) != 4 || seen[0] != "in-use/detaching" || seen[3] != "available/" {
			t.Errorf("progress = %v", seen)
		}
		if n := len(srv.Requests()); n != 5 {
			t.Errorf("%d requests, want 1 detach + 4 polls", n)
		}
	})
	t.Run("context ends mid-wait", func(t *testing.T) {
		// On real time: a context's deadline is real time.
		t.Parallel()
		c, _ := newWaitClient(t, time.Hour, true)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := c.WaitUntilDetached(ctx, secondary, func(o *WaitOptions) { o.MinDelay = 20 * time.Millisecond })
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error = %v, want *WaitTimeoutError with DeadlineExceeded", err)
		}
		if wt.Last.State.AttachmentStatus != "detaching" || wt.Last.Polls < 2 || res == nil {
			t.Errorf("last state = %+v", wt.Last)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("returned after %v", time.Since(start))
		}
	})
	t.Run("maximum wait", func(t *testing.T) {
		t.Parallel()
		c, _, fc := newFakeClockClient(t, time.Hour, false)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		start := fc.Now()
		res, err := c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) { o.MaxWait = time.Minute })
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) || res.Detached || wt.Last.Polls < 10 {
			t.Fatalf("got (%+v, %v), want a *WaitTimeoutError after several polls", res, err)
		}
		if el := fc.Now().Sub(start); el != time.Minute || res.Elapsed != time.Minute {
			t.Errorf("took %v (elapsed %v) for a 1 min maximum wait", el, res.Elapsed)
		}
	})
	t.Run("throttled polls are absorbed", func(t *testing.T) {
		t.Parallel()
		c, srv := newWaitClient(t, 2*time.Second, false)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		srv.Inject(ec2test.Throttle(), 2)
		res, err := c.WaitUntilDetached(context.Background(), secondary)
		if err != nil || !res.Detached {
			t.Fatalf("got (%+v, %v)", res, err)
		}
		throttled := 0
		for _, r := range srv.Requests() {
			if r.ErrorCode == "RequestLimitExceeded" {
				throttled++
			}
		}
		if throttled != 2 {
			t.Errorf("%d throttled polls, want 2", throttled)
		}
	})
}

func TestDetachAndWait(t *testing.T) {
	t.Parallel()
	t.Run("detaches and waits", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 3*time.Second, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		if err != nil || !res.Detached || res.AlreadyDetached || res.Polls < 2 {
			t.Fatalf("got (%+v, %v)", res, err)
		}
	})
	t.Run("not found counts as done when idempotent", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 0, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"},
			func(o *WaitOptions) { o.Idempotent = true })
		if err != nil || !res.Detached || !res.AlreadyDetached {
			t.Fatalf("got (%+v, %v), want already detached", res, err)
		}
	})
	t.Run("a detach in progress is waited for when idempotent", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 3*time.Second, false)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) { o.Idempotent = true })
		if err != nil || !res.Detached {
			t.Fatalf("got (%+v, %v), want detached", res, err)
		}
		_, err = c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		if !errors.Is(err, ErrAttachmentNotFound) {
			t.Errorf("without idempotence: %v, want ErrAttachmentNotFound", err)
		}
	})
	t.Run("unknown attachment without idempotence", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 0, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"})
		if !errors.Is(err, ErrAttachmentNotFound) || res != nil {
			t.Fatalf("got (%+v, %v), want ErrAttachmentNotFound", res, err)
		}
	})
	t.Run("primary interface is refused, not waited on", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 0, false)
		_, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-00000000000000000"}, func(o *WaitOptions) { o.Idempotent = true })
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != "OperationNotPermitted" {
			t.Fatalf("error = %v", err)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		t.Parallel()
		c, srv := newWaitClient(t, 0, false)
		for _, in := range []*DetachNetworkInterfaceInput{nil, {}, {AttachmentID: secondary, DryRun: true}} {
			var ve *ValidationError
			if _, err := c.DetachAndWait(context.Background(), in); !errors.As(err, &ve) {
				t.Errorf("%+v: %v, want *ValidationError", in, err)
			}
		}
		var ve *ValidationError
		if _, err := c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) { o.MaxWait = -1 }); !errors.As(err, &ve) {
			t.Errorf("negative MaxWait: %v", err)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
}

const secondaryInterface = "eni-0123456789abcdef0"

// TestWaitResultIsNeverStale: a poll that no longer finds the attachment
// replaces the state; it never keeps the status of an earlier poll.
func TestWaitResultIsNeverStale(t *testing.T) {
	t.Parallel()
	t.Run("detached by attachment ID", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 3*time.Second, false)
		var seen []InterfaceState
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary},
			func(o *WaitOptions) { o.OnPoll = func(r WaitResult) { seen = append(seen, r.State) } })
		if err != nil || !res.Detached {
			t.Fatalf("got (%+v, %v)", res, err)
		}
		want := InterfaceState{NetworkInterfaceID: secondaryInterface, Status: "available", AvailabilityZone: "us-east-1a"}
		if diff := cmp.Diff(want, res.State); diff != "" {
			t.Errorf("final state (-want +got):\n%s", diff)
		}
		first := InterfaceState{NetworkInterfaceID: secondaryInterface, Status: "in-use", AttachmentID: secondary,
			AttachmentStatus: "detaching", InstanceID: "i-0123456789abcdef0", DeviceIndex: 1, AvailabilityZone: "us-east-1a"}
		if len(seen) < 2 || !cmp.Equal(seen[0], first) {
			t.Errorf("states seen = %+v, want %+v first", seen, first)
		}
	})
	t.Run("already gone at the first poll", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, 0, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"},
			func(o *WaitOptions) { o.Idempotent = true })
		if err != nil || !res.Detached || !res.AlreadyDetached {
			t.Fatalf("got (%+v, %v)", res, err)
		}
		if res.State != (InterfaceState{}) || res.Detach != nil || !errors.Is(res.DetachError, ErrAttachmentNotFound) {
			t.Errorf("result = %+v, want no state, no accepted detach, the NotFound kept", res)
		}
	})
	t.Run("a timeout reports the last poll", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, time.Hour, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary},
			func(o *WaitOptions) { o.MaxWait = time.Minute })
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got (%+v, %v), want a *WaitTimeoutError", res, err)
		}
		if wt.Last.State.AttachmentStatus != "detaching" || wt.Last.Detached || wt.Last.Detach == nil || wt.Last.Detach.RequestID == "" {
			t.Errorf("last = %+v", wt.Last)
		}
	})
}

// pollTimes runs a wait on a fake clock and returns when each poll was
// sent, counted from the start of the wait.
func pollTimes(t *testing.T, detaching time.Duration, optFn func(*WaitOptions)) ([]time.Duration, *WaitResult, error) {
	t.Helper()
	c, srv, fc := newFakeClockClient(t, detaching, false)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
		t.Fatal(err)
	}
	start := fc.Now()
	res, err := c.WaitUntilDetached(context.Background(), secondary, optFn)
	var times []time.Duration
	for _, r := range srv.Requests() {
		if r.Action == "DescribeNetworkInterfaces" {
			times = append(times, r.Time.Sub(start))
		}
	}
	return times, res, err
}

// TestWaitMinDelayIsAFloor: MinDelay = MaxDelay gives polls exactly that
// far apart, whatever the retry jitter.
func TestWaitMinDelayIsAFloor(t *testing.T) {
	t.Parallel()
	times, res, err := pollTimes(t, time.Second, func(o *WaitOptions) { o.MinDelay, o.MaxDelay = 150*time.Millisecond, 150*time.Millisecond })
	if err != nil || !res.Detached {
		t.Fatalf("got (%+v, %v)", res, err)
	}
	for i := 1; i < len(times); i++ {
		if gap := times[i] - times[i-1]; gap != 150*time.Millisecond {
			t.Errorf("poll %d came %v after the one before, want 150ms (poll times %v)", i+1, gap, times)
		}
	}
	if len(times) != 8 { // 0, 150ms, ..., 1.05 s
		t.Errorf("%d polls, want 8: %v", len(times), times)
	}
}

// TestWaitSchedule: the loop polls within the windows pollWindow gives
// (the schedule that waitsim_test.go measures), with jitter, and MaxWait
// ends it on the client's clock.
func TestWaitSchedule(t *testing.T) {
	t.Parallel()
	times, res, err := pollTimes(t, time.Hour, func(o *WaitOptions) { o.MaxWait = 5 * time.Minute })
	var wt *WaitTimeoutError
	if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) || res == nil || res.Detached {
		t.Fatalf("got (%+v, %v), want a *WaitTimeoutError", res, err)
	}
	if len(times) == 0 || times[0] != 0 {
		t.Fatalf("poll times %v, want the first at once", times)
	}
	for i := 1; i < len(times); i++ {
		gap := times[i] - times[i-1]
		lo, hi := pollWindow(times[i-1], defaultWaitMinDelay, defaultWaitMaxDelay, 0)
		if gap < lo || gap > hi {
			t.Errorf("poll %d came %v after the one before (at %v), want within [%v, %v]", i+1, gap, times[i-1], lo, hi)
		}
	}
	// Jittered: the same wait run again polls at other times.
	again, _, _ := pollTimes(t, time.Hour, func(o *WaitOptions) { o.MaxWait = 5 * time.Minute })
	if slices.Equal(times, again) {
		t.Errorf("two waits polled at the same times %v: no jitter", times)
	}
	if res.Polls != len(times) || res.Elapsed != 5*time.Minute {
		t.Errorf("result = %+v, want %d polls over 5m", res, len(times))
	}
	firstMinute := 0
	for _, at := range times {
		if at < time.Minute {
			firstMinute++
		}
	}
	// The simulation's target, 25, is DetachAndWait's, whose first poll
	// comes after a first delay; WaitUntilDetached also looks at once.
	if firstMinute > 26 {
		t.Errorf("%d polls in the first minute, want at most 26", firstMinute)
	}
}

// TestWaitNarrowsToTheInterface: once the interface is known, polls ask for
// it with the network-interface-id filter (by ID, one unknown interface
// would fail the call shared with other waits).
func TestWaitNarrowsToTheInterface(t *testing.T) {
	t.Parallel()
	for _, given := range []bool{false, true} {
		c, srv := newWaitClient(t, 5*time.Second, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
			if given {
				o.NetworkInterfaceID = secondaryInterface
			}
		})
		if err != nil || !res.Detached || res.State.Status != "available" {
			t.Fatalf("given %t: got (%+v, %v)", given, res, err)
		}
		var polls []string
		for _, r := range srv.Requests() {
			if r.Action != "DescribeNetworkInterfaces" {
				continue
			}
			switch {
			case r.Params.Get("Filter.1.Name") == "network-interface-id" && r.Params.Get("Filter.1.Value.1") == secondaryInterface && r.Params.Get("MaxResults") != "":
				polls = append(polls, "by interface, paginated")
			case r.Params.Get("Filter.1.Name") == "attachment.attachment-id" && r.Params.Get("Filter.1.Value.1") == secondary && r.Params.Get("MaxResults") != "":
				polls = append(polls, "by attachment, paginated")
			default:
				polls = append(polls, r.Params.Encode())
			}
		}
		// Given the interface, the first poll comes after a first delay
		// (1.7 s to 2.1 s), the rest as far apart: detaching until 5 s.
		// Not given, the first poll looks at once, while the attachment is
		// there to name its interface.
		want := []string{"by interface, paginated", "by interface, paginated", "by interface, paginated"}
		if !given {
			want = append([]string{"by attachment, paginated"}, want...)
		}
		if diff := cmp.Diff(want, polls); diff != "" {
			t.Errorf("given %t: polls (-want +got):\n%s", given, diff)
		}
	}
}

// TestDetachAndWaitSaysWhichStepFailed: a refused detach gives no result;
// a poll that fails after an accepted detach gives the result so far, with
// the detach's output.
func TestDetachAndWaitSaysWhichStepFailed(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, time.Minute, false)
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-00000000000000000"})
	if res != nil || !isCode(err, "OperationNotPermitted") {
		t.Errorf("refused detach: got (%+v, %v), want no result and OperationNotPermitted", res, err)
	}
	checkOperation(t, err, "DetachNetworkInterface")
	res, err = c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
		o.OnPoll = func(r WaitResult) {
			if r.Polls == 1 {
				srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
			}
		}
	})
	if !errors.Is(err, ErrUnauthorizedOperation) || res == nil {
		t.Fatalf("failed poll: got (%+v, %v), want a result and UnauthorizedOperation", res, err)
	}
	if res.Detach == nil || !res.Detach.Return || res.Detach.RequestID == "" || res.Polls != 2 || res.Detached {
		t.Errorf("failed poll: result = %+v, want the accepted detach and 2 polls", res)
	}
	checkOperation(t, err, "DescribeNetworkInterfaces")
}

// checkOperation checks that err is a *smithy.OperationError naming the
// action: the wait passes each call's error on as it is.
func checkOperation(t *testing.T, err error, action string) {
	t.Helper()
	var oe *smithy.OperationError
	if !errors.As(err, &oe) {
		t.Errorf("%v: not a *smithy.OperationError", err)
	} else if oe.ServiceID != "EC2" || oe.OperationName != action {
		t.Errorf("error names %s %s, want EC2 %s: %v", oe.ServiceID, oe.OperationName, action, err)
	}
}

// TestWaitDeletedInterface: an interface that a poll showed and the next
// one does not find was deleted, which detached it; one never seen is a
// wrong ID, and an error.
func TestWaitDeletedInterface(t *testing.T) {
	t.Parallel()
	detaching := `<DescribeNetworkInterfacesResponse><requestId>r1</requestId><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId><status>in-use</status>` +
		`<attachment><attachmentId>eni-attach-1</attachmentId><instanceId>i-1</instanceId><deviceIndex>1</deviceIndex><status>detaching</status></attachment>` +
		`</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`
	notFound := `<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-1' does not exist</Message></Error></Errors><RequestID>r2</RequestID></Response>`

	c, _ := newScriptedClient(t, detaching, notFound)
	res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1")
	if err != nil || !res.Detached || res.State != (InterfaceState{NetworkInterfaceID: "eni-1"}) || res.Polls != 2 {
		t.Errorf("deleted: got (%+v, %v), want detached with no status", res, err)
	}

	c, _ = newScriptedClient(t, notFound)
	res, err = c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-1" })
	if !isCode(err, "InvalidNetworkInterfaceID.NotFound") || res == nil || res.Detached {
		t.Errorf("never seen: got (%+v, %v), want the NotFound error", res, err)
	}
}

// newScriptedWaitClient is newScriptedClient on a fake clock: its waits
// poll, back off and time out in no real time.
func newScriptedWaitClient(t *testing.T, answers ...string) (*Client, func() []url.Values) {
	t.Helper()
	c, got := newScriptedClient(t, answers...)
	fc := &fakeClock{now: time.Now()}
	setClock(c, fc.Now)
	setSleep(c, fc.Sleep)
	return c, got
}

// TestWaitAnswerShowingNothingIsNotDetached: a wait by interface whose
// answers show nothing, asked by ID too, is not detached: it polls until
// MaxWait and says what was contradictory. Only the interface shown
// without the attachment, or not found once seen, is evidence.
func TestWaitAnswerShowingNothingIsNotDetached(t *testing.T) {
	t.Parallel()
	empty := describePageXML("")
	detaching := describePageXML("", describeItemXML("eni-1", "eni-attach-1", "i-1", 1))
	available := describePageXML("", describeItemXML("eni-1", "", "", 0))
	notFound := `<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-1' does not exist</Message></Error></Errors><RequestID>r2</RequestID></Response>`
	byInterface := func(o *WaitOptions) { o.NetworkInterfaceID, o.MaxWait = "eni-1", time.Minute }
	for _, detachFirst := range []bool{false, true} {
		answers := []string{empty}
		if detachFirst {
			answers = []string{`<DetachNetworkInterfaceResponse><requestId>d1</requestId><return>true</return></DetachNetworkInterfaceResponse>`, empty}
		}
		c, got := newScriptedWaitClient(t, answers...)
		var res *WaitResult
		var err error
		if detachFirst {
			res, err = c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}, byInterface)
		} else {
			res, err = c.WaitUntilDetached(context.Background(), "eni-attach-1", byInterface)
		}
		var te *WaitTimeoutError
		if !errors.As(err, &te) || res == nil || res.Detached || !strings.Contains(te.Contradiction, "eni-1") || !strings.Contains(err.Error(), te.Contradiction) {
			t.Fatalf("detach first %t: got (%+v, %v), want a *WaitTimeoutError saying what was contradictory", detachFirst, res, err)
		}
		if byID := got()[len(got())-1].Get("NetworkInterfaceId.1"); byID != "eni-1" || res.Polls < 10 {
			t.Errorf("detach first %t: %d polls, the last asking %q by ID: want the wait to poll on, asking by ID", detachFirst, res.Polls, byID)
		}
	}
	for _, tc := range []struct {
		name    string
		answers []string
		status  string
	}{
		{"seen, then omitted, then shown without the attachment by ID", []string{detaching, empty, available}, "in-use"},
		{"seen, then omitted, then not found by ID", []string{detaching, empty, notFound}, ""},
	} {
		c, got := newScriptedWaitClient(t, tc.answers...)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.MaxWait = time.Minute })
		if err != nil || !res.Detached || res.State.Status != tc.status || res.State.NetworkInterfaceID != "eni-1" {
			t.Errorf("%s: got (%+v, %v), want detached, status %q", tc.name, res, err, tc.status)
		}
		if q := got(); len(q) != 3 || q[2].Get("NetworkInterfaceId.1") != "eni-1" {
			t.Errorf("%s: requests %v, want the omitted interface asked for by ID", tc.name, q)
		}
	}
}

// TestEveryPollIsReportedOnce: every poll of every wait, shared or not,
// throttled or not, reaches Options.OnEvent exactly once as an EventPoll,
// numbered from 1 within its wait. On real time: it is about waits sharing
// describes, which they do when their goroutines meet.
func TestEveryPollIsReportedOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var events []Event
	const n = 20
	var seed ec2test.Seed
	for i := range n {
		seed.Attachments = append(seed.Attachments, ec2test.Attachment{
			AttachmentID: fmt.Sprintf("eni-attach-%017x", i+1), NetworkInterfaceID: fmt.Sprintf("eni-%017x", i+1),
			InstanceID: fmt.Sprintf("i-%017x", i+1), DeviceIndex: 1,
		})
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithSeed(seed), ec2test.WithDetachingDuration(300 * time.Millisecond)}, func(o *Options) {
		o.MaxAttempts = 1
		o.OnEvent = func(e Event) {
			if e.Kind == EventPoll {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
		}
	})
	setSleep(c, query.SleepContext)
	for _, a := range seed.Attachments {
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: a.AttachmentID}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	srv.Inject(ec2test.APIError(503, "RequestLimitExceeded"), 1)
	polls := make([]int, n)
	var wg sync.WaitGroup
	for i, a := range seed.Attachments {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := c.WaitUntilDetached(context.Background(), a.AttachmentID, fastPolls, func(o *WaitOptions) {
				o.OnPoll = func(WaitResult) { polls[i]++ }
				if i%2 == 0 {
					o.NetworkInterfaceID = a.NetworkInterfaceID
				}
			})
			if err != nil || !res.Detached {
				t.Errorf("wait %d: got (%+v, %v)", i, res, err)
			}
		}()
	}
	wg.Wait()
	var want, got []int
	for _, p := range polls {
		for k := 1; k <= p; k++ {
			want = append(want, k)
		}
	}
	outcomes := map[Outcome]int{}
	for _, e := range events {
		got = append(got, e.Attempt)
		outcomes[e.Outcome]++
		if e.Action != "DescribeNetworkInterfaces" || e.Retry || e.StatusCode != 0 {
			t.Errorf("event %+v, want a poll of DescribeNetworkInterfaces", e)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("poll numbers reported (-one per poll +reported):\n%s", diff)
	}
	describes := 0
	for _, r := range srv.Requests() {
		if r.Action == "DescribeNetworkInterfaces" {
			describes++
		}
	}
	if outcomes[OutcomeDone] != n || outcomes[OutcomeThrottled] == 0 || outcomes[OutcomeError] != 0 || describes >= len(events) {
		t.Errorf("outcomes %v of %d polls in %d describes: want %d done, a throttled one, none shared by nobody", outcomes, len(events), describes, n)
	}
}

// TestWaitInterfaceNeverSeenIsNotDetached: with WaitOptions.NetworkInterfaceID,
// an answer that does not show the interface is not "detached", even less
// when it shows the attachment on another interface.
func TestWaitInterfaceNeverSeenIsNotDetached(t *testing.T) {
	t.Parallel()
	notFound := `<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-1' does not exist</Message></Error></Errors><RequestID>r2</RequestID></Response>`
	t.Run("omitted", func(t *testing.T) {
		t.Parallel()
		c, got := newScriptedClient(t, describePageXML(""), notFound)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-1" })
		if res == nil || res.Detached || !isCode(err, "InvalidNetworkInterfaceID.NotFound") {
			t.Fatalf("got (%+v, %v), want not detached, with EC2's NotFound", res, err)
		}
		if q := got(); len(q) != 2 || q[1].Get("NetworkInterfaceId.1") != "eni-1" {
			t.Errorf("requests %v, want the filtered poll, then the interface asked by ID", q)
		}
	})
	t.Run("the attachment shown elsewhere", func(t *testing.T) {
		t.Parallel()
		elsewhere := describePageXML("", describeItemXML("eni-2", "eni-attach-1", "i-1", 1))
		c, _ := newScriptedClient(t, elsewhere)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-1" })
		var wi *WrongInterfaceError
		if res == nil || res.Detached || !errors.As(err, &wi) || wi.Found != "eni-2" || wi.NetworkInterfaceID != "eni-1" || wi.AttachmentID != "eni-attach-1" {
			t.Fatalf("got (%+v, %v), want a *WrongInterfaceError", res, err)
		}
	})
}

// TestDetachAndWaitAlreadyDetachedPollFails: with Idempotent, a detach
// answered NotFound, then a poll that fails, is still a detached result
// (the NotFound said so): no contradiction, no error, the failure counted.
func TestDetachAndWaitAlreadyDetachedPollFails(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, 0, false)
	srv.Inject(ec2test.Delay(0), 1) // the detach passes
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"},
		func(o *WaitOptions) { o.Idempotent = true })
	if err != nil || res == nil || !res.AlreadyDetached || !res.Detached || res.Detach != nil || !errors.Is(res.DetachError, ErrAttachmentNotFound) {
		t.Fatalf("got (%+v, %v), want already detached and detached, no error", res, err)
	}
	if res.FailedPolls != 1 || !errors.Is(res.LastPollError, ErrUnauthorizedOperation) || res.Polls != 1 {
		t.Errorf("result = %+v, want the failed poll counted", res)
	}
}

// TestWaitOutlastsFailedPolls: once the detach was accepted, polls that
// fail for a reason that may pass (throttling past the client's retries, a
// 5xx, a dropped connection) back off and poll again; the result says how
// many failed and why. An answer that will not change still ends the wait
// (TestDetachAndWaitSaysWhichStepFailed).
func TestWaitOutlastsFailedPolls(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]ec2test.Fault{
		"throttled":   ec2test.Throttle(),
		"5xx":         ec2test.InternalError(),
		"unavailable": ec2test.Unavailable(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv, fc := newFakeClockClient(t, 20*time.Second, false)
			var times []time.Duration
			start := fc.Now()
			res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
				o.OnPoll = func(r WaitResult) {
					times = append(times, fc.Now().Sub(start))
					if r.Polls == 3 && r.FailedPolls == 0 {
						// Two polls fail whole: each of the client's 3 attempts answered by the fault.
						srv.Inject(fault, 6)
					}
				}
			})
			if err != nil || !res.Detached || res.FailedPolls != 2 || res.LastPollError == nil || res.Detach == nil {
				t.Fatalf("got (%+v, %v), want detached after 2 failed polls", res, err)
			}
			var re *RetryError
			if !errors.As(res.LastPollError, &re) || re.Attempts != 3 {
				t.Errorf("last poll error %v, want the client's retries exhausted", res.LastPollError)
			}
			// The failed polls back off: the window after one failure
			// starts at twice the first (3.4 s), after two at four times.
			if len(times) < 6 || times[4]-times[3] < 3400*time.Millisecond || times[5]-times[4] < 6800*time.Millisecond {
				t.Errorf("poll times %v, want the delays after failures doubled", times)
			}
		})
	}
	t.Run("retry quota spent", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newFakeClockClient(t, 10*time.Second, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
			o.OnPoll = func(r WaitResult) {
				if r.Polls == 1 {
					// 500 tokens, 5 per throttled retry: 100 retries spend the quota.
					srv.Inject(ec2test.Throttle(), 400)
				}
			}
		})
		var re *RetryError
		if err != nil || !res.Detached || res.FailedPolls == 0 || !errors.As(res.LastPollError, &re) || re.Reason != "retry quota exhausted" {
			t.Fatalf("got (%+v, %v), want detached after polls failed on a spent retry quota", res, err)
		}
	})
}

// TestWaitFirstPollAfterTheCallCouldEnd: after an accepted detach (or one
// the caller sent, WaitOptions.SentAt) the first poll of a wait that knows
// its interface waits a first delay, counted from the detach: at once it
// would only see "detaching". WaitUntilDetached alone looks at once.
func TestWaitFirstPollAfterTheCallCouldEnd(t *testing.T) {
	t.Parallel()
	lo, hi := pollWindow(0, defaultWaitMinDelay, defaultWaitMaxDelay, 0)
	for _, sentAt := range []bool{false, true} {
		c, srv, fc := newFakeClockClient(t, 5*time.Second, false)
		start := fc.Now()
		var err error
		if sentAt {
			if _, err = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err == nil {
				fc.Sleep(context.Background(), 500*time.Millisecond) // the caller's own work
				_, err = c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) {
					o.NetworkInterfaceID, o.SentAt = secondaryInterface, start
				})
			}
		} else {
			_, err = c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary},
				func(o *WaitOptions) { o.NetworkInterfaceID = secondaryInterface })
		}
		if err != nil {
			t.Fatal(err)
		}
		var first time.Duration = -1
		for _, r := range srv.Requests() {
			if r.Action == "DescribeNetworkInterfaces" {
				first = r.Time.Sub(start)
				break
			}
		}
		if first < lo || first > hi {
			t.Errorf("SentAt %t: first poll %v after the detach, want within [%v, %v]", sentAt, first, lo, hi)
		}
	}
	times, _, err := pollTimes(t, time.Second, nil)
	if err != nil || len(times) == 0 || times[0] != 0 {
		t.Errorf("WaitUntilDetached: poll times %v (%v), want the first at once", times, err)
	}
}

// TestDetachAndWaitByAttachmentReportsTheInterface: waiting by attachment
// ID alone, State holds the interface's final status: the first poll,
// at once, names the interface while the attachment is there.
func TestDetachAndWaitByAttachmentReportsTheInterface(t *testing.T) {
	t.Parallel()
	for _, detaching := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second} {
		c, _ := newWaitClient(t, detaching, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		if err != nil || !res.Detached || res.State.NetworkInterfaceID != secondaryInterface || res.State.Status != "available" {
			t.Errorf("detaching %v: got (%+v, %v), want the interface's final state", detaching, res, err)
		}
	}
}
