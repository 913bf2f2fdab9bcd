package agents

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// root is the repository's root, from this package's directory.
const root = "../.."

// Paths of the integrations, from the repository's root.
const (
	agentPath     = "examples/pacemaker/aws-eni"
	notifyPath    = "examples/keepalived/enidetach-notify"
	keepalivedCfg = "examples/keepalived/keepalived.conf"
	unitPath      = "examples/systemd/enidetach-move-here.service"
	envFilePath   = "examples/systemd/enidetach.env"
	guidePath     = "docs/agents.md"
	ocfRoot       = "/usr/lib/ocf"
)

// goHome is HOME before the tests isolate it: the go command's caches
// default to places under it, and a build with an empty cache takes a
// minute.
var goHome = os.Getenv("HOME")

// TestMain runs more tests at once than there are cores (they wait on the
// agents' processes and their polls, not the CPU), each hermetic.
func TestMain(m *testing.M) {
	testenv.WaitingParallel()
	cleanup := testenv.Isolate()
	code := m.Run()
	cleanup()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built holds the command and the fake, built once per test binary.
var built struct {
	once            sync.Once
	dir             string
	enidetach, fake string
	lacks           string
	err             error
}

// binaries returns the paths of the built command (cmd/enidetach) and fake
// (examples/local), or skips the test while the command is not in the
// repository.
func binaries(t *testing.T) (enidetach, fake string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(root, "cmd", "enidetach")); err != nil {
		t.Skip("skipping: cmd/enidetach is missing (the command moves there from examples/detach, with -to-instance-id self and -status)")
	}
	built.once.Do(buildBinaries)
	if built.err != nil {
		t.Fatal(built.err)
	}
	if built.lacks != "" {
		t.Skip("skipping: cmd/enidetach lacks " + built.lacks + " (the cmd helper adds them)")
	}
	return built.enidetach, built.fake
}

// buildBinaries builds the command and the fake into built.dir, and notes
// in built.lacks what the command's help does not mention of what the
// integrations call.
func buildBinaries() {
	built.dir, built.err = os.MkdirTemp("", "enidetach-agents-bin")
	if built.err != nil {
		return
	}
	// One go build for both: its packages compile in parallel. The
	// command's waits poll every 50 ms (main.testPollDelay), not 1.7-2.1 s
	// after each call as the library's schedule does: the agents and the
	// guide's recipes are proved against a fake whose attaches and
	// detaches are done at once or in a second, and wait for many moves.
	cmd := exec.Command("go", "build", "-ldflags=-X main.testPollDelay=50ms", "-o", built.dir+string(filepath.Separator), "./cmd/enidetach", "./examples/local")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "HOME="+goHome)
	if out, err := cmd.CombinedOutput(); err != nil {
		built.err = fmt.Errorf("go build: %v\n%s", err, out)
		return
	}
	built.enidetach, built.fake = filepath.Join(built.dir, "enidetach"), filepath.Join(built.dir, "local")
	help, _ := exec.Command(built.enidetach, "-h").CombinedOutput()
	var lacks []string
	for _, want := range []string{"-status", "self"} {
		if !bytes.Contains(help, []byte(want)) {
			lacks = append(lacks, want)
		}
	}
	built.lacks = strings.Join(lacks, " and ")
}

// served is what the fake's -serve line says that the tests use.
type served struct {
	Endpoint        string `json:"endpoint"`
	Region          string `json:"region"`
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	Instances       []struct {
		InstanceID string `json:"instanceId"`
		// IMDS is the endpoint of the instance's metadata service.
		IMDS string `json:"imdsEndpoint"`
	} `json:"instances"`
}

// fakeEC2 is a running examples/local -serve.
type fakeEC2 struct {
	served
	bin string // the command's directory, for PATH
}

// startFake runs examples/local -serve on a free loopback port, with more
// flags if given, until the test ends, or skips the test while -serve
// prints no metadata service.
func startFake(t *testing.T, flags ...string) *fakeEC2 {
	t.Helper()
	enidetach, fake := binaries(t)
	cmd := exec.Command(fake, append([]string{"-serve", "127.0.0.1:0"}, flags...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err != nil {
		t.Fatalf("-serve printed no line: %v\n%s", err, stderr.String())
	}
	f := &fakeEC2{bin: filepath.Dir(enidetach)}
	if err := json.Unmarshal(line, &f.served); err != nil {
		t.Fatalf("-serve line %s: %v", line, err)
	}
	if f.imds(ec2test.InstanceB) == "" {
		t.Skip("skipping: examples/local -serve prints no imdsEndpoint for instance B (ec2test's IMDS)")
	}
	return f
}

// imds returns the metadata endpoint of instance id.
func (f *fakeEC2) imds(id string) string {
	for _, in := range f.Instances {
		if in.InstanceID == id {
			return in.IMDS
		}
	}
	return ""
}

// env returns the environment of a process on instance id: the command on
// PATH, the fake's endpoint, key and region, the instance's metadata
// service, and nothing else from the test's environment.
func (f *fakeEC2) env(t *testing.T, id string) []string {
	return []string{
		"PATH=" + f.bin + ":/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + t.TempDir(),
		"AWS_ENDPOINT_URL_EC2=" + f.Endpoint,
		"AWS_ACCESS_KEY_ID=" + f.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + f.SecretAccessKey,
		"AWS_REGION=" + f.Region,
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + f.imds(id),
	}
}

// attachment is where the fake has an interface attached.
type attachment struct {
	InstanceID  string `json:"instanceId"`
	DeviceIndex int    `json:"deviceIndex"`
	Status      string `json:"status"`
}

// ifaceState is what the fake knows of an interface.
type ifaceState struct {
	NetworkInterfaceID string      `json:"networkInterfaceId"`
	Status             string      `json:"status"`
	Attachment         *attachment `json:"attachment"`
	Detaches           int         `json:"detaches"`
	Attaches           int         `json:"attaches"`
}

// state returns what the fake knows of interface eni.
func (f *fakeEC2) state(t *testing.T, eni string) ifaceState {
	t.Helper()
	resp, err := http.Get(f.Endpoint + ec2test.ControlPrefix + "state")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var state struct {
		Interfaces []ifaceState `json:"interfaces"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&state); err != nil {
		t.Fatal(err)
	}
	for _, in := range state.Interfaces {
		if in.NetworkInterfaceID == eni {
			return in
		}
	}
	t.Fatalf("the fake has no interface %s", eni)
	return ifaceState{}
}

// where returns the fake's attachment of interface eni (nil when it is
// available) and the interface's status.
func (f *fakeEC2) where(t *testing.T, eni string) (*attachment, string) {
	t.Helper()
	st := f.state(t, eni)
	return st.Attachment, st.Status
}

// wantAttached fails the test unless the fake has eni attached to instance
// at device index idx.
func (f *fakeEC2) wantAttached(t *testing.T, step, eni, instance string, idx int) {
	t.Helper()
	att, status := f.where(t, eni)
	if att == nil || att.InstanceID != instance || att.DeviceIndex != idx || att.Status != "attached" {
		t.Errorf("after %s: %s is %s, attachment %+v; want attached to %s at device index %d", step, eni, status, att, instance, idx)
	}
}

// wantMovedOnce fails the test unless the fake saw one detach and one
// attach of eni.
func (f *fakeEC2) wantMovedOnce(t *testing.T, step, eni string) {
	t.Helper()
	if st := f.state(t, eni); st.Detaches != 1 || st.Attaches != 1 {
		t.Errorf("after %s: %d detaches and %d attaches of %s, want one of each", step, st.Detaches, st.Attaches, eni)
	}
}

// wantAvailable fails the test unless the fake has eni attached nowhere.
func (f *fakeEC2) wantAvailable(t *testing.T, step, eni string) {
	t.Helper()
	if att, status := f.where(t, eni); att != nil || status != "available" {
		t.Errorf("after %s: %s is %s, attachment %+v; want available", step, eni, status, att)
	}
}

// stub writes a stand-in for the command that appends its arguments (one
// line a call, with the time it started and ended) to the file it returns
// and exits with $STUB_RC after $STUB_SLEEP seconds and once the file
// $STUB_GATE exists, printing $STUB_OUT.
func stub(t *testing.T) (dir, log string) {
	t.Helper()
	dir = t.TempDir()
	log = filepath.Join(dir, "calls")
	script := `#!/bin/sh
echo "start $(date +%s.%N) $*" >>"` + log + `"
[ -n "$STUB_SLEEP" ] && sleep "$STUB_SLEEP"
if [ -n "$STUB_GATE" ]; then while [ ! -e "$STUB_GATE" ]; do sleep 0.02; done; fi
[ -n "$STUB_OUT" ] && printf '%s\n' "$STUB_OUT"
echo "end $(date +%s.%N)" >>"` + log + `"
exit "${STUB_RC:-0}"
`
	if err := os.WriteFile(filepath.Join(dir, "enidetach"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir, log
}

// calls returns the argument lines the stub recorded.
func calls(t *testing.T, log string) []string {
	t.Helper()
	b, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "start "); ok {
			_, args, _ := strings.Cut(rest, " ")
			out = append(out, args)
		}
	}
	return out
}

// run runs a program from the repository's root with env and a deadline,
// returning its exit status and combined output.
func run(t *testing.T, env []string, name string, args ...string) (int, string) {
	t.Helper()
	return startProcess(t, env, name, args...).wait(t)
}

// process is a program started by startProcess.
type process struct {
	cmd   *exec.Cmd
	timer *time.Timer
	mu    sync.Mutex
	out   bytes.Buffer
}

// Write collects the process's output.
func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

// output returns what the process has printed so far.
func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startProcess starts a program from the repository's root with env,
// killed if it runs over a minute.
func startProcess(t *testing.T, env []string, name string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(name, args...)}
	p.cmd.Dir = root
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p.timer = time.AfterFunc(60*time.Second, func() { _ = p.cmd.Process.Kill() })
	return p
}

// wait waits for the process to end and returns its exit status and
// output.
func (p *process) wait(t *testing.T) (int, string) {
	err := p.cmd.Wait()
	p.timer.Stop()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), p.output()
	}
	if err != nil {
		t.Error(err)
		return -1, p.output()
	}
	return 0, p.output()
}
