package query

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// lockedWriter serialises a logger's writes into one buffer.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// throttleThenEcho answers the first request with a throttle and the rest
// with success, with a request ID header that echoes the session token.
func throttleThenEcho(w http.ResponseWriter, r *http.Request, n int) {
	w.Header().Set("X-Amzn-Requestid", "id-"+r.Header.Get("X-Amz-Security-Token"))
	if n == 1 {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(ec2Error("RequestLimitExceeded")))
		return
	}
	_, _ = w.Write([]byte(`<DescribeNetworkInterfacesResponse/>`))
}

// TestDebugLogRedactsSecrets checks that debug logging shows what was sent
// and what came back, but never the signature, the session token or the
// secret key, even where an answer echoes them.
func TestDebugLogRedactsSecrets(t *testing.T) {
	t.Parallel()
	var w lockedWriter
	logger := slog.New(slog.NewTextHandler(&w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := newTestServer(t, throttleThenEcho)
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Logger = logger
		s.Credentials = credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, testSessionToken)
	})
	if err := e.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil); err != nil {
		t.Fatal(err)
	}
	out := w.String()
	for _, secret := range []string{testSecretKey, testSessionToken, "session+token", "IQoJb3JpZ2luX2VjEXAMPLE"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains a secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{"Signature=REDACTED", "RequestLimitExceeded", "status=503", "status=200",
		"action=DescribeNetworkInterfaces", "enidetach: retrying", "attempt=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, `msg="enidetach: attempt"`); n != 2 {
		t.Errorf("%d attempt records, want 2:\n%s", n, out)
	}
}

// TestLogOnlyAtDebug: nothing is logged by a logger above the debug level,
// nor without a logger.
func TestLogOnlyAtDebug(t *testing.T) {
	t.Parallel()
	var w lockedWriter
	srv := newTestServer(t, throttleThenEcho)
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Logger = slog.New(slog.NewTextHandler(&w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	})
	if err := e.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil); err != nil {
		t.Fatal(err)
	}
	if out := w.String(); out != "" {
		t.Errorf("an info logger got:\n%s", out)
	}
	e = newTestEngine(t, srv.URL)
	if err := e.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil); err != nil {
		t.Fatalf("without a logger: %v", err)
	}
}
