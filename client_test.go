package enidetach

import (
	"bytes"
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/google/go-cmp/cmp"
)

func TestUserAgent(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, readTestdata(t, "success.xml"), nil)
	c := clientFor(t, rs, func(o *Options) { o.AppID = "failover-agent" })
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("enidetach/%s lang/go#%s md/GOOS#%s md/GOARCH#%s app/failover-agent",
		Version, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
	if got := rs.captured()[0].Header.Get("User-Agent"); got != want {
		t.Errorf("User-Agent = %q, want %q", got, want)
	}
}

// TestContextCancelledReturnsPromptly checks that a call waiting on a slow
// server returns soon after its context ends, with ctx.Err() in the chain.
func TestContextCancelledReturnsPromptly(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Delay(10*time.Second), 1)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v, want soon after the 100ms deadline", elapsed)
	}
	var te *TransportError
	if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) {
		t.Errorf("error = %v (%T), want a *TransportError with context.DeadlineExceeded", err, err)
	}
	if n := len(srv.Requests()); n > 1 {
		t.Errorf("%d requests sent; a call whose context ended must not retry", n)
	}
}

func TestCancelledContextSendsNothing(t *testing.T) {
	t.Parallel()
	var sent atomic.Int32
	c := newTestClientWith(t, doFunc(func(*http.Request) (*http.Response, error) {
		sent.Add(1)
		return nil, errors.New("unreachable")
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled in the chain", err)
	}
	if n := sent.Load(); n != 0 {
		t.Errorf("%d requests handed to the HTTP client", n)
	}
}

// TestConnectionsAreReused checks that bodies are drained so that
// sequential calls share one keep-alive connection.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
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
	c, err := newClient(Options{BaseEndpoint: ts.URL, Credentials: staticCreds("a", "b")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 200; i++ {
		id := "eni-attach-1"
		if i%2 == 1 {
			id = "error"
		}
		_, _ = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: id})
	}
	// One connection, give or take a race inside net/http: the transport
	// returns a drained connection to its pool from another goroutine, and
	// on a loaded machine the next call may dial before it is back. Bodies
	// left unread would cost a connection per call.
	if n := conns.Load(); n > 3 {
		t.Errorf("200 sequential calls opened %d connections, want 1 (at most 3)", n)
	}
}

// describeOutput is a caller's own result type for Call.
type describeOutput struct {
	RequestID  string `xml:"requestId"`
	Interfaces []struct {
		ID     string `xml:"networkInterfaceId"`
		Status string `xml:"status"`
	} `xml:"networkInterfaceSet>item"`
}

func TestCallOtherAction(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	params := url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}
	var out describeOutput
	if err := c.Call(context.Background(), "DescribeNetworkInterfaces", params, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Interfaces) != 1 || out.Interfaces[0].ID != "eni-0123456789abcdef0" || out.Interfaces[0].Status != "in-use" || out.RequestID == "" {
		t.Errorf("output = %+v", out)
	}
	if diff := cmp.Diff(url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}, params); diff != "" {
		t.Errorf("Call modified params:\n%s", diff)
	}
	if err := c.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil); err != nil {
		t.Errorf("nil params and nil out: %v", err)
	}
	reqs := srv.Requests()
	if got := reqs[0].Params.Get("Version"); got != "2016-11-15" {
		t.Errorf("Version = %q", got)
	}
}

func TestCallDecodeErrorIsReported(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<DescribeNetworkInterfacesResponse><n>not a number</n></DescribeNetworkInterfacesResponse>`), nil)
	var out struct {
		N int `xml:"n"`
	}
	err := clientFor(t, rs).Call(context.Background(), "DescribeNetworkInterfaces", nil, &out)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 200 || !strings.Contains(err.Error(), "DescribeNetworkInterfacesResponse") {
		t.Fatalf("error = %v, want *ResponseError naming the response", err)
	}
}

func TestNewFromConfig(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-3"))
	defer srv.Close()
	cfg := aws.Config{
		Region:           "eu-west-3",
		Credentials:      srv.Credentials(),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 5,
		HTTPClient:       &http.Client{},
		AppID:            "sdk-user",
	}
	c := NewFromConfig(cfg)
	if c.initErr != nil {
		t.Fatal(c.initErr)
	}
	if c.engine.Settings().Retryer.MaxAttempts() != 5 || c.Region() != "eu-west-3" || !strings.HasSuffix(c.engine.Settings().UserAgent, "app/sdk-user") {
		t.Errorf("client = attempts %d region %s ua %s", c.engine.Settings().Retryer.MaxAttempts(), c.Region(), c.engine.Settings().UserAgent)
	}
	srv.Inject(ec2test.Throttle(), 4)
	c = NewFromConfig(cfg)
	setSleep(c, noSleep)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}); err != nil {
		t.Fatalf("with 5 attempts, 4 throttles then success: %v", err)
	}

	bad := NewFromConfig(aws.Config{Region: "bad region", Credentials: srv.Credentials()})
	_, err := bad.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Options.Region" {
		t.Errorf("bad config: %v, want the *ValidationError at every call", err)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestNoSecretInPrintedValues checks %+v of the exported types that hold
// configuration or errors.
func TestNoSecretInPrintedValues(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, nil, func(o *Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIDPRINT", "print-secret-value", "print-session-token")
	})
	leaky := Options{Region: "us-east-1", BaseEndpoint: "https://user:print-secret-value@ec2.example.com",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT", "print-secret-value", "print-session-token")}
	for _, v := range []any{c, leaky, &leaky} {
		s := fmt.Sprintf("%+v %#v", v, v)
		if strings.Contains(s, "print-secret-value") || strings.Contains(s, "print-session-token") {
			t.Errorf("%T prints a secret", v)
		}
	}
}

// TestCABundle checks AWS_CA_BUNDLE: with the server's certificate the call
// succeeds; without it the TLS failure is a TransportError, not retried.
func TestCABundle(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write(readTestdata(t, "success.xml"))
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	defer ts.Close()
	pemPath := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	in := &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}

	env := testEnv(t)
	env["AWS_CA_BUNDLE"] = pemPath
	c, err := newClient(Options{BaseEndpoint: ts.URL, Credentials: staticCreds("a", "b")}, env)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DetachNetworkInterface(context.Background(), in); err != nil {
		t.Fatalf("with the CA bundle: %v", err)
	}

	c, err = newClient(Options{BaseEndpoint: ts.URL, Credentials: staticCreds("a", "b")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	before := hits.Load()
	_, err = c.DetachNetworkInterface(context.Background(), in)
	var te *TransportError
	var rt *RetryError
	if !errors.As(err, &te) || errors.As(err, &rt) {
		t.Errorf("without the CA bundle: %v, want a TransportError after one attempt", err)
	}
	if hits.Load() != before {
		t.Error("a request got through an unverified TLS connection")
	}

	env["AWS_CA_BUNDLE"] = filepath.Join(t.TempDir(), "empty.pem")
	_ = os.WriteFile(env["AWS_CA_BUNDLE"], []byte("not a certificate"), 0o600)
	var ve *ValidationError
	if _, err := newClient(Options{BaseEndpoint: ts.URL, Credentials: staticCreds("a", "b")}, env); !errors.As(err, &ve) {
		t.Errorf("bundle without certificates: %v, want *ValidationError", err)
	}
}

func TestMisusedClientAndOut(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<DescribeNetworkInterfacesResponse/>`), nil)
	c := clientFor(t, rs)
	var notPointer struct{}
	var nilPointer *describeOutput
	for _, out := range []any{notPointer, nilPointer, "string"} {
		var ve *ValidationError
		if err := c.Call(context.Background(), "DescribeNetworkInterfaces", nil, out); !errors.As(err, &ve) || ve.Field != "out" {
			t.Errorf("out %T: %v, want a *ValidationError", out, err)
		}
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	for _, bad := range []*Client{nil, {}} {
		_, err := bad.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "Client" {
			t.Errorf("client %v: %v, want a *ValidationError", bad, err)
		}
	}
}

// TestAttemptTimeoutDuringErrorBody: a 4xx whose body outlasts
// Options.AttemptTimeout lost its code (it could have been
// RequestLimitExceeded), so it is a timed-out attempt and retried, not a
// final ResponseError.
func TestAttemptTimeoutDuringErrorBody(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<Response><Errors><Error><Code>RequestLimit")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // the rest never comes
			return
		}
		_, _ = w.Write(readTestdata(t, "success.xml"))
	}))
	defer srv.Close()
	c := clientFor(t, &recordingServer{Server: srv}, func(o *Options) { o.AttemptTimeout = 200 * time.Millisecond })
	out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	if err != nil || !out.Return {
		t.Fatalf("got (%+v, %v), want success on the second attempt", out, err)
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
}

// doFunc adapts a function to HTTPClient.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestMisbehavingSeams: an HTTPClient or a credentials provider that breaks
// its contract gets a typed error, never a panic or an unsigned request.
func TestMisbehavingSeams(t *testing.T) {
	t.Parallel()
	in := &DetachNetworkInterfaceInput{AttachmentID: secondary}
	newC := func(opts Options) *Client {
		opts.Region, opts.BaseEndpoint, opts.MaxAttempts = "us-east-1", "http://127.0.0.1:9/", 1
		if opts.Credentials == nil {
			opts.Credentials = staticCreds("AKID", "secret")
		}
		c, err := newClient(opts, testEnv(t))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	c := newC(Options{HTTPClient: doFunc(func(*http.Request) (*http.Response, error) { return nil, nil })})
	_, err := c.DetachNetworkInterface(context.Background(), in)
	var te *TransportError
	if !errors.As(err, &te) || !errors.Is(err, query.ErrNoResponse) {
		t.Errorf("Do returning (nil, nil): error = %v, want a *TransportError", err)
	}

	// A response without header or body is an answer with an empty body.
	c = newC(Options{HTTPClient: doFunc(func(*http.Request) (*http.Response, error) { return &http.Response{StatusCode: 503}, nil })})
	_, err = c.DetachNetworkInterface(context.Background(), in)
	var re *ResponseError
	if !errors.As(err, &re) || re.StatusCode != 503 {
		t.Errorf("bare response: error = %v, want a *ResponseError with status 503", err)
	}

	for _, creds := range []aws.Credentials{{AccessKeyID: "AKID"}, {SecretAccessKey: "secret"}, {}} {
		sent := false
		c = newC(Options{
			HTTPClient: doFunc(func(*http.Request) (*http.Response, error) { sent = true; return nil, errors.New("unreachable") }),
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return creds, nil
			}),
		})
		_, err = c.DetachNetworkInterface(context.Background(), in)
		var ce *CredentialsError
		if !errors.As(err, &ce) || ce.Provider != "Options.Credentials" || sent {
			t.Errorf("empty credentials %+v: error = %v, sent %v; want a *CredentialsError and nothing sent", creds.AccessKeyID, err, sent)
		}
	}

	// Anonymous credentials send an unsigned request, as the SDK does.
	var auth []string
	c = newC(Options{
		HTTPClient: doFunc(func(r *http.Request) (*http.Response, error) {
			auth = r.Header["Authorization"]
			return nil, errors.New("unreachable")
		}),
		Credentials: aws.AnonymousCredentials{},
	})
	_, _ = c.DetachNetworkInterface(context.Background(), in)
	if auth != nil {
		t.Errorf("anonymous credentials signed the request: %v", auth)
	}
}

// TestOneRefreshPerExpiry: 64 calls in flight that all meet ExpiredToken
// fetch new credentials about once, not once per failure.
func TestOneRefreshPerExpiry(t *testing.T) {
	t.Parallel()
	var retrievals atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if strings.Contains(r.Header.Get("Authorization"), "Credential=AKID1/") {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>ExpiredToken</Code><Message>expired</Message></Error></Errors></Response>`)
			return
		}
		_, _ = w.Write(readTestdata(t, "success.xml"))
	}))
	defer srv.Close()
	c := clientFor(t, &recordingServer{Server: srv}, func(o *Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			n := retrievals.Add(1)
			return aws.Credentials{AccessKeyID: fmt.Sprintf("AKID%d", n), SecretAccessKey: "secret", SessionToken: "token"}, nil
		})
	})
	concurrently(t, 64, func() error {
		_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		return err
	})
	if n := retrievals.Load(); n > 2 {
		t.Errorf("%d credential retrievals for 64 calls meeting one expiry, want at most 2", n)
	}
}

// TestErrorsNameTheOperation: every error a call returns says which action
// failed, in the SDK's shape, and errors.As still reaches the error inside.
func TestErrorsNameTheOperation(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Unavailable(), 3)
	_, retryErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	_, apiErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-00000000000000000"})
	_, validationErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{})
	var nilClient *Client
	callErr := nilClient.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil)
	_, nilWaitErr := nilClient.WaitUntilDetached(context.Background(), secondary)
	_, nilDetachWaitErr := nilClient.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	_, nilLookupErr := nilClient.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0123456789abcdef0"})
	_, dryWaitErr := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	broken := newTestClientWith(t, doFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("refused") }))
	transportErr := broken.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil)

	for _, tc := range []struct {
		err       error
		operation string
		inner     any
	}{
		{retryErr, "DetachNetworkInterface", new(*RetryError)},
		{apiErr, "DetachNetworkInterface", new(*APIError)},
		{validationErr, "DetachNetworkInterface", new(*ValidationError)},
		{callErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{nilWaitErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{nilDetachWaitErr, "DetachNetworkInterface", new(*ValidationError)},
		{nilLookupErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{dryWaitErr, "DetachNetworkInterface", new(*ValidationError)},
		{transportErr, "DescribeNetworkInterfaces", new(*TransportError)},
	} {
		var oe *smithy.OperationError
		if !errors.As(tc.err, &oe) || oe.ServiceID != "EC2" || oe.OperationName != tc.operation {
			t.Errorf("error %v does not name EC2 %s", tc.err, tc.operation)
			continue
		}
		if !strings.HasPrefix(tc.err.Error(), "operation error EC2: "+tc.operation+", ") {
			t.Errorf("error text %q", tc.err)
		}
		if !errors.As(tc.err, tc.inner) {
			t.Errorf("error %v: errors.As to %T fails", tc.err, tc.inner)
		}
	}
}

// newTestClientWith returns a client whose requests go through hc.
func newTestClientWith(t *testing.T, hc HTTPClient) *Client {
	t.Helper()
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: "http://127.0.0.1:9/", MaxAttempts: 1,
		Credentials: staticCreds("AKID", "secret"), HTTPClient: hc}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVersionIsChangelogsTopRelease: the Version constant (sent in the
// User-Agent and printed by the command's -version) names the top release of
// CHANGELOG.md, whose headings are plain text: no release is tagged yet, so a
// link to a tag or a compare view would not resolve.
func TestVersionIsChangelogsTopRelease(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	top := ""
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "## "); ok {
			top, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if top != Version {
		t.Errorf("CHANGELOG.md's top release is %q, Version is %q", top, Version)
	}
	for _, dead := range []string{"/compare/", "/releases/tag/", "[Unreleased]"} {
		if strings.Contains(string(b), dead) {
			t.Errorf("CHANGELOG.md links %q, which does not resolve before a release is tagged", dead)
		}
	}
}

// TestAccessorsOfAClientThatCannotSend: Region and Endpoint of a client
// NewFromConfig could not configure, of a zero and of a nil *Client, are
// empty; they panicked (a nil engine).
func TestAccessorsOfAClientThatCannotSend(t *testing.T) {
	t.Parallel()
	var nilClient *Client
	for name, c := range map[string]*Client{
		"NewFromConfig(aws.Config{})": NewFromConfig(aws.Config{}),
		"zero":                        {},
		"nil":                         nilClient,
	} {
		if r, e := c.Region(), c.Endpoint(); r != "" || e != "" {
			t.Errorf("%s: Region %q, Endpoint %q; want both empty", name, r, e)
		}
	}
	if _, err := NewFromConfig(aws.Config{}).DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err == nil {
		t.Error("a client without a region sent a call")
	}
}
