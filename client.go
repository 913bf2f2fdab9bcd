package enidetach

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Version is this library's version, sent in the User-Agent header.
const Version = "0.1.0"

// apiVersion is the EC2 API version every EC2 action is called with.
const apiVersion = "2016-11-15"

// HTTPClient sends HTTP requests. *http.Client satisfies it, and so does the
// AWS SDK's aws.HTTPClient.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configures a Client. The zero value, given to New, finds region
// and credentials where the AWS SDK finds them.
type Options struct {
	// Region is the AWS region, such as "eu-west-1". Empty: AWS_REGION,
	// AWS_DEFAULT_REGION, then the shared config profile's region.
	Region string

	// Credentials signs requests. Nil: the default chain of the AWS SDK,
	// described under Configuration in the package documentation. Any
	// aws.CredentialsProvider works; it is wrapped in an
	// aws.CredentialsCache unless it is one.
	Credentials aws.CredentialsProvider

	// Profile selects the shared config profile. Empty: AWS_PROFILE,
	// AWS_DEFAULT_PROFILE, then "default".
	Profile string

	// BaseEndpoint replaces the regional endpoint, for example with a local
	// fake such as ec2test or a VPC endpoint. Empty: AWS_ENDPOINT_URL_EC2,
	// then AWS_ENDPOINT_URL (both ignored when
	// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true). Requests are still
	// signed for Region (us-east-1 when no region is set).
	BaseEndpoint string

	// UseFIPSEndpoint selects the FIPS endpoint (also AWS_USE_FIPS_ENDPOINT).
	UseFIPSEndpoint bool

	// UseDualStackEndpoint selects the IPv4/IPv6 endpoint (also
	// AWS_USE_DUALSTACK_ENDPOINT).
	UseDualStackEndpoint bool

	// AllowInsecureHTTP permits a plain http BaseEndpoint on a host that is
	// not loopback. Signed requests and session tokens then cross the
	// network in clear text.
	AllowInsecureHTTP bool

	// HTTPClient sends the requests. Nil: a client with connect, TLS
	// handshake and response-header timeouts, TLS 1.2 or later, the
	// environment's proxy and AWS_CA_BUNDLE, and no redirects.
	HTTPClient HTTPClient

	// MaxAttempts bounds the requests per call, first included. 0: the
	// AWS_MAX_ATTEMPTS environment variable, else 3. 1 disables retries.
	MaxAttempts int

	// MaxBackoff caps the delay between attempts. 0: 20 seconds.
	MaxBackoff time.Duration

	// AttemptTimeout bounds each attempt separately; an attempt that runs
	// out of it is retried. 0: only the call's context bounds attempts.
	AttemptTimeout time.Duration

	// Logger receives a debug record per attempt, with Authorization and
	// X-Amz-Security-Token redacted. Nil: nothing is logged.
	Logger *slog.Logger

	// Clock is the time requests are signed at. Nil: time.Now.
	Clock func() time.Time

	// AppID is added to the User-Agent as app/AppID (also AWS_SDK_UA_APP_ID).
	AppID string

	// RetryJitter returns a number in [0,1) that scales each backoff. Nil: a
	// uniform random number. Tests set it for deterministic delays.
	RetryJitter func() float64

	// Sleep waits between attempts until d has passed or ctx ends. Nil: a
	// timer. Tests set it to record backoffs without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// String describes the options without secrets: credentials are shown by
// their type only, so %v and %+v of Options are safe to log.
func (o Options) String() string {
	endpoint := redactURL(o.BaseEndpoint) // New refuses user information, but String may come first
	return fmt.Sprintf("{Region:%s Profile:%s BaseEndpoint:%s UseFIPSEndpoint:%t UseDualStackEndpoint:%t AllowInsecureHTTP:%t Credentials:%T MaxAttempts:%d MaxBackoff:%s AttemptTimeout:%s AppID:%s}",
		o.Region, o.Profile, endpoint, o.UseFIPSEndpoint, o.UseDualStackEndpoint, o.AllowInsecureHTTP, o.Credentials, o.MaxAttempts, o.MaxBackoff, o.AttemptTimeout, o.AppID)
}

// GoString is String, so that %#v is safe to log too.
func (o Options) GoString() string { return "enidetach.Options" + o.String() }

// Client calls EC2 actions. It is safe for concurrent use; create one and
// share it, so connections, signing keys, the retry quota and the clock
// offset are shared too.
type Client struct {
	version        string // the API version sent when params set none
	clock          func() time.Time
	endpointURL    string
	region         string
	http           HTTPClient
	creds          *aws.CredentialsCache // nil: requests are not signed
	credsSource    string                // names the credentials' source in errors
	refreshMu      sync.Mutex            // serialises decisions to drop expired credentials
	withholdBodies bool                  // answers may hold credentials (STS): never show a body
	signer         *requestSigner
	userAgent      string
	maxAttempts    int
	maxBackoff     time.Duration
	attemptTimeout time.Duration
	logger         *slog.Logger
	jitter         func() float64
	sleep          func(context.Context, time.Duration) error
	quota          *retryQuota
	buffers        sync.Pool

	initErr error // NewFromConfig's configuration error, returned by every call
}

// New returns a client configured by opts and then by each optFn in turn.
// It reads the environment and shared config files for what opts leave
// unset, validates everything once, and does no network I/O: credentials
// are retrieved on the first call.
func New(opts Options, optFns ...func(*Options)) (*Client, error) {
	for _, fn := range optFns {
		fn(&opts)
	}
	return newClient(opts, osEnv{})
}

func newClient(opts Options, env environ) (*Client, error) {
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	programmedProfile := opts.Profile != ""
	if err := applyEnvDefaults(&opts, env); err != nil {
		return nil, err
	}
	// The shared files are read only when something is still to be found
	// in them, so a client given region and credentials starts without
	// touching ~/.aws.
	var prof profile
	var err error
	if opts.Region == "" || opts.Credentials == nil || opts.Profile != "" {
		if prof, err = loadProfile(opts.Profile, env); err != nil {
			return nil, err
		}
	}
	if opts.Region == "" {
		opts.Region = prof.get("region")
	}

	c := &Client{
		version:        apiVersion,
		maxAttempts:    opts.MaxAttempts,
		maxBackoff:     opts.MaxBackoff,
		attemptTimeout: opts.AttemptTimeout,
		logger:         opts.Logger,
		jitter:         opts.RetryJitter,
		sleep:          opts.Sleep,
		clock:          opts.Clock,
		quota:          newRetryQuota(),
		userAgent:      userAgent(opts.AppID),
	}
	endpoint, region, err := resolveEndpoint(&opts)
	if err != nil {
		return nil, err
	}
	c.endpointURL, c.region = endpoint.String(), region
	switch {
	case opts.MaxAttempts < 0:
		return nil, &ValidationError{Field: "Options.MaxAttempts", Reason: "is negative"}
	case opts.MaxAttempts == 0:
		c.maxAttempts = defaultMaxAttempts
	}
	switch {
	case opts.MaxBackoff < 0:
		return nil, &ValidationError{Field: "Options.MaxBackoff", Reason: "is negative"}
	case opts.MaxBackoff == 0:
		c.maxBackoff = defaultMaxBackoff
	}
	if opts.AttemptTimeout < 0 {
		return nil, &ValidationError{Field: "Options.AttemptTimeout", Reason: "is negative"}
	}
	if c.jitter == nil {
		c.jitter = defaultJitter
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	c.http = opts.HTTPClient
	if c.http == nil {
		if c.http, err = defaultHTTPClient(env.get("AWS_CA_BUNDLE")); err != nil {
			return nil, err
		}
	}
	creds := opts.Credentials
	c.credsSource = "Options.Credentials"
	if creds == nil {
		c.credsSource = "default chain"
		deps := &chainDeps{
			env: env, programmed: programmedProfile, prof: prof,
			sessionName: func() string { return "enidetach-" + strconv.FormatInt(opts.Clock().UnixNano(), 10) },
		}
		deps.sts = func(stsCreds aws.CredentialsProvider) (*Client, error) {
			return c.stsClient(&opts, env, stsCreds)
		}
		if creds, err = newDefaultCredentials(deps); err != nil {
			return nil, err
		}
		creds = aws.NewCredentialsCache(creds, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsExpiryWindow })
	}
	c.setCredentials(creds)
	c.signer = newRequestSigner("ec2", c.region, opts.Clock)
	c.buffers.New = func() any { return new(bytes.Buffer) }
	return c, nil
}

// setCredentials wraps creds in a cache unless it is one; nil or
// aws.AnonymousCredentials leaves the client unsigned, as the SDK leaves
// it (STS AssumeRoleWithWebIdentity needs no signature).
func (c *Client) setCredentials(creds aws.CredentialsProvider) {
	switch creds.(type) {
	case nil, aws.AnonymousCredentials, *aws.AnonymousCredentials:
		return
	}
	if cache, ok := creds.(*aws.CredentialsCache); ok {
		c.creds = cache
	} else {
		c.creds = aws.NewCredentialsCache(creds)
	}
}

// stsClient returns a client for STS that shares c's HTTP client and retry
// settings, signing with creds (nil: unsigned). Its endpoint is
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else sts.{region}.{dnsSuffix}.
func (c *Client) stsClient(opts *Options, env environ, creds aws.CredentialsProvider) (*Client, error) {
	region := firstNonEmpty(c.region, "us-east-1")
	raw := ""
	if !strings.EqualFold(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		raw = firstNonEmpty(env.get("AWS_ENDPOINT_URL_STS"), env.get("AWS_ENDPOINT_URL"))
	}
	var endpoint *url.URL
	var err error
	if raw != "" {
		endpoint, err = parseBaseEndpoint("AWS_ENDPOINT_URL_STS", raw, opts.AllowInsecureHTTP)
	} else {
		endpoint, err = url.Parse(serviceEndpoint("sts", region, opts.UseFIPSEndpoint, opts.UseDualStackEndpoint))
	}
	if err != nil {
		return nil, err
	}
	s := &Client{
		version: stsAPIVersion, endpointURL: endpoint.String(), region: region, http: c.http,
		maxAttempts: c.maxAttempts, maxBackoff: c.maxBackoff, attemptTimeout: c.attemptTimeout,
		logger: c.logger, jitter: c.jitter, sleep: c.sleep, clock: c.clock, quota: newRetryQuota(), userAgent: c.userAgent,
		signer:         newRequestSigner("sts", region, c.clock),
		withholdBodies: true,
		credsSource:    "assume role source",
	}
	s.setCredentials(creds)
	s.buffers.New = func() any { return new(bytes.Buffer) }
	return s, nil
}

// NewFromConfig returns a client that takes region, credentials, HTTP
// client, retry attempts, base endpoint and app ID from an AWS SDK config,
// then applies optFns. A configuration error is returned by every call.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	opts := Options{
		Region:      cfg.Region,
		Credentials: cfg.Credentials,
		MaxAttempts: cfg.RetryMaxAttempts,
		AppID:       cfg.AppID,
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	if cfg.BaseEndpoint != nil {
		opts.BaseEndpoint = *cfg.BaseEndpoint
	}
	if cfg.Retryer != nil && opts.MaxAttempts == 0 {
		opts.MaxAttempts = cfg.Retryer().MaxAttempts()
	}
	c, err := New(opts, optFns...)
	if err != nil {
		return &Client{initErr: err}
	}
	return c
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

// send runs the retry loop for one action whose form body is built.
func (c *Client) send(ctx context.Context, action string, body []byte, out any) (responseMeta, error) {
	if c == nil || (c.http == nil && c.initErr == nil) {
		return responseMeta{}, &ValidationError{Field: "Client", Reason: "was not created by New or NewFromConfig"}
	}
	if c.initErr != nil {
		return responseMeta{}, c.initErr
	}
	if ctx == nil {
		return responseMeta{}, &ValidationError{Field: "ctx", Reason: "is nil"}
	}
	hash := payloadHash(body)

	heldCost := 0 // retry tokens taken by the latest retry, refunded on success
	skewCorrected, credsRefreshed := false, false
	for attempt := 1; ; attempt++ {
		res, err := c.attempt(ctx, action, body, hash, out)
		if err == nil {
			if heldCost > 0 {
				c.quota.release(heldCost)
			} else {
				c.quota.release(noRetrySuccessRefund)
			}
			return res.meta, nil
		}
		stop := func(reason string, ctxErr error) error {
			if attempt == 1 {
				return err
			}
			return &RetryError{Attempts: attempt, Reason: reason, Err: err, ctxErr: ctxErr}
		}
		if ctx.Err() != nil {
			return res.meta, stop(reasonContextEnded, ctx.Err())
		}
		if attempt >= c.maxAttempts {
			if classify(ctx, err) == classFinal {
				return res.meta, stop(reasonNotRetryable, nil)
			}
			return res.meta, stop(reasonMaxAttempts, nil)
		}

		var ae *APIError
		if errors.As(err, &ae) {
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

		class := classify(ctx, err)
		if class == classFinal {
			return res.meta, stop(reasonNotRetryable, nil)
		}
		cost := retryCost
		if class == classThrottle {
			cost = throttlingRetryCost
		}
		if !c.quota.acquire(cost) {
			// Said even after one attempt: the caller should know that the
			// client stopped retrying because many calls are failing.
			return res.meta, &RetryError{Attempts: attempt, Reason: reasonQuotaExhausted, Err: err}
		}
		heldCost = cost
		delay := backoff(attempt, class, c.maxBackoff, c.jitter(), res.header)
		c.log(ctx, "enidetach: retrying", slog.Int("attempt", attempt), slog.Duration("backoff", delay), slog.String("error", err.Error()))
		if serr := c.sleep(ctx, delay); serr != nil {
			return res.meta, &RetryError{Attempts: attempt, Reason: reasonContextEnded, Err: err, ctxErr: serr}
		}
	}
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
	req.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
	if c.creds != nil {
		if res.signedOffset, err = c.signer.sign(ctx, req, hash, res.creds); err != nil {
			return res, &TransportError{Err: fmt.Errorf("sign request: %w", err)}
		}
	}
	req.Header["User-Agent"] = []string{c.userAgent}

	start := time.Now()
	resp, err := c.http.Do(req)
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

// withholdBody strips the body and the decoder's message from a
// *ResponseError of a client whose answers may hold credentials.
func withholdBody(err error) error {
	var re *ResponseError
	if !errors.As(err, &re) {
		return err
	}
	w := &ResponseError{StatusCode: re.StatusCode, RequestID: re.RequestID, withheld: true}
	if re.Err == errBodyTooLarge {
		w.Err = errBodyTooLarge
	} else if re.Err != nil {
		w.Err = errWithheldBody
	}
	return w
}

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

// log writes a debug record when a logger is set.
func (c *Client) log(ctx context.Context, msg string, attrs ...slog.Attr) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, msg, attrs...)
}

// logAttempt writes one debug record per attempt, with secrets redacted.
func (c *Client) logAttempt(ctx context.Context, action string, req *http.Request, resp *http.Response, start time.Time, err error) {
	if c.logger == nil || !c.logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("action", action),
		slog.String("url", req.URL.String()),
		slog.Any("request_headers", redactHeaders(req.Header)),
		slog.Duration("duration", time.Since(start)),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", requestIDFromHeader(resp.Header)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.logger.LogAttrs(ctx, slog.LevelDebug, "enidetach: attempt", attrs...)
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

// resolveEndpoint returns the endpoint and the signing region.
func resolveEndpoint(opts *Options) (*url.URL, string, error) {
	region := opts.Region
	if region != "" && !validRegion(region) {
		return nil, "", &ValidationError{Field: "Options.Region", Reason: fmt.Sprintf("%q is not a valid region name (lower-case letters, digits and hyphens)", region)}
	}
	if opts.BaseEndpoint != "" {
		if opts.UseFIPSEndpoint || opts.UseDualStackEndpoint {
			return nil, "", &ValidationError{Field: "Options.BaseEndpoint", Reason: "cannot be combined with UseFIPSEndpoint or UseDualStackEndpoint"}
		}
		u, err := parseBaseEndpoint("Options.BaseEndpoint", opts.BaseEndpoint, opts.AllowInsecureHTTP)
		if err != nil {
			return nil, "", err
		}
		if region == "" {
			region = "us-east-1"
		}
		return u, region, nil
	}
	if region == "" {
		return nil, "", &ValidationError{Field: "Options.Region", Reason: "no region found (tried Options.Region, AWS_REGION, AWS_DEFAULT_REGION and the shared config profile's region)"}
	}
	u, err := url.Parse(serviceEndpoint("ec2", region, opts.UseFIPSEndpoint, opts.UseDualStackEndpoint))
	if err != nil {
		return nil, "", &ValidationError{Field: "Options.Region", Reason: err.Error()}
	}
	return u, region, nil
}

// applyEnvDefaults fills options left unset from the environment variables
// the AWS SDK reads for them.
func applyEnvDefaults(opts *Options, env environ) error {
	if opts.Region == "" {
		opts.Region = firstNonEmpty(env.get("AWS_REGION"), env.get("AWS_DEFAULT_REGION"))
	}
	if opts.BaseEndpoint == "" && !strings.EqualFold(env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		opts.BaseEndpoint = firstNonEmpty(env.get("AWS_ENDPOINT_URL_EC2"), env.get("AWS_ENDPOINT_URL"))
	}
	for _, b := range []struct {
		name string
		dst  *bool
	}{{"AWS_USE_FIPS_ENDPOINT", &opts.UseFIPSEndpoint}, {"AWS_USE_DUALSTACK_ENDPOINT", &opts.UseDualStackEndpoint}} {
		if v := env.get(b.name); v != "" && !*b.dst {
			t, err := strconv.ParseBool(v)
			if err != nil {
				return &ValidationError{Field: b.name, Reason: fmt.Sprintf("%q is not true or false", v)}
			}
			*b.dst = t
		}
	}
	if v := env.get("AWS_MAX_ATTEMPTS"); v != "" && opts.MaxAttempts == 0 {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return &ValidationError{Field: "AWS_MAX_ATTEMPTS", Reason: fmt.Sprintf("%q is not a positive integer", v)}
		}
		opts.MaxAttempts = n
	}
	if opts.AppID == "" {
		opts.AppID = env.get("AWS_SDK_UA_APP_ID")
	}
	if len(opts.AppID) > 50 || strings.ContainsAny(opts.AppID, " \t\r\n") {
		return &ValidationError{Field: "Options.AppID", Reason: "must be at most 50 characters without white space"}
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// defaultHTTPClient returns the client used when Options.HTTPClient is nil.
// Redirects are not followed: a redirected request would not verify at its
// new host, and the 3xx itself is the more useful error.
func defaultHTTPClient(caBundle string) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if caBundle != "" {
		pem, err := os.ReadFile(caBundle)
		if err != nil {
			return nil, &ValidationError{Field: "AWS_CA_BUNDLE", Reason: err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &ValidationError{Field: "AWS_CA_BUNDLE", Reason: "no PEM certificates in " + caBundle}
		}
		tlsConfig.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   64,
		ForceAttemptHTTP2:     true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
