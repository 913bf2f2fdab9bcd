package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestMain runs main when the test binary is started as the quick start
// program (by runQuickstart), so each case is a process with its own
// environment and exit status, as a user runs it, without a go build.
func TestMain(m *testing.M) {
	if os.Getenv("ENIDETACH_QUICKSTART_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	testenv.WaitingParallel() // the cases wait on the program's polls, not the CPU
	os.Exit(m.Run())
}

// runQuickstart runs the program with env (and nothing else of AWS_* from
// the test's environment), returning its output and exit status.
func runQuickstart(t *testing.T, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append([]string{"ENIDETACH_QUICKSTART_MAIN=1", "HOME=" + t.TempDir(), "AWS_EC2_METADATA_DISABLED=true"}, env...)
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// serverEnv returns the environment that points the program at srv.
func serverEnv(srv *ec2test.Server) []string {
	return []string{"AWS_REGION=" + srv.Region(), "AWS_ENDPOINT_URL_EC2=" + srv.URL,
		"AWS_ACCESS_KEY_ID=" + ec2test.DefaultAccessKeyID, "AWS_SECRET_ACCESS_KEY=" + ec2test.DefaultSecretAccessKey}
}

// TestQuickstartMovesTheInterface: the README's quick start moves ec2test's
// failover interface to instance B, and run again finds it there.
func TestQuickstartMovesTheInterface(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	for run := 1; run <= 2; run++ {
		out, code := runQuickstart(t, serverEnv(srv)...)
		if code != 0 || !strings.HasPrefix(out, "eni-0123456789abcdef0 attached to i-0123456789abcdef1 as eni-attach-") {
			t.Errorf("run %d: exit %d, output %q", run, code, out)
		}
		if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Detaches != 1 || st.Attaches != 1 {
			t.Errorf("run %d: server %+v, want attached to instance B by one detach and one attach", run, st)
		}
	}
}

// TestQuickstartRefusesAThirdInstance: the interface attached to an
// instance neither named as source nor target is refused, not moved.
func TestQuickstartRefusesAThirdInstance(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	const third = "i-0123456789abcdef3"
	srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: srv.Region() + "a"})
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0123456789abcdef3", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: third, DeviceIndex: 1})
	out, code := runQuickstart(t, serverEnv(srv)...)
	if code != 1 || !strings.Contains(out, "refused, nothing changed (attached-elsewhere): ") {
		t.Errorf("exit %d, output %q", code, out)
	}
}

// TestQuickstartReportsAFailedMove: EC2 refusing the reads (a key without
// permission) and no region at all both end the program with exit 1 and
// the reason.
func TestQuickstartReportsAFailedMove(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	out, code := runQuickstart(t, serverEnv(srv)...)
	if code != 1 || !strings.Contains(out, "not finished, run it again: ") || !strings.Contains(out, "UnauthorizedOperation") {
		t.Errorf("refused read: exit %d, output %q", code, out)
	}
	out, code = runQuickstart(t, "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y")
	if code != 1 || !strings.Contains(strings.ToLower(out), "region") {
		t.Errorf("no region: exit %d, output %q", code, out)
	}
}
