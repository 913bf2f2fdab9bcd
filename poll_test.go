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
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
)

// newFleetClient returns a client on real time and a server holding n
// secondary interfaces, each attached at device index 1 of its own
// instance, that take detaching to detach.
func newFleetClient(t *testing.T, n int, detaching time.Duration) (*Client, *ec2test.Server, []ec2test.Attachment) {
	t.Helper()
	var seed ec2test.Seed
	for i := range n {
		seed.Attachments = append(seed.Attachments, ec2test.Attachment{
			AttachmentID: fmt.Sprintf("eni-attach-%017x", i+1), NetworkInterfaceID: fmt.Sprintf("eni-%017x", i+1),
			InstanceID: fmt.Sprintf("i-%017x", i+1), DeviceIndex: 1,
		})
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithSeed(seed), ec2test.WithDetachingDuration(detaching)})
	setSleep(c, query.SleepContext)
	return c, srv, seed.Attachments
}

// fastPolls polls every 80 ms to 160 ms, so that a test of many waits on
// real time takes seconds, not minutes.
func fastPolls(o *WaitOptions) { o.MinDelay, o.MaxDelay = 80*time.Millisecond, 160*time.Millisecond }

// TestManyWaitsSharePolls: 141 waits on one client at once, 120 of which
// finish (half knowing their interface, half only their attachment), 10
// cancelled and 10 timing out after 1 s (a shared describe of 141 waits
// took over 300 ms under a loaded -race run: a poll cut off in flight saw
// nothing), and one on an interface that does not exist.
// Each caller gets its own outcome; the server sees a few shared,
// filtered describes of at most 100 IDs, not one per poll, from the
// first polls (all due at once) on.
// On real time: it is about waits meeting in shared describes as their
// goroutines run, which a fake clock shared by 141 sleepers would distort.
func TestManyWaitsSharePolls(t *testing.T) {
	c, srv, atts := newFleetClient(t, 140, 2500*time.Millisecond)
	for _, a := range atts[:120] {
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: a.AttachmentID}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	type outcome struct {
		res     *WaitResult
		err     error
		elapsed time.Duration
	}
	outcomes := make([]outcome, 141)
	var wg sync.WaitGroup
	for i := range outcomes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			opts := []func(*WaitOptions){fastPolls}
			attachmentID := ""
			switch {
			case i < 120:
				attachmentID = atts[i].AttachmentID
				if i%2 == 0 {
					id := atts[i].NetworkInterfaceID
					opts = append(opts, func(o *WaitOptions) { o.NetworkInterfaceID = id })
				}
			case i < 130: // cancelled
				attachmentID = atts[i].AttachmentID
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(time.Second, cancel)
			case i < 140: // timing out
				attachmentID = atts[i].AttachmentID
				opts = append(opts, func(o *WaitOptions) { o.MaxWait = time.Second })
			default: // gone
				attachmentID = "eni-attach-0fffffffffffffff0"
				opts = append(opts, func(o *WaitOptions) { o.NetworkInterfaceID = "eni-0fffffffffffffff0" })
			}
			start := time.Now()
			res, err := c.WaitUntilDetached(ctx, attachmentID, opts...)
			outcomes[i] = outcome{res, err, time.Since(start)}
		}()
	}
	wg.Wait()

	sumPolls := 0
	for i, o := range outcomes {
		var wt *WaitTimeoutError
		switch {
		case i < 120:
			if o.err != nil || !o.res.Detached || o.res.State.NetworkInterfaceID != atts[i].NetworkInterfaceID || o.res.State.Status != "available" || o.res.Polls < 2 {
				t.Errorf("wait %d: (%+v, %v), want detached", i, o.res, o.err)
			}
		case i < 130:
			if !errors.As(o.err, &wt) || !errors.Is(o.err, context.Canceled) || seenDetached(wt.Last) || o.elapsed > 2*time.Second {
				t.Errorf("wait %d: (%+v, %v) after %v, want cancelled at 1 s with the attachment seen attached", i, o.res, o.err, o.elapsed)
			}
		case i < 140:
			if !errors.As(o.err, &wt) || !errors.Is(o.err, context.DeadlineExceeded) || seenDetached(wt.Last) || o.elapsed > 2*time.Second {
				t.Errorf("wait %d: (%+v, %v) after %v, want MaxWait ended at 1 s", i, o.res, o.err, o.elapsed)
			}
		default:
			if !isCode(o.err, "InvalidNetworkInterfaceID.NotFound") || o.res == nil || o.res.Detached {
				t.Errorf("wait %d (gone): (%+v, %v), want EC2's NotFound", i, o.res, o.err)
			}
		}
		if o.res != nil {
			sumPolls += o.res.Polls
		}
	}

	describes, byID, most, shared := 0, 0, 0, 0
	for _, r := range srv.Requests() {
		if r.Action != "DescribeNetworkInterfaces" {
			t.Errorf("unexpected %s", r.Action)
			continue
		}
		describes++
		if id := r.Params.Get("NetworkInterfaceId.1"); id != "" {
			byID++
			if id != "eni-0fffffffffffffff0" || len(r.Params) != 3 { // Action, Version, the ID
				t.Errorf("describe by ID %v: only the interface never seen is asked by ID", r.Params)
			}
			continue
		}
		name := r.Params.Get("Filter.1.Name")
		values := 0
		for k := range r.Params {
			if len(k) > len("Filter.1.Value.") && k[:len("Filter.1.Value.")] == "Filter.1.Value." {
				values++
			}
		}
		if (name != "network-interface-id" && name != "attachment.attachment-id") || values == 0 || values > pollBatchSize || r.Params.Get("MaxResults") == "" {
			t.Errorf("describe %v: want one filter with 1 to %d values, paginated", r.Params, pollBatchSize)
		}
		most = max(most, values)
		if values > 1 {
			shared++
		}
	}
	t.Logf("%d waits: %d describes (%d by ID, %d asking for more than one ID, at most %d IDs), for %d polls counted by the waits",
		len(outcomes), describes, byID, shared, most, sumPolls)
	if byID != 1 {
		t.Errorf("%d describes by ID, want 1 (the interface never seen)", byID)
	}
	// Even the first polls, all due at once, are shared: past
	// maxInflightPolls describes in flight, the waits due join the next
	// round.
	if describes*5 > sumPolls || shared == 0 || describes >= len(outcomes) {
		t.Errorf("%d describes for %d polls of %d waits: the polls are not shared", describes, sumPolls, len(outcomes))
	}
	c.polls.mu.Lock()
	left := len(c.polls.pending)
	c.polls.mu.Unlock()
	if left != 0 {
		t.Errorf("%d waits still pending after every wait returned", left)
	}
}

// seenDetached reports whether a wait that ended early saw anything but its
// attachment attached (on a loaded machine, the first poll may not have
// been answered yet: then it saw nothing).
func seenDetached(r WaitResult) bool {
	return r.Detached || (r.Polls > 0 && r.State.AttachmentStatus != "attached")
}

// TestSharedPollCancelledWaiterLeavesAtOnce: a waiter whose context ends
// while the describe it shares is in flight returns at once, and the other
// waiter of that describe still gets its answer.
// On real time: it is about a describe in flight while its waiter leaves.
func TestSharedPollCancelledWaiterLeavesAtOnce(t *testing.T) {
	t.Parallel()
	c, srv, atts := newFleetClient(t, 2, 0)
	for _, a := range atts {
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: a.AttachmentID}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	srv.Inject(ec2test.Delay(time.Second), 1)
	// The other wait is eligible now but due in an hour: the describe sent
	// for the first takes it along, one describe for both interfaces.
	other := &pollWaiter{filter: filterInterface, value: atts[1].NetworkInterfaceID, eligible: c.now(),
		match: func(it *describeItem) bool { return it.ID == atts[1].NetworkInterfaceID }}
	var otherAnswer pollAnswer
	var otherErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		otherAnswer, otherErr = c.sharedPoll(context.Background(), other, c.now().Add(time.Hour))
	}()
	for {
		c.polls.mu.Lock()
		n := len(c.polls.pending)
		c.polls.mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	self := &pollWaiter{filter: filterInterface, value: atts[0].NetworkInterfaceID, eligible: c.now(),
		match: func(it *describeItem) bool { return it.ID == atts[0].NetworkInterfaceID }}
	_, err := c.sharedPoll(ctx, self, c.now())
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 600*time.Millisecond {
		t.Errorf("cancelled waiter: %v after %v, want its context's error at once", err, time.Since(start))
	}
	<-done
	if otherErr != nil || otherAnswer.err != nil || otherAnswer.calls != 1 || len(otherAnswer.items) != 1 || otherAnswer.items[0].Status != "available" {
		t.Errorf("other waiter: (%+v, %v), want the shared describe's answer", otherAnswer, otherErr)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Params.Get("Filter.1.Value.1") != atts[0].NetworkInterfaceID || reqs[0].Params.Get("Filter.1.Value.2") != atts[1].NetworkInterfaceID {
		t.Errorf("requests %v, want one describe for both interfaces", reqs)
	}
}

// TestSharedPollEndsWithItsLastWaiter: when the only wait of a describe in
// flight leaves, the describe is cancelled: no goroutine of the poller
// outlives its waiters.
// On real time: it is about a describe in flight while its waiters leave.
func TestSharedPollEndsWithItsLastWaiter(t *testing.T) {
	t.Parallel()
	c, srv, atts := newFleetClient(t, 1, time.Hour)
	srv.Inject(ec2test.Delay(time.Minute), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.WaitUntilDetached(ctx, atts[0].AttachmentID)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Fatalf("%v after %v, want the context's end at once", err, time.Since(start))
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.polls.mu.Lock()
		inflight, pending := c.polls.inflight, len(c.polls.pending)
		c.polls.mu.Unlock()
		if inflight == 0 && pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d describes still in flight, %d waits pending, 5 s after the last wait left", inflight, pending)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSharedPollsLeaveNothingBehind: a crowd of waits on one client
// against a service that never answers a describe (more waits than
// describes may be in flight, so some are left overdue), each ended by its
// own MaxWait, deadline or cancellation. Every wait returns its own
// *WaitTimeoutError soon after its end, and then no goroutine of the
// poller is left, no describe in flight and no wait pending.
// On real time: it is about goroutines and describes hung on the network.
// Not parallel: it counts the poller goroutines of the whole process.
func TestSharedPollsLeaveNothingBehind(t *testing.T) {
	hung := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-hung:
		}
	}))
	defer ts.Close()
	defer close(hung)
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: ts.URL, Credentials: staticCreds("AKID", "SECRET")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, query.SleepContext)
	const n = 60
	var wg sync.WaitGroup
	errs := make([]error, n)
	late := make([]time.Duration, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			end := time.Duration(100+5*i) * time.Millisecond
			opts := func(o *WaitOptions) { o.MinDelay, o.MaxDelay = 10*time.Millisecond, 20*time.Millisecond }
			switch i % 3 {
			case 0:
				opts = func(o *WaitOptions) {
					o.MinDelay, o.MaxDelay, o.MaxWait = 10*time.Millisecond, 20*time.Millisecond, end
				}
			case 1:
				ctx, cancel = context.WithTimeout(ctx, end)
				defer cancel()
			case 2:
				time.AfterFunc(end, cancel)
			}
			start := time.Now()
			var res *WaitResult
			if i%2 == 0 {
				res, errs[i] = c.WaitUntilDetached(ctx, fmt.Sprintf("eni-attach-%017x", i), opts)
			} else {
				res, errs[i] = c.WaitUntilAttached(ctx, fmt.Sprintf("eni-%017x", i), fmt.Sprintf("eni-attach-%017x", i), opts)
			}
			late[i] = time.Since(start) - end
			if res != nil && (res.Detached || res.Attached) {
				errs[i] = fmt.Errorf("done on no answer: %+v", res)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		var te *WaitTimeoutError
		if !errors.As(err, &te) {
			t.Errorf("wait %d: %v, want a *WaitTimeoutError", i, err)
		}
		if late[i] > 2*time.Second {
			t.Errorf("wait %d returned %v after its end", i, late[i])
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.polls.mu.Lock()
		inflight, pending := c.polls.inflight, len(c.polls.pending)
		c.polls.mu.Unlock()
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		left := strings.Count(stacks, "enidetach.(*Client).describeFor") + strings.Count(stacks, "enidetach.(*Client).sharedPoll")
		if inflight == 0 && pending == 0 && left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("5 s after the last wait returned: %d describes in flight, %d waits pending, %d poller goroutines", inflight, pending, left)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestOversizeAnswerFailsOnlyItsOwnWait: one interface whose item alone
// passes the bound on bodies, in a shared describe with 19 others: the
// describe is asked again in halves down to that interface, whose wait
// alone gets the error; the others get their interfaces.
func TestOversizeAnswerFailsOnlyItsOwnWait(t *testing.T) {
	t.Parallel()
	var seed ec2test.Seed
	var values []string
	for i := range 20 {
		id := fmt.Sprintf("eni-%017x", i+1)
		ni := ec2test.NetworkInterface{NetworkInterfaceID: id}
		if i == 7 {
			ni.Description = strings.Repeat("d", query.MaxBodySize)
		}
		seed.NetworkInterfaces = append(seed.NetworkInterfaces, ni)
		values = append(values, id)
	}
	c, _, _ := newClockedClient(t, []ec2test.Option{ec2test.WithSeed(seed)})
	ctx, cancel := context.WithCancel(context.Background())
	r := &pollRound{b: &pollBatch{cancel: cancel}, ctx: ctx, filter: filterInterface, values: values}
	for _, id := range values {
		r.waiters = append(r.waiters, &pollWaiter{filter: filterInterface, value: id, match: isInterface(id), answer: make(chan pollAnswer, 1)})
	}
	r.b.left, c.polls.inflight = len(r.waiters), 1
	c.describeFor(r)
	for i, w := range r.waiters {
		a := <-w.answer
		switch {
		case i == 7 && (!errors.Is(a.err, query.ErrBodyTooLarge) || len(a.items) != 0):
			t.Errorf("the oversize interface: got %d items, %v; want the body's error", len(a.items), a.err)
		case i != 7 && (a.err != nil || len(a.items) != 1 || a.items[0].ID != w.value || a.items[0].Status != "available"):
			t.Errorf("interface %s: got %+v, want it shown available", w.value, a)
		}
	}
}
