package config

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/query"
)

// stsAPIVersion is the STS Query API version.
const stsAPIVersion = "2011-06-15"

// stsCredentials is the <Credentials> element of AssumeRole and
// AssumeRoleWithWebIdentity results.
type stsCredentials struct {
	AccessKeyID     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// stsResult decodes either action's response.
type stsResult struct {
	WebIdentity stsCredentials `xml:"AssumeRoleWithWebIdentityResult>Credentials"`
	Role        stsCredentials `xml:"AssumeRoleResult>Credentials"`
}

// assumeRoleProvider gets temporary credentials from STS: AssumeRole signed
// with source's credentials, or AssumeRoleWithWebIdentity (unsigned) with a
// token read from tokenFile at every retrieval.
type assumeRoleProvider struct {
	sts        *query.Engine
	action     string
	params     url.Values
	tokenFile  string // web identity only
	sourceName string // for errors
}

// Retrieve implements aws.CredentialsProvider.
func (p *assumeRoleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	params := p.params // Call neither changes params nor needs Version: the STS client sends its own
	if p.tokenFile != "" {
		tok, err := os.ReadFile(p.tokenFile)
		if err != nil {
			// The path only: the token itself is never shown.
			return aws.Credentials{}, &query.CredentialsError{Provider: p.sourceName, Err: fmt.Errorf("read web identity token: %w", err)}
		}
		params = maps.Clone(p.params)
		params.Set("WebIdentityToken", strings.TrimSpace(string(tok)))
	}
	var out stsResult
	if err := p.sts.Call(ctx, p.action, params, &out); err != nil {
		return aws.Credentials{}, query.CredentialsFailure(p.sourceName, p.sts.OperationError(p.action, err))
	}
	c := out.Role
	if p.action == "AssumeRoleWithWebIdentity" {
		c = out.WebIdentity
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return aws.Credentials{}, &query.CredentialsError{Provider: p.sourceName, Err: errors.New(p.action + " response has no credentials")}
	}
	return aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
		Source: p.sourceName, CanExpire: !c.Expiration.IsZero(), Expires: c.Expiration,
	}, nil
}

// webIdentity returns a provider for AssumeRoleWithWebIdentity, named
// source in errors.
func (d *chainDeps) webIdentity(source, tokenFile, roleARN, sessionName string) (aws.CredentialsProvider, error) {
	sts, err := d.sts(nil)
	if err != nil {
		return nil, err
	}
	return &assumeRoleProvider{
		sts: sts, action: "AssumeRoleWithWebIdentity", tokenFile: tokenFile, sourceName: source,
		params: url.Values{"RoleArn": {roleARN}, "RoleSessionName": {d.sessionNameOr(sessionName)}},
	}, nil
}

// assumeRole returns a provider for a profile's role_arn, signed with source.
func (d *chainDeps) assumeRole(p profile, source aws.CredentialsProvider) (aws.CredentialsProvider, error) {
	if p.get("mfa_serial") != "" {
		return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: "uses mfa_serial, which needs an interactive token enidetach cannot ask for"}
	}
	params := url.Values{"RoleArn": {p.get("role_arn")}, "RoleSessionName": {d.sessionNameOr(p.get("role_session_name"))}}
	if v := p.get("external_id"); v != "" {
		params.Set("ExternalId", v)
	}
	if v := p.get("duration_seconds"); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 900 || n > 43200 {
			return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: fmt.Sprintf("duration_seconds %q is not a number of seconds from 900 to 43200", v)}
		}
		params.Set("DurationSeconds", v)
	}
	sts, err := d.sts(aws.NewCredentialsCache(source, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = credentialsExpiryWindow }))
	if err != nil {
		return nil, err
	}
	return &assumeRoleProvider{sts: sts, action: "AssumeRole", params: params, sourceName: profileSource(p, "role_arn "+p.get("role_arn"))}, nil
}

// stsEngine returns an engine for STS that shares the service's HTTP
// client, clock, logger and attempt hook and the retry settings of opts, signing with creds (nil:
// unsigned). Its endpoint is the one configured for sts (see
// configuredEndpoint), else sts.{region}.{dnsSuffix}; its answers may hold
// credentials, so none of their bodies is ever shown.
func stsEngine(service query.Settings, opts Input, env Env, prof profile, creds aws.CredentialsProvider) (*query.Engine, error) {
	region := firstNonEmpty(service.Region, "us-east-1")
	raw, err := configuredEndpoint("sts", env, prof)
	if err != nil {
		return nil, err
	}
	var endpoint *url.URL
	if raw != "" {
		endpoint, err = parseBaseEndpoint("AWS_ENDPOINT_URL_STS", raw, opts.AllowInsecureHTTP)
	} else {
		endpoint, err = url.Parse(serviceEndpoint("sts", region, opts.UseFIPSEndpoint, opts.UseDualStackEndpoint))
	}
	if err != nil {
		return nil, err
	}
	s := service
	s.Service, s.Version, s.Endpoint, s.Region = "STS", stsAPIVersion, endpoint, region
	s.Retryer = query.NewRetryer(retrySettings(opts))
	s.Pace, s.BeyondRetryer, s.WithholdBodies = false, false, true
	s.Credentials, s.CredentialsSource = creds, "assume role source"
	return query.New(s), nil
}
