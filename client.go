package enidetach

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Version is this library's version, sent in the User-Agent header.
const Version = "0.3.0"

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
	refreshMu      sync.Mutex            // guards expired
	expired        credentialsDigest     // a digest of the credentials last dropped as expired, never the credentials
	withholdBodies bool                  // answers may hold credentials (STS): never show a body
	signer         *requestSigner
	userAgent      string
	retryer        aws.RetryerV2
	pacing         *pacing // EC2 only: mutating actions paced after a throttle (pacer.go)
	attemptTimeout time.Duration
	logger         *slog.Logger
	buffers        sync.Pool
	polls          poller      // the waits' shared DescribeNetworkInterfaces (poll.go)
	onEvent        func(Event) // Options.OnEvent (event.go)

	// Test hook: how the client waits (backoffs, polls). Tests in this
	// package replace it.
	sleep func(ctx context.Context, d time.Duration) error
	// Test hook: the factor of a poll's delay to its base, in [0.85,
	// 1.05]; nil draws it at random (wait.go).
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
	prof, err := loadProfile(opts.Profile, env)
	if err != nil {
		return nil, err
	}
	caBundle, err := fillDefaults(&opts, env, prof)
	if err != nil {
		return nil, err
	}
	// build completes opts in place (clock, FIPS pseudo-region), so the
	// STS clients made below see what the EC2 client uses.
	c, err := build(&opts, "Options.Credentials", caBundle)
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
func build(opts *Options, credsSource, caBundle string) (*Client, error) {
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	endpoint, region, err := resolveEndpoint(opts)
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
	c := newBaseClient("EC2", apiVersion, endpoint, region, *opts, transport)
	c.retryer = newRetryer(*opts)
	c.pacing = &pacing{beyondRetryer: opts.Retryer == nil && c.retryer.MaxAttempts() != 1}
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
		onEvent:        opts.OnEvent,
		userAgent:      userAgent(opts.AppID),
		// SigV4 escapes the path; "/" is its own escape, so the signer
		// may skip the work and sign the same bytes.
		signer: newRequestSigner(strings.ToLower(service), region, opts.Clock, endpoint.Path != "/"),
		sleep:  sleepContext,
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

// Format prints the client as its service, region and endpoint, in every
// verb: a client holds credentials (and after an expired-token refresh a
// digest of the refused ones), which no formatting may reach.
func (c *Client) Format(f fmt.State, verb rune) {
	if c == nil {
		formatSafe(f, verb, "(*enidetach.Client)(nil)", "<nil>")
		return
	}
	s := fmt.Sprintf("{Service:%s Region:%s Endpoint:%s}", c.service, c.region, redactURL(c.endpointURL))
	formatSafe(f, verb, "&enidetach.Client"+s, "&"+s)
}

// now is the client's clock (always set: usable refused a client New did not make).
func (c *Client) now() time.Time { return c.clock() }

// Region returns the region requests are signed for.
func (c *Client) Region() string { return c.region }

// Endpoint returns the URL requests are sent to.
func (c *Client) Endpoint() string { return c.endpointURL }

// userAgent returns the User-Agent header value.
func userAgent(appID string) string {
	ua := "enidetach/" + Version + " lang/go#" + strings.TrimPrefix(runtime.Version(), "go") +
		" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	if appID != "" {
		ua += " app/" + appID
	}
	return ua
}
