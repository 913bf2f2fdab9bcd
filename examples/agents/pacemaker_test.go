package agents

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/internal/testenv"
)

// OCF exit codes (ocf-shellfuncs' OCF_*).
const (
	ocfSuccess       = 0
	ocfErrGeneric    = 1
	ocfErrArgs       = 2
	ocfUnimplemented = 3
	ocfErrInstalled  = 5
	ocfErrConfigured = 6
	ocfNotRunning    = 7
)

// requireOCF skips (or fails) a test that needs resource-agents'
// ocf-shellfuncs.
func requireOCF(t *testing.T) {
	t.Helper()
	testenv.RequireFile(t, ocfRoot+"/lib/heartbeat/ocf-shellfuncs", "resource-agents")
}

// agentEnv is Pacemaker's environment for the agent: the parameters as
// OCF_RESKEY_name, with the command on PATH at bin.
func agentEnv(t *testing.T, bin string, params ...string) []string {
	env := []string{"PATH=" + bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + t.TempDir(),
		"OCF_ROOT=" + ocfRoot, "OCF_RESOURCE_INSTANCE=failover-eni", "HA_LOGFACILITY=none"}
	for _, p := range params {
		env = append(env, "OCF_RESKEY_"+p)
	}
	return env
}

// TestAgentMapsTheCommandsExitStatus: each action calls the command as
// COMMON's command lines say and answers Pacemaker's code for each of its
// exit statuses: monitor says "not running" only on -status's 4 (EC2 said
// not attached here), never on an error; a start or stop not seen finished
// (3) or refused (1) is a generic error; bad parameters (2, kind
// validation) are OCF_ERR_ARGS (TestAgentMapsTheCommandsErrorKind has the
// other kinds of 2).
func TestAgentMapsTheCommandsExitStatus(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	const (
		start   = "-network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 1 -to-network-card-index 0 -max-wait 170s -json"
		stop    = "-network-interface-id eni-0123456789abcdef0 -instance-id self -wait -idempotent -max-wait 170s -json"
		monitor = "-status -network-interface-id eni-0123456789abcdef0 -instance-id self -max-wait 30s -json"
	)
	for _, tc := range []struct {
		action, args string
		rc, want     int
	}{
		{"monitor", monitor, 0, ocfSuccess},
		{"monitor", monitor, 4, ocfNotRunning},
		{"monitor", monitor, 1, ocfErrGeneric},
		{"monitor", monitor, 2, ocfErrArgs},
		{"monitor", monitor, 3, ocfErrGeneric},
		{"start", start, 0, ocfSuccess},
		{"start", start, 1, ocfErrGeneric},
		{"start", start, 2, ocfErrArgs},
		{"start", start, 3, ocfErrGeneric},
		{"stop", stop, 0, ocfSuccess},
		{"stop", stop, 1, ocfErrGeneric},
		{"stop", stop, 2, ocfErrArgs},
		{"stop", stop, 3, ocfErrGeneric},
	} {
		t.Run(tc.action+"/"+itoa(tc.rc), func(t *testing.T) {
			t.Parallel()
			agentMapsExitStatus(t, tc.action, tc.args, tc.rc, tc.want)
		})
	}
}

// TestAgentMapsTheCommandsErrorKind: the command's exit 2 is a hard error
// (OCF_ERR_ARGS: Pacemaker bans the resource from this node until a
// cleanup) only for bad parameters (kind validation); an instance metadata
// service or credentials that failed to answer may answer the next time,
// so start, stop and monitor answer OCF_ERR_GENERIC (retried, or the
// resource recovered elsewhere). A start on an interface EC2 says does not
// exist is OCF_ERR_CONFIGURED: it can run on no node.
func TestAgentMapsTheCommandsErrorKind(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	for _, tc := range []struct {
		action     string
		rc         int
		kind, code string
		want       int
	}{
		{"monitor", 2, "instance-metadata", "", ocfErrGeneric},
		{"monitor", 2, "credentials", "", ocfErrGeneric},
		{"monitor", 2, "validation", "", ocfErrArgs},
		{"monitor", 2, "", "", ocfErrGeneric}, // no JSON: not known to be the parameters
		{"start", 2, "instance-metadata", "", ocfErrGeneric},
		{"start", 2, "credentials", "", ocfErrGeneric},
		{"start", 2, "validation", "", ocfErrArgs},
		{"start", 1, "api", "InvalidNetworkInterfaceID.NotFound", ocfErrConfigured},
		{"start", 1, "api", "RequestLimitExceeded", ocfErrGeneric},
		{"stop", 2, "instance-metadata", "", ocfErrGeneric},
		{"stop", 2, "credentials", "", ocfErrGeneric},
		{"stop", 2, "validation", "", ocfErrArgs},
	} {
		t.Run(tc.action+"/"+itoa(tc.rc)+"/"+tc.kind+tc.code, func(t *testing.T) {
			t.Parallel()
			bin, _ := stub(t)
			env := append(agentEnv(t, bin, "interface_id=eni-0123456789abcdef0"), "STUB_RC="+itoa(tc.rc))
			if tc.kind != "" {
				env = append(env, `STUB_OUT={"networkInterfaceId":"eni-0123456789abcdef0","error":{"kind":"`+tc.kind+`","code":"`+tc.code+`","message":"why \"it\" failed"}}`)
			}
			got, out := run(t, env, agentPath, tc.action)
			if got != tc.want {
				t.Errorf("%s, the command exiting %d with kind %q code %q: agent exit %d, want %d\n%s", tc.action, tc.rc, tc.kind, tc.code, got, tc.want, out)
			}
			if tc.kind != "" && !strings.Contains(out, `why \"it\" failed`) {
				t.Errorf("the command's error message is not in the agent's output:\n%s", out)
			}
		})
	}
}

// agentMapsExitStatus checks one case of TestAgentMapsTheCommandsExitStatus:
// action, its command called with args exiting rc, answers want.
func agentMapsExitStatus(t *testing.T, action, args string, rc, want int) {
	bin, log := stub(t)
	kind := "api"
	if rc == 2 {
		kind = "validation"
	}
	env := append(agentEnv(t, bin, "interface_id=eni-0123456789abcdef0"), "STUB_RC="+itoa(rc),
		`STUB_OUT={"networkInterfaceId":"eni-0123456789abcdef0","error":{"kind":"`+kind+`","code":"X","message":"what EC2 said"}}`)
	got, out := run(t, env, agentPath, action)
	if got != want {
		t.Errorf("agent exit %d, want %d\n%s", got, want, out)
	}
	if c := calls(t, log); len(c) != 1 || c[0] != args {
		t.Errorf("the command was called %q, want once with %q", c, args)
	}
	if want != ocfSuccess && want != ocfNotRunning && !strings.Contains(out, "what EC2 said") {
		t.Errorf("the command's error message is not in the agent's output:\n%s", out)
	}
}

// TestAgentPassesItsParameters: device_index, network_card_index, region,
// profile and binary reach the command.
func TestAgentPassesItsParameters(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	bin, log := stub(t)
	env := agentEnv(t, "/nonexistent", "interface_id=eni-0123456789abcdef0", "device_index=2", "network_card_index=1",
		"region=eu-west-1", "profile=failover", "binary="+filepath.Join(bin, "enidetach"))
	if got, out := run(t, env, agentPath, "start"); got != ocfSuccess {
		t.Fatalf("start: %d\n%s", got, out)
	}
	want := "-network-interface-id eni-0123456789abcdef0 -to-instance-id self -to-device-index 2 -to-network-card-index 1 -max-wait 170s -json -region eu-west-1 -profile failover"
	if c := calls(t, log); len(c) != 1 || c[0] != want {
		t.Errorf("called %q, want %q", c, want)
	}
}

// TestAgentWaitsLessThanItsTimeout: start and stop give the command
// -max-wait 10 s below the operation's timeout, Pacemaker's
// (OCF_RESKEY_CRM_meta_timeout, in ms) or else the one meta-data
// advertises, so the command gives up and says why before Pacemaker kills
// the agent.
func TestAgentWaitsLessThanItsTimeout(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	_, xml := run(t, agentEnv(t, "/nonexistent"), agentPath, "meta-data")
	for _, action := range []string{"start", "stop"} {
		m := regexp.MustCompile(`<action name="` + action + `"\s+timeout="(\d+)s"`).FindStringSubmatch(xml)
		if m == nil {
			t.Fatalf("meta-data has no %s timeout:\n%s", action, xml)
		}
		advertised := atoi(t, m[1])
		for _, tc := range []struct {
			metaTimeout string // Pacemaker's, in ms; empty when run by hand
			want        string
		}{
			{"", itoa(advertised-10) + "s"},
			{"60000", "50s"},
			{"20000", "10s"}, // ocf-tester's
			{"8000", "4s"},
			{"500", "1s"},
		} {
			t.Run(action+"/"+tc.metaTimeout, func(t *testing.T) {
				t.Parallel()
				bin, log := stub(t)
				env := agentEnv(t, bin, "interface_id=eni-0123456789abcdef0")
				if tc.metaTimeout != "" {
					env = append(env, "OCF_RESKEY_CRM_meta_timeout="+tc.metaTimeout)
				}
				if got, out := run(t, env, agentPath, action); got != ocfSuccess {
					t.Fatalf("%s: %d\n%s", action, got, out)
				}
				if c := calls(t, log); len(c) != 1 || !strings.Contains(c[0], " -max-wait "+tc.want+" ") {
					t.Errorf("%s with timeout %q ms: called %q, want -max-wait %s", action, tc.metaTimeout, c, tc.want)
				}
			})
		}
	}
}

// TestAgentValidatesBeforeAskingEC2: validate-all (and every action) checks
// the parameters without calling the command: a missing or malformed
// interface, a bad index or the primary slot is OCF_ERR_CONFIGURED, a
// missing command OCF_ERR_INSTALLED; unknown actions are unimplemented.
func TestAgentValidatesBeforeAskingEC2(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	for _, tc := range []struct {
		action string
		params []string
		want   int
	}{
		{"validate-all", []string{"interface_id=eni-0123456789abcdef0"}, ocfSuccess},
		{"validate-all", []string{"interface_id=eni-01234567"}, ocfSuccess},
		{"validate-all", nil, ocfErrConfigured},
		{"start", nil, ocfErrConfigured},
		{"monitor", []string{"interface_id=eni-xyz"}, ocfErrConfigured},
		{"validate-all", []string{"interface_id=i-0123456789abcdef0"}, ocfErrConfigured},
		{"validate-all", []string{"interface_id=eni-0123456789abcdef0", "device_index=x"}, ocfErrConfigured},
		{"validate-all", []string{"interface_id=eni-0123456789abcdef0", "network_card_index=-1"}, ocfErrConfigured},
		{"start", []string{"interface_id=eni-0123456789abcdef0", "device_index=0"}, ocfErrConfigured},
		{"validate-all", []string{"interface_id=eni-0123456789abcdef0", "device_index=0", "network_card_index=1"}, ocfSuccess},
		{"validate-all", []string{"interface_id=eni-0123456789abcdef0", "region=us east"}, ocfErrConfigured},
		{"stop", []string{"interface_id=eni-0123456789abcdef0", "binary=/nonexistent/enidetach"}, ocfErrInstalled},
		{"promote", []string{"interface_id=eni-0123456789abcdef0"}, ocfUnimplemented},
		{"notify", []string{"interface_id=eni-0123456789abcdef0"}, ocfUnimplemented},
	} {
		t.Run(tc.action, func(t *testing.T) {
			t.Parallel()
			bin, log := stub(t)
			got, out := run(t, agentEnv(t, bin, tc.params...), agentPath, tc.action)
			if got != tc.want {
				t.Errorf("%s %q: %d, want %d\n%s", tc.action, tc.params, got, tc.want, out)
			}
			if tc.action != "validate-all" && tc.want != ocfSuccess {
				if c := calls(t, log); len(c) != 0 {
					t.Errorf("%s %q: the command was called: %q", tc.action, tc.params, c)
				}
			}
		})
	}
}

// TestAgentMetaDataIsValid: meta-data conforms to ra-api-1.dtd, as
// ocf-tester checks it, and names every parameter with its default.
func TestAgentMetaDataIsValid(t *testing.T) {
	requireOCF(t)
	xmllint := testenv.RequireCommand(t, "xmllint", "libxml2-utils")
	dtd := testenv.RequireFile(t, "/usr/share/resource-agents/ra-api-1.dtd", "resource-agents")
	t.Parallel()
	got, xml := run(t, agentEnv(t, "/nonexistent"), agentPath, "meta-data")
	if got != 0 {
		t.Fatalf("meta-data: %d\n%s", got, xml)
	}
	lint := exec.Command(xmllint, "--noout", "--valid", "-")
	lint.Dir = filepath.Dir(dtd)
	lint.Stdin = strings.NewReader(xml)
	if out, err := lint.CombinedOutput(); err != nil {
		t.Errorf("xmllint --valid: %v\n%s", err, out)
	}
	for _, want := range []string{
		`<parameter name="interface_id" unique="1" required="1">`,
		`<parameter name="device_index" unique="0">`, `<content type="integer" default="1" />`,
		`<parameter name="network_card_index" unique="0">`, `<content type="integer" default="0" />`,
		`<parameter name="region" unique="0">`, `<parameter name="profile" unique="0">`,
		`<parameter name="binary" unique="0">`, `<content type="string" default="enidetach" />`,
		`<action name="validate-all"`, `<action name="monitor"`,
	} {
		if !strings.Contains(xml, want) {
			t.Errorf("meta-data lacks %s", want)
		}
	}
}

// TestAgentMonitorSparesTheAccount: each monitor sends one
// DescribeNetworkInterfaces, which EC2 refills at 20 a second per account
// and Region, shared with every other tool: at the default interval, 1,000
// resources stay below that (at 30 s they sent 33 a second).
func TestAgentMonitorSparesTheAccount(t *testing.T) {
	requireOCF(t)
	t.Parallel()
	_, xml := run(t, agentEnv(t, "/nonexistent"), agentPath, "meta-data")
	m := regexp.MustCompile(`<action name="monitor"\s+timeout="\d+s" interval="(\d+)s"`).FindStringSubmatch(xml)
	if m == nil {
		t.Fatalf("meta-data has no monitor interval:\n%s", xml)
	}
	if perSecond := 1000 / float64(atoi(t, m[1])); perSecond >= 20 {
		t.Errorf("monitor interval %ss: 1,000 resources send %.1f DescribeNetworkInterfaces a second, want under EC2's refill of 20", m[1], perSecond)
	}
}
