package enidetach

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
)

// Version is this library's version, sent in the User-Agent header.
const Version = "0.2.0"

// apiVersion is the EC2 API version every EC2 action is called with.
const apiVersion = "2016-11-15"

// HTTPClient sends HTTP requests. *http.Client satisfies it, and so does the
// AWS SDK's aws.HTTPClient.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Client calls EC2 actions. It is safe for concurrent use; create one and
// share it, so connections, signing keys, the retry quota and the clock
// offset are shared too.
type Client struct {
	service        string // the SDK service ID errors name: "EC2", or "STS" for the credential client
	version        string // the API version sent when params set none
	clock          func() time.Time
	endpointURL    string
	region         string
	http           HTTPClient
	transport      *http.Transport       // the default client's transport, called directly; nil with Options.HTTPClient
	contentType    []string              // header values shared by every request when transport is set:
	userAgentValue []string              // net/http only reads them
	creds          *aws.CredentialsCache // nil: requests are not signed
	credsSource    string                // names the credentials' source in errors
	refreshMu      sync.Mutex            // serialises decisions to drop expired credentials
	withholdBodies bool                  // answers may hold credentials (STS): never show a body
	signer         *requestSigner
	userAgent      string
	retryer        aws.RetryerV2
	attemptTimeout time.Duration
	logger         *slog.Logger
	buffers        sync.Pool

	// Test hooks: how the client waits (backoffs, polls) and the jitter of
	// the waiter's schedule. Tests in this package replace them.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func() float64

	initErr error // NewFromConfig's configuration error, returned by every call
}

// New returns a client configured by opts and then by each optFn in turn.
// It reads the environment and the shared config profile for what opts
// leave unset (see Options), validates everything once, and does no network
// I/O: credentials are retrieved on the first call.
func New(opts Options, optFns ...func(*Options)) (*Client, error) {
	for _, fn := range optFns {
		fn(&opts)
	}
	return newClient(opts, osEnv{})
}

// newClient is New reading env instead of the process environment.
func newClient(opts Options, env environ) (*Client, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	prof, err := loadProfile(opts.Profile, env)
	if err != nil {
		return nil, err
	}
	caBundle, err := fillDefaults(&opts, env, prof)
	if err != nil {
		return nil, err
	}
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	c, err := build(opts, "Options.Credentials", caBundle)
	if err != nil {
		return nil, err
	}
	if opts.Credentials == nil {
		// The default chain: STS clients it makes share this client's
		// HTTP client, retryer and clock.
		deps := &chainDeps{
			env: env, programmed: opts.Profile != "", prof: prof,
			sessionName: func() string { return "enidetach-" + strconv.FormatInt(opts.Clock().UnixNano(), 10) },
			sts: func(creds aws.CredentialsProvider) (*Client, error) {
				return c.stsClient(opts, env, prof, creds)
			},
		}
		creds, err := newDefaultCredentials(deps)
		if err != nil {
			return nil, err
		}
		c.setCredentials(aws.NewCredentialsCache(creds, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsExpiryWindow }))
		c.credsSource = "default chain"
	}
	return c, nil
}

// build makes a client of EC2 from complete options, whatever their
// source; a nil opts.Credentials leaves it unsigned. credsSource names
// opts.Credentials in errors; caBundle is the default HTTP client's.
func build(opts Options, credsSource, caBundle string) (*Client, error) {
	if err := checkOptions(&opts); err != nil {
		return nil, err
	}
	endpoint, region, err := resolveEndpoint(&opts)
	if err != nil {
		return nil, err
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	var transport *http.Transport
	if opts.HTTPClient == nil {
		hc, err := defaultHTTPClient(caBundle)
		if err != nil {
			return nil, err
		}
		opts.HTTPClient, transport = hc, hc.Transport.(*http.Transport)
	}
	c := newBaseClient("EC2", apiVersion, endpoint, region, opts, transport)
	c.retryer = newRetryer(opts)
	c.setCredentials(opts.Credentials)
	c.credsSource = credsSource
	return c, nil
}

// newBaseClient returns a client of service, with everything but its
// retryer and credentials, which differ between EC2 and STS clients.
// transport, when not nil, is opts.HTTPClient's and is called directly.
func newBaseClient(service, version string, endpoint *url.URL, region string, opts Options, transport *http.Transport) *Client {
	c := &Client{
		service:        service,
		version:        version,
		endpointURL:    endpoint.String(),
		region:         region,
		http:           opts.HTTPClient,
		transport:      transport,
		contentType:    []string{"application/x-www-form-urlencoded"},
		clock:          opts.Clock,
		attemptTimeout: opts.AttemptTimeout,
		logger:         opts.Logger,
		userAgent:      userAgent(opts.AppID),
		// SigV4 escapes the path; "/" is its own escape, so the signer
		// may skip the work and sign the same bytes.
		signer: newRequestSigner(strings.ToLower(service), region, opts.Clock, endpoint.Path != "/"),
		sleep:  sleepContext,
		jitter: defaultJitter,
	}
	c.userAgentValue = []string{c.userAgent}
	c.buffers.New = func() any { return new(bytes.Buffer) }
	return c
}

// setCredentials wraps creds in a cache unless it is one; nil or
// aws.AnonymousCredentials leaves the client unsigned, as the SDK leaves
// it (STS AssumeRoleWithWebIdentity needs no signature).
func (c *Client) setCredentials(creds aws.CredentialsProvider) {
	switch creds.(type) {
	case nil, aws.AnonymousCredentials, *aws.AnonymousCredentials:
		c.creds = nil
		return
	}
	if cache, ok := creds.(*aws.CredentialsCache); ok {
		c.creds = cache
	} else {
		c.creds = aws.NewCredentialsCache(creds)
	}
}

// Region returns the region requests are signed for.
func (c *Client) Region() string { return c.region }

// Endpoint returns the URL requests are sent to.
func (c *Client) Endpoint() string { return c.endpointURL }

// Call sends an EC2 Query action with params and decodes the response
// element <action>Response into out with encoding/xml (element names match
// exactly, in any namespace); a nil out discards the body. Version
// 2016-11-15 is sent unless params sets one. params is not modified. Other
// EC2 actions can be called through it with the same signing, retries and
// errors as DetachNetworkInterface.
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
	_, err := c.send(ctx, action, []byte(p.Encode()), out)
	return err
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

// responseMeta is what a call learnt about its last response.
type responseMeta struct {
	requestID string
}

// attemptResult is what the retry loop needs to know of one attempt.
type attemptResult struct {
	meta         responseMeta
	header       http.Header     // nil when no response arrived
	signedOffset time.Duration   // the clock offset the request was signed with
	creds        aws.Credentials // what the request was signed with
}

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
		te := &TransportError{Err: err, attemptTimedOut: timedOut()}
		c.logAttempt(ctx, action, req, nil, start, te)
		return res, te
	}
	res.header = resp.Header
	if res.header == nil {
		res.header = http.Header{}
	}
	res.meta.requestID = requestIDFromHeader(res.header)

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
		err = &TransportError{Err: fmt.Errorf("read response body (status %d): %w", resp.StatusCode, readErr), attemptTimedOut: timedOut()}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		err = decodeError(resp.StatusCode, res.header, data, readErr)
	case readErr != nil:
		err = &ResponseError{StatusCode: resp.StatusCode, RequestID: res.meta.requestID, Snippet: snippet(data), Err: readErr}
	default:
		if derr := decodeResult(data, action, out); derr != nil {
			err = &ResponseError{StatusCode: resp.StatusCode, RequestID: res.meta.requestID, Snippet: snippet(data), Err: fmt.Errorf("decode %sResponse: %w", action, derr)}
		}
	}
	if c.withholdBodies {
		err = withholdBody(err)
	}
	c.logAttempt(ctx, action, req, resp, start, err)
	return res, err
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

// userAgent returns the User-Agent header value.
func userAgent(appID string) string {
	ua := "enidetach/" + Version + " lang/go#" + strings.TrimPrefix(runtime.Version(), "go") +
		" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	if appID != "" {
		ua += " app/" + appID
	}
	return ua
}
