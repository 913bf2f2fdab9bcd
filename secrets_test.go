package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
)

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
	serve := func(status int, body string) string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}))
		t.Cleanup(s.Close)
		return s.URL
	}
	// imdsListing is an IMDS whose role listing is listing and whose role
	// path answers credBody, or 404 when credBody is empty.
	imdsListing := func(listing, credBody string) string {
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
	imds := func(credBody string) string { return imdsListing("agent-role", credBody) }
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

// refreshStrategies is a provider with the cache strategies ec2rolecreds
// has.
type refreshStrategies struct{ aws.CredentialsProvider }

func (refreshStrategies) HandleFailToRefresh(_ context.Context, prev aws.Credentials, _ error) (aws.Credentials, error) {
	return prev, nil
}

func (refreshStrategies) AdjustExpiresBy(c aws.Credentials, _ time.Duration) (aws.Credentials, error) {
	c.Source = "adjusted"
	return c, nil
}

// TestNamedProviderKeepsCacheStrategies: wrapping a provider to name it
// must not hide what it tells aws.CredentialsCache (ec2rolecreds keeps
// serving credentials a while when IMDS fails at refresh time), and a
// provider without strategies gets the cache's defaults.
func TestNamedProviderKeepsCacheStrategies(t *testing.T) {
	t.Parallel()
	prev := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s", CanExpire: true, Expires: time.Unix(1000, 0)}
	with := &namedProvider{p: refreshStrategies{}}
	if got, err := with.HandleFailToRefresh(context.Background(), prev, errors.New("imds down")); err != nil || got != prev {
		t.Errorf("HandleFailToRefresh not passed on: %v %v", got, err)
	}
	if got, _ := with.AdjustExpiresBy(prev, time.Minute); got.Source != "adjusted" {
		t.Errorf("AdjustExpiresBy not passed on: %+v", got)
	}
	without := &namedProvider{p: staticCreds("a", "b")}
	if _, err := without.HandleFailToRefresh(context.Background(), prev, errors.New("down")); err == nil {
		t.Error("without a strategy, a failed refresh must stand")
	}
	if got, _ := without.AdjustExpiresBy(prev, -time.Minute); !got.Expires.Equal(prev.Expires.Add(-time.Minute)) {
		t.Errorf("without a strategy, the expiry moves as the cache moves it: %v", got.Expires)
	}
}

// TestRedactSentSecrets: each form in which a page may quote what the
// request sent is redacted, the rest of the body kept; a body that quotes
// nothing is returned as it is, not copied.
func TestRedactSentSecrets(t *testing.T) {
	t.Parallel()
	const (
		sig    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		token  = "IQoJb3JpZ2luX2Vj/session+token//with=="
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	h := http.Header{}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature="+sig)
	h.Set("X-Amz-Security-Token", token)
	s := secretsOf(h, secret)
	for _, tc := range []struct{ name, body, want string }{
		{"signature", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=" + sig + "\n", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=[REDACTED]\n"},
		{"token as sent", "<td>" + token + "</td>", "<td>[REDACTED]</td>"},
		{"token query-escaped", "?t=" + url.QueryEscape(token) + "&x=1", "?t=[REDACTED]&x=1"},
		{"token JSON-escaped", `{"t":"` + strings.ReplaceAll(token, "/", `\/`) + `"}`, `{"t":"[REDACTED]"}`},
		{"secret key", "key=" + secret, "key=[REDACTED]"},
		{"token cut off at the end", "token: " + token[:20], "token: [REDACTED]"},
		{"a start too short to tell", "x " + token[:7], "x " + token[:7]},
		{"nothing sent", "<html>Bad Request</html>", "<html>Bad Request</html>"},
	} {
		got := s.redactBytes([]byte(tc.body))
		if string(got) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	body := []byte("<html>Bad Request</html>")
	if got := s.redactBytes(body); &got[0] != &body[0] {
		t.Error("a body quoting nothing was copied")
	}
}
