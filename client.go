package enidetach

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/ec2lite/enidetach/internal/redact"
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
// offset are shared too. What it holds beyond the engine beneath
// (internal/query) is what the root's EC2 operations share: the waits'
// polls and the event hook.
type Client struct {
	engine  *query.Engine // signs, sends, retries, reads and decodes (internal/query)
	polls   poller        // the waits' shared DescribeNetworkInterfaces (poll.go)
	onEvent func(Event)   // Options.OnEvent (event.go)
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
	// settings completes opts in place (clock, HTTP client, FIPS
	// pseudo-region), so the STS engines made below share what EC2 uses.
	s, err := settings(&opts, "Options.Credentials", caBundle)
	if err != nil {
		return nil, err
	}
	if opts.Credentials == nil {
		// The default chain: STS engines it makes share this client's
		// HTTP client, retry settings and clock.
		deps := &chainDeps{
			env: env, programmed: opts.Profile != "", prof: prof,
			sessionName: func() string { return "enidetach-" + strconv.FormatInt(opts.Clock().UnixNano(), 10) },
			sts: func(creds aws.CredentialsProvider) (*query.Engine, error) {
				return stsEngine(s, opts, env, prof, creds)
			},
		}
		creds, err := newDefaultCredentials(deps)
		if err != nil {
			return nil, err
		}
		s.Credentials = aws.NewCredentialsCache(creds, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsExpiryWindow })
		s.CredentialsSource = "default chain"
	}
	return newFromSettings(s, opts.OnEvent), nil
}

// build makes a client of EC2 from complete options, whatever their
// source; a nil opts.Credentials leaves it unsigned. credsSource names
// opts.Credentials in errors; caBundle is the default HTTP client's.
func build(opts *Options, credsSource, caBundle string) (*Client, error) {
	s, err := settings(opts, credsSource, caBundle)
	if err != nil {
		return nil, err
	}
	return newFromSettings(s, opts.OnEvent), nil
}

// settings resolves complete options into the EC2 engine's settings,
// completing opts in place: its clock and, when it has none, the default
// HTTP client.
func settings(opts *Options, credsSource, caBundle string) (query.Settings, error) {
	if err := checkOptions(opts); err != nil {
		return query.Settings{}, err
	}
	endpoint, region, err := resolveEndpoint(opts)
	if err != nil {
		return query.Settings{}, err
	}
	if opts.Clock == nil {
		opts.Clock = time.Now
	}
	var transport *http.Transport
	if opts.HTTPClient == nil {
		hc, err := defaultHTTPClient(caBundle)
		if err != nil {
			return query.Settings{}, err
		}
		opts.HTTPClient, transport = hc, hc.Transport.(*http.Transport)
	}
	retryer := query.NewRetryer(retrySettings(*opts))
	return query.Settings{
		Service: "EC2", Version: apiVersion, Endpoint: endpoint, Region: region,
		HTTPClient: opts.HTTPClient, Transport: transport, Clock: opts.Clock,
		Credentials: opts.Credentials, CredentialsSource: credsSource,
		Retryer: retryer, Pace: true, BeyondRetryer: opts.Retryer == nil && retryer.MaxAttempts() != 1,
		AttemptTimeout: opts.AttemptTimeout, Logger: opts.Logger, UserAgent: userAgent(opts.AppID),
	}, nil
}

// retrySettings are the retry options of opts.
func retrySettings(opts Options) query.RetrySettings {
	return query.RetrySettings{Retryer: opts.Retryer, Mode: opts.RetryMode, MaxAttempts: opts.MaxAttempts, MaxBackoff: opts.MaxBackoff}
}

// newFromSettings returns a client whose engine has settings s, reporting
// its attempts to onEvent.
func newFromSettings(s query.Settings, onEvent func(Event)) *Client {
	c := &Client{onEvent: onEvent}
	if onEvent != nil {
		s.OnAttempt = func(a query.Attempt) { c.emit(attemptEvent(a)) }
	}
	c.engine = query.New(s)
	return c
}

// Format prints the client as its service, region and endpoint, in every
// verb: a client holds credentials (and after an expired-token refresh a
// digest of the refused ones), which no formatting may reach.
func (c *Client) Format(f fmt.State, verb rune) {
	if c == nil {
		redact.Format(f, verb, "(*enidetach.Client)(nil)", "<nil>")
		return
	}
	s := "{Service: Region: Endpoint:}"
	if c.engine != nil {
		s = c.engine.String()
	}
	redact.Format(f, verb, "&enidetach.Client"+s, "&"+s)
}

// now is the client's clock (always set: usable refused a client New did not make).
func (c *Client) now() time.Time { return c.engine.Now() }

// sleep waits for d or until ctx ends, as the engine's backoffs wait.
func (c *Client) sleep(ctx context.Context, d time.Duration) error { return c.engine.Sleep(ctx, d) }

// Region returns the region requests are signed for.
func (c *Client) Region() string { return c.engine.Region() }

// Endpoint returns the URL requests are sent to.
func (c *Client) Endpoint() string { return c.engine.Endpoint() }

// userAgent returns the User-Agent header value.
func userAgent(appID string) string {
	ua := "enidetach/" + Version + " lang/go#" + strings.TrimPrefix(runtime.Version(), "go") +
		" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	if appID != "" {
		ua += " app/" + appID
	}
	return ua
}
