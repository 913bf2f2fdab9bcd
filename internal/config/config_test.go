package config

import (
	"errors"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/ec2lite/enidetach/internal/query"
)

// TestBadOptions checks that Resolve refuses each bad option with a
// *query.ValidationError naming it.
func TestBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    Input
		env   mapEnv
		field string
		text  string
	}{
		{"no region", Input{}, nil, "Options.Region", "AWS_REGION"},
		{"region with a dot", Input{Region: "us-east-1.evil.com"}, nil, "Options.Region", "not a valid region"},
		{"upper-case region", Input{Region: "US-EAST-1"}, nil, "Options.Region", "not a valid region"},
		{"region with a slash", Input{Region: "us-east-1/x"}, nil, "Options.Region", ""},
		{"region starting with a hyphen", Input{Region: "-us"}, nil, "Options.Region", ""},
		{"region over 63 bytes", Input{Region: strings.Repeat("a", 64)}, nil, "Options.Region", ""},
		{"bad region from the environment", Input{}, mapEnv{"AWS_REGION": "not a region"}, "Options.Region", ""},
		{"endpoint is not a URL", Input{Region: "us-east-1", BaseEndpoint: "://x"}, nil, "Options.BaseEndpoint", "not a URL"},
		{"endpoint without scheme", Input{Region: "us-east-1", BaseEndpoint: "ec2.example.com"}, nil, "Options.BaseEndpoint", "http or https"},
		{"endpoint with ftp scheme", Input{Region: "us-east-1", BaseEndpoint: "ftp://ec2.example.com"}, nil, "Options.BaseEndpoint", "http or https"},
		{"endpoint without host", Input{Region: "us-east-1", BaseEndpoint: "https:///path"}, nil, "Options.BaseEndpoint", "no host"},
		{"endpoint with user info", Input{Region: "us-east-1", BaseEndpoint: "https://u:p@ec2.example.com"}, nil, "Options.BaseEndpoint", "user information"},
		{"endpoint with query", Input{Region: "us-east-1", BaseEndpoint: "https://ec2.example.com/?a=b"}, nil, "Options.BaseEndpoint", "query"},
		{"plain http to a remote host", Input{Region: "us-east-1", BaseEndpoint: "http://ec2.example.com"}, nil, "Options.BaseEndpoint", "not loopback"},
		{"plain http from the environment", Input{Region: "us-east-1"}, mapEnv{"AWS_ENDPOINT_URL_EC2": "http://192.0.2.1"}, "Options.BaseEndpoint", "not loopback"},
		{"endpoint with FIPS", Input{Region: "us-east-1", BaseEndpoint: "https://x.example.com", UseFIPSEndpoint: true}, nil, "Options.BaseEndpoint", "FIPS"},
		{"endpoint with dual-stack", Input{Region: "us-east-1", BaseEndpoint: "https://x.example.com", UseDualStackEndpoint: true}, nil, "Options.BaseEndpoint", "DualStack"},
		{"negative attempts", Input{Region: "us-east-1", MaxAttempts: -1}, nil, "Options.MaxAttempts", ""},
		{"negative backoff", Input{Region: "us-east-1", MaxBackoff: -1}, nil, "Options.MaxBackoff", ""},
		{"negative attempt timeout", Input{Region: "us-east-1", AttemptTimeout: -1}, nil, "Options.AttemptTimeout", ""},
		{"app ID with spaces", Input{Region: "us-east-1", AppID: "my app"}, nil, "Options.AppID", ""},
		{"bad FIPS variable", Input{Region: "us-east-1"}, mapEnv{"AWS_USE_FIPS_ENDPOINT": "yes please"}, "AWS_USE_FIPS_ENDPOINT", ""},
		{"bad max attempts variable", Input{Region: "us-east-1"}, mapEnv{"AWS_MAX_ATTEMPTS": "0"}, "AWS_MAX_ATTEMPTS", ""},
		{"missing CA bundle", Input{Region: "us-east-1"}, mapEnv{"AWS_CA_BUNDLE": "/nonexistent/ca.pem"}, "AWS_CA_BUNDLE", "no such file"},
		{"named profile missing", Input{Region: "us-east-1", Profile: "nope"}, nil, "profile", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = mapEnv{}
			}
			env["HOME"] = t.TempDir()
			in := tc.in
			in.Service, in.Credentials = "EC2", ec2Input().Credentials
			_, err := Resolve(in, env)
			var ve *query.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a *ValidationError", err)
			}
			if ve.Field != tc.field || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q (field %q), want field %q and text %q", err, ve.Field, tc.field, tc.text)
			}
		})
	}
}

// TestResolveSettings: what the engine is given: the input's own values,
// the default HTTP client (called through its transport) unless one is
// given, pacing always, retries beyond the retryer only with the client's
// own retryer allowing more than one attempt, and the default credential
// chain when no credentials are given.
func TestResolveSettings(t *testing.T) {
	t.Parallel()
	clock := func() time.Time { return time.Unix(1, 0) }
	s, err := Resolve(ec2Input(func(in *Input) {
		in.Region, in.Clock, in.AttemptTimeout, in.MaxBackoff, in.AppID = "eu-west-1", clock, time.Second, time.Minute, "agent"
	}), testEnv(t, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if s.Service != "EC2" || s.Version != "2016-11-15" || s.Region != "eu-west-1" || s.AttemptTimeout != time.Second ||
		s.MaxBackoff != time.Minute || !s.Clock().Equal(clock()) || !s.Pace || !s.BeyondRetryer || s.WithholdBodies {
		t.Errorf("settings %+v", s)
	}
	if s.HTTPClient == nil || s.Transport == nil || s.HTTPClient.(*http.Client).Transport != s.Transport {
		t.Errorf("the default HTTP client is not called through its transport: %+v %+v", s.HTTPClient, s.Transport)
	}
	if s.CredentialsSource != "Options.Credentials" || !strings.HasSuffix(s.UserAgent, " app/agent") {
		t.Errorf("credentials source %q, user agent %q", s.CredentialsSource, s.UserAgent)
	}

	hc := &http.Client{}
	for _, tc := range []struct {
		in     Input
		beyond bool
	}{
		{Input{MaxAttempts: 1}, false},
		{Input{MaxAttempts: 2}, true},
		{Input{Retryer: retry.NewStandard()}, false},
	} {
		in := ec2Input(func(in *Input) {
			in.Region, in.HTTPClient, in.MaxAttempts, in.Retryer = "eu-west-1", hc, tc.in.MaxAttempts, tc.in.Retryer
		})
		s, err := Resolve(in, testEnv(t, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		if s.BeyondRetryer != tc.beyond || s.HTTPClient != hc || s.Transport != nil {
			t.Errorf("%+v: beyond the retryer %t, HTTP client %v, transport %v", tc.in, s.BeyondRetryer, s.HTTPClient, s.Transport)
		}
	}

	s, err = Resolve(ec2Input(func(in *Input) { in.Region, in.Credentials = "eu-west-1", nil }), testEnv(t, "", ""))
	if err != nil || s.Credentials == nil || s.CredentialsSource != "default chain" {
		t.Errorf("without credentials: source %q, credentials %v (%v), want the default chain", s.CredentialsSource, s.Credentials, err)
	}
}

// TestBuildReadsNothing: Build takes complete input as it is: nothing from
// the environment, and no credentials leaves requests unsigned.
func TestBuildReadsNothing(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-3")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
	if _, err := Build(Input{Service: "EC2"}, "aws.Config.Credentials"); err == nil {
		t.Error("Build found a region in the environment")
	}
	s, err := Build(Input{Service: "EC2", Region: "us-west-2"}, "aws.Config.Credentials")
	if err != nil || s.Credentials != nil || s.Region != "us-west-2" || s.CredentialsSource != "aws.Config.Credentials" {
		t.Errorf("Build: %+v (%v), want no credentials", s, err)
	}
}

func TestUserAgentNamesTheLibraryAndApp(t *testing.T) {
	t.Parallel()
	base := "enidetach/1.2.3 lang/go#" + strings.TrimPrefix(runtime.Version(), "go") + " md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	if got := userAgent("1.2.3", ""); got != base {
		t.Errorf("userAgent = %q, want %q", got, base)
	}
	if got := userAgent("1.2.3", "failover"); got != base+" app/failover" {
		t.Errorf("with an app ID: %q", got)
	}
}
