package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach/internal/query"
)

// Container and instance credentials: the end of the default chain, and
// the instance metadata client options the root's ThisInstance shares.

// ecsCredentialsHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points.
const ecsCredentialsHost = "http://169.254.170.2"

// containerOrInstance is the end of the chain: container credentials when
// their variables are set, else the instance role.
func (d *chainDeps) containerOrInstance() (aws.CredentialsProvider, error) {
	prov, ok, err := d.container("")
	if err != nil || ok {
		return prov, err
	}
	d.tried = append(d.tried, "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set")
	return d.instanceRole("instance metadata (IMDSv2)", strings.Join(d.tried, "; ")), nil
}

// container returns the container credentials provider when configured,
// named name in errors (empty: by the variable that configured it). A full
// URI must be https, or http to a loopback address or the ECS/EKS
// credential addresses, as the SDK requires.
func (d *chainDeps) container(name string) (aws.CredentialsProvider, bool, error) {
	var endpoint string
	if rel := d.env.Get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		endpoint = ecsCredentialsHost + rel
		name = firstNonEmpty(name, "container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI)")
	} else if full := d.env.Get("AWS_CONTAINER_CREDENTIALS_FULL_URI"); full != "" {
		u, err := url.Parse(full)
		if err != nil || u.Hostname() == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, false, &query.ValidationError{Field: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Reason: "is not an http(s) URL with a host"}
		}
		if u.Scheme == "http" && !containerHostAllowed(u.Hostname()) {
			return nil, false, &query.ValidationError{Field: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Reason: fmt.Sprintf("host %q is not allowed over http: only loopback and the ECS/EKS credential addresses are", u.Hostname())}
		}
		endpoint = full
		name = firstNonEmpty(name, "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)")
	} else {
		return nil, false, nil
	}
	token, tokenFile := d.env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN"), d.env.Get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
	return &namedProvider{name: name, p: endpointcreds.New(endpoint, func(o *endpointcreds.Options) {
		o.AuthorizationToken = token
		if tokenFile != "" {
			// Read at every retrieval: EKS Pod Identity rotates the file.
			o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
				b, err := os.ReadFile(tokenFile)
				if err != nil {
					return "", fmt.Errorf("read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
				}
				return strings.TrimSpace(string(b)), nil
			})
		}
	})}, true, nil
}

// containerHostAllowed reports whether an http container-credentials host
// is loopback or one of the ECS/EKS credential addresses. Host names are
// allowed only as "localhost": resolving them here would be network I/O.
func containerHostAllowed(host string) bool {
	if isLoopback(host) {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.Equal(net.ParseIP("169.254.170.2")) ||
		ip.Equal(net.ParseIP("169.254.170.23")) || ip.Equal(net.ParseIP("fd00:ec2::23")))
}

// instanceRole returns the IMDSv2 instance-role provider named name,
// honouring AWS_EC2_METADATA_DISABLED and
// AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE). tried, when set, lists the
// sources of the default chain that gave nothing before it.
func (d *chainDeps) instanceRole(name, tried string) aws.CredentialsProvider {
	notes := ""
	if tried != "" {
		notes = tried + "; instance metadata"
	}
	if strings.EqualFold(d.env.Get("AWS_EC2_METADATA_DISABLED"), "true") {
		err := errors.New("disabled by AWS_EC2_METADATA_DISABLED")
		if notes == "" {
			err = errors.New("instance metadata: disabled by AWS_EC2_METADATA_DISABLED")
		}
		return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, query.NewCredentialsError(name, err, notes)
		})
	}
	return &namedProvider{name: name, notes: notes, untrusted: true, p: ec2rolecreds.New(func(o *ec2rolecreds.Options) {
		o.Client = newIMDSClient(d.env)
	})}
}

// newIMDSClient returns an IMDSv2 client configured from the environment.
func newIMDSClient(env Env) *imds.Client { return imds.New(IMDSOptions(env)) }

// IMDSOptions returns the IMDS client options the environment sets:
// AWS_EC2_METADATA_SERVICE_ENDPOINT(_MODE) and AWS_EC2_METADATA_DISABLED.
func IMDSOptions(env Env) imds.Options {
	var o imds.Options
	o.Endpoint = env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
	if strings.EqualFold(env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"), "IPv6") {
		o.EndpointMode = imds.EndpointModeStateIPv6
	}
	if strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true") {
		o.ClientEnableState = imds.ClientDisabled
	}
	return o
}
