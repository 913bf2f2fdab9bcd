package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// local is examples/local -serve running as a process, as docs/command.md's
// recipes run it, with what its line printed.
type local struct {
	Endpoint        string `json:"endpoint"`
	Region          string `json:"region"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Reset           string `json:"reset"`
	Instances       []struct {
		InstanceID   string `json:"instanceId"`
		IMDSEndpoint string `json:"imdsEndpoint"`
	} `json:"instances"`
}

// serveLocal starts examples/local -serve on a free loopback port, with
// its other flags, and returns its line; the process is stopped with
// SIGTERM at the end.
func serveLocal(t *testing.T, flags ...string) *local {
	t.Helper()
	cmd := exec.Command(buildProgram(t, "../../examples/local"), append([]string{"-serve", "127.0.0.1:0"}, flags...)...)
	cmd.Env = childEnv(t)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("examples/local -serve printed no line: %v", err)
	}
	var l local
	if err := json.Unmarshal([]byte(line), &l); err != nil || l.Endpoint == "" {
		t.Fatalf("line %q: %v", line, err)
	}
	return &l
}

// where returns where the failover interface is attached, as the fake
// answers DescribeNetworkInterfaces with the printed keys.
func (l *local) where(t *testing.T) string {
	t.Helper()
	client, err := enidetach.New(enidetach.Options{Region: l.Region, BaseEndpoint: l.Endpoint,
		Credentials: credentials.NewStaticCredentialsProvider(l.AccessKeyID, l.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	att, err := client.LookupAttachment(context.Background(), &enidetach.LookupAttachmentInput{NetworkInterfaceID: ec2test.FailoverInterface})
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%s %s device %d card %d", att.InstanceID, att.AttachmentStatus, att.DeviceIndex, att.NetworkCardIndex)
}

// The README's failover recipe: the interface by ID (so that a re-run finds
// it wherever the last run left it) and its source (so that a re-run never
// takes it from a third instance), the standby and its device index.
func (l *local) moveArgs(extra ...string) []string {
	return append([]string{"-json", "-endpoint", l.Endpoint, "-region", l.Region, "-network-interface-id", ec2test.FailoverInterface,
		"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB, "-to-device-index", "1"}, extra...)
}

const (
	atA = ec2test.InstanceA + " attached device 1 card 0"
	atB = ec2test.InstanceB + " attached device 1 card 0"
)

// runMove runs the command as a process to its end, its waits polling
// every fastPollDelay.
func runMove(t *testing.T, args ...string) (int, *result, *process) {
	t.Helper()
	p := startProcess(t, fastProgram(t), false, args...)
	status := p.wait(t)
	var res result
	if args[0] == "-json" {
		decodeOne(t, p.stdout.String(), &res)
	}
	return status, &res, p
}

// TestMoveEndToEnd: against examples/local -serve, the dry run changes
// nothing and checks both calls, a target in another zone is refused before
// anything is detached, the move moves, and a second run finds it done.
func TestMoveEndToEnd(t *testing.T) {
	t.Parallel()
	l := serveLocal(t, "-transition", "300ms")

	status, res, p := runMove(t, l.moveArgs("-dry-run")...)
	if status != exitOK || !res.DryRunPermitted || res.Detach == nil || res.Attach == nil || !res.Detach.Sent || !res.Attach.Sent ||
		res.Detach.RequestID == "" || res.Attach.RequestID == "" || res.Detach.AttachmentID != ec2test.FailoverAttachment {
		t.Errorf("dry run: exit %d\n%s%s", status, p.stdout.String(), p.stderrText())
	}
	if got := l.where(t); got != atA {
		t.Errorf("after the dry run the interface is %s, want %s", got, atA)
	}

	status, res, p = runMove(t, "-json", "-endpoint", l.Endpoint, "-region", l.Region, "-network-interface-id", ec2test.FailoverInterface,
		"-to-instance-id", ec2test.InstanceC, "-to-device-index", "1")
	if status != exitRefused || res.Error == nil || res.Error.Kind != "refused" || res.Error.Reason != "target-zone" || res.Detach != nil {
		t.Errorf("other zone: exit %d\n%s%s", status, p.stdout.String(), p.stderrText())
	}
	if got := l.where(t); got != atA {
		t.Errorf("after the refused move the interface is %s, want %s", got, atA)
	}

	status, res, p = runMove(t, l.moveArgs()...)
	if status != exitOK || !res.Moved || res.Error != nil || res.Detach == nil || res.Attach == nil ||
		res.Detach.AttachmentID != ec2test.FailoverAttachment || res.Detach.InstanceID != ec2test.InstanceA || res.Detach.Status != "available" ||
		res.Detach.RequestID == "" || res.Attach.AttachmentID == "" || res.Attach.AttachmentID == ec2test.FailoverAttachment ||
		res.Attach.InstanceID != ec2test.InstanceB || res.Attach.Status != "attached" || res.Attach.RequestID == "" ||
		res.Detach.WaitElapsedSeconds == nil || res.Attach.WaitElapsedSeconds == nil || res.ElapsedSeconds == nil {
		t.Errorf("move: exit %d\n%s%s", status, p.stdout.String(), p.stderrText())
	}
	if got := l.where(t); got != atB {
		t.Errorf("after the move the interface is %s, want %s", got, atB)
	}

	status, res, p = runMove(t, l.moveArgs()...)
	if status != exitOK || !res.AlreadyAtTarget || res.Moved != true || (res.Detach != nil && res.Detach.Sent) || res.Attach == nil || res.Attach.Sent {
		t.Errorf("second move: exit %d\n%s%s", status, p.stdout.String(), p.stderrText())
	}
	status, _, p = runMove(t, l.moveArgs()[1:]...) // text
	if want := ec2test.FailoverInterface + " is already attached to " + ec2test.InstanceB + " at device index 1, network card 0 (eni-attach-"; status != exitOK || !strings.HasPrefix(p.stdout.String(), want) {
		t.Errorf("text: exit %d, stdout %q, want %q...", status, p.stdout.String(), want)
	}
}

// TestMoveKilledConverges: a move killed mid-way (SIGKILL, or SIGTERM,
// which prints what was observed and exits 3), while the interface is
// detaching or attaching, is finished by running the same command again.
func TestMoveKilledConverges(t *testing.T) {
	t.Parallel()
	// Transitions of 1 s: each wait's first poll comes fastPollDelay after
	// its call, and must see the interface detaching or attaching.
	program := fastProgram(t)
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		for _, when := range []string{"detaching at " + ec2test.InstanceA, "attaching at " + ec2test.InstanceB} {
			t.Run(fmt.Sprintf("%s when %s", sig, when), func(t *testing.T) {
				t.Parallel()
				l := serveLocal(t, "-transition", "1s")
				p := startProcess(t, program, false, l.moveArgs()...)
				for !strings.Contains(p.waitLine(t, "poll "), when) {
				}
				if err := p.cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
				status := p.wait(t)
				if sig == syscall.SIGTERM {
					var res result
					decodeOne(t, p.stdout.String(), &res)
					wantStep := map[bool]string{true: "wait-available", false: "wait-attached"}[strings.HasPrefix(when, "detaching")]
					if status != exitPending || res.Error == nil || res.Error.Kind != "interrupted" || res.Error.Signal != "SIGTERM" ||
						res.Error.Step != wantStep || res.Detach == nil || res.Detach.RequestID == "" {
						t.Errorf("exit %d, want 3 with what was observed\n%s", status, p.stdout.String())
					}
				} else if status != -1 {
					t.Errorf("killed: exit %d", status)
				}
				// The kill left the interface between instances.
				if got := l.where(t); got == atA || (strings.HasPrefix(when, "attaching") && !strings.HasPrefix(got, ec2test.InstanceB)) {
					t.Fatalf("after the kill the interface is %s", got)
				}
				status, res, p := runMove(t, l.moveArgs()...)
				if status != exitOK || !res.Moved || res.Attach == nil || res.Attach.InstanceID != ec2test.InstanceB {
					t.Errorf("re-run: exit %d\n%s%s", status, p.stdout.String(), p.stderrText())
				}
				if got := l.where(t); got != atB {
					t.Errorf("after the re-run the interface is %s, want %s", got, atB)
				}
			})
		}
	}
}

// TestMoveJSONOutcomes: every outcome of a move, its exit status and its
// JSON, against golden files, in order on one fake (some cases depend on
// the ones before).
func TestMoveJSONOutcomes(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	slow := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer slow.Close()
	at := func(s *ec2test.Server, args ...string) []string {
		return append([]string{"-json", "-endpoint", s.URL, "-region", s.Region()}, args...)
	}
	byID := []string{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB}
	tests := []struct {
		name   string
		args   []string
		status int
		where  string // the fake's answer after the case
	}{
		{"move-dry-run", at(srv, append(byID, "-dry-run")...), 0, atA},
		{"move-refused-zone", at(srv, "-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceC), 1, atA},
		{"move-refused-slot-taken", at(srv, append(byID, "-to-device-index", "2")...), 1, atA},
		{"move-timeout", at(slow, append(byID, "-max-wait", "300ms")...), 3, ""},
		{"move-by-interface", at(srv, byID...), 0, atB},
		{"move-already-there", at(srv, byID...), 0, atB},
		// Named with its source, the interface is not taken from anywhere
		// else: at the standby's index 1 it is neither at the source nor at
		// the target (index 3).
		{"move-refused-attached-elsewhere", at(srv, "-network-interface-id", ec2test.FailoverInterface, "-instance-id", ec2test.InstanceA, "-device-index", "1",
			"-to-instance-id", ec2test.InstanceB, "-to-device-index", "3"), 1, atB},
		{"move-unknown-interface", at(srv, "-network-interface-id", "eni-0fffffffffffffff0", "-to-instance-id", ec2test.InstanceB), 1, atB},
		{"move-refused-primary", at(srv, "-attachment-id", "eni-attach-00000000000000000", "-to-instance-id", ec2test.InstanceB, "-to-device-index", "3"), 1, atB},
	}
	l := &local{Endpoint: srv.URL, Region: srv.Region(), AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey}
	// Another interface at the standby's device index 2.
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0bbbbbbbbbbbbbbb2", InstanceID: ec2test.InstanceB, DeviceIndex: 2})
	for _, tc := range tests {
		status, stdout, stderr := runCmd(tc.args...)
		if status != tc.status {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", tc.name, status, tc.status, stdout, stderr)
		}
		var res result
		decodeOne(t, stdout, &res)
		checkGolden(t, tc.name, stdout)
		if got := l.where(t); tc.where != "" && got != tc.where {
			t.Errorf("%s: the interface is %s, want %s", tc.name, got, tc.where)
		}
	}
}

// TestMoveUsage: the move's flags are checked before anything is sent.
func TestMoveUsage(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	base := []string{"-endpoint", srv.URL, "-region", srv.Region()}
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"empty target", []string{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ""}, "-to-instance-id is empty"},
		{"target index without target", []string{"-network-interface-id", ec2test.FailoverInterface, "-to-device-index", "1"}, "go with -to-instance-id"},
		{"negative target index", []string{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB, "-to-device-index", "-1"}, "cannot be negative"},
		{"idempotent", []string{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB, "-idempotent"}, "converges when run again"},
		{"by attachment without index", []string{"-attachment-id", ec2test.FailoverAttachment, "-to-instance-id", ec2test.InstanceB}, "needs -to-device-index"},
		{"primary slot", []string{"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB, "-to-device-index", "0"}, "primary interface's slot"},
	}
	for _, tc := range tests {
		srv.ResetRequests()
		status, stdout, stderr := runCmd(append(append([]string{}, base...), tc.args...)...)
		if status != exitUsage || stdout != "" || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit 2, stderr with %q", tc.name, status, stdout, stderr, tc.stderr)
		}
		for _, r := range srv.Requests() {
			if r.Action != "DescribeNetworkInterfaces" { // the primary slot is known after the lookup
				t.Errorf("%s: %s sent", tc.name, r.Action)
			}
		}
	}

	// Found available, the interface has no index to default to: say so
	// (exit 2) rather than guess one.
	if _, err := enidetachDetach(srv); err != nil {
		t.Fatal(err)
	}
	status, stdout, _ := runCmd(append(append([]string{"-json"}, base...), "-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", ec2test.InstanceB)...)
	checkGolden(t, "move-available-no-index", stdout)
	if status != exitUsage {
		t.Errorf("available without -to-device-index: exit %d, want 2", status)
	}
}

// enidetachDetach detaches the failover interface in the fake.
func enidetachDetach(srv *ec2test.Server) (*enidetach.DetachNetworkInterfaceOutput, error) {
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		return nil, err
	}
	return client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
}

// TestMoveMoreOutcomes: a dry run with a key that may not detach, a move
// stopped by a signal before it sent anything, and the text a person reads.
func TestMoveMoreOutcomes(t *testing.T) {
	hermetic(t)
	const deniedKey, deniedSecret = "AKIAEC2TESTDENIED009", "ec2test/denied/secret"
	srv := ec2test.NewServer(ec2test.WithKeys(ec2test.Key{AccessKeyID: deniedKey, SecretAccessKey: deniedSecret, Denied: true}))
	defer srv.Close()
	move := []string{"-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-to-instance-id", ec2test.InstanceB, "-to-device-index", "1"}
	l := &local{Endpoint: srv.URL, Region: srv.Region(), AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey}

	t.Run("dry run, attach denied", func(t *testing.T) {
		// A role that may describe and detach but not attach: the dry run
		// says so, naming the attach, and changes nothing.
		proxy := denyAction(t, srv, "AttachNetworkInterface")
		status, stdout, stderr := runCmd(append([]string{"-json", "-dry-run"}, append(move[4:], "-endpoint", proxy, "-region", srv.Region())...)...)
		checkGolden(t, "move-dry-run-attach-denied", stdout)
		if status != exitRefused {
			t.Errorf("exit %d, want 1\n%s%s", status, stdout, stderr)
		}
	})

	t.Run("denied dry run", func(t *testing.T) {
		t.Setenv("AWS_ACCESS_KEY_ID", deniedKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", deniedSecret)
		status, stdout, stderr := runCmd(append([]string{"-json", "-dry-run"}, move...)...)
		checkGolden(t, "move-dry-run-denied", stdout)
		if status != exitRefused {
			t.Errorf("exit %d, want 1\n%s%s", status, stdout, stderr)
		}
	})

	t.Run("interrupted before", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(&interruptedError{signal: syscall.SIGTERM})
		var stdout strings.Builder
		status := run(ctx, append([]string{"-json"}, move...), &stdout, io.Discard)
		checkGolden(t, "move-interrupted-before", stdout.String())
		if status != exitRefused {
			t.Errorf("exit %d, want 1", status)
		}
	})
	if got := l.where(t); got != atA {
		t.Fatalf("the interface is %s, want %s", got, atA)
	}

	t.Run("text", func(t *testing.T) {
		status, stdout, stderr := runCmd(append([]string{"-to-network-card-index", "0"}, move...)...)
		stdout = normalize(stdout)
		want := "moved " + ec2test.FailoverInterface + " from " + ec2test.InstanceA + " to " + ec2test.InstanceB +
			" at device index 1, network card 0: attachment eni-attach-"
		if status != exitOK || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, "(detach request id REQUEST-ID, attach request id REQUEST-ID)\n") {
			t.Errorf("exit %d\nstdout %q\nwant %q...\nstderr %s", status, stdout, want, stderr)
		}
		if !strings.Contains(stderr, "poll 1: interface "+ec2test.FailoverInterface) {
			t.Errorf("no progress on stderr: %q", stderr)
		}
		status, stdout, stderr = runCmd("-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
			"-to-instance-id", ec2test.InstanceC, "-to-device-index", "1")
		if want := "enidetach: enidetach: move refused (target-zone): instance " + ec2test.InstanceC; status != exitRefused || stdout != "" || !strings.HasPrefix(stderr, want) {
			t.Errorf("refused: exit %d, stdout %q, stderr %q; want 1 and %q", status, stdout, stderr, want)
		}
	})
}

// denyAction returns an endpoint that answers action with EC2's
// UnauthorizedOperation and passes every other request to srv.
func denyAction(t *testing.T, srv *ec2test.Server, action string) string {
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	pass := httputil.NewSingleHostReverseProxy(target)
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if form, _ := url.ParseQuery(string(body)); form.Get("Action") == action {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>denied-attach-1</RequestID></Response>`)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		pass.ServeHTTP(w, r)
	}))
	t.Cleanup(p.Close)
	return p.URL
}
