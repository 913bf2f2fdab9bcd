package enidetach

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDefaultTransportKeepsConnectionsForItsConcurrency: two rounds of 200
// concurrent calls through one client with the default HTTP client open at
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
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: srv.URL, Credentials: staticCreds("AKIDEXAMPLE", "secret")}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 2; round++ {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range concurrency {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}); err != nil {
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
