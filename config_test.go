package enidetach

// Tests of how a client is configured (config.go): credentials, regions,
// endpoints, STS and the transport, from Options, the environment and the
// shared files.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// credEnv returns a hermetic environment with HOME at a temporary
// directory holding the given ~/.aws files.
func credEnv(t *testing.T, config, creds string, vars ...string) mapEnv {
	t.Helper()
	home := t.TempDir()
	if config != "" || creds != "" {
		if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if config != "" {
		writeFile(t, filepath.Join(home, ".aws", "config"), config)
	}
	if creds != "" {
		writeFile(t, filepath.Join(home, ".aws", "credentials"), creds)
	}
	env := mapEnv{"HOME": home}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	return env
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentFirstCallsRetrieveOnce fires 64 first calls at once: the
// credentials are fetched once and shared.
func TestConcurrentFirstCallsRetrieveOnce(t *testing.T) {
	t.Parallel()
	cs := testenv.NewContainerServer(t, ec2test.DefaultAccessKeyID, ec2test.DefaultSecretAccessKey, time.Now().Add(time.Hour))
	srv := ec2test.NewServer()
	defer srv.Close()
	env := credEnv(t, "", "", "AWS_CONTAINER_CREDENTIALS_FULL_URI", cs.URL+"/creds")
	srv.AddKey(ec2test.Key{AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey, SessionToken: "container-token"})
	c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL}, env)
	if err != nil {
		t.Fatal(err)
	}
	concurrently(t, 64, func() error {
		_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
		if errors.Is(err, ErrDryRunOperation) {
			return nil
		}
		return err
	})
	if n := cs.Hits.Load(); n != 1 {
		t.Errorf("credentials fetched %d times for 64 concurrent first calls, want 1", n)
	}
}

// fixedServer starts a server that answers every request with status, body
// and, unless empty, contentType, and returns its URL.
func fixedServer(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(s.Close)
	return s.URL
}

// imdsWithListing starts an IMDS whose role listing is listing and whose
// role path answers credBody, or 404 when credBody is empty; it returns
// its URL.
func imdsWithListing(t *testing.T, listing, credBody string) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut:
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = io.WriteString(w, "imds-token")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			_, _ = io.WriteString(w, listing)
		case credBody == "":
			http.NotFound(w, r)
		default:
			_, _ = io.WriteString(w, credBody)
		}
	}))
	t.Cleanup(s.Close)
	return s.URL
}

func TestRegionFromInstanceMetadata(t *testing.T) {
	is := testenv.NewIMDSServer(t, time.Now)
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", is.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	region, err := RegionFromInstanceMetadata(ctx)
	if err != nil || region != "ap-northeast-3" {
		t.Errorf("got (%q, %v)", region, err)
	}
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if _, err := RegionFromInstanceMetadata(ctx); err == nil {
		t.Error("disabled IMDS answered")
	}
}

// TestNoCredentialsErrorNamesTheOperation: a call whose default chain found
// no credentials names the operation, then says that no source had any
// (internal/config's TestNothingFound checks the sources it lists).
func TestNoCredentialsErrorNamesTheOperation(t *testing.T) {
	t.Parallel()
	env := credEnv(t, "", "", "AWS_EC2_METADATA_DISABLED", "true")
	if _, err := failingCall(t, env, Options{}); !strings.HasPrefix(fmt.Sprint(err), "operation error EC2: DetachNetworkInterface, enidetach: no credentials found in any source: environment:") {
		t.Errorf("call error = %v, want it to begin by saying that no source had credentials", err)
	}
}

// TestFailingProvider checks that a provider's failure is a
// *CredentialsError naming it, wrapping the cause, and is not retried.
func TestFailingProvider(t *testing.T) {
	t.Parallel()
	cause := errors.New("vault sealed")
	var calls atomic.Int32
	c, srv := newTestClient(t, nil, func(o *Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			calls.Add(1)
			return aws.Credentials{}, cause
		})
	})
	_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Provider != "Options.Credentials" || !errors.Is(err, cause) {
		t.Fatalf("error = %v, want a *CredentialsError around the cause", err)
	}
	if calls.Load() != 1 || len(srv.Requests()) != 0 {
		t.Errorf("%d retrievals and %d requests, want 1 and 0", calls.Load(), len(srv.Requests()))
	}
}

// Known secrets that hostile or broken credential sources answer with; no
// test may find any of them in an error, a log record or a printed value.
const (
	leakSecret = "LEAKSECRETwJalrXUtnFEMI"
	leakToken  = "LEAKTOKENIQoJb3JpZ2luX2Vj"
)

// failingCall builds a client in env whose EC2 endpoint is a local server
// and makes one detach, returning its error and the debug log.
func failingCall(t *testing.T, env mapEnv, opts Options) (log string, err error) {
	t.Helper()
	ec2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		t.Error("a request reached EC2 although credentials failed")
		w.WriteHeader(500)
	}))
	t.Cleanup(ec2.Close)
	var buf bytes.Buffer
	var mu sync.Mutex
	opts.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts.BaseEndpoint = ec2.URL
	if opts.Region == "" {
		opts.Region = "us-west-2"
	}
	opts.MaxAttempts = 1
	c, err := newClient(opts, env)
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	_, err = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	mu.Lock()
	defer mu.Unlock()
	return buf.String(), err
}

// assertNoLeak fails when any of the known secrets is in s.
func assertNoLeak(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range []string{leakSecret, leakToken, leakSecret[:12], leakToken[:12]} {
		if strings.Contains(s, secret) {
			t.Errorf("%s holds a secret (%q):\n%s", what, secret, s)
			return
		}
	}
}

// script writes an executable shell script and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "creds.sh")
	writeFile(t, path, "#!/bin/sh\n"+body)
	if err := os.Chmod(path, 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCredentialSourcesNeitherLeakNorHide drives every credential source
// into a failure whose raw material holds a known secret: the error must be
// a *CredentialsError naming the source as the chain resolved it, and
// neither it, nor %+v of it, nor the debug log may hold the secret.
func TestCredentialSourcesNeitherLeakNorHide(t *testing.T) {
	t.Parallel()
	stsCreds := fmt.Sprintf("<AccessKeyId>ASIALEAK</AccessKeyId><SecretAccessKey>%s</SecretAccessKey><SessionToken>%s</SessionToken>", leakSecret, leakToken)
	serve := func(status int, body string) string { return fixedServer(t, status, "", body) }
	imdsListing := func(listing, credBody string) string { return imdsWithListing(t, listing, credBody) }
	imds := func(credBody string) string { return imdsWithListing(t, "agent-role", credBody) }
	roleProfile := "[default]\nrole_arn = arn:aws:iam::1:role/ops\nsource_profile = base\n[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n"
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, leakToken)

	tests := []struct {
		name         string
		config       string
		vars         []string
		wantProvider string
	}{
		{name: "STS answer cut short", config: roleProfile,
			vars:         []string{"AWS_ENDPOINT_URL_STS", serve(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>"+stsCreds)},
			wantProvider: `shared profile "default": role_arn arn:aws:iam::1:role/ops`},
		{name: "STS expiration not RFC 3339", config: roleProfile,
			vars:         []string{"AWS_ENDPOINT_URL_STS", serve(200, "<AssumeRoleResponse><AssumeRoleResult><Credentials>"+stsCreds+"<Expiration>"+leakSecret+"</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>")},
			wantProvider: `shared profile "default": role_arn arn:aws:iam::1:role/ops`},
		{name: "STS error status with credentials in the body", config: roleProfile,
			vars:         []string{"AWS_ENDPOINT_URL_STS", serve(502, "<html>"+stsCreds+"</html>")},
			wantProvider: `shared profile "default": role_arn arn:aws:iam::1:role/ops`},
		{name: "web identity token refused", vars: []string{"AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile, "AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa",
			"AWS_ENDPOINT_URL_STS", serve(400, "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>bad</Message></Error></ErrorResponse>")},
			wantProvider: "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"},
		{name: "credential_process truncated JSON", config: "[profile ops]\ncredential_process = " +
			script(t, fmt.Sprintf(`echo '{"Version": 1, "AccessKeyId": "AKIDP", "SecretAccessKey": "%s", "SessionToken": "%s"'`, leakSecret, leakToken)) + "\n",
			vars: []string{"AWS_PROFILE", "ops"}, wantProvider: `shared profile "ops": credential_process`},
		{name: "credential_process bad expiration", config: "[profile ops]\ncredential_process = " +
			script(t, fmt.Sprintf(`echo '{"Version": 1, "AccessKeyId": "AKIDP", "SecretAccessKey": "%s", "SessionToken": "%s", "Expiration": "%s"}'`, leakSecret, leakToken, leakToken)) + "\n",
			vars: []string{"AWS_PROFILE", "ops"}, wantProvider: `shared profile "ops": credential_process`},
		{name: "credential_process fails", config: "[profile ops]\ncredential_process = " + script(t, "echo "+leakSecret+"; exit 3") + "\n",
			vars: []string{"AWS_PROFILE", "ops"}, wantProvider: `shared profile "ops": credential_process`},
		{name: "container answer with a bad expiration",
			vars:         []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(200, fmt.Sprintf(`{"AccessKeyId":"AKIDC","SecretAccessKey":%q,"Token":%q,"Expiration":%q}`, leakSecret, leakToken, leakToken))},
			wantProvider: "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		{name: "container answer cut short",
			vars:         []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(200, fmt.Sprintf(`{"AccessKeyId":"AKIDC","SecretAccessKey":%q,"Token":"%s`, leakSecret, leakToken))},
			wantProvider: "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		{name: "instance role answer with a bad expiration",
			vars:         []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds(fmt.Sprintf(`{"Code":"Success","AccessKeyId":"ASIAI","SecretAccessKey":%q,"Token":%q,"Expiration":%q}`, leakSecret, leakToken, leakToken))},
			wantProvider: "instance metadata (IMDSv2)"},
		// ec2rolecreds quotes the role listing in its errors; a listing
		// that holds the credentials document must not reach them.
		{name: "instance role listing that holds the credentials",
			vars:         []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsListing(fmt.Sprintf(`{"Code":"Success","AccessKeyId":"ASIAI","SecretAccessKey":%q,"Token":%q}`, leakSecret, leakToken), "")},
			wantProvider: "instance metadata (IMDSv2)"},
		// An answer without keys is the source's failure, named as such.
		{name: "container answer without keys",
			vars:         []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(200, `{"Token":"`+leakToken+`"}`)},
			wantProvider: "container credentials (AWS_CONTAINER_CREDENTIALS_FULL_URI)"},
		{name: "profile credential_source Ec2InstanceMetadata", config: "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
			vars:         []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imds(fmt.Sprintf(`{"Code":"Success","AccessKeyId":"ASIAI","SecretAccessKey":%q,"Token":"%s`, leakSecret, leakToken))},
			wantProvider: `shared profile "default": credential_source Ec2InstanceMetadata`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, err := failingCall(t, credEnv(t, tc.config, "", tc.vars...), Options{})
			var ce *CredentialsError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *CredentialsError", err)
			}
			if ce.Provider != tc.wantProvider {
				t.Errorf("Provider = %q, want %q (error: %v)", ce.Provider, tc.wantProvider, err)
			}
			assertNoLeak(t, "the error", err.Error())
			assertNoLeak(t, "%+v of the error", fmt.Sprintf("%+v %#v", err, err))
			assertNoLeak(t, "the debug log", log)
		})
	}
}

// TestCredentialSourceErrorBodiesWithheld: a container credentials
// endpoint that answers an error status puts its body into the SDK's
// error (endpointcreds' EndpointError: the JSON "message", or the whole
// body when it is not JSON), and so into the *CredentialsError, the debug
// log, and the command's -json and stderr. Such a body may hold
// credentials (a proxy quoting the request's authorization token, a
// broken agent dumping its state): only its status is shown now. The
// instance metadata service's error bodies are checked the same way.
func TestCredentialSourceErrorBodiesWithheld(t *testing.T) {
	t.Parallel()
	serve := func(status int, contentType, body string) string { return fixedServer(t, status, contentType, body) }
	imdsFailing := func(status int, body string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPut {
				w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
				_, _ = io.WriteString(w, "imds-token")
				return
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	jsonErr := fmt.Sprintf(`{"code":"AccessDenied","message":"token %s refused, secret %s"}`, leakToken, leakSecret)
	for _, tc := range []struct {
		name, wantStatus string
		vars             []string
	}{
		{"container 400 JSON error", "HTTP 400", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(400, "application/json", jsonErr)}},
		{"container 403 text error", "HTTP 403", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(403, "text/plain", "denied: Authorization: "+leakToken)}},
		{"container 500 HTML error", "HTTP 500", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(500, "text/html", "<html>"+leakSecret+"</html>")}},
		{"container 404 JSON error with a token", "HTTP 404", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", serve(404, "application/json", jsonErr),
			"AWS_CONTAINER_AUTHORIZATION_TOKEN", leakToken}},
		{"instance metadata 500", "", []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT", imdsFailing(500, "<html>"+leakSecret+" "+leakToken+"</html>")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log, err := failingCall(t, credEnv(t, "", "", tc.vars...), Options{})
			var ce *CredentialsError
			if !errors.As(err, &ce) {
				t.Fatalf("error = %v, want a *CredentialsError", err)
			}
			assertNoLeak(t, "the error", err.Error())
			assertNoLeak(t, "%+v of the error", fmt.Sprintf("%+v %#v", err, err))
			assertNoLeak(t, "the debug log", log)
			if !strings.Contains(err.Error(), tc.wantStatus) {
				t.Errorf("error %q does not say the source answered %s", err, tc.wantStatus)
			}
		})
	}
}

// TestWebIdentityTokenEchoWithheld: the web identity token travels in the
// body of AssumeRoleWithWebIdentity, not in a header, so the redaction of
// what was sent (the signature, the session token, the secret key) does
// not know it: an STS endpoint (AWS_ENDPOINT_URL_STS, or a proxy) whose
// error message quotes it puts the token into the *CredentialsError and
// the debug log.
func TestWebIdentityTokenEchoWithheld(t *testing.T) {
	t.Parallel()
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>token %s rejected</Message></Error><RequestId>r-1</RequestId></ErrorResponse>",
			r.PostForm.Get("WebIdentityToken"))
	}))
	t.Cleanup(sts.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, leakToken)
	log, err := failingCall(t, credEnv(t, "", "", "AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile, "AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa",
		"AWS_ENDPOINT_URL_STS", sts.URL), Options{})
	var ce *CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want a *CredentialsError", err)
	}
	assertNoLeak(t, "the error", fmt.Sprintf("%v %+v %#v", err, err, err))
	assertNoLeak(t, "the debug log", log)
}

// TestEndpointUserInfoNeverShown gives endpoints whose user information
// holds a password, parsable or not: neither New's error nor
// Options.String may show it.
func TestEndpointUserInfoNeverShown(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"https://admin:" + leakSecret + "@ec2.example.com",
		"https://admin:" + leakSecret + "@ec2.example.com:bad/",
		"https://admin:" + leakSecret + "@[::1",
		"https://admin:" + leakSecret + "%zz@ec2.example.com/",
		"https://" + leakSecret + "@ec2.example.com",
	} {
		opts := Options{Region: "us-east-1", BaseEndpoint: raw, Credentials: staticCreds("AKID", "secret")}
		_, err := newClient(opts, testEnv(t))
		var ve *ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%s: error = %v, want a *ValidationError", raw, err)
			continue
		}
		assertNoLeak(t, "New's error", err.Error())
		assertNoLeak(t, "Options.String", fmt.Sprintf("%v %+v %#v %s", opts, opts, opts, opts))

		// The same URLs from the environment.
		env := testEnv(t)
		env["AWS_ENDPOINT_URL_EC2"] = raw
		_, err = newClient(Options{Region: "us-east-1", Credentials: staticCreds("AKID", "secret")}, env)
		if err == nil {
			t.Errorf("%s from AWS_ENDPOINT_URL_EC2: accepted", raw)
			continue
		}
		assertNoLeak(t, "New's error for AWS_ENDPOINT_URL_EC2", err.Error())
	}
}
