// Package query is the Query-protocol engine beneath enidetach: it builds a
// form request, signs it with SigV4 at the client's clock, sends it with
// the SDK's retry policy (plus pacing, clock-skew re-signing and expired
// credentials refresh), reads the answer within a bound, decodes it and
// turns failures into typed errors, with everything taken from an answer
// redacted of what the request sent. It serves any Query service (EC2,
// STS) and knows none of their actions: an operation hands in its body,
// its result and, if it has one, its fast decoder.
//
// The path of one call: Engine.Call (call.go) checks the action and builds
// the body; Send runs the attempts the retryer allows (send.go); attempt
// signs one request, sends it, reads, redacts and decodes the answer
// (attempt.go; response.go bounds the body, xml.go decodes it).
package query

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/internal/redact"
)

// HTTPClient sends HTTP requests, as *http.Client does.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Settings configure an Engine; New copies them.
type Settings struct {
	Service     string // the SDK's service ID, named in errors ("EC2", "STS"); lower-cased, the signing name
	Version     string // the API version sent when a call's params set none
	Endpoint    *url.URL
	Region      string // the signing region
	HTTPClient  HTTPClient
	Transport   *http.Transport // HTTPClient's transport, called directly; nil for a caller's HTTPClient
	Clock       func() time.Time
	Credentials aws.CredentialsProvider // nil or anonymous: requests are not signed
	// CredentialsSource names Credentials in errors.
	CredentialsSource string
	Retryer           aws.RetryerV2
	// Pace paces the service's mutating actions after a throttle
	// (pacer.go); BeyondRetryer also retries their throttled attempts
	// beyond the retryer's MaxAttempts and quota (the client's own
	// retryer only).
	Pace, BeyondRetryer bool
	// Mutating says which actions the service counts as mutating, the
	// ones paced; nil: every action.
	Mutating func(action string) bool
	// MaxBackoff, if set, also caps a throttled call's backoff (pacer.go).
	MaxBackoff     time.Duration
	AttemptTimeout time.Duration
	Logger         *slog.Logger
	UserAgent      string
	// WithholdBodies: answers may hold credentials (STS), so no body is
	// ever shown, and form parameters that carry secrets are redacted.
	WithholdBodies bool
	// OnAttempt, if set, is told of the end of every attempt, once.
	OnAttempt func(Attempt)
}

// Attempt reports the end of one HTTP attempt to Settings.OnAttempt.
type Attempt struct {
	Action   string
	N        int           // the attempt's number within its call, from 1
	Duration time.Duration // from sending to the end of the answer
	Answered bool          // a response arrived
	Err      error         // the attempt's error, as Send classifies it
}

// Engine sends the actions of one Query service. It is safe for concurrent
// use: connections, signing keys, the retry quota, the pacers and the
// clock offset are shared by its calls.
type Engine struct {
	s              Settings
	endpointURL    string
	contentType    []string // header values shared by every request when s.Transport is set:
	userAgentValue []string // net/http only reads them
	creds          *aws.CredentialsCache
	refreshMu      sync.Mutex    // guards expired
	expired        redact.Digest // a digest of the credentials last dropped as expired, never the credentials
	signer         *requestSigner
	recent         redact.Recent // the last signatures sent, redacted from every answer
	pacing         *pacing
	buffers        sync.Pool
	sleep          func(ctx context.Context, d time.Duration) error
}

// New returns an engine for s.
func New(s Settings) *Engine {
	if s.Clock == nil {
		s.Clock = time.Now
	}
	e := &Engine{
		s:              s,
		endpointURL:    s.Endpoint.String(),
		contentType:    []string{"application/x-www-form-urlencoded"},
		userAgentValue: []string{s.UserAgent},
		// SigV4 escapes the path; "/" is its own escape, so the signer may
		// skip the work and sign the same bytes.
		signer: newRequestSigner(strings.ToLower(s.Service), s.Region, s.Clock, s.Endpoint.Path != "/"),
		sleep:  SleepContext,
	}
	if s.Pace {
		e.pacing = &pacing{beyondRetryer: s.BeyondRetryer, maxBackoff: s.MaxBackoff, mutating: s.Mutating}
	}
	e.creds = credentialsCache(s.Credentials)
	e.buffers.New = func() any { return new(bytes.Buffer) }
	return e
}

// credentialsCache wraps creds in a cache unless it is one; nil or
// aws.AnonymousCredentials leaves requests unsigned, as the SDK leaves
// them (STS AssumeRoleWithWebIdentity needs no signature).
func credentialsCache(creds aws.CredentialsProvider) *aws.CredentialsCache {
	switch creds.(type) {
	case nil, aws.AnonymousCredentials, *aws.AnonymousCredentials:
		return nil
	}
	if cache, ok := creds.(*aws.CredentialsCache); ok {
		return cache
	}
	return aws.NewCredentialsCache(creds)
}

// Service returns the SDK service ID errors name.
func (e *Engine) Service() string { return e.s.Service }

// Region returns the region requests are signed for.
func (e *Engine) Region() string { return e.s.Region }

// Endpoint returns the URL requests are sent to.
func (e *Engine) Endpoint() string { return e.endpointURL }

// Settings returns the settings the engine was made with.
func (e *Engine) Settings() Settings { return e.s }

// Signed reports whether requests are signed.
func (e *Engine) Signed() bool { return e.creds != nil }

// Now returns the engine's clock.
func (e *Engine) Now() time.Time { return e.s.Clock() }

// ServiceTime returns t, a time on the engine's clock, on the service's
// clock as far as the engine knows it (corrected by the offset learnt from
// a clock-skew error, as requests are signed).
func (e *Engine) ServiceTime(t time.Time) time.Time { return e.signer.serviceTime(t) }

// Sleep waits for d or until ctx ends, as the engine's backoffs wait.
func (e *Engine) Sleep(ctx context.Context, d time.Duration) error { return e.sleep(ctx, d) }

// IsErrorRetryable reports whether the engine's retryer retries err.
func (e *Engine) IsErrorRetryable(err error) bool { return e.s.Retryer.IsErrorRetryable(err) }

// SetSleep replaces how the engine waits, and SetClock its clock: test
// seams, called before the engine is shared.
func (e *Engine) SetSleep(fn func(context.Context, time.Duration) error) { e.sleep = fn }

// SetClock replaces the clock the engine signs and waits by (a test seam).
func (e *Engine) SetClock(fn func() time.Time) { e.s.Clock, e.signer.clock = fn, fn }

// String describes the engine without its credentials.
func (e *Engine) String() string {
	return fmt.Sprintf("{Service:%s Region:%s Endpoint:%s}", e.s.Service, e.s.Region, redact.URL(e.endpointURL))
}

// OperationError names the action that failed in the SDK's shape
// ("operation error STS: AssumeRole, ..."); errors.As and errors.Is see
// through it.
func (e *Engine) OperationError(action string, err error) error {
	return &smithy.OperationError{ServiceID: e.s.Service, OperationName: action, Err: err}
}

// Credentials returns the cache requests are signed from, nil when they
// are not signed.
func (e *Engine) Credentials() *aws.CredentialsCache { return e.creds }

// SetCredentials replaces the credentials requests are signed with, and
// SetBeyondRetryer whether throttled mutating calls are retried beyond the
// retryer: test seams, called before the engine is shared.
func (e *Engine) SetCredentials(p aws.CredentialsProvider) { e.creds = credentialsCache(p) }

// SetBeyondRetryer is a test seam: see SetCredentials.
func (e *Engine) SetBeyondRetryer(b bool) {
	if e.pacing != nil {
		e.pacing.beyondRetryer = b
	}
}
