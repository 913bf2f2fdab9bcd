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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestCredentialsFailAfterAcceptedDetach: credentials that cannot be
// refreshed after the detach was accepted (a credential_process that
// answers once, with credentials about to expire, then fails) end the
// wait with a credentials error. The command exited 2, "usage or
// configuration", which a script reads as "nothing was done", although
// the detach had been accepted and the interface was detaching. It exits
// 3 now, as for any failure after the detach was accepted.
func TestCredentialsFailAfterAcceptedDetach(t *testing.T) {
	testenv.Clear(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "answered")
	// Expiring within the client's refresh window, so that the next call
	// (the first poll) asks the process again.
	expires := time.Now().Add(5*time.Minute + 2*time.Second).UTC().Format(time.RFC3339)
	proc := filepath.Join(dir, "creds.sh")
	script := fmt.Sprintf(`#!/bin/sh
if [ -e %q ]; then exit 1; fi
touch %q
echo '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s","SessionToken":"","Expiration":"%s"}'
`, marker, marker, ec2test.DefaultAccessKeyID, ec2test.DefaultSecretAccessKey, expires)
	if err := os.WriteFile(proc, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[default]\ncredential_process = "+proc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer srv.Close()
	status, stdout, stderr := runCmd("-json", "-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment, "-wait", "-max-wait", "20s")
	st, _ := srv.InterfaceByAttachment(ec2test.FailoverAttachment)
	if st.Attachment == nil || st.Attachment.Status != "detaching" {
		t.Fatalf("the detach did not happen: %+v\n%s\n%s", st.Attachment, stdout, stderr)
	}
	var res result
	decodeOne(t, stdout, &res)
	if res.Error == nil || res.Error.Kind != "credentials" || res.Return == nil || !*res.Return {
		t.Errorf("stdout %s; want the accepted detach and a credentials error", stdout)
	}
	if status != exitPending {
		t.Errorf("exit %d, want 3 (the detach was accepted): %s", status, stdout)
	}
}

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

// rewritingEC2 is srv behind a proxy that rewrites srv's answers to
// action (signatures still verify: the request is passed on as signed).
func rewritingEC2(t *testing.T, srv *ec2test.Server, action string, rewrite func(string) string) string {
	t.Helper()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		req, err := http.NewRequest(r.Method, srv.URL+r.URL.Path, bytes.NewReader(body))
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		req.Header, req.Host = r.Header.Clone(), r.Host
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if q, err := url.ParseQuery(string(body)); err == nil && q.Get("Action") == action {
			answer = []byte(rewrite(string(answer)))
		}
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(resp.StatusCode)
		_, _ = w.Write(answer)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// TestLookupByInterfaceNamesWhatWasAsked: looked up by
// -network-interface-id, an answer that lacks that interface is reported
// as "no network interface is attached to instance  at device index 0,
// network card 0": an instance and a slot nobody asked about (issue 17,
// "Errors name what was asked"; fixed by the wait branch, kept as a
// regression test of the command's output).
func TestLookupByInterfaceNamesWhatWasAsked(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	other := func(s string) string {
		return strings.ReplaceAll(s, "<networkInterfaceId>"+ec2test.FailoverInterface+"<", "<networkInterfaceId>eni-0ffffffffffffffff<")
	}
	status, stdout, _ := runCmd("-json", "-endpoint", rewritingEC2(t, srv, "DescribeNetworkInterfaces", other), "-region", srv.Region(),
		"-network-interface-id", ec2test.FailoverInterface)
	var res result
	decodeOne(t, stdout, &res)
	if status != exitRefused || res.Error == nil || !strings.Contains(res.Error.Message, ec2test.FailoverInterface) ||
		strings.Contains(res.Error.Message, "instance  at") {
		t.Errorf("exit %d, %s; want 1 and a message naming %s", status, stdout, ec2test.FailoverInterface)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 0 {
		t.Errorf("a detach was sent")
	}
}

// TestLookupInterfaceShownTwiceIsRefused: an answer that shows the
// interface asked for twice, attached at two instances, is a
// contradiction: neither the detach nor the move acts on it (exit 1,
// nothing sent).
func TestLookupInterfaceShownTwiceIsRefused(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	twice := func(s string) string {
		i := strings.Index(s, "<networkInterfaceSet>")
		j := strings.LastIndex(s, "</networkInterfaceSet>")
		if i < 0 || j < 0 {
			return s
		}
		item := s[i+len("<networkInterfaceSet>") : j]
		elsewhere := strings.NewReplacer("<instanceId>"+ec2test.InstanceA+"<", "<instanceId>"+ec2test.InstanceC+"<",
			"<attachmentId>"+ec2test.FailoverAttachment+"<", "<attachmentId>eni-attach-0ffffffffffffffff<").Replace(item)
		return s[:j] + elsewhere + s[j:]
	}
	for _, args := range [][]string{
		{"-network-interface-id", ec2test.FailoverInterface},
		{"-network-interface-id", ec2test.FailoverInterface, "-wait"},
		{"-network-interface-id", ec2test.FailoverInterface, "-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB},
		{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB, "-to-device-index", "1"},
	} {
		srv.Reset()
		status, stdout, _ := runCmd(append([]string{"-json", "-endpoint", rewritingEC2(t, srv, "DescribeNetworkInterfaces", twice), "-region", srv.Region()}, args...)...)
		if st, _ := srv.Interface(ec2test.FailoverInterface); status != exitRefused || st.Detaches != 0 {
			t.Errorf("%v: exit %d, %d detaches: %s; want 1 and none", args, status, st.Detaches, stdout)
		}
	}
}
