package enidetach

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

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

// TestFaultMatrix drives the client through the faults a failover meets,
// each case asserting the outcome, the number of requests the server saw
// and the time spent (backoffs recorded at jitter 0.5, or wall time).
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	const attachment = "eni-attach-0123456789abcdef0"
	type fault struct {
		f ec2test.Fault
		n int
	}
	tests := []struct {
		name        string
		faults      []fault
		calls       int // sequential calls through one client (0: one)
		opts        func(*Options, *ec2test.Server)
		realSleep   bool
		ctxTimeout  time.Duration
		cancelAfter time.Duration
		check       func(t *testing.T, err error, c *Client)
		attempts    int
		backoffs    []time.Duration
		maxElapsed  time.Duration
	}{
		{name: "2 throttles then success", faults: []fault{{ec2test.Throttle(), 2}},
			attempts: 3, backoffs: []time.Duration{500 * time.Millisecond, time.Second}, check: wantSuccess},
		{name: "throttling beyond MaxAttempts", faults: []fault{{ec2test.Throttle(), 5}},
			attempts: 3, backoffs: []time.Duration{500 * time.Millisecond, time.Second},
			check: wantRetryError(3, reasonMaxAttempts, ErrRequestLimitExceeded)},
		{name: "500 then success", faults: []fault{{ec2test.InternalError(), 1}},
			attempts: 2, backoffs: []time.Duration{25 * time.Millisecond}, check: wantSuccess},
		{name: "503 Unavailable throughout", faults: []fault{{ec2test.Unavailable(), 5}},
			attempts: 3, backoffs: []time.Duration{25 * time.Millisecond, 50 * time.Millisecond},
			check: wantRetryError(3, reasonMaxAttempts, &APIError{Code: "Unavailable"})},
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
			check: func(t *testing.T, err error, _ *Client) {
				if !errors.Is(err, ErrRequestLimitExceeded) {
					t.Errorf("error = %v", err)
				}
			}},
		{name: "connection dropped before the response", faults: []fault{{ec2test.DropConnection(), 1}},
			attempts: 2, backoffs: []time.Duration{25 * time.Millisecond}, check: wantSuccess},
		// A 200 cut short is a broken connection, retried as the SDK retries
		// it; the detach had taken effect, so the retry finds no attachment.
		// Callers that want idempotence treat this NotFound as done.
		{name: "truncated body on a 200", faults: []fault{{ec2test.TruncatedBody(), 1}},
			attempts: 2, backoffs: []time.Duration{25 * time.Millisecond},
			check: wantRetryError(2, reasonNotRetryable, ErrAttachmentNotFound)},
		{name: "HTML 502 from a proxy", faults: []fault{{ec2test.ProxyHTML502(), 1}},
			attempts: 2, backoffs: []time.Duration{25 * time.Millisecond}, check: wantSuccess},
		{name: "HTML 502 throughout", faults: []fault{{ec2test.ProxyHTML502(), 3}},
			attempts: 3, backoffs: []time.Duration{25 * time.Millisecond, 50 * time.Millisecond},
			check: func(t *testing.T, err error, _ *Client) {
				var re *ResponseError
				var rt *RetryError
				if !errors.As(err, &re) || re.StatusCode != 502 || !errors.As(err, &rt) || rt.Attempts != 3 {
					t.Errorf("error = %v, want a RetryError around a 502 ResponseError", err)
				}
			}},
		{name: "slow server past the context deadline", faults: []fault{{ec2test.Delay(10 * time.Second), 3}},
			ctxTimeout: 300 * time.Millisecond, attempts: 1, maxElapsed: 400 * time.Millisecond,
			check: func(t *testing.T, err error, _ *Client) {
				var te *TransportError
				if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) {
					t.Errorf("error = %v, want a TransportError with DeadlineExceeded", err)
				}
			}},
		{name: "per-attempt timeout retries a stalled attempt", faults: []fault{{ec2test.Delay(10 * time.Second), 1}},
			opts: func(o *Options, _ *ec2test.Server) { o.AttemptTimeout = 100 * time.Millisecond }, attempts: 2,
			backoffs: []time.Duration{25 * time.Millisecond}, check: wantSuccess},
		{name: "server clock 10 minutes ahead with AuthFailure", faults: []fault{{ec2test.SkewedClock(10 * time.Minute), 1}},
			attempts: 2, check: func(t *testing.T, err error, c *Client) {
				wantSuccess(t, err, c)
				if off := time.Duration(c.signer.offset.Load()); off < 9*time.Minute || off > 11*time.Minute {
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
			attempts: 2, check: func(t *testing.T, err error, c *Client) {
				wantSuccess(t, err, c)
			}},
		{name: "cancelled context mid-backoff", faults: []fault{{ec2test.Throttle(), 3}}, realSleep: true,
			cancelAfter: 100 * time.Millisecond, attempts: 1, maxElapsed: 300 * time.Millisecond,
			check: func(t *testing.T, err error, _ *Client) {
				var rt *RetryError
				if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRequestLimitExceeded) || !errors.As(err, &rt) || rt.Reason != reasonContextEnded {
					t.Errorf("error = %v, want a RetryError with context.Canceled and the throttle", err)
				}
			}},
		{name: "x-amz-retry-after is honoured", faults: []fault{{ec2test.Throttle().WithHeader("x-amz-retry-after", "1500"), 1}},
			attempts: 2, backoffs: []time.Duration{1500 * time.Millisecond}, check: wantSuccess},
		{name: "x-amz-retry-after is capped at backoff plus 5s", faults: []fault{{ec2test.Throttle().WithHeader("x-amz-retry-after", "60000"), 1}},
			attempts: 2, backoffs: []time.Duration{5500 * time.Millisecond}, check: wantSuccess},
		{name: "50 MB body", faults: []fault{{ec2test.LargeBody(50 << 20), 1}},
			attempts: 1, check: func(t *testing.T, err error, _ *Client) {
				var re *ResponseError
				if !errors.As(err, &re) || !errors.Is(err, errBodyTooLarge) || len(re.Snippet) > snippetSize {
					t.Errorf("error = %v, want a ResponseError for the body size", err)
				}
			}},
		// 500 tokens pay for 35 retries at 14 each; after that every call
		// fails at its first attempt and says why.
		{name: "retry quota exhausted by a 200-call burst of 503s", faults: []fault{{ec2test.Unavailable(), 100000}}, calls: 200,
			attempts: 200 + 35, check: wantRetryError(1, reasonQuotaExhausted, &APIError{Code: "Unavailable"})},
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
				if n := c.http.(*nxdomainClient).calls.Load(); n != 1 {
					t.Errorf("%d attempts for an unknown host, want 1", n)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := &sleepRecorder{}
			srv := ec2test.NewServer()
			defer srv.Close()
			opts := Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(),
				RetryJitter: func() float64 { return 0.5 }, Sleep: rec.sleep}
			if tc.realSleep {
				opts.Sleep = nil
				opts.RetryJitter = func() float64 { return 0.9 }
			}
			if tc.opts != nil {
				tc.opts(&opts, srv)
			}
			c, err := newClient(opts, testEnv(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.faults {
				srv.Inject(f.f, f.n)
			}
			ctx := context.Background()
			if tc.ctxTimeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.ctxTimeout)
				defer cancel()
			}
			if tc.cancelAfter > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tc.cancelAfter, cancel)
			}
			start := time.Now()
			for i := 0; i < max(tc.calls, 1); i++ {
				_, err = c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: attachment})
			}
			elapsed := time.Since(start)
			tc.check(t, err, c)
			if got := len(srv.Requests()); got != tc.attempts {
				t.Errorf("server saw %d requests, want %d", got, tc.attempts)
			}
			if diff := cmp.Diff(tc.backoffs, rec.got()); diff != "" && !tc.realSleep && tc.calls == 0 {
				t.Errorf("backoffs (-want +got):\n%s", diff)
			}
			if tc.maxElapsed > 0 && elapsed > tc.maxElapsed {
				t.Errorf("took %v, want at most %v", elapsed, tc.maxElapsed)
			}
		})
	}
}

func wantSuccess(t *testing.T, err error, _ *Client) {
	t.Helper()
	if err != nil {
		t.Errorf("error = %v, want success", err)
	}
}

func wantRetryError(attempts int, reason string, target error) func(*testing.T, error, *Client) {
	return func(t *testing.T, err error, _ *Client) {
		t.Helper()
		var rt *RetryError
		if !errors.As(err, &rt) || rt.Attempts != attempts || rt.Reason != reason {
			t.Fatalf("error = %v, want a RetryError after %d attempts (%s)", err, attempts, reason)
		}
		if !errors.Is(err, target) {
			t.Errorf("errors.Is(err, %v) = false for %v", target, err)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("after %d attempt", attempts)) {
			t.Errorf("error text %q does not give the attempt count", err)
		}
	}
}

func TestRetryQuotaRefills(t *testing.T) {
	t.Parallel()
	q := newRetryQuota()
	for q.acquire(retryCost) {
	}
	if q.acquire(retryCost) {
		t.Fatal("an empty quota gave tokens")
	}
	q.release(retryCost)
	if !q.acquire(retryCost) {
		t.Error("a refund did not refill the quota")
	}
	q.release(10000)
	if n := q.tokens.Load(); n != retryQuotaSize {
		t.Errorf("quota overfilled to %d", n)
	}
}

func TestBackoffBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n     int
		class errorClass
		max   time.Duration
		j     float64
		hdr   http.Header
		want  time.Duration
	}{
		{1, classTransient, defaultMaxBackoff, 1, nil, 50 * time.Millisecond},
		{3, classTransient, defaultMaxBackoff, 1, nil, 200 * time.Millisecond},
		{1, classThrottle, defaultMaxBackoff, 1, nil, time.Second},
		{6, classThrottle, defaultMaxBackoff, 1, nil, 20 * time.Second},
		{100, classThrottle, defaultMaxBackoff, 0.5, nil, 10 * time.Second},
		{3, classThrottle, 3 * time.Second, 1, nil, 3 * time.Second},
		{1, classTransient, defaultMaxBackoff, 0, nil, 0},
		{1, classTransient, defaultMaxBackoff, 1, http.Header{"X-Amz-Retry-After": {"bogus"}}, 50 * time.Millisecond},
		{1, classTransient, defaultMaxBackoff, 1, http.Header{"X-Amz-Retry-After": {"-5"}}, 50 * time.Millisecond},
		{1, classTransient, defaultMaxBackoff, 1, http.Header{"X-Amz-Retry-After": {"10"}}, 50 * time.Millisecond},
		{1, classTransient, defaultMaxBackoff, 1, http.Header{"X-Amz-Retry-After": {"99999999999999999999"}}, 50 * time.Millisecond},
	}
	for _, tc := range tests {
		if got := backoff(tc.n, tc.class, tc.max, tc.j, tc.hdr); got != tc.want {
			t.Errorf("backoff(%d, %v, %v, %v, %v) = %v, want %v", tc.n, tc.class, tc.max, tc.j, tc.hdr, got, tc.want)
		}
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
	c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(), Sleep: noSleep}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
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
	c.http.(*http.Client).CloseIdleConnections()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("%d goroutines left running (were %d)", n, before)
	}
}

// TestLargeBodyMemory checks that a 50 MB answer costs about the 1 MiB read
// limit, not 50 MB. It runs alone (not parallel) so the allocation count is
// its own.
func TestLargeBodyMemory(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	srv.Inject(ec2test.LargeBody(50<<20), 1)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, errBodyTooLarge) {
		t.Fatalf("error = %v", err)
	}
	// The server writes from a fixed chunk; the client holds the 1 MiB limit
	// plus buffer growth (more under -race, whose bookkeeping allocates).
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Errorf("a 50 MB body allocated %d MiB, want a few", grown>>20)
	}
}
