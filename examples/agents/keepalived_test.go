package agents

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// notifyArgs returns the command line keepalived.conf's notify runs, its
// script taken from the repository, with keepalived's four arguments.
func notifyArgs(t *testing.T, typ, name, state, priority string) (script string, args []string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, keepalivedCfg))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*notify "([^"]+)"`).FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("%s has no notify line", keepalivedCfg)
	}
	fields := strings.Fields(m[1])
	if filepath.Base(fields[0]) != filepath.Base(notifyPath) {
		t.Fatalf("%s notifies %s, not the script %s", keepalivedCfg, fields[0], notifyPath)
	}
	return notifyPath, append(fields[1:], typ, name, state, priority)
}

// notifyEnv is keepalived's environment for the script, with the command
// on PATH at bin, a lock directory of the test's own (not there yet: the
// script makes it, as on a system without /run/lock) and no settings file.
func notifyEnv(t *testing.T, bin string, extra ...string) []string {
	return append([]string{"PATH=" + bin + ":/usr/bin:/bin", "LOCK_DIR=" + filepath.Join(t.TempDir(), "run", "lock"),
		"ENIDETACH_CONFIG=/nonexistent"}, extra...)
}

// TestNotifyMovesOnlyOnMaster: called as keepalived calls it from the
// sample keepalived.conf, the script moves the interface here on MASTER, as
// COMMON's command line says, and only logs on BACKUP, FAULT and STOP.
func TestNotifyMovesOnlyOnMaster(t *testing.T) {
	t.Parallel()
	bin, log := stub(t)
	env := notifyEnv(t, bin)
	for _, state := range []string{"BACKUP", "FAULT", "STOP"} {
		script, args := notifyArgs(t, "INSTANCE", "failover", state, "100")
		if got, out := run(t, env, script, args...); got != 0 || !strings.Contains(out, "failover is "+state) {
			t.Errorf("%s: exit %d, output %q", state, got, out)
		}
	}
	if c := calls(t, log); len(c) != 0 {
		t.Fatalf("the command was called on BACKUP, FAULT or STOP: %q", c)
	}
	script, args := notifyArgs(t, "INSTANCE", "failover", "MASTER", "100")
	if got, out := run(t, env, script, args...); got != 0 {
		t.Fatalf("MASTER: exit %d\n%s", got, out)
	}
	want := "-network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 1 -to-network-card-index 0 -max-wait 120s -json"
	if c := calls(t, log); len(c) != 1 || c[0] != want {
		t.Errorf("MASTER called %q, want %q", c, want)
	}
}

// TestNotifyTakesItsSettings: what the arguments do not give comes from
// the settings file (the systemd unit's), and bad ones are refused without
// calling the command.
func TestNotifyTakesItsSettings(t *testing.T) {
	t.Parallel()
	bin, log := stub(t)
	cfg := filepath.Join(t.TempDir(), "enidetach")
	if err := os.WriteFile(cfg, []byte("ENI=eni-0aaaaaaaaaaaaaaa0\nDEVICE_INDEX=3\nNETWORK_CARD_INDEX=1\nMAX_WAIT=30s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(notifyEnv(t, bin), "ENIDETACH_CONFIG="+cfg) // the last one counts
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"INSTANCE", "vi", "MASTER", "100"}, "-network-interface-id eni-0aaaaaaaaaaaaaaa0 -to-instance-id self -to-device-index 3 -to-network-card-index 1 -max-wait 30s -json"},
		{[]string{"eni-0123456789abcdef0", "INSTANCE", "vi", "MASTER", "100"}, "-network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 3 -to-network-card-index 1 -max-wait 30s -json"},
		{[]string{"eni-0123456789abcdef0", "2", "0", "GROUP", "vg", "MASTER", "100"}, "-network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 2 -to-network-card-index 0 -max-wait 30s -json"},
	} {
		before := len(calls(t, log))
		if got, out := run(t, env, notifyPath, tc.args...); got != 0 {
			t.Fatalf("%q: exit %d\n%s", tc.args, got, out)
		}
		if c := calls(t, log); len(c) != before+1 || c[before] != tc.want {
			t.Errorf("%q: called %q, want %q", tc.args, c[before:], tc.want)
		}
	}
	for _, args := range [][]string{
		{"INSTANCE", "vi", "MASTER"},
		{"eni-xyz", "INSTANCE", "vi", "MASTER", "100"},
		{"eni-0123456789abcdef0", "one", "INSTANCE", "vi", "MASTER", "100"},
		{"a", "b", "c", "d", "e", "f", "g", "h"},
	} {
		before := len(calls(t, log))
		if got, out := run(t, env, notifyPath, args...); got != 2 || !strings.Contains(out, "usage:") {
			t.Errorf("%q: exit %d, want 2 and the usage\n%s", args, got, out)
		}
		if len(calls(t, log)) != before {
			t.Errorf("%q: the command was called", args)
		}
	}
}

// TestNotifyMovesOneAtATime: keepalived runs notify scripts without waiting
// for them. Two MASTER notifications at once move one after the other,
// never together; a MASTER that waited while a BACKUP came last does not
// move the interface here.
func TestNotifyMovesOneAtATime(t *testing.T) {
	t.Parallel()
	bin, log := stub(t)
	gate := filepath.Join(t.TempDir(), "gate")
	env := notifyEnv(t, bin, "STUB_SLEEP=0.2")
	script, master := notifyArgs(t, "INSTANCE", "failover", "MASTER", "100")
	_, backup := notifyArgs(t, "INSTANCE", "failover", "BACKUP", "100")

	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got, out := run(t, env, script, master...); got != 0 {
				t.Errorf("MASTER: exit %d\n%s", got, out)
			}
		}()
	}
	wg.Wait()
	spans := callSpans(t, log)
	if len(spans) != 2 {
		t.Fatalf("two MASTER notifications made %d calls, want 2", len(spans))
	}
	if spans[1][0] < spans[0][1] {
		t.Errorf("the two moves overlapped: %v", spans)
	}

	// MASTER (moving until the gate opens), MASTER (waits), BACKUP: the
	// waiting MASTER is superseded.
	env = append(env, "STUB_GATE="+gate)
	moving := startProcess(t, env, script, master...)
	waitForCalls(t, log, 3)
	waiting := startProcess(t, env, script, master...)
	waitForOutput(t, waiting, "waiting for the move")
	if got, out := run(t, env, script, backup...); got != 0 {
		t.Errorf("BACKUP: exit %d\n%s", got, out)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, out := moving.wait(t); got != 0 {
		t.Errorf("first MASTER: exit %d\n%s", got, out)
	}
	if got, out := waiting.wait(t); got != 0 || !strings.Contains(out, "became BACKUP meanwhile") {
		t.Errorf("the superseded MASTER: exit %d\n%s", got, out)
	}
	if n := len(calls(t, log)); n != 3 {
		t.Errorf("after MASTER, MASTER, BACKUP: %d calls in all, want 3 (the second MASTER superseded)", n)
	}
}

// callSpans returns the start and end time of each stub call.
func callSpans(t *testing.T, log string) [][2]float64 {
	t.Helper()
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var spans [][2]float64
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		at, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		switch f[0] {
		case "start":
			spans = append(spans, [2]float64{at, 0})
		case "end":
			spans[len(spans)-1][1] = at
		}
	}
	return spans
}

// waitForCalls waits until the stub has been called n times in all.
func waitForCalls(t *testing.T, log string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if len(calls(t, log)) >= n {
			return
		}
	}
	t.Fatalf("the stub was not called %d times", n)
}

// waitForOutput waits until p has printed want.
func waitForOutput(t *testing.T, p *process, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(p.output(), want) {
			return
		}
	}
	t.Fatalf("the process did not print %q:\n%s", want, p.output())
}
