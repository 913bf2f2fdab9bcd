package agents

import (
	"sync"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestNotifyMovesTheInterfaceOnce: on instance B of the fake, two MASTER
// notifications at once (keepalived does not wait for its scripts), then a
// third: the failover interface moves from A to B once (one detach, one
// attach), and every notification succeeds.
func TestNotifyMovesTheInterfaceOnce(t *testing.T) {
	t.Parallel()
	f := startFake(t)
	env := append(f.env(t, ec2test.InstanceB), "LOCK_DIR="+t.TempDir(), "ENIDETACH_CONFIG=/nonexistent")
	script, master := notifyArgs(t, "INSTANCE", "failover", "MASTER", "100")
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
	f.wantAttached(t, "two MASTER notifications", ec2test.FailoverInterface, ec2test.InstanceB, 1)
	if got, out := run(t, env, script, master...); got != 0 {
		t.Errorf("a third MASTER: exit %d\n%s", got, out)
	}
	st := f.state(t, ec2test.FailoverInterface)
	if st.Detaches != 1 || st.Attaches != 1 {
		t.Errorf("three MASTER notifications: %d detaches and %d attaches, want one of each", st.Detaches, st.Attaches)
	}
	f.wantAttached(t, "a third MASTER", ec2test.FailoverInterface, ec2test.InstanceB, 1)
}
