package config

import (
	"context"
	"os"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The small interfaces through which the SDK's clients read endpoint
// settings from aws.Config.ConfigSources (the SDK's
// internal/configsources), so that a client made from an aws.Config needs
// no import of the config package.
type (
	FIPSSource interface {
		GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
	}
	DualStackSource interface {
		GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
	}
	serviceEndpointSource interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsSource interface {
		GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
	}
)

// SameProvider reports whether a and b are the same provider, without the
// panic of == on providers of an uncomparable type such as a func.
func SameProvider(a, b aws.CredentialsProvider) bool {
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

// ServiceEndpointFromSources returns the endpoint of the service whose
// SDK service ID is serviceID that cfg.ConfigSources carry, unless they say
// to ignore configured endpoints. As the SDK's clients do, it defers to
// cfg.BaseEndpoint when the process sets AWS_ENDPOINT_URL but not the
// service's own variable (EndpointEnvVar).
func ServiceEndpointFromSources(serviceID string, sources []any) (string, bool) {
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, specific := os.LookupEnv(EndpointEnvVar(serviceID))
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
			v, found, err := s.GetServiceBaseEndpoint(context.Background(), serviceID)
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

// EndpointEnvVar returns the environment variable that sets the endpoint of
// the service whose SDK service ID is serviceID, by the SDK's rule: the ID
// upper-cased, spaces as underscores ("EC2": AWS_ENDPOINT_URL_EC2).
func EndpointEnvVar(serviceID string) string {
	return "AWS_ENDPOINT_URL_" + strings.ToUpper(strings.ReplaceAll(serviceID, " ", "_"))
}
