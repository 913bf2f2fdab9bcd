package config

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestSameProvider compares providers of any type without a panic: a
// func by its code pointer, an uncomparable struct as different.
func TestSameProvider(t *testing.T) {
	t.Parallel()
	static := credentials.NewStaticCredentialsProvider("a", "b", "")
	fn := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, nil })
	other := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, errors.New("x") })
	cache := aws.NewCredentialsCache(static)
	type uncomparable struct {
		aws.CredentialsProvider
		tags []string
	}
	u := uncomparable{static, nil}
	tests := []struct {
		name string
		a, b aws.CredentialsProvider
		want bool
	}{
		{"both nil", nil, nil, true},
		{"one nil", static, nil, false},
		{"nil first", nil, static, false},
		{"equal values", aws.AnonymousCredentials{}, aws.AnonymousCredentials{}, true},
		{"a value and a pointer", aws.AnonymousCredentials{}, &aws.AnonymousCredentials{}, false},
		{"same pointer", cache, cache, true},
		{"other pointer", cache, aws.NewCredentialsCache(static), false},
		{"same func", fn, fn, true},
		{"other func", fn, other, false},
		{"other types", static, fn, false},
		{"uncomparable", u, u, false},
	}
	for _, tc := range tests {
		if got := SameProvider(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: SameProvider = %t, want %t", tc.name, got, tc.want)
		}
	}
}

// endpointSource is a config source with the EC2 endpoint and the ignore
// switch, as the SDK's shared config carries them.
type endpointSource struct {
	endpoint      string
	found         bool
	err           error
	ignore, isSet bool
}

func (s endpointSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if sdkID != "EC2" {
		return "", false, nil
	}
	return s.endpoint, s.found, s.err
}

func (s endpointSource) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return s.ignore, s.isSet, nil
}

// switchOnly carries the ignore switch alone.
type switchOnly struct{ ignore bool }

func (s switchOnly) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return s.ignore, true, nil
}

// TestServiceEndpointFromSources: the first source with the EC2 endpoint
// gives it, unless the first source with the ignore switch turns it on,
// or the source fails; AWS_ENDPOINT_URL without AWS_ENDPOINT_URL_EC2
// defers to the config's BaseEndpoint. Not parallel: the function reads
// the process environment, as the SDK's EC2 client does.
func TestServiceEndpointFromSources(t *testing.T) {
	unset := func(name string) {
		t.Setenv(name, "") // restored after the test
		os.Unsetenv(name)
	}
	unset("AWS_ENDPOINT_URL")
	unset("AWS_ENDPOINT_URL_EC2")
	ec2 := endpointSource{endpoint: "https://vpce.example.com", found: true}
	tests := []struct {
		name    string
		sources []any
		want    string
		ok      bool
	}{
		{"none", nil, "", false},
		{"one", []any{"not a source", ec2}, "https://vpce.example.com", true},
		{"first wins", []any{endpointSource{endpoint: "https://first", found: true}, ec2}, "https://first", true},
		{"not found then found", []any{endpointSource{}, ec2}, "https://vpce.example.com", true},
		{"failing source", []any{endpointSource{err: errors.New("broken")}, ec2}, "", false},
		{"ignored", []any{switchOnly{true}, ec2}, "", false},
		{"first switch decides", []any{switchOnly{false}, switchOnly{true}, ec2}, "https://vpce.example.com", true},
		{"unset switch", []any{endpointSource{endpoint: "https://x", found: true, ignore: true}}, "https://x", true},
	}
	for _, tc := range tests {
		got, ok := ServiceEndpointFromSources("EC2", tc.sources)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: (%q, %t), want (%q, %t)", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	t.Setenv("AWS_ENDPOINT_URL", "https://global")
	if _, ok := ServiceEndpointFromSources("EC2", []any{ec2}); ok {
		t.Error("with AWS_ENDPOINT_URL alone, the sources' EC2 endpoint was used")
	}
	t.Setenv("AWS_ENDPOINT_URL_EC2", "https://ec2")
	if got, ok := ServiceEndpointFromSources("EC2", []any{ec2}); !ok || got != "https://vpce.example.com" {
		t.Errorf("with AWS_ENDPOINT_URL_EC2 too: (%q, %t)", got, ok)
	}
}

// serviceSource carries the endpoint of the service "Example Service" only.
type serviceSource struct{}

func (serviceSource) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if sdkID != "Example Service" {
		return "", false, nil
	}
	return "https://example.vpce.example.com", true, nil
}

// TestServiceEndpointFromSourcesNamesTheService: the sources are asked for
// the given service's endpoint, and its own environment variable is the
// SDK's name for it (the service ID upper-cased, spaces as underscores),
// not EC2's. Not parallel: it reads the process environment.
func TestServiceEndpointFromSourcesNamesTheService(t *testing.T) {
	if got := EndpointEnvVar("Example Service"); got != "AWS_ENDPOINT_URL_EXAMPLE_SERVICE" {
		t.Errorf("EndpointEnvVar = %s", got)
	}
	if got := EndpointEnvVar("EC2"); got != "AWS_ENDPOINT_URL_EC2" {
		t.Errorf("EndpointEnvVar = %s", got)
	}
	t.Setenv("AWS_ENDPOINT_URL_EC2", "")
	os.Unsetenv("AWS_ENDPOINT_URL_EC2")
	t.Setenv("AWS_ENDPOINT_URL", "https://global")
	t.Setenv("AWS_ENDPOINT_URL_EXAMPLE_SERVICE", "https://example")
	if got, ok := ServiceEndpointFromSources("Example Service", []any{serviceSource{}}); !ok || got != "https://example.vpce.example.com" {
		t.Errorf("(%q, %t), want the service's endpoint from its source", got, ok)
	}
	if got, ok := ServiceEndpointFromSources("EC2", []any{serviceSource{}}); ok {
		t.Errorf("EC2's endpoint: (%q, %t), want none", got, ok)
	}
}
