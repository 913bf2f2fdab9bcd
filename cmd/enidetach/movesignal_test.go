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
	"syscall"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// holdingEC2 is srv behind a proxy that holds every request for action
// (unsent to srv) until the client goes away, and says on arrived that one
// came; everything else reaches srv.
func holdingEC2(t *testing.T, srv *ec2test.Server, action string) (string, <-chan struct{}) {
	t.Helper()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	arrived := make(chan struct{}, 10)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if q, err := url.ParseQuery(string(body)); err == nil && q.Get("Action") == action {
			arrived <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL, arrived
}

// TestMoveSignalWhileCallInFlight: a move stopped by SIGTERM or SIGINT
// while its detach's or its attach's answer is awaited exits 3 (it may
// have been accepted), prints one object naming the step and the signal,
// and the same command run again finishes the move.
func TestMoveSignalWhileCallInFlight(t *testing.T) {
	t.Parallel()
	program := fastProgram(t)
	for _, tc := range []struct {
		action, step string
		sig          syscall.Signal
	}{
		{"DetachNetworkInterface", "detach", syscall.SIGTERM},
		{"AttachNetworkInterface", "attach", syscall.SIGINT},
	} {
		t.Run(fmt.Sprint(tc.action, " ", signalNames[tc.sig]), func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer(ec2test.WithDetachingDuration(200*time.Millisecond), ec2test.WithAttachingDuration(200*time.Millisecond))
			defer srv.Close()
			move := []string{"-json", "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
				"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB}
			endpoint, arrived := holdingEC2(t, srv, tc.action)
			p := startProcess(t, program, true, append([]string{"-endpoint", endpoint}, move...)...)
			select {
			case <-arrived:
			case <-time.After(60 * time.Second):
				t.Fatalf("no %s arrived; stderr:\n%s", tc.action, p.stderrText())
			}
			if err := p.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			status := p.wait(t)
			var res result
			decodeOne(t, p.stdout.String(), &res)
			if e := res.Error; status != exitPending || e == nil || e.Kind != "interrupted" || e.Signal != signalNames[tc.sig] ||
				e.Step != tc.step || e.Action != tc.action || res.Moved {
				t.Errorf("exit %d, stdout %s; want 3, interrupted by %s at %s", status, p.stdout.String(), signalNames[tc.sig], tc.step)
			}
			again := startProcess(t, program, false, append([]string{"-endpoint", srv.URL}, move...)...)
			if status := again.wait(t); status != exitOK {
				t.Errorf("re-run: exit %d, stdout %s", status, again.stdout.String())
			}
			if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attachment.Status != "attached" {
				t.Errorf("after the re-run the fake shows %+v", st.Attachment)
			}
		})
	}
}

// TestMoveSignalWhileWaitingAttached: stopped while the attach is being
// waited for, the move exits 3 at step wait-attached with both halves'
// request IDs, and the same command run again finishes it without a
// second attach.
func TestMoveSignalWhileWaitingAttached(t *testing.T) {
	t.Parallel()
	program := fastProgram(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(100*time.Millisecond), ec2test.WithAttachingDuration(time.Second)) // the first poll comes fastPollDelay after the attach
	defer srv.Close()
	move := []string{"-json", "-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB}
	p := startProcess(t, program, false, move...)
	for {
		line := p.waitLine(t, "poll ")
		if strings.Contains(line, "attaching at "+ec2test.InstanceB) {
			break
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	status := p.wait(t)
	var res result
	decodeOne(t, p.stdout.String(), &res)
	if e := res.Error; status != exitPending || e == nil || e.Kind != "interrupted" || e.Step != "wait-attached" ||
		res.Detach == nil || res.Detach.RequestID == "" || res.Attach == nil || res.Attach.RequestID == "" || res.Attach.AttachmentID == "" {
		t.Errorf("exit %d, stdout %s; want 3 at wait-attached with both request IDs", status, p.stdout.String())
	}
	again := startProcess(t, program, false, move...)
	if status := again.wait(t); status != exitOK {
		t.Errorf("re-run: exit %d, stdout %s", status, again.stdout.String())
	}
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if st.Attaches != 1 || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attachment.Status != "attached" {
		t.Errorf("fake: %d attaches, attachment %+v; want one, attached at B", st.Attaches, st.Attachment)
	}
}

// TestMoveSignalDuringChecks: stopped while the move's checks are in
// flight (DescribeInstances), nothing was changed: exit 1, interrupted,
// the action named, the fake untouched.
func TestMoveSignalDuringChecks(t *testing.T) {
	t.Parallel()
	program := fastProgram(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	endpoint, arrived := holdingEC2(t, srv, "DescribeInstances")
	p := startProcess(t, program, true, "-json", "-endpoint", endpoint, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB)
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatalf("no DescribeInstances arrived; stderr:\n%s", p.stderrText())
	}
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	status := p.wait(t)
	var res result
	decodeOne(t, p.stdout.String(), &res)
	if e := res.Error; status != exitRefused || e == nil || e.Kind != "interrupted" || e.Signal != "SIGINT" || e.Action != "DescribeInstances" ||
		res.Detach != nil || res.Attach != nil {
		t.Errorf("exit %d, stdout %s; want 1, interrupted during DescribeInstances, nothing sent", status, p.stdout.String())
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 0 || st.Attachment == nil || st.Attachment.AttachmentID != ec2test.FailoverAttachment {
		t.Errorf("fake changed: %+v", st)
	}
}
