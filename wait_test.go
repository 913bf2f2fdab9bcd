package enidetach

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
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
// interfaces staying "detaching" for detaching.
func newWaitClient(t *testing.T, detaching time.Duration, realTime bool) (*Client, *ec2test.Server) {
	t.Helper()
	fc := &fakeClock{now: time.Now()}
	srvOpts := []ec2test.Option{ec2test.WithDetachingDuration(detaching)}
	if !realTime {
		srvOpts = append(srvOpts, ec2test.WithClock(fc.Now))
	}
	c, srv := newTestClient(t, srvOpts, func(o *Options) {
		if !realTime {
			o.Clock = fc.Now
		}
	})
	c.jitter = func() float64 { return 1 }
	c.sleep = sleepContext
	if !realTime {
		c.sleep = fc.Sleep
	}
	return c, srv
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
	t.Run("several polls with growing delays", func(t *testing.T) {
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
		// Polls at 0, 1, 3 and 7 s: detaching until 5 s.
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
		if time.Since(start) > 400*time.Millisecond {
			t.Errorf("returned after %v", time.Since(start))
		}
	})
	t.Run("maximum wait", func(t *testing.T) {
		t.Parallel()
		c, _ := newWaitClient(t, time.Hour, true)
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		res, err := c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) { o.MaxWait = 100 * time.Millisecond; o.MinDelay = 10 * time.Millisecond })
		var wt *WaitTimeoutError
		if !errors.As(err, &wt) || !errors.Is(err, context.DeadlineExceeded) || res.Detached || wt.Last.Polls < 2 {
			t.Fatalf("got (%+v, %v), want a *WaitTimeoutError after several polls", res, err)
		}
		if el := time.Since(start); el > 300*time.Millisecond {
			t.Errorf("took %v for a 100ms maximum wait", el)
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
