package query

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

func TestCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	e := newTestEngine(t, "http://127.0.0.1:9/", func(s *Settings) {
		s.HTTPClient = doFunc(func(*http.Request) (*http.Response, error) {
			sent.Add(1)
			return nil, errors.New("unreachable")
		})
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := e.Call(ctx, "DetachNetworkInterface", nil, nil)
	var te *TransportError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &te) || !te.CanceledError() {
		t.Fatalf("error = %v, want a cancelled *TransportError", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests handed to the HTTP client", n)
	}
}

// TestContextCancelledReturnsPromptly checks that a call waiting on a slow
// server returns soon after its context ends, with ctx.Err() in the chain.
// About real time: the caller's deadline (100 ms) is what is tested.
func TestContextCancelledReturnsPromptly(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	e := newTestEngine(t, srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := e.Call(ctx, "DetachNetworkInterface", nil, nil)
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v, want soon after the 100ms deadline", elapsed)
	}
	var te *TransportError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) {
		t.Errorf("error = %v (%T), want a *TransportError with context.DeadlineExceeded", err, err)
	}
	if n := len(srv.captured()); n > 1 {
		t.Errorf("%d requests sent; a call whose context ended must not retry", n)
	}
}

// TestOneRefreshPerExpiry: 64 calls in flight that all meet ExpiredToken
// fetch new credentials about once, not once per failure.
func TestOneRefreshPerExpiry(t *testing.T) {
	t.Parallel()
	var retrievals atomic.Int32
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		if strings.Contains(r.Header.Get("Authorization"), "Credential=AKID1/") {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, ec2Error("ExpiredToken"))
			return
		}
		_, _ = io.WriteString(w, `<DetachNetworkInterfaceResponse/>`)
	})
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			n := retrievals.Add(1)
			return aws.Credentials{AccessKeyID: fmt.Sprintf("AKID%d", n), SecretAccessKey: "secret", SessionToken: "token"}, nil
		})
	})
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.Call(context.Background(), "DetachNetworkInterface", nil, nil); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := retrievals.Load(); n > 2 {
		t.Errorf("%d credential retrievals for 64 calls meeting one expiry, want at most 2", n)
	}
}

// TestOnAttemptReportsEachAttemptOnce: OnAttempt hears of every attempt,
// numbered from 1, whether an answer arrived, and its error as Send
// classified it.
func TestOnAttemptReportsEachAttemptOnce(t *testing.T) {
	t.Parallel()
	answers := []func() (*http.Response, error){
		func() (*http.Response, error) { return nil, errors.New("connection reset") },
		func() (*http.Response, error) { return &http.Response{StatusCode: 503}, nil }, // no header, no body
		func() (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("<XResponse/>"))}, nil
		},
	}
	var n atomic.Int32
	var got []Attempt
	e := newTestEngine(t, "http://127.0.0.1:9/", func(s *Settings) {
		s.HTTPClient = doFunc(func(*http.Request) (*http.Response, error) { return answers[n.Add(1)-1]() })
		s.OnAttempt = func(a Attempt) { got = append(got, a) }
	})
	if err := e.Call(context.Background(), "X", nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d reports for 3 attempts: %+v", len(got), got)
	}
	var te *TransportError
	var re *ResponseError
	for i, want := range []struct {
		answered bool
		err      func(error) bool
	}{
		{false, func(err error) bool { return errors.As(err, &te) }},
		{true, func(err error) bool { return errors.As(err, &re) && re.StatusCode == 503 }},
		{true, func(err error) bool { return err == nil }},
	} {
		a := got[i]
		if a.Action != "X" || a.N != i+1 || a.Answered != want.answered || !want.err(a.Err) || a.Duration < 0 {
			t.Errorf("report %d = %+v", i, a)
		}
	}
}

// TestSendStops: why Send stops, and what it returns: the bare error after
// a single attempt that is not retried, else a *RetryError giving the
// attempts, the reason and what stopped it.
func TestSendStops(t *testing.T) {
	t.Parallel()
	noQuota := func(s *Settings) {
		s.Retryer = retry.NewStandard(func(o *retry.StandardOptions) { o.RateLimiter = ratelimit.NewTokenRateLimit(1) })
	}
	cancelled := errors.New("backoff interrupted")
	tests := []struct {
		name     string
		codes    []string // the answers, in order; "" is success
		fn       func(*Settings)
		sleep    func(context.Context, time.Duration) error
		attempts int // requests sent
		reason   string
		also     error // in the chain beside the last error
	}{
		{name: "not retried", codes: []string{"InvalidParameterValue"}, attempts: 1},
		{name: "max attempts", codes: []string{"InternalError", "InternalError", "InternalError"}, attempts: 3, reason: ReasonMaxAttempts, also: &retry.MaxAttemptsError{}},
		{name: "then not retryable", codes: []string{"InternalError", "InvalidParameterValue"}, attempts: 2, reason: ReasonNotRetryable},
		{name: "quota empty", codes: []string{"InternalError"}, fn: noQuota, attempts: 1, reason: ReasonQuotaExhausted},
		{name: "backoff interrupted", codes: []string{"InternalError"}, attempts: 1, reason: ReasonContextEnded, also: cancelled,
			sleep: func(context.Context, time.Duration) error { return cancelled }},
		{name: "success after retries", codes: []string{"InternalError", "InternalError", ""}, attempts: 3},
	}
	for _, tc := range tests {
		srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
			code := tc.codes[min(n, len(tc.codes))-1]
			if code == "" {
				_, _ = io.WriteString(w, "<XResponse/>")
				return
			}
			status := 400
			if code == "InternalError" {
				status = 500
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, ec2Error(code))
		})
		fns := []func(*Settings){}
		if tc.fn != nil {
			fns = append(fns, tc.fn)
		}
		e := newTestEngine(t, srv.URL, fns...)
		if tc.sleep != nil {
			e.SetSleep(tc.sleep)
		}
		err := e.Call(context.Background(), "X", nil, nil)
		if n := len(srv.captured()); n != tc.attempts {
			t.Errorf("%s: %d requests, want %d", tc.name, n, tc.attempts)
		}
		var re *RetryError
		var ae *APIError
		switch {
		case tc.codes[len(tc.codes)-1] == "":
			if err != nil {
				t.Errorf("%s: %v, want success", tc.name, err)
			}
		case tc.reason == "":
			if errors.As(err, &re) || !errors.As(err, &ae) {
				t.Errorf("%s: %v (%T), want the bare *APIError", tc.name, err, err)
			}
		case !errors.As(err, &re) || re.Reason != tc.reason || re.Attempts != tc.attempts || !errors.As(err, &ae):
			t.Errorf("%s: %v, want a *RetryError (%s) after %d attempts around the *APIError", tc.name, err, tc.reason, tc.attempts)
		case tc.also != nil && !errors.Is(err, tc.also) && !errors.As(err, new(*retry.MaxAttemptsError)):
			t.Errorf("%s: %v lacks %v", tc.name, err, tc.also)
		}
	}
}

// skewServer answers a clock-skew error, with its own clock ahead in the
// Date header, to every request not signed at its time, and success to
// those that are.
func skewServer(t *testing.T, ahead time.Duration, code string) *testServer {
	return newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		now := fixedTime.Add(ahead)
		w.Header().Set("Date", now.Format(http.TimeFormat))
		if r.Header.Get("X-Amz-Date") != now.Format("20060102T150405Z") {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, ec2Error(code))
			return
		}
		_, _ = io.WriteString(w, "<XResponse/>")
	})
}

// TestClockSkewResignedOncePerCall: a signature-time error from a server
// whose clock is far ahead is tried again at once, signed at the server's
// time, without a retry token; later calls sign at that time from the
// start; a call re-signs once at most.
func TestClockSkewResignedOncePerCall(t *testing.T) {
	t.Parallel()
	srv := skewServer(t, 10*time.Minute, "AuthFailure")
	e := newTestEngine(t, srv.URL, func(s *Settings) { s.Retryer = NewRetryer(RetrySettings{MaxAttempts: 2}) })
	if err := e.Call(context.Background(), "X", nil, nil); err != nil {
		t.Fatalf("after a skew error: %v, want success signed at the server's time", err)
	}
	if err := e.Call(context.Background(), "X", nil, nil); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.captured()); n != 3 {
		t.Errorf("%d requests for two calls, want 3 (one re-signed, then one signed right)", n)
	}
	if got := e.ServiceTime(fixedTime).Sub(fixedTime); got != 10*time.Minute {
		t.Errorf("the engine learnt an offset of %v, want 10m", got)
	}

	// A server whose clock runs on by more than the threshold at every
	// answer: one re-sign, then the error (AuthFailure is not retried).
	var answers atomic.Int32
	moving := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Date", fixedTime.Add(time.Duration(answers.Add(1))*10*time.Minute).Format(http.TimeFormat))
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, ec2Error("AuthFailure"))
	})
	err := newTestEngine(t, moving.URL).Call(context.Background(), "X", nil, nil)
	var re *RetryError
	if n := len(moving.captured()); n != 2 || !errors.As(err, &re) || re.Reason != ReasonNotRetryable {
		t.Errorf("%d requests, %v; want 2 and a *RetryError (not retryable)", n, err)
	}

	// Not a skew code: no re-sign, whatever the Date says.
	other := skewServer(t, 10*time.Minute, "UnauthorizedOperation")
	_ = newTestEngine(t, other.URL).Call(context.Background(), "X", nil, nil)
	if n := len(other.captured()); n != 1 {
		t.Errorf("UnauthorizedOperation with a skewed Date: %d requests, want 1", n)
	}
}

// TestExpiredCredentialsRefreshedOncePerCall: an expired-token answer
// drops the cached credentials and tries again at once with fresh ones,
// once per call; RequestExpired counts only for temporary credentials
// (a session token), whose expiry it may mean.
func TestExpiredCredentialsRefreshedOncePerCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code        string
		token       string
		retrievals  int32
		requests    int
		wantRefresh bool
	}{
		{"ExpiredToken", "token", 2, 2, true},
		{"ExpiredTokenException", "token", 2, 2, true},
		{"RequestExpired", "token", 2, 2, true},
		{"RequestExpired", "", 1, 1, false},
		{"UnauthorizedOperation", "token", 1, 1, false},
	}
	for _, tc := range tests {
		srv := newTestServer(t, reply(400, ec2Error(tc.code)))
		var retrievals atomic.Int32
		e := newTestEngine(t, srv.URL, func(s *Settings) {
			s.Clock = time.Now // the server's Date: no clock skew to correct
			s.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				retrievals.Add(1)
				return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: tc.token}, nil
			})
		})
		err := e.Call(context.Background(), "X", nil, nil)
		if retrievals.Load() != tc.retrievals || len(srv.captured()) != tc.requests {
			t.Errorf("%s (token %q): %d retrievals, %d requests; want %d and %d", tc.code, tc.token, retrievals.Load(), len(srv.captured()), tc.retrievals, tc.requests)
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != tc.code {
			t.Errorf("%s: %v", tc.code, err)
		}
	}
}
