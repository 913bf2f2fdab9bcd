package enidetach

import (
	"errors"
	"time"

	"github.com/ec2lite/enidetach/internal/query"
)

// EventKind says what an Event reports.
type EventKind int

const (
	// EventAttempt reports the end of one HTTP attempt of an action: the
	// first request of a call or a retry.
	EventAttempt EventKind = iota + 1
	// EventPoll reports the end of one poll of a wait: one answer judged
	// (or one failed poll) for one waiting call.
	EventPoll
)

// String returns "attempt" or "poll", stable for use as a metric label.
func (k EventKind) String() string {
	switch k {
	case EventAttempt:
		return "attempt"
	case EventPoll:
		return "poll"
	}
	return "unknown"
}

// Outcome is how an attempt or a poll ended. Its values are stable and few,
// so they may be used as metric labels.
type Outcome string

const (
	// OutcomeOK: an attempt EC2 answered with success.
	OutcomeOK Outcome = "ok"
	// OutcomeThrottled: EC2 throttled the attempt (RequestLimitExceeded and
	// its kin), or a poll failed throttled.
	OutcomeThrottled Outcome = "throttled"
	// OutcomeError: the attempt or the poll failed otherwise (an API error,
	// a transport error, a body that could not be read or decoded).
	OutcomeError Outcome = "error"
	// OutcomeDone: a poll's answer showed the state waited for.
	OutcomeDone Outcome = "done"
	// OutcomePending: a poll's answer did not yet show the state waited for.
	OutcomePending Outcome = "pending"
)

// Event reports one attempt or one poll to Options.OnEvent. It carries no
// bytes of any answer or request beyond the fields below, so it holds no
// secret and may be logged as a whole.
type Event struct {
	Kind   EventKind
	Action string // the EC2 (or STS) action, such as "DetachNetworkInterface"
	// Outcome: OutcomeOK, OutcomeThrottled or OutcomeError for an attempt;
	// OutcomeDone, OutcomePending, OutcomeThrottled or OutcomeError for a
	// poll.
	Outcome Outcome
	// Attempt counts from 1: the attempt's number within its call, or the
	// polls the wait has made so far, this one included.
	Attempt int
	// Retry is true when the attempt repeats an earlier attempt of the same
	// call (Attempt > 1). Always false for a poll.
	Retry bool
	// StatusCode is the HTTP status of the answer, 0 when none arrived.
	StatusCode int
	// Duration is the attempt's time from sending to the end of its
	// answer, or the poll's time on the wire (shared polls: the describe's).
	Duration time.Duration
}

// emit hands e to Options.OnEvent, if set. The hook runs on the calling
// goroutine, in the call's path: it must be quick and safe for concurrent
// use. A panic in it is not recovered.
func (c *Client) emit(e Event) {
	if c.onEvent != nil {
		c.onEvent(e)
	}
}

// attemptEvent describes the end of an attempt the engine reports.
func attemptEvent(a query.Attempt) Event {
	e := Event{Kind: EventAttempt, Action: a.Action, Outcome: OutcomeOK, Attempt: a.N, Retry: a.N > 1, Duration: a.Duration}
	if a.Answered {
		e.StatusCode = 200
	}
	var status interface{ HTTPStatusCode() int }
	switch {
	case a.Err == nil:
	case query.IsThrottle(a.Err):
		e.Outcome = OutcomeThrottled
	default:
		e.Outcome = OutcomeError
	}
	if a.Err != nil {
		e.StatusCode = 0
		if errors.As(a.Err, &status) {
			e.StatusCode = status.HTTPStatusCode()
		}
	}
	return e
}
