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

	"github.com/ec2lite/enidetach/internal/query"
)

// TestSharedPollsLeaveNothingBehind: a crowd of waits on one client
// against a service that never answers a describe (more waits than
// describes may be in flight, so some are left overdue), each ended by its
// own MaxWait, deadline or cancellation. Every wait returns its own
// *WaitTimeoutError soon after its end, and then no goroutine of the
// poller is left, no describe in flight and no wait pending.
func TestSharedPollsLeaveNothingBehind(t *testing.T) {
	t.Parallel()
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
