package query

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/ec2lite/enidetach/internal/redact"
)

// The retry policy is the SDK's own aws/retry package, driven by
// Engine.Send (send.go). This file holds the glue: which retryer an engine
// gets, and what the SDK's other middleware add around it.

// expireCredentials drops the cached credentials after a request signed
// with used was refused as expired, unless they were dropped already: when
// many calls in flight meet one expiry, the first drops them and the rest,
// finding the same credentials already dropped, use the fresh ones the
// cache fetches once. Only a digest of the dropped credentials is kept
// (redact.Digest): the refused keys are never held by the engine. Nothing
// is fetched here, so the lock is never held across network I/O or beyond
// any caller's deadline.
func (e *Engine) expireCredentials(used aws.Credentials) {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	d := redact.DigestOf(used)
	if e.expired == d {
		return
	}
	e.expired = d
	e.creds.Invalidate()
}

// retryAfterSlack bounds how far x-amz-retry-after may lengthen a backoff.
const retryAfterSlack = 5 * time.Second

// RetrySettings choose an engine's retryer.
type RetrySettings struct {
	Retryer     aws.RetryerV2 // the caller's own; nil for the SDK's standard or adaptive one
	Mode        aws.RetryMode
	MaxAttempts int // 0: the retryer's own
	MaxBackoff  time.Duration
}

// NewRetryer returns rs.Retryer, with rs.MaxAttempts applied over it when
// set (as ec2.Options.RetryMaxAttempts is), or else the SDK's standard or
// adaptive retryer built from rs, as the SDK's clients build it.
func NewRetryer(rs RetrySettings) aws.RetryerV2 {
	if rs.Retryer != nil {
		if rs.MaxAttempts != 0 {
			return retry.AddWithMaxAttempts(rs.Retryer, rs.MaxAttempts).(aws.RetryerV2)
		}
		return rs.Retryer
	}
	standard := func(o *retry.StandardOptions) {
		if rs.MaxAttempts != 0 {
			o.MaxAttempts = rs.MaxAttempts
		}
		if rs.MaxBackoff != 0 {
			o.MaxBackoff = rs.MaxBackoff
		}
		o.Retryables = append(o.Retryables, tooManyRequests{})
		o.Throttles = append(o.Throttles, tooManyRequests{})
	}
	if rs.Mode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, standard)
			o.Throttles = append(o.Throttles, tooManyRequests{})
		})
	}
	return retry.NewStandard(standard)
}

// tooManyRequests makes an HTTP 429 answer a retried throttling error
// whatever its code, as the SDK's EC2 client treats it: the SDK retries a
// 429 whose error is not a modeled type, and every EC2 error is unmodeled
// there, while an *APIError counts as modeled to its check. It comes after
// the SDK's own checks, so it decides only what they leave unknown.
type tooManyRequests struct{}

// IsErrorRetryable implements retry.IsErrorRetryable.
func (tooManyRequests) IsErrorRetryable(err error) aws.Ternary { return is429(err) }

// IsErrorThrottle implements retry.IsErrorThrottle.
func (tooManyRequests) IsErrorThrottle(err error) aws.Ternary { return is429(err) }

// IsThrottle reports whether err, as attempt returns it, is a throttling
// answer: an *APIError with one of aws/retry's throttle codes
// (retry.DefaultThrottleErrorCodes, which retry.DefaultThrottles checks,
// RequestLimitExceeded among them) or an HTTP 429. Only an *APIError
// carries a code, and attempt returns it unwrapped, so a type assertion
// does here what aws/retry's errors.As does, without its allocation on
// every failed attempt.
func IsThrottle(err error) bool {
	ae, ok := err.(*APIError)
	if !ok {
		return false
	}
	_, throttle := retry.DefaultThrottleErrorCodes[ae.Code]
	return throttle || ae.StatusCode == http.StatusTooManyRequests
}

func is429(err error) aws.Ternary {
	if ae, ok := err.(*APIError); ok && ae.StatusCode == http.StatusTooManyRequests {
		return aws.TrueTernary
	}
	return aws.UnknownTernary
}

// retryerV2 adapts an aws.Retryer that lacks GetAttemptToken, as the SDK's
// retry middleware adapts it.
type retryerV2 struct{ aws.Retryer }

// GetAttemptToken returns the retryer's initial token.
func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// AsRetryerV2 returns r as an aws.RetryerV2.
func AsRetryerV2(r aws.Retryer) aws.RetryerV2 {
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV2{r}
}

// honourRetryAfter applies an x-amz-retry-after header (milliseconds) to
// the retryer's delay d, between d and d plus 5 s, as the SDK's retry
// middleware does.
func honourRetryAfter(d time.Duration, h http.Header) time.Duration {
	v := h.Get("X-Amz-Retry-After")
	if v == "" {
		return d
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil || ms < 0 || ms > int64(time.Hour/time.Millisecond) {
		return d
	}
	return min(max(time.Duration(ms)*time.Millisecond, d), d+retryAfterSlack)
}

// skewCode reports whether an error code can be the answer to a request
// signed at the wrong time.
func skewCode(code string) bool {
	switch code {
	case "RequestTimeTooSkewed", "RequestExpired", "SignatureDoesNotMatch", "AuthFailure",
		"InvalidSignatureException":
		return true
	}
	return false
}

// SleepContext waits for d or until ctx ends, whichever is first.
func SleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
