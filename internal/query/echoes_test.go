package query

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/internal/redact"
)

// TestRedactedTransportErrorKeepsItsKind: a transport failure whose message
// quoted a secret is redacted, but what callers and the retryer ask of it
// stays: a certificate failure is still not retried, a failure on the way
// still is, and the context's error is still in the chain.
func TestRedactedTransportErrorKeepsItsKind(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s := redact.Sent(http.Header{}, secret)
	tests := []struct {
		name     string
		err      error
		retried  bool
		ctxErr   error
		canceled bool
	}{
		{"certificate", fmt.Errorf("tls: %s: %w", secret, x509.UnknownAuthorityError{}), false, nil, false},
		{"malformed answer", fmt.Errorf("net/http: malformed HTTP response %q", secret), true, nil, false},
		{"deadline", fmt.Errorf("read %s: %w", secret, context.DeadlineExceeded), true, context.DeadlineExceeded, false},
	}
	for _, tc := range tests {
		te := &TransportError{Err: tc.err}
		got := redactEchoes(te, s)
		if strings.Contains(got.Error(), secret) || !strings.Contains(got.Error(), redact.Mark) {
			t.Errorf("%s: %v", tc.name, got)
		}
		if got.ConnectionError() != tc.retried {
			t.Errorf("%s: ConnectionError = %t, want %t", tc.name, got.ConnectionError(), tc.retried)
		}
		if tc.ctxErr != nil && !errors.Is(got, tc.ctxErr) {
			t.Errorf("%s: %v lost %v", tc.name, got, tc.ctxErr)
		}
	}
}

// TestShortValuesAreNotRedacted: a "secret" shorter than any AWS issues
// (a test's "b") is not looked for, so messages are not garbled ("signed
// by" read "signed [REDACTED]y") and the failure keeps its kind.
func TestShortValuesAreNotRedacted(t *testing.T) {
	t.Parallel()
	s := redact.Sent(http.Header{}, "b")
	te := &TransportError{Err: fmt.Errorf("x509: certificate signed by unknown authority: %w", x509.UnknownAuthorityError{})}
	got := redactEchoes(te, s)
	if !strings.Contains(got.Error(), "signed by unknown authority") || got.ConnectionError() {
		t.Errorf("%v (retried %t)", got, got.ConnectionError())
	}
}

// TestRedactEchoesTransportError: redactEchoes redacts a *TransportError's
// message, which may quote a malformed answer.
func TestRedactEchoesTransportError(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-Amz-Security-Token", echoToken)
	te := &TransportError{Err: fmt.Errorf("net/http: HTTP/1.x transport connection broken: malformed HTTP response %q", echoToken)}
	err := redactEchoes(te, redact.Sent(h, echoSecret))
	if leaks := echoLeaks(fmt.Sprintf("%v %+v", err, err), ""); leaks != nil {
		t.Errorf("%v shows %q", err, leaks)
	}
	if !strings.Contains(err.Error(), "malformed HTTP response") {
		t.Errorf("%v: what failed is lost", err)
	}
	plain := &TransportError{Err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused")}
	if got := redactEchoes(plain, redact.Sent(h, echoSecret)); got.Error() != "enidetach: request failed: dial tcp 127.0.0.1:1: connect: connection refused" {
		t.Errorf("a message quoting nothing changed: %v", got)
	}
}

const (
	echoToken  = "ECHOtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/that/is/long=="
	echoSecret = "ECHOsecret/K7MDENG+bPxRfiCYEXAMPLEKEY1"
)

// echoLeaks returns the pieces of the secrets sent that s shows: the whole
// token, secret key or signature, or any run of 8 letters and digits of
// them.
func echoLeaks(s, sig string) []string {
	var leaks []string
	for _, secret := range []string{echoToken, echoSecret, sig} {
		for rest := secret; rest != ""; {
			run, next := redact.NextRun(rest)
			if len(run) >= redact.MinPartial && strings.Contains(s, run) {
				leaks = append(leaks, run)
			}
			rest = next
		}
	}
	return leaks
}

// echoPage answers a request as a hostile proxy or WAF might, quoting what
// it was sent: status and body for an answer, or raw bytes written on the
// connection instead of a valid HTTP response.
type echoPage func(sig, token string) (status int, body, raw string)

func page(status int, body func(sig, token string) string) echoPage {
	return func(sig, token string) (int, string, string) { return status, body(sig, token), "" }
}

func rawAnswer(raw func(token string) string) echoPage {
	return func(_, token string) (int, string, string) { return 0, "", raw(token) }
}

// echoCall sends one call, signed with a session token, to a server
// answering with answer, in up to attempts attempts, and returns every way
// its error can be shown (each verb), the debug log, and the last
// request's signature.
func echoCall(t *testing.T, answer echoPage, attempts int) (shown, log, sig string) {
	t.Helper()
	var mu sync.Mutex
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		sig = auth[strings.Index(auth, "Signature=")+len("Signature="):]
		mu.Unlock()
		status, body, raw := answer(sig, r.Header.Get("X-Amz-Security-Token"))
		if raw != "" {
			conn, bw, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			_, _ = bw.WriteString(raw)
			_ = bw.Flush()
			conn.Close()
			return
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	})
	var lw lockedWriter
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Credentials = credentials.NewStaticCredentialsProvider("AKIDECHO", echoSecret, echoToken)
		s.Logger = slog.New(slog.NewTextHandler(&lw, &slog.HandlerOptions{Level: slog.LevelDebug}))
		s.Retryer = NewRetryer(RetrySettings{MaxAttempts: attempts})
	})
	err := e.Call(context.Background(), "DetachNetworkInterface", url.Values{"AttachmentId": {"eni-attach-1"}}, nil)
	mu.Lock()
	defer mu.Unlock()
	return fmt.Sprintf("%v\n%+v\n%#v", err, err, err), lw.String(), sig
}

// TestEchoedSecretsInOtherEscapings: a page that quotes the request's
// session token, signature or secret key escaped other than as sent,
// query-escaped or JSON-escaped showed it: url.PathEscape's form (the
// "/" escaped, "+" and "=" kept), lower-case percent escapes, HTML's
// numeric entities (&#x2F;, as OWASP-style encoders write "/"), JSON's
// \u002f, or the token wrapped on several lines. Each is redacted from the
// error in every verb and from the debug log now.
func TestEchoedSecretsInOtherEscapings(t *testing.T) {
	t.Parallel()
	entities := strings.NewReplacer("/", "&#x2F;", "+", "&#x2B;", "=", "&#x3D;")
	for name, answer := range map[string]echoPage{
		"path-escaped": page(400, func(_, tok string) string { return "<html>t=" + url.PathEscape(tok) + "</html>" }),
		"lower-case percent escapes": page(400, func(_, tok string) string {
			return "<html>t=" + strings.NewReplacer("%2F", "%2f", "%2B", "%2b", "%3D", "%3d").Replace(url.QueryEscape(tok)) + "</html>"
		}),
		"HTML numeric entities": page(403, func(sig, tok string) string {
			return "<html><pre>" + entities.Replace(tok) + "\n" + html.EscapeString(sig) + "</pre></html>"
		}),
		"JSON \\u002f": page(400, func(_, tok string) string { return `{"token":"` + strings.ReplaceAll(tok, "/", `\u002f`) + `"}` }),
		"wrapped at its slashes": page(400, func(_, tok string) string {
			return "<pre>X-Amz-Security-Token: " + strings.ReplaceAll(tok, "/", "/\n  ") + "</pre>"
		}),
		"in an EC2 error, entity-escaped": page(400, func(_, tok string) string {
			return "<Response><Errors><Error><Code>Bad</Code><Message>sent " + strings.ReplaceAll(tok, "/", "&#47;") +
				"</Message></Error></Errors><RequestID>r-1</RequestID></Response>"
		}),
	} {
		t.Run(name, func(t *testing.T) {
			shown, log, sig := echoCall(t, answer, 1)
			if leaks := echoLeaks(shown, sig); leaks != nil {
				t.Errorf("the error shows %q:\n%s", leaks, shown)
			}
			if leaks := echoLeaks(log, sig); leaks != nil {
				t.Errorf("the debug log shows %q:\n%s", leaks, log)
			}
		})
	}
}

// malformedAnswers are answers the HTTP client cannot parse; its error
// messages quote the bytes it choked on.
var malformedAnswers = map[string]echoPage{
	"status line":    rawAnswer(func(tok string) string { return tok + "\r\n\r\n" }),
	"status code":    rawAnswer(func(tok string) string { return "HTTP/1.1 4" + tok + " Bad\r\n\r\n" }),
	"header line":    rawAnswer(func(tok string) string { return "HTTP/1.1 400 Bad Request\r\nX-Echo " + tok + "\r\n\r\n" }),
	"content-length": rawAnswer(func(tok string) string { return "HTTP/1.1 400 Bad Request\r\nContent-Length: " + tok + "\r\n\r\n" }),
}

// TestMalformedAnswerEchoNotLogged: net/http's errors for a malformed
// answer quote it ("malformed HTTP response %q", "malformed MIME header
// line", "bad Content-Length %q"); one built from the request's headers
// put the session token in the debug log's error. The log redacts it now.
func TestMalformedAnswerEchoNotLogged(t *testing.T) {
	t.Parallel()
	for name, answer := range malformedAnswers {
		t.Run(name, func(t *testing.T) {
			_, log, sig := echoCall(t, answer, 1)
			if leaks := echoLeaks(log, sig); leaks != nil {
				t.Errorf("the debug log shows %q:\n%s", leaks, log)
			}
		})
	}
}

// TestMalformedAnswerEchoNotInError: the same quoted answer reaches the
// returned *TransportError, and so every caller's log and the command's
// -json and stderr.
func TestMalformedAnswerEchoNotInError(t *testing.T) {
	for name, answer := range malformedAnswers {
		t.Run(name, func(t *testing.T) {
			shown, log, sig := echoCall(t, answer, 2)
			if leaks := echoLeaks(shown, sig); leaks != nil {
				t.Errorf("the error shows %q:\n%s", leaks, shown)
			}
			// The "retrying" record logs the attempt's error as is.
			if leaks := echoLeaks(log, sig); leaks != nil {
				t.Errorf("the debug log shows %q:\n%s", leaks, log)
			}
		})
	}
}
