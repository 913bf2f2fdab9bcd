package query

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

func TestAPIErrorFault(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]smithy.ErrorFault{400: smithy.FaultClient, 412: smithy.FaultClient, 499: smithy.FaultClient, 500: smithy.FaultServer, 503: smithy.FaultServer, 0: smithy.FaultUnknown} {
		if got := (&APIError{Code: "X", StatusCode: status}).ErrorFault(); got != want {
			t.Errorf("status %d: fault %v, want %v", status, got, want)
		}
	}
}

// TestAPIErrorText: the message, status and request ID appear when set,
// in the shape the SDK's errors read.
func TestAPIErrorText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  APIError
		want string
	}{
		{APIError{Code: "C"}, "api error C"},
		{APIError{Code: "C", Message: "m"}, "api error C: m"},
		{APIError{Code: "C", Message: "m", StatusCode: 400}, "api error C: m (status 400)"},
		{APIError{Code: "C", RequestID: "r"}, "api error C (request id r)"},
		{APIError{Code: "C", Message: "m", RequestID: "r", StatusCode: 503}, "api error C: m (status 503, request id r)"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.err, got, tc.want)
		}
	}
	e := &APIError{Code: "C", Message: "m", StatusCode: 409}
	if e.ErrorCode() != "C" || e.ErrorMessage() != "m" || e.HTTPStatusCode() != 409 {
		t.Errorf("accessors: %q %q %d", e.ErrorCode(), e.ErrorMessage(), e.HTTPStatusCode())
	}
}

// TestAPIErrorMatchesByCodeAndCause: errors.Is matches a sentinel *APIError by code alone,
// and a *CauseSentinel by code and the cause's words in the message.
func TestAPIErrorMatchesByCodeAndCause(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("wrapped: %w", &APIError{Code: "OperationNotPermitted", Message: "The network interface at device index 0 cannot be detached.", StatusCode: 400})
	tests := []struct {
		target error
		want   bool
	}{
		{&APIError{Code: "OperationNotPermitted"}, true},
		{&APIError{Code: "OperationNotPermitted", Message: "other", StatusCode: 500}, true},
		{&APIError{Code: "IncorrectState"}, false},
		{&APIError{}, false},
		{&CauseSentinel{Code: "OperationNotPermitted", MessageHas: "cannot be detached"}, true},
		{&CauseSentinel{Code: "OperationNotPermitted", MessageHas: "is not attached"}, false},
		{&CauseSentinel{Code: "IncorrectState", MessageHas: "cannot be detached"}, false},
		{errors.New("OperationNotPermitted"), false},
	}
	for _, tc := range tests {
		if got := errors.Is(err, tc.target); got != tc.want {
			t.Errorf("errors.Is(%v, %v) = %t, want %t", err, tc.target, got, tc.want)
		}
	}
	if errors.Is(&APIError{Message: "no code"}, &APIError{}) {
		t.Error("an error without a code matches a sentinel without one")
	}
	if got := (&CauseSentinel{Code: "C", MessageHas: "words"}).Error(); got != "api error C: ...words..." {
		t.Errorf("CauseSentinel text %q", got)
	}
}

// TestErrorTexts: each error type says what failed and why.
func TestErrorTexts(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	tests := []struct {
		err  error
		want string
	}{
		{&ValidationError{Field: "AttachmentID", Reason: "is empty"}, "enidetach: invalid AttachmentID: is empty"},
		{&ResponseError{StatusCode: 502}, "enidetach: unexpected response (status 502); empty body"},
		{&ResponseError{StatusCode: 200, RequestID: "r", Err: cause, Snippet: "<html>"}, `enidetach: unexpected response (status 200, request id r): cause; body starts "<html>"`},
		{&ResponseError{StatusCode: 200, Err: cause, Snippet: "secret", withheld: true}, "enidetach: unexpected response (status 200): cause; body withheld: it may hold credentials"},
		{&TransportError{Err: cause}, "enidetach: request failed: cause"},
		{&CredentialsError{Err: cause}, "enidetach: retrieve credentials: cause"},
		{&CredentialsError{Provider: "Options.Credentials", Err: cause}, "enidetach: retrieve credentials from Options.Credentials: cause"},
		{NewCredentialsError("instance metadata (IMDSv2)", cause, "environment: not set; instance metadata (IMDSv2)"),
			"enidetach: no credentials found in any source: environment: not set; instance metadata (IMDSv2): cause"},
		{&RetryError{Attempts: 1, Reason: ReasonQuotaExhausted, Err: cause}, "enidetach: gave up after 1 attempt (retry quota exhausted): cause"},
		{&RetryError{Attempts: 3, Reason: ReasonMaxAttempts, Err: cause}, "enidetach: gave up after 3 attempts (max attempts reached): cause"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("%T:\n got %q\nwant %q", tc.err, got, tc.want)
		}
	}
}

// TestErrorChains: each error type unwraps to what caused it, so errors.Is
// and errors.As see through it.
func TestErrorChains(t *testing.T) {
	t.Parallel()
	cause := errors.New("cause")
	for _, err := range []error{
		&ResponseError{StatusCode: 200, Err: cause},
		&TransportError{Err: cause},
		&CredentialsError{Err: cause},
		&RetryError{Attempts: 2, Err: cause},
		&RetryError{Attempts: 2, Err: &APIError{Code: "X"}, cause: cause},
	} {
		if !errors.Is(err, cause) {
			t.Errorf("%T %v: cause not in the chain", err, err)
		}
	}
	re := &RetryError{Attempts: 3, Err: &APIError{Code: "RequestLimitExceeded"}, cause: context.DeadlineExceeded}
	var ae *APIError
	if !errors.As(re, &ae) || !errors.Is(re, context.DeadlineExceeded) {
		t.Errorf("%v: the last attempt's error or the context's is lost", re)
	}
	if (&ResponseError{StatusCode: 429}).HTTPStatusCode() != 429 {
		t.Error("ResponseError.HTTPStatusCode")
	}
}

// TestTransportErrorKinds: CanceledError is the caller's context alone;
// ConnectionError is every failure on the way but a cancellation, a name
// that does not exist, a certificate or TLS failure and a broken
// HTTPClient, and always an attempt that ran out of its own timeout.
func TestTransportErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name               string
		err                *TransportError
		canceled, retrying bool
	}{
		{"refused", &TransportError{Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, false, true},
		{"cut off", &TransportError{Err: io.ErrUnexpectedEOF}, false, true},
		{"caller's context", &TransportError{Err: context.Canceled, callerEnded: true}, true, false},
		{"attempt timeout", &TransportError{Err: context.DeadlineExceeded, attemptTimedOut: true}, false, true},
		// The attempt's own timeout wins over whatever the failure reads as.
		{"attempt timeout in a lookup", &TransportError{Err: &net.DNSError{Err: "no such host", IsNotFound: true}, attemptTimedOut: true}, false, true},
		{"no such host", &TransportError{Err: &net.DNSError{Err: "no such host", IsNotFound: true}}, false, false},
		{"DNS timeout", &TransportError{Err: &net.DNSError{Err: "timeout", IsTimeout: true}}, false, true},
		{"unknown authority", &TransportError{Err: x509.UnknownAuthorityError{}}, false, false},
		{"wrong host", &TransportError{Err: x509.HostnameError{}}, false, false},
		{"invalid certificate", &TransportError{Err: x509.CertificateInvalidError{}}, false, false},
		{"verification", &TransportError{Err: &tls.CertificateVerificationError{}}, false, false},
		{"not TLS", &TransportError{Err: tls.RecordHeaderError{}}, false, false},
		{"alert", &TransportError{Err: tls.AlertError(40)}, false, false},
		{"no response", &TransportError{Err: ErrNoResponse}, false, false},
	}
	for _, tc := range tests {
		if got := tc.err.CanceledError(); got != tc.canceled {
			t.Errorf("%s: CanceledError = %t, want %t", tc.name, got, tc.canceled)
		}
		if got := tc.err.ConnectionError(); got != tc.retrying {
			t.Errorf("%s: ConnectionError = %t, want %t", tc.name, got, tc.retrying)
		}
	}
}

// TestRetryErrorUnwrapsItsCause: what stopped the retries is in the chain
// beside the last attempt's error (a *retry.MaxAttemptsError when attempts
// ran out).
func TestRetryErrorUnwrapsItsCause(t *testing.T) {
	t.Parallel()
	last := &APIError{Code: "InternalError", StatusCode: 500}
	re := &RetryError{Attempts: 3, Reason: ReasonMaxAttempts, Err: last, cause: &retry.MaxAttemptsError{Attempt: 3, Err: last}}
	var mae *retry.MaxAttemptsError
	if !errors.As(re, &mae) || mae.Attempt != 3 {
		t.Errorf("%v: no *retry.MaxAttemptsError in the chain", re)
	}
	if got := (&RetryError{Err: last}).Unwrap(); len(got) != 1 || got[0] != last {
		t.Errorf("Unwrap without a cause = %v", got)
	}
	if ErrEmptyCredentials != errEmptyCredentials {
		t.Error("ErrEmptyCredentials is not the error the engine returns")
	}
}
