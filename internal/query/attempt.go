package query

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/redact"
)

// attemptResult is what the retry loop needs to know of one attempt.
type attemptResult struct {
	header       http.Header     // nil when no response arrived
	signedOffset time.Duration   // the clock offset the request was signed with
	creds        aws.Credentials // what the request was signed with
}

// Result is an operation's typed result, which decodes itself: an
// allocation-free fast path over the scanner (xmlscan.go) for the shape
// the service sends, and encoding/xml for any other.
type Result interface {
	// DecodeFast fills the result from body, or reports false, having
	// filled nothing, to leave the body to DecodeXML.
	DecodeFast(body []byte) bool
	// DecodeXML fills the result through encoding/xml, checking that the
	// root element is <action>Response (DecodeXML below).
	DecodeXML(body []byte, action string) error
	// RequestID points at the result's request ID, which Send fills from
	// the x-amzn-requestid header when the body has none.
	RequestID() *string
}

// attempt sends one signed request and decodes its answer. Whatever the
// answer holds is redacted of what the request sent, and of the
// signatures the engine sent before it, before anything is decoded from
// it, so no request ID, code, message or field of any result can carry a
// signature, a session token or a secret key back.
func (e *Engine) attempt(ctx context.Context, s *sendState) (attemptResult, error) {
	var res attemptResult
	parent := ctx
	if e.s.AttemptTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.s.AttemptTimeout)
		defer cancel()
	}
	req, err := e.newRequest(ctx, s, &res)
	if err != nil {
		return res, err
	}
	start := time.Now()
	resp, err := e.do(req)
	sent := e.sentSecrets(req, s.body, res.creds)
	ended := ending{attemptTimedOut: parent.Err() == nil && ctx.Err() != nil, callerEnded: parent.Err() != nil}
	if err != nil {
		// net/http's message may quote a malformed answer, which a page
		// built from the request's headers fills with what was sent.
		te := redactEchoes(&TransportError{Err: err, attemptTimedOut: ended.attemptTimedOut,
			callerEnded: ended.callerEnded}, sent)
		e.logAttempt(ctx, s.action, req, nil, start, te, &sent)
		return res, te
	}
	res.header = resp.Header
	if res.header == nil {
		res.header = http.Header{}
	}
	err = e.readAnswer(resp, res.header, &sent, ended, s)
	e.logAttempt(ctx, s.action, req, resp, start, err, &sent)
	return res, err
}

// ending says how the attempt's context stood when its answer ended.
type ending struct {
	attemptTimedOut bool // the attempt's own timeout, not the caller's context, ended it
	callerEnded     bool
}

// readAnswer reads resp's body, redacts it of what was sent and decodes
// it into s.out, or into the error it holds.
func (e *Engine) readAnswer(resp *http.Response, header http.Header, sent *redact.Secrets, ended ending, s *sendState) error {
	buf := e.buffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // do not pin large buffers in the pool
			e.buffers.Put(buf)
		}
	}()
	var data []byte
	var readErr error
	if resp.Body != nil {
		data, readErr = readBody(resp.Body, buf)
		resp.Body.Close()
	}
	body, shown := sent.RedactXML(data)
	a := answer{status: resp.StatusCode, requestID: sent.RedactString(requestIDFromHeader(header)),
		body: body, readErr: readErr, attemptTimedOut: ended.attemptTimedOut, callerEnded: ended.callerEnded}
	err := a.decode(s.action, s.out)
	if re, ok := err.(*ResponseError); ok && shown != nil {
		// The body stopped being XML: the decoder failed where it would
		// have, and the snippet shows the rest spelt out, redacted.
		re.Snippet = Snippet(shown)
	}
	if e.s.WithholdBodies {
		err = withholdBody(err)
	}
	return err
}

// newRequest builds and signs the attempt's request, noting in res the
// credentials and clock offset it was signed with.
func (e *Engine) newRequest(ctx context.Context, s *sendState, res *attemptResult) (*http.Request, error) {
	if e.creds != nil {
		creds, err := e.creds.Retrieve(ctx)
		if err == nil && (creds.AccessKeyID == "" || creds.SecretAccessKey == "") {
			err = errEmptyCredentials
		}
		if err != nil {
			return nil, CredentialsFailure(e.s.CredentialsSource, err)
		}
		res.creds = creds
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.endpointURL, bytes.NewReader(s.body))
	if err != nil {
		return nil, &TransportError{Err: err}
	}
	req.Header["Content-Type"] = e.headerValue(e.contentType)
	if e.creds != nil {
		if res.signedOffset, err = e.signer.sign(ctx, req, s.hash, res.creds); err != nil {
			return nil, &TransportError{Err: fmt.Errorf("sign request: %w", err)}
		}
		e.recent.Note(redact.Signature(req.Header))
	}
	req.Header["User-Agent"] = e.headerValue(e.userAgentValue)
	return req, nil
}

// answer is one response as read, its body and header request ID
// redacted of what the request sent.
type answer struct {
	status          int
	requestID       string // the header's
	body            []byte
	readErr         error
	attemptTimedOut bool // the attempt's own timeout, not the caller's context, ended it
	callerEnded     bool
}

// decode classifies the answer: a body that broke off, an error answer, a
// success body that cannot be read or decoded, or a result decoded into
// out (nil: discarded).
func (a *answer) decode(action string, out any) error {
	switch {
	case a.readErr != nil && a.readErr != ErrBodyTooLarge:
		// The connection broke, or the attempt timed out, while the body
		// was arriving: whatever the status line said, the answer was lost
		// (an error body could have said RequestLimitExceeded).
		return &TransportError{Err: fmt.Errorf("read response body (status %d): %w", a.status, a.readErr),
			attemptTimedOut: a.attemptTimedOut, callerEnded: a.callerEnded}
	case a.status < 200 || a.status > 299:
		return decodeError(a.status, a.requestID, a.body, a.readErr)
	case a.readErr != nil:
		return &ResponseError{StatusCode: a.status, RequestID: a.requestID, Snippet: Snippet(a.body), Err: a.readErr}
	}
	if err := decodeResult(a.body, action, out); err != nil {
		return &ResponseError{StatusCode: a.status, RequestID: a.requestID, Snippet: Snippet(a.body), Err: fmt.Errorf("decode %sResponse: %w", action, err)}
	}
	if r, ok := out.(Result); ok {
		// A typed result's request ID is the body's, else the header's.
		if id := r.RequestID(); *id == "" {
			*id = a.requestID
		}
	}
	return nil
}

// sentSecrets returns the secrets req carried: those of its headers, the
// secret key it was signed with and, for an engine whose answers may hold
// credentials (STS), those of its body; and the last signatures the engine
// sent before (or beside) it, which an answer may quote as well.
func (e *Engine) sentSecrets(req *http.Request, body []byte, creds aws.Credentials) redact.Secrets {
	s := redact.Sent(req.Header, creds.SecretAccessKey)
	if e.creds != nil {
		s.AddRecent(&e.recent)
	}
	if e.s.WithholdBodies {
		s.AddBody(body)
	}
	return s
}

// headerValue returns v to set as a request header: v itself when the
// engine's own transport sends the request (it only reads headers), a copy
// for a caller's HTTPClient, which might change it in place.
func (e *Engine) headerValue(v []string) []string {
	if e.s.Transport != nil {
		return v
	}
	return []string{v[0]}
}

// do sends req. With the default HTTP client it calls its transport's
// RoundTrip directly, skipping what http.Client adds that this engine does
// not use (redirects are not followed either way, and there is no cookie
// jar or client timeout); errors are wrapped as http.Client wraps them. A
// client that returns neither a response nor an error fails; one that
// returns both has its response closed: the error wins.
func (e *Engine) do(req *http.Request) (*http.Response, error) {
	var resp *http.Response
	var err error
	if e.s.Transport == nil {
		resp, err = e.s.HTTPClient.Do(req)
	} else if resp, err = e.s.Transport.RoundTrip(req); err != nil {
		resp, err = nil, &url.Error{Op: "Post", URL: e.endpointURL, Err: err}
	}
	if err == nil && resp == nil {
		err = ErrNoResponse
	}
	if err != nil && resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return resp, err
}
