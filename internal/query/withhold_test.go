package query

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// leakedSecret stands for a credential a source's answer held.
const leakedSecret = "SOURCEsecret/K7MDENG+bPxRfiCYEXAMPLE"

// sourceAnswer is a credential source's error answer in the SDK's shape,
// its message holding what the source sent.
func sourceAnswer(status int) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: "Denied", Message: "body: " + leakedSecret},
	}
}

// TestWithholdDecodeFailure: a failure to decode what a credential source
// answered says what kind of failure it was, never a byte of the answer;
// any other error is kept as it is.
func TestWithholdDecodeFailure(t *testing.T) {
	t.Parallel()
	var syntaxErr, typeErr error
	var v struct{ Expiration int }
	syntaxErr = json.Unmarshal([]byte(`{"SecretAccessKey": "`+leakedSecret+`" x}`), &v)
	typeErr = json.Unmarshal([]byte(`{"Expiration": "`+leakedSecret+`"}`), &v)
	_, timeErr := time.Parse(time.RFC3339, leakedSecret)
	var doc struct{}
	xmlErr := xml.Unmarshal([]byte("<a>"+leakedSecret+"</b>"), &doc)
	plain := errors.New("connection refused")
	ours := &APIError{Code: "AccessDenied", Message: "User: arn:aws:iam::1:user/x is not authorized"}
	withheld := withholdBody(&ResponseError{StatusCode: 200, Snippet: leakedSecret, Err: errors.New(leakedSecret)})
	tests := []struct {
		name string
		err  error
		want string // in the message; "" for err kept as it is
	}{
		{"JSON syntax", fmt.Errorf("decode: %w", syntaxErr), "not valid JSON (at byte"},
		{"JSON type", typeErr, `field "Expiration" has the wrong type`},
		{"time", timeErr, "not a valid time"},
		{"XML", xmlErr, "not valid XML (line 1)"},
		{"deserialization", &smithy.DeserializationError{Err: errors.New(leakedSecret)}, "could not be decoded"},
		{"source answer", sourceAnswer(403), "the source answered HTTP 403"},
		{"source answer without a status", &smithy.GenericAPIError{Code: "x", Message: leakedSecret}, "the source answered an error"},
		{"process output", errors.New("invalid character in process output: " + leakedSecret), "credential process's output could not be parsed"},
		{"plain", plain, ""},
		{"our APIError", ours, ""},
		{"already withheld", withheld, ""},
	}
	for _, tc := range tests {
		got := WithholdDecodeFailure(tc.err)
		if strings.Contains(fmt.Sprintf("%v %+v", got, got), leakedSecret) {
			t.Errorf("%s: %v shows the secret", tc.name, got)
		}
		if tc.want == "" {
			if got != tc.err {
				t.Errorf("%s: %v, want it kept as it is", tc.name, got)
			}
			continue
		}
		if !strings.Contains(got.Error(), tc.want) || !strings.Contains(got.Error(), "withheld") {
			t.Errorf("%s: %q, want %q and that the content is withheld", tc.name, got, tc.want)
		}
	}
	if WithholdDecodeFailure(nil) != nil {
		t.Error("nil became an error")
	}
}

// TestUntrustedFailure: only typed facts survive: a network failure and
// the context's end stay reachable through errors.Is and errors.As, a
// source's error answer keeps its status; anything else is withheld.
func TestUntrustedFailure(t *testing.T) {
	t.Parallel()
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	dnsErr := &net.DNSError{Err: "no such host", Name: "sts.example.com", IsNotFound: true}
	tests := []struct {
		name  string
		err   error
		want  string
		reach any // errors.As target, or an error for errors.Is
	}{
		{"network", fmt.Errorf("%s: %w", leakedSecret, opErr), "could not reach the source", new(*net.OpError)},
		{"name", &url.Error{Op: "Get", URL: "http://" + leakedSecret, Err: dnsErr}, "could not reach the source", new(*net.DNSError)},
		{"deadline", fmt.Errorf("%s: %w", leakedSecret, context.DeadlineExceeded), "did not answer in time", context.DeadlineExceeded},
		{"cancelled", fmt.Errorf("%s: %w", leakedSecret, context.Canceled), "cancelled", context.Canceled},
		{"error answer", sourceAnswer(500), "the source answered HTTP 500", nil},
		{"anything else", errors.New(leakedSecret), "could not be used", nil},
	}
	for _, tc := range tests {
		got := UntrustedFailure(tc.err)
		if strings.Contains(fmt.Sprintf("%v %+v", got, got), leakedSecret) {
			t.Errorf("%s: %v shows the secret", tc.name, got)
		}
		if !strings.Contains(got.Error(), tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
		switch r := tc.reach.(type) {
		case error:
			if !errors.Is(got, r) {
				t.Errorf("%s: %v lost %v", tc.name, got, r)
			}
		case nil:
		default:
			if !errors.As(got, r) {
				t.Errorf("%s: %v lost its %T", tc.name, got, r)
			}
		}
	}
}

// TestCredentialsFailure: a provider's failure becomes a *CredentialsError
// naming the source, its decoding failures withheld; a *CredentialsError
// from deeper in the chain is kept, unwrapped from the SDK cache's words.
func TestCredentialsFailure(t *testing.T) {
	t.Parallel()
	_, timeErr := time.Parse(time.RFC3339, leakedSecret)
	err := CredentialsFailure("container credentials", timeErr)
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Provider != "container credentials" || strings.Contains(err.Error(), leakedSecret) {
		t.Errorf("%v, want a *CredentialsError naming the source without the answer", err)
	}
	plain := errors.New("refused")
	if err := CredentialsFailure("p", plain); !errors.Is(err, plain) {
		t.Errorf("%v lost its cause", err)
	}
	deeper := &CredentialsError{Provider: `shared profile "ops": credential_process`, Err: plain}
	if got := CredentialsFailure("Options.Credentials", fmt.Errorf("failed to refresh cached credentials, %w", deeper)); got != deeper {
		t.Errorf("behind the cache's words: %v, want the deeper error itself", got)
	}
	twice := fmt.Errorf("outer: %w", fmt.Errorf("failed to refresh cached credentials, %w", deeper))
	if got := CredentialsFailure("Options.Credentials", twice); got != twice {
		t.Errorf("wrapped further: %v, want it kept as it is", got)
	}
}

// TestWithholdBody: a *ResponseError of an engine whose answers may hold
// credentials keeps its status and request ID, loses its body and the
// decoder's words, and keeps ErrBodyTooLarge; other errors pass through.
func TestWithholdBody(t *testing.T) {
	t.Parallel()
	re := &ResponseError{StatusCode: 200, RequestID: "r", Snippet: leakedSecret, Err: errors.New("at " + leakedSecret)}
	got := withholdBody(fmt.Errorf("wrapped: %w", re))
	var w *ResponseError
	if !errors.As(got, &w) || w.StatusCode != 200 || w.RequestID != "r" || w.Snippet != "" || !errors.Is(got, errWithheldBody) {
		t.Errorf("%+v", w)
	}
	if strings.Contains(got.Error(), leakedSecret) || !strings.Contains(got.Error(), "withheld") {
		t.Errorf("%v", got)
	}
	if got := withholdBody(&ResponseError{StatusCode: 200, Snippet: leakedSecret, Err: ErrBodyTooLarge}); !errors.Is(got, ErrBodyTooLarge) {
		t.Errorf("%v lost ErrBodyTooLarge", got)
	}
	if got := withholdBody(&ResponseError{StatusCode: 502, Snippet: leakedSecret}); errors.Unwrap(got) != nil {
		t.Errorf("%v gained a cause", got)
	}
	ae := &APIError{Code: "AccessDenied"}
	if got := withholdBody(ae); got != ae {
		t.Errorf("an APIError changed: %v", got)
	}
}

// TestWithheldBodiesThroughTheEngine: with WithholdBodies, an answer that
// cannot be decoded shows no byte of itself, and one that echoes a secret
// form parameter (a web identity token, sent unsigned) has it redacted.
func TestWithheldBodiesThroughTheEngine(t *testing.T) {
	t.Parallel()
	const token = "eyJhbGciOiJSUzI1NiJ9.WEBidentityTOKEN.signature"
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n == 1 {
			fmt.Fprintf(w, "<AssumeRoleWithWebIdentityResponse><Credentials>%s", leakedSecret) // cut off
			return
		}
		fmt.Fprintf(w, "<AssumeRoleWithWebIdentityResponse><requestId>%s</requestId></AssumeRoleWithWebIdentityResponse>", token)
	})
	e := newTestEngine(t, srv.URL, func(s *Settings) { s.Service, s.WithholdBodies, s.Credentials = "STS", true, nil })
	params := url.Values{"WebIdentityToken": {token}}
	err := e.Call(context.Background(), "AssumeRoleWithWebIdentity", params, nil)
	var re *ResponseError
	if !errors.As(err, &re) || strings.Contains(fmt.Sprintf("%v %+v", err, re), leakedSecret) {
		t.Errorf("undecodable answer: %v", err)
	}
	var out struct {
		ID string `xml:"requestId"`
	}
	if err := e.Call(context.Background(), "AssumeRoleWithWebIdentity", params, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(srv.captured()[1].Body, "WEBidentityTOKEN") {
		t.Fatal("the token was not sent")
	}
	if strings.Contains(out.ID, "WEBidentityTOKEN") || out.ID == "" {
		t.Errorf("the answer's request ID is %q, want the token redacted", out.ID)
	}
}
