// Package config resolves a client's options into the Query engine's
// settings, where and in the order the AWS SDK resolves them
// (config.LoadDefaultConfig and a service client's resolution): the
// region, the endpoint (partitions, FIPS, dual-stack, configured endpoint
// URLs), the retry settings, the default HTTP client and the default
// credential chain (environment, shared files, web identity and assumed
// roles through STS, credential processes, container and instance
// credentials). It knows the service only by the name it is given.
package config

import (
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/query"
)

// Input is what the caller configured: the root's Options, field for
// field, and the service's identity.
type Input struct {
	Service string // the SDK service ID ("EC2"); lower-cased, the services-section name
	// EndpointPrefix is the first label of the service's endpoint host
	// ("ec2"); "" is Service lower-cased.
	EndpointPrefix string
	APIVersion     string
	Version        string // the library's, for the User-Agent

	Region                                string
	Credentials                           aws.CredentialsProvider
	Profile                               string
	BaseEndpoint                          string
	UseFIPSEndpoint, UseDualStackEndpoint bool
	AllowInsecureHTTP                     bool
	HTTPClient                            query.HTTPClient
	Retryer                               aws.RetryerV2
	RetryMode                             aws.RetryMode
	MaxAttempts                           int
	MaxBackoff, AttemptTimeout            time.Duration
	Logger                                *slog.Logger
	Clock                                 func() time.Time
	AppID                                 string
	OnAttempt                             func(query.Attempt) // given to the service's engine and the STS engines
}

// Env reads environment variables: OS for the process's, a map in tests.
type Env interface {
	Get(name string) string
}

// OS is the process environment.
type OS struct{}

// Get returns the variable's value.
func (OS) Get(name string) string { return os.Getenv(name) }

// Resolve fills what in leaves unset from env, then from the shared config
// profile, and returns the service engine's settings, with the default
// credential chain when in has no credentials. Nothing is fetched.
func Resolve(in Input, env Env) (query.Settings, error) {
	prof, err := loadProfile(in.Profile, env)
	if err != nil {
		return query.Settings{}, err
	}
	caBundle, err := fillDefaults(&in, env, prof)
	if err != nil {
		return query.Settings{}, err
	}
	// settings completes in (clock, HTTP client, FIPS pseudo-region), so
	// the STS engines made below share what the service uses.
	s, err := settings(&in, "Options.Credentials", caBundle)
	if err != nil {
		return query.Settings{}, err
	}
	if in.Credentials == nil {
		// The default chain: STS engines it makes share the service's
		// HTTP client, retry settings and clock.
		deps := &chainDeps{
			env: env, programmed: in.Profile != "", prof: prof,
			sessionName: func() string { return "enidetach-" + strconv.FormatInt(in.Clock().UnixNano(), 10) },
			sts: func(creds aws.CredentialsProvider) (*query.Engine, error) {
				return stsEngine(s, in, env, prof, creds)
			},
		}
		creds, err := newDefaultCredentials(deps)
		if err != nil {
			return query.Settings{}, err
		}
		s.Credentials = aws.NewCredentialsCache(creds, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsExpiryWindow })
		s.CredentialsSource = "default chain"
	}
	return s, nil
}

// Build returns the settings of complete input, whatever its source (an
// SDK aws.Config): nothing is read from the environment; a nil
// in.Credentials leaves requests unsigned. credsSource names
// in.Credentials in errors.
func Build(in Input, credsSource string) (query.Settings, error) {
	return settings(&in, credsSource, "")
}

// settings resolves complete input into the service engine's settings,
// completing in in place: its clock and, when it has none, the default
// HTTP client.
func settings(in *Input, credsSource, caBundle string) (query.Settings, error) {
	if err := checkInput(in); err != nil {
		return query.Settings{}, err
	}
	endpoint, region, err := resolveEndpoint(in)
	if err != nil {
		return query.Settings{}, err
	}
	if in.Clock == nil {
		in.Clock = time.Now
	}
	s := query.Settings{
		Service: in.Service, Version: in.APIVersion, Endpoint: endpoint, Region: region,
		HTTPClient: in.HTTPClient, Clock: in.Clock, Credentials: in.Credentials, CredentialsSource: credsSource,
		Retryer: query.NewRetryer(retrySettings(*in)), Pace: true, AttemptTimeout: in.AttemptTimeout,
		Logger: in.Logger, UserAgent: userAgent(in.Version, in.AppID), OnAttempt: in.OnAttempt,
	}
	s.BeyondRetryer, s.MaxBackoff = in.Retryer == nil && s.Retryer.MaxAttempts() != 1, in.MaxBackoff
	if in.HTTPClient == nil {
		hc, err := defaultHTTPClient(caBundle)
		if err != nil {
			return query.Settings{}, err
		}
		in.HTTPClient, s.HTTPClient, s.Transport = hc, hc, hc.Transport.(*http.Transport)
	}
	return s, nil
}

// retrySettings are the retry settings of in.
func retrySettings(in Input) query.RetrySettings {
	return query.RetrySettings{Retryer: in.Retryer, Mode: in.RetryMode, MaxAttempts: in.MaxAttempts, MaxBackoff: in.MaxBackoff}
}

// userAgent returns the User-Agent header value.
func userAgent(version, appID string) string {
	ua := "enidetach/" + version + " lang/go#" + strings.TrimPrefix(runtime.Version(), "go") +
		" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	if appID != "" {
		ua += " app/" + appID
	}
	return ua
}
