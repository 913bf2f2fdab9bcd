package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/internal/query"
)

// fillDefaults fills what opts leave unset from the environment, then from
// the profile, where and in the order the AWS SDK reads them
// (config.LoadDefaultConfig and the EC2 client's resolution). It returns the
// CA bundle path, which is not an option.
func fillDefaults(opts *Input, env Env, prof profile) (caBundle string, err error) {
	// setting returns the environment variable's value, else the profile's
	// key, naming where it came from for errors.
	setting := func(envName, key string) (string, string) {
		if v := env.Get(envName); v != "" {
			return v, envName
		}
		if v := prof.get(key); v != "" {
			return v, fmt.Sprintf("profile %q %s", prof.name, key)
		}
		return "", ""
	}
	boolSetting := func(envName, key string) (bool, error) {
		v, from := setting(envName, key)
		if v == "" {
			return false, nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return false, &query.ValidationError{Field: from, Reason: fmt.Sprintf("%q is not true or false", v)}
		}
		return b, nil
	}

	if opts.Region == "" {
		opts.Region = firstNonEmpty(env.Get("AWS_REGION"), env.Get("AWS_DEFAULT_REGION"), prof.get("region"))
	}
	if opts.BaseEndpoint == "" {
		if opts.BaseEndpoint, err = configuredEndpoint(strings.ToLower(opts.Service), env, prof); err != nil {
			return "", err
		}
	}
	for _, b := range []struct {
		env, key string
		dst      *bool
	}{
		{"AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint", &opts.UseFIPSEndpoint},
		{"AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint", &opts.UseDualStackEndpoint},
	} {
		if !*b.dst {
			if *b.dst, err = boolSetting(b.env, b.key); err != nil {
				return "", err
			}
		}
	}
	if err := fillRetry(opts, setting); err != nil {
		return "", err
	}
	if opts.AppID == "" {
		opts.AppID, _ = setting("AWS_SDK_UA_APP_ID", "sdk_ua_app_id")
	}
	caBundle, _ = setting("AWS_CA_BUNDLE", "ca_bundle")
	return caBundle, nil
}

// fillRetry fills MaxAttempts and RetryMode from setting (the
// environment, else the profile).
func fillRetry(opts *Input, setting func(envName, key string) (string, string)) error {
	// A retryer given by the caller is not overridden by the environment
	// or the profile, as config.WithRetryer is not: only MaxAttempts, set
	// in code, applies over it.
	if opts.MaxAttempts == 0 && opts.Retryer == nil {
		if v, from := setting("AWS_MAX_ATTEMPTS", "max_attempts"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return &query.ValidationError{Field: from, Reason: fmt.Sprintf("%q is not a positive integer", v)}
			}
			opts.MaxAttempts = n
		}
	}
	if opts.RetryMode == "" && opts.Retryer == nil {
		if v, from := setting("AWS_RETRY_MODE", "retry_mode"); v != "" {
			mode, err := aws.ParseRetryMode(v)
			if err != nil {
				return &query.ValidationError{Field: from, Reason: fmt.Sprintf("%q is not standard or adaptive", v)}
			}
			opts.RetryMode = mode
		}
	}
	return nil
}

// configuredEndpoint returns the endpoint configured for service (its
// services-section name, "ec2" or "sts") in the environment or the
// profile, in the SDK's order: AWS_ENDPOINT_URL_<SERVICE>,
// AWS_ENDPOINT_URL, the profile's services section, the profile's
// endpoint_url; "" when none is set or
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (else the profile's
// ignore_configured_endpoint_urls) is true.
func configuredEndpoint(service string, env Env, prof profile) (string, error) {
	ignore := env.Get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
	from := "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	if ignore == "" {
		ignore, from = prof.get("ignore_configured_endpoint_urls"), fmt.Sprintf("profile %q ignore_configured_endpoint_urls", prof.name)
	}
	if ignore != "" {
		b, err := strconv.ParseBool(ignore)
		if err != nil {
			return "", &query.ValidationError{Field: from, Reason: fmt.Sprintf("%q is not true or false", ignore)}
		}
		if b {
			return "", nil
		}
	}
	return firstNonEmpty(
		env.Get("AWS_ENDPOINT_URL_"+strings.ToUpper(service)),
		env.Get("AWS_ENDPOINT_URL"),
		prof.serviceSetting(service, "endpoint_url"),
		prof.get("endpoint_url"),
	), nil
}

// checkInput refuses options that no default can mend.
func checkInput(opts *Input) error {
	switch {
	case opts.MaxAttempts < 0:
		return &query.ValidationError{Field: "Options.MaxAttempts", Reason: "is negative"}
	case opts.MaxBackoff < 0:
		return &query.ValidationError{Field: "Options.MaxBackoff", Reason: "is negative"}
	case opts.AttemptTimeout < 0:
		return &query.ValidationError{Field: "Options.AttemptTimeout", Reason: "is negative"}
	case opts.RetryMode != "" && opts.RetryMode != aws.RetryModeStandard && opts.RetryMode != aws.RetryModeAdaptive:
		return &query.ValidationError{Field: "Options.RetryMode", Reason: fmt.Sprintf("%q is not standard or adaptive", opts.RetryMode)}
	case len(opts.AppID) > 50 || strings.ContainsAny(opts.AppID, " \t\r\n"):
		return &query.ValidationError{Field: "Options.AppID", Reason: "must be at most 50 characters without white space"}
	}
	return nil
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
