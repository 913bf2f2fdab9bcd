package enidetach

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/ec2lite/enidetach/ec2test"
)

const pacedAttachment = "eni-attach-0123456789abcdef0"

// TestThrottledMutatingCallsArePaced: with default options, a detach
// throttled far beyond MaxAttempts and beyond what the retry quota would
// pay for is retried until it goes through, and the quota is still whole
// afterwards for the errors it guards against.
func TestThrottledMutatingCallsArePaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	// 150 throttled retries at 5 quota tokens each would be 750 of the 500.
	srv.Inject(ec2test.Throttle(), 150)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Fatalf("error = %v, want the dry run's answer after 150 throttles", err)
	}
	if n := len(srv.Requests()); n != 151 {
		t.Errorf("%d requests, want 151", n)
	}
	// The quota paid for none of them: a 503 Unavailable is retried.
	srv.Inject(ec2test.Unavailable(), 1)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Errorf("after the throttling, a 503 Unavailable: error = %v, want it retried to the dry run's answer", err)
	}
}

// TestPacingBounds: what still ends a throttled call, and what is not paced.
func TestPacingBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     func(*Options)
		call     func(context.Context, *Client) error
		ctx      func() (context.Context, context.CancelFunc)
		attempts int // requests made, 0: not checked
		reason   string
	}{
		{name: "a caller's Retryer decides: MaxAttempts ends it",
			opts:     func(o *Options) { o.Retryer = retry.NewStandard() },
			attempts: 3, reason: reasonMaxAttempts},
		{name: "MaxAttempts 1 disables every retry",
			opts:     func(o *Options) { o.MaxAttempts = 1 },
			attempts: 1, reason: reasonMaxAttempts},
		{name: "non-mutating actions are not paced beyond MaxAttempts",
			call: func(ctx context.Context, c *Client) error {
				return c.Call(ctx, "DescribeNetworkInterfaces", url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}, nil)
			},
			attempts: 3, reason: reasonMaxAttempts},
		{name: "the context ends it",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 300*time.Millisecond)
			},
			reason: reasonContextEnded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []func(*Options){}
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			c, srv := newTestClient(t, nil, opts...)
			srv.Inject(ec2test.Throttle(), 1<<20)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
				setSleep(c, sleepContext) // real waits, ended by the context
			}
			defer cancel()
			call := tc.call
			if call == nil {
				call = func(ctx context.Context, c *Client) error {
					_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment})
					return err
				}
			}
			err := call(ctx, c)
			var re *RetryError
			if !errors.As(err, &re) || re.Reason != tc.reason || !errors.Is(err, ErrRequestLimitExceeded) {
				t.Fatalf("error = %v, want a RetryError (%s) with RequestLimitExceeded", err, tc.reason)
			}
			if n := len(srv.Requests()); tc.attempts > 0 && n != tc.attempts {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
		})
	}
}

// TestPacedWithoutDeadline: a call whose context has no deadline stops
// retrying throttles after maxPacedTime, on the client's clock.
func TestPacedWithoutDeadline(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := fixedTime
	clock := func() time.Time { // a minute passes at each look, for client and server alike
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithClock(clock)}, func(o *Options) { o.Clock = clock })
	srv.Inject(ec2test.Throttle(), 1<<20)
	_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment})
	var re *RetryError
	if !errors.As(err, &re) || re.Reason != reasonMaxAttempts || !errors.Is(err, ErrRequestLimitExceeded) {
		t.Fatalf("error = %v, want a RetryError (%s) with RequestLimitExceeded", err, reasonMaxAttempts)
	}
	if n := len(srv.Requests()); n < 2 || n > 10 {
		t.Errorf("%d requests in %s of throttling at a minute a look, want a few", n, maxPacedTime)
	}
}

// TestBurstOnSharedClientPaced: 100 concurrent dry-run detaches on one
// client meet 300 throttled answers; every call gets the service's real
// answer.
func TestBurstOnSharedClientPaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Throttle(), 300)
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrDryRunOperation) {
			t.Errorf("call %d: error = %v, want the dry run's answer", i, err)
		}
	}
	if n := len(srv.Requests()); n != 400 {
		t.Errorf("%d requests, want 400 (300 throttled, 100 answered)", n)
	}
}

// TestPacerLearnsTheRate drives a pacer on a fake clock: engaged by a
// throttle, it spaces slots at the start rate (20 a second) until it has
// evidence of the rate (a window in which EC2 admitted pacerEvidence paced
// attempts and throttled others); then by the rate learnt, which follows the
// answers to paced attempts only (what was admitted in a second with
// throttles, at most halving it; raised by half after a second without
// throttles while calls waited), and the pacer lets go after pacerIdle
// without throttles or waiting calls.
func TestPacerLearnsTheRate(t *testing.T) {
	t.Parallel()
	t0 := fixedTime
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := &pacer{rate: pacerStartRate}
	if d, paced := p.reserve(t0, 0); d != 0 || paced {
		t.Fatalf("not engaged: wait %v, paced %v; want 0, unpaced", d, paced)
	}
	p.observe(t0, true, false)
	if !p.engaged.Load() {
		t.Fatal("a throttle did not engage the pacer")
	}
	var slots []time.Duration
	for range 3 {
		d, paced := p.reserve(t0, 0)
		if !paced {
			t.Error("an engaged pacer's slot is not paced")
		}
		slots = append(slots, d)
	}
	if want := []time.Duration{50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}; !slices.Equal(slots, want) {
		t.Errorf("slots without evidence %v, want %v (20 a second, the start rate)", slots, want)
	}
	// The unpaced burst's throttles say nothing of the rate.
	for i := range 50 {
		p.observe(at(1000+i), true, false)
	}
	// A second admitting 3 paced attempts with throttles: not yet evidence.
	for i := range 3 {
		p.observe(at(100*i), false, true)
	}
	p.observe(at(1100), true, true)
	if p.known {
		t.Fatal("3 admitted in a second taken as evidence of the rate, want at least pacerEvidence")
	}
	// A second admitting 12 with throttles: the rate is 12 a second.
	for i := range 12 {
		p.observe(at(1150+50*i), false, true)
	}
	p.observe(at(2100), true, true)
	if !p.known || p.rate < 11.9 || p.rate > 12.1 {
		t.Fatalf("after a second admitting 12 with throttles: known %v, rate %.2f; want 12 a second", p.known, p.rate)
	}
	slots = nil
	for range 3 {
		d, _ := p.reserve(at(2100), 0)
		slots = append(slots, d)
	}
	if want := []time.Duration{0, time.Second / 12, 2 * time.Second / 12}; !slices.Equal(slots, want) {
		t.Errorf("slots %v, want %v (12 a second)", slots, want)
	}
	// A second without throttles while calls waited: raised by half.
	p.observe(at(3200), false, true)
	if p.rate < 17.9 || p.rate > 18.1 {
		t.Errorf("rate after a second without throttles while calls waited = %.2f, want 18", p.rate)
	}
	// A second that admitted one with throttles: halved, not cut to 1.
	p.observe(at(3700), false, true)
	p.observe(at(4300), true, true)
	if p.rate < 8.9 || p.rate > 9.1 {
		t.Errorf("rate after a second admitting 1 with throttles = %.2f, want 9 (halved)", p.rate)
	}
	if d, paced := p.reserve(t0.Add(time.Minute), 0); d != 0 || paced || p.engaged.Load() {
		t.Errorf("after a minute without throttles or waiting calls: wait %v, paced %v, engaged %v; want the pacer let go", d, paced, p.engaged.Load())
	}
	if mutating("DescribeNetworkInterfaces") || !mutating("DetachNetworkInterface") || !mutating("AttachNetworkInterface") {
		t.Error("mutating: Describe* must not be, Detach/Attach must be")
	}
}

// TestThrottleBackoffIsFullJitterExponential: u × min(32 s, 4 s × 2^(k-1)).
func TestThrottleBackoffIsFullJitterExponential(t *testing.T) {
	t.Parallel()
	tests := []struct {
		k    int
		u    float64
		want time.Duration
	}{
		{0, 0.5, 2 * time.Second}, {1, 0.5, 2 * time.Second}, {1, 0.999, 3996 * time.Millisecond}, {2, 0.5, 4 * time.Second},
		{3, 1, 16 * time.Second}, {4, 1, 32 * time.Second}, {6, 1, 32 * time.Second}, {6, 0.25, 8 * time.Second},
		{1000, 0.5, 16 * time.Second}, {4, 0, 0},
	}
	for _, tc := range tests {
		if got := throttleBackoff(tc.k, tc.u); got != tc.want {
			t.Errorf("throttleBackoff(%d, %v) = %v, want %v", tc.k, tc.u, got, tc.want)
		}
	}
}

// recordSleeps makes c record its waits instead of waiting them.
func recordSleeps(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var slept []time.Duration
	setSleep(c, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return ctx.Err()
	})
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(slept)
	}
}

// TestThrottledCallWithoutEvidenceBacksOff: a client with one call, such
// as each agent's in a zone failure, has no evidence of the account's
// rate: each throttle of its call doubles the ceiling of a random backoff
// (here u = 0.5: 2 s, 4 s, 8 s, 16 s, then 16 s: half the 32 s cap), an
// x-amz-retry-after (6 s) lengthens one, and nothing else spaces its
// attempts.
func TestThrottledCallWithoutEvidenceBacksOff(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	slept := recordSleeps(c)
	setUniform(c, func() float64 { return 0.5 })
	srv.Inject(ec2test.Throttle().WithHeader("X-Amz-Retry-After", "6000"), 1)
	srv.Inject(ec2test.Throttle(), 5)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Fatalf("error = %v, want the dry run's answer after 6 throttles", err)
	}
	want := []time.Duration{6 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 16 * time.Second, 16 * time.Second}
	if got := slept(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}

// TestLongDelayHoldsNoSlot: on a client that learnt the rate (20 a
// second), one call told to come back in 5 s (x-amz-retry-after) holds no
// send slot meanwhile: ten calls of the action that EC2 admits end within
// a second, spaced by the rate alone.
func TestLongDelayHoldsNoSlot(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	sleeping := make(chan struct{})
	var once sync.Once
	setSleep(c, func(ctx context.Context, d time.Duration) error {
		if d >= 5*time.Second {
			once.Do(func() { close(sleeping) })
		}
		return sleepContext(ctx, d)
	})
	p := c.pacing.pacerFor("DetachNetworkInterface", true)
	now := time.Now()
	p.engaged.Store(true)
	p.known, p.rate, p.busy, p.windowStart = true, 20, now, now
	detach := func(ctx context.Context) error {
		_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true})
		return err
	}
	srv.Inject(ec2test.Throttle().WithHeader("X-Amz-Retry-After", "5000"), 1)
	longCtx, stopLong := context.WithCancel(context.Background())
	longDone := make(chan error, 1)
	go func() { longDone <- detach(longCtx) }()
	<-sleeping
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	began := time.Now()
	errs := make([]error, 10)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = detach(ctx)
		}()
	}
	wg.Wait()
	took := time.Since(began)
	stopLong()
	<-longDone
	for i, err := range errs {
		if !errors.Is(err, ErrDryRunOperation) {
			t.Errorf("call %d: error = %v, want the dry run's answer", i, err)
		}
	}
	if took > time.Second {
		t.Errorf("ten admitted calls took %v beside one waiting 5 s, want at most 1s", took)
	}
}

// TestIsThrottleAgreesWithRetry: isThrottle's shortcut decides as aws/retry's
// throttle checks (with EC2's 429 rule) for the errors attempt returns.
func TestIsThrottleAgreesWithRetry(t *testing.T) {
	t.Parallel()
	errs := []error{
		&APIError{Code: "RequestLimitExceeded", StatusCode: 503},
		&APIError{Code: "EC2ThrottledException", StatusCode: 400},
		&APIError{Code: "Throttling", StatusCode: 400},
		&APIError{Code: "SomethingElse", StatusCode: 429},
		&APIError{Code: "Unavailable", StatusCode: 503},
		&APIError{Code: "InvalidAttachmentID.NotFound", StatusCode: 400},
		&TransportError{Err: errors.New("connection reset")},
		&ResponseError{StatusCode: 502},
	}
	checks := retry.IsErrorThrottles(append([]retry.IsErrorThrottle{ec2TooManyRequests{}}, retry.DefaultThrottles...))
	for _, err := range errs {
		if got, want := isThrottle(err), checks.IsErrorThrottle(err) == aws.TrueTernary; got != want {
			t.Errorf("isThrottle(%v) = %v, aws/retry says %v", err, got, want)
		}
	}
}

// TestThrottledAttachIsPaced: an attach, mutating too, is paced the same
// way: throttled beyond MaxAttempts, it still goes through.
func TestThrottledAttachIsPaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Throttle(), 5)
	out, err := c.AttachNetworkInterface(context.Background(), attachSpare())
	if err != nil || out.AttachmentID == "" {
		t.Fatalf("attach after 5 throttles: (%v, %v), want it attached", out, err)
	}
	if n := len(srv.Requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}
