package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

var signalNames = map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP"}

// TestSignalAfterAcceptedDetach: a detach that lasts an hour, stopped by
// SIGTERM, SIGINT (also when started with SIGINT ignored, as
// `enidetach ... &` in a script is) or SIGHUP (the terminal or ssh session
// closing) after the first poll, prints the one JSON object with the
// accepted detach and what the poll saw, an error of kind interrupted
// naming the signal, and exits 3. Before, it died of the signal (143, 130,
// 129) with nothing on stdout, or ignored SIGINT.
func TestSignalAfterAcceptedDetach(t *testing.T) {
	t.Parallel()
	program := fastProgram(t)
	cases := []struct {
		sig       syscall.Signal
		ignoreInt bool
	}{{syscall.SIGTERM, false}, {syscall.SIGINT, false}, {syscall.SIGINT, true}, {syscall.SIGHUP, false}}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s ignoreInt=%t", signalNames[tc.sig], tc.ignoreInt), func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
			defer srv.Close()
			p := startProcess(t, program, tc.ignoreInt, "-json", "-endpoint", srv.URL, "-region", srv.Region(),
				"-attachment-id", ec2test.FailoverAttachment, "-wait")
			p.waitLine(t, "poll 1:")
			if err := p.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			status := p.wait(t)
			var res result
			decodeOne(t, p.stdout.String(), &res)
			if status != exitPending {
				t.Errorf("exit %d, want 3\nstdout: %s\nstderr: %s", status, p.stdout.String(), p.stderrText())
			}
			e := res.Error
			if e == nil || e.Kind != "interrupted" || e.Signal != signalNames[tc.sig] || !strings.Contains(e.Message, signalNames[tc.sig]) {
				t.Errorf("error = %+v, want kind interrupted naming %s", e, signalNames[tc.sig])
			}
			if res.RequestID == "" || res.Return == nil || !*res.Return || res.Polls < 1 || res.ElapsedSeconds == nil ||
				res.Status != "in-use" || res.AttachmentStatus != "detaching" || res.Detached {
				t.Errorf("what was observed is lost: %s", p.stdout.String())
			}
			// The detach did happen: the fake says so.
			if st, ok := srv.InterfaceByAttachment(ec2test.FailoverAttachment); !ok || st.Attachment == nil || st.Attachment.Status != "detaching" {
				t.Errorf("fake state %+v", st)
			}
		})
	}
}

// TestSignalTextMode: without -json the same is said on stderr.
func TestSignalTextMode(t *testing.T) {
	t.Parallel()
	program := fastProgram(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer srv.Close()
	p := startProcess(t, program, false, "-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment, "-wait")
	p.waitLine(t, "poll 1:")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if status := p.wait(t); status != exitPending || p.stdout.String() != "" {
		t.Errorf("exit %d, stdout %q; want 3 and nothing", status, p.stdout.String())
	}
	want := "enidetach: " + ec2test.FailoverAttachment + " (interface " + ec2test.FailoverInterface + "): interrupted by SIGTERM after the detach was accepted: the interface was not seen available (request id "
	if got := p.stderrText(); !strings.Contains(got, want) || !strings.Contains(got, "last seen: status in-use, attachment detaching") {
		t.Errorf("stderr:\n%s\nwant a line with %q", got, want)
	}
}

// blockingEC2 answers nothing for action: it holds the request until the
// client goes away, and says on arrived that one came. Every other action
// is refused with UnauthorizedOperation.
func blockingEC2(t *testing.T, action string) (url string, arrived <-chan struct{}, actions func() []string) {
	ch := make(chan struct{}, 10)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := r.FormValue("Action")
		mu.Lock()
		seen = append(seen, a)
		mu.Unlock()
		if a == action {
			ch <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-time.After(time.Minute):
			}
			return
		}
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors><RequestID>r-1</RequestID></Response>`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), seen...) }
}

// TestSignalBeforeDetach: stopped during the lookup (SIGINT, or SIGHUP as
// when the terminal closes), nothing was sent that changes anything: exit
// 1, kind interrupted naming the signal, the action that was in flight, no
// detach.
func TestSignalBeforeDetach(t *testing.T) {
	t.Parallel()
	program := buildProgram(t, ".")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP} {
		t.Run(signalNames[sig], func(t *testing.T) {
			url, arrived, actions := blockingEC2(t, "DescribeNetworkInterfaces")
			p := startProcess(t, program, true, "-json", "-endpoint", url, "-region", "us-east-1", "-network-interface-id", ec2test.FailoverInterface, "-wait")
			select {
			case <-arrived:
			case <-time.After(60 * time.Second):
				t.Fatalf("no lookup arrived; stderr:\n%s", p.stderrText())
			}
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			status := p.wait(t)
			var res result
			decodeOne(t, p.stdout.String(), &res)
			if status != exitRefused || res.Error == nil || res.Error.Kind != "interrupted" || res.Error.Signal != signalNames[sig] ||
				res.Error.Action != "DescribeNetworkInterfaces" || res.RequestID != "" || res.Return != nil {
				t.Errorf("exit %d, stdout %s; want 1, interrupted by %s during DescribeNetworkInterfaces", status, p.stdout.String(), signalNames[sig])
			}
			if got := actions(); len(got) != 1 || got[0] != "DescribeNetworkInterfaces" {
				t.Errorf("actions sent: %v", got)
			}
		})
	}
}

// TestSignalDetachInFlight: stopped while the detach's answer is awaited,
// the detach may have been accepted: exit 3, and the message says so.
func TestSignalDetachInFlight(t *testing.T) {
	t.Parallel()
	program := buildProgram(t, ".")
	url, arrived, _ := blockingEC2(t, "DetachNetworkInterface")
	p := startProcess(t, program, false, "-json", "-endpoint", url, "-region", "us-east-1", "-attachment-id", ec2test.FailoverAttachment, "-wait")
	select {
	case <-arrived:
	case <-time.After(60 * time.Second):
		t.Fatalf("no detach arrived; stderr:\n%s", p.stderrText())
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	status := p.wait(t)
	var res result
	decodeOne(t, p.stdout.String(), &res)
	if status != exitPending || res.Error == nil || res.Error.Kind != "interrupted" || res.Error.Signal != "SIGTERM" ||
		!strings.Contains(res.Error.Message, "may have been accepted") {
		t.Errorf("exit %d, stdout %s; want 3, interrupted, may have been accepted", status, p.stdout.String())
	}
}

// TestSecondSignalSoonIsTheSameEvent: GNU timeout sends SIGTERM to the
// command and again to its process group; on a busy machine the two
// arrived apart and the second ended the command at once, exit 143 with
// nothing printed. A signal within echoWindow of the first is the same
// event; one later exits at once with 128 + its number.
func TestSecondSignalSoonIsTheSameEvent(t *testing.T) {
	ch := make(chan os.Signal)
	done := make(chan struct{})
	var cause error
	exited := make(chan int, 1)
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	finished := make(chan struct{})
	go func() {
		watchSignals(ch, done, func(err error) { cause = err }, func(code int) { exited <- code }, clock)
		close(finished)
	}()
	ch <- syscall.SIGTERM
	ch <- syscall.SIGTERM // the echo, at once
	advance(echoWindow / 2)
	ch <- syscall.SIGTERM // still the echo
	select {
	case code := <-exited:
		t.Fatalf("exit %d on the first signal's echo", code)
	default:
	}
	var ie *interruptedError
	if !errors.As(cause, &ie) || ie.signal != syscall.SIGTERM {
		t.Fatalf("cause %v, want interrupted by SIGTERM", cause)
	}
	advance(echoWindow)
	ch <- syscall.SIGINT
	if code := <-exited; code != 130 {
		t.Errorf("a later second signal: exit %d, want 130", code)
	}
	<-finished
	close(done)
}

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

// TestUnderTimeout: GNU timeout exits 124 when it had to send SIGTERM,
// whatever the command then reported, so a script following the guide
// ("SIGTERM from timeout ... exit 3 or 1") never saw the 3 it retries on.
// docs/command.md says to give --preserve-status, with which the
// command's own status (3, the detach accepted) reaches the script.
func TestUnderTimeout(t *testing.T) {
	t.Parallel()
	timeoutPath, err := exec.LookPath("timeout")
	if err != nil {
		t.Skip("no timeout(1) on this machine")
	}
	doc, err := os.ReadFile(commandDoc)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), "timeout --preserve-status") {
		t.Error("docs/command.md does not say to run the command under timeout --preserve-status")
	}
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		want int
	}{
		{[]string{"1s"}, 124},
		{[]string{"--preserve-status", "1s"}, exitPending},
	} {
		srv.Reset()
		args := append(tc.args, buildProgram(t, "."), "-json", "-endpoint", srv.URL, "-region", srv.Region(),
			"-attachment-id", ec2test.FailoverAttachment, "-wait")
		cmd := exec.Command(timeoutPath, args...)
		cmd.Env = childEnv(t)
		var stdout strings.Builder
		cmd.Stdout = &stdout
		_ = cmd.Run()
		if got := cmd.ProcessState.ExitCode(); got != tc.want {
			t.Errorf("timeout %s: exit %d, want %d", strings.Join(tc.args, " "), got, tc.want)
		}
		var res result
		decodeOne(t, stdout.String(), &res)
		if res.Error == nil || res.Error.Kind != "interrupted" || res.Error.Signal != "SIGTERM" {
			t.Errorf("timeout %s: stdout %s", strings.Join(tc.args, " "), stdout.String())
		}
	}
}
