package query

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// TestPacerLearnsTheRate drives a pacer on a fake clock: engaged by a
// throttle, it spaces slots at the start rate (20 a second) until it has
// evidence of the rate (a window in which EC2 admitted pacerEvidence paced
// attempts and throttled others); then by the rate learnt, which follows the
// answers to paced attempts only (what was admitted in a second with
// throttles, at most halving it; raised by half after a second without
// throttles in which calls waited and EC2 admitted what the rate sent), and the pacer lets go after pacerIdle
// without throttles or waiting calls.
func TestPacerLearnsTheRate(t *testing.T) {
	t.Parallel()
	t0 := fixedTime
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	p := &pacer{rate: pacerStartRate}
	if d, paced := p.reserve(t0); d != 0 || paced {
		t.Fatalf("not engaged: wait %v, paced %v; want 0, unpaced", d, paced)
	}
	p.observe(t0, true, false)
	if !p.engaged.Load() {
		t.Fatal("a throttle did not engage the pacer")
	}
	var slots []time.Duration
	for range 3 {
		d, paced := p.reserve(t0)
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
		d, _ := p.reserve(at(2100))
		slots = append(slots, d)
	}
	if want := []time.Duration{0, time.Second / 12, 2 * time.Second / 12}; !slices.Equal(slots, want) {
		t.Errorf("slots %v, want %v (12 a second)", slots, want)
	}
	// A second without throttles while calls waited, admitting less than
	// the rate sends (calls waiting for slots given out earlier): kept.
	p.observe(at(3200), false, true)
	if p.rate < 11.9 || p.rate > 12.1 {
		t.Errorf("rate after a second admitting 1 without throttles while calls waited = %.2f, want 12 (kept)", p.rate)
	}
	// A second without throttles while calls waited, admitting what the
	// rate sends: raised by half.
	p.reserve(at(3200))
	p.reserve(at(3200)) // waits
	for i := range 12 {
		p.observe(at(3250+80*i), false, true)
	}
	p.observe(at(4250), false, true)
	if p.rate < 17.9 || p.rate > 18.1 {
		t.Errorf("rate after a second admitting 13 without throttles while calls waited = %.2f, want 18", p.rate)
	}
	// A second that admitted one with throttles: halved, not cut to 1.
	p.observe(at(4700), false, true)
	p.observe(at(5300), true, true)
	if p.rate < 8.9 || p.rate > 9.1 {
		t.Errorf("rate after a second admitting 1 with throttles = %.2f, want 9 (halved)", p.rate)
	}
	if d, paced := p.reserve(t0.Add(time.Minute)); d != 0 || paced || p.engaged.Load() {
		t.Errorf("after a minute without throttles or waiting calls: wait %v, paced %v, engaged %v; want the pacer let go", d, paced, p.engaged.Load())
	}
}

// TestIsThrottleAgreesWithRetry: IsThrottle's shortcut decides as aws/retry's
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
	checks := retry.IsErrorThrottles(append([]retry.IsErrorThrottle{tooManyRequests{}}, retry.DefaultThrottles...))
	for _, err := range errs {
		if got, want := IsThrottle(err), checks.IsErrorThrottle(err) == aws.TrueTernary; got != want {
			t.Errorf("IsThrottle(%v) = %v, aws/retry says %v", err, got, want)
		}
	}
}

// TestLongDelayHoldsNoSlot: on a client that learnt the rate (20 a
// second), one call told to come back in 5 s (x-amz-retry-after) holds no
// send slot meanwhile: ten calls of the action that EC2 admits end within
// a second, spaced by the rate alone.
func TestLongDelayHoldsNoSlot(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	throttleOnce := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := throttleOnce
		throttleOnce = false
		mu.Unlock()
		if first {
			w.Header().Set("X-Amz-Retry-After", "5000")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors><RequestID>r</RequestID></Response>`)
			return
		}
		io.WriteString(w, `<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>`)
	}))
	defer srv.Close()
	endpoint, _ := url.Parse(srv.URL)
	e := New(Settings{Service: "EC2", Version: "2016-11-15", Endpoint: endpoint, Region: "us-east-1", HTTPClient: srv.Client(),
		Clock: time.Now, Retryer: NewRetryer(RetrySettings{}), Pace: true, BeyondRetryer: true})
	sleeping := make(chan struct{})
	var once sync.Once
	e.SetSleep(func(ctx context.Context, d time.Duration) error {
		if d >= 5*time.Second {
			once.Do(func() { close(sleeping) })
		}
		return SleepContext(ctx, d)
	})
	p := e.pacing.pacerFor("DetachNetworkInterface", true)
	now := time.Now()
	p.engaged.Store(true)
	p.known, p.rate, p.busy, p.windowStart = true, 20, now, now
	detach := func(ctx context.Context) error {
		return e.Call(ctx, "DetachNetworkInterface", url.Values{"AttachmentId": {"eni-attach-1"}}, nil)
	}
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
		if err != nil {
			t.Errorf("call %d: error = %v, want it admitted", i, err)
		}
	}
	if took > time.Second {
		t.Errorf("ten admitted calls took %v beside one waiting 5 s, want at most 1s", took)
	}
}

// TestBackoffHoldsNoSlot: a hundred calls throttled at once, each told to
// come back in 5 s (x-amz-retry-after), take no send slot meanwhile, so
// that a call ready now waits for no more than one interval of the
// pacer's rate (20 a second), not for a hundred of them.
func TestBackoffHoldsNoSlot(t *testing.T) {
	t.Parallel()
	const crowd = 100
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrived++
		n := arrived
		if n == crowd {
			close(all)
		}
		mu.Unlock()
		if n > crowd {
			io.WriteString(w, `<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>`)
			return
		}
		<-all // every call's first attempt is sent before the first throttle is answered
		w.Header().Set("X-Amz-Retry-After", "5000")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors><RequestID>r</RequestID></Response>`)
	}))
	defer srv.Close()
	e := newPacedEngine(srv)
	backingOff := make(chan struct{}, crowd)
	var other []time.Duration
	e.SetSleep(func(ctx context.Context, d time.Duration) error {
		if d >= 5*time.Second {
			backingOff <- struct{}{}
			<-ctx.Done()
			return ctx.Err()
		}
		mu.Lock()
		other = append(other, d)
		mu.Unlock()
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range crowd {
		wg.Add(1)
		go func() { defer wg.Done(); _ = pacedDetach(ctx, e) }()
	}
	for range crowd {
		<-backingOff
	}
	if err := pacedDetach(context.Background(), e); err != nil {
		t.Errorf("the call ready now: %v", err)
	}
	cancel()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	for _, d := range other {
		if d > 50*time.Millisecond {
			t.Errorf("the call ready now waited %v for its slot beside %d calls backing off, want at most 50ms (waits %v)", d, crowd, other)
		}
	}
}

// TestSettingsSayWhichActionsArePaced: the service's rule of which actions
// are mutating comes in through Settings.Mutating (the engine knows none);
// without one, every action is paced after a throttle.
func TestSettingsSayWhichActionsArePaced(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://example.invalid/")
	e := New(Settings{Endpoint: u, Pace: true, Mutating: func(action string) bool { return action == "StopThing" }})
	if e.pacing.pacerFor("StopThing", true) == nil || e.pacing.pacerFor("DetachNetworkInterface", true) != nil {
		t.Error("the pacer did not follow Settings.Mutating")
	}
	e = New(Settings{Endpoint: u, Pace: true})
	if e.pacing.pacerFor("DescribeThings", true) == nil {
		t.Error("without Settings.Mutating, an action was not paced")
	}
}

// newPacedEngine returns an engine on srv with the client's own retryer
// (pacing, throttles retried beyond MaxAttempts) and u = 0.5.
func newPacedEngine(srv *httptest.Server) *Engine {
	endpoint, _ := url.Parse(srv.URL)
	e := New(Settings{Service: "EC2", Version: "2016-11-15", Endpoint: endpoint, Region: "us-east-1", HTTPClient: srv.Client(),
		Clock: time.Now, Retryer: NewRetryer(RetrySettings{}), Pace: true, BeyondRetryer: true})
	e.SetUniform(func() float64 { return 0.5 })
	return e
}

func pacedDetach(ctx context.Context, e *Engine) error {
	return e.Call(ctx, "DetachNetworkInterface", url.Values{"AttachmentId": {"eni-attach-1"}}, nil)
}

// TestThrottledCrowdOnOneClientIsPaced: a throttled call backs off by a
// random delay while fewer than pacerCrowd calls of its action are
// throttled on its client (one agent's call among many clients'); once
// that many are, the client is a crowd of its own, and its send slots
// space the calls without a backoff.
func TestThrottledCrowdOnOneClientIsPaced(t *testing.T) {
	t.Parallel()
	p := &pacer{rate: pacerStartRate}
	ps := &pacing{uniform: func() float64 { return 0.5 }}
	if got, want := p.throttleDelay(context.Background(), ps, 1), throttleBackoff(1, 0.5); got != want {
		t.Errorf("one call throttled: delay %v, want the backoff %v", got, want)
	}
	p.crowd.Store(pacerCrowd)
	if got := p.throttleDelay(context.Background(), ps, 1); got != 0 {
		t.Errorf("%d calls throttled: delay %v, want 0 (the slots space them)", pacerCrowd, got)
	}
	// Through the engine: a call is counted from its first throttle until
	// it ends.
	var e *Engine
	var requests int
	var during int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests++; requests == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors><RequestID>r</RequestID></Response>`)
			return
		}
		during = e.pacing.pacerFor("DetachNetworkInterface", false).crowd.Load()
		io.WriteString(w, `<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>`)
	}))
	defer srv.Close()
	e = newPacedEngine(srv)
	e.SetSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	if err := pacedDetach(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if after := e.pacing.pacerFor("DetachNetworkInterface", false).crowd.Load(); during != 1 || after != 0 {
		t.Errorf("crowd %d while the throttled call retried, %d after it ended; want 1, 0", during, after)
	}
}
