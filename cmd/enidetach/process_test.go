package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

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
