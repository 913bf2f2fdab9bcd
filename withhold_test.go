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
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
	serve := func(status int, contentType, body string) string {
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
