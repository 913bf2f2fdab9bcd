package query

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/aws/smithy-go"
)

// APIError is an error answer from the service: an XML error document with
// a code. It implements smithy.APIError, so code written for the AWS SDK
// (errors.As(err, &smithyAPIError)) works unchanged.
type APIError struct {
	// Code is the service's error code, such as "InvalidAttachmentID.NotFound".
	Code string
	// Message is the service's human-readable message.
	Message string
	// RequestID identifies the request for AWS support.
	RequestID string
	// StatusCode is the HTTP status of the response.
	StatusCode int
}

// CauseSentinel is the sentinel of one cause of a code a service shares
// between causes: an *APIError matches it when it has the code and its
// message has the cause's words.
type CauseSentinel struct {
	Code, MessageHas string
}

// Error names the code and the cause.
func (s *CauseSentinel) Error() string {
	return "api error " + s.Code + ": ..." + s.MessageHas + "..."
}

var _ smithy.APIError = (*APIError)(nil)

// Error formats the error as "api error Code: Message (status N, request id R)".
func (e *APIError) Error() string {
	// One allocation: the SDK's retryables format the error while they
	// classify it, so this is on the error path of every call.
	var b strings.Builder
	b.Grow(len("api error : (status 000, request id )") + len(e.Code) + len(e.Message) + len(e.RequestID) + 8)
	b.WriteString("api error ")
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.StatusCode != 0 || e.RequestID != "" {
		b.WriteString(" (")
		if e.StatusCode != 0 {
			var num [20]byte
			b.WriteString("status ")
			b.Write(strconv.AppendInt(num[:0], int64(e.StatusCode), 10))
		}
		if e.RequestID != "" {
			if e.StatusCode != 0 {
				b.WriteString(", ")
			}
			b.WriteString("request id ")
			b.WriteString(e.RequestID)
		}
		b.WriteString(")")
	}
	return b.String()
}

// ErrorCode returns the service's error code.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage returns the service's error message.
func (e *APIError) ErrorMessage() string { return e.Message }

// ErrorFault reports whether the caller (4xx) or the service (5xx) is at fault.
func (e *APIError) ErrorFault() smithy.ErrorFault {
	switch {
	case e.StatusCode >= 500:
		return smithy.FaultServer
	case e.StatusCode >= 400:
		return smithy.FaultClient
	default:
		return smithy.FaultUnknown
	}
}

// HTTPStatusCode returns the HTTP status, through which the SDK's
// retryables (aws/retry) classify the error.
func (e *APIError) HTTPStatusCode() int { return e.StatusCode }

// Is reports whether target is an *APIError with the same code, so that
// errors.Is(err, ErrDryRunOperation) matches any DryRunOperation answer.
// A *CauseSentinel, for a code shared between causes, also needs its
// cause's words in the message.
func (e *APIError) Is(target error) bool {
	switch t := target.(type) {
	case *APIError:
		return t.Code != "" && t.Code == e.Code
	case *CauseSentinel:
		return t.Code == e.Code && strings.Contains(e.Message, t.MessageHas)
	}
	return false
}

// ValidationError reports input or options that were refused before any
// request was sent.
type ValidationError struct {
	// Field names what was refused, such as "AttachmentID" or "Options.Region".
	Field string
	// Reason says why.
	Reason string
}

// Error says what was refused and why.
func (e *ValidationError) Error() string {
	return "enidetach: invalid " + e.Field + ": " + e.Reason
}

// ResponseError reports a response that could not be understood: an error
// status without the service's error document (an HTML page from a proxy, an empty
// or truncated body) or a success body that is not the expected XML.
type ResponseError struct {
	// StatusCode is the HTTP status of the response.
	StatusCode int
	// RequestID identifies the request: from the x-amzn-requestid header,
	// or the body's requestId where a decoded body gave one.
	RequestID string
	// Snippet is the start of the body, at most 256 bytes, for diagnosis.
	// It is empty when the body came from a credentials source (STS): such
	// a body may hold credentials, and is never shown.
	Snippet string
	// Err is the decoding failure, if any.
	Err error

	withheld bool // the body may hold credentials: neither it nor the decoder's message is shown
}

// Error gives the status, the request ID, the decoding failure and the
// start of the body.
func (e *ResponseError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "enidetach: unexpected response (status %d", e.StatusCode)
	if e.RequestID != "" {
		b.WriteString(", request id ")
		b.WriteString(e.RequestID)
	}
	b.WriteString(")")
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	switch {
	case e.withheld:
		b.WriteString("; body withheld: it may hold credentials")
	case e.Snippet != "":
		fmt.Fprintf(&b, "; body starts %q", e.Snippet)
	default:
		b.WriteString("; empty body")
	}
	return b.String()
}

// Unwrap returns the decoding failure.
func (e *ResponseError) Unwrap() error { return e.Err }

// HTTPStatusCode returns the HTTP status, through which the SDK's
// retryables classify the error: a 5xx or 429 page from a proxy is retried.
func (e *ResponseError) HTTPStatusCode() int { return e.StatusCode }

// TransportError reports that no response was received: a connection that
// could not be made or was dropped, a timeout, a cancelled context. The
// context's error, if it ended, is in the chain (errors.Is(err,
// context.DeadlineExceeded)).
type TransportError struct {
	// Err is the underlying failure from the HTTP client.
	Err error

	attemptTimedOut   bool  // Options.AttemptTimeout ended the attempt, not the caller's context
	callerEnded       bool  // the caller's context had ended when the attempt failed
	redactedRetryable *bool // ConnectionError of Err before a secret it quoted was redacted (echoes.go)
}

// Error describes the failure.
func (e *TransportError) Error() string { return "enidetach: request failed: " + e.Err.Error() }

// Unwrap returns the underlying failure.
func (e *TransportError) Unwrap() error { return e.Err }

// CanceledError reports whether the caller's context ended the request;
// the SDK's retryables (aws/retry.NoRetryCanceledError) never retry it. It
// is decided by the caller's context, as the SDK's HTTP client decides it:
// a dial, response-header or http.Client timeout is not a cancellation, and
// is retried.
func (e *TransportError) CanceledError() bool { return e.callerEnded }

// ConnectionError reports whether the request failed on the way, so that a
// new attempt may succeed: the SDK's retryables
// (aws/retry.RetryableConnectionError) retry it, as they retry every send
// error of the SDK's own clients. An attempt that ran out of
// Options.AttemptTimeout is one. A cancelled context, a name that does not
// exist, a certificate or TLS failure and a broken HTTPClient are not.
func (e *TransportError) ConnectionError() bool {
	if e.attemptTimedOut {
		return true
	}
	if e.redactedRetryable != nil {
		return *e.redactedRetryable
	}
	var (
		dnsErr   *net.DNSError
		certErr  *tls.CertificateVerificationError
		authErr  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
	)
	switch {
	case e.CanceledError(), errors.Is(e.Err, ErrNoResponse):
		return false
	case errors.As(e.Err, &dnsErr) && dnsErr.IsNotFound:
		return false
	case errors.As(e.Err, &certErr), errors.As(e.Err, &authErr), errors.As(e.Err, &hostErr),
		errors.As(e.Err, &invalid), errors.As(e.Err, &recErr), errors.As(e.Err, &alertErr):
		return false
	}
	return true
}

// CredentialsError reports that credentials could not be retrieved.
type CredentialsError struct {
	// Provider names the source that failed as the chain resolved it, such
	// as `shared profile "ops": credential_process`, "container credentials
	// (AWS_CONTAINER_CREDENTIALS_FULL_URI)", "instance metadata (IMDSv2)"
	// (also when no source of the default chain had credentials: the
	// instance role is its last) or "Options.Credentials".
	Provider string
	// Err is the provider's failure.
	Err error

	// tried, when the default chain ended without credentials, lists every
	// source it tried and why each gave nothing, ending with the label of
	// the last (Provider), whose failure is Err.
	tried string
}

// Error names the source and its failure; it never holds a secret. When no
// source of the default chain had credentials, it says so first, then
// each source tried.
func (e *CredentialsError) Error() string {
	if e.tried != "" {
		return "enidetach: no credentials found in any source: " + e.tried + ": " + e.Err.Error()
	}
	if e.Provider == "" {
		return "enidetach: retrieve credentials: " + e.Err.Error()
	}
	return "enidetach: retrieve credentials from " + e.Provider + ": " + e.Err.Error()
}

// Unwrap returns the provider's failure.
func (e *CredentialsError) Unwrap() error { return e.Err }

// RetryError reports that retrying stopped: retries ran out, the retry
// quota was empty (reported even after a single attempt), the context ended
// during a backoff, or a retry met an error that is not retried. It wraps the last
// attempt's error, so errors.As still finds an *APIError in it, and the
// context's error when that is what stopped it.
type RetryError struct {
	// Attempts is how many requests were sent.
	Attempts int
	// Reason says why retrying stopped: "max attempts reached", "retry quota
	// exhausted" (the client-wide retry token bucket is empty because many
	// calls are failing), "context ended" or "error not retryable".
	Reason string
	// Err is the last attempt's error.
	Err error

	// cause is what stopped the retries, when it is not Err itself: a
	// *retry.MaxAttemptsError when attempts ran out, the retry quota's
	// error (a ratelimit.QuotaExceededError) when it was empty, the
	// context's error when it ended.
	cause error
}

// Error gives the attempt count, the reason and the last error.
func (e *RetryError) Error() string {
	plural := "s"
	if e.Attempts == 1 {
		plural = ""
	}
	return fmt.Sprintf("enidetach: gave up after %d attempt%s (%s): %v", e.Attempts, plural, e.Reason, e.Err)
}

// Unwrap returns the last attempt's error and, when the context stopped the
// retries, the context's error.
func (e *RetryError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.Err, e.cause}
	}
	return []error{e.Err}
}

// errEmptyCredentials is the failure of a provider that answered without an
// access key ID or secret: a request signed with nothing would only be
// refused, as AuthFailure, far from the cause.
var errEmptyCredentials = errors.New("the provider returned an empty access key ID or secret access key")

// ErrNoResponse is the failure of an HTTPClient whose Do returned neither a
// response nor an error.
var ErrNoResponse = errors.New("HTTPClient.Do returned neither a response nor an error")

// Reasons a RetryError gives for stopping.
const (
	ReasonMaxAttempts    = "max attempts reached"
	ReasonQuotaExhausted = "retry quota exhausted"
	ReasonContextEnded   = "context ended"
	ReasonNotRetryable   = "error not retryable"
)

// NewCredentialsError returns the error of a credential chain that ended
// without credentials: tried lists every source it tried and why each gave
// nothing, ending with provider, whose failure is err.
func NewCredentialsError(provider string, err error, tried string) *CredentialsError {
	return &CredentialsError{Provider: provider, Err: err, tried: tried}
}

// ErrEmptyCredentials is the failure of a provider that answered without an
// access key ID or secret: a request signed with nothing would only be
// refused, as AuthFailure, far from the cause.
var ErrEmptyCredentials = errEmptyCredentials
