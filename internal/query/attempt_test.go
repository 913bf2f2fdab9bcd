package query

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/internal/redact"
)

// TestMisbehavingSeams: an HTTPClient or a credentials provider that breaks
// its contract gets a typed error, never a panic or an unsigned request.
func TestMisbehavingSeams(t *testing.T) {
	t.Parallel()
	newE := func(hc HTTPClient, creds aws.CredentialsProvider) *Engine {
		return newTestEngine(t, "http://127.0.0.1:9/", func(s *Settings) {
			s.HTTPClient, s.Retryer = hc, NewRetryer(RetrySettings{MaxAttempts: 1})
			if creds != nil {
				s.Credentials = creds
			}
		})
	}
	call := func(e *Engine) error { return e.Call(context.Background(), "DetachNetworkInterface", nil, nil) }

	err := call(newE(doFunc(func(*http.Request) (*http.Response, error) { return nil, nil }), nil))
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, ErrNoResponse) {
		t.Errorf("Do returning (nil, nil): error = %v, want a *TransportError", err)
	}

	// A response without header or body is an answer with an empty body.
	err = call(newE(doFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 503}, nil }), nil))
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 503 {
		t.Errorf("bare response: error = %v, want a *ResponseError with status 503", err)
	}

	// A response and an error: the error wins, and the body is closed.
	body := &closeRecorder{Reader: strings.NewReader("<x/>")}
	err = call(newE(doFunc(func(*http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: body}, errors.New("broken")
	}), nil))
	if !errors.As(err, &te) || !body.closed.Load() {
		t.Errorf("response and error: %v, body closed %t; want a *TransportError and the body closed", err, body.closed.Load())
	}

	for _, creds := range []aws.Credentials{{AccessKeyID: "AKID"}, {SecretAccessKey: "secret"}, {}} {
		sent := false
		err = call(newE(doFunc(func(*http.Request) (*http.Response, error) { sent = true; return nil, errors.New("unreachable") }),
			aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil })))
		var ce *CredentialsError
		if !errors.As(err, &ce) || ce.Provider != "Options.Credentials" || !errors.Is(err, ErrEmptyCredentials) || sent {
			t.Errorf("empty credentials %+v: error = %v, sent %v; want a *CredentialsError and nothing sent", creds.AccessKeyID, err, sent)
		}
	}

	// Anonymous credentials send an unsigned request, as the SDK does.
	var auth []string
	_ = call(newE(doFunc(func(r *http.Request) (*http.Response, error) {
		auth = r.Header["Authorization"]
		return nil, errors.New("unreachable")
	}), aws.AnonymousCredentials{}))
	if auth != nil {
		t.Errorf("anonymous credentials signed the request: %v", auth)
	}
}

// closeRecorder is a body that notes being closed.
type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

// TestAttemptTimeoutDuringErrorBody: a 4xx whose body outlasts
// AttemptTimeout lost its code (it could have been RequestLimitExceeded),
// so it is a timed-out attempt and retried, not a final ResponseError.
// About real time: the attempt's timeout is a context deadline (200 ms).
func TestAttemptTimeoutDuringErrorBody(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<Response><Errors><Error><Code>RequestLimit")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the rest never comes
			return
		}
		_, _ = io.WriteString(w, `<DetachNetworkInterfaceResponse/>`)
	})
	e := newTestEngine(t, srv.URL, func(s *Settings) { s.AttemptTimeout = 200 * time.Millisecond })
	if err := e.Call(context.Background(), "DetachNetworkInterface", nil, nil); err != nil {
		t.Fatalf("error = %v, want success on the second attempt", err)
	}
	if n := len(srv.captured()); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// TestConnectionsAreReused checks that bodies are drained so that
// sequential calls share one keep-alive connection, through the engine's
// own transport (called directly) as through a caller's HTTPClient.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	for _, direct := range []bool{true, false} {
		var conns atomic.Int32
		ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.FormValue("AttachmentId") == "error" {
				w.WriteHeader(400)
				_, _ = w.Write(readTestdata(t, "error_ec2.xml"))
				return
			}
			_, _ = w.Write(readTestdata(t, "success.xml"))
		}))
		ts.Config.ConnState = func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		}
		ts.Start()
		defer ts.Close()
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		e := newTestEngine(t, ts.URL, func(s *Settings) {
			s.HTTPClient = &http.Client{Transport: tr}
			if direct {
				s.Transport = tr
			}
		})
		for i := 0; i < 200; i++ {
			id := "eni-attach-1"
			if i%2 == 1 {
				id = "error"
			}
			_ = e.Send(context.Background(), "DetachNetworkInterface", []byte("Action=DetachNetworkInterface&AttachmentId="+id), nil)
		}
		// One connection, give or take a race inside net/http: the
		// transport returns a drained connection to its pool from another
		// goroutine, and on a loaded machine the next call may dial before
		// it is back. Bodies left unread would cost a connection per call.
		if n := conns.Load(); n > 3 {
			t.Errorf("direct %t: 200 sequential calls opened %d connections, want 1 (at most 3)", direct, n)
		}
	}
}

func TestCallDecodeErrorIsReported(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(200, `<DescribeNetworkInterfacesResponse><n>not a number</n></DescribeNetworkInterfacesResponse>`))
	var out struct {
		N int `xml:"n"`
	}
	err := newTestEngine(t, srv.URL).Call(context.Background(), "DescribeNetworkInterfaces", nil, &out)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 200 || !strings.Contains(err.Error(), "DescribeNetworkInterfacesResponse") {
		t.Fatalf("error = %v, want *ResponseError naming the response", err)
	}
}

// TestAnswerDecode classifies one answer as read: a body that broke off is
// a lost answer whatever its status, an error status is the service's
// error, a success body too large or undecodable is a *ResponseError.
func TestAnswerDecode(t *testing.T) {
	t.Parallel()
	cut := errors.New("connection reset")
	tests := []struct {
		name    string
		a       answer
		check   func(error) bool
		retried bool // the SDK's standard retryer retries it
	}{
		{"success", answer{status: 200, body: []byte(`<XResponse/>`)}, func(err error) bool { return err == nil }, false},
		{"success body cut off", answer{status: 200, body: []byte(`<XResp`), readErr: cut},
			func(err error) bool { var te *TransportError; return errors.As(err, &te) && errors.Is(err, cut) }, true},
		{"error body cut off", answer{status: 503, body: []byte(`<Response><Errors><Error><Code>RequestLimit`), readErr: cut},
			func(err error) bool { var te *TransportError; return errors.As(err, &te) }, true},
		{"error document", answer{status: 400, requestID: "hdr", body: []byte(ec2Error("InvalidParameterValue"))},
			func(err error) bool {
				var ae *APIError
				return errors.As(err, &ae) && ae.Code == "InvalidParameterValue" && ae.StatusCode == 400 && ae.RequestID == "r"
			}, false},
		{"error body too large", answer{status: 500, requestID: "hdr", body: []byte("xxx"), readErr: ErrBodyTooLarge},
			func(err error) bool {
				var re *ResponseError
				return errors.As(err, &re) && re.StatusCode == 500 && errors.Is(err, ErrBodyTooLarge)
			}, true},
		{"success body too large", answer{status: 200, requestID: "hdr", body: []byte("xxx"), readErr: ErrBodyTooLarge},
			func(err error) bool {
				var re *ResponseError
				return errors.As(err, &re) && re.RequestID == "hdr" && errors.Is(err, ErrBodyTooLarge)
			}, false},
		{"another action's answer", answer{status: 200, body: []byte(`<YResponse/>`)},
			func(err error) bool {
				var re *ResponseError
				return errors.As(err, &re) && strings.Contains(err.Error(), "XResponse")
			}, false},
		{"attempt timed out", answer{status: 400, body: []byte("<"), readErr: context.DeadlineExceeded, attemptTimedOut: true},
			func(err error) bool { var te *TransportError; return errors.As(err, &te) && !te.CanceledError() }, true},
		{"caller ended", answer{status: 400, body: []byte("<"), readErr: context.Canceled, callerEnded: true},
			func(err error) bool { var te *TransportError; return errors.As(err, &te) && te.CanceledError() }, false},
	}
	r := NewRetryer(RetrySettings{})
	for _, tc := range tests {
		err := tc.a.decode("X", nil)
		if !tc.check(err) {
			t.Errorf("%s: %v (%T)", tc.name, err, err)
		}
		if err != nil && r.IsErrorRetryable(err) != tc.retried {
			t.Errorf("%s: retried %t, want %t", tc.name, !tc.retried, tc.retried)
		}
	}
}

// result is a typed result: its fast path takes <XResponse/> only.
type result struct {
	ID   string `xml:"requestId"`
	fast bool
}

func (r *result) DecodeFast(body []byte) bool {
	r.fast = string(body) == "<XResponse/>"
	return r.fast
}
func (r *result) DecodeXML(body []byte, action string) error { return DecodeXML(body, action, r) }
func (r *result) RequestID() *string                         { return &r.ID }

// TestResultRequestIDFromHeader: a typed result decodes itself, fast or
// through encoding/xml, and takes the header's request ID when its body
// has none; the header's ID is redacted of what the request sent.
func TestResultRequestIDFromHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body, header, want string
		fast               bool
	}{
		{"<XResponse/>", "hdr-1", "hdr-1", true},
		{"<XResponse><requestId>body-1</requestId></XResponse>", "hdr-1", "body-1", false},
		{"<XResponse></XResponse>", "", "", false},
		{"<XResponse/>", "echo-" + testSecretKey, "echo-" + redact.Mark, true},
	}
	for _, tc := range tests {
		srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
			w.Header().Set("X-Amzn-Requestid", tc.header)
			_, _ = io.WriteString(w, tc.body)
		})
		var r result
		if err := newTestEngine(t, srv.URL).Send(context.Background(), "X", []byte("Action=X"), &r); err != nil {
			t.Fatal(err)
		}
		if r.ID != tc.want || r.fast != tc.fast {
			t.Errorf("body %s, header %q: request ID %q (fast %t), want %q (fast %t)", tc.body, tc.header, r.ID, r.fast, tc.want, tc.fast)
		}
	}
}

// TestAnswersAreRedactedBeforeDecoding: whatever an answer echoes of the
// request (the signature, the session token, the secret key) is gone
// before out is decoded or an error is built from it.
func TestAnswersAreRedactedBeforeDecoding(t *testing.T) {
	t.Parallel()
	echo := func(status int) answerFunc {
		return func(w http.ResponseWriter, r *http.Request, _ int) {
			auth := r.Header.Get("Authorization")
			sig := auth[strings.LastIndex(auth, "=")+1:]
			w.WriteHeader(status)
			if status == 200 {
				fmt.Fprintf(w, "<XResponse><requestId>%s %s %s</requestId></XResponse>", sig, r.Header.Get("X-Amz-Security-Token"), testSecretKey)
				return
			}
			fmt.Fprintf(w, "<html>%s %s %s</html>", sig, r.Header.Get("X-Amz-Security-Token"), testSecretKey)
		}
	}
	withToken := func(s *Settings) {
		s.Credentials = credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, testSessionToken)
		s.Retryer = NewRetryer(RetrySettings{MaxAttempts: 1})
	}
	srv := newTestServer(t, echo(200))
	var out struct {
		ID string `xml:"requestId"`
	}
	if err := newTestEngine(t, srv.URL, withToken).Call(context.Background(), "X", nil, &out); err != nil {
		t.Fatal(err)
	}
	sig := srv.captured()[0].Header.Get("Authorization")
	sig = sig[strings.LastIndex(sig, "=")+1:]
	for _, secret := range []string{sig, testSessionToken, testSecretKey} {
		if strings.Contains(out.ID, secret) {
			t.Errorf("out holds %q: %q", secret, out.ID)
		}
	}
	srv = newTestServer(t, echo(502))
	err := newTestEngine(t, srv.URL, withToken).Call(context.Background(), "X", nil, nil)
	sig = srv.captured()[0].Header.Get("Authorization")
	sig = sig[strings.LastIndex(sig, "=")+1:]
	for _, secret := range []string{sig, testSessionToken, testSecretKey} {
		if shown := fmt.Sprintf("%v %+v", err, err); strings.Contains(shown, secret) {
			t.Errorf("the error shows %q: %s", secret, shown)
		}
	}
}

// TestHeaderValueCopiesForACallersClient: the header values shared by
// every request go as they are to the engine's own transport, which only
// reads them, and as copies to a caller's HTTPClient, which may change
// them in place.
func TestHeaderValueCopiesForACallersClient(t *testing.T) {
	t.Parallel()
	var seen []string
	mutating := doFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.Header.Get("User-Agent"))
		r.Header["User-Agent"][0] = "changed"
		r.Header["Content-Type"][0] = "changed"
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("<XResponse/>"))}, nil
	})
	e := newTestEngine(t, "http://127.0.0.1:9/", func(s *Settings) { s.HTTPClient = mutating })
	for range 2 {
		if err := e.Call(context.Background(), "X", nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if seen[1] != "enidetach-test" || e.userAgentValue[0] != "enidetach-test" || e.contentType[0] != "application/x-www-form-urlencoded" {
		t.Errorf("a caller's client changed the engine's shared headers: %q, %q, %q", seen, e.userAgentValue, e.contentType)
	}
	shared := []string{"v"}
	e.s.Transport = &http.Transport{}
	if got := e.headerValue(shared); &got[0] != &shared[0] {
		t.Error("the engine's own transport is given a copy")
	}
}

// TestLargeBodyMemory checks that a 50 MB answer costs about the 1 MiB read
// limit, not 50 MB. It runs alone (not parallel) so the allocation count is
// its own.
func TestLargeBodyMemory(t *testing.T) {
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(http.StatusOK)
		for written := 0; written < 50<<20; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return // the client stopped reading
			}
		}
	})
	e := newTestEngine(t, srv.URL)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	err := e.Call(context.Background(), "DetachNetworkInterface", nil, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("error = %v", err)
	}
	// The server writes from a fixed chunk; the client holds the 1 MiB limit
	// plus buffer growth (more under -race, whose bookkeeping allocates).
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 16<<20 {
		t.Errorf("a 50 MB body allocated %d MiB, want a few", grown>>20)
	}
}
