package enidetach

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
)

// TestPollPaceLearnsItsRate drives the poller's pace on a fake clock: off
// until a describe is throttled, then slots at pollPaceStart a second,
// halved after a second with throttled paced describes, raised by half
// after a second without throttles in which describes waited, and let go
// after pollPaceIdle without throttles or waiting.
func TestPollPaceLearnsItsRate(t *testing.T) {
	t.Parallel()
	at := func(ms int) time.Time { return fixedTime.Add(time.Duration(ms) * time.Millisecond) }
	var pp pollPace
	pp.observe(at(0), false, false)
	if pp.active(at(0)) {
		t.Fatal("active before any throttle")
	}
	pp.observe(at(0), true, false)
	if !pp.active(at(0)) || pp.rate != pollPaceStart {
		t.Fatalf("after a throttle: active %v, rate %v; want active at %v a second", pp.active(at(0)), pp.rate, pollPaceStart)
	}
	var slots []time.Duration
	for range 3 {
		slots = append(slots, pp.reserve(at(0)))
	}
	if want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond}; !equalDurations(slots, want) {
		t.Errorf("slots %v, want %v", slots, want)
	}
	// Throttles of describes sent before the pace began tell nothing; the
	// window held describes: raised by half.
	pp.observe(at(1100), true, false)
	if pp.rate != pollPaceStart*1.5 {
		t.Errorf("rate after a second that held describes, with an unpaced throttle = %v, want %v", pp.rate, pollPaceStart*1.5)
	}
	pp.observe(at(1500), true, true)
	pp.observe(at(2200), false, true)
	if pp.rate != pollPaceStart*0.75 {
		t.Errorf("rate after a second with a paced throttle = %v, want %v (halved)", pp.rate, pollPaceStart*0.75)
	}
	for i := range 20 {
		pp.observe(at(4000+1100*i), true, true)
	}
	if pp.rate != pollPaceMin {
		t.Errorf("rate after 20 throttled seconds = %v, want the floor %v", pp.rate, pollPaceMin)
	}
	if pp.active(at(4000 + 1100*19 + int(pollPaceIdle/time.Millisecond) + 5000)) {
		t.Error("still active after pollPaceIdle without throttles or waiting")
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestThrottledPollBacksOff: after a poll EC2 throttled, a wait's own next
// poll comes no sooner than a throttled call's full-jitter backoff for
// the wait's throttled polls in a row (here u = 0.5: 12 s and then 48 s
// windows), within the wait's deadline where it can; other failures leave
// the schedule alone.
func TestThrottledPollBacksOff(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, nil)
	setUniform(c, func() float64 { return 0.5 })
	throttle := &APIError{Code: "RequestLimitExceeded", StatusCode: 503}
	soon, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name     string
		ctx      context.Context
		err      error
		failures int
		want     time.Duration
	}{
		{"one throttled attempt", context.Background(), c.operationError("DescribeNetworkInterfaces", throttle), 1, 6 * time.Second},
		{"three throttled attempts", context.Background(), c.operationError("DescribeNetworkInterfaces", &RetryError{Attempts: 3, Reason: query.ReasonMaxAttempts, Err: throttle}), 1, 6 * time.Second},
		{"the second such poll in a row", context.Background(), &RetryError{Attempts: 3, Reason: query.ReasonMaxAttempts, Err: throttle}, 2, 24 * time.Second},
		// 10 s left: the 48 s window shrinks, but to no less than 12 s.
		{"the second in a row, 10 s before the deadline", soon, &RetryError{Attempts: 3, Reason: query.ReasonMaxAttempts, Err: throttle}, 2, 6 * time.Second},
		{"a 503 Unavailable", context.Background(), &RetryError{Attempts: 3, Reason: query.ReasonMaxAttempts, Err: &APIError{Code: "Unavailable", StatusCode: 503}}, 1, 0},
		{"the network", context.Background(), &TransportError{Err: errors.New("connection reset")}, 1, 0},
	}
	for _, tc := range tests {
		if got := c.pollBackoff(tc.ctx, tc.err, tc.failures); got != tc.want {
			t.Errorf("%s: pollBackoff = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestThrottledPollerCarriesMoreWaitsPerDescribe: 200 waits on one client
// polling every 80 ms to 160 ms. Once EC2 throttles a describe, the poller
// sends its describes at a few a second, each carrying the waits then
// eligible (up to 100 values), instead of more describes: every wait
// still ends detached.
func TestThrottledPollerCarriesMoreWaitsPerDescribe(t *testing.T) {
	t.Parallel()
	const n = 200
	c, srv, atts := newFleetClient(t, n, 1500*time.Millisecond)
	for _, a := range atts {
		if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: a.AttachmentID}); err != nil {
			t.Fatal(err)
		}
	}
	srv.ResetRequests()
	srv.Inject(ec2test.Throttle(), 1)
	began := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := c.WaitUntilDetached(ctx, atts[i].AttachmentID, fastPolls)
			if err == nil && !res.Detached {
				err = errors.New("not detached")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	took := time.Since(began)
	for i, err := range errs {
		if err != nil {
			t.Errorf("wait %d: %v", i, err)
		}
	}
	describes, values := 0, 0
	for _, r := range srv.Requests() {
		describes++
		for k := range r.Params {
			if len(k) > len("Filter.1.Value.") && k[:len("Filter.1.Value.")] == "Filter.1.Value." {
				values++
			}
		}
	}
	// Unpaced, 200 waits due every 80 ms to 160 ms send describes as fast
	// as four in flight return. Paced, at most pollPaceMax a second (it
	// starts at 4 and rises by half a second while describes wait), and
	// each carries tens of waits.
	limit := 4 + int(took.Seconds()*pollPaceMax)
	t.Logf("%d describes carrying %d values in %v", describes, values, took)
	if describes > limit || values < 2*describes {
		t.Errorf("%d describes carrying %d values in %v, want at most %d, each carrying many", describes, values, took, limit)
	}
}
