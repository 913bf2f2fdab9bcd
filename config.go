package enidetach

// How a client is configured: Options (New) or an aws.Config (NewFromConfig)
// become internal/config's Input, which resolves the region, the endpoint,
// the credential chain, the shared files and the transport.

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/config"
	"github.com/ec2lite/enidetach/internal/query"
)

// serviceID is EC2's SDK service ID: errors name it, and its endpoint
// settings are named for it (AWS_ENDPOINT_URL_EC2, the profile's services
// section's "ec2").
const serviceID = "EC2"

// newClient is New reading env instead of the process environment.
func newClient(opts Options, env config.Env) (*Client, error) {
	s, err := config.Resolve(opts.input(), env)
	if err != nil {
		return nil, err
	}
	return newFromSettings(s, opts.OnEvent), nil
}

// input is what opts configure, for internal/config to resolve.
func (o Options) input() config.Input {
	in := config.Input{
		Service: serviceID, EndpointPrefix: "ec2", APIVersion: apiVersion, Version: Version,
		Region: o.Region, Credentials: o.Credentials, Profile: o.Profile, BaseEndpoint: o.BaseEndpoint,
		UseFIPSEndpoint: o.UseFIPSEndpoint, UseDualStackEndpoint: o.UseDualStackEndpoint, AllowInsecureHTTP: o.AllowInsecureHTTP,
		Retryer: o.Retryer, RetryMode: o.RetryMode, MaxAttempts: o.MaxAttempts, MaxBackoff: o.MaxBackoff,
		AttemptTimeout: o.AttemptTimeout, Logger: o.Logger, Clock: o.Clock, AppID: o.AppID,
	}
	if o.HTTPClient != nil {
		in.HTTPClient = o.HTTPClient
	}
	if o.OnEvent != nil {
		// The STS engines of the default chain report their attempts too.
		in.OnAttempt = func(a query.Attempt) { o.OnEvent(attemptEvent(a)) }
	}
	return in
}

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
	if ep, ok := config.ServiceEndpointFromSources(serviceID, cfg.ConfigSources); ok {
		opts.BaseEndpoint = ep
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(config.FIPSSource); ok {
			if v, found, err := s.GetUseFIPSEndpoint(context.Background()); err == nil && found {
				opts.UseFIPSEndpoint = v == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if s, ok := src.(config.DualStackSource); ok {
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
	if config.SameProvider(opts.Credentials, cfg.Credentials) {
		source = "aws.Config.Credentials"
	}
	s, err := config.Build(opts.input(), source)
	if err != nil {
		return &Client{initErr: err}
	}
	return newFromSettings(s, opts.OnEvent)
}
