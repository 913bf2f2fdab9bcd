package query

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// fixedTime is the clock of tests that pin times.
var fixedTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// The credentials test engines sign with.
const (
	testAccessKey    = "AKIDEXAMPLE"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testSessionToken = "IQoJb3JpZ2luX2VjEXAMPLE//session+token=="
)

// readTestdata returns a file of the root package's testdata, whose
// answers the engine decodes.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// captured is one request a testServer received.
type captured struct {
	Header http.Header
	Body   string
}

// testServer is an httptest server on 127.0.0.1 that records every
// request and answers it through its answer function, which is given the
// request's number from 1.
type testServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []captured
}

// answerFunc answers the n-th request a testServer received.
type answerFunc func(w http.ResponseWriter, r *http.Request, n int)

func newTestServer(t testing.TB, answer answerFunc) *testServer {
	t.Helper()
	s := &testServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, captured{Header: r.Header.Clone(), Body: string(b)})
		n := len(s.reqs)
		s.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(s.Close)
	return s
}

// reply answers every request with status and body.
func reply(status int, body string) answerFunc {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// captured returns the requests received so far.
func (s *testServer) captured() []captured {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]captured(nil), s.reqs...)
}

// newTestEngine returns an EC2 engine for endpoint that signs at fixedTime
// with static credentials, retries with the SDK's standard retryer and
// does not wait its backoffs; fns adjust its settings first.
func newTestEngine(t testing.TB, endpoint string, fns ...func(*Settings)) *Engine {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	s := Settings{Service: "EC2", Version: "2016-11-15", Endpoint: u, Region: "us-east-1",
		HTTPClient: &http.Client{Transport: tr}, Clock: func() time.Time { return fixedTime },
		Credentials:       credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, ""),
		CredentialsSource: "Options.Credentials", Retryer: NewRetryer(RetrySettings{}), UserAgent: "enidetach-test"}
	for _, fn := range fns {
		fn(&s)
	}
	e := New(s)
	e.SetSleep(noSleep)
	return e
}

// noSleep returns at once: backoffs are not waited.
func noSleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// ec2Error is an EC2 error document with code.
func ec2Error(code string) string {
	return `<Response><Errors><Error><Code>` + code + `</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`
}

// doFunc adapts a function to HTTPClient.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }
