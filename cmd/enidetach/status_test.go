package main

import (
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestDeletedInterfaceIsNotAttachedHere: an interface EC2 says does not
// exist (InvalidNetworkInterfaceID.NotFound) is attached nowhere, and
// that is EC2's answer, not a failure to ask it: -status exits 4 (not
// attached) and the agents' stop (-instance-id -wait -idempotent) exits
// 0, each saying why in interfaceNotFound, with nothing sent that changes
// anything. Without -idempotent the stop still fails (exit 1), and an EC2
// that cannot be asked is never "not attached".
func TestDeletedInterfaceIsNotAttachedHere(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceB)
	const gone = "eni-0123456789abcdeff"
	at := func(args ...string) []string {
		return append([]string{"-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", gone, "-instance-id", "self"}, args...)
	}
	json := func(args ...string) (int, *result, string) {
		code, stdout, stderr := runCmd(at(append(args, "-json")...)...)
		var res result
		decodeOne(t, stdout, &res)
		return code, &res, stdout + stderr
	}
	if code, res, out := json("-status"); code != exitNotAttached || res.Error != nil || res.Attached == nil || *res.Attached ||
		!res.InterfaceNotFound || res.InstanceID != ec2test.InstanceB || res.Status != "" {
		t.Errorf("-status: exit %d, %s; want 4, attached false, interfaceNotFound, no status seen", code, out)
	}
	if code, res, out := json("-wait", "-idempotent"); code != exitOK || res.Error != nil || !res.AlreadyDetached || !res.InterfaceNotFound || res.RequestID != "" {
		t.Errorf("stop: exit %d, %s; want 0, already detached, interfaceNotFound", code, out)
	}
	if code, res, out := json("-wait"); code != exitRefused || res.Error == nil || res.Error.Code != "InvalidNetworkInterfaceID.NotFound" || res.InterfaceNotFound {
		t.Errorf("stop without -idempotent: exit %d, %s; want 1, EC2's NotFound", code, out)
	}
	for _, r := range srv.Requests() {
		if r.Action != "DescribeNetworkInterfaces" {
			t.Errorf("%s sent for an interface that does not exist", r.Action)
		}
	}
	// Text: the answer, and why, on stdout.
	code, stdout, _ := runCmd(at("-status")...)
	if want := gone + " is not attached to " + ec2test.InstanceB + ": EC2 says the interface does not exist (InvalidNetworkInterfaceID.NotFound)\n"; code != exitNotAttached || stdout != want {
		t.Errorf("-status text: exit %d, %q; want 4, %q", code, stdout, want)
	}
	code, stdout, _ = runCmd(at("-wait", "-idempotent")...)
	if want := gone + " is not attached to " + ec2test.InstanceB + ": EC2 says the interface does not exist (InvalidNetworkInterfaceID.NotFound): nothing to detach\n"; code != exitOK || stdout != want {
		t.Errorf("stop text: exit %d, %q; want 0, %q", code, stdout, want)
	}
	// EC2 refusing to answer is no evidence: -status exits 1, never 4.
	endpoint, _ := countingEC2(t)
	code, stdout, _ = runCmd("-json", "-endpoint", endpoint, "-region", srv.Region(), "-status", "-network-interface-id", gone, "-instance-id", "self")
	if code != exitRefused || strings.Contains(stdout, "interfaceNotFound") {
		t.Errorf("-status with EC2 refusing: exit %d, %s; want 1", code, stdout)
	}
}
