package config

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/ec2lite/enidetach/internal/query"
)

// credentialsExpiryWindow refreshes expiring credentials this long before
// they expire, so that a request is never signed with credentials about to
// lapse in flight.
const credentialsExpiryWindow = 5 * time.Minute

// chainDeps is what the default chain needs from the client being built.
type chainDeps struct {
	env         Env
	programmed  bool // Options.Profile was set: the profile wins over the environment
	prof        profile
	sts         func(creds aws.CredentialsProvider) (*query.Engine, error) // an STS client signing with creds (nil: unsigned)
	tried       []string                                                   // sources that gave nothing, for the final error
	sessionName func() string
}

// newDefaultCredentials resolves the default credential chain in the AWS
// SDK's order (config.LoadDefaultConfig), without its config package:
//
//  1. Options.Profile, when set, decides alone (step 4).
//  2. Environment keys: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or
//     AWS_ACCESS_KEY and AWS_SECRET_KEY), with AWS_SESSION_TOKEN.
//  3. Web identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN.
//  4. The shared profile: role_arn with source_profile or
//     credential_source, static keys, web_identity_token_file,
//     credential_process; a profile using SSO or login sessions is refused.
//  5. Container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
//     AWS_CONTAINER_CREDENTIALS_FULL_URI.
//  6. The EC2 instance role through IMDSv2.
//
// Only the choice is made here, from the environment and files: nothing is
// fetched until the first call.
func newDefaultCredentials(d *chainDeps) (aws.CredentialsProvider, error) {
	if !d.programmed {
		if p, ok := envCredentials(d.env); ok {
			return p, nil
		}
		d.tried = append(d.tried, "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set")
		if tokenFile := d.env.Get("AWS_WEB_IDENTITY_TOKEN_FILE"); tokenFile != "" {
			roleARN := d.env.Get("AWS_ROLE_ARN")
			if roleARN == "" {
				return nil, &query.ValidationError{Field: "AWS_ROLE_ARN", Reason: "is required with AWS_WEB_IDENTITY_TOKEN_FILE"}
			}
			return d.webIdentity("web identity (AWS_WEB_IDENTITY_TOKEN_FILE)", tokenFile, roleARN, d.env.Get("AWS_ROLE_SESSION_NAME"))
		}
		d.tried = append(d.tried, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set")
	}
	return d.fromProfile(d.prof, map[string]bool{})
}

// envCredentials returns static credentials from the environment, if set.
func envCredentials(env Env) (aws.CredentialsProvider, bool) {
	id := firstNonEmpty(env.Get("AWS_ACCESS_KEY_ID"), env.Get("AWS_ACCESS_KEY"))
	secret := firstNonEmpty(env.Get("AWS_SECRET_ACCESS_KEY"), env.Get("AWS_SECRET_KEY"))
	if id == "" || secret == "" {
		return nil, false
	}
	return credentials.StaticCredentialsProvider{Value: aws.Credentials{
		AccessKeyID: id, SecretAccessKey: secret, SessionToken: env.Get("AWS_SESSION_TOKEN"), Source: "EnvConfigCredentials",
	}}, true
}

// fromProfile resolves a profile's credentials; visited stops
// source_profile cycles.
func (d *chainDeps) fromProfile(p profile, visited map[string]bool) (aws.CredentialsProvider, error) {
	bad := func(reason string) error {
		return &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: reason}
	}
	if visited[p.name] {
		return nil, bad("source_profile chain loops back to it")
	}
	visited[p.name] = true

	roleARN := p.get("role_arn")
	if src := p.get("source_profile"); src != "" && roleARN != "" {
		return d.fromSourceProfile(p, src, visited)
	}

	var base aws.CredentialsProvider
	var err error
	switch {
	case p.get("aws_access_key_id") != "" || p.get("aws_secret_access_key") != "":
		base, err = staticFromProfile(p)
	case p.get("credential_source") != "":
		if roleARN == "" {
			return nil, bad("credential_source needs role_arn")
		}
		base, err = d.fromCredentialSource(p)
	case p.get("web_identity_token_file") != "":
		if roleARN == "" {
			return nil, bad("web_identity_token_file needs role_arn")
		}
		return d.webIdentity(profileSource(p, "web_identity_token_file"), p.get("web_identity_token_file"), roleARN, p.get("role_session_name"))
	case p.get("sso_session") != "" || p.get("sso_start_url") != "" || p.get("sso_account_id") != "":
		return nil, bad("uses AWS IAM Identity Center (SSO), which enidetach does not support; " +
			"export credentials (aws configure export-credentials) or pass Options.Credentials")
	case p.get("login_session") != "":
		return nil, bad("uses a console login session (login_session), which enidetach does not support; " +
			"export credentials or pass Options.Credentials")
	case p.get("credential_process") != "":
		base = &namedProvider{name: profileSource(p, "credential_process"), p: processcreds.NewProvider(p.get("credential_process"))}
	default:
		d.tried = append(d.tried, profileNote(p))
		base, err = d.containerOrInstance()
	}
	if err != nil {
		return nil, err
	}
	if roleARN != "" {
		if p.get("credential_source") == "" && p.get("credential_process") == "" && p.get("aws_access_key_id") == "" {
			return nil, bad("role_arn needs source_profile or credential_source")
		}
		return d.assumeRole(p, base)
	}
	return base, nil
}

// fromSourceProfile resolves a profile whose role_arn is assumed with the
// credentials of its source_profile src (its own static keys when src is
// itself).
func (d *chainDeps) fromSourceProfile(p profile, src string, visited map[string]bool) (aws.CredentialsProvider, error) {
	var source aws.CredentialsProvider
	var err error
	if src == p.name {
		source, err = staticFromProfile(p)
	} else {
		sp := p.files.profile(src)
		if !sp.found {
			return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: "source_profile " + strconv.Quote(src) + " not found"}
		}
		source, err = d.fromProfile(sp, visited)
	}
	if err != nil {
		return nil, err
	}
	return d.assumeRole(p, source)
}

// profileSource names a source configured in profile p, for errors.
func profileSource(p profile, key string) string {
	return fmt.Sprintf("shared profile %q: %s", p.name, key)
}

// profileNote says why the shared files gave no credentials.
func profileNote(p profile) string {
	if !p.found {
		return fmt.Sprintf("shared files: no profile %q in %s or %s", p.name, p.files.credsPath, p.files.configPath)
	}
	return fmt.Sprintf("shared files: profile %q has no credentials", p.name)
}

// staticFromProfile returns the profile's static keys.
func staticFromProfile(p profile) (aws.CredentialsProvider, error) {
	id, secret := p.get("aws_access_key_id"), p.get("aws_secret_access_key")
	if id == "" || secret == "" {
		return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: "needs both aws_access_key_id and aws_secret_access_key"}
	}
	return credentials.StaticCredentialsProvider{Value: aws.Credentials{
		AccessKeyID: id, SecretAccessKey: secret, SessionToken: p.get("aws_session_token"), Source: "SharedConfigCredentials",
	}}, nil
}

// fromCredentialSource resolves a profile's credential_source.
func (d *chainDeps) fromCredentialSource(p profile) (aws.CredentialsProvider, error) {
	switch src := p.get("credential_source"); src {
	case "Environment":
		if prov, ok := envCredentials(d.env); ok {
			return prov, nil
		}
		return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: "credential_source Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"}
	case "Ec2InstanceMetadata":
		return d.instanceRole(profileSource(p, "credential_source Ec2InstanceMetadata"), ""), nil
	case "EcsContainer":
		prov, ok, err := d.container(profileSource(p, "credential_source EcsContainer"))
		if err == nil && !ok {
			err = &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: "credential_source EcsContainer but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"}
		}
		return prov, err
	default:
		return nil, &query.ValidationError{Field: "profile " + strconv.Quote(p.name), Reason: fmt.Sprintf("credential_source %q is not EcsContainer, Ec2InstanceMetadata or Environment", src)}
	}
}

// namedProvider wraps a provider so its failures are *query.CredentialsError
// naming it, with notes on what was tried before it, and never quote what
// the source answered (see query.CredentialsFailure). It passes on the provider's
// strategies for aws.CredentialsCache (ec2rolecreds keeps serving
// credentials a while when IMDS fails at refresh time), as the SDK's cache
// would see them unwrapped.
type namedProvider struct {
	name  string
	notes string // the default chain's sources tried before this last one, ending with its own label
	p     aws.CredentialsProvider
	// untrusted: the provider's messages quote what its source answered
	// with success (ec2rolecreds puts IMDS's role listing into them), so
	// only typed facts of a failure are shown (see query.UntrustedFailure).
	untrusted bool
}

// Retrieve implements aws.CredentialsProvider.
func (n *namedProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := n.p.Retrieve(ctx)
	if err == nil && (c.AccessKeyID == "" || c.SecretAccessKey == "") {
		err = query.ErrEmptyCredentials
	}
	if err != nil {
		var ce *query.CredentialsError
		if errors.As(err, &ce) {
			return aws.Credentials{}, err
		}
		if n.untrusted {
			err = query.UntrustedFailure(err)
		} else {
			err = query.WithholdDecodeFailure(err)
		}
		return aws.Credentials{}, query.NewCredentialsError(n.name, err, n.notes)
	}
	return c, nil
}

// HandleFailToRefresh passes on the provider's own strategy, if any; else
// the failure stands, as in aws.CredentialsCache.
func (n *namedProvider) HandleFailToRefresh(ctx context.Context, prev aws.Credentials, err error) (aws.Credentials, error) {
	if h, ok := n.p.(aws.HandleFailRefreshCredentialsCacheStrategy); ok {
		return h.HandleFailToRefresh(ctx, prev, err)
	}
	return aws.Credentials{}, err
}

// AdjustExpiresBy passes on the provider's own strategy, if any; else it
// moves the expiry by d, as aws.CredentialsCache does.
func (n *namedProvider) AdjustExpiresBy(c aws.Credentials, d time.Duration) (aws.Credentials, error) {
	if a, ok := n.p.(aws.AdjustExpiresByCredentialsCacheStrategy); ok {
		return a.AdjustExpiresBy(c, d)
	}
	if c.CanExpire {
		c.Expires = c.Expires.Add(d)
	}
	return c, nil
}

// sessionNameOr returns name, or a time-based one as the SDK makes.
func (d *chainDeps) sessionNameOr(name string) string {
	if name != "" {
		return name
	}
	return d.sessionName()
}
