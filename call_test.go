package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/redact"
)

// TestCallRefusesSeveralValuesOfItsOwnParameters: a parameter the client
// sets itself, given with more than one value (or an empty one), is refused
// before anything is sent, instead of reaching EC2 twice.
func TestCallRefusesSeveralValuesOfItsOwnParameters(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<DescribeNetworkInterfacesResponse/>`), nil)
	c := clientFor(t, rs)
	for _, params := range []url.Values{
		{"Version": {"2016-11-15", "2011-06-15"}},
		{"Version": {""}},
		{"Action": {"DescribeNetworkInterfaces", "RunInstances"}},
	} {
		err := c.Call(context.Background(), "DescribeNetworkInterfaces", params, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "params" {
			t.Errorf("Call with %v = %v, want a *ValidationError on params", params, err)
		}
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestCallRetriesALostResponseOfAnyAction proves what Call documents: an
// AttachNetworkInterface whose 200 is cut off is retried, as the SDK retries
// it, and the retry answers InvalidNetworkInterface.InUse although the first
// attempt attached the interface; looking shows the truth.
func TestCallRetriesALostResponseOfAnyAction(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	// Free the interface first, then lose the attach's answer.
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	srv.Inject(ec2test.TruncatedBody(), 1)
	var out struct {
		AttachmentID string `xml:"attachmentId"`
	}
	err := c.Call(context.Background(), "AttachNetworkInterface", url.Values{"NetworkInterfaceId": {ec2test.FailoverInterface},
		"InstanceId": {ec2test.InstanceB}, "DeviceIndex": {"1"}}, &out)
	var re *RetryError
	var ae *APIError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterface.InUse" {
		t.Fatalf("error = %v, want InvalidNetworkInterface.InUse inside a *RetryError after 2 attempts", err)
	}
	st, ok := srv.Interface(ec2test.FailoverInterface)
	if !ok || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attaches != 1 {
		t.Errorf("state = %+v, want attached to instance B by the first attempt", st)
	}
}

// TestDetachRetriedAfterALostResponse proves the README's account of a
// detach whose answer is lost, with real detach times: the retry answers
// IncorrectState (ErrIncorrectState) while the interface is still
// detaching, and InvalidAttachmentID.NotFound once it is gone.
func TestDetachRetriedAfterALostResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		backoff time.Duration // how far the server's clock moves before the retry
		want    error
	}{
		{"still detaching", 0, ErrIncorrectState},
		{"gone", time.Minute, ErrAttachmentNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv, fc := newFakeClockClient(t, 20*time.Second, false)
			setSleep(c, func(ctx context.Context, _ time.Duration) error { return fc.Sleep(ctx, tc.backoff) })
			srv.Inject(ec2test.TruncatedBody(), 1)
			_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
			var re *RetryError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Attempts != 2 {
				t.Fatalf("error = %v, want %v inside a *RetryError after 2 attempts", err, tc.want)
			}
			if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 {
				t.Errorf("%d detaches accepted, want 1 (the first attempt's)", st.Detaches)
			}
		})
	}
}

const (
	echoToken  = "ECHOtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/that/is/long=="
	echoSecret = "ECHOsecret/K7MDENG+bPxRfiCYEXAMPLEKEY1"
)

// echoPage answers a request as a hostile proxy or WAF might, quoting what
// it was sent: status and body for an answer, or raw bytes written on the
// connection instead of a valid HTTP response.
type echoPage func(sig, token string) (status int, header http.Header, body, raw string)

func page(status int, body func(sig, token string) string) echoPage {
	return func(sig, token string) (int, http.Header, string, string) { return status, nil, body(sig, token), "" }
}

func rawAnswer(raw func(token string) string) echoPage {
	return func(_, token string) (int, http.Header, string, string) { return 0, nil, "", raw(token) }
}

// echoServer serves answer to every request; sig returns the last
// request's signature.
func echoServer(t *testing.T, answer echoPage) (url string, sig func() string) {
	var last string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		last = auth[strings.Index(auth, "Signature=")+len("Signature="):]
		status, header, body, raw := answer(last, r.Header.Get("X-Amz-Security-Token"))
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
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() string { return last }
}

// echoDetach sends one detach, with a session token, to a server answering
// with answer, and returns every way its outcome can be shown: the error
// and the output in each verb, and the debug log.
func echoDetach(t *testing.T, answer echoPage) (shown, log, sig string) {
	t.Helper()
	return echoDetachAttempts(t, answer, 1)
}

// echoDetachAttempts is echoDetach with up to attempts attempts.
func echoDetachAttempts(t *testing.T, answer echoPage, attempts int) (shown, log, sig string) {
	t.Helper()
	endpoint, lastSig := echoServer(t, answer)
	var buf bytes.Buffer
	c, err := New(Options{Region: "us-east-1", BaseEndpoint: endpoint, MaxAttempts: attempts,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDECHO", echoSecret, echoToken),
		Logger:      slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	return fmt.Sprintf("%v\n%+v\n%#v\n%v\n%+v\n%#v", err, err, err, out, out, out), buf.String(), lastSig()
}

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
			shown, log, sig := echoDetach(t, answer)
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
			_, log, sig := echoDetach(t, answer)
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
			shown, log, sig := echoDetachAttempts(t, answer, 2)
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

// TestEchoedRequestIDOnSuccess: a 200 whose x-amzn-requestid header, or
// whose <requestId>, quotes the session token puts it into
// DetachNetworkInterfaceOutput.RequestID (and the command's -json).
func TestEchoedRequestIDOnSuccess(t *testing.T) {
	for name, answer := range map[string]echoPage{
		"header": func(_, tok string) (int, http.Header, string, string) {
			return 200, http.Header{"X-Amzn-Requestid": {"r " + tok}}, "<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>", ""
		},
		"body": page(200, func(_, tok string) string {
			return "<DetachNetworkInterfaceResponse><requestId>" + tok + "</requestId><return>true</return></DetachNetworkInterfaceResponse>"
		}),
	} {
		t.Run(name, func(t *testing.T) {
			shown, _, sig := echoDetach(t, answer)
			if leaks := echoLeaks(shown, sig); leaks != nil {
				t.Errorf("the output shows %q:\n%s", leaks, shown)
			}
		})
	}
}
