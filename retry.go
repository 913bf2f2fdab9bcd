package enidetach

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// The retry policy is the SDK's own aws/retry package. This file holds the
// glue: the loop that drives the retryer (Client.send), which retryer a
// client gets, and what the SDK's other middleware add around it.

// send runs the retry loop for one action whose form body is built. It
// drives the retryer as the SDK's retry middleware does: an attempt token
// before each attempt (adaptive mode waits there), IsErrorRetryable, a
// retry token from the client-wide quota, RetryDelay, and the tokens
// released with each attempt's outcome. Around it, it adds what the SDK's
// other middleware do: the x-amz-retry-after clamp, one re-sign at the
// server's time after a clock-skew error, one credentials refresh after an
// expired-token error.
func (c *Client) send(ctx context.Context, action string, body []byte, out any) (responseMeta, error) {
	hash := payloadHash(body)
	maxAttempts := c.retryer.MaxAttempts()
	releaseRetry := nopRelease
	skewCorrected, credsRefreshed := false, false
	var last error
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			// Short-circuit as the SDK does, before a token is taken.
			if last == nil {
				return responseMeta{}, &TransportError{Err: err}
			}
			return responseMeta{}, &RetryError{Attempts: attempt - 1, Reason: reasonContextEnded, Err: last, cause: err}
		}
		releaseAttempt, err := c.retryer.GetAttemptToken(ctx)
		if err != nil {
			// Adaptive mode waits here for its client-side rate limit; the
			// wait ended with the context.
			if last == nil {
				return responseMeta{}, &TransportError{Err: fmt.Errorf("wait for the client-side rate limit: %w", err)}
			}
			return responseMeta{}, &RetryError{Attempts: attempt - 1, Reason: reasonContextEnded, Err: last, cause: err}
		}
		res, err := c.attempt(ctx, action, body, hash, out)
		_ = releaseRetry(err)
		_ = releaseAttempt(err)
		releaseRetry = nopRelease
		if err == nil {
			return res.meta, nil
		}
		last = err
		// stop ends the call: the bare error after a single attempt,
		// else a *RetryError saying why, with cause in its chain.
		stop := func(reason string, cause error) (responseMeta, error) {
			if attempt == 1 && cause == nil {
				return res.meta, last
			}
			return res.meta, &RetryError{Attempts: attempt, Reason: reason, Err: last, cause: cause}
		}
		if ctx.Err() != nil {
			return stop(reasonContextEnded, ctx.Err())
		}
		exhausted := maxAttempts > 0 && attempt >= maxAttempts

		// attempt returns its own error types unwrapped: a type assertion
		// finds the service's answer without errors.As's allocation.
		if ae, ok := err.(*APIError); ok && !exhausted {
			// A request signed at a wrong clock: once per call, sign again at
			// the server's time, at once, without spending retry tokens.
			if skewCode(ae.Code) && !skewCorrected && c.signer.correctSkew(res.header, res.signedOffset) {
				skewCorrected = true
				c.log(ctx, "enidetach: clock skew corrected, retrying", slog.String("code", ae.Code))
				continue
			}
			// Expired temporary credentials: once per call, fetch new ones.
			if !credsRefreshed && c.creds != nil && (ae.Code == "ExpiredToken" || ae.Code == "ExpiredTokenException" ||
				(ae.Code == "RequestExpired" && res.creds.SessionToken != "")) {
				credsRefreshed = true
				c.expireCredentials(ctx, res.creds)
				c.log(ctx, "enidetach: credentials expired, refreshing", slog.String("code", ae.Code))
				continue
			}
		}

		if !c.retryer.IsErrorRetryable(err) {
			return stop(reasonNotRetryable, nil)
		}
		if exhausted {
			return stop(reasonMaxAttempts, &retry.MaxAttemptsError{Attempt: attempt, Err: err})
		}
		if releaseRetry, err = c.retryer.GetRetryToken(ctx, err); err != nil {
			// Said even after one attempt: the caller should know that the
			// client stopped retrying because many calls are failing.
			return res.meta, &RetryError{Attempts: attempt, Reason: reasonQuotaExhausted, Err: last, cause: err}
		}
		delay, err := c.retryer.RetryDelay(attempt, last)
		if err != nil {
			return res.meta, &RetryError{Attempts: attempt, Reason: reasonNotRetryable, Err: last, cause: err}
		}
		delay = honourRetryAfter(delay, res.header)
		c.log(ctx, "enidetach: retrying", slog.Int("attempt", attempt), slog.Duration("backoff", delay), slog.String("error", last.Error()))
		if err := c.sleep(ctx, delay); err != nil {
			return stop(reasonContextEnded, err)
		}
	}
}

func nopRelease(error) error { return nil }

// expireCredentials drops the cached credentials after a request signed
// with used was refused as expired, unless the cache already holds others:
// when many calls in flight meet one expiry, the first drops them, and the
// rest find the fresh ones and use them. Retrieving while holding the lock
// makes the others wait for that one refresh instead of starting their own.
func (c *Client) expireCredentials(ctx context.Context, used aws.Credentials) {
	c.refreshMu.Lock()
	defer c.refreshMu.Unlock()
	cur, err := c.creds.Retrieve(ctx)
	if err != nil || (cur.AccessKeyID == used.AccessKeyID && cur.SecretAccessKey == used.SecretAccessKey && cur.SessionToken == used.SessionToken) {
		c.creds.Invalidate()
	}
}

// retryAfterSlack bounds how far x-amz-retry-after may lengthen a backoff.
const retryAfterSlack = 5 * time.Second

// newRetryer returns opts.Retryer, with opts.MaxAttempts applied over it
// when set (as ec2.Options.RetryMaxAttempts is), or else the SDK's standard
// or adaptive retryer built from opts, as the SDK's clients build it.
func newRetryer(opts Options) aws.RetryerV2 {
	if opts.Retryer != nil {
		if opts.MaxAttempts != 0 {
			return retry.AddWithMaxAttempts(opts.Retryer, opts.MaxAttempts).(aws.RetryerV2)
		}
		return opts.Retryer
	}
	standard := func(o *retry.StandardOptions) {
		if opts.MaxAttempts != 0 {
			o.MaxAttempts = opts.MaxAttempts
		}
		if opts.MaxBackoff != 0 {
			o.MaxBackoff = opts.MaxBackoff
		}
	}
	if opts.RetryMode == aws.RetryModeAdaptive {
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, standard)
		})
	}
	return retry.NewStandard(standard)
}

// retryerV2 adapts an aws.Retryer that lacks GetAttemptToken, as the SDK's
// retry middleware adapts it.
type retryerV2 struct{ aws.Retryer }

// GetAttemptToken returns the retryer's initial token.
func (r retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return r.GetInitialToken(), nil
}

// asRetryerV2 returns r as an aws.RetryerV2.
func asRetryerV2(r aws.Retryer) aws.RetryerV2 {
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

// defaultJitter returns a uniform random number in [0,1).
func defaultJitter() float64 { return rand.Float64() }

// sleepContext waits for d or until ctx ends, whichever is first.
func sleepContext(ctx context.Context, d time.Duration) error {
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
