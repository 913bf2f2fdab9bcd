package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// hermetic clears every AWS_* variable of this machine and points HOME at
// an empty directory, then sets the fake's keys.
func hermetic(t *testing.T) {
	testenv.Clear(t)
	t.Setenv("AWS_ACCESS_KEY_ID", ec2test.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", ec2test.DefaultSecretAccessKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// Values that change from run to run, replaced before comparing with the
// golden files.
var (
	requestIDPattern = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	elapsedPattern   = regexp.MustCompile(`"(\w*[eE]lapsedSeconds)":[0-9.e-]+`)
	// A move's new attachment ID is the fake's random choice.
	newAttachmentPattern = regexp.MustCompile(`"attach":\{"attachmentId":"eni-attach-[0-9a-f]+"`)
	durationPattern      = regexp.MustCompile(`after [0-9.]+m?s and`)
	// How many polls a wait made depends on the machine's timing (the
	// tests poll every 20 ms); that it polled is the command's.
	pollsPattern     = regexp.MustCompile(`"polls":[0-9]+`)
	pollCountPattern = regexp.MustCompile(`and [0-9]+ polls?\b`)
	// How a transport failure is worded is the library's business; its
	// kind and cause are the command's.
	refusedPattern = regexp.MustCompile(`"message":"(?:[^"\\]|\\.)*connection refused"`)
)

func normalize(s string) string {
	s = requestIDPattern.ReplaceAllString(s, "REQUEST-ID")
	s = elapsedPattern.ReplaceAllString(s, `"$1":"ELAPSED"`)
	s = newAttachmentPattern.ReplaceAllString(s, `"attach":{"attachmentId":"NEW-ATTACHMENT-ID"`)
	s = refusedPattern.ReplaceAllString(s, `"message":"... connection refused"`)
	s = pollsPattern.ReplaceAllString(s, `"polls":"POLLS"`)
	s = pollCountPattern.ReplaceAllString(s, "and POLLS")
	return durationPattern.ReplaceAllString(s, "after ELAPSED and")
}

// checkGolden compares got with testdata/name.json (rewritten with -update).
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".json")
	got = normalize(got)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: JSON differs from %s\ngot:  %s\nwant: %s", name, path, got, want)
	}
}

// fastPolls makes a wait in the tests poll every 20 ms: the fake's
// detaches and attaches take milliseconds, not the seconds of EC2 that
// the library's delays are made for.
func fastPolls(o *enidetach.WaitOptions) {
	o.MinDelay, o.MaxDelay = 20*time.Millisecond, 20*time.Millisecond
}

// runCmd runs the command, its waits polling fast, and returns its exit
// status and outputs.
func runCmd(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	status := runTuned(context.Background(), args, &stdout, &stderr, fastPolls)
	return status, stdout.String(), stderr.String()
}

// TestJSONOutcomes: every outcome's exit status and JSON, against golden
// files; a JSON outcome prints one object on stdout.
func TestJSONOutcomes(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	slow := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer slow.Close()
	quick := ec2test.NewServer(ec2test.WithDetachingDuration(500 * time.Millisecond))
	defer quick.Close()
	at := func(s *ec2test.Server, args ...string) []string {
		return append([]string{"-json", "-endpoint", s.URL, "-region", s.Region()}, args...)
	}
	// stub answers a detach with detachBody and every other action with
	// EC2's UnauthorizedOperation: a role that may detach but not describe.
	stub := func(detachBody string, args ...string) []string {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.FormValue("Action") == "DetachNetworkInterface" {
				_, _ = io.WriteString(w, detachBody)
				return
			}
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>denied-1</RequestID></Response>`)
		}))
		t.Cleanup(s.Close)
		return append([]string{"-json", "-endpoint", s.URL, "-region", "us-east-1", "-attachment-id", ec2test.FailoverAttachment}, args...)
	}
	const accepted = `<DetachNetworkInterfaceResponse><requestId>detach-1</requestId><return>true</return></DetachNetworkInterfaceResponse>`
	const notAccepted = `<DetachNetworkInterfaceResponse><requestId>detach-2</requestId><return>false</return></DetachNetworkInterfaceResponse>`
	tests := []struct {
		name   string
		args   []string
		status int
	}{
		// In order: some cases depend on the ones before (the second detach).
		{"dry-run-permitted", at(srv, "-attachment-id", ec2test.FailoverAttachment, "-dry-run"), 0},
		{"refused-primary", at(srv, "-attachment-id", "eni-attach-00000000000000000"), 1},
		{"lookup-by-interface-detach", at(srv, "-network-interface-id", ec2test.FailoverInterface), 0},
		{"detach-again-refused", at(srv, "-attachment-id", ec2test.FailoverAttachment), 1},
		{"already-detached-by-attachment", at(srv, "-attachment-id", ec2test.FailoverAttachment, "-wait", "-idempotent"), 0},
		{"already-detached-by-interface", at(srv, "-network-interface-id", ec2test.FailoverInterface, "-wait", "-idempotent"), 0},
		{"not-attached-by-interface", at(srv, "-network-interface-id", ec2test.FailoverInterface, "-wait"), 1},
		{"lookup-not-found", at(srv, "-instance-id", ec2test.InstanceB, "-device-index", "1"), 1},
		{"unknown-interface", at(srv, "-network-interface-id", "eni-0fffffffffffffff0"), 1},
		// EC2's InvalidNetworkInterfaceID.NotFound: attached nowhere.
		{"status-interface-not-found", at(srv, "-status", "-network-interface-id", "eni-0fffffffffffffff0", "-instance-id", ec2test.InstanceB), 4},
		{"stop-interface-not-found", at(srv, "-network-interface-id", "eni-0fffffffffffffff0", "-instance-id", ec2test.InstanceB, "-wait", "-idempotent"), 0},
		{"lookup-by-instance-wait", at(quick, "-instance-id", ec2test.InstanceA, "-device-index", "1", "-wait"), 0},
		{"wait-by-attachment", at(slow, "-attachment-id", ec2test.FailoverAttachment, "-wait", "-max-wait", "300ms"), 3},
		{"transport", []string{"-json", "-endpoint", "http://127.0.0.1:1", "-region", "us-east-1", "-attachment-id", ec2test.FailoverAttachment, "-timeout", "2s"}, 1},
		{"usage", []string{"-json", "-attachment-id", ec2test.FailoverAttachment, "-idempotent"}, 2},
		{"bad-flag", []string{"-json", "-no-such-flag"}, 2},
		// A 200 saying return=false did not detach anything: not exit 0.
		{"return-false", stub(notAccepted), 1},
		// Accepted, then the polls are refused: the interface may still be
		// detaching, which is exit 3, not "refused" (1).
		{"poll-refused-after-detach", stub(accepted, "-wait"), 3},
	}
	for _, tc := range tests {
		status, stdout, stderr := runCmd(tc.args...)
		if status != tc.status {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", tc.name, status, tc.status, stdout, stderr)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(stdout), &obj); err != nil || strings.Count(stdout, "\n") != 1 {
			t.Errorf("%s: stdout is not one JSON object: %q (%v)", tc.name, stdout, err)
		}
		checkGolden(t, tc.name, stdout)
	}
}

// TestConfigurationErrors: no credentials and no region are configuration
// (exit 2), not refusals, whatever the machine's environment holds.
func TestConfigurationErrors(t *testing.T) {
	srv := ec2test.NewServer()
	defer srv.Close()
	t.Run("no credentials", func(t *testing.T) {
		testenv.Clear(t)
		t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
		status, stdout, _ := runCmd("-json", "-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment)
		if status != exitUsage || !strings.Contains(stdout, `"kind":"credentials"`) {
			t.Errorf("exit %d, stdout %s; want 2 and kind credentials", status, stdout)
		}
		if n := len(srv.Requests()); n != 0 {
			t.Errorf("%d requests sent", n)
		}
	})
	t.Run("no region", func(t *testing.T) {
		hermetic(t)
		status, stdout, _ := runCmd("-json", "-attachment-id", ec2test.FailoverAttachment)
		checkGolden(t, "no-region", stdout)
		if status != exitUsage {
			t.Errorf("exit %d, want 2", status)
		}
	})
}

// TestUsage: flags are checked before anything is sent.
func TestUsage(t *testing.T) {
	hermetic(t)
	id := []string{"-attachment-id", ec2test.FailoverAttachment}
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"no attachment", nil, 2, "give one of -attachment-id"},
		{"two ways", append([]string{"-network-interface-id", "eni-1"}, id...), 2, "give one of"},
		{"device index without instance", append([]string{"-device-index", "1"}, id...), 2, "go with -instance-id"},
		{"instance without device index", []string{"-instance-id", "i-1"}, 2, "needs -device-index"},
		{"negative device index", []string{"-instance-id", "i-1", "-device-index", "-1"}, 2, "cannot be negative"},
		{"unknown flag", []string{"-bogus"}, 2, "flag provided but not defined"},
		{"arguments", append(id, "extra"), 2, "no arguments"},
		{"zero timeout", append(id, "-timeout", "0"), 2, "-timeout must be positive"},
		{"negative timeout", append(id, "-timeout", "-5s"), 2, "-timeout must be positive"},
		{"zero max wait", append(id, "-wait", "-max-wait", "0"), 2, "-max-wait must be positive"},
		{"max wait without wait", append(id, "-max-wait", "1m"), 2, "need -wait"},
		{"idempotent without wait", append(id, "-idempotent"), 2, "need -wait"},
		{"wait with dry run", append(id, "-wait", "-dry-run"), 2, "cannot be combined"},
		{"bad region", append(id, "-region", "Bad Region"), 2, "not a valid region"},
	}
	for _, tc := range tests {
		status, stdout, stderr := runCmd(tc.args...)
		if status != tc.status || stdout != "" || !strings.Contains(stderr, tc.stderr) {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s\nwant exit %d, stderr with %q", tc.name, status, stdout, stderr, tc.status, tc.stderr)
		}
	}
	status, stdout, _ := runCmd("-version")
	if want := "enidetach " + enidetach.Version + " ("; status != 0 || !strings.HasPrefix(stdout, want) {
		t.Errorf("-version: exit %d, %q", status, stdout)
	}
}

// TestHelp: -h prints the synopsis, every exit status and the flags on
// stdout and exits 0; a bad flag prints the synopsis on stderr and exits 2.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"-help"}, {"--help"}} {
		status, stdout, stderr := runCmd(args...)
		if status != exitOK || stderr != "" {
			t.Errorf("%v: exit %d, stderr %q", args, status, stderr)
		}
		for _, want := range []string{"usage: enidetach (-attachment-id ID", "Exit status:", "\n  0  done", "\n  1  refused", "\n  2  usage",
			"\n  3  the detach was accepted", "SIGINT, SIGTERM and SIGHUP", "second signal", "-max-wait duration",
			"-to-instance-id ID [-to-device-index N]", "a move refused before it changed anything", "run the same command again", "-to-network-card-index int"} {
			if !strings.Contains(stdout, want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, stdout)
			}
		}
	}
	status, stdout, stderr := runCmd("-bogus")
	if status != exitUsage || stdout != "" || !strings.Contains(stderr, "usage: enidetach") || !strings.Contains(stderr, "enidetach -h") {
		t.Errorf("bad flag: exit %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// TestTextOutput: the lines people read say what happened once, with the
// IDs a support case needs.
func TestTextOutput(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	base := []string{"-endpoint", srv.URL, "-region", srv.Region()}
	tests := []struct {
		name           string
		args           []string
		status         int
		stdout, stderr string // the start of stdout, the end of stderr
		stdoutHas      string // also somewhere in stdout
	}{
		{"refused", []string{"-attachment-id", "eni-attach-00000000000000000"}, 1, "",
			"enidetach: DetachNetworkInterface refused by EC2: OperationNotPermitted: The network interface at device index 0 and networkCard index 0 cannot be detached. (status 400, request id REQUEST-ID)\n", ""},
		{"wait", []string{"-instance-id", ec2test.InstanceA, "-device-index", "1", "-wait"}, 0,
			"detached eni-attach-0123456789abcdef0 (interface eni-0123456789abcdef0): available after 1 poll", "", "(request id REQUEST-ID)"},
		{"already", []string{"-network-interface-id", ec2test.FailoverInterface, "-wait", "-idempotent"}, 0,
			"- was already detached (interface eni-0123456789abcdef0)\n", "", ""},
		{"lookup not found", []string{"-instance-id", ec2test.InstanceB, "-device-index", "2"}, 1, "",
			"enidetach: enidetach: no network interface is attached to instance i-0123456789abcdef1 at device index 2, network card 0\n", ""},
	}
	for _, tc := range tests {
		status, stdout, stderr := runCmd(append(append([]string{}, base...), tc.args...)...)
		stdout, stderr = normalize(stdout), normalize(stderr)
		if status != tc.status || !strings.HasPrefix(stdout, tc.stdout) || !strings.HasSuffix(stderr, tc.stderr) {
			t.Errorf("%s: exit %d\nstdout: %q\nstderr: %q\nwant exit %d, stdout %q, stderr ending %q", tc.name, status, stdout, stderr, tc.status, tc.stdout, tc.stderr)
		}
		if !strings.Contains(stdout, tc.stdoutHas) {
			t.Errorf("%s: %q not in stdout %q", tc.name, tc.stdoutHas, stdout)
		}
	}
}

// TestDebug: -debug logs each request to stderr without the signature.
func TestDebug(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	status, _, stderr := runCmd("-debug", "-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment, "-dry-run")
	if status != 0 || !strings.Contains(stderr, "action=DetachNetworkInterface") || !strings.Contains(stderr, "Signature=REDACTED") {
		t.Errorf("exit %d, stderr %s", status, stderr)
	}
	if strings.Contains(stderr, ec2test.DefaultSecretAccessKey) {
		t.Error("the secret key reached the debug log")
	}
}

// cancelOnPoll is a stderr that cancels the command's context, as a signal
// does, once the wait reports its first poll.
type cancelOnPoll struct {
	cancel context.CancelCauseFunc
	sig    os.Signal
}

func (c *cancelOnPoll) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("poll 1:")) {
		c.cancel(&interruptedError{signal: c.sig})
	}
	return len(p), nil
}

// TestInterruptedJSON: the JSON of a command stopped by a signal, after the
// detach was accepted (exit 3) and before anything was sent (exit 1),
// against golden files. The real signals are sent in signals_test.go.
func TestInterruptedJSON(t *testing.T) {
	hermetic(t)
	slow := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer slow.Close()
	args := []string{"-json", "-endpoint", slow.URL, "-region", slow.Region(), "-wait"}

	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	var stdout bytes.Buffer
	status := run(ctx, append(args, "-attachment-id", ec2test.FailoverAttachment), &stdout, &cancelOnPoll{cancel, syscall.SIGTERM})
	checkGolden(t, "interrupted-after-detach", stdout.String())
	if status != exitPending {
		t.Errorf("after the detach: exit %d, want 3", status)
	}

	ctx, cancel = context.WithCancelCause(context.Background())
	cancel(&interruptedError{signal: os.Interrupt})
	stdout.Reset()
	status = run(ctx, append(args, "-network-interface-id", ec2test.FailoverInterface), &stdout, io.Discard)
	checkGolden(t, "interrupted-before-detach", stdout.String())
	if status != exitRefused {
		t.Errorf("before the detach: exit %d, want 1", status)
	}
	if n := len(slow.Requests()); n != 2 { // the first command's detach and poll
		t.Errorf("%d requests; the second command sent some", n)
	}
}

// programs holds the commands built once for the tests that run them as
// processes (signals and kills need a real process), removed by TestMain.
var programs struct {
	sync.Mutex
	dir   string
	paths map[string]string
}

// TestMain runs more tests at once than there are cores: most wait on the
// command's processes and their polls, not the CPU.
func TestMain(m *testing.M) {
	testenv.WaitingParallel()
	code := m.Run()
	if programs.dir != "" {
		os.RemoveAll(programs.dir)
	}
	os.Exit(code)
}

// buildProgram builds the command in pkg (relative to this directory)
// once, as users build it, and returns its path.
func buildProgram(t *testing.T, pkg string) string {
	t.Helper()
	return buildWith(t, pkg, "")
}

// fastPollDelay is how often the waits of fastProgram's command poll.
const fastPollDelay = 50 * time.Millisecond

// fastProgram builds the command once with its waits polling every
// fastPollDelay (main.testPollDelay), for the tests of its signals, kills
// and outputs, whose fakes take a fraction of a second to detach or
// attach: the library's first poll comes 1.7-2.1 s after a call, and its
// own tests prove its schedule.
func fastProgram(t *testing.T) string {
	t.Helper()
	return buildWith(t, ".", "-X main.testPollDelay="+fastPollDelay.String())
}

// buildWith builds pkg with ldflags once, and returns its path.
func buildWith(t *testing.T, pkg, ldflags string) string {
	t.Helper()
	programs.Lock()
	defer programs.Unlock()
	key := pkg + " " + ldflags
	if p, ok := programs.paths[key]; ok {
		return p
	}
	if programs.dir == "" {
		dir, err := os.MkdirTemp("", "enidetach-cmd")
		if err != nil {
			t.Fatal(err)
		}
		programs.dir, programs.paths = dir, map[string]string{}
	}
	path := filepath.Join(programs.dir, filepath.Base(filepath.Clean(pkg))+"-"+time.Now().Format("150405.000000"))
	out, err := exec.Command("go", "build", "-ldflags="+ldflags, "-o", path, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go build -ldflags=%q %s: %v\n%s", ldflags, pkg, err, out)
	}
	programs.paths[key] = path
	return path
}

// childEnv is a hermetic environment for a command run as a process: none
// of this machine's AWS_* variables or ~/.aws, the fake's keys.
func childEnv(t *testing.T) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"AWS_ACCESS_KEY_ID=" + ec2test.DefaultAccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + ec2test.DefaultSecretAccessKey,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// process is a command started as a process, its stderr read line by line.
type process struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	lines  chan string // stderr, closed at its end
	mu     sync.Mutex
	stderr strings.Builder
}

// startProcess runs the program with args; with ignoreInt it is started
// as a non-interactive shell starts a background job, with SIGINT ignored.
func startProcess(t *testing.T, program string, ignoreInt bool, args ...string) *process {
	t.Helper()
	p := &process{lines: make(chan string, 1000)}
	if ignoreInt {
		p.cmd = exec.Command("sh", append([]string{"-c", `trap "" INT; exec "$0" "$@"`, program}, args...)...)
	} else {
		p.cmd = exec.Command(program, args...)
	}
	p.cmd.Env = childEnv(t)
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
		}
	})
	go func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			p.lines <- sc.Text()
		}
	}()
	return p
}

// waitLine waits for a stderr line that starts with prefix.
func (p *process) waitLine(t *testing.T, prefix string) string {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("stderr ended before a line starting %q:\n%s", prefix, p.stderrText())
			}
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("no stderr line starting %q in 60 s:\n%s", prefix, p.stderrText())
		}
	}
}

func (p *process) stderrText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// wait waits for the process to end and returns its exit status (-1 when a
// signal killed it).
func (p *process) wait(t *testing.T) int {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for range p.lines { // drain stderr before Wait closes the pipe
		}
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(60 * time.Second):
		t.Fatalf("the process did not end in 60 s; stderr:\n%s", p.stderrText())
		return 0
	}
}

// decodeOne decodes stdout, which must hold exactly one JSON object.
func decodeOne(t *testing.T, stdout string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("stdout is not a JSON object: %v\n%q", err, stdout)
	}
	if _, err := dec.Token(); err != io.EOF || strings.Count(stdout, "\n") != 1 {
		t.Fatalf("stdout holds more than one JSON object: %q", stdout)
	}
}
