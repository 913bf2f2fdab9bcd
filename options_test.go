package enidetach

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// TestSettingsFromProfileAndEnvironment checks where each setting is found
// and which source wins: option, then environment, then profile.
// internal/sdkcompare proves the same resolutions against the SDK itself.
func TestSettingsFromProfileAndEnvironment(t *testing.T) {
	t.Parallel()
	const svcProfile = "[default]\nregion = eu-west-1\nservices = local\n[services local]\nec2 =\n  endpoint_url = http://127.0.0.1:7001\n"
	tests := []struct {
		name         string
		config       string
		vars         []string
		opts         Options
		wantEndpoint string
		wantRegion   string
		wantAttempts int
		wantAdaptive bool
	}{
		{name: "profile endpoint_url", config: "[default]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:7000\n",
			wantEndpoint: "http://127.0.0.1:7000/", wantRegion: "eu-west-1", wantAttempts: 3},
		{name: "services section beats the profile's endpoint_url", config: svcProfile + "[default]\nendpoint_url = http://127.0.0.1:7000\n",
			wantEndpoint: "http://127.0.0.1:7001/", wantRegion: "eu-west-1", wantAttempts: 3},
		{name: "AWS_ENDPOINT_URL beats the services section", config: svcProfile, vars: []string{"AWS_ENDPOINT_URL", "http://127.0.0.1:7002"},
			wantEndpoint: "http://127.0.0.1:7002/", wantRegion: "eu-west-1", wantAttempts: 3},
		{name: "profile ignore_configured_endpoint_urls", config: svcProfile + "[default]\nignore_configured_endpoint_urls = true\n",
			wantEndpoint: "https://ec2.eu-west-1.amazonaws.com/", wantRegion: "eu-west-1", wantAttempts: 3},
		{name: "environment false beats profile ignore", config: svcProfile + "[default]\nignore_configured_endpoint_urls = true\n",
			vars:         []string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"},
			wantEndpoint: "http://127.0.0.1:7001/", wantRegion: "eu-west-1", wantAttempts: 3},
		{name: "profile use_fips_endpoint and use_dualstack_endpoint", config: "[default]\nregion = us-west-2\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n",
			wantEndpoint: "https://ec2-fips.us-west-2.api.aws/", wantRegion: "us-west-2", wantAttempts: 3},
		{name: "profile max_attempts and retry_mode", config: "[default]\nregion = us-west-2\nmax_attempts = 7\nretry_mode = adaptive\n",
			wantEndpoint: "https://ec2.us-west-2.amazonaws.com/", wantRegion: "us-west-2", wantAttempts: 7, wantAdaptive: true},
		{name: "environment beats profile for attempts and mode", config: "[default]\nregion = us-west-2\nmax_attempts = 7\nretry_mode = adaptive\n",
			vars:         []string{"AWS_MAX_ATTEMPTS", "2", "AWS_RETRY_MODE", "standard"},
			wantEndpoint: "https://ec2.us-west-2.amazonaws.com/", wantRegion: "us-west-2", wantAttempts: 2},
		{name: "option beats environment", config: "[default]\nregion = us-west-2\n", vars: []string{"AWS_MAX_ATTEMPTS", "2", "AWS_RETRY_MODE", "standard"},
			opts:         Options{MaxAttempts: 4, RetryMode: aws.RetryModeAdaptive},
			wantEndpoint: "https://ec2.us-west-2.amazonaws.com/", wantRegion: "us-west-2", wantAttempts: 4, wantAdaptive: true},
		{name: "FIPS pseudo-region prefix", vars: []string{"AWS_REGION", "fips-us-east-1"},
			wantEndpoint: "https://ec2-fips.us-east-1.amazonaws.com/", wantRegion: "us-east-1", wantAttempts: 3},
		{name: "FIPS pseudo-region suffix", config: "[default]\nregion = us-east-2-fips\n",
			wantEndpoint: "https://ec2-fips.us-east-2.amazonaws.com/", wantRegion: "us-east-2", wantAttempts: 3},
		{name: "GovCloud FIPS pseudo-region", opts: Options{Region: "fips-us-gov-west-1"},
			wantEndpoint: "https://ec2.us-gov-west-1.amazonaws.com/", wantRegion: "us-gov-west-1", wantAttempts: 3},
		{name: "a retryer given with MaxAttempts", opts: Options{Region: "us-west-2", Retryer: retry.NewStandard(), MaxAttempts: 9},
			wantEndpoint: "https://ec2.us-west-2.amazonaws.com/", wantRegion: "us-west-2", wantAttempts: 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.Credentials = staticCreds("AKID", "secret")
			c, err := newClient(tc.opts, credEnv(t, tc.config, "", tc.vars...))
			if err != nil {
				t.Fatal(err)
			}
			_, adaptive := c.engine.Settings().Retryer.(*retry.AdaptiveMode)
			if c.Endpoint() != tc.wantEndpoint || c.Region() != tc.wantRegion || c.engine.Settings().Retryer.MaxAttempts() != tc.wantAttempts || adaptive != tc.wantAdaptive {
				t.Errorf("endpoint %s region %s attempts %d adaptive %v; want %s %s %d %v",
					c.Endpoint(), c.Region(), c.engine.Settings().Retryer.MaxAttempts(), adaptive, tc.wantEndpoint, tc.wantRegion, tc.wantAttempts, tc.wantAdaptive)
			}
		})
	}
}

// TestBadSettings: a setting that cannot be read is a *ValidationError
// naming where it came from.
func TestBadSettings(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ config, field string }{
		{"[default]\nregion = eu-west-1\nmax_attempts = many\n", `profile "default" max_attempts`},
		{"[default]\nregion = eu-west-1\nretry_mode = legacy\n", `profile "default" retry_mode`},
		{"[default]\nregion = eu-west-1\nuse_fips_endpoint = maybe\n", `profile "default" use_fips_endpoint`},
		{"[default]\nregion = eu-west-1\nignore_configured_endpoint_urls = perhaps\n", `profile "default" ignore_configured_endpoint_urls`},
		{"[default]\nregion = eu-west-1\nca_bundle = /nonexistent/bundle.pem\n", "AWS_CA_BUNDLE"},
	} {
		_, err := newClient(Options{Credentials: staticCreds("AKID", "secret")}, credEnv(t, tc.config, ""))
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%q: error = %v, want a *ValidationError for %s", tc.config, err, tc.field)
		}
	}
	_, err := newClient(Options{Region: "eu-west-1", Credentials: staticCreds("AKID", "secret"), RetryMode: "fast"}, testEnv(t))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Options.RetryMode" {
		t.Errorf("bad RetryMode: %v", err)
	}
}

// fakeSources stands for the SDK config's ConfigSources, which
// NewFromConfig reads through the SDK's small interfaces.
type fakeSources struct{}

func (fakeSources) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	return aws.FIPSEndpointStateEnabled, true, nil
}

func (fakeSources) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	return aws.DualStackEndpointStateUnset, false, nil
}

// TestNewFromConfigReadsConfigSources: FIPS set through
// config.WithUseFIPSEndpoint reaches the client (it used to be dropped
// silently: a compliance failure nobody saw), and a retryer from the config
// is the one used.
func TestNewFromConfigReadsConfigSources(t *testing.T) {
	t.Parallel()
	r := retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 6 })
	c := NewFromConfig(aws.Config{Region: "us-east-1", Credentials: staticCreds("AKID", "secret"),
		ConfigSources: []any{fakeSources{}}, Retryer: func() aws.Retryer { return r }})
	if c.initErr != nil {
		t.Fatal(c.initErr)
	}
	if c.Endpoint() != "https://ec2-fips.us-east-1.amazonaws.com/" || c.engine.Settings().Retryer != aws.RetryerV2(r) {
		t.Errorf("endpoint %s, retryer %T (%d attempts)", c.Endpoint(), c.engine.Settings().Retryer, c.engine.Settings().Retryer.MaxAttempts())
	}
}
