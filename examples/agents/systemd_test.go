package agents

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/internal/testenv"
)

// unitCommand is where the unit expects the command.
const unitCommand = "/usr/local/bin/enidetach"

// unitSettings returns the unit's file, Environment= assignments, and
// ExecStart= and TimeoutStartSec= values.
func unitSettings(t *testing.T) (unit string, env map[string]string, execStart, timeout string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, unitPath))
	if err != nil {
		t.Fatal(err)
	}
	unit, env = string(b), map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		key, val, _ := strings.Cut(line, "=")
		switch key {
		case "Environment":
			for _, kv := range strings.Fields(val) {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
		case "ExecStart":
			execStart = val
		case "TimeoutStartSec":
			timeout = val
		}
	}
	return unit, env, execStart, timeout
}

// envFile reads KEY=value lines as systemd's EnvironmentFile= does (no
// quotes are used in ours), into env.
func envFile(t *testing.T, path string, env map[string]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=value", path, line)
		}
		env[k] = v
	}
}

// expandExecStart returns ExecStart's words with ${VAR} replaced from env,
// as systemd does.
func expandExecStart(t *testing.T, execStart string, env map[string]string) []string {
	t.Helper()
	var words []string
	for _, w := range strings.Fields(execStart) {
		words = append(words, regexp.MustCompile(`\$\{(\w+)\}`).ReplaceAllStringFunc(w, func(ref string) string {
			v, ok := env[ref[2:len(ref)-1]]
			if !ok {
				t.Errorf("ExecStart uses %s, which neither Environment= nor the sample environment file sets", ref)
			}
			return v
		}))
	}
	return words
}

// TestUnitVerifies: systemd-analyze verify finds nothing to say about the
// unit, the command's path aside (it is where the guide installs it, which
// a test does not touch: a stand-in takes its place).
func TestUnitVerifies(t *testing.T) {
	analyze := testenv.RequireCommand(t, "systemd-analyze", "systemd")
	t.Parallel()
	unit, _, _, _ := unitSettings(t)
	if !strings.Contains(unit, "ExecStart="+unitCommand+" ") {
		t.Fatalf("the unit does not run %s", unitCommand)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, filepath.Base(unitPath))
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, unitCommand, "/bin/true")), 0o644); err != nil {
		t.Fatal(err)
	}
	got, out := run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + dir, "SYSTEMD_LOG_LEVEL=notice"}, analyze, "verify", path)
	if got != 0 || strings.TrimSpace(out) != "" {
		t.Errorf("systemd-analyze verify: exit %d\n%s", got, out)
	}
}

// TestUnitWaitsLongerThanTheCommand: the unit is a oneshot after
// network-online.target, its settings from the environment file, and
// TimeoutStartSec above the command's -max-wait, so the command gives up
// first and says how far it got.
func TestUnitWaitsLongerThanTheCommand(t *testing.T) {
	t.Parallel()
	unit, _, execStart, timeout := unitSettings(t)
	for _, want := range []string{"\nType=oneshot\n", "\nAfter=network-online.target\n", "\nWants=network-online.target\n",
		"\nEnvironmentFile=/etc/default/enidetach\n", "\nWantedBy=multi-user.target\n"} {
		if !strings.Contains(unit, want) {
			t.Errorf("the unit lacks %q", strings.TrimSpace(want))
		}
	}
	m := regexp.MustCompile(` -max-wait (\S+)`).FindStringSubmatch(execStart)
	if m == nil {
		t.Fatalf("ExecStart has no -max-wait: %s", execStart)
	}
	maxWait, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	limit, err := time.ParseDuration(timeout + "s")
	if err != nil {
		t.Fatalf("TimeoutStartSec=%s: %v", timeout, err)
	}
	if limit < maxWait+10*time.Second {
		t.Errorf("TimeoutStartSec=%s is not 10 s above -max-wait %s", timeout, maxWait)
	}
}

// TestUnitCallsTheCommand: ExecStart, expanded as systemd expands it from
// Environment= and the sample environment file, calls the command as
// COMMON's command line says.
func TestUnitCallsTheCommand(t *testing.T) {
	t.Parallel()
	_, env, execStart, _ := unitSettings(t)
	envFile(t, filepath.Join(root, envFilePath), env)
	words := expandExecStart(t, execStart, env)
	want := "/usr/local/bin/enidetach -network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 1 -to-network-card-index 0 -max-wait 300s -json"
	if got := strings.Join(words, " "); got != want {
		t.Errorf("ExecStart runs\n%s\nwant\n%s", got, want)
	}
}
