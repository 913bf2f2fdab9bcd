package enidetach

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// The SDK's standard retry mode (retry behaviour 2.1).
const (
	defaultMaxAttempts   = 3
	defaultMaxBackoff    = 20 * time.Second
	baseBackoff          = 50 * time.Millisecond
	throttleBaseBackoff  = time.Second
	retryAfterSlack      = 5 * time.Second
	retryQuotaSize       = 500
	retryCost            = 14
	throttlingRetryCost  = 5
	noRetrySuccessRefund = 1
)

// retryableStatus reports whether an HTTP status is retried whatever the
// body says.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable,
		http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	}
	return false
}

// throttlingCode reports whether an error code means "slow down"; such
// errors are retried with the longer throttling backoff and cost fewer retry
// tokens.
func throttlingCode(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException",
		"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
		"LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException":
		return true
	}
	return false
}

// transientCode reports whether an error code is retried like a 5xx
// whatever its status.
func transientCode(code string) bool {
	return code == "RequestTimeout" || code == "RequestTimeoutException"
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

// errorClass is how the retry policy sees an attempt's error.
type errorClass int

const (
	classFinal     errorClass = iota // not retried
	classTransient                   // retried with the normal backoff
	classThrottle                    // retried with the throttling backoff
)

// classify decides whether err, the result of one attempt, is worth
// retrying. A context that has ended is never retried.
func classify(ctx context.Context, err error) errorClass {
	if ctx.Err() != nil {
		return classFinal
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case throttlingCode(ae.Code) || ae.StatusCode == http.StatusTooManyRequests:
			return classThrottle
		case transientCode(ae.Code) || retryableStatus(ae.StatusCode):
			return classTransient
		}
		return classFinal
	}
	var re *ResponseError
	if errors.As(err, &re) {
		if re.StatusCode == http.StatusTooManyRequests {
			return classThrottle
		}
		if retryableStatus(re.StatusCode) {
			return classTransient
		}
		return classFinal
	}
	var te *TransportError
	if errors.As(err, &te) && (te.attemptTimedOut || connectionError(te.Err)) {
		return classTransient
	}
	return classFinal
}

// connectionError reports whether err is a network failure that a new
// attempt may not meet: a refused, reset or dropped connection, a timeout, a
// temporary DNS failure. A name that does not exist is not retried, nor is a
// TLS or certificate failure.
func connectionError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return !dnsErr.IsNotFound && (dnsErr.IsTemporary || dnsErr.IsTimeout)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return true
	}
	var timeout interface{ Timeout() bool }
	if errors.As(err, &timeout) && timeout.Timeout() {
		return true
	}
	// The HTTP/1 transport reports a connection closed under it in words only.
	msg := err.Error()
	return strings.Contains(msg, "connection reset") || strings.Contains(msg, "use of closed network connection") ||
		strings.Contains(msg, "server closed idle connection")
}

// retryQuota is the client-wide retry token bucket. When many calls fail at
// once, retries drain it and further failures are returned at once instead
// of multiplying the load on a struggling service. It is lock-free: every
// successful call refunds it, so it sits on the hot path.
type retryQuota struct {
	tokens atomic.Int64
}

func newRetryQuota() *retryQuota {
	q := &retryQuota{}
	q.tokens.Store(retryQuotaSize)
	return q
}

// acquire takes cost tokens, or reports false when there are not enough.
func (q *retryQuota) acquire(cost int) bool {
	for {
		t := q.tokens.Load()
		if t < int64(cost) {
			return false
		}
		if q.tokens.CompareAndSwap(t, t-int64(cost)) {
			return true
		}
	}
}

// release returns n tokens, never above the bucket's size.
func (q *retryQuota) release(n int) {
	for {
		t := q.tokens.Load()
		if t >= retryQuotaSize {
			return // the common case: a full bucket, nothing to write
		}
		if q.tokens.CompareAndSwap(t, min(t+int64(n), retryQuotaSize)) {
			return
		}
	}
}

// backoff returns the full-jitter delay before retry number n (1 for the
// first retry): rand[0,1) * min(base * 2^(n-1), maxBackoff), where base is
// 1 s after throttling and 50 ms otherwise. An x-amz-retry-after header (in
// milliseconds) is honoured between that delay and 5 s more.
func backoff(n int, class errorClass, maxBackoff time.Duration, jitter float64, h http.Header) time.Duration {
	base := baseBackoff
	if class == classThrottle {
		base = throttleBaseBackoff
	}
	ceiling := maxBackoff
	if n-1 < 32 { // beyond that base<<(n-1) overflows and the cap applies anyway
		ceiling = min(base<<(n-1), maxBackoff)
	}
	d := time.Duration(jitter * float64(ceiling))
	if h != nil {
		if v := h.Get("X-Amz-Retry-After"); v != "" {
			if ms, err := strconv.ParseInt(v, 10, 64); err == nil && ms >= 0 && ms < int64(time.Hour/time.Millisecond) {
				d = min(max(time.Duration(ms)*time.Millisecond, d), d+retryAfterSlack)
			}
		}
	}
	return d
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
