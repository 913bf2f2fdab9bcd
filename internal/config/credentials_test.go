package config

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/ec2lite/enidetach/internal/testenv"
)

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
	without := &namedProvider{p: credentials.NewStaticCredentialsProvider("a", "b", "")}
	if _, err := without.HandleFailToRefresh(context.Background(), prev, errors.New("down")); err == nil {
		t.Error("without a strategy, a failed refresh must stand")
	}
	if got, _ := without.AdjustExpiresBy(prev, -time.Minute); !got.Expires.Equal(prev.Expires.Add(-time.Minute)) {
		t.Errorf("without a strategy, the expiry moves as the cache moves it: %v", got.Expires)
	}
}

// resolve resolves in (an EC2 client's, in eu-west-1 unless it names a
// region) in env and retrieves its credentials through the engine it
// configures.
func resolve(t *testing.T, env mapEnv, in Input) (aws.Credentials, *query.Engine, error) {
	t.Helper()
	in.Service = "EC2"
	if in.Region == "" {
		in.Region = "eu-west-1"
	}
	s, err := Resolve(in, env)
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	e := query.New(s)
	creds, err := e.Credentials().Retrieve(context.Background())
	return creds, e, err
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCredentialSources(t *testing.T) {
	t.Parallel()
	const sharedCreds = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n\n[other]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=other-secret\n"
	// A credentials file outside HOME, named by AWS_SHARED_CREDENTIALS_FILE.
	namedDir := t.TempDir()
	namedFile := filepath.Join(namedDir, "c")
	writeFile(t, namedFile, sharedCreds)
	tests := []struct {
		name        string
		config      string
		creds       string
		vars        []string
		in          Input
		wantKey     string
		wantSession string
	}{
		{name: "environment", vars: []string{"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "env-secret", "AWS_SESSION_TOKEN", "env-token"},
			wantKey: "AKIDENV", wantSession: "env-token"},
		{name: "environment, old spelling", vars: []string{"AWS_ACCESS_KEY", "AKIDOLD", "AWS_SECRET_KEY", "old-secret"}, wantKey: "AKIDOLD"},
		{name: "environment beats the shared files", creds: sharedCreds,
			vars: []string{"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "env-secret"}, wantKey: "AKIDENV"},
		{name: "environment beats AWS_PROFILE", creds: sharedCreds,
			vars: []string{"AWS_PROFILE", "other", "AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "env-secret"}, wantKey: "AKIDENV"},
		{name: "Options.Profile beats the environment", creds: sharedCreds, in: Input{Profile: "other"},
			vars: []string{"AWS_ACCESS_KEY_ID", "AKIDENV", "AWS_SECRET_ACCESS_KEY", "env-secret"}, wantKey: "AKIDOTHER"},
		{name: "credentials file default", creds: sharedCreds, wantKey: "AKIDFILE"},
		{name: "AWS_PROFILE", creds: sharedCreds, vars: []string{"AWS_PROFILE", "other"}, wantKey: "AKIDOTHER"},
		{name: "AWS_DEFAULT_PROFILE", creds: sharedCreds, vars: []string{"AWS_DEFAULT_PROFILE", "other"}, wantKey: "AKIDOTHER"},
		{name: "config file profile section", config: "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfg-secret\n",
			in: Input{Profile: "cfg"}, wantKey: "AKIDCFG"},
		{name: "credentials file beats config file", config: "[default]\naws_access_key_id = AKIDCFG\naws_secret_access_key = cfg-secret\n",
			creds: sharedCreds, wantKey: "AKIDFILE"},
		{name: "files named by variables", vars: []string{"AWS_SHARED_CREDENTIALS_FILE", namedFile, "AWS_CONFIG_FILE", filepath.Join(namedDir, "missing")}, wantKey: "AKIDFILE"},
		{name: "comments, CRLF, spaces and duplicate keys",
			creds:   "# comment\r\n; another\r\n[ default ]\r\n  aws_access_key_id   =   AKIDFIRST  \r\naws_secret_access_key=s1 ; trailing comment\r\naws_access_key_id = AKIDLAST\r\n",
			wantKey: "AKIDLAST"},
		{name: "credential_process", config: "[default]\ncredential_process = " + processScript(t) + "\n", wantKey: "AKIDPROCESS", wantSession: "process-token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := testEnv(t, tc.config, tc.creds, tc.vars...)
			got, _, err := resolve(t, env, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKeyID != tc.wantKey || got.SessionToken != tc.wantSession {
				t.Errorf("got key %q token %q, want %q %q", got.AccessKeyID, got.SessionToken, tc.wantKey, tc.wantSession)
			}
		})
	}
}

// processScript writes a credential_process script and returns its path.
func processScript(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "creds.sh")
	writeFile(t, path, `#!/bin/sh
echo '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret", "SessionToken": "process-token", "Expiration": "2099-01-01T00:00:00Z"}'
`)
	if err := os.Chmod(path, 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestContainerCredentials(t *testing.T) {
	t.Parallel()
	cs := testenv.NewContainerServer(t, "AKIDCONTAINER", "container-secret", time.Now().Add(time.Hour))
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "file-token\n")
	tests := []struct {
		name      string
		vars      []string
		wantToken string
		wantErr   string
	}{
		{"full URI with token", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", cs.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token"}, "env-token", ""},
		{"token file wins", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", cs.URL + "/creds", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile}, "file-token", ""},
		{"remote http refused", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.10/creds"}, "", "not allowed over http"},
		{"not a URL", []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "::"}, "", "not an http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := resolve(t, testEnv(t, "", "", tc.vars...), Input{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.SessionToken != "container-token" || cs.LastToken.Load() != tc.wantToken {
				t.Errorf("creds %+v, authorization %v", got.AccessKeyID, cs.LastToken.Load())
			}
		})
	}
}

func TestInstanceRoleCredentials(t *testing.T) {
	t.Parallel()
	is := testenv.NewIMDSServer(t, func() time.Time { return time.Now().Add(6 * time.Hour) })
	env := testEnv(t, "", "", "AWS_EC2_METADATA_SERVICE_ENDPOINT", is.URL)
	got, c, err := resolve(t, env, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if got.AccessKeyID != "ASIAIMDS" || got.SessionToken != "imds-token-1" || !got.CanExpire {
		t.Errorf("creds = %s %s expires %v", got.AccessKeyID, got.SessionToken, got.Expires)
	}
	if _, err := c.Credentials().Retrieve(context.Background()); err != nil || is.CredHits.Load() != 1 {
		t.Errorf("cached retrieval: %v, %d fetches", err, is.CredHits.Load())
	}
}

// TestExpiringCredentialsAreRefreshed checks refresh before expiry: with
// credentials inside the 5-minute window, each retrieval fetches anew.
func TestExpiringCredentialsAreRefreshed(t *testing.T) {
	t.Parallel()
	cs := testenv.NewContainerServer(t, "AKIDCONTAINER", "container-secret", time.Now().Add(2*time.Minute))
	env := testEnv(t, "", "", "AWS_CONTAINER_CREDENTIALS_FULL_URI", cs.URL+"/creds")
	_, c, err := resolve(t, env, Input{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Credentials().Retrieve(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := cs.Hits.Load(); n != 2 {
		t.Errorf("%d fetches of credentials expiring within the window, want 2", n)
	}
}

func TestProfileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, config, want string
	}{
		{"SSO session", "[default]\nsso_session = corp\nsso_account_id = 123\n", `profile "default": uses AWS IAM Identity Center (SSO)`},
		{"legacy SSO", "[default]\nsso_start_url = https://x.awsapps.com/start\n", "SSO"},
		{"login session", "[default]\nlogin_session = arn:aws:iam::1:user/x\n", "login_session"},
		{"role without source", "[default]\nrole_arn = arn:aws:iam::1:role/r\n", "role_arn needs source_profile or credential_source"},
		{"missing source profile", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = gone\n", `source_profile "gone" not found`},
		{"source loop", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n[profile a]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n", "loops"},
		{"bad credential_source", "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Moon\n", "credential_source"},
		{"half static keys", "[default]\naws_access_key_id = AKIDHALF\n", "needs both"},
		{"mfa", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = s\nmfa_serial = arn:mfa\n[profile s]\naws_access_key_id=a\naws_secret_access_key=b\n", "mfa_serial"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := resolve(t, testEnv(t, tc.config, ""), Input{})
			var ve *query.ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want a *query.ValidationError with %q", err, tc.want)
			}
		})
	}
	// An unreadable shared file is an error, not an empty file.
	env := testEnv(t, "", "")
	env["AWS_CONFIG_FILE"] = t.TempDir() // a directory
	if _, _, err := resolve(t, env, Input{}); err == nil || !strings.Contains(err.Error(), "shared config file") {
		t.Errorf("unreadable file: %v", err)
	}
}

// roleServer fakes STS: it checks the parameters, verifies AssumeRole
// signatures against its one known key, and answers with credentials.
type roleServer struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
}

const stsSourceKey, stsSourceSecret = "AKIDSOURCE", "source-secret"

func newRoleServer(t *testing.T, tokenWant string) *roleServer {
	t.Helper()
	ss := &roleServer{}
	ss.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		ss.mu.Lock()
		ss.forms = append(ss.forms, form)
		ss.mu.Unlock()
		fail := func(status int, code string) {
			w.WriteHeader(status)
			fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>rejected</Message></Error><RequestId>sts-err</RequestId></ErrorResponse>`, code)
		}
		if form.Get("Version") != "2011-06-15" || form.Get("RoleArn") == "" || form.Get("RoleSessionName") == "" {
			fail(400, "MissingParameter")
			return
		}
		action := form.Get("Action")
		switch action {
		case "AssumeRoleWithWebIdentity":
			if r.Header.Get("Authorization") != "" || form.Get("WebIdentityToken") != tokenWant {
				fail(400, "InvalidIdentityToken")
				return
			}
		case "AssumeRole":
			if !verifyRoleSignature(r, body) {
				fail(403, "SignatureDoesNotMatch")
				return
			}
		default:
			fail(400, "InvalidAction")
			return
		}
		fmt.Fprintf(w, `<%[1]sResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><%[1]sResult><Credentials>
<AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey><SessionToken>role-token</SessionToken>
<Expiration>%s</Expiration></Credentials></%[1]sResult><ResponseMetadata><RequestId>sts-1</RequestId></ResponseMetadata></%[1]sResponse>`,
			action, time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}))
	t.Cleanup(ss.Close)
	return ss
}

// verifyRoleSignature re-signs the request over its signed headers with the
// source key and compares.
func verifyRoleSignature(r *http.Request, body []byte) bool {
	auth := r.Header.Get("Authorization")
	if !strings.Contains(auth, "Credential="+stsSourceKey+"/") || !strings.Contains(auth, "/us-west-2/sts/aws4_request") {
		return false
	}
	check, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), strings.NewReader(string(body)))
	check.Header.Set("Content-Type", r.Header.Get("Content-Type"))
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	sum := sha256.Sum256(body)
	_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: stsSourceKey, SecretAccessKey: stsSourceSecret},
		check, hex.EncodeToString(sum[:]), "sts", "us-west-2", at)
	return check.Header.Get("Authorization") == auth
}

func TestAssumeRoleCredentials(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, "eks-oidc-token\n")
	tests := []struct {
		name    string
		config  string
		vars    []string
		action  string
		params  map[string]string
		wantErr string
		profile string
	}{
		{name: "web identity from the environment", vars: []string{"AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile, "AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa", "AWS_ROLE_SESSION_NAME", "pod-1"},
			action: "AssumeRoleWithWebIdentity", params: map[string]string{"RoleArn": "arn:aws:iam::1:role/irsa", "RoleSessionName": "pod-1", "WebIdentityToken": "eks-oidc-token"}},
		{name: "web identity from a profile", config: "[default]\nrole_arn = arn:aws:iam::1:role/p\nweb_identity_token_file = " + tokenFile + "\n",
			action: "AssumeRoleWithWebIdentity", params: map[string]string{"RoleArn": "arn:aws:iam::1:role/p"}},
		{name: "role with source profile", config: "[default]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = base\nexternal_id = ext-1\nduration_seconds = 1800\nrole_session_name = ops\n[profile base]\naws_access_key_id = " + stsSourceKey + "\naws_secret_access_key = " + stsSourceSecret + "\n",
			action: "AssumeRole", params: map[string]string{"RoleArn": "arn:aws:iam::1:role/admin", "ExternalId": "ext-1", "DurationSeconds": "1800", "RoleSessionName": "ops"}},
		{name: "role with credential_source Environment", config: "[default]\nrole_arn = arn:aws:iam::1:role/env\ncredential_source = Environment\n",
			vars: []string{"AWS_ACCESS_KEY_ID", stsSourceKey, "AWS_SECRET_ACCESS_KEY", stsSourceSecret}, profile: "default", action: "AssumeRole"},
		{name: "role signed with a wrong key", config: "[default]\nrole_arn = arn:aws:iam::1:role/admin\nsource_profile = base\n[profile base]\naws_access_key_id = " + stsSourceKey + "\naws_secret_access_key = wrong\n",
			action: "AssumeRole", wantErr: "SignatureDoesNotMatch"},
		{name: "rejected web identity token", vars: []string{"AWS_WEB_IDENTITY_TOKEN_FILE", tokenFile + ".missing", "AWS_ROLE_ARN", "arn:aws:iam::1:role/irsa"},
			wantErr: "read web identity token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ss := newRoleServer(t, "eks-oidc-token")
			vars := append([]string{"AWS_ENDPOINT_URL_STS", ss.URL}, tc.vars...)
			got, _, err := resolve(t, testEnv(t, tc.config, "", vars...), Input{Region: "us-west-2", Profile: tc.profile})
			if tc.wantErr != "" {
				var ce *query.CredentialsError
				if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want a *query.CredentialsError with %q", err, tc.wantErr)
				}
				for _, secret := range []string{stsSourceSecret, "wrong", "eks-oidc-token"} {
					if strings.Contains(err.Error(), secret) && secret != "wrong" {
						t.Errorf("error contains the secret %q", secret)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKeyID != "ASIAROLE" || got.SessionToken != "role-token" || !got.CanExpire {
				t.Errorf("creds = %s %s %v", got.AccessKeyID, got.SessionToken, got.CanExpire)
			}
			ss.mu.Lock()
			defer ss.mu.Unlock()
			if len(ss.forms) == 0 {
				t.Fatal("STS was not called")
			}
			form := ss.forms[len(ss.forms)-1]
			if form.Get("Action") != tc.action {
				t.Errorf("action %s, want %s", form.Get("Action"), tc.action)
			}
			for k, v := range tc.params {
				if form.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, form.Get(k), v)
				}
			}
		})
	}
}

// TestNoSecretInCredentialErrors checks the errors of every failing source
// for the secrets they were given.
func TestNoSecretInCredentialErrors(t *testing.T) {
	t.Parallel()
	const secret = "very-secret-value-42"
	envs := []mapEnv{
		testEnv(t, "[default]\naws_secret_access_key = "+secret+"\n", ""),
		testEnv(t, "[default]\nrole_arn = r\ncredential_source = Moon\naws_secret_access_key = "+secret+"\n", ""),
		testEnv(t, "", "", "AWS_SECRET_ACCESS_KEY", secret, "AWS_EC2_METADATA_DISABLED", "true"),
		testEnv(t, "", "", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://192.0.2.1/"+secret, "AWS_CONTAINER_AUTHORIZATION_TOKEN", secret),
	}
	for i, env := range envs {
		_, _, err := resolve(t, env, Input{})
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		if strings.Contains(err.Error(), secret) && !strings.Contains(env["AWS_CONTAINER_CREDENTIALS_FULL_URI"], secret) {
			t.Errorf("case %d: error %q contains the secret", i, err)
		}
	}
}

// TestNothingFound: when no source of the default chain has credentials,
// the error says so first, then names each source tried, in the chain's
// order, the instance metadata service last.
func TestNothingFound(t *testing.T) {
	t.Parallel()
	env := testEnv(t, "", "", "AWS_EC2_METADATA_DISABLED", "true")
	_, _, err := resolve(t, env, Input{})
	var ce *query.CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want *query.CredentialsError", err)
	}
	// First that no source had credentials, then each source in the
	// chain's order, the instance metadata service last.
	inOrder := func(err error, wants ...string) {
		t.Helper()
		var ce *query.CredentialsError
		if !errors.As(err, &ce) {
			t.Fatalf("error = %v, want *query.CredentialsError", err)
		}
		msg, at := ce.Error(), 0
		if !strings.HasPrefix(msg, "enidetach: no credentials found in any source: environment:") {
			t.Errorf("error %q does not begin by saying that no source had credentials", msg)
		}
		for _, want := range wants {
			i := strings.Index(msg[at:], want)
			if i < 0 {
				t.Errorf("error %q does not mention %q after the sources before it", msg, want)
				return
			}
			at += i + len(want)
		}
	}
	inOrder(err, "environment: AWS_ACCESS_KEY_ID", "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set",
		`shared files: no profile "default"`, "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "instance metadata: disabled")
	if ce.Provider != "instance metadata (IMDSv2)" {
		t.Errorf("Provider = %q, want the last source", ce.Provider)
	}

	// IMDS that answers nothing useful: the error names it after the others.
	is := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(404) }))
	defer is.Close()
	env = testEnv(t, "[default]\nregion = eu-west-1\n", "", "AWS_EC2_METADATA_SERVICE_ENDPOINT", is.URL)
	_, _, err = resolve(t, env, Input{})
	if !errors.As(err, &ce) {
		t.Fatalf("error = %v, want *query.CredentialsError", err)
	}
	inOrder(err, "environment:", `profile "default" has no credentials`, "container:", "instance metadata: ")
}
