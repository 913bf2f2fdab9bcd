package agents

import (
	"path/filepath"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestUnitMovesTheInterfaceHere: the unit's ExecStart, expanded from the
// sample environment file as systemd would, run on instance B of the fake
// (the built command in place of /usr/local/bin/enidetach), moves the
// failover interface to B; run again, as systemctl restart does, it changes
// nothing.
func TestUnitMovesTheInterfaceHere(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	_, env, execStart, _ := unitSettings(t)
	envFile(t, filepath.Join(root, envFilePath), env)
	words := expandExecStart(t, execStart, env)
	words[0] = filepath.Join(f.bin, "enidetach")
	procEnv := f.env(t, ec2test.InstanceB)
	for k, v := range env {
		procEnv = append(procEnv, k+"="+v)
	}
	for i := 1; i <= 2; i++ {
		if got, out := run(t, procEnv, words[0], words[1:]...); got != 0 {
			t.Fatalf("run %d: exit %d\n%s", i, got, out)
		}
		f.wantAttached(t, "ExecStart", ec2test.FailoverInterface, ec2test.InstanceB, 1)
	}
	if st := f.state(t, ec2test.FailoverInterface); st.Detaches != 1 || st.Attaches != 1 {
		t.Errorf("two runs: %d detaches and %d attaches, want one of each", st.Detaches, st.Attaches)
	}
}
