package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// losingEC2 is srv behind a proxy that loses every answer to action: the
// fake processes the request (a detach or an attach takes effect) and the
// connection is dropped halfway through the answer, on every attempt.
func losingEC2(t *testing.T, srv *ec2test.Server, action string) string {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if q, err := url.ParseQuery(string(body)); err == nil && q.Get("Action") == action {
			srv.Inject(ec2test.TruncatedBody(), 1)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// TestLostAnswerIsNotRefused: a detach or an attach whose answer is lost
// on every attempt (EC2 acted on it; the connection dropped) may have been
// accepted. The command exited 1, "refused", although the fake shows the
// interface detaching (or attached at the target): the README's recipe
// then stopped and reported the failover failed, leaving the interface
// between instances. It exits 3 now, and the same command run again
// finishes the move.
func TestLostAnswerIsNotRefused(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(100*time.Millisecond), ec2test.WithAttachingDuration(100*time.Millisecond))
	defer srv.Close()
	move := []string{"-json", "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB}
	for _, action := range []string{"DetachNetworkInterface", "AttachNetworkInterface"} {
		t.Run("move "+action, func(t *testing.T) {
			srv.Reset()
			status, stdout, _ := runCmd(append([]string{"-endpoint", losingEC2(t, srv, action)}, move...)...)
			st, _ := srv.Interface(ec2test.FailoverInterface)
			if st.Detaches != 1 {
				t.Fatalf("fake: %d detaches, want 1 (the lost answer's)", st.Detaches)
			}
			if status != exitPending {
				t.Errorf("exit %d, want 3 (sent, answer lost): %s", status, stdout)
			}
			var res result
			decodeOne(t, stdout, &res)
			if res.Error == nil || res.Error.Action != action || res.Moved || !strings.Contains(res.Error.Message, "may have been accepted") {
				t.Errorf("stdout %s", stdout)
			}
			status, stdout, _ = runCmd(append([]string{"-endpoint", srv.URL}, move...)...)
			st, _ = srv.Interface(ec2test.FailoverInterface)
			if status != exitOK || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attachment.Status != "attached" {
				t.Errorf("re-run: exit %d, %s; fake %+v", status, stdout, st.Attachment)
			}
		})
	}
	for _, wait := range [][]string{nil, {"-wait"}} {
		t.Run(fmt.Sprint("detach ", wait), func(t *testing.T) {
			srv.Reset()
			args := append([]string{"-json", "-endpoint", losingEC2(t, srv, "DetachNetworkInterface"), "-region", srv.Region(),
				"-attachment-id", ec2test.FailoverAttachment}, wait...)
			status, stdout, _ := runCmd(args...)
			if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 {
				t.Fatalf("fake: %d detaches, want 1", st.Detaches)
			}
			if status != exitPending || !strings.Contains(stdout, "may have been accepted") {
				t.Errorf("exit %d, want 3 (sent, answer lost) and a message saying so: %s", status, stdout)
			}
		})
	}
}

// TestNotSentIsRefused: a detach that could not be sent (nothing listens;
// the endpoint's certificate is not trusted; it does not speak TLS)
// exits 1, as before: nothing was changed.
func TestNotSentIsRefused(t *testing.T) {
	hermetic(t)
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler()) // its certificate is not in any bundle
	defer tlsSrv.Close()
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	for _, endpoint := range []string{"http://127.0.0.1:1", tlsSrv.URL, "https://" + plain.Listener.Addr().String()} {
		status, stdout, _ := runCmd("-json", "-endpoint", endpoint, "-region", "us-east-1", "-attachment-id", ec2test.FailoverAttachment, "-timeout", "2s")
		if status != exitRefused {
			t.Errorf("%s: exit %d, want 1: %s", endpoint, status, stdout)
		}
	}
}

// TestMaxWaitEndsDetachInFlight: -max-wait running out while the detach's
// answer is awaited leaves open whether EC2 acted on it: exit 3, as a
// signal at that moment does (it was 1, "refused", before).
func TestMaxWaitEndsDetachInFlight(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	endpoint, _ := holdingEC2(t, srv, "DetachNetworkInterface")
	status, stdout, _ := runCmd("-json", "-endpoint", endpoint, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment,
		"-wait", "-max-wait", "300ms")
	if status != exitPending || !strings.Contains(stdout, "may have been accepted") {
		t.Errorf("exit %d, %s; want 3, may have been accepted", status, stdout)
	}
}
