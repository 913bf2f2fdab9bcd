package query

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// TestRetryAfterClamp checks the x-amz-retry-after header against the
// SDK's rule: between the backoff and the backoff plus 5 s; anything that
// is not a number of milliseconds is ignored.
func TestRetryAfterClamp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 50 * time.Millisecond},
		{"bogus", 50 * time.Millisecond},
		{"-5", 50 * time.Millisecond},
		{"10", 50 * time.Millisecond},
		{"1500", 1500 * time.Millisecond},
		{"60000", 5050 * time.Millisecond},
		{"99999999999999999999", 50 * time.Millisecond},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.header != "" {
			h.Set("X-Amz-Retry-After", tc.header)
		}
		if got := honourRetryAfter(50*time.Millisecond, h); got != tc.want {
			t.Errorf("x-amz-retry-after %q: %v, want %v", tc.header, got, tc.want)
		}
	}
}

// TestOurErrorsUnderSDKRetryables classifies this package's error types
// with the SDK's own default retryables, as a retryer given by the caller
// would see them.
func TestOurErrorsUnderSDKRetryables(t *testing.T) {
	t.Parallel()
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"throttling code", &APIError{Code: "RequestLimitExceeded", StatusCode: 503}, true},
		{"EC2ThrottledException", &APIError{Code: "EC2ThrottledException", StatusCode: 400}, true},
		{"transient code", &APIError{Code: "RequestTimeout", StatusCode: 400}, true},
		{"500", &APIError{Code: "InternalError", StatusCode: 500}, true},
		{"client error", &APIError{Code: "InvalidParameterValue", StatusCode: 400}, false},
		{"proxy 502", &ResponseError{StatusCode: 502}, true},
		{"proxy 429", &ResponseError{StatusCode: 429}, true},
		{"undecodable 200", &ResponseError{StatusCode: 200}, false},
		{"refused connection", &TransportError{Err: dial}, true},
		{"unexpected EOF", &TransportError{Err: io.ErrUnexpectedEOF}, true},
		{"attempt timeout", &TransportError{Err: context.DeadlineExceeded, attemptTimedOut: true}, true},
		{"caller's deadline", &TransportError{Err: context.DeadlineExceeded, callerEnded: true}, false},
		{"cancelled", &TransportError{Err: fmt.Errorf("Post: %w", context.Canceled), callerEnded: true}, false},
		{"response header timeout", &TransportError{Err: &url.Error{Op: "Post", Err: errors.New("net/http: timeout awaiting response headers")}}, true},
		{"http.Client timeout", &TransportError{Err: &url.Error{Op: "Post", Err: fmt.Errorf("Client.Timeout exceeded: %w", context.DeadlineExceeded)}}, true},
		{"unknown host", &TransportError{Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false},
		{"bad certificate", &TransportError{Err: x509.UnknownAuthorityError{}}, false},
		{"nil response", &TransportError{Err: ErrNoResponse}, false},
		{"validation", &ValidationError{Field: "AttachmentID"}, false},
		{"credentials", &CredentialsError{Err: errors.New("x")}, false},
	}
	r := retry.NewStandard()
	for _, tc := range tests {
		if got := r.IsErrorRetryable(tc.err); got != tc.want {
			t.Errorf("%s: retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
	// A 429 with a code that is not a throttling code: the SDK's EC2 client
	// retries it as throttling (its errors are unmodeled), and so do the
	// retryers this client builds, in both modes.
	tooMany := &APIError{Code: "SomethingElse", StatusCode: http.StatusTooManyRequests}
	for _, mode := range []aws.RetryMode{aws.RetryModeStandard, aws.RetryModeAdaptive} {
		if !NewRetryer(RetrySettings{Mode: mode}).IsErrorRetryable(tooMany) {
			t.Errorf("%s: a 429 APIError is not retried", mode)
		}
	}
}
