package query

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

// TestCredentialsCache: nil and anonymous credentials leave requests
// unsigned, a cache is used as given, and any other provider is wrapped in
// one, so that it is asked once, not once per call.
func TestCredentialsCache(t *testing.T) {
	t.Parallel()
	static := credentials.NewStaticCredentialsProvider("a", "b", "")
	cache := aws.NewCredentialsCache(static)
	tests := []struct {
		name   string
		p      aws.CredentialsProvider
		signed bool
		same   bool // the cache returned is p itself
	}{
		{"nil", nil, false, false},
		{"anonymous", aws.AnonymousCredentials{}, false, false},
		{"anonymous pointer", &aws.AnonymousCredentials{}, false, false},
		{"a cache", cache, true, true},
		{"a provider", static, true, false},
	}
	for _, tc := range tests {
		got := credentialsCache(tc.p)
		if (got != nil) != tc.signed {
			t.Errorf("%s: cache %v, want signed %t", tc.name, got, tc.signed)
		}
		if tc.same && got != cache {
			t.Errorf("%s: the cache was wrapped again", tc.name)
		}
		e := New(Settings{Endpoint: &url.URL{Scheme: "http", Host: "127.0.0.1:9", Path: "/"}, Credentials: tc.p})
		if e.Signed() != tc.signed || (e.Credentials() != nil) != tc.signed {
			t.Errorf("%s: engine Signed() = %t, want %t", tc.name, e.Signed(), tc.signed)
		}
	}
	var calls int
	counting := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		calls++
		return aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}, nil
	})
	c := credentialsCache(counting)
	for range 3 {
		if _, err := c.Retrieve(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 1 {
		t.Errorf("a provider that never expires was asked %d times, want 1", calls)
	}
}

// TestEngineAccessors: New copies the settings and answers what the
// layers above ask of it; without a clock it uses the time of day.
func TestEngineAccessors(t *testing.T) {
	t.Parallel()
	u := &url.URL{Scheme: "https", Host: "ec2.eu-west-3.amazonaws.com", Path: "/"}
	e := New(Settings{Service: "EC2", Version: "2016-11-15", Endpoint: u, Region: "eu-west-3", Retryer: NewRetryer(RetrySettings{MaxAttempts: 7})})
	if e.Service() != "EC2" || e.Region() != "eu-west-3" || e.Endpoint() != "https://ec2.eu-west-3.amazonaws.com/" || e.Settings().Version != "2016-11-15" {
		t.Errorf("engine = %s %s %s %+v", e.Service(), e.Region(), e.Endpoint(), e.Settings())
	}
	if e.Settings().Retryer.MaxAttempts() != 7 {
		t.Errorf("retryer max attempts %d, want 7", e.Settings().Retryer.MaxAttempts())
	}
	if d := time.Since(e.Now()); d < 0 || d > time.Minute {
		t.Errorf("Now() is %v from the time of day", d)
	}
	if !e.IsErrorRetryable(&APIError{Code: "RequestLimitExceeded", StatusCode: 503}) || e.IsErrorRetryable(&APIError{Code: "InvalidParameterValue", StatusCode: 400}) {
		t.Error("IsErrorRetryable does not follow the retryer")
	}
	e.SetClock(func() time.Time { return fixedTime })
	if !e.Now().Equal(fixedTime) || !e.ServiceTime(fixedTime).Equal(fixedTime) {
		t.Errorf("after SetClock, Now() = %v, ServiceTime = %v", e.Now(), e.ServiceTime(fixedTime))
	}
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/", nil)
	if _, err := e.signer.sign(context.Background(), req, payloadHash(nil), aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"}); err != nil {
		t.Fatal(err)
	}
	if got := req.Header.Get("X-Amz-Date"); got != "20261125T120000Z" {
		t.Errorf("after SetClock, requests are signed at %s, want the new clock's 20261125T120000Z", got)
	}
	var slept time.Duration
	e.SetSleep(func(_ context.Context, d time.Duration) error { slept = d; return nil })
	if err := e.Sleep(context.Background(), time.Hour); err != nil || slept != time.Hour {
		t.Errorf("Sleep went to %v (%v), want the seam", slept, err)
	}
}

// TestEngineStringHidesItsSecrets: %v of an engine names its service,
// region and endpoint, never its credentials or an endpoint's password.
func TestEngineStringHidesItsSecrets(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:endpoint-password@ec2.example.com/")
	e := New(Settings{Service: "EC2", Endpoint: u, Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT", "print-secret-value", "print-session-token")})
	s := fmt.Sprintf("%v %s %+v", e, e, e)
	for _, secret := range []string{"endpoint-password", "print-secret-value", "print-session-token"} {
		if strings.Contains(s, secret) {
			t.Errorf("%q shows %q", s, secret)
		}
	}
	if !strings.Contains(s, "Service:EC2") || !strings.Contains(s, "Region:us-east-1") || !strings.Contains(s, "ec2.example.com") {
		t.Errorf("%q does not describe the engine", s)
	}
}

// TestOperationError: the SDK's shape, naming the engine's service and the
// action, with the error inside reachable.
func TestOperationError(t *testing.T) {
	t.Parallel()
	e := New(Settings{Service: "STS", Endpoint: &url.URL{Scheme: "http", Host: "127.0.0.1:9", Path: "/"}})
	inner := &APIError{Code: "AccessDenied", StatusCode: 403}
	err := e.OperationError("AssumeRole", inner)
	var oe *smithy.OperationError
	if !errors.As(err, &oe) || oe.ServiceID != "STS" || oe.OperationName != "AssumeRole" {
		t.Fatalf("error %v, want an OperationError naming STS AssumeRole", err)
	}
	if !strings.HasPrefix(err.Error(), "operation error STS: AssumeRole, ") || !errors.Is(err, &APIError{Code: "AccessDenied"}) {
		t.Errorf("error %q", err)
	}
}

// TestSetCredentialsAndBeyondRetryer: the seams replace what the engine
// signs with and whether throttled calls go beyond the retryer (a no-op
// on an engine that does not pace).
func TestSetCredentialsAndBeyondRetryer(t *testing.T) {
	t.Parallel()
	u := &url.URL{Scheme: "http", Host: "127.0.0.1:9", Path: "/"}
	e := New(Settings{Endpoint: u, Pace: true, BeyondRetryer: true})
	e.SetBeyondRetryer(false)
	if e.pacing.beyondRetryer {
		t.Error("SetBeyondRetryer(false) left it on")
	}
	New(Settings{Endpoint: u}).SetBeyondRetryer(true) // no pacing: nothing to set, no panic
	if e.Signed() {
		t.Fatal("an engine without credentials signs")
	}
	e.SetCredentials(credentials.NewStaticCredentialsProvider("a", "b", ""))
	if !e.Signed() {
		t.Error("SetCredentials did not make the engine sign")
	}
	e.SetCredentials(aws.AnonymousCredentials{})
	if e.Signed() {
		t.Error("SetCredentials(anonymous) still signs")
	}
}
