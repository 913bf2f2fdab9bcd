package sdkcompare

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// This file is issue 11's acceptance test: for each configuration a user
// can give (environment, shared config files, aws.Config options), the
// official SDK (config.LoadDefaultConfig + ec2.NewFromConfig) and
// enidetach (New reading the same environment and files, and NewFromConfig
// given the SDK's aws.Config) send their requests to the same URL, signed
// for the same region, as many times. It is measured on the wire, the same
// way for every client: an HTTP client (or, where a CA bundle is under test,
// a local TLS server) records each request and answers 500 InternalError,
// so every client retries until its attempts run out.

// internalErrorBody is EC2's answer to a request that failed on its side.
const internalErrorBody = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InternalError</Code><Message>An internal error has occurred.</Message></Error></Errors><RequestID>11111111-2222-3333-4444-555555555555</RequestID></Response>`

// outcome is what one call put on the wire.
type outcome struct {
	URL      string // where the requests went; "" when none was sent
	Region   string // the region of the Authorization header's credential scope
	Attempts int    // how many requests were sent
}

func (o outcome) String() string {
	if o.Attempts == 0 {
		return "no request"
	}
	return fmt.Sprintf("%d × %s signed for %s", o.Attempts, o.URL, o.Region)
}

// wireRecorder records where requests went and the region they were
// signed for, and answers each with 500 InternalError. It is both an
// HTTPClient (for the SDK, enidetach and aws.Config) and a handler (for a
// local TLS server).
type wireRecorder struct {
	mu   sync.Mutex
	urls []string
	regs []string
}

// Do records req and answers 500 InternalError without any network I/O.
func (w *wireRecorder) Do(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	u := *req.URL
	if u.Path == "" {
		u.Path = "/" // what the request line carries
	}
	w.record(u.Scheme+"://"+u.Host+u.RequestURI(), req.Header.Get("Authorization"))
	return &http.Response{
		Status:        "500 Internal Server Error",
		StatusCode:    http.StatusInternalServerError,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"text/xml;charset=UTF-8"}},
		Body:          io.NopCloser(strings.NewReader(internalErrorBody)),
		ContentLength: int64(len(internalErrorBody)),
		Request:       req,
	}, nil
}

// ServeHTTP records r and answers 500 InternalError.
func (w *wireRecorder) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.record("https://"+r.Host+r.URL.RequestURI(), r.Header.Get("Authorization"))
	rw.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	rw.WriteHeader(http.StatusInternalServerError)
	_, _ = io.WriteString(rw, internalErrorBody)
}

func (w *wireRecorder) record(url, authorization string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.urls = append(w.urls, url)
	w.regs = append(w.regs, scopeRegion(authorization))
}

// take returns the outcome of the requests recorded since the last take.
func (w *wireRecorder) take() outcome {
	w.mu.Lock()
	defer w.mu.Unlock()
	o := outcome{Attempts: len(w.urls), URL: sameOrAll(w.urls), Region: sameOrAll(w.regs)}
	w.urls, w.regs = nil, nil
	return o
}

// sameOrAll returns the one value all of vs hold, or all of them.
func sameOrAll(vs []string) string {
	for _, v := range vs {
		if v != vs[0] {
			return "differing: " + strings.Join(vs, ", ")
		}
	}
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// scopeRegion returns the region of a SigV4 Authorization header's
// credential scope (Credential=AKID/date/region/service/aws4_request).
func scopeRegion(authorization string) string {
	_, cred, ok := strings.Cut(authorization, "Credential=")
	if !ok {
		return "unsigned"
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) < 5 {
		return "malformed scope " + cred
	}
	return parts[2]
}

// noDelay is a retryer with its backoff removed, so that rows not about
// time run fast; attempts and retryability are the wrapped retryer's.
type noDelay struct{ aws.RetryerV2 }

func (noDelay) RetryDelay(int, error) (time.Duration, error) { return 0, nil }

// zeroBackoff is a retry.BackoffDelayer that never waits.
type zeroBackoff struct{}

func (zeroBackoff) BackoffDelay(int, error) (time.Duration, error) { return 0, nil }

// noBackoff is the Options.MaxBackoff that makes the retryer enidetach
// builds wait (next to) nothing between attempts; it changes no attempt
// count. A row's programmed retryer has no backoff of its own.
const noBackoff = time.Nanosecond

// configCase is one configuration. Strings in env, config and want.URL may
// hold {tls} (the URL of the row's TLS server) and {ca} (the path of its
// certificate as a PEM file).
type configCase struct {
	name   string
	env    map[string]string                 // environment variables besides static keys
	config string                            // the shared config file
	load   []func(*config.LoadOptions) error // LoadDefaultConfig options: the SDK and NewFromConfig
	opts   func(*enidetach.Options)          // the same settings as Options, for New
	// retryer, when set, is given to config.WithRetryer and as
	// Options.Retryer to New.
	retryer func() aws.RetryerV2
	// tls sends the requests to a local TLS server trusted only through a
	// CA bundle; each client keeps its default HTTP client.
	tls bool
	// noNew says why New is not compared: the configuration has no
	// equivalent in Options.
	noNew string
	// want is what enidetach does, and what the SDK does unless sdk says
	// otherwise.
	want outcome
	// sdk, when set, is what the SDK does instead of want, where
	// enidetach deliberately differs; why says why.
	sdk *outcome
	// newWant, when set, is what New does instead of want, where Options
	// mean something else than the SDK's loading options; why says why.
	newWant *outcome
	why     string
}

const (
	ec2Env     = "https://ec2-env.example.com/"
	globalEnv  = "https://global-env.example.com/"
	profileURL = "https://profile.example.com/"
	servicesEC = "https://services-ec2.example.com/"
	optionURL  = "https://option.example.com/"
)

// pseudoRegionWhy is why enidetach signs FIPS pseudo-regions for the
// real region: the SDK sends them to the FIPS endpoint of the real region
// but signs for the pseudo-region (its EC2 endpoint rules carry no signing
// region and the auth scheme takes options.Region as given), a credential
// scope that names no region; botocore signs for the real region.
const pseudoRegionWhy = "a FIPS pseudo-region is signed for the real region, as botocore does; the SDK signs for the pseudo-region name"

// standard4 is a programmed retryer of 4 attempts that does not wait.
func standard4() aws.RetryerV2 {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 4
		o.Backoff = zeroBackoff{}
	})
}

var configCases = []configCase{
	// The environment.
	{name: "env AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "env AWS_DEFAULT_REGION", env: map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"},
		want: outcome{"https://ec2.ap-south-1.amazonaws.com/", "ap-south-1", 3}},
	{name: "env AWS_REGION over AWS_DEFAULT_REGION", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-south-1"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "env AWS_ENDPOINT_URL", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": strings.TrimSuffix(globalEnv, "/")},
		want: outcome{globalEnv, "eu-west-1", 3}},
	{name: "env AWS_ENDPOINT_URL_EC2 over AWS_ENDPOINT_URL", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": globalEnv, "AWS_ENDPOINT_URL_EC2": ec2Env},
		want: outcome{ec2Env, "eu-west-1", 3}},
	{name: "env AWS_ENDPOINT_URL_STS is not EC2's", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_STS": "https://sts-env.example.com"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "env AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": globalEnv, "AWS_ENDPOINT_URL_EC2": ec2Env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "env AWS_USE_FIPS_ENDPOINT", env: map[string]string{"AWS_REGION": "us-east-2", "AWS_USE_FIPS_ENDPOINT": "true"},
		want: outcome{"https://ec2-fips.us-east-2.amazonaws.com/", "us-east-2", 3}},
	{name: "env AWS_USE_DUALSTACK_ENDPOINT", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
		want: outcome{"https://ec2.eu-west-1.api.aws/", "eu-west-1", 3}},
	{name: "env FIPS and dual-stack", env: map[string]string{"AWS_REGION": "us-west-2", "AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
		want: outcome{"https://ec2-fips.us-west-2.api.aws/", "us-west-2", 3}},
	{name: "env AWS_MAX_ATTEMPTS", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "5"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 5}},
	{name: "env AWS_MAX_ATTEMPTS=1", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "1"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 1}},
	{name: "env AWS_RETRY_MODE adaptive", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_RETRY_MODE": "adaptive"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "env AWS_RETRY_MODE adaptive with AWS_MAX_ATTEMPTS", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "2"},
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 2}},
	{name: "env AWS_PROFILE", env: map[string]string{"AWS_PROFILE": "other"},
		config: "[default]\nregion = eu-west-1\n\n[profile other]\nregion = sa-east-1\nmax_attempts = 2\n",
		want:   outcome{"https://ec2.sa-east-1.amazonaws.com/", "sa-east-1", 2}},
	{name: "env AWS_CA_BUNDLE", tls: true, env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_EC2": "{tls}", "AWS_CA_BUNDLE": "{ca}"},
		want: outcome{"{tls}/", "eu-west-1", 3}},

	// The shared config file.
	{name: "profile region", config: "[default]\nregion = eu-north-1\n",
		want: outcome{"https://ec2.eu-north-1.amazonaws.com/", "eu-north-1", 3}},
	{name: "profile endpoint_url", config: "[default]\nregion = eu-west-1\nendpoint_url = " + profileURL + "\n",
		want: outcome{profileURL, "eu-west-1", 3}},
	{name: "profile services ec2 endpoint_url over endpoint_url",
		config: "[default]\nregion = eu-west-1\nendpoint_url = " + profileURL + "\nservices = local\n\n[services local]\nec2 =\n  endpoint_url = " + servicesEC + "\n",
		want:   outcome{servicesEC, "eu-west-1", 3}},
	{name: "profile services section without ec2",
		config: "[default]\nregion = eu-west-1\nservices = local\n\n[services local]\nsts =\n  endpoint_url = https://sts-services.example.com\n",
		want:   outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "profile ignore_configured_endpoint_urls",
		config: "[default]\nregion = eu-west-1\nignore_configured_endpoint_urls = true\nendpoint_url = " + profileURL + "\nservices = local\n\n[services local]\nec2 =\n  endpoint_url = " + servicesEC + "\n",
		want:   outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3}},
	{name: "profile use_fips_endpoint", config: "[default]\nregion = ca-central-1\nuse_fips_endpoint = true\n",
		want: outcome{"https://ec2-fips.ca-central-1.amazonaws.com/", "ca-central-1", 3}},
	{name: "profile use_dualstack_endpoint", config: "[default]\nregion = ap-northeast-1\nuse_dualstack_endpoint = true\n",
		want: outcome{"https://ec2.ap-northeast-1.api.aws/", "ap-northeast-1", 3}},
	{name: "profile max_attempts", config: "[default]\nregion = eu-west-1\nmax_attempts = 4\n",
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 4}},
	{name: "profile retry_mode adaptive with max_attempts", config: "[default]\nregion = eu-west-1\nretry_mode = adaptive\nmax_attempts = 2\n",
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 2}},
	{name: "profile ca_bundle", tls: true, env: map[string]string{"AWS_ENDPOINT_URL_EC2": "{tls}"},
		config: "[default]\nregion = eu-west-1\nca_bundle = {ca}\n",
		want:   outcome{"{tls}/", "eu-west-1", 3}},

	// aws.Config options; New is given the same settings as Options.
	{name: "option WithRegion", load: []func(*config.LoadOptions) error{config.WithRegion("eu-central-1")},
		opts: func(o *enidetach.Options) { o.Region = "eu-central-1" },
		want: outcome{"https://ec2.eu-central-1.amazonaws.com/", "eu-central-1", 3}},
	{name: "option WithUseFIPSEndpoint", env: map[string]string{"AWS_REGION": "us-east-1"},
		load: []func(*config.LoadOptions) error{config.WithUseFIPSEndpoint(aws.FIPSEndpointStateEnabled)},
		opts: func(o *enidetach.Options) { o.UseFIPSEndpoint = true },
		want: outcome{"https://ec2-fips.us-east-1.amazonaws.com/", "us-east-1", 3}},
	{name: "option WithUseDualStackEndpoint", env: map[string]string{"AWS_REGION": "us-east-1"},
		load: []func(*config.LoadOptions) error{config.WithUseDualStackEndpoint(aws.DualStackEndpointStateEnabled)},
		opts: func(o *enidetach.Options) { o.UseDualStackEndpoint = true },
		want: outcome{"https://ec2.us-east-1.api.aws/", "us-east-1", 3}},
	{name: "option WithBaseEndpoint", env: map[string]string{"AWS_REGION": "eu-west-1"},
		load: []func(*config.LoadOptions) error{config.WithBaseEndpoint(optionURL)},
		opts: func(o *enidetach.Options) { o.BaseEndpoint = optionURL },
		want: outcome{optionURL, "eu-west-1", 3}},
	{name: "option WithRetryMaxAttempts", env: map[string]string{"AWS_REGION": "eu-west-1"},
		load: []func(*config.LoadOptions) error{config.WithRetryMaxAttempts(2)},
		opts: func(o *enidetach.Options) { o.MaxAttempts = 2 },
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 2}},
	{name: "option WithRetryer", env: map[string]string{"AWS_REGION": "eu-west-1"}, retryer: standard4,
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 4}},

	// Precedence.
	{name: "env AWS_REGION over profile region", env: map[string]string{"AWS_REGION": "eu-west-3"},
		config: "[default]\nregion = eu-north-1\n",
		want:   outcome{"https://ec2.eu-west-3.amazonaws.com/", "eu-west-3", 3}},
	{name: "env AWS_MAX_ATTEMPTS over profile max_attempts", env: map[string]string{"AWS_MAX_ATTEMPTS": "2"},
		config: "[default]\nregion = eu-west-1\nmax_attempts = 5\n",
		want:   outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 2}},
	{name: "env AWS_ENDPOINT_URL_EC2 over profile services ec2", env: map[string]string{"AWS_ENDPOINT_URL_EC2": ec2Env},
		config: "[default]\nregion = eu-west-1\nservices = local\n\n[services local]\nec2 =\n  endpoint_url = " + servicesEC + "\n",
		want:   outcome{ec2Env, "eu-west-1", 3}},
	{name: "env AWS_ENDPOINT_URL over profile services ec2", env: map[string]string{"AWS_ENDPOINT_URL": globalEnv},
		config: "[default]\nregion = eu-west-1\nservices = local\n\n[services local]\nec2 =\n  endpoint_url = " + servicesEC + "\n",
		want:   outcome{globalEnv, "eu-west-1", 3}},
	{name: "env AWS_USE_FIPS_ENDPOINT=false over profile use_fips_endpoint", env: map[string]string{"AWS_USE_FIPS_ENDPOINT": "false"},
		config: "[default]\nregion = us-east-1\nuse_fips_endpoint = true\n",
		want:   outcome{"https://ec2.us-east-1.amazonaws.com/", "us-east-1", 3}},
	{name: "env AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false over profile", env: map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
		config: "[default]\nregion = eu-west-1\nignore_configured_endpoint_urls = true\nendpoint_url = " + profileURL + "\n",
		want:   outcome{profileURL, "eu-west-1", 3}},
	{name: "option WithRegion over env AWS_REGION", env: map[string]string{"AWS_REGION": "eu-west-1"},
		load: []func(*config.LoadOptions) error{config.WithRegion("ap-southeast-2")},
		opts: func(o *enidetach.Options) { o.Region = "ap-southeast-2" },
		want: outcome{"https://ec2.ap-southeast-2.amazonaws.com/", "ap-southeast-2", 3}},
	{name: "option WithRetryMaxAttempts over env AWS_MAX_ATTEMPTS", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "5"},
		load: []func(*config.LoadOptions) error{config.WithRetryMaxAttempts(2)},
		opts: func(o *enidetach.Options) { o.MaxAttempts = 2 },
		want: outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 2}},
	{name: "option WithBaseEndpoint over env AWS_ENDPOINT_URL_EC2", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_EC2": ec2Env},
		load: []func(*config.LoadOptions) error{config.WithBaseEndpoint(optionURL)},
		opts: func(o *enidetach.Options) { o.BaseEndpoint = optionURL },
		want: outcome{optionURL, "eu-west-1", 3}},
	{name: "option WithUseFIPSEndpoint disabled over env", env: map[string]string{"AWS_REGION": "us-east-1", "AWS_USE_FIPS_ENDPOINT": "true"},
		load:  []func(*config.LoadOptions) error{config.WithUseFIPSEndpoint(aws.FIPSEndpointStateDisabled)},
		noNew: "Options.UseFIPSEndpoint is a bool, false means unset: New cannot say disabled over the environment",
		want:  outcome{"https://ec2.us-east-1.amazonaws.com/", "us-east-1", 3}},
	{name: "option WithRetryer over env AWS_MAX_ATTEMPTS and profile max_attempts", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_MAX_ATTEMPTS": "2"}, retryer: standard4,
		config: "[default]\nmax_attempts = 5\nretry_mode = adaptive\n",
		want:   outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 4}},
	{name: "option WithBaseEndpoint under env AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
		load:    []func(*config.LoadOptions) error{config.WithBaseEndpoint(optionURL)},
		opts:    func(o *enidetach.Options) { o.BaseEndpoint = optionURL },
		want:    outcome{"https://ec2.eu-west-1.amazonaws.com/", "eu-west-1", 3},
		newWant: &outcome{optionURL, "eu-west-1", 3},
		why: "the SDK's loader drops even config.WithBaseEndpoint under the flag, and NewFromConfig follows it; " +
			"Options.BaseEndpoint is the client's own setting, like ec2.Options.BaseEndpoint, which the flag does not touch"},

	// FIPS pseudo-regions and partitions.
	{name: "pseudo-region fips-us-east-1", env: map[string]string{"AWS_REGION": "fips-us-east-1"},
		want: outcome{"https://ec2-fips.us-east-1.amazonaws.com/", "us-east-1", 3},
		sdk:  &outcome{"https://ec2-fips.us-east-1.amazonaws.com/", "fips-us-east-1", 3}, why: pseudoRegionWhy},
	{name: "pseudo-region us-east-1-fips", env: map[string]string{"AWS_REGION": "us-east-1-fips"},
		want: outcome{"https://ec2-fips.us-east-1.amazonaws.com/", "us-east-1", 3},
		sdk:  &outcome{"https://ec2-fips.us-east-1.amazonaws.com/", "us-east-1-fips", 3}, why: pseudoRegionWhy},
	{name: "pseudo-region fips-us-gov-west-1", env: map[string]string{"AWS_REGION": "fips-us-gov-west-1"},
		want: outcome{"https://ec2.us-gov-west-1.amazonaws.com/", "us-gov-west-1", 3},
		sdk:  &outcome{"https://ec2.us-gov-west-1.amazonaws.com/", "fips-us-gov-west-1", 3}, why: pseudoRegionWhy},
	{name: "profile pseudo-region us-west-2-fips", config: "[default]\nregion = us-west-2-fips\n",
		want: outcome{"https://ec2-fips.us-west-2.amazonaws.com/", "us-west-2", 3},
		sdk:  &outcome{"https://ec2-fips.us-west-2.amazonaws.com/", "us-west-2-fips", 3}, why: pseudoRegionWhy},
	{name: "aws-cn FIPS", env: map[string]string{"AWS_REGION": "cn-north-1", "AWS_USE_FIPS_ENDPOINT": "true"},
		want: outcome{"https://ec2-fips.cn-north-1.amazonaws.com.cn/", "cn-north-1", 3}},
	{name: "aws-cn dual-stack", env: map[string]string{"AWS_REGION": "cn-northwest-1", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
		want: outcome{"https://ec2.cn-northwest-1.api.amazonwebservices.com.cn/", "cn-northwest-1", 3}},
	{name: "aws-us-gov FIPS", env: map[string]string{"AWS_REGION": "us-gov-west-1", "AWS_USE_FIPS_ENDPOINT": "true"},
		want: outcome{"https://ec2.us-gov-west-1.amazonaws.com/", "us-gov-west-1", 3}},
	{name: "aws-us-gov FIPS and dual-stack", env: map[string]string{"AWS_REGION": "us-gov-east-1", "AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"},
		want: outcome{"https://ec2-fips.us-gov-east-1.api.aws/", "us-gov-east-1", 3}},

	// Configurations that send nothing.
	{name: "no region", want: outcome{}},
	{name: "FIPS with an endpoint URL", env: map[string]string{"AWS_REGION": "eu-west-1", "AWS_USE_FIPS_ENDPOINT": "true", "AWS_ENDPOINT_URL_EC2": ec2Env},
		want: outcome{}},
}

// TestConfigMatchesSDK is issue 11's acceptance test; see the top of the
// file.
func TestConfigMatchesSDK(t *testing.T) {
	for _, tc := range configCases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &wireRecorder{}
			subst := setupConfigCase(t, tc, rec)
			want := tc.want
			want.URL = subst(want.URL)
			sdkWant, newWant := want, want
			if tc.sdk != nil {
				sdkWant = *tc.sdk
				t.Logf("enidetach differs from the SDK on purpose: %s", tc.why)
			}
			if tc.newWant != nil {
				newWant = *tc.newWant
			}

			var httpClient enidetach.HTTPClient = rec
			loadOpts := []func(*config.LoadOptions) error{}
			if !tc.tls {
				loadOpts = append(loadOpts, config.WithHTTPClient(rec))
			} else {
				httpClient = nil
			}
			loadOpts = append(loadOpts, tc.load...)
			if tc.retryer != nil {
				loadOpts = append(loadOpts, config.WithRetryer(func() aws.Retryer { return tc.retryer() }))
			}

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
			if err != nil {
				t.Fatalf("LoadDefaultConfig: %v", err)
			}
			sdk := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
				r, ok := o.Retryer.(aws.RetryerV2)
				if !ok {
					t.Fatalf("the SDK's retryer %T is not an aws.RetryerV2", o.Retryer)
				}
				o.Retryer = noDelay{r}
			})
			_, sdkErr := sdk.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(okID)})
			got := rec.take()
			if sdkErr == nil {
				t.Fatal("the SDK's call succeeded against a server that answers only 500")
			}
			if got != sdkWant {
				t.Errorf("SDK: %v, the table says %v (SDK error: %v)", got, sdkWant, sdkErr)
			}
			if got.Attempts == 0 {
				t.Logf("SDK sent nothing: %v", sdkErr)
			}

			t.Run("New", func(t *testing.T) {
				if tc.noNew != "" {
					t.Skip(tc.noNew)
				}
				opts := enidetach.Options{HTTPClient: httpClient, MaxBackoff: noBackoff}
				if tc.opts != nil {
					tc.opts(&opts)
				}
				if tc.retryer != nil {
					opts.Retryer = tc.retryer()
				}
				var ours outcome
				c, err := enidetach.New(opts)
				if err == nil {
					err = oursDetach(ctx, c)
					ours = rec.take()
				}
				if tc.newWant != nil {
					t.Logf("New differs from NewFromConfig on purpose: %s", tc.why)
				}
				compareOutcome(t, newWant, ours, err)
			})
			t.Run("NewFromConfig", func(t *testing.T) {
				c := enidetach.NewFromConfig(cfg, func(o *enidetach.Options) { o.MaxBackoff = noBackoff })
				err := oursDetach(ctx, c)
				compareOutcome(t, want, rec.take(), err)
			})
		})
	}
}

// oursDetach makes enidetach's call, which must fail.
func oursDetach(ctx context.Context, c *enidetach.Client) error {
	_, err := c.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: okID})
	if err == nil {
		return errors.New("the call succeeded against a server that answers only 500")
	}
	return err
}

func compareOutcome(t *testing.T, want, ours outcome, err error) {
	t.Helper()
	if ours != want {
		t.Errorf("enidetach: %v; want (the SDK's unless the row says why not): %v (enidetach error: %v)", ours, want, err)
	}
}

// setupConfigCase sets the row's environment (static keys, nothing of this
// machine), writes its shared config file, starts its TLS server, and
// returns the function that fills {tls} and {ca} in.
func setupConfigCase(t *testing.T, tc configCase, rec *wireRecorder) func(string) string {
	t.Helper()
	testenv.Clear(t)
	dir := t.TempDir()
	tlsURL, caPath := "https://tls.invalid", filepath.Join(dir, "no-ca.pem")
	if tc.tls {
		srv := httptest.NewUnstartedServer(rec)
		// A client that does not trust the bundle fails the handshake;
		// the row reports it, the server's log need not.
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		tlsURL, caPath = srv.URL, filepath.Join(dir, "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		if err := os.WriteFile(caPath, pemBytes, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	subst := strings.NewReplacer("{tls}", tlsURL, "{ca}", caPath).Replace

	configPath := filepath.Join(dir, "config")
	if tc.config != "" {
		if err := os.WriteFile(configPath, []byte(subst(tc.config)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", configPath)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ACCESS_KEY_ID", accessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range tc.env {
		t.Setenv(k, subst(v))
	}
	return subst
}

// botocoreScript prints, for each region in argv, the URL and credential
// scope region of botocore's EC2 DetachNetworkInterface request, which it
// stops before sending.
const botocoreScript = `
import sys
import botocore.session

class Stop(Exception):
    pass

def show(request, **kwargs):
    auth = request.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    print(request.url, auth.split("Credential=")[1].split("/")[2])
    raise Stop()

session = botocore.session.get_session()
for region in sys.argv[1:]:
    client = session.create_client("ec2", region_name=region)
    client.meta.events.register("before-send.ec2.*", show)
    try:
        client.detach_network_interface(AttachmentId="eni-attach-1")
    except Stop:
        pass
`

// TestPseudoRegionsBotocore backs the rows where enidetach departs from
// the SDK for FIPS pseudo-regions: botocore, the independent peer, sends
// them to the same endpoint as the SDK but signs for the real region, as
// the rows want.
func TestPseudoRegionsBotocore(t *testing.T) {
	python := testenv.RequireBotocore(t)
	var regions []string
	var wants []outcome
	for _, tc := range configCases {
		if tc.why != pseudoRegionWhy {
			continue
		}
		r := tc.env["AWS_REGION"]
		if r == "" {
			_, r, _ = strings.Cut(tc.config, "region = ")
			r, _, _ = strings.Cut(r, "\n")
		}
		regions = append(regions, r)
		wants = append(wants, tc.want)
	}
	if len(regions) == 0 {
		t.Fatal("no pseudo-region rows")
	}
	home := t.TempDir()
	cmd := exec.Command(python, append([]string{"-c", botocoreScript}, regions...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home, "AWS_CONFIG_FILE=" + filepath.Join(home, "none"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_ACCESS_KEY_ID=" + accessKey, "AWS_SECRET_ACCESS_KEY=" + secretKey, "AWS_EC2_METADATA_DISABLED=true"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(regions) {
		t.Fatalf("botocore printed %q for %d regions", out, len(regions))
	}
	for i, line := range lines {
		url, region, _ := strings.Cut(line, " ")
		if got := (outcome{url, region, 1}); got != (outcome{wants[i].URL, wants[i].Region, 1}) {
			t.Errorf("%s: botocore %s signed for %s; the table wants %s signed for %s", regions[i], url, region, wants[i].URL, wants[i].Region)
		}
	}
}
