package enidetach

// The path of one call: Call (or DetachNetworkInterface in detach.go) checks
// its input and names the operation in any error; send runs the attempts the
// retryer allows; attempt signs one request, sends it, and reads and decodes
// the answer (response.go bounds the body, xml.go decodes it).

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Call sends an EC2 Query action with params and decodes the response
// element <action>Response into out with encoding/xml (element names match
// exactly, in any namespace); a nil out discards the body. Version
// 2016-11-15 is sent unless params sets one (a single, non-empty value;
// params must not set Action). params is not modified. Other EC2 actions
// can be called through it with the same signing, retries and errors as
// DetachNetworkInterface.
//
// A lost response (a 200 whose body the connection cut off, or a
// connection dropped after the request was sent) is retried for any
// action, as the SDK retries it, because the client cannot tell whether
// the first attempt took effect. For an idempotent action (a describe)
// that is harmless. For one that is not, the retry may meet the first
// attempt's effect and fail although that attempt succeeded: an
// AttachNetworkInterface retried after a lost response answers
// InvalidNetworkInterface.InUse, a DetachNetworkInterface IncorrectState
// (ErrIncorrectState) while the interface is still detaching and
// InvalidAttachmentID.NotFound (ErrAttachmentNotFound) once it is gone.
// Such an error comes inside a *RetryError whose Attempts is more than 1:
// resolve it by looking (DescribeNetworkInterfaces: is the interface now
// attached where it was asked to be?), never by guessing. The typed
// operations of this package do that looking for you.
func (c *Client) Call(ctx context.Context, action string, params url.Values, out any) error {
	if err := c.call(ctx, action, params, out); err != nil {
		return c.operationError(action, err)
	}
	return nil
}

// call is Call without the operation's name around its errors.
func (c *Client) call(ctx context.Context, action string, params url.Values, out any) error {
	if err := c.usable(ctx); err != nil {
		return err
	}
	if !validAction(action) {
		return &ValidationError{Field: "action", Reason: fmt.Sprintf("%q is not an action name", action)}
	}
	if _, ok := params["Action"]; ok {
		return &ValidationError{Field: "params", Reason: "must not set Action; pass it as the action argument"}
	}
	if v, ok := params["Version"]; ok && (len(v) > 1 || len(v) == 1 && v[0] == "") {
		// Sent as given, two Versions would reach the service, which
		// picks one the caller cannot know.
		return &ValidationError{Field: "params", Reason: fmt.Sprintf("Version must be one non-empty value, got %q", v)}
	}
	if out != nil {
		// Checked before sending: a request that succeeded must not be
		// reported as a bad response because out could not take it.
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return &ValidationError{Field: "out", Reason: fmt.Sprintf("must be a non-nil pointer, got %T", out)}
		}
	}
	p := make(url.Values, len(params)+2)
	for k, v := range params {
		p[k] = v // Encode only reads the slices
	}
	p["Action"] = []string{action}
	if len(p["Version"]) == 0 {
		p["Version"] = []string{c.version}
	}
	return c.send(ctx, action, []byte(p.Encode()), out)
}

// usable refuses a client that New did not make, a client whose
// configuration failed (NewFromConfig) and a nil context, before anything
// is built or sent.
func (c *Client) usable(ctx context.Context) error {
	switch {
	case c == nil || (c.http == nil && c.initErr == nil):
		return &ValidationError{Field: "Client", Reason: "was not created by New or NewFromConfig"}
	case c.initErr != nil:
		return c.initErr
	case ctx == nil:
		return &ValidationError{Field: "ctx", Reason: "is nil"}
	}
	return nil
}

// operationError names the action that failed in the SDK's shape
// ("operation error EC2: DetachNetworkInterface, ..."); errors.As and
// errors.Is see through it to this package's error types.
func (c *Client) operationError(action string, err error) error {
	service := "EC2"
	if c != nil && c.service != "" {
		service = c.service
	}
	return &smithy.OperationError{ServiceID: service, OperationName: action, Err: err}
}

// validAction reports whether action looks like a Query action name.
func validAction(action string) bool {
	if action == "" || len(action) > 128 {
		return false
	}
	for i := 0; i < len(action); i++ {
		c := action[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// attemptResult is what the retry loop needs to know of one attempt.
type attemptResult struct {
	header       http.Header     // nil when no response arrived
	signedOffset time.Duration   // the clock offset the request was signed with
	creds        aws.Credentials // what the request was signed with
}

// send runs the retry loop for one action whose form body is built. It
// drives the retryer as the SDK's retry middleware does: an attempt token
// before each attempt (adaptive mode waits there), IsErrorRetryable, a
// retry token from the client-wide quota, RetryDelay, and the tokens
// released with each attempt's outcome. Around it, it adds what the SDK's
// other middleware do: the x-amz-retry-after clamp, one re-sign at the
// server's time after a clock-skew error, one credentials refresh after an
// expired-token error. Mutating actions are paced after a throttle, and
// with the client's own retryer their throttled attempts are retried while
// the context allows (pacer.go says why).
func (c *Client) send(ctx context.Context, action string, body []byte, out any) error {
	hash := payloadHash(body)
	maxAttempts := c.retryer.MaxAttempts()
	releaseRetry := nopRelease
	skewCorrected, credsRefreshed := false, false
	p := c.pacing.pacerFor(action, false)
	var firstThrottle time.Time
	var last error
	throttles := 0 // this call's throttled answers
	paced := false // the attempt was sent while p was engaged
	for attempt := 1; ; attempt++ {
		if attempt == 1 {
			// A retry's slot is taken with its backoff, below.
			var err error
			if paced, err = c.pace(ctx, p); err != nil {
				return &TransportError{Err: fmt.Errorf("wait for a send slot after throttling: %w", err), callerEnded: ctx.Err() != nil}
			}
		}
		if err := ctx.Err(); err != nil {
			// Short-circuit as the SDK does, before a token is taken.
			if last == nil {
				return &TransportError{Err: err, callerEnded: true}
			}
			return &RetryError{Attempts: attempt - 1, Reason: reasonContextEnded, Err: last, cause: err}
		}
		releaseAttempt, err := c.retryer.GetAttemptToken(ctx)
		if err != nil {
			// Adaptive mode waits here for its client-side rate limit; the
			// wait ended with the context.
			if last == nil {
				return &TransportError{Err: fmt.Errorf("wait for the client-side rate limit: %w", err), callerEnded: ctx.Err() != nil}
			}
			return &RetryError{Attempts: attempt - 1, Reason: reasonContextEnded, Err: last, cause: err}
		}
		began := time.Now()
		res, err := c.attempt(ctx, action, body, hash, out)
		c.emit(attemptEvent(action, attempt, time.Since(began), res, err))
		_ = releaseRetry(err)
		_ = releaseAttempt(err)
		releaseRetry = nopRelease
		throttled := err != nil && isThrottle(err)
		if throttled {
			throttles++
		}
		if p != nil || err != nil {
			if p == nil && throttled {
				p = c.pacing.noteThrottle(action, c.now())
			}
			p.observe(c.now(), throttled, paced)
		}
		if err == nil {
			return nil
		}
		last = err
		// stop ends the call: the bare error after a single attempt,
		// else a *RetryError saying why, with cause in its chain.
		stop := func(reason string, cause error) error {
			if attempt == 1 && cause == nil {
				return last
			}
			return &RetryError{Attempts: attempt, Reason: reason, Err: last, cause: cause}
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
				c.expireCredentials(res.creds)
				c.log(ctx, "enidetach: credentials expired, refreshing", slog.String("code", ae.Code))
				continue
			}
		}

		if !c.retryer.IsErrorRetryable(err) {
			return stop(reasonNotRetryable, nil)
		}
		var delay time.Duration
		if p != nil && c.pacing.beyondRetryer && throttled {
			// Paced: neither MaxAttempts nor the retry quota applies, only
			// the context (or maxPacedTime without a deadline).
			delay = p.throttleDelay(c.pacing, throttles)
			now := c.now()
			if firstThrottle.IsZero() {
				firstThrottle = now
			}
			if _, ok := ctx.Deadline(); !ok && now.Sub(firstThrottle) >= maxPacedTime {
				return stop(reasonMaxAttempts, fmt.Errorf("throttled for %s", maxPacedTime))
			}
		} else {
			if exhausted {
				return stop(reasonMaxAttempts, &retry.MaxAttemptsError{Attempt: attempt, Err: err})
			}
			if releaseRetry, err = c.retryer.GetRetryToken(ctx, err); err != nil {
				// Said even after one attempt: the caller should know that the
				// client stopped retrying because many calls are failing.
				return &RetryError{Attempts: attempt, Reason: reasonQuotaExhausted, Err: last, cause: err}
			}
			if delay, err = c.retryer.RetryDelay(attempt, last); err != nil {
				return &RetryError{Attempts: attempt, Reason: reasonNotRetryable, Err: last, cause: err}
			}
		}
		delay, paced = p.reserve(c.now(), honourRetryAfter(delay, res.header))
		c.log(ctx, "enidetach: retrying", slog.Int("attempt", attempt), slog.Duration("backoff", delay), slog.Any("error", last)) // formatted only if logged
		if err := c.sleep(ctx, delay); err != nil {
			return stop(reasonContextEnded, err)
		}
	}
}

func nopRelease(error) error { return nil }

// attempt sends one signed request and decodes its answer.
func (c *Client) attempt(ctx context.Context, action string, body []byte, hash string, out any) (attemptResult, error) {
	var res attemptResult
	parent := ctx
	if c.attemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.attemptTimeout)
		defer cancel()
	}
	// timedOut reports whether the attempt's own timeout, not the caller's
	// context, ended it.
	timedOut := func() bool { return parent.Err() == nil && ctx.Err() != nil }
	if c.creds != nil {
		creds, err := c.creds.Retrieve(ctx)
		if err == nil && (creds.AccessKeyID == "" || creds.SecretAccessKey == "") {
			err = errEmptyCredentials
		}
		if err != nil {
			return res, credentialsError(c.credsSource, err)
		}
		res.creds = creds
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpointURL, bytes.NewReader(body))
	if err != nil {
		return res, &TransportError{Err: err}
	}
	req.Header["Content-Type"] = c.headerValue(c.contentType)
	if c.creds != nil {
		if res.signedOffset, err = c.signer.sign(ctx, req, hash, res.creds); err != nil {
			return res, &TransportError{Err: fmt.Errorf("sign request: %w", err)}
		}
	}
	req.Header["User-Agent"] = c.headerValue(c.userAgentValue)

	start := time.Now()
	resp, err := c.do(req)
	if err == nil && resp == nil {
		err = errNoResponse
	}
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close() // a client may return both; the error wins
		}
		// net/http's message may quote a malformed answer, which a page
		// built from the request's headers fills with what was sent.
		te := redactEchoes(&TransportError{Err: err, attemptTimedOut: timedOut(), callerEnded: parent.Err() != nil},
			nil, c.sentSecrets(req, body, res.creds))
		c.logAttempt(ctx, action, req, nil, start, te)
		return res, te
	}
	res.header = resp.Header
	if res.header == nil {
		res.header = http.Header{}
	}
	requestID := requestIDFromHeader(res.header)

	buf := c.buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // do not pin large buffers in the pool
			c.buffers.Put(buf)
		}
	}()
	var data []byte
	var readErr error
	if resp.Body != nil {
		data, readErr = readBody(resp.Body, buf)
		resp.Body.Close()
	}

	switch {
	case readErr != nil && readErr != errBodyTooLarge:
		// The connection broke, or the attempt timed out, while the body
		// was arriving: whatever the status line said, the answer was lost
		// (an error body could have said RequestLimitExceeded).
		err = &TransportError{Err: fmt.Errorf("read response body (status %d): %w", resp.StatusCode, readErr),
			attemptTimedOut: timedOut(), callerEnded: parent.Err() != nil}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err = decodeError(resp.StatusCode, res.header, data, readErr)
	case readErr != nil:
		err = &ResponseError{StatusCode: resp.StatusCode, RequestID: requestID, Snippet: snippet(data), Err: readErr}
	default:
		if derr := decodeResult(data, action, out); derr != nil {
			err = &ResponseError{StatusCode: resp.StatusCode, RequestID: requestID, Snippet: snippet(data), Err: fmt.Errorf("decode %sResponse: %w", action, derr)}
		}
	}
	if err != nil {
		// A page that quotes the request hands back what was sent.
		err = redactEchoes(err, data, c.sentSecrets(req, body, res.creds))
	} else if r, ok := out.(requestIDCarrier); ok {
		// A typed result's request ID is the body's, else the header's.
		// Either may echo what was sent, and callers print it: it is
		// redacted here; Call's out is the caller's to read.
		id := r.requestID()
		if *id == "" {
			*id = requestID
		}
		if res.creds.SecretAccessKey != "" {
			s := secretsOf(req.Header, res.creds.SecretAccessKey)
			*id = s.redactString(*id)
		}
	}
	if c.withholdBodies {
		err = withholdBody(err)
	}
	c.logAttempt(ctx, action, req, resp, start, err)
	return res, err
}

// sentSecrets returns the secrets req carried: those of its headers, the
// secret key it was signed with and, for a client whose answers may hold
// credentials (STS), those of its body.
func (c *Client) sentSecrets(req *http.Request, body []byte, creds aws.Credentials) sentSecrets {
	s := secretsOf(req.Header, creds.SecretAccessKey)
	if c.withholdBodies {
		s.addBodySecrets(body)
	}
	return s
}

// requestIDCarrier is an operation's typed result, whose request ID the
// decoding took from the body (attempt fills it from the header when the
// body has none).
type requestIDCarrier interface {
	requestID() *string
}

// headerValue returns v to set as a request header: v itself when the
// client's own transport sends the request (it only reads headers), a copy
// for an Options.HTTPClient, which might change it in place.
func (c *Client) headerValue(v []string) []string {
	if c.transport != nil {
		return v
	}
	return []string{v[0]}
}

// do sends req. With the default HTTP client it calls its transport's
// RoundTrip directly, skipping what http.Client adds that this client does
// not use (redirects are not followed either way, and there is no cookie
// jar or client timeout); errors are wrapped as http.Client wraps them.
func (c *Client) do(req *http.Request) (*http.Response, error) {
	if c.transport == nil {
		return c.http.Do(req)
	}
	resp, err := c.transport.RoundTrip(req)
	if err != nil {
		return nil, &url.Error{Op: "Post", URL: c.endpointURL, Err: err}
	}
	return resp, nil
}
