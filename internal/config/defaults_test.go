package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/ec2lite/enidetach/internal/query"
)

func TestEndpointFromEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  mapEnv
		in   Input
		want string
	}{
		{"service-specific variable wins", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1/ec2", "AWS_ENDPOINT_URL": "http://127.0.0.1:2"}, Input{}, "http://127.0.0.1:1/ec2"},
		{"global variable", mapEnv{"AWS_ENDPOINT_URL": "https://vpce.example.com"}, Input{}, "https://vpce.example.com/"},
		{"option beats the environment", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1"}, Input{BaseEndpoint: "https://ec2.example.com/"}, "https://ec2.example.com/"},
		{"ignore switch", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, Input{}, "https://ec2.eu-central-1.amazonaws.com/"},
		{"FIPS from the environment", mapEnv{"AWS_USE_FIPS_ENDPOINT": "true"}, Input{}, "https://ec2-fips.eu-central-1.amazonaws.com/"},
		{"dual-stack from the environment", mapEnv{"AWS_USE_DUALSTACK_ENDPOINT": "true"}, Input{}, "https://ec2.eu-central-1.api.aws/"},
		{"IPv6 loopback over http", mapEnv{}, Input{BaseEndpoint: "http://[::1]:8080"}, "http://[::1]:8080/"},
		{"localhost over http", mapEnv{}, Input{BaseEndpoint: "http://localhost:8080"}, "http://localhost:8080/"},
		{"remote http with opt-in", mapEnv{}, Input{BaseEndpoint: "http://10.0.0.1:8080", AllowInsecureHTTP: true}, "http://10.0.0.1:8080/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["HOME"] = t.TempDir()
			in := ec2Input(func(in *Input) {
				in.BaseEndpoint, in.AllowInsecureHTTP = tc.in.BaseEndpoint, tc.in.AllowInsecureHTTP
				in.Region = "eu-central-1"
			})
			s, err := Resolve(in, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if s.Endpoint.String() != tc.want {
				t.Errorf("endpoint %s, want %s", s.Endpoint, tc.want)
			}
			if s.Region != "eu-central-1" {
				t.Errorf("signing region %s, want the client's region", s.Region)
			}
		})
	}
}

func TestRegionSources(t *testing.T) {
	t.Parallel()
	cfg := "[default]\nregion = ap-south-1\n[profile p]\nregion = sa-east-1\n"
	tests := []struct {
		name   string
		vars   []string
		region string
		want   string
	}{
		{"option", []string{"AWS_REGION", "eu-west-2"}, "eu-north-1", "eu-north-1"},
		{"AWS_REGION", []string{"AWS_REGION", "eu-west-2", "AWS_DEFAULT_REGION", "eu-west-3"}, "", "eu-west-2"},
		{"AWS_DEFAULT_REGION", []string{"AWS_DEFAULT_REGION", "eu-west-3"}, "", "eu-west-3"},
		{"default profile", nil, "", "ap-south-1"},
		{"named profile", []string{"AWS_PROFILE", "p"}, "", "sa-east-1"},
	}
	for _, tc := range tests {
		s, err := Resolve(ec2Input(func(in *Input) { in.Region = tc.region }), testEnv(t, cfg, "", tc.vars...))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if s.Region != tc.want || !strings.Contains(s.Endpoint.String(), tc.want) {
			t.Errorf("%s: region %s endpoint %s, want %s", tc.name, s.Region, s.Endpoint, tc.want)
		}
	}
}

// TestConfiguredEndpoint follows the SDK's order: AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL, the profile's services section, the profile's
// endpoint_url; none when the ignore switch (the environment's, else the
// profile's) is on.
func TestConfiguredEndpoint(t *testing.T) {
	t.Parallel()
	const services = "[services s]\nec2 =\n  endpoint_url = https://section.example.com\nsts =\n  endpoint_url = https://sts-section.example.com\n"
	tests := []struct {
		name, config string
		vars         []string
		service      string
		want         string
		bad          string // the field of the refusal
	}{
		{"nothing configured", "", nil, "ec2", "", ""},
		{"service variable", "", []string{"AWS_ENDPOINT_URL_EC2", "https://a", "AWS_ENDPOINT_URL", "https://b"}, "ec2", "https://a", ""},
		{"another service's variable", "", []string{"AWS_ENDPOINT_URL_STS", "https://a", "AWS_ENDPOINT_URL", "https://b"}, "ec2", "https://b", ""},
		{"services section", "[default]\nservices = s\nendpoint_url = https://profile.example.com\n" + services, nil, "ec2", "https://section.example.com", ""},
		{"services section for sts", "[default]\nservices = s\n" + services, nil, "sts", "https://sts-section.example.com", ""},
		{"profile endpoint_url", "[default]\nendpoint_url = https://profile.example.com\n", nil, "ec2", "https://profile.example.com", ""},
		{"variable beats the profile", "[default]\nendpoint_url = https://profile.example.com\n", []string{"AWS_ENDPOINT_URL", "https://b"}, "ec2", "https://b", ""},
		{"ignored by the environment", "[default]\nendpoint_url = https://profile.example.com\n", []string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", "AWS_ENDPOINT_URL", "https://b"}, "ec2", "", ""},
		{"ignored by the profile", "[default]\nignore_configured_endpoint_urls = true\n", []string{"AWS_ENDPOINT_URL", "https://b"}, "ec2", "", ""},
		{"environment's false beats the profile's true", "[default]\nignore_configured_endpoint_urls = true\n", []string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false", "AWS_ENDPOINT_URL", "https://b"}, "ec2", "https://b", ""},
		{"bad switch", "", []string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "maybe"}, "ec2", "", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"},
		{"bad switch in the profile", "[default]\nignore_configured_endpoint_urls = maybe\n", nil, "ec2", "", `profile "default" ignore_configured_endpoint_urls`},
	}
	for _, tc := range tests {
		env := testEnv(t, tc.config, "", tc.vars...)
		prof, err := loadProfile("", env)
		if err != nil {
			t.Fatal(err)
		}
		got, err := configuredEndpoint(tc.service, env, prof)
		var ve *query.ValidationError
		switch {
		case tc.bad != "" && (!errors.As(err, &ve) || ve.Field != tc.bad):
			t.Errorf("%s: %v, want a *ValidationError on %s", tc.name, err, tc.bad)
		case tc.bad == "" && (err != nil || got != tc.want):
			t.Errorf("%s: (%q, %v), want %q", tc.name, got, err, tc.want)
		}
	}
}

// TestRetrySettingsFromTheEnvironment: AWS_MAX_ATTEMPTS and AWS_RETRY_MODE
// (else the profile's max_attempts and retry_mode) fill what the input
// leaves unset, and never override a retryer given in code.
func TestRetrySettingsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	own := retry.NewStandard()
	tests := []struct {
		name, config string
		vars         []string
		in           Input
		attempts     int
		mode         aws.RetryMode
	}{
		{"nothing", "", nil, Input{}, 0, ""},
		{"environment", "[default]\nmax_attempts = 7\nretry_mode = standard\n", []string{"AWS_MAX_ATTEMPTS", "5", "AWS_RETRY_MODE", "adaptive"}, Input{}, 5, aws.RetryModeAdaptive},
		{"profile", "[default]\nmax_attempts = 7\nretry_mode = adaptive\n", nil, Input{}, 7, aws.RetryModeAdaptive},
		{"input wins", "", []string{"AWS_MAX_ATTEMPTS", "5", "AWS_RETRY_MODE", "adaptive"}, Input{MaxAttempts: 2, RetryMode: aws.RetryModeStandard}, 2, aws.RetryModeStandard},
		{"own retryer", "", []string{"AWS_MAX_ATTEMPTS", "5", "AWS_RETRY_MODE", "adaptive"}, Input{Retryer: own}, 0, ""},
	}
	for _, tc := range tests {
		in := tc.in
		if err := fillRetry(&in, settingOf(t, tc.config, tc.vars...)); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if in.MaxAttempts != tc.attempts || in.RetryMode != tc.mode {
			t.Errorf("%s: attempts %d mode %q, want %d %q", tc.name, in.MaxAttempts, in.RetryMode, tc.attempts, tc.mode)
		}
	}
	for _, bad := range [][]string{{"AWS_MAX_ATTEMPTS", "0"}, {"AWS_MAX_ATTEMPTS", "three"}, {"AWS_RETRY_MODE", "legacy"}} {
		var in Input
		var ve *query.ValidationError
		if err := fillRetry(&in, settingOf(t, "", bad...)); !errors.As(err, &ve) || ve.Field != bad[0] {
			t.Errorf("%s=%s: %v, want a *ValidationError on it", bad[0], bad[1], err)
		}
	}
}

// settingOf is fillDefaults' setting over a test environment: the
// variable, else the default profile's key.
func settingOf(t *testing.T, config string, vars ...string) func(string, string) (string, string) {
	env := testEnv(t, config, "", vars...)
	prof, err := loadProfile("", env)
	if err != nil {
		t.Fatal(err)
	}
	return func(envName, key string) (string, string) {
		if v := env.Get(envName); v != "" {
			return v, envName
		}
		return prof.get(key), "profile " + key
	}
}

// TestFillDefaults: the switches, the app ID and the CA bundle come from
// the environment, else the profile; what the input sets stays.
func TestFillDefaults(t *testing.T) {
	t.Parallel()
	cfg := "[default]\nuse_fips_endpoint = true\nsdk_ua_app_id = from-profile\nca_bundle = /profile/ca.pem\n"
	in := Input{Service: "EC2"}
	env := testEnv(t, cfg, "", "AWS_USE_DUALSTACK_ENDPOINT", "true", "AWS_CA_BUNDLE", "/env/ca.pem")
	prof, _ := loadProfile("", env)
	ca, err := fillDefaults(&in, env, prof)
	if err != nil || !in.UseFIPSEndpoint || !in.UseDualStackEndpoint || in.AppID != "from-profile" || ca != "/env/ca.pem" {
		t.Errorf("fillDefaults: %+v, CA bundle %q, %v", in, ca, err)
	}
	in = Input{Service: "EC2", AppID: "mine", UseFIPSEndpoint: true}
	env = testEnv(t, "[default]\nca_bundle = /profile/ca.pem\n", "", "AWS_USE_FIPS_ENDPOINT", "false", "AWS_SDK_UA_APP_ID", "env")
	prof, _ = loadProfile("", env)
	if ca, err := fillDefaults(&in, env, prof); err != nil || !in.UseFIPSEndpoint || in.AppID != "mine" || ca != "/profile/ca.pem" {
		t.Errorf("the input's settings were overridden: %+v, CA bundle %q, %v", in, ca, err)
	}
	env = testEnv(t, "[default]\nuse_dualstack_endpoint = sure\n", "")
	prof, _ = loadProfile("", env)
	var ve *query.ValidationError
	if _, err := fillDefaults(&Input{Service: "EC2"}, env, prof); !errors.As(err, &ve) || ve.Field != `profile "default" use_dualstack_endpoint` {
		t.Errorf("bad profile switch: %v", err)
	}
}

// TestCheckInput refuses what no default can mend.
func TestCheckInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    Input
		field string
	}{
		{Input{}, ""},
		{Input{AppID: strings.Repeat("a", 50), RetryMode: aws.RetryModeAdaptive}, ""},
		{Input{MaxAttempts: -1}, "Options.MaxAttempts"},
		{Input{MaxBackoff: -1}, "Options.MaxBackoff"},
		{Input{AttemptTimeout: -1}, "Options.AttemptTimeout"},
		{Input{RetryMode: "legacy"}, "Options.RetryMode"},
		{Input{AppID: strings.Repeat("a", 51)}, "Options.AppID"},
		{Input{AppID: "a\tb"}, "Options.AppID"},
	}
	for _, tc := range tests {
		err := checkInput(&tc.in)
		var ve *query.ValidationError
		if tc.field == "" && err != nil || tc.field != "" && (!errors.As(err, &ve) || ve.Field != tc.field) {
			t.Errorf("%+v: %v, want field %q", tc.in, err, tc.field)
		}
	}
}
