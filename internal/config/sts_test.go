package config

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/internal/query"
)

// stsAnswer is an AssumeRole or AssumeRoleWithWebIdentity answer.
func stsAnswer(action, key, expires string) string {
	return fmt.Sprintf(`<%sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%sResult><Credentials>`+
		`<AccessKeyId>%s</AccessKeyId><SecretAccessKey>sts-secret</SecretAccessKey><SessionToken>sts-token</SessionToken>`+
		`<Expiration>%s</Expiration></Credentials></%sResult></%sResponse>`, action, action, key, expires, action, action)
}

// stsServer answers every request with answer and records the forms.
type stsServer struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
	auth  []string
}

func newSTSServer(t *testing.T, status int, answer string) *stsServer {
	s := &stsServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(b))
		s.mu.Lock()
		s.forms, s.auth = append(s.forms, form), append(s.auth, r.Header.Get("Authorization"))
		s.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(s.Close)
	return s
}

// stsTestEngine is an STS engine for srv, as stsEngine makes it.
func stsTestEngine(t *testing.T, srv *stsServer, creds aws.CredentialsProvider) *query.Engine {
	t.Helper()
	env := testEnv(t, "", "", "AWS_ENDPOINT_URL_STS", srv.URL)
	service := query.Settings{Region: "eu-west-1", HTTPClient: srv.Client(), Clock: time.Now}
	e, err := stsEngine(service, Input{MaxAttempts: 1}, env, profile{}, creds)
	if err != nil {
		t.Fatal(err)
	}
	e.SetSleep(func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return e
}

// TestAssumeRoleProvider: AssumeRole is signed with the source's
// credentials and its answer becomes expiring credentials named for the
// source; the web identity token is read at every retrieval and sent
// unsigned.
func TestAssumeRoleProvider(t *testing.T) {
	t.Parallel()
	srv := newSTSServer(t, 200, stsAnswer("AssumeRole", "ASIAROLE", "2030-01-02T03:04:05Z"))
	p := &assumeRoleProvider{sts: stsTestEngine(t, srv, credentials.NewStaticCredentialsProvider("AKIDSOURCE", "source-secret", "")),
		action: "AssumeRole", params: url.Values{"RoleArn": {"arn:aws:iam::1:role/r"}, "RoleSessionName": {"s"}}, sourceName: "role_arn r"}
	c, err := p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := aws.Credentials{AccessKeyID: "ASIAROLE", SecretAccessKey: "sts-secret", SessionToken: "sts-token", Source: "role_arn r",
		CanExpire: true, Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	if c != want {
		t.Errorf("credentials %+v, want %+v", c, want)
	}
	if f := srv.forms[0]; f.Get("Action") != "AssumeRole" || f.Get("Version") != "2011-06-15" || f.Get("RoleArn") != "arn:aws:iam::1:role/r" ||
		!strings.Contains(srv.auth[0], "Credential=AKIDSOURCE/") || !strings.Contains(srv.auth[0], "/eu-west-1/sts/aws4_request") {
		t.Errorf("request %v signed %q", f, srv.auth[0])
	}

	forever := newSTSServer(t, 200, strings.Replace(stsAnswer("AssumeRole", "ASIAROLE", ""), "<Expiration></Expiration>", "", 1))
	p.sts = stsTestEngine(t, forever, credentials.NewStaticCredentialsProvider("AKIDSOURCE", "source-secret", ""))
	if c, err := p.Retrieve(context.Background()); err != nil || c.CanExpire {
		t.Errorf("without an expiration: %+v (%v), want credentials that do not expire", c, err)
	}

	web := newSTSServer(t, 200, stsAnswer("AssumeRoleWithWebIdentity", "ASIAWEB", "2030-01-02T03:04:05Z"))
	tokenFile := filepath.Join(t.TempDir(), "token")
	p = &assumeRoleProvider{sts: stsTestEngine(t, web, nil), action: "AssumeRoleWithWebIdentity", tokenFile: tokenFile,
		params: url.Values{"RoleArn": {"arn:aws:iam::1:role/r"}}, sourceName: "web identity"}
	for i, token := range []string{"first.jwt", "second.jwt"} {
		if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if c, err := p.Retrieve(context.Background()); err != nil || c.AccessKeyID != "ASIAWEB" {
			t.Fatalf("web identity: %+v %v", c, err)
		}
		if got := web.forms[i].Get("WebIdentityToken"); got != token || web.auth[i] != "" {
			t.Errorf("retrieval %d sent token %q signed %q, want %q unsigned", i, got, web.auth[i], token)
		}
	}
	if p.params.Get("WebIdentityToken") != "" {
		t.Error("the provider's own params were changed")
	}
}

// TestAssumeRoleProviderFailures: each failure is a *CredentialsError
// naming the source, with no byte of the token or of STS's answer.
func TestAssumeRoleProviderFailures(t *testing.T) {
	t.Parallel()
	const leaked = "LEAKEDsecretFROMsts0123456789"
	missing := filepath.Join(t.TempDir(), "missing")
	tests := []struct {
		name      string
		status    int
		answer    string
		tokenFile string
		check     func(error) bool
	}{
		{"STS refuses", 403, `<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error><RequestId>r</RequestId></ErrorResponse>`, "",
			func(err error) bool {
				var oe *smithy.OperationError
				var ae *query.APIError
				return errors.As(err, &oe) && oe.ServiceID == "STS" && oe.OperationName == "AssumeRole" && errors.As(err, &ae) && ae.Code == "AccessDenied"
			}},
		{"no credentials in the answer", 200, `<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>`, "",
			func(err error) bool { return strings.Contains(err.Error(), "AssumeRole response has no credentials") }},
		{"undecodable answer", 200, `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>` + leaked, "",
			func(err error) bool { var re *query.ResponseError; return errors.As(err, &re) }},
		{"bad expiration", 200, stsAnswer("AssumeRole", "ASIA", leaked), "",
			func(err error) bool { var re *query.ResponseError; return errors.As(err, &re) }},
		{"token file missing", 200, "", missing,
			func(err error) bool {
				return errors.Is(err, os.ErrNotExist) && strings.Contains(err.Error(), "read web identity token")
			}},
	}
	for _, tc := range tests {
		srv := newSTSServer(t, tc.status, tc.answer)
		p := &assumeRoleProvider{sts: stsTestEngine(t, srv, credentials.NewStaticCredentialsProvider("AKID", "s", "")),
			action: "AssumeRole", params: url.Values{"RoleArn": {"r"}}, tokenFile: tc.tokenFile, sourceName: "the source"}
		_, err := p.Retrieve(context.Background())
		var ce *query.CredentialsError
		if !errors.As(err, &ce) || ce.Provider != "the source" || !tc.check(err) {
			t.Errorf("%s: %v, want a *CredentialsError from the source", tc.name, err)
		}
		if err != nil && strings.Contains(fmt.Sprintf("%v %+v", err, err), leaked) {
			t.Errorf("%s: %v shows STS's answer", tc.name, err)
		}
	}
}

// TestSTSEngine: STS's endpoint is the one configured for sts, else
// sts.{region}.{suffix} with the service's FIPS and dual-stack variants;
// its bodies are withheld, it is not paced, and it signs for the
// service's region (us-east-1 without one).
func TestSTSEngine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		region string
		in     Input
		vars   []string
		want   string
		signs  string
	}{
		{"regional", "eu-west-1", Input{}, nil, "https://sts.eu-west-1.amazonaws.com/", "eu-west-1"},
		{"no region", "", Input{}, nil, "https://sts.us-east-1.amazonaws.com/", "us-east-1"},
		{"FIPS", "us-east-1", Input{UseFIPSEndpoint: true}, nil, "https://sts-fips.us-east-1.amazonaws.com/", "us-east-1"},
		{"dual-stack in China", "cn-north-1", Input{UseDualStackEndpoint: true}, nil, "https://sts.cn-north-1.api.amazonwebservices.com.cn/", "cn-north-1"},
		{"configured", "eu-west-1", Input{}, []string{"AWS_ENDPOINT_URL_STS", "https://sts.vpce.example.com", "AWS_ENDPOINT_URL_EC2", "https://ec2"}, "https://sts.vpce.example.com/", "eu-west-1"},
	}
	for _, tc := range tests {
		service := query.Settings{Service: "EC2", Region: tc.region, Pace: true, BeyondRetryer: true}
		e, err := stsEngine(service, tc.in, testEnv(t, "", "", tc.vars...), profile{}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		s := e.Settings()
		if e.Endpoint() != tc.want || e.Region() != tc.signs || s.Service != "STS" || s.Version != stsAPIVersion ||
			!s.WithholdBodies || s.Pace || s.BeyondRetryer || e.Signed() {
			t.Errorf("%s: %s signing for %s, settings %+v", tc.name, e.Endpoint(), e.Region(), s)
		}
	}
	var ve *query.ValidationError
	_, err := stsEngine(query.Settings{Region: "eu-west-1"}, Input{}, testEnv(t, "", "", "AWS_ENDPOINT_URL_STS", "http://sts.example.com"), profile{}, nil)
	if !errors.As(err, &ve) || ve.Field != "AWS_ENDPOINT_URL_STS" {
		t.Errorf("plain http STS endpoint: %v, want a *ValidationError on AWS_ENDPOINT_URL_STS", err)
	}
}

// TestAssumeRoleRefusesWhatItCannotDo: a profile with mfa_serial needs a
// token nobody can type, and duration_seconds must be in STS's range.
func TestAssumeRoleRefusesWhatItCannotDo(t *testing.T) {
	t.Parallel()
	d := &chainDeps{sessionName: func() string { return "s" }, sts: func(aws.CredentialsProvider) (*query.Engine, error) { return nil, errors.New("not reached") }}
	for _, values := range []map[string]string{
		{"role_arn": "r", "mfa_serial": "arn:aws:iam::1:mfa/u"},
		{"role_arn": "r", "duration_seconds": "899"},
		{"role_arn": "r", "duration_seconds": "43201"},
		{"role_arn": "r", "duration_seconds": "an hour"},
	} {
		_, err := d.assumeRole(profile{name: "ops", values: values}, nil)
		var ve *query.ValidationError
		if !errors.As(err, &ve) || ve.Field != `profile "ops"` {
			t.Errorf("%v: %v, want a *ValidationError on the profile", values, err)
		}
	}
}

// hostRecorder fails every request after noting its host.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hosts = append(h.hosts, r.URL.Host)
	return nil, errors.New("recorded")
}

func TestFIPSPseudoRegionReachesSTS(t *testing.T) {
	t.Parallel()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t, "", "", "AWS_WEB_IDENTITY_TOKEN_FILE", tok, "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/r")
	rec := &hostRecorder{}
	s, err := Resolve(ec2Input(func(in *Input) {
		in.Region, in.HTTPClient, in.MaxAttempts, in.Credentials = "fips-us-east-1", rec, 1, nil
	}), env)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = s.Credentials.Retrieve(context.Background())
	if len(rec.hosts) == 0 || rec.hosts[0] != "sts-fips.us-east-1.amazonaws.com" {
		t.Errorf("credential request went to %v, want sts-fips.us-east-1.amazonaws.com", rec.hosts)
	}
}
