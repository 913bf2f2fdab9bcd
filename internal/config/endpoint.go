package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/ec2lite/enidetach/internal/query"
	"github.com/ec2lite/enidetach/internal/redact"
)

// partition holds the DNS suffixes of one AWS partition.
type partition struct {
	name            string
	dnsSuffix       string
	dualStackSuffix string
}

// partitionFor returns the partition a region belongs to, by prefix, as the
// SDK's endpoint rules do for regions they do not list; anything else is aws.
func partitionFor(region string) partition {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return partition{"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"}
	case strings.HasPrefix(region, "us-gov-"):
		return partition{"aws-us-gov", "amazonaws.com", "api.aws"}
	case strings.HasPrefix(region, "us-isob-"):
		return partition{"aws-iso-b", "sc2s.sgov.gov", "api.aws.scloud"}
	case strings.HasPrefix(region, "us-isof-"):
		return partition{"aws-iso-f", "csp.hci.ic.gov", "api.aws.hci.ic.gov"}
	case strings.HasPrefix(region, "us-iso-"):
		return partition{"aws-iso", "c2s.ic.gov", "api.aws.ic.gov"}
	case strings.HasPrefix(region, "eu-isoe-"):
		return partition{"aws-iso-e", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"}
	case strings.HasPrefix(region, "eusc-"):
		return partition{"aws-eusc", "amazonaws.eu", "api.amazonwebservices.eu"}
	default:
		return partition{"aws", "amazonaws.com", "api.aws"}
	}
}

// ValidRegion reports whether region is a valid DNS host label in lower
// case: the SDK's endpoint rules require a host label, and AWS signs and
// routes only lower-case region names.
func ValidRegion(region string) bool {
	if len(region) == 0 || len(region) > 63 || region[0] == '-' || region[len(region)-1] == '-' {
		return false
	}
	for i := 0; i < len(region); i++ {
		c := region[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// serviceEndpoint returns the HTTPS endpoint of the service whose endpoint
// prefix is prefix ("ec2", "sts") in region, honouring the FIPS and
// dual-stack variants.
func serviceEndpoint(prefix, region string, fips, dualStack bool) string {
	p := partitionFor(region)
	host := prefix
	if fips && !(p.name == "aws-us-gov" && !dualStack) {
		// In GovCloud the standard endpoint is already FIPS validated.
		host += "-fips"
	}
	suffix := p.dnsSuffix
	if dualStack {
		suffix = p.dualStackSuffix
	}
	return "https://" + host + "." + region + "." + suffix + "/"
}

// parseBaseEndpoint checks a caller-supplied endpoint URL. Plain http is
// allowed to loopback hosts, or anywhere when allowInsecure is set: the
// request carries a signature and possibly a session token.
func parseBaseEndpoint(field, raw string, allowInsecure bool) (*url.URL, error) {
	// Checked before parsing: url.Parse's errors quote the whole URL,
	// password included.
	if redact.HasUserInfo(raw) {
		return nil, &query.ValidationError{Field: field, Reason: "must not contain user information"}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &query.ValidationError{Field: field, Reason: "is not a URL: " + err.Error()}
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, &query.ValidationError{Field: field, Reason: "must be an http or https URL, got " + quoteOrEmpty(u.Scheme)}
	case u.Host == "" || u.Hostname() == "":
		return nil, &query.ValidationError{Field: field, Reason: "has no host"}
	case u.User != nil:
		return nil, &query.ValidationError{Field: field, Reason: "must not contain user information"}
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return nil, &query.ValidationError{Field: field, Reason: "must not contain a query or fragment"}
	case u.Scheme == "http" && !allowInsecure && !isLoopback(u.Hostname()):
		return nil, &query.ValidationError{Field: field, Reason: "uses plain http to a host that is not loopback; use https or set Options.AllowInsecureHTTP"}
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "nothing"
	}
	return `"` + s + `"`
}

// resolveEndpoint returns the endpoint and the signing region. A FIPS
// pseudo-region turns UseFIPSEndpoint on and is replaced by its region.
func resolveEndpoint(opts *Input) (*url.URL, string, error) {
	if r := mapFIPSRegion(opts.Region); r != opts.Region {
		opts.Region, opts.UseFIPSEndpoint = r, true
	}
	region := opts.Region
	if region != "" && !ValidRegion(region) {
		return nil, "", &query.ValidationError{Field: "Options.Region", Reason: fmt.Sprintf("%q is not a valid region name (lower-case letters, digits and hyphens)", region)}
	}
	if opts.BaseEndpoint != "" {
		if opts.UseFIPSEndpoint || opts.UseDualStackEndpoint {
			return nil, "", &query.ValidationError{Field: "Options.BaseEndpoint", Reason: "cannot be combined with UseFIPSEndpoint or UseDualStackEndpoint"}
		}
		u, err := parseBaseEndpoint("Options.BaseEndpoint", opts.BaseEndpoint, opts.AllowInsecureHTTP)
		if err != nil {
			return nil, "", err
		}
		if region == "" {
			region = "us-east-1"
		}
		return u, region, nil
	}
	if region == "" {
		return nil, "", &query.ValidationError{Field: "Options.Region", Reason: "no region found (tried Options.Region, AWS_REGION, AWS_DEFAULT_REGION and the shared config profile's region)"}
	}
	u, err := url.Parse(serviceEndpoint(opts.endpointPrefix(), region, opts.UseFIPSEndpoint, opts.UseDualStackEndpoint))
	if err != nil {
		return nil, "", &query.ValidationError{Field: "Options.Region", Reason: err.Error()}
	}
	return u, region, nil
}

// mapFIPSRegion returns the region a FIPS pseudo-region stands for
// ("fips-us-east-1", "us-east-1-fips", "fips-us-gov-west-1"), as the SDK
// maps it (internal/endpoints.MapFIPSRegion), and any other region as it
// is. Unlike the SDK, which sends to the mapped region's FIPS endpoint but
// signs for the pseudo-region, requests are signed for the mapped region,
// as botocore signs them: the credential scope must name a real region.
func mapFIPSRegion(region string) string {
	if !strings.Contains(region, "fips-") && !strings.Contains(region, "-fips") {
		return region
	}
	region = strings.ReplaceAll(region, "-fips-", "-")
	region = strings.ReplaceAll(region, "fips-", "")
	return strings.ReplaceAll(region, "-fips", "")
}

// endpointPrefix returns the first label of the service's endpoint host:
// EndpointPrefix, else the service ID lower-cased.
func (in *Input) endpointPrefix() string {
	if in.EndpointPrefix != "" {
		return in.EndpointPrefix
	}
	return strings.ToLower(in.Service)
}
