package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// onInstance makes this test's command run as instance id of srv: its
// metadata service answers for it.
func onInstance(t *testing.T, srv *ec2test.Server, id string) {
	t.Helper()
	imds, err := srv.StartIMDS(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(imds.Close)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.URL)
}

// countingEC2 is an endpoint that counts what reaches it and refuses it.
func countingEC2(t *testing.T) (string, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

// TestSelfOffEC2SendsNothing: self with no instance metadata service (none
// listening, or disabled) exits 2 with an error of kind instance-metadata,
// and nothing reaches EC2: for the agents' start, stop and monitor.
func TestSelfOffEC2SendsNothing(t *testing.T) {
	hermetic(t)
	endpoint, requests := countingEC2(t)
	lines := [][]string{
		{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", "self", "-to-device-index", "1", "-max-wait", "1m"},
		{"-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self", "-wait", "-idempotent", "-max-wait", "1m"},
		{"-status", "-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self"},
	}
	for _, disabled := range []bool{false, true} {
		if disabled {
			t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		} else {
			t.Setenv("AWS_EC2_METADATA_DISABLED", "")
			t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1") // nothing listens
		}
		for i, line := range lines {
			if !disabled && i > 0 {
				break // each try of a refusing service takes the SDK's retries: once is enough
			}
			status, stdout, stderr := runCmd(append([]string{"-json", "-endpoint", endpoint, "-region", "us-east-1"}, line...)...)
			var res result
			decodeOne(t, stdout, &res)
			if status != exitUsage || res.Error == nil || res.Error.Kind != "instance-metadata" || !strings.Contains(res.Error.Message, "instance metadata") {
				t.Errorf("disabled=%t %v: exit %d, %s%s; want 2, kind instance-metadata", disabled, line, status, stdout, stderr)
			}
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached EC2", n)
	}
	// Without -json, the reason on stderr.
	status, stdout, stderr := runCmd("-endpoint", endpoint, "-region", "us-east-1", "-status", "-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self")
	if status != exitUsage || stdout != "" || !strings.HasPrefix(stderr, "enidetach: -instance-id/-to-instance-id self: cannot read this instance's ID") {
		t.Errorf("text: exit %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// TestStatus: -status exits 0 when EC2 shows the interface attached to the
// instance, 4 when not (attached elsewhere, available), and 1, never 4,
// when EC2 could not be asked; self is this instance. The JSON holds the
// answer and where the interface is.
func TestStatus(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceB)
	status := func(instance string, extra ...string) (int, map[string]any, string) {
		args := append([]string{"-json", "-endpoint", srv.URL, "-region", srv.Region(), "-status",
			"-network-interface-id", ec2test.FailoverInterface, "-instance-id", instance}, extra...)
		code, stdout, stderr := runCmd(args...)
		var m map[string]any
		if err := json.Unmarshal([]byte(stdout), &m); err != nil {
			t.Fatalf("%v: stdout %q: %v (stderr %s)", args, stdout, err, stderr)
		}
		return code, m, stdout
	}
	if code, m, out := status(ec2test.InstanceA); code != exitOK || m["attached"] != true || m["attachedInstanceId"] != ec2test.InstanceA {
		t.Errorf("attached to A, asked about A: exit %d, %s; want 0, attached", code, out)
	}
	if code, m, out := status("self"); code != exitNotAttached || m["attached"] != false || m["instanceId"] != ec2test.InstanceB ||
		m["attachedInstanceId"] != ec2test.InstanceA || m["attachmentStatus"] != "attached" {
		t.Errorf("attached to A, asked about self (B): exit %d, %s; want 4, not attached", code, out)
	}
	if _, err := enidetachDetach(srv); err != nil {
		t.Fatal(err)
	}
	if code, m, out := status(ec2test.InstanceA); code != exitNotAttached || m["attached"] != false {
		t.Errorf("detaching or available, asked about A: exit %d, %s; want 4", code, out)
	}
	srv.Reset()
	endpoint, _ := countingEC2(t)
	code, stdout, _ := runCmd("-json", "-endpoint", endpoint, "-region", srv.Region(), "-status",
		"-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self")
	if code != exitRefused || strings.Contains(stdout, `"attached"`) || !strings.Contains(stdout, `"error"`) {
		t.Errorf("EC2 refusing: exit %d, %s; want 1 with an error and no answer", code, stdout)
	}
	code, stdout, _ = runCmd("-json", "-endpoint", srv.URL, "-region", srv.Region(), "-status",
		"-network-interface-id", "eni-0123456789abcdeff", "-instance-id", "self")
	if code != exitNotAttached { // EC2's answer: see TestDeletedInterfaceIsNotAttachedHere
		t.Errorf("unknown interface: exit %d, %s; want 4", code, stdout)
	}
	// Text: the answer on stdout.
	code, stdout, _ = runCmd("-endpoint", srv.URL, "-region", srv.Region(), "-status", "-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self")
	if want := ec2test.FailoverInterface + " is not attached to " + ec2test.InstanceB + ": attachment "; code != exitNotAttached || !strings.HasPrefix(stdout, want) {
		t.Errorf("text: exit %d, %q; want 4, %q...", code, stdout, want)
	}
}

// TestStatusIsBoundedByMaxWait: -max-wait bounds -status as a whole (an
// agent's monitor has a timeout of its own): an EC2 that does not answer
// ends the check with exit 1 (never 4, "not attached") by then, although
// each request alone could wait -timeout.
func TestStatusIsBoundedByMaxWait(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceA)
	release := make(chan struct{})
	stalled := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		select { // never answers
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer stalled.Close()
	defer close(release) // before Close, which waits for the handlers
	start := time.Now()
	code, stdout, _ := runCmd("-json", "-endpoint", stalled.URL, "-region", srv.Region(), "-status", "-timeout", "20s",
		"-max-wait", "500ms", "-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self")
	if took := time.Since(start); code != exitRefused || strings.Contains(stdout, `"attached"`) || took > 10*time.Second {
		t.Errorf("-status -max-wait 500ms against a silent EC2: exit %d after %v, %s; want 1 within a few seconds", code, took.Round(time.Millisecond), stdout)
	}
}

// TestStatusUsage: -status takes the interface and the instance and
// nothing that changes anything.
func TestStatusUsage(t *testing.T) {
	hermetic(t)
	base := []string{"-status", "-network-interface-id", ec2test.FailoverInterface}
	for _, extra := range [][]string{
		nil,
		{"-instance-id", "self", "-device-index", "1"},
		{"-instance-id", "self", "-wait"},
		{"-instance-id", "self", "-to-instance-id", ec2test.InstanceB},
		{"-instance-id", "self", "-dry-run"},
		{"-instance-id", "self", "-idempotent"},
	} {
		if status, stdout, stderr := runCmd(append(base, extra...)...); status != exitUsage || stdout != "" || !strings.Contains(stderr, "-status") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want 2", extra, status, stdout, stderr)
		}
	}
}

// TestDetachOnlyFromInstance: -network-interface-id with -instance-id
// detaches only from that instance. Attached elsewhere: refused (exit 1,
// attached-elsewhere), or with -idempotent done (exit 0) without sending a
// detach; attached there: detached; available with -idempotent: done.
func TestDetachOnlyFromInstance(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceB)
	stop := func(instance string, extra ...string) (int, *result, string) {
		code, stdout, stderr := runCmd(append([]string{"-json", "-endpoint", srv.URL, "-region", srv.Region(),
			"-network-interface-id", ec2test.FailoverInterface, "-instance-id", instance, "-wait"}, extra...)...)
		var res result
		decodeOne(t, stdout, &res)
		return code, &res, stdout + stderr
	}
	if code, res, out := stop("self"); code != exitRefused || res.Error == nil || res.Error.Kind != "refused" || res.Error.Reason != "attached-elsewhere" {
		t.Errorf("attached to A, stop on self without -idempotent: exit %d, %s; want 1, refused attached-elsewhere", code, out)
	}
	if code, res, out := stop("self", "-idempotent"); code != exitOK || !res.AlreadyDetached || res.AttachedInstanceID != ec2test.InstanceA ||
		res.InstanceID != ec2test.InstanceB || res.RequestID != "" {
		t.Errorf("attached to A, stop on self: exit %d, %s; want 0, already detached from B", code, out)
	}
	if st, ok := srv.InterfaceByAttachment(ec2test.FailoverAttachment); !ok || st.Attachment == nil || st.Attachment.Status != "attached" {
		t.Fatalf("a stop elsewhere changed the interface: %+v", st)
	}
	if code, res, out := stop(ec2test.InstanceA, "-idempotent"); code != exitOK || !res.Detached || res.AlreadyDetached || res.Return == nil || !*res.Return {
		t.Errorf("attached to A, stop on A: exit %d, %s; want 0, detached", code, out)
	}
	if code, res, out := stop(ec2test.InstanceA, "-idempotent"); code != exitOK || !res.AlreadyDetached || res.Status != "available" {
		t.Errorf("available, stop on A again: exit %d, %s; want 0, already detached", code, out)
	}
}

// TestMoveToSelf: -to-instance-id self moves the interface to the
// instance the command runs on, from wherever it is.
func TestMoveToSelf(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceB)
	code, stdout, stderr := runCmd("-json", "-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-to-instance-id", "self", "-to-device-index", "1")
	var res result
	decodeOne(t, stdout, &res)
	if code != exitOK || !res.Moved || res.ToInstanceID != ec2test.InstanceB {
		t.Errorf("exit %d, %s%s; want 0, moved to B", code, stdout, stderr)
	}
	l := &local{Endpoint: srv.URL, Region: srv.Region(), AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey}
	if got := l.where(t); got != atB {
		t.Errorf("the interface is %s, want %s", got, atB)
	}
}

// TestSelfQuotesNoHostileMetadata: a metadata service answering what is
// not an identity document (here one quoting a would-be secret) is refused
// like one that does not answer, and nothing it said reaches the output.
func TestSelfQuotesNoHostileMetadata(t *testing.T) {
	hermetic(t)
	const secret = "IMDS-ECHOED-SECRET-4242"
	md := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = io.WriteString(w, "token")
			return
		}
		_, _ = io.WriteString(w, `{"instanceId":"i-`+secret+`","availabilityZone":"us-east-1a","region":"us-east-1"}`)
	}))
	defer md.Close()
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", md.URL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "")
	endpoint, requests := countingEC2(t)
	status, stdout, stderr := runCmd("-json", "-endpoint", endpoint, "-region", "us-east-1", "-status", "-network-interface-id", ec2test.FailoverInterface, "-instance-id", "self")
	var res result
	decodeOne(t, stdout, &res)
	if status != exitUsage || res.Error == nil || res.Error.Kind != "instance-metadata" || strings.Contains(stdout+stderr, secret) || requests.Load() != 0 {
		t.Errorf("exit %d, %s%s; want 2, kind instance-metadata, no echo, nothing sent", status, stdout, stderr)
	}
}
