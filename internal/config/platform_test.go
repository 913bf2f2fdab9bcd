package config

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach/internal/query"
)

// TestContainerHostAllowList: container credentials are fetched only from
// the hosts the SDK allows for AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS's
// and EKS's link-local addresses, loopback), never from the instance
// metadata service's address.
func TestContainerHostAllowList(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"169.254.170.2":   true,
		"169.254.170.23":  true,
		"fd00:ec2::23":    true,
		"127.0.0.1":       true,
		"::1":             true,
		"localhost":       true,
		"169.254.169.254": false,
		"10.0.0.1":        false,
		"metadata.local":  false,
	} {
		if got := containerHostAllowed(host); got != want {
			t.Errorf("containerHostAllowed(%q) = %t, want %t", host, got, want)
		}
	}
}

// TestContainerSource: the relative URI goes to ECS's address, a full URI
// only over https or to an allowed host, and the provider is named by the
// variable that configured it.
func TestContainerSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		vars  []string
		found bool
		label string // in the provider's name
		bad   string // the refusal's words
	}{
		{"not set", nil, false, "", ""},
		{"relative", []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"}, true, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ""},
		{"relative wins", []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://10.0.0.1/"}, true, "RELATIVE_URI", ""},
		{"full https", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/x"}, true, "AWS_CONTAINER_CREDENTIALS_FULL_URI", ""},
		{"full http loopback", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/x"}, true, "FULL_URI", ""},
		{"full http to EKS", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"}, true, "FULL_URI", ""},
		{"full http elsewhere", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/"}, false, "", "not allowed over http"},
		{"full without host", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "https:///x"}, false, "", "with a host"},
		{"full ftp", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "ftp://127.0.0.1/"}, false, "", "http(s) URL"},
	}
	for _, tc := range tests {
		d := &chainDeps{env: testEnv(t, "", "", tc.vars...)}
		p, found, err := d.container("")
		var ve *query.ValidationError
		switch {
		case tc.bad != "":
			if !errors.As(err, &ve) || ve.Field != "AWS_CONTAINER_CREDENTIALS_FULL_URI" || !strings.Contains(ve.Reason, tc.bad) {
				t.Errorf("%s: %v, want a refusal saying %q", tc.name, err, tc.bad)
			}
		case err != nil || found != tc.found:
			t.Errorf("%s: found %t (%v), want %t", tc.name, found, err, tc.found)
		case found && !strings.Contains(p.(*namedProvider).name, tc.label):
			t.Errorf("%s: provider named %q, want %q in it", tc.name, p.(*namedProvider).name, tc.label)
		}
	}
	d := &chainDeps{env: testEnv(t, "", "", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/x")}
	if p, _, _ := d.container("profile ops"); p.(*namedProvider).name != "profile ops" {
		t.Errorf("a given name was replaced: %q", p.(*namedProvider).name)
	}
}

// TestIMDSOptions reads the endpoint, its mode and the off switch.
func TestIMDSOptions(t *testing.T) {
	t.Parallel()
	o := IMDSOptions(testEnv(t, "", "", "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ipv6", "AWS_EC2_METADATA_DISABLED", "TRUE"))
	if o.Endpoint != "http://127.0.0.1:9" || o.EndpointMode != imds.EndpointModeStateIPv6 || o.ClientEnableState != imds.ClientDisabled {
		t.Errorf("options %+v", o)
	}
	o = IMDSOptions(testEnv(t, "", "", "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv4", "AWS_EC2_METADATA_DISABLED", "false"))
	if o.Endpoint != "" || o.EndpointMode != imds.EndpointModeStateUnset || o.ClientEnableState != imds.ClientDefaultEnableState {
		t.Errorf("defaults %+v", o)
	}
}

// TestInstanceRoleDisabled: with AWS_EC2_METADATA_DISABLED the instance
// role is not asked, and the error says why, listing what the chain tried
// before it.
func TestInstanceRoleDisabled(t *testing.T) {
	t.Parallel()
	d := &chainDeps{env: testEnv(t, "", "", "AWS_EC2_METADATA_DISABLED", "true")}
	_, err := d.instanceRole("instance metadata (IMDSv2)", "environment: not set").Retrieve(context.Background())
	var ce *query.CredentialsError
	if !errors.As(err, &ce) || ce.Provider != "instance metadata (IMDSv2)" ||
		!strings.Contains(err.Error(), "no credentials found in any source: environment: not set; instance metadata: disabled by AWS_EC2_METADATA_DISABLED") {
		t.Errorf("after the chain: %v", err)
	}
	_, err = d.instanceRole("instance metadata (IMDSv2)", "").Retrieve(context.Background())
	if !errors.As(err, &ce) || err.Error() != "enidetach: retrieve credentials from instance metadata (IMDSv2): instance metadata: disabled by AWS_EC2_METADATA_DISABLED" {
		t.Errorf("asked alone: %v", err)
	}
	d = &chainDeps{env: testEnv(t, "", "")}
	if p, ok := d.instanceRole("x", "").(*namedProvider); !ok || !p.untrusted {
		t.Errorf("the instance role provider is %T, want a named provider whose messages are not trusted", p)
	}
}
