package config

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/internal/query"
)

func TestDefaultTransport(t *testing.T) {
	t.Parallel()
	hc, err := defaultHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	tr := hc.Transport.(*http.Transport)
	if tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 ||
		tr.DialContext == nil || tr.Proxy == nil || hc.CheckRedirect == nil || hc.Timeout != 0 {
		t.Errorf("default transport lacks a setting: %+v", tr)
	}
}

// TestCABundle checks AWS_CA_BUNDLE: with the server's certificate the call
// succeeds; without it the TLS failure is a TransportError, not retried;
// a bundle without certificates is refused.
func TestCABundle(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "<DescribeNetworkInterfacesResponse/>")
	}))
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	defer ts.Close()
	pemPath := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(pemPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	call := func(env mapEnv) error {
		s, err := Resolve(ec2Input(func(in *Input) { in.BaseEndpoint = ts.URL }), env)
		if err != nil {
			t.Fatal(err)
		}
		return query.New(s).Call(context.Background(), "DescribeNetworkInterfaces", nil, nil)
	}
	if err := call(testEnv(t, "", "", "AWS_CA_BUNDLE", pemPath)); err != nil {
		t.Fatalf("with the CA bundle: %v", err)
	}
	if err := call(testEnv(t, "[default]\nca_bundle = "+pemPath+"\n", "")); err != nil {
		t.Fatalf("with the profile's CA bundle: %v", err)
	}
	before := hits.Load()
	err := call(testEnv(t, "", ""))
	var te *query.TransportError
	var re *query.RetryError
	if !errors.As(err, &te) || errors.As(err, &re) {
		t.Errorf("without the CA bundle: %v, want a TransportError after one attempt", err)
	}
	if hits.Load() != before {
		t.Error("a request got through an unverified TLS connection")
	}

	empty := filepath.Join(t.TempDir(), "empty.pem")
	_ = os.WriteFile(empty, []byte("not a certificate"), 0o600)
	var ve *query.ValidationError
	if _, err := Resolve(ec2Input(func(in *Input) { in.BaseEndpoint = ts.URL }), testEnv(t, "", "", "AWS_CA_BUNDLE", empty)); !errors.As(err, &ve) || ve.Field != "AWS_CA_BUNDLE" {
		t.Errorf("bundle without certificates: %v, want *ValidationError", err)
	}
}

// TestDefaultTransportKeepsConnectionsForItsConcurrency: two rounds of 200
// concurrent calls through one engine with the default HTTP client open at
// most one connection per call in flight, and the second round reuses the
// first's (issue 19: a pool of 64 idle connections closed the rest after
// every round and opened new ones).
func TestDefaultTransportKeepsConnectionsForItsConcurrency(t *testing.T) {
	t.Parallel()
	const concurrency = 200
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(20 * time.Millisecond) // keeps every call of a round in flight together
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		_, _ = io.WriteString(w, `<DetachNetworkInterfaceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><return>true</return></DetachNetworkInterfaceResponse>`)
	}))
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	s, err := Resolve(ec2Input(func(in *Input) { in.Region, in.BaseEndpoint = "us-east-1", srv.URL }), testEnv(t, "", ""))
	if err != nil {
		t.Fatal(err)
	}
	e := query.New(s)
	for round := 1; round <= 2; round++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := e.Call(context.Background(), "DetachNetworkInterface", nil, nil); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if n := conns.Load(); n > concurrency {
			t.Fatalf("after round %d of %d concurrent calls: %d connections opened, want at most %d (one per call in flight, reused)", round, concurrency, n, concurrency)
		}
	}
}
