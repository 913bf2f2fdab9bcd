package enidetach

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		region          string
		fips, dualStack bool
		want            string
	}{
		{"us-east-1", false, false, "https://ec2.us-east-1.amazonaws.com/"},
		{"eu-west-1", true, false, "https://ec2-fips.eu-west-1.amazonaws.com/"},
		{"eu-west-1", false, true, "https://ec2.eu-west-1.api.aws/"},
		{"eu-west-1", true, true, "https://ec2-fips.eu-west-1.api.aws/"},
		{"cn-north-1", false, false, "https://ec2.cn-north-1.amazonaws.com.cn/"},
		{"cn-northwest-1", false, true, "https://ec2.cn-northwest-1.api.amazonwebservices.com.cn/"},
		{"us-gov-west-1", false, false, "https://ec2.us-gov-west-1.amazonaws.com/"},
		{"us-gov-west-1", true, false, "https://ec2.us-gov-west-1.amazonaws.com/"},
		{"us-gov-east-1", true, true, "https://ec2-fips.us-gov-east-1.api.aws/"},
		{"us-gov-east-1", false, true, "https://ec2.us-gov-east-1.api.aws/"},
		{"us-iso-east-1", false, false, "https://ec2.us-iso-east-1.c2s.ic.gov/"},
		{"us-iso-east-1", false, true, "https://ec2.us-iso-east-1.api.aws.ic.gov/"},
		{"us-isob-east-1", false, false, "https://ec2.us-isob-east-1.sc2s.sgov.gov/"},
		{"us-isob-east-1", true, true, "https://ec2-fips.us-isob-east-1.api.aws.scloud/"},
		{"eu-isoe-west-1", false, false, "https://ec2.eu-isoe-west-1.cloud.adc-e.uk/"},
		{"eu-isoe-west-1", false, true, "https://ec2.eu-isoe-west-1.api.cloud-aws.adc-e.uk/"},
		{"us-isof-south-1", false, false, "https://ec2.us-isof-south-1.csp.hci.ic.gov/"},
		{"us-isof-south-1", false, true, "https://ec2.us-isof-south-1.api.aws.hci.ic.gov/"},
		{"eusc-de-east-1", false, false, "https://ec2.eusc-de-east-1.amazonaws.eu/"},
		{"eusc-de-east-1", false, true, "https://ec2.eusc-de-east-1.api.amazonwebservices.eu/"},
		{"mars-central-7", false, false, "https://ec2.mars-central-7.amazonaws.com/"},
	}
	for _, tc := range tests {
		c, err := newClient(Options{Region: tc.region, UseFIPSEndpoint: tc.fips, UseDualStackEndpoint: tc.dualStack, Credentials: staticCreds("a", "b")}, testEnv(t))
		if err != nil {
			t.Fatalf("%s fips=%v dualstack=%v: %v", tc.region, tc.fips, tc.dualStack, err)
		}
		if got := c.Endpoint(); got != tc.want {
			t.Errorf("%s fips=%v dualstack=%v: endpoint %s, want %s", tc.region, tc.fips, tc.dualStack, got, tc.want)
		}
		if c.Region() != tc.region {
			t.Errorf("signing region %s, want %s", c.Region(), tc.region)
		}
	}
}

func TestEndpointFromEnvironment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  mapEnv
		opts Options
		want string
	}{
		{"service-specific variable wins", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1/ec2", "AWS_ENDPOINT_URL": "http://127.0.0.1:2"}, Options{}, "http://127.0.0.1:1/ec2"},
		{"global variable", mapEnv{"AWS_ENDPOINT_URL": "https://vpce.example.com"}, Options{}, "https://vpce.example.com/"},
		{"option beats the environment", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1"}, Options{BaseEndpoint: "https://ec2.example.com/"}, "https://ec2.example.com/"},
		{"ignore switch", mapEnv{"AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, Options{}, "https://ec2.eu-central-1.amazonaws.com/"},
		{"FIPS from the environment", mapEnv{"AWS_USE_FIPS_ENDPOINT": "true"}, Options{}, "https://ec2-fips.eu-central-1.amazonaws.com/"},
		{"dual-stack from the environment", mapEnv{"AWS_USE_DUALSTACK_ENDPOINT": "true"}, Options{}, "https://ec2.eu-central-1.api.aws/"},
		{"IPv6 loopback over http", mapEnv{}, Options{BaseEndpoint: "http://[::1]:8080"}, "http://[::1]:8080/"},
		{"localhost over http", mapEnv{}, Options{BaseEndpoint: "http://localhost:8080"}, "http://localhost:8080/"},
		{"remote http with opt-in", mapEnv{}, Options{BaseEndpoint: "http://10.0.0.1:8080", AllowInsecureHTTP: true}, "http://10.0.0.1:8080/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["HOME"] = t.TempDir()
			opts := tc.opts
			opts.Region = "eu-central-1"
			opts.Credentials = staticCreds("a", "b")
			c, err := newClient(opts, tc.env)
			if err != nil {
				t.Fatal(err)
			}
			if c.Endpoint() != tc.want {
				t.Errorf("endpoint %s, want %s", c.Endpoint(), tc.want)
			}
			if c.Region() != "eu-central-1" {
				t.Errorf("signing region %s, want the client's region", c.Region())
			}
		})
	}
}

// TestBadOptions checks that New refuses each bad option with a
// *ValidationError naming it.
func TestBadOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  Options
		env   mapEnv
		field string
		text  string
	}{
		{"no region", Options{}, nil, "Options.Region", "AWS_REGION"},
		{"region with a dot", Options{Region: "us-east-1.evil.com"}, nil, "Options.Region", "not a valid region"},
		{"upper-case region", Options{Region: "US-EAST-1"}, nil, "Options.Region", "not a valid region"},
		{"region with a slash", Options{Region: "us-east-1/x"}, nil, "Options.Region", ""},
		{"region starting with a hyphen", Options{Region: "-us"}, nil, "Options.Region", ""},
		{"region over 63 bytes", Options{Region: strings.Repeat("a", 64)}, nil, "Options.Region", ""},
		{"bad region from the environment", Options{}, mapEnv{"AWS_REGION": "not a region"}, "Options.Region", ""},
		{"endpoint is not a URL", Options{Region: "us-east-1", BaseEndpoint: "://x"}, nil, "Options.BaseEndpoint", "not a URL"},
		{"endpoint without scheme", Options{Region: "us-east-1", BaseEndpoint: "ec2.example.com"}, nil, "Options.BaseEndpoint", "http or https"},
		{"endpoint with ftp scheme", Options{Region: "us-east-1", BaseEndpoint: "ftp://ec2.example.com"}, nil, "Options.BaseEndpoint", "http or https"},
		{"endpoint without host", Options{Region: "us-east-1", BaseEndpoint: "https:///path"}, nil, "Options.BaseEndpoint", "no host"},
		{"endpoint with user info", Options{Region: "us-east-1", BaseEndpoint: "https://u:p@ec2.example.com"}, nil, "Options.BaseEndpoint", "user information"},
		{"endpoint with query", Options{Region: "us-east-1", BaseEndpoint: "https://ec2.example.com/?a=b"}, nil, "Options.BaseEndpoint", "query"},
		{"plain http to a remote host", Options{Region: "us-east-1", BaseEndpoint: "http://ec2.example.com"}, nil, "Options.BaseEndpoint", "not loopback"},
		{"plain http from the environment", Options{Region: "us-east-1"}, mapEnv{"AWS_ENDPOINT_URL_EC2": "http://192.0.2.1"}, "Options.BaseEndpoint", "not loopback"},
		{"endpoint with FIPS", Options{Region: "us-east-1", BaseEndpoint: "https://x.example.com", UseFIPSEndpoint: true}, nil, "Options.BaseEndpoint", "FIPS"},
		{"endpoint with dual-stack", Options{Region: "us-east-1", BaseEndpoint: "https://x.example.com", UseDualStackEndpoint: true}, nil, "Options.BaseEndpoint", "DualStack"},
		{"negative attempts", Options{Region: "us-east-1", MaxAttempts: -1}, nil, "Options.MaxAttempts", ""},
		{"negative backoff", Options{Region: "us-east-1", MaxBackoff: -1}, nil, "Options.MaxBackoff", ""},
		{"negative attempt timeout", Options{Region: "us-east-1", AttemptTimeout: -1}, nil, "Options.AttemptTimeout", ""},
		{"app ID with spaces", Options{Region: "us-east-1", AppID: "my app"}, nil, "Options.AppID", ""},
		{"bad FIPS variable", Options{Region: "us-east-1"}, mapEnv{"AWS_USE_FIPS_ENDPOINT": "yes please"}, "AWS_USE_FIPS_ENDPOINT", ""},
		{"bad max attempts variable", Options{Region: "us-east-1"}, mapEnv{"AWS_MAX_ATTEMPTS": "0"}, "AWS_MAX_ATTEMPTS", ""},
		{"missing CA bundle", Options{Region: "us-east-1"}, mapEnv{"AWS_CA_BUNDLE": "/nonexistent/ca.pem"}, "AWS_CA_BUNDLE", "no such file"},
		{"named profile missing", Options{Region: "us-east-1", Profile: "nope"}, nil, "profile", "not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = mapEnv{}
			}
			env["HOME"] = t.TempDir()
			opts := tc.opts
			opts.Credentials = staticCreds("a", "b")
			c, err := newClient(opts, env)
			var ve *ValidationError
			if !errors.As(err, &ve) || c != nil {
				t.Fatalf("got (%v, %v), want a *ValidationError", c, err)
			}
			if ve.Field != tc.field || !strings.Contains(err.Error(), tc.text) {
				t.Errorf("error %q (field %q), want field %q and text %q", err, ve.Field, tc.field, tc.text)
			}
		})
	}
}

func TestBaseEndpointWithoutRegionSignsForUSEast1(t *testing.T) {
	t.Parallel()
	c, err := newClient(Options{BaseEndpoint: "http://127.0.0.1:9", Credentials: staticCreds("a", "b")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Region() != "us-east-1" {
		t.Errorf("region %q, want us-east-1", c.Region())
	}
}

// TestEndpointUserInfoNeverShown gives endpoints whose user information
// holds a password, parsable or not: neither New's error nor
// Options.String may show it.
func TestEndpointUserInfoNeverShown(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://admin:" + leakSecret + "@ec2.example.com",
		"https://admin:" + leakSecret + "@ec2.example.com:bad/",
		"https://admin:" + leakSecret + "@[::1",
		"https://admin:" + leakSecret + "%zz@ec2.example.com/",
		"https://" + leakSecret + "@ec2.example.com",
	} {
		opts := Options{Region: "us-east-1", BaseEndpoint: raw, Credentials: staticCreds("AKID", "secret")}
		_, err := newClient(opts, testEnv(t))
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: error = %v, want a *ValidationError", raw, err)
			continue
		}
		assertNoLeak(t, "New's error", err.Error())
		assertNoLeak(t, "Options.String", fmt.Sprintf("%v %+v %#v %s", opts, opts, opts, opts))

		// The same URLs from the environment.
		env := testEnv(t)
		env["AWS_ENDPOINT_URL_EC2"] = raw
		_, err = newClient(Options{Region: "us-east-1", Credentials: staticCreds("AKID", "secret")}, env)
		if err == nil {
			t.Errorf("%s from AWS_ENDPOINT_URL_EC2: accepted", raw)
			continue
		}
		assertNoLeak(t, "New's error for AWS_ENDPOINT_URL_EC2", err.Error())
	}
}
