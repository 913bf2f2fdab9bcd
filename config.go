package enidetach

import (
	"context"
	"os"
	"reflect"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/query"
)

// The small interfaces through which the SDK's clients read endpoint
// settings from aws.Config.ConfigSources (the SDK's
// internal/configsources), so that a client made from an aws.Config needs
// no import of the config package.
type (
	fipsSource interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	dualStackSource interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
	serviceEndpointSource interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsSource interface {
		GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
	}
)

// NewFromConfig returns a client configured from an AWS SDK config, as
// ec2.NewFromConfig configures the SDK's client, then by optFns: region,
// credentials (nil: requests are sent unsigned, as the SDK sends them),
// HTTP client, retryer, retry mode and maximum attempts, base endpoint,
// app ID, and from cfg.ConfigSources the FIPS and dual-stack settings and
// the EC2-specific endpoint (AWS_ENDPOINT_URL_EC2 or the profile's services
// section). Like the SDK's clients, it reads nothing else from the
// environment or the shared files: config.LoadDefaultConfig has read them.
// A configuration error is returned by every call.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	opts := Options{
		Region:      cfg.Region,
		Credentials: cfg.Credentials,
		RetryMode:   cfg.RetryMode,
		MaxAttempts: cfg.RetryMaxAttempts,
		AppID:       cfg.AppID,
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	if cfg.Retryer != nil {
		opts.Retryer = query.AsRetryerV2(cfg.Retryer())
	}
	if cfg.BaseEndpoint != nil {
		opts.BaseEndpoint = *cfg.BaseEndpoint
	}
	if ep, ok := serviceEndpointFromSources(cfg.ConfigSources); ok {
		opts.BaseEndpoint = ep
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(fipsSource); ok {
			if v, found, err := s.GetUseFIPSEndpoint(context.Background()); err == nil && found {
				opts.UseFIPSEndpoint = v == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(dualStackSource); ok {
			if v, found, err := s.GetUseDualStackEndpoint(context.Background()); err == nil && found {
				opts.UseDualStackEndpoint = v == aws.DualStackEndpointStateEnabled
				break
			}
		}
	}
	for _, fn := range optFns {
		fn(&opts)
	}
	source := "Options.Credentials"
	if sameProvider(opts.Credentials, cfg.Credentials) {
		source = "aws.Config.Credentials"
	}
	c, err := build(&opts, source, "")
	if err != nil {
		return &Client{initErr: err}
	}
	return c
}

// sameProvider reports whether a and b are the same provider, without the
// panic of == on providers of an uncomparable type such as a func.
func sameProvider(a, b aws.CredentialsProvider) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ta := reflect.TypeOf(a)
	switch {
	case ta != reflect.TypeOf(b):
		return false
	case ta.Comparable():
		return a == b
	case ta.Kind() == reflect.Func:
		return reflect.ValueOf(a).Pointer() == reflect.ValueOf(b).Pointer()
	}
	return false
}

// serviceEndpointFromSources returns the EC2-specific endpoint that
// cfg.ConfigSources carry, unless they say to ignore configured endpoints.
// As the SDK's EC2 client does, it defers to cfg.BaseEndpoint when the
// process sets AWS_ENDPOINT_URL but not AWS_ENDPOINT_URL_EC2.
func serviceEndpointFromSources(sources []any) (string, bool) {
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, specific := os.LookupEnv("AWS_ENDPOINT_URL_EC2")
	if global && !specific {
		return "", false
	}
	for _, src := range sources {
		if s, ok := src.(ignoreEndpointsSource); ok {
			if v, found, _ := s.GetIgnoreConfiguredEndpoints(context.Background()); found {
				if v {
					return "", false
				}
				break
			}
		}
	}
	for _, src := range sources {
		if s, ok := src.(serviceEndpointSource); ok {
			v, found, err := s.GetServiceBaseEndpoint(context.Background(), "EC2")
			if err != nil {
				return "", false
			}
			if found {
				return v, true
			}
		}
	}
	return "", false
}
