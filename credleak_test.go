package enidetach

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

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
