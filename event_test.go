package enidetach

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

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

// TestPollCutOffIsReported: a poll whose describe was in flight when the
// wait ended (MaxWait here) was sent: it is reported once, as an error,
// and counted, whether the wait asked by attachment or by interface.
func TestPollCutOffIsReported(t *testing.T) {
	t.Parallel()
	for _, byInterface := range []bool{false, true} {
		var mu sync.Mutex
		var events []Event
		release := make(chan struct{})
		silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			select { // never answers
			case <-r.Context().Done():
			case <-release:
			}
		}))
		c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: silent.URL, MaxAttempts: 1, Credentials: staticCreds("AKID", "secret"),
			OnEvent: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }}, testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.WaitUntilDetached(context.Background(), ec2test.FailoverAttachment, func(o *WaitOptions) {
			o.MaxWait = 300 * time.Millisecond
			if byInterface {
				o.NetworkInterfaceID = ec2test.FailoverInterface
			}
		})
		close(release)
		silent.Close()
		var te *WaitTimeoutError
		if !errors.As(err, &te) || res.Polls != 1 {
			t.Errorf("byInterface %v: got (%+v, %v), want a *WaitTimeoutError after 1 poll", byInterface, res, err)
		}
		mu.Lock()
		var polls []Event
		for _, e := range events {
			if e.Kind == EventPoll {
				polls = append(polls, e)
			}
		}
		mu.Unlock()
		if len(polls) != 1 || polls[0].Outcome != OutcomeError || polls[0].Attempt != 1 {
			t.Errorf("byInterface %v: poll events %+v, want one, an error, numbered 1", byInterface, polls)
		}
	}
}
