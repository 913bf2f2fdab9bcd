package enidetach

import (
	"context"
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
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/redact"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestMain makes every test in this directory hermetic, the example
// functions included (they cannot call t.Setenv): no AWS_* variable of this
// machine (it sets AWS_CA_BUNDLE) and no ~/.aws reaches them. Tests that
// need a variable set it with t.Setenv, or pass a mapEnv to newClient.
// Most tests wait on servers and polls, not the CPU: more run at once.
func TestMain(m *testing.M) {
	testenv.WaitingParallel()
	testenv.Main(m)
}

// mapEnv is a fake environment, so tests need not touch the process's.
type mapEnv map[string]string

func (m mapEnv) Get(k string) string { return m[k] }

// testEnv returns an environment with only HOME set, to an empty directory:
// no AWS_* variable and no ~/.aws of this machine can leak in.
func testEnv(t *testing.T) mapEnv {
	t.Helper()
	return mapEnv{"HOME": t.TempDir()}
}

// fixedTime is the signing time of tests that pin signatures.
var fixedTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// newTestClient starts an ec2test server and returns a client for it with
// a hermetic environment and backoffs that are not waited; optFns adjust
// the options.
func newTestClient(t *testing.T, srvOpts []ec2test.Option, optFns ...func(*Options)) (*Client, *ec2test.Server) {
	t.Helper()
	srv := ec2test.NewServer(srvOpts...)
	t.Cleanup(srv.Close)
	opts := Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()}
	for _, fn := range optFns {
		fn(&opts)
	}
	c, err := newClient(opts, testEnv(t))
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	setSleep(c, noSleep) // backoffs are not waited; tests that need time set their own
	return c, srv
}

// captured is one request a recordingServer received.
type captured struct {
	Method, Path string
	Header       http.Header
	Body         string
}

// recordingServer answers every request with a canned status and body and
// records what it received.
type recordingServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []captured
	status   int
	body     []byte
	header   http.Header
}

func newRecordingServer(t *testing.T, status int, body []byte, header http.Header) *recordingServer {
	t.Helper()
	rs := &recordingServer{status: status, body: body, header: header}
	rs.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rs.mu.Lock()
		rs.requests = append(rs.requests, captured{Method: r.Method, Path: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(b)})
		rs.mu.Unlock()
		for k, v := range rs.header {
			w.Header()[k] = v
		}
		w.WriteHeader(rs.status)
		_, _ = w.Write(rs.body)
	}))
	rs.Server.Start()
	t.Cleanup(rs.Close)
	return rs
}

func (rs *recordingServer) captured() []captured {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]captured(nil), rs.requests...)
}

// clientFor returns a client for a recording server, signing at fixedTime.
func clientFor(t *testing.T, rs *recordingServer, optFns ...func(*Options)) *Client {
	t.Helper()
	opts := Options{
		Region:       "us-east-1",
		BaseEndpoint: rs.URL,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""),
		Clock:        func() time.Time { return fixedTime },
	}
	for _, fn := range optFns {
		fn(&opts)
	}
	c, err := newClient(opts, testEnv(t))
	if err != nil {
		t.Fatalf("newClient: %v", err)
	}
	setSleep(c, noSleep)
	return c
}

// concurrently makes n calls at once and reports the error of each that
// failed.
func concurrently(t *testing.T, n int, call func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := call(); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// readTestdata returns a file from testdata.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noSleep skips backoff waits but still honours the context.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// staticCreds returns a provider of fixed keys.
func staticCreds(id, secret string) aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(id, secret, "")
}

// Test seams: tests replace how a client waits, draws a poll's jitter and
// reads the clock only through these, so the client's fields may move
// (into the engine beneath) without touching every test.

// setSleep replaces how c waits (backoffs and polls).
func setSleep(c *Client, fn func(context.Context, time.Duration) error) { c.engine.SetSleep(fn) }

// setJitter replaces the draw of a poll delay's factor (wait.go).
func setJitter(c *Client, fn func() float64) { c.jitter = fn }

// setUniform replaces the draw of u in a throttled call's backoff
// (pacer.go).
func setUniform(c *Client, fn func() float64) { c.engine.SetUniform(fn) }

// setClock replaces the clock c signs and waits by.
func setClock(c *Client, fn func() time.Time) { c.engine.SetClock(fn) }

// Secrets a hostile endpoint echoes into valid answers: the session token
// and secret key the client signs with, and the signature of each request.
const (
	hostileToken  = "HOSTILEtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/long=="
	hostileSecret = "HOSTILEsecret/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// newHostileClient returns a client, signing with hostileToken and
// hostileSecret, for an endpoint that answers each action with
// answers[action] filled by the request's signature and session token: a
// valid answer whose fields quote what was sent. sigs returns the
// signatures sent so far.
func newHostileClient(t *testing.T, answers map[string]func(sig, token string) string) (c *Client, sigs func() []string) {
	t.Helper()
	var mu sync.Mutex
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		q, _ := url.ParseQuery(string(b))
		auth := r.Header.Get("Authorization")
		sig := auth[strings.Index(auth, "Signature=")+len("Signature="):]
		mu.Lock()
		sent = append(sent, sig)
		mu.Unlock()
		answer, ok := answers[q.Get("Action")]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors></Response>")
			return
		}
		_, _ = io.WriteString(w, answer(sig, r.Header.Get("X-Amz-Security-Token")))
	}))
	t.Cleanup(srv.Close)
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDHOSTILE", hostileSecret, hostileToken)}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, noSleep)
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), sent...)
	}
}

// assertNoEcho fails when s shows any run of 8 or more letters and digits
// of the session token, the secret key or a signature sent.
func assertNoEcho(t *testing.T, what, s string, sigs []string) {
	t.Helper()
	for _, secret := range append([]string{hostileToken, hostileSecret}, sigs...) {
		for rest := secret; rest != ""; {
			run, next := redact.NextRun(rest)
			if len(run) >= redact.MinPartial && strings.Contains(s, run) {
				t.Errorf("%s shows %q of what was sent: %s", what, run, s)
			}
			rest = next
		}
	}
}
