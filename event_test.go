package enidetach

import (
	"context"
	"sync"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestOnEventReportsEveryAttemptOnce: a call throttled twice reports three
// attempts, in order, each once, the retries marked.
func TestOnEventReportsEveryAttemptOnce(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []Event
	c, srv := newTestClient(t, nil, func(o *Options) {
		o.OnEvent = func(e Event) { mu.Lock(); got = append(got, e); mu.Unlock() }
	})
	srv.Inject(ec2test.Throttle(), 2)
	if _, err := c.AttachNetworkInterface(context.Background(), attachSpare()); err != nil {
		t.Fatal(err)
	}
	const action = "AttachNetworkInterface"
	want := []Event{
		{Kind: EventAttempt, Action: action, Outcome: OutcomeThrottled, Attempt: 1, StatusCode: 503},
		{Kind: EventAttempt, Action: action, Outcome: OutcomeThrottled, Attempt: 2, Retry: true, StatusCode: 503},
		{Kind: EventAttempt, Action: action, Outcome: OutcomeOK, Attempt: 3, Retry: true, StatusCode: 200},
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Event{}, "Duration")); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, e := range got {
		if e.Duration <= 0 {
			t.Errorf("event without a duration: %+v", e)
		}
	}
}

// TestEventKindString: the kinds print as the stable labels docs/metrics.md
// names.
func TestEventKindString(t *testing.T) {
	for k, want := range map[EventKind]string{EventAttempt: "attempt", EventPoll: "poll", 0: "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("%d: %q, want %q", k, got, want)
		}
	}
}
