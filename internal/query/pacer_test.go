package query

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// TestPacerLearnsTheRate drives a pacer on a fake clock: engaged by a
// throttle at 20 a second, slots spaced by the rate, the rate set from the
// answers to paced attempts only (what was admitted in a second with
// throttles, at most halving it; raised by half after a second without
// throttles while calls waited), and let go after pacerIdle without
// waiting calls.
func TestPacerLearnsTheRate(t *testing.T) {
	t.Parallel()
	t0 := fixedTime
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
		t.Errorf("slots %v, want %v (20 a second)", slots, want)
	}
	if d, _ := p.reserve(t0, time.Second); d != time.Second {
		t.Errorf("a backoff past the next slot: wait %v, want the backoff, 1s", d)
	}
	// The unpaced burst's throttles, a second later, say nothing of the rate.
	for i := range 50 {
		p.observe(t0.Add(time.Second+time.Duration(i)*time.Millisecond), true, false)
	}
	if p.rate != pacerStartRate {
		t.Errorf("rate after unpaced throttles = %.2f, want %.0f unchanged", p.rate, pacerStartRate)
	}
	// A second of paced answers: 12 admitted and a throttle: 12/s.
	for i := range 12 {
		p.observe(t0.Add(time.Duration(i)*50*time.Millisecond), false, true)
	}
	p.observe(t0.Add(time.Second), true, true)
	if p.rate < 11.9 || p.rate > 12.1 {
		t.Errorf("rate after a second admitting 12 with throttles = %.2f, want 12", p.rate)
	}
	// A second without throttles while calls waited: raised by half.
	p.reserve(t0.Add(time.Second), 0)
	p.reserve(t0.Add(time.Second), 0)
	p.observe(t0.Add(2*time.Second+time.Millisecond), false, true)
	if p.rate < 17.9 || p.rate > 18.1 {
		t.Errorf("rate after a second without throttles while calls waited = %.2f, want 18", p.rate)
	}
	// A second that admitted one with throttles: halved, not cut to 1.
	p.observe(t0.Add(2500*time.Millisecond), false, true)
	p.observe(t0.Add(3*time.Second+2*time.Millisecond), true, true)
	if p.rate < 8.9 || p.rate > 9.1 {
		t.Errorf("rate after a second admitting 1 with throttles = %.2f, want 9 (halved)", p.rate)
	}
	if d, paced := p.reserve(t0.Add(time.Minute), 0); d != 0 || paced || p.engaged.Load() {
		t.Errorf("after a minute without waiting calls: wait %v, paced %v, engaged %v; want the pacer let go", d, paced, p.engaged.Load())
	}
	if mutating("DescribeNetworkInterfaces") || !mutating("DetachNetworkInterface") || !mutating("AttachNetworkInterface") {
		t.Error("mutating: Describe* must not be, Detach/Attach must be")
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
