package query

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCallRefusesSeveralValuesOfItsOwnParameters: a parameter the engine
// sets itself, given with more than one value (or an empty one), is refused
// before anything is sent, instead of reaching the service twice.
func TestCallRefusesSeveralValuesOfItsOwnParameters(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<DescribeNetworkInterfacesResponse/>`))
	e := newTestEngine(t, srv.URL)
	for _, params := range []url.Values{
		{"Version": {"2016-11-15", "2011-06-15"}},
		{"Version": {""}},
		{"Action": {"DescribeNetworkInterfaces", "RunInstances"}},
	} {
		err := e.Call(context.Background(), "DescribeNetworkInterfaces", params, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "params" {
			t.Errorf("Call with %v = %v, want a *ValidationError on params", params, err)
		}
	}
	if n := len(srv.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

func TestCallBadArguments(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, ""))
	e := newTestEngine(t, srv.URL)
	for _, tc := range []struct {
		action string
		params url.Values
	}{
		{"", nil},
		{"Detach Network", nil},
		{"Detach&Action=RunInstances", nil},
		{"DetachNetworkInterface", url.Values{"Action": {"RunInstances"}}},
	} {
		err := e.Call(context.Background(), tc.action, tc.params, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("Call(%q, %v) = %v, want *ValidationError", tc.action, tc.params, err)
		}
	}
	if n := len(srv.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestCallRefusesAnOutItCannotFill: out must be a non-nil pointer, checked
// before sending, so that a request that succeeded is never reported as a
// bad response because out could not take it.
func TestCallRefusesAnOutItCannotFill(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<DescribeNetworkInterfacesResponse/>`))
	e := newTestEngine(t, srv.URL)
	var notPointer struct{}
	var nilPointer *struct{}
	for _, out := range []any{notPointer, nilPointer, "string"} {
		var ve *ValidationError
		if err := e.Call(context.Background(), "DescribeNetworkInterfaces", nil, out); !errors.As(err, &ve) || ve.Field != "out" {
			t.Errorf("out %T: %v, want a *ValidationError on out", out, err)
		}
	}
	if n := len(srv.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestValidAction: an action name is 1 to 128 ASCII letters and digits, so
// that nothing can be smuggled into the form body through it.
func TestValidAction(t *testing.T) {
	t.Parallel()
	for action, want := range map[string]bool{
		"DetachNetworkInterface":  true,
		"A":                       true,
		"Describe2":               true,
		strings.Repeat("a", 128):  true,
		strings.Repeat("a", 129):  false,
		"":                        false,
		"Detach Network":          false,
		"Detach&Action=X":         false,
		"Detach-Network":          false,
		"Détach":                  false,
		"Detach\x00":              false,
		"DescribeInstances.":      false,
		"describe_instances_2024": false,
	} {
		if got := validAction(action); got != want {
			t.Errorf("validAction(%q) = %t, want %t", action, got, want)
		}
	}
}

func TestCallVersionOverride(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<GetCallerIdentityResponse/>`))
	e := newTestEngine(t, srv.URL)
	if err := e.Call(context.Background(), "GetCallerIdentity", url.Values{"Version": {"2011-06-15"}}, nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.captured()[0].Body; got != "Action=GetCallerIdentity&Version=2011-06-15" {
		t.Errorf("body = %q", got)
	}
}

// TestCallSendsTheEngineVersionAndLeavesParamsAlone: without a Version in
// params the engine's is sent, and the caller's params are not modified.
func TestCallSendsTheEngineVersionAndLeavesParamsAlone(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<DescribeNetworkInterfacesResponse/>`))
	e := newTestEngine(t, srv.URL, func(s *Settings) { s.Version = "2099-01-01" })
	params := url.Values{"NetworkInterfaceId.1": {"eni-1"}}
	if err := e.Call(context.Background(), "DescribeNetworkInterfaces", params, nil); err != nil {
		t.Fatal(err)
	}
	if got := srv.captured()[0].Body; got != "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1=eni-1&Version=2099-01-01" {
		t.Errorf("body = %q", got)
	}
	if diff := cmp.Diff(url.Values{"NetworkInterfaceId.1": {"eni-1"}}, params); diff != "" {
		t.Errorf("Call modified params:\n%s", diff)
	}
}

// TestEC2QueryProtocolCases follows the Smithy ec2Query protocol tests that
// apply to a hand-built client: booleans as true/false, an empty string as
// "Key=", list members numbered from 1, requestId read from a success body
// in the action's namespace, RequestID from an error body.
func TestEC2QueryProtocolCases(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<SimpleInputParamsResponse xmlns="https://example.com/"><requestId>smithy-1</requestId></SimpleInputParamsResponse>`))
	e := newTestEngine(t, srv.URL)
	params := url.Values{
		"Bool1":     {"true"},
		"Bool2":     {"false"},
		"Empty":     {""},
		"ListArg.1": {"foo"},
		"ListArg.2": {"bar"},
		"HasQuery":  {"a&b=c"},
	}
	var out struct {
		RequestID string `xml:"requestId"`
	}
	if err := e.Call(context.Background(), "SimpleInputParams", params, &out); err != nil {
		t.Fatal(err)
	}
	want := "Action=SimpleInputParams&Bool1=true&Bool2=false&Empty=&HasQuery=a%26b%3Dc&ListArg.1=foo&ListArg.2=bar&Version=2016-11-15"
	if got := srv.captured()[0].Body; got != want {
		t.Errorf("body\n got %s\nwant %s", got, want)
	}
	if out.RequestID != "smithy-1" {
		t.Errorf("requestId = %q", out.RequestID)
	}
}
