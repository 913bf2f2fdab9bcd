package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/internal/query"
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
		s, err := Resolve(ec2Input(func(in *Input) {
			in.Region, in.UseFIPSEndpoint, in.UseDualStackEndpoint = tc.region, tc.fips, tc.dualStack
		}), testEnv(t, "", ""))
		if err != nil {
			t.Fatalf("%s fips=%v dualstack=%v: %v", tc.region, tc.fips, tc.dualStack, err)
		}
		if got := s.Endpoint.String(); got != tc.want {
			t.Errorf("%s fips=%v dualstack=%v: endpoint %s, want %s", tc.region, tc.fips, tc.dualStack, got, tc.want)
		}
		if s.Region != tc.region {
			t.Errorf("signing region %s, want %s", s.Region, tc.region)
		}
	}
}

func TestBaseEndpointWithoutRegionSignsForUSEast1(t *testing.T) {
	t.Parallel()
	s, err := Resolve(ec2Input(func(in *Input) { in.BaseEndpoint = "http://127.0.0.1:9" }), testEnv(t, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if s.Region != "us-east-1" || s.Endpoint.String() != "http://127.0.0.1:9/" {
		t.Errorf("region %q endpoint %s, want us-east-1 and the endpoint with its path", s.Region, s.Endpoint)
	}
}

// TestValidRegion: a region is a DNS host label in lower case.
func TestValidRegion(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]bool{
		"us-east-1":              true,
		"a":                      true,
		strings.Repeat("a", 63):  true,
		strings.Repeat("a", 64):  false,
		"":                       false,
		"US-EAST-1":              false,
		"-us":                    false,
		"us-":                    false,
		"us-east-1.evil.com":     false,
		"us_east_1":              false,
		"us east 1":              false,
		"us-east-1/x":            false,
		"eu-isoe-west-1":         true,
		"\u0131stanbul-central1": false,
	} {
		if got := ValidRegion(region); got != want {
			t.Errorf("ValidRegion(%q) = %t, want %t", region, got, want)
		}
	}
}

// TestMapFIPSRegion maps the SDK's FIPS pseudo-regions to the region they
// stand for, and leaves any other region alone.
func TestMapFIPSRegion(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"fips-us-east-1":     "us-east-1",
		"us-east-1-fips":     "us-east-1",
		"fips-us-gov-west-1": "us-gov-west-1",
		"us-gov-west-1-fips": "us-gov-west-1",
		"us-fips-east-1":     "us-east-1",
		"us-east-1":          "us-east-1",
		"fipsland-1":         "fipsland-1",
		"":                   "",
	} {
		if got := mapFIPSRegion(region); got != want {
			t.Errorf("mapFIPSRegion(%q) = %q, want %q", region, got, want)
		}
	}
	s, err := Resolve(ec2Input(func(in *Input) { in.Region = "fips-us-east-1" }), testEnv(t, "", ""))
	if err != nil || s.Region != "us-east-1" || s.Endpoint.Host != "ec2-fips.us-east-1.amazonaws.com" {
		t.Errorf("fips-us-east-1: region %q endpoint %v (%v), want us-east-1's FIPS endpoint, signed for us-east-1", s.Region, s.Endpoint, err)
	}
}

// TestParseBaseEndpoint: an http or https URL with a host and no user
// information, query or fragment; plain http only to this machine unless
// allowed; an empty path becomes "/".
func TestParseBaseEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw      string
		insecure bool
		want     string // the URL, or the refusal's words
		ok       bool
	}{
		{"https://ec2.example.com", false, "https://ec2.example.com/", true},
		{"https://ec2.example.com/prefix", false, "https://ec2.example.com/prefix", true},
		{"http://127.0.0.1:8080", false, "http://127.0.0.1:8080/", true},
		{"http://[::1]:8080", false, "http://[::1]:8080/", true},
		{"http://LOCALHOST:1", false, "http://LOCALHOST:1/", true},
		{"http://10.0.0.1", true, "http://10.0.0.1/", true},
		{"http://10.0.0.1", false, "not loopback", false},
		{"http://ec2.example.com", false, "not loopback", false},
		{"ftp://ec2.example.com", false, `got "ftp"`, false},
		{"ec2.example.com", false, "got nothing", false},
		{"https:///path", false, "no host", false},
		{"https://:443/", false, "no host", false},
		{"https://u:p@ec2.example.com", false, "user information", false},
		{"https://u@ec2.example.com", false, "user information", false},
		{"https://ec2.example.com/?a=b", false, "query or fragment", false},
		{"https://ec2.example.com/?", false, "query or fragment", false},
		{"https://ec2.example.com/#f", false, "query or fragment", false},
		{"://x", false, "not a URL", false},
	}
	for _, tc := range tests {
		u, err := parseBaseEndpoint("F", tc.raw, tc.insecure)
		var ve *query.ValidationError
		switch {
		case tc.ok && (err != nil || u.String() != tc.want):
			t.Errorf("%s: (%v, %v), want %s", tc.raw, u, err, tc.want)
		case !tc.ok && (!errors.As(err, &ve) || ve.Field != "F" || !strings.Contains(ve.Reason, tc.want)):
			t.Errorf("%s: %v, want a *ValidationError on F saying %q", tc.raw, err, tc.want)
		}
	}
}

// TestEndpointIsTheInputService: the endpoint is the Input's service's,
// named by its EndpointPrefix, else its service ID lower-cased; it was
// EC2's whatever the service.
func TestEndpointIsTheInputService(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		service, prefix string
		fips            bool
		want            string
	}{
		{"STS", "", false, "https://sts.eu-west-1.amazonaws.com/"},
		{"Example Service", "example", false, "https://example.eu-west-1.amazonaws.com/"},
		{"Example Service", "example", true, "https://example-fips.eu-west-1.amazonaws.com/"},
		{"EC2", "ec2", false, "https://ec2.eu-west-1.amazonaws.com/"},
	} {
		s, err := Resolve(ec2Input(func(in *Input) {
			in.Service, in.EndpointPrefix, in.Region, in.UseFIPSEndpoint = tc.service, tc.prefix, "eu-west-1", tc.fips
		}), testEnv(t, "", ""))
		if err != nil {
			t.Fatalf("%s: %v", tc.service, err)
		}
		if got := s.Endpoint.String(); got != tc.want {
			t.Errorf("%s (%q): endpoint %s, want %s", tc.service, tc.prefix, got, tc.want)
		}
	}
}
