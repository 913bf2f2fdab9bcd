package ec2test_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/internal/testenv"
)

// peerRunnerPy runs the peers' calls one at a time in one python3
// interpreter, each in the environment it is given: an AWS CLI command
// line through the entry point /usr/bin/aws calls (its exit status is what
// the entry point returns, as the script's is), or a botocore script with
// its sys.argv. Starting python3 and importing the CLI costs about a
// CPU-second, a call a fifth of that: the tests make forty calls.
const peerRunnerPy = `
import contextlib, io, json, os, sys, traceback
if sys.argv[1:] == ["cli"]:
    import awscli.clidriver  # sets AWS_DATA_PATH, which every call needs
base = dict(os.environ)
for line in sys.stdin:
    job = json.loads(line)
    os.environ.clear()
    os.environ.update(base)
    os.environ.update(job["env"])
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            if job["script"] == "":
                import awscli.clidriver
                code = awscli.clidriver.AWSCLIEntryPoint().main(job["args"])
            else:
                sys.argv = ["-c"] + job["args"]
                exec(compile(job["script"], "<script>", "exec"), {"__name__": "__main__"})
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except BaseException:
            traceback.print_exc()
            code = 1
    sys.__stdout__.write(json.dumps({"code": code, "out": out.getvalue()}) + "\n")
    sys.__stdout__.flush()
`

// peerRunner is one python3 running peerRunnerPy.
type peerRunner struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer // python3's own, read once it has ended
}

// peerRunners holds, for the AWS CLI's calls (index 0) and for botocore
// scripts (1), one slot per runner that may run at once (as many as tests
// run in parallel); an empty slot (nil) starts a runner when taken. The
// two never share an interpreter: the CLI carries its own botocore, which
// the other's imports would shadow.
var peerRunners = func() (pools [2]chan *peerRunner) {
	n := runtime.GOMAXPROCS(0)
	for i := range pools {
		pools[i] = make(chan *peerRunner, n)
		for range n {
			pools[i] <- nil
		}
	}
	return pools
}()

func startPeerRunner(kind string) (*peerRunner, error) {
	cmd := exec.Command(testenv.Python3, "-c", peerRunnerPy, kind)
	// The base environment; each call adds its own (peerEnv).
	cmd.Env = []string{"PATH=/usr/bin:/bin", "AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent", "AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1", "AWS_EC2_METADATA_DISABLED=true"}
	r := &peerRunner{cmd: cmd}
	cmd.Stderr = &r.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r.in, r.out = in, bufio.NewReader(out)
	return r, nil
}

// runPeer runs one call (script "" for an AWS CLI command line) in env
// and returns its exit status and what it printed on stdout and stderr.
func runPeer(t *testing.T, env []string, script string, args ...string) (int, string) {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	job, err := json.Marshal(map[string]any{"env": vars, "script": script, "args": args})
	if err != nil {
		t.Fatal(err)
	}
	pool, kind := peerRunners[0], "cli"
	if script != "" {
		pool, kind = peerRunners[1], "script"
	}
	r := <-pool
	if r == nil {
		if r, err = startPeerRunner(kind); err != nil {
			pool <- nil
			t.Fatalf("python3: %v", err)
		}
	}
	code, out, err := r.run(job)
	if err != nil {
		r.stop()
		pool <- nil // a fresh one for the next call
		t.Fatalf("python3 running the peer: %v\n%s", err, r.stderr.String())
	}
	pool <- r
	return code, out
}

func (r *peerRunner) run(job []byte) (int, string, error) {
	if _, err := r.in.Write(append(job, '\n')); err != nil {
		return 0, "", err
	}
	line, err := r.out.ReadBytes('\n')
	if err != nil {
		return 0, "", err
	}
	var res struct {
		Code int
		Out  string
	}
	if err := json.Unmarshal(line, &res); err != nil {
		return 0, "", fmt.Errorf("%q: %w", line, err)
	}
	return res.Code, res.Out, nil
}

func (r *peerRunner) stop() {
	r.in.Close()
	_ = r.cmd.Wait()
}

// stopPeerRunners ends the runners, once every test is done.
func stopPeerRunners() {
	for _, pool := range peerRunners {
		for range cap(pool) {
			if r := <-pool; r != nil {
				r.stop()
			}
		}
	}
}
