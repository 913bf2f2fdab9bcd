package enidetach

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/redact"
)

// Options configures a Client. The zero value, given to New, finds region,
// credentials, endpoint and retry settings where the AWS SDK finds them:
// each field left unset is taken from the environment, then from the
// shared config profile, as the field's comment says.
type Options struct {
	// Region is the AWS region, such as "eu-west-1". Empty: AWS_REGION,
	// AWS_DEFAULT_REGION, then the profile's region. A FIPS pseudo-region
	// ("fips-us-east-1", "us-east-1-fips") means the region with
	// UseFIPSEndpoint on, as the SDK maps it.
	Region string

	// Credentials signs requests. Nil: the default chain of the AWS SDK,
	// described under Configuration in the package documentation. Any
	// aws.CredentialsProvider works; it is wrapped in an
	// aws.CredentialsCache unless it is one. aws.AnonymousCredentials sends
	// requests unsigned.
	Credentials aws.CredentialsProvider

	// Profile selects the shared config profile. Empty: AWS_PROFILE,
	// AWS_DEFAULT_PROFILE, then "default".
	Profile string

	// BaseEndpoint replaces the regional endpoint, for example with a local
	// fake such as ec2test or a VPC endpoint. Empty, in this order:
	// AWS_ENDPOINT_URL_EC2, AWS_ENDPOINT_URL, the profile's services
	// section's ec2 endpoint_url, the profile's endpoint_url; none of them
	// when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile's
	// ignore_configured_endpoint_urls) is true. Requests are still signed
	// for Region (us-east-1 when no region is set).
	BaseEndpoint string

	// UseFIPSEndpoint selects the FIPS endpoint. False: AWS_USE_FIPS_ENDPOINT,
	// then the profile's use_fips_endpoint.
	UseFIPSEndpoint bool

	// UseDualStackEndpoint selects the IPv4/IPv6 endpoint. False:
	// AWS_USE_DUALSTACK_ENDPOINT, then the profile's use_dualstack_endpoint.
	UseDualStackEndpoint bool

	// AllowInsecureHTTP permits a plain http BaseEndpoint on a host that is
	// not loopback. Signed requests and session tokens then cross the
	// network in clear text.
	AllowInsecureHTTP bool

	// HTTPClient sends the requests. Nil: a client with connect, TLS
	// handshake and response-header timeouts, TLS 1.2 or later, the
	// environment's proxy, the CA bundle of AWS_CA_BUNDLE or the profile's
	// ca_bundle, and no redirects.
	HTTPClient HTTPClient

	// Retryer decides which failed attempts are retried, how long to wait
	// and how much retrying the client may do, as ec2.Options.Retryer does
	// for the SDK's clients. Nil: retry.NewStandard, or
	// retry.NewAdaptiveMode when RetryMode is adaptive, from
	// github.com/aws/aws-sdk-go-v2/aws/retry, with MaxAttempts and
	// MaxBackoff. Share one Retryer between clients to share its retry
	// quota and, in adaptive mode, its client-side rate limit. With a
	// Retryer set, it decides every retry (attempts, quota, delays),
	// throttled ones included; the client only spaces the attempts of an
	// action EC2 throttles (see MaxAttempts).
	Retryer aws.RetryerV2

	// RetryMode selects the retryer built when Retryer is nil:
	// aws.RetryModeStandard or aws.RetryModeAdaptive (client-side rate
	// limiting once throttled). Empty: AWS_RETRY_MODE, the profile's
	// retry_mode, then standard.
	RetryMode aws.RetryMode

	// MaxAttempts bounds the requests per call, first included; 1 disables
	// retries. With the client's own retryer (Retryer nil), a mutating
	// action that EC2 throttles (a detach, an attach: any action but
	// Describe*, Get*, List* and Search*) is paced and retried beyond
	// MaxAttempts, without spending the retry quota, while the context
	// allows (5 minutes at most without a deadline); MaxAttempts 1 still
	// disables that too. 0: AWS_MAX_ATTEMPTS, the profile's max_attempts, then the
	// retryer's own (3). Set with a Retryer, it overrides the Retryer's, as
	// ec2.Options.RetryMaxAttempts does; the environment and profile never
	// override a Retryer, as they do not override config.WithRetryer.
	MaxAttempts int

	// MaxBackoff caps the delay between attempts of the retryer built when
	// Retryer is nil. 0: 20 seconds.
	MaxBackoff time.Duration

	// AttemptTimeout bounds each attempt separately; an attempt that runs
	// out of it is retried. 0: only the call's context bounds attempts.
	AttemptTimeout time.Duration

	// Logger receives a debug record per request sent, with Authorization and
	// X-Amz-Security-Token redacted. Nil: nothing is logged.
	Logger *slog.Logger

	// Clock is the time requests are signed at. Nil: time.Now.
	Clock func() time.Time

	// OnEvent, if set, is called once at the end of every attempt of every
	// call (retries included) and once for every poll of every wait, with
	// the action, the outcome and the duration: the place to count calls,
	// throttles, retries and poll outcomes for Prometheus or OpenTelemetry
	// without a dependency here (docs/metrics.md). It is called on the
	// call's goroutine, concurrently from concurrent calls; it must be quick
	// and safe for concurrent use. A panic in it is not recovered.
	OnEvent func(Event)

	// AppID is added to the User-Agent as app/AppID. Empty:
	// AWS_SDK_UA_APP_ID, then the profile's sdk_ua_app_id.
	AppID string
}

// String describes the options without secrets: credentials and the
// retryer are shown by their type only and any user information in
// BaseEndpoint is redacted, so %v and %+v of Options are safe to log.
func (o Options) String() string {
	return fmt.Sprintf("{Region:%s Profile:%s BaseEndpoint:%s UseFIPSEndpoint:%t UseDualStackEndpoint:%t AllowInsecureHTTP:%t Credentials:%T Retryer:%T RetryMode:%s MaxAttempts:%d MaxBackoff:%s AttemptTimeout:%s AppID:%s}",
		o.Region, o.Profile, redact.URL(o.BaseEndpoint), o.UseFIPSEndpoint, o.UseDualStackEndpoint, o.AllowInsecureHTTP,
		o.Credentials, o.Retryer, o.RetryMode, o.MaxAttempts, o.MaxBackoff, o.AttemptTimeout, o.AppID)
}

// GoString is String, so that %#v is safe to log too.
func (o Options) GoString() string { return "enidetach.Options" + o.String() }

// Format prints String (GoString for %#v) in every verb, so that no verb
// (%d or %x, say) reaches the credentials' fields.
func (o Options) Format(f fmt.State, verb rune) { redact.Format(f, verb, o.GoString(), o.String()) }
