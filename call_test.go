package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/ec2lite/enidetach/internal/redact"
)

// TestCallRetriesALostResponseOfAnyAction proves what Call documents: an
// AttachNetworkInterface whose 200 is cut off is retried, as the SDK retries
// it, and the retry answers InvalidNetworkInterface.InUse although the first
// attempt attached the interface; looking shows the truth.
func TestCallRetriesALostResponseOfAnyAction(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	// Free the interface first, then lose the attach's answer.
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	srv.Inject(ec2test.TruncatedBody(), 1)
	var out struct {
		AttachmentID string `xml:"attachmentId"`
	}
	err := c.Call(context.Background(), "AttachNetworkInterface", url.Values{"NetworkInterfaceId": {ec2test.FailoverInterface},
		"InstanceId": {ec2test.InstanceB}, "DeviceIndex": {"1"}}, &out)
	var re *RetryError
	var ae *APIError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterface.InUse" {
		t.Fatalf("error = %v, want InvalidNetworkInterface.InUse inside a *RetryError after 2 attempts", err)
	}
	st, ok := srv.Interface(ec2test.FailoverInterface)
	if !ok || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attaches != 1 {
		t.Errorf("state = %+v, want attached to instance B by the first attempt", st)
	}
}

// TestDetachRetriedAfterALostResponse proves the README's account of a
// detach whose answer is lost, with real detach times: the retry answers
// IncorrectState (ErrIncorrectState) while the interface is still
// detaching, and InvalidAttachmentID.NotFound once it is gone.
func TestDetachRetriedAfterALostResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		backoff time.Duration // how far the server's clock moves before the retry
		want    error
	}{
		{"still detaching", 0, ErrIncorrectState},
		{"gone", time.Minute, ErrAttachmentNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv, fc := newFakeClockClient(t, 20*time.Second, false)
			setSleep(c, func(ctx context.Context, _ time.Duration) error { return fc.Sleep(ctx, tc.backoff) })
			srv.Inject(ec2test.TruncatedBody(), 1)
			_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
			var re *RetryError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Attempts != 2 {
				t.Fatalf("error = %v, want %v inside a *RetryError after 2 attempts", err, tc.want)
			}
			if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 {
				t.Errorf("%d detaches accepted, want 1 (the first attempt's)", st.Detaches)
			}
		})
	}
}

const (
	echoToken  = "ECHOtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/that/is/long=="
	echoSecret = "ECHOsecret/K7MDENG+bPxRfiCYEXAMPLEKEY1"
)

// echoPage answers a request as a hostile proxy or WAF might, quoting what
// it was sent: status and body for an answer, or raw bytes written on the
// connection instead of a valid HTTP response.
type echoPage func(sig, token string) (status int, header http.Header, body, raw string)

func page(status int, body func(sig, token string) string) echoPage {
	return func(sig, token string) (int, http.Header, string, string) { return status, nil, body(sig, token), "" }
}

// echoServer serves answer to every request; sig returns the last
// request's signature.
func echoServer(t *testing.T, answer echoPage) (url string, sig func() string) {
	var last string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		last = auth[strings.Index(auth, "Signature=")+len("Signature="):]
		status, header, body, raw := answer(last, r.Header.Get("X-Amz-Security-Token"))
		if raw != "" {
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			_, _ = bw.WriteString(raw)
			_ = bw.Flush()
			conn.Close()
			return
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() string { return last }
}

// echoDetach sends one detach, with a session token, to a server answering
// with answer, and returns every way its outcome can be shown: the error
// and the output in each verb, and the debug log.
func echoDetach(t *testing.T, answer echoPage) (shown, log, sig string) {
	t.Helper()
	return echoDetachAttempts(t, answer, 1)
}

// echoDetachAttempts is echoDetach with up to attempts attempts.
func echoDetachAttempts(t *testing.T, answer echoPage, attempts int) (shown, log, sig string) {
	t.Helper()
	endpoint, lastSig := echoServer(t, answer)
	var buf bytes.Buffer
	c, err := New(Options{Region: "us-east-1", BaseEndpoint: endpoint, MaxAttempts: attempts,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDECHO", echoSecret, echoToken),
		Logger:      slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	return fmt.Sprintf("%v\n%+v\n%#v\n%v\n%+v\n%#v", err, err, err, out, out, out), buf.String(), lastSig()
}

// echoLeaks returns the pieces of the secrets sent that s shows: the whole
// token, secret key or signature, or any run of 8 letters and digits of
// them.
func echoLeaks(s, sig string) []string {
	var leaks []string
	for _, secret := range []string{echoToken, echoSecret, sig} {
		for rest := secret; rest != ""; {
			run, next := redact.NextRun(rest)
			if len(run) >= redact.MinPartial && strings.Contains(s, run) {
				leaks = append(leaks, run)
			}
			rest = next
		}
	}
	return leaks
}

// TestEchoedRequestIDOnSuccess: a 200 whose x-amzn-requestid header, or
// whose <requestId>, quotes the session token puts it into
// DetachNetworkInterfaceOutput.RequestID (and the command's -json).
func TestEchoedRequestIDOnSuccess(t *testing.T) {
	for name, answer := range map[string]echoPage{
		"header": func(_, tok string) (int, http.Header, string, string) {
			return 200, http.Header{"X-Amzn-Requestid": {"r " + tok}}, "<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>", ""
		},
		"body": page(200, func(_, tok string) string {
			return "<DetachNetworkInterfaceResponse><requestId>" + tok + "</requestId><return>true</return></DetachNetworkInterfaceResponse>"
		}),
	} {
		t.Run(name, func(t *testing.T) {
			shown, _, sig := echoDetach(t, answer)
			if leaks := echoLeaks(shown, sig); leaks != nil {
				t.Errorf("the output shows %q:\n%s", leaks, shown)
			}
		})
	}
}

// sleepRecorder records backoffs instead of waiting them.
type sleepRecorder struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleepRecorder) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleepRecorder) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// rotatingCreds hands out a different key at each retrieval.
type rotatingCreds struct {
	keys  []ec2test.Key
	calls atomic.Int32
}

func (r *rotatingCreds) Retrieve(context.Context) (aws.Credentials, error) {
	i := int(r.calls.Add(1)) - 1
	k := r.keys[min(i, len(r.keys)-1)]
	return aws.Credentials{AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey, SessionToken: k.SessionToken,
		CanExpire: true, Expires: time.Now().Add(time.Hour)}, nil
}

// nxdomainClient fails every dial as a resolver does for a name that does
// not exist, without asking any DNS server.
type nxdomainClient struct{ calls atomic.Int32 }

func (n *nxdomainClient) Do(r *http.Request) (*http.Response, error) {
	n.calls.Add(1)
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: r.URL.Hostname(), IsNotFound: true}}
}

// retryModes are the SDK retryers the fault matrix runs under.
var retryModes = []aws.RetryMode{aws.RetryModeStandard, aws.RetryModeAdaptive}

// Backoff bounds of the SDK's standard mode: full jitter below
// min(base*2^(n-1), 20 s), base 50 ms (1 s after throttling, but the
// throttled calls below are the pacer's).
const (
	transient1, transient2 = 50 * time.Millisecond, 100 * time.Millisecond
	// paced1 bounds the first backoff of a throttled mutating call with
	// the client's own retryer (pacerbackoff.go: full jitter below 12 s,
	// then below 48 s).
	paced1 = 12 * time.Second
)

// TestFaultMatrix drives the client through the faults a failover meets,
// under the SDK's standard and adaptive retryers. Each row states the
// outcome, the requests the server saw and, for each backoff in order, the
// range it must fall in (the SDK's jitter is random; its bounds are not).
// Backoffs are recorded, not waited.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	const attachment = "eni-attach-0123456789abcdef0"
	type fault struct {
		f ec2test.Fault
		n int
	}
	type span struct{ min, max time.Duration }
	upTo := func(ds ...time.Duration) []span {
		out := make([]span, len(ds))
		for i, d := range ds {
			out[i] = span{0, d}
		}
		return out
	}
	tests := []struct {
		name            string
		faults          []fault
		calls           int // sequential calls through one client (0: one)
		opts            func(*Options, *ec2test.Server)
		ctxTimeout      time.Duration
		cancelInBackoff bool // the context is cancelled during the first backoff
		check           func(t *testing.T, err error, c *Client)
		attempts        int
		backoffs        []span
	}{
		{name: "2 throttles then success", faults: []fault{{ec2test.Throttle(), 2}},
			attempts: 3, backoffs: upTo(paced1, 4*paced1), check: wantSuccess},
		// A throttled mutating call is paced and retried while the context
		// allows (pacer.go), its backoff below 48 s after the first.
		{name: "throttling beyond MaxAttempts is paced, not failed", faults: []fault{{ec2test.Throttle(), 5}},
			attempts: 6, backoffs: upTo(paced1, 4*paced1, 4*paced1, 4*paced1, 4*paced1), check: wantSuccess},
		{name: "500 then success", faults: []fault{{ec2test.InternalError(), 1}},
			attempts: 2, backoffs: upTo(transient1), check: wantSuccess},
		{name: "503 Unavailable throughout", faults: []fault{{ec2test.Unavailable(), 5}},
			attempts: 3, backoffs: upTo(transient1, transient2),
			check: wantRetryError(3, query.ReasonMaxAttempts, &APIError{Code: "Unavailable"})},
		{name: "non-retryable 400", faults: []fault{{ec2test.APIError(400, "InvalidParameterValue"), 1}},
			attempts: 1, check: func(t *testing.T, err error, _ *Client) {
				var ae *APIError
				var re *RetryError
				if !errors.As(err, &ae) || ae.Code != "InvalidParameterValue" || errors.As(err, &re) {
					t.Errorf("error = %v, want the bare APIError", err)
				}
			}},
		{name: "MaxAttempts 1 disables retries", faults: []fault{{ec2test.Throttle(), 1}},
			opts: func(o *Options, _ *ec2test.Server) { o.MaxAttempts = 1 }, attempts: 1,
			check: wantRetryError(1, query.ReasonMaxAttempts, ErrRequestLimitExceeded)},
		{name: "connection dropped before the response", faults: []fault{{ec2test.DropConnection(), 1}},
			attempts: 2, backoffs: upTo(transient1), check: wantSuccess},
		// A 200 cut short is a broken connection, retried as the SDK retries
		// it; the detach had taken effect, so the retry finds no attachment.
		// Callers that want idempotence treat this NotFound as done.
		{name: "truncated body on a 200", faults: []fault{{ec2test.TruncatedBody(), 1}},
			attempts: 2, backoffs: upTo(transient1),
			check: wantRetryError(2, query.ReasonNotRetryable, ErrAttachmentNotFound)},
		{name: "HTML 502 from a proxy", faults: []fault{{ec2test.ProxyHTML502(), 1}},
			attempts: 2, backoffs: upTo(transient1), check: wantSuccess},
		{name: "HTML 502 throughout", faults: []fault{{ec2test.ProxyHTML502(), 3}},
			attempts: 3, backoffs: upTo(transient1, transient2),
			check: func(t *testing.T, err error, c *Client) {
				wantRetryError(3, query.ReasonMaxAttempts, &ResponseError{})(t, err, c)
				var re *ResponseError
				if !errors.As(err, &re) || re.StatusCode != 502 {
					t.Errorf("error = %v, want a 502 ResponseError inside", err)
				}
			}},
		{name: "slow server past the context deadline", faults: []fault{{ec2test.Delay(10 * time.Second), 3}},
			ctxTimeout: 300 * time.Millisecond, attempts: 1,
			check: func(t *testing.T, err error, _ *Client) {
				var te *TransportError
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) {
					t.Errorf("error = %v, want a TransportError with DeadlineExceeded", err)
				}
			}},
		{name: "per-attempt timeout retries a stalled attempt", faults: []fault{{ec2test.Delay(10 * time.Second), 1}},
			opts: func(o *Options, _ *ec2test.Server) { o.AttemptTimeout = 100 * time.Millisecond }, attempts: 2,
			backoffs: upTo(transient1), check: wantSuccess},
		// A timeout of the HTTP client's own (here http.Client.Timeout; the
		// default transport's response-header and dial timeouts alike) is
		// not the caller cancelling: it is retried.
		{name: "HTTP client timeout retries a stalled attempt", faults: []fault{{ec2test.Delay(10 * time.Second), 1}},
			opts: func(o *Options, _ *ec2test.Server) { o.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} }, attempts: 2,
			backoffs: upTo(transient1), check: wantSuccess},
		{name: "server clock 10 minutes ahead with AuthFailure", faults: []fault{{ec2test.SkewedClock(10 * time.Minute), 1}},
			attempts: 2, check: func(t *testing.T, err error, c *Client) {
				wantSuccess(t, err, c)
				if off := c.engine.ServiceTime(fixedTime).Sub(fixedTime); off < 9*time.Minute || off > 11*time.Minute {
					t.Errorf("clock offset kept for later calls = %v, want about 10m", off)
				}
			}},
		{name: "clock skew below the threshold is not retried", faults: []fault{{ec2test.SkewedClock(time.Minute), 1}},
			attempts: 1, check: func(t *testing.T, err error, _ *Client) {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != "AuthFailure" {
					t.Errorf("error = %v, want AuthFailure", err)
				}
			}},
		{name: "expired credentials refreshed once",
			opts: func(o *Options, s *ec2test.Server) {
				old := ec2test.Key{AccessKeyID: "ASIAOLDKEY", SecretAccessKey: "old-secret", SessionToken: "old-token"}
				fresh := ec2test.Key{AccessKeyID: "ASIANEWKEY", SecretAccessKey: "new-secret", SessionToken: "new-token"}
				s.AddKey(old)
				s.AddKey(fresh)
				s.ExpireKey(old.AccessKeyID)
				o.Credentials = &rotatingCreds{keys: []ec2test.Key{old, fresh}}
			},
			attempts: 2, check: wantSuccess},
		{name: "cancelled context mid-backoff", faults: []fault{{ec2test.Throttle(), 3}}, cancelInBackoff: true,
			attempts: 1, backoffs: upTo(paced1),
			check: func(t *testing.T, err error, c *Client) {
				wantRetryError(1, query.ReasonContextEnded, ErrRequestLimitExceeded)(t, err, c)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error = %v, want context.Canceled in it", err)
				}
			}},
		{name: "x-amz-retry-after is honoured", faults: []fault{{ec2test.Throttle().WithHeader("x-amz-retry-after", "1500"), 1}},
			attempts: 2, backoffs: []span{{1500 * time.Millisecond, max(1500*time.Millisecond, paced1)}}, check: wantSuccess},
		{name: "x-amz-retry-after is capped at backoff plus 5s", faults: []fault{{ec2test.Throttle().WithHeader("x-amz-retry-after", "60000"), 1}},
			attempts: 2, backoffs: []span{{5 * time.Second, paced1 + 5*time.Second}}, check: wantSuccess},
		{name: "50 MB body", faults: []fault{{ec2test.LargeBody(50 << 20), 1}},
			attempts: 1, check: func(t *testing.T, err error, _ *Client) {
				var re *ResponseError
				if !errors.As(err, &re) || !errors.Is(err, query.ErrBodyTooLarge) || len(re.Snippet) > query.SnippetSize {
					t.Errorf("error = %v, want a ResponseError for the body size", err)
				}
			}},
		// 500 tokens pay for 35 retries at 14 each; after that every call
		// fails at its first attempt and says why.
		{name: "retry quota exhausted by a 200-call burst of 503s", faults: []fault{{ec2test.Unavailable(), 100000}}, calls: 200,
			attempts: 200 + 35, backoffs: upTo(append(slices.Repeat([]time.Duration{transient1, transient2}, 17), transient1)...),
			check: func(t *testing.T, err error, c *Client) {
				wantRetryError(1, query.ReasonQuotaExhausted, &APIError{Code: "Unavailable"})(t, err, c)
				var qe ratelimit.QuotaExceededError
				if !errors.As(err, &qe) {
					t.Errorf("error = %v, want a ratelimit.QuotaExceededError in it", err)
				}
			}},
		{name: "unknown host is not retried",
			opts: func(o *Options, _ *ec2test.Server) {
				o.HTTPClient = &nxdomainClient{}
				o.BaseEndpoint = "https://ec2.nonexistent.invalid"
			},
			attempts: 0, check: func(t *testing.T, err error, c *Client) {
				var dns *net.DNSError
				var te *TransportError
				if !errors.As(err, &te) || !errors.As(err, &dns) || !dns.IsNotFound {
					t.Errorf("error = %v, want a TransportError with the DNS failure", err)
				}
				if n := c.engine.Settings().HTTPClient.(*nxdomainClient).calls.Load(); n != 1 {
					t.Errorf("%d attempts for an unknown host, want 1", n)
				}
			}},
	}
	for _, mode := range retryModes {
		for _, tc := range tests {
			t.Run(string(mode)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := ec2test.NewServer()
				defer srv.Close()
				opts := Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(), RetryMode: mode}
				if tc.opts != nil {
					tc.opts(&opts, srv)
				}
				c, err := newClient(opts, testEnv(t))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if tc.ctxTimeout > 0 {
					ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
					defer cancel()
				}
				rec := &sleepRecorder{}
				setSleep(c, rec.sleep)
				if tc.cancelInBackoff {
					setSleep(c, func(ctx context.Context, d time.Duration) error {
						cancel()
						return rec.sleep(ctx, d)
					})
				}
				for _, f := range tc.faults {
					srv.Inject(f.f, f.n)
				}
				for i := 0; i < max(tc.calls, 1); i++ {
					_, err = c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: attachment})
				}
				tc.check(t, err, c)
				if got := len(srv.Requests()); got != tc.attempts {
					t.Errorf("server saw %d requests, want %d", got, tc.attempts)
				}
				got := rec.got()
				if len(got) != len(tc.backoffs) {
					t.Fatalf("%d backoffs %v, want %d", len(got), got, len(tc.backoffs))
				}
				for i, d := range got {
					if b := tc.backoffs[i]; d < b.min || d > b.max {
						t.Errorf("backoff %d = %v, want within [%v, %v]", i+1, d, b.min, b.max)
					}
				}
			})
		}
	}
}

func wantSuccess(t *testing.T, err error, _ *Client) {
	t.Helper()
	if err != nil {
		t.Errorf("error = %v, want success", err)
	}
}

// wantRetryError checks a *RetryError: its attempt count and reason, the
// last error (matched by errors.Is against target, or by type for a
// *ResponseError target), and the typed cause the reason stands for.
func wantRetryError(attempts int, reason string, target error) func(*testing.T, error, *Client) {
	return func(t *testing.T, err error, _ *Client) {
		t.Helper()
		var rt *RetryError
		if !errors.As(err, &rt) || rt.Attempts != attempts || rt.Reason != reason {
			t.Fatalf("error = %v, want a RetryError after %d attempts (%s)", err, attempts, reason)
		}
		var re *ResponseError
		if _, isResponse := target.(*ResponseError); isResponse && !errors.As(err, &re) || !isResponse && !errors.Is(err, target) {
			t.Errorf("errors.Is(err, %v) = false for %v", target, err)
		}
		var me *retry.MaxAttemptsError
		if (reason == query.ReasonMaxAttempts) != errors.As(err, &me) || (me != nil && me.Attempt != attempts) {
			t.Errorf("error = %v: a *retry.MaxAttemptsError must be in it exactly when attempts ran out", err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("after %d attempt", attempts)) {
			t.Errorf("error text %q does not give the attempt count", err)
		}
	}
}

// TestAdaptiveModeSlowsDown: under sustained throttling, adaptive mode
// rate-limits the client itself, so a fleet that throttles stops adding
// load; in standard mode the pacer of the throttled mutating action does
// (pacer.go), even with retries disabled.
func TestAdaptiveModeSlowsDown(t *testing.T) {
	if testing.Short() {
		t.Skip("measures request rates over a second")
	}
	rate := func(mode aws.RetryMode) (before, after float64) {
		srv := ec2test.NewServer()
		defer srv.Close()
		c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(),
			RetryMode: mode, MaxAttempts: 1}, testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		// Four callers at once, as a fleet's jobs share a client: the rate
		// before throttling is then the fake's and the client's, not one
		// goroutine's on a loaded machine (under -race, one caller alone
		// made 170 calls a second, below the tenfold of the pacer's 20).
		count := func(d time.Duration) float64 {
			var n atomic.Int64
			var wg sync.WaitGroup
			end := time.Now().Add(d)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ; time.Now().Before(end); n.Add(1) {
						ctx, cancel := context.WithDeadline(context.Background(), end)
						_, _ = c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true})
						cancel()
					}
				}()
			}
			wg.Wait()
			return float64(n.Load()) / d.Seconds()
		}
		before = count(300 * time.Millisecond)
		srv.Inject(ec2test.Throttle(), 1<<30)
		_ = count(300 * time.Millisecond) // the limiter learns
		after = count(700 * time.Millisecond)
		return before, after
	}
	sb, sa := rate(aws.RetryModeStandard)
	ab, aa := rate(aws.RetryModeAdaptive)
	t.Logf("requests per second, before and under sustained throttling: standard %.0f -> %.0f, adaptive %.0f -> %.0f", sb, sa, ab, aa)
	if aa > ab/10 {
		t.Errorf("adaptive mode sent %.0f/s under throttling, %.0f/s before: want it to slow down at least tenfold", aa, ab)
	}
	if sa > sb/10 {
		t.Errorf("standard mode sent %.0f/s under throttling, %.0f/s before: want the pacer to slow it at least tenfold", sa, sb)
	}
}

// TestConcurrentCalls runs 64 goroutines of 200 calls through one client
// against the fake, with faults, and accounts for every call.
func TestConcurrentCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping the 12,800-call concurrency test in -short mode")
	}
	before := runtime.NumGoroutine()
	srv := ec2test.NewServer()
	c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, noSleep)
	srv.Inject(ec2test.Throttle(), 300)
	srv.Inject(ec2test.InternalError(), 100)
	const workers, calls = 64, 200
	var ok, apiErrs, other atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true})
				var ae *APIError
				switch {
				case errors.Is(err, ErrDryRunOperation):
					ok.Add(1)
				case errors.As(err, &ae):
					apiErrs.Add(1)
				default:
					other.Add(1)
					t.Errorf("untyped outcome: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if total := ok.Load() + apiErrs.Load() + other.Load(); total != workers*calls {
		t.Errorf("accounted for %d calls, want %d", total, workers*calls)
	}
	if ok.Load() < workers*calls-400 {
		t.Errorf("only %d permitted dry runs of %d", ok.Load(), workers*calls)
	}
	srv.Close()
	c.engine.Settings().HTTPClient.(*http.Client).CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("%d goroutines left running (were %d)", n, before)
	}
}
