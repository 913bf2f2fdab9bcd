package agents

import (
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// fakeAgentEnv is Pacemaker's environment for the agent on instance id of
// the fake, with interface eni.
func fakeAgentEnv(t *testing.T, f *fakeEC2, id, eni string) []string {
	return append(f.env(t, id), "OCF_ROOT="+ocfRoot, "OCF_RESOURCE_INSTANCE=failover-eni", "HA_LOGFACILITY=none",
		"OCF_RESKEY_interface_id="+eni)
}

// TestAgentFollowsTheInterface: on instance B, with the failover interface
// attached to A at device index 1: monitor says not running; stop leaves it
// on A and succeeds; start moves it to B; monitor says running; stop
// detaches it; monitor says not running; stop again succeeds. The fake's
// state is checked after each.
func TestAgentFollowsTheInterface(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	f := startFake(t, "-transition", "0") // what is asked of EC2 is the same
	env := fakeAgentEnv(t, f, ec2test.InstanceB, ec2test.FailoverInterface)
	eni := ec2test.FailoverInterface
	step := func(action string, want int) {
		t.Helper()
		if got, out := run(t, env, agentPath, action); got != want {
			t.Fatalf("%s: exit %d, want %d\n%s", action, got, want, out)
		}
	}
	step("monitor", ocfNotRunning)
	f.wantAttached(t, "monitor", eni, ec2test.InstanceA, 1)
	step("stop", ocfSuccess)
	f.wantAttached(t, "a stop on B", eni, ec2test.InstanceA, 1)
	step("start", ocfSuccess)
	f.wantAttached(t, "start", eni, ec2test.InstanceB, 1)
	step("monitor", ocfSuccess)
	f.wantAttached(t, "monitor", eni, ec2test.InstanceB, 1)
	step("stop", ocfSuccess)
	f.wantAvailable(t, "stop", eni)
	step("monitor", ocfNotRunning)
	f.wantAvailable(t, "monitor", eni)
	step("stop", ocfSuccess)
	f.wantAvailable(t, "a second stop", eni)
}

// TestAgentNeverSaysNotRunningOnAnError: when EC2 cannot be asked (nothing
// listens at the endpoint), monitor answers an error, not "not running":
// Pacemaker would start the resource elsewhere while it may be here.
func TestAgentNeverSaysNotRunningOnAnError(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	f := startFake(t)
	env := fakeAgentEnv(t, f, ec2test.InstanceA, ec2test.FailoverInterface)
	env = append(env, "AWS_ENDPOINT_URL_EC2=http://127.0.0.1:1", "AWS_MAX_ATTEMPTS=1")
	got, out := run(t, env, agentPath, "monitor")
	if got == ocfNotRunning || got == ocfSuccess {
		t.Errorf("monitor with EC2 unreachable: exit %d, want an error\n%s", got, out)
	}
	got, out = run(t, env, agentPath, "stop")
	if got == ocfSuccess {
		t.Errorf("stop with EC2 unreachable: exit %d, want an error\n%s", got, out)
	}
	f.wantAttached(t, "monitor and stop with EC2 unreachable", ec2test.FailoverInterface, ec2test.InstanceA, 1)
}

// TestAgentFailureThatMayPassIsNotHard: with no instance metadata service
// answering, or no credentials, start, stop and monitor answer
// OCF_ERR_GENERIC, never the hard OCF_ERR_ARGS (a probe at boot, before
// the metadata service or the role's credentials answer, would ban the
// resource from the node until a manual cleanup); the fake is left as it
// was.
func TestAgentFailureThatMayPassIsNotHard(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	f := startFake(t)
	for name, env := range map[string][]string{
		"metadata unreachable": append(fakeAgentEnv(t, f, ec2test.InstanceB, ec2test.FailoverInterface),
			"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:1"),
		"no credentials": without(fakeAgentEnv(t, f, ec2test.InstanceB, ec2test.FailoverInterface),
			"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY="),
	} {
		for _, action := range []string{"monitor", "start", "stop"} {
			t.Run(name+"/"+action, func(t *testing.T) {
				t.Parallel()
				if got, out := run(t, env, agentPath, action); got != ocfErrGeneric {
					t.Errorf("%s with %s: exit %d, want %d (OCF_ERR_GENERIC)\n%s", action, name, got, ocfErrGeneric, out)
				}
			})
		}
	}
	t.Cleanup(func() {
		f.wantAttached(t, "actions that failed", ec2test.FailoverInterface, ec2test.InstanceA, 1)
	})
}

// without returns env less the variables whose entries start with one of
// prefixes.
func without(env []string, prefixes ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, p := range prefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// TestAgentDeletedInterfaceIsStoppedEverywhere: for an interface EC2 says
// does not exist, stop succeeds (it is attached nowhere: a failed stop
// would fence the node) and monitor then answers "not running", as
// Pacemaker requires after a stop; start is OCF_ERR_CONFIGURED, since it
// can run on no node. Nothing changes in the fake.
func TestAgentDeletedInterfaceIsStoppedEverywhere(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	f := startFake(t)
	env := fakeAgentEnv(t, f, ec2test.InstanceB, "eni-0123456789abcdeff")
	for _, step := range []struct {
		action string
		want   int
	}{
		{"monitor", ocfNotRunning},
		{"stop", ocfSuccess},
		{"monitor", ocfNotRunning},
		{"start", ocfErrConfigured},
	} {
		if got, out := run(t, env, agentPath, step.action); got != step.want {
			t.Errorf("%s of an interface that does not exist: exit %d, want %d\n%s", step.action, got, step.want, out)
		}
	}
	f.wantAttached(t, "actions on an interface that does not exist", ec2test.FailoverInterface, ec2test.InstanceA, 1)
}
