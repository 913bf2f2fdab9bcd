package query

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Send runs the attempts of one action whose form body is built, as the
// SDK's retry middleware drives its retryer: an attempt token before each
// attempt (adaptive mode waits there), IsErrorRetryable, a retry token from
// the engine-wide quota, RetryDelay, and the tokens released with each
// attempt's outcome. Around it, it adds what the SDK's other middleware
// do: the x-amz-retry-after clamp, one re-sign at the server's time after
// a clock-skew error, one credentials refresh after an expired-token
// error. Mutating actions are paced after a throttle, and with the
// client's own retryer their throttled attempts are retried while the
// context allows (pacer.go says why). out, when it is a Result, decodes
// itself.
//
// The concerns are one function each, in the order of an attempt:
// begin (context, attempt token), attempt (attempt.go: credentials,
// signing, sending, reading, redaction, decoding, logging), settle
// (reporting, tokens, pacing), and retry (re-signing, the retry decision,
// retry tokens, backoff).
func (e *Engine) Send(ctx context.Context, action string, body []byte, out any) error {
	s := sendState{action: action, body: body, hash: payloadHash(body), out: out,
		p: e.pacing.pacerFor(action, false), releaseRetry: nopRelease}
	defer s.leaveCrowd()
	var err error
	if s.paced, err = e.pace(ctx, s.p, time.Time{}); err != nil { // a retry's slot is taken after its backoff
		return &TransportError{Err: fmt.Errorf("wait for a send slot after throttling: %w", err), callerEnded: ctx.Err() != nil}
	}
	for s.n = 1; ; s.n++ {
		releaseAttempt, err := s.begin(ctx, e)
		if err != nil {
			return err
		}
		began := time.Now()
		res, err := e.attempt(ctx, &s)
		throttled := e.settle(&s, time.Since(began), res, err, releaseAttempt)
		if err == nil {
			return nil
		}
		s.last = err
		if stop := e.retry(ctx, &s, res, throttled); stop != nil {
			return stop
		}
	}
}

// sendState is one call's progress through its attempts.
type sendState struct {
	action string
	body   []byte
	hash   string // the body's SHA-256, which SigV4 signs
	out    any

	n            int   // the attempt's number, from 1
	last         error // the last attempt's error
	p            *pacer
	paced        bool // the attempt was sent while p was engaged
	throttles    int  // the call's throttled answers
	releaseRetry func(error) error
	skewFixed    bool // the call was signed again at the server's time
	refreshed    bool // the call's credentials were refreshed
	throttledAt  time.Time
	inCrowd      bool // counted in p.crowd
}

// leaveCrowd ends the call's count among the action's throttled calls.
func (s *sendState) leaveCrowd() {
	if s.inCrowd {
		s.p.crowd.Add(-1)
	}
}

func nopRelease(error) error { return nil }

// stop ends the call: the bare error after a single attempt, else a
// *RetryError saying why, with cause in its chain.
func (s *sendState) stop(reason string, cause error) error {
	if s.n == 1 && cause == nil {
		return s.last
	}
	return &RetryError{Attempts: s.n, Reason: reason, Err: s.last, cause: cause}
}

// begin checks the context, short-circuiting as the SDK does before a
// token is taken, and takes an attempt token (adaptive mode waits there
// for its client-side rate limit).
func (s *sendState) begin(ctx context.Context, e *Engine) (func(error) error, error) {
	if err := ctx.Err(); err != nil {
		if s.last == nil {
			return nil, &TransportError{Err: err, callerEnded: true}
		}
		return nil, &RetryError{Attempts: s.n - 1, Reason: ReasonContextEnded, Err: s.last, cause: err}
	}
	release, err := e.s.Retryer.GetAttemptToken(ctx)
	if err != nil {
		if s.last == nil {
			return nil, &TransportError{Err: fmt.Errorf("wait for the client-side rate limit: %w", err), callerEnded: ctx.Err() != nil}
		}
		return nil, &RetryError{Attempts: s.n - 1, Reason: ReasonContextEnded, Err: s.last, cause: err}
	}
	return release, nil
}

// settle reports the attempt (once), releases its tokens with its outcome
// and tells the action's pacer; it returns whether the service throttled
// it.
func (e *Engine) settle(s *sendState, d time.Duration, res attemptResult, err error, releaseAttempt func(error) error) bool {
	if e.s.OnAttempt != nil {
		e.s.OnAttempt(Attempt{Action: s.action, N: s.n, Duration: d, Answered: res.header != nil, Err: err})
	}
	_ = s.releaseRetry(err)
	_ = releaseAttempt(err)
	s.releaseRetry = nopRelease
	throttled := err != nil && IsThrottle(err)
	if throttled {
		s.throttles++
	}
	if s.p != nil || err != nil {
		if s.p == nil && throttled {
			s.p = e.pacing.noteThrottle(s.action, e.Now())
		}
		if throttled && s.p != nil && !s.inCrowd {
			s.inCrowd = true
			s.p.crowd.Add(1)
		}
		s.p.observe(e.Now(), throttled, s.paced)
	}
	return throttled
}

// retry decides whether the failed attempt s.n is tried again and, if so,
// waits its backoff; a non-nil result ends the call with that error.
func (e *Engine) retry(ctx context.Context, s *sendState, res attemptResult, throttled bool) error {
	if ctx.Err() != nil {
		return s.stop(ReasonContextEnded, ctx.Err())
	}
	exhausted := e.s.Retryer.MaxAttempts() > 0 && s.n >= e.s.Retryer.MaxAttempts()
	if !exhausted && e.resign(ctx, s, res) {
		return nil
	}
	if !e.s.Retryer.IsErrorRetryable(s.last) {
		return s.stop(ReasonNotRetryable, nil)
	}
	beyond, err := e.retryToken(ctx, s, throttled, exhausted)
	if err != nil {
		return err
	}
	var delay time.Duration
	if beyond {
		delay = s.p.throttleDelay(ctx, e.pacing, s.throttles)
	} else if delay, err = e.s.Retryer.RetryDelay(s.n, s.last); err != nil {
		return &RetryError{Attempts: s.n, Reason: ReasonNotRetryable, Err: s.last, cause: err}
	}
	delay = honourRetryAfter(delay, res.header)
	now := e.Now()
	if delay > 0 {
		// An attempt takes its send slot once ready (pacer.reserve), but
		// waits at least for the slot free now.
		delay = max(delay, s.p.untilFree(now))
	}
	ready := now.Add(delay)
	e.log(ctx, "enidetach: retrying", slog.Int("attempt", s.n), slog.Duration("backoff", delay), slog.Any("error", s.last)) // formatted only if logged
	if err := e.sleep(ctx, delay); err != nil {
		return s.stop(ReasonContextEnded, err)
	}
	// The slot is taken once the attempt is ready (pacer.reserve).
	if s.paced, err = e.pace(ctx, s.p, ready); err != nil {
		return s.stop(ReasonContextEnded, err)
	}
	return nil
}

// resign reports whether the failed attempt is tried again at once,
// without a retry token: once per call signed at the server's time after
// a clock-skew error, once per call with fresh credentials after an
// expired-token error.
func (e *Engine) resign(ctx context.Context, s *sendState, res attemptResult) bool {
	// attempt returns its own error types unwrapped: a type assertion
	// finds the service's answer without errors.As's allocation.
	ae, ok := s.last.(*APIError)
	if !ok {
		return false
	}
	if skewCode(ae.Code) && !s.skewFixed && e.signer.correctSkew(res.header, res.signedOffset) {
		s.skewFixed = true
		e.log(ctx, "enidetach: clock skew corrected, retrying", slog.String("code", ae.Code))
		return true
	}
	if !s.refreshed && e.creds != nil && (ae.Code == "ExpiredToken" || ae.Code == "ExpiredTokenException" ||
		(ae.Code == "RequestExpired" && res.creds.SessionToken != "")) {
		s.refreshed = true
		e.expireCredentials(res.creds)
		e.log(ctx, "enidetach: credentials expired, refreshing", slog.String("code", ae.Code))
		return true
	}
	return false
}

// retryToken takes a retry token from the engine-wide quota, or reports
// that the retry is a paced throttle's, which takes none: neither
// MaxAttempts nor the quota applies to it, only the context (or
// maxPacedTime without a deadline), and the pacer sets its backoff.
func (e *Engine) retryToken(ctx context.Context, s *sendState, throttled, exhausted bool) (bool, error) {
	if s.p != nil && e.pacing.beyondRetryer && throttled {
		now := e.Now()
		if s.throttledAt.IsZero() {
			s.throttledAt = now
		}
		if _, ok := ctx.Deadline(); !ok && now.Sub(s.throttledAt) >= maxPacedTime {
			return false, s.stop(ReasonMaxAttempts, fmt.Errorf("throttled for %s", maxPacedTime))
		}
		return true, nil
	}
	if exhausted {
		return false, s.stop(ReasonMaxAttempts, &retry.MaxAttemptsError{Attempt: s.n, Err: s.last})
	}
	release, err := e.s.Retryer.GetRetryToken(ctx, s.last)
	if err != nil {
		// Said even after one attempt: the caller should know that the
		// client stopped retrying because many calls are failing.
		return false, &RetryError{Attempts: s.n, Reason: ReasonQuotaExhausted, Err: s.last, cause: err}
	}
	s.releaseRetry = release
	return false, nil
}
