package ec2test_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// peerEnv is a clean environment for a peer client: no AWS_* variable or
// ~/.aws of this machine, only the keys given.
func peerEnv(t *testing.T, keyID, secret string) []string {
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + t.TempDir(),
		"AWS_ACCESS_KEY_ID=" + keyID,
		"AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_CONFIG_FILE=/nonexistent",
		"AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
		"AWS_PAGER=",
		"AWS_MAX_ATTEMPTS=1",
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// runAWS runs the AWS CLI against srv and returns its exit code and output.
func runAWS(t *testing.T, srv *ec2test.Server, secret string, args ...string) (int, string) {
	t.Helper()
	testenv.RequireAWSCLI(t)
	full := append([]string{"--endpoint-url", srv.URL, "--region", srv.Region(), "--output", "json"}, args...)
	return runPeer(t, peerEnv(t, ec2test.DefaultAccessKeyID, secret), "", full...)
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	// detachFirst detaches before the CLI's first poll, so that its 20 s
	// poll interval never comes into play.
	detachFirst := func(t *testing.T, srv *ec2test.Server) {
		if code, out := runAWS(t, srv, ec2test.DefaultSecretAccessKey, "ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"); code != 0 {
			t.Fatalf("detach: %d %s", code, out)
		}
	}
	// wantInterface checks the interface's state after the CLI's call.
	wantInterface := func(ok func(ec2test.InterfaceState) bool) func(*testing.T, *ec2test.Server) {
		return func(t *testing.T, srv *ec2test.Server) {
			if st, _ := srv.Interface("eni-0123456789abcdef0"); !ok(st) {
				t.Errorf("interface after the CLI's call: %+v", st)
			}
		}
	}
	tests := []struct {
		name     string
		secret   string
		args     []string
		exit     int
		contains string
		before   func(*testing.T, *ec2test.Server)
		after    func(*testing.T, *ec2test.Server)
	}{
		{"detach succeeds", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"}, 0, "",
			nil, wantInterface(func(st ec2test.InterfaceState) bool { return st.Status == "available" })},
		{"dry run", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0", "--dry-run"}, 254, "DryRunOperation", nil, nil},
		{"unknown attachment", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0fffffffffffffff0"}, 254, "InvalidAttachmentID.NotFound", nil, nil},
		{"wrong secret", "not-the-secret",
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"}, 254, "SignatureDoesNotMatch", nil, nil},
		{"force is accepted", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0", "--force"}, 0, "",
			nil, wantInterface(func(st ec2test.InterfaceState) bool { return st.ForcedDetaches == 1 })},
		{"describe by attachment", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "describe-network-interfaces", "--filters", "Name=attachment.attachment-id,Values=eni-attach-0123456789abcdef0"}, 0, `"NetworkInterfaceId": "eni-0123456789abcdef0"`, nil, nil},
		{"wait network-interface-available", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "wait", "network-interface-available", "--network-interface-ids", "eni-0123456789abcdef0"}, 0, "", detachFirst, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer()
			defer srv.Close()
			if tc.before != nil {
				tc.before(t, srv)
			}
			code, out := runAWS(t, srv, tc.secret, tc.args...)
			if code != tc.exit || !strings.Contains(out, tc.contains) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d containing %q", code, out, tc.exit, tc.contains)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 || reqs[0].AccessKeyID != ec2test.DefaultAccessKeyID {
				t.Errorf("records = %+v", reqs)
			}
			if tc.after != nil {
				tc.after(t, srv)
			}
		})
	}
}

// botocoreDetach calls DetachNetworkInterface through botocore and prints
// "ok <requestId>" or the error code.
const botocoreDetach = `
import sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, region, attachment, dry = sys.argv[1:5]
client = botocore.session.get_session().create_client("ec2", region_name=region, endpoint_url=endpoint,
    config=Config(retries={"max_attempts": 1}))
try:
    out = client.detach_network_interface(AttachmentId=attachment, DryRun=(dry == "true"))
    print("ok", out["ResponseMetadata"]["RequestId"])
except ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`

func TestBotocore(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	tests := []struct {
		name, attachment, dry, secret, want string
		recorded                            bool // check the server's record of the one request
	}{
		{"detach", "eni-attach-0123456789abcdef0", "false", ec2test.DefaultSecretAccessKey, "ok ", true},
		{"dry run", "eni-attach-0123456789abcdef0", "true", ec2test.DefaultSecretAccessKey, "error DryRunOperation 412", false},
		{"not found", "eni-attach-0fffffffffffffff0", "false", ec2test.DefaultSecretAccessKey, "error InvalidAttachmentID.NotFound 400", false},
		{"wrong secret", "eni-attach-0123456789abcdef0", "false", "wrong", "error SignatureDoesNotMatch 403", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer()
			defer srv.Close()
			out := runBotocoreEnv(t, py, peerEnv(t, ec2test.DefaultAccessKeyID, tc.secret), botocoreDetach, srv.URL, srv.Region(), tc.attachment, tc.dry)
			if !strings.HasPrefix(out, tc.want) {
				t.Errorf("botocore printed %q, want %q", out, tc.want)
			}
			if tc.recorded {
				reqs := srv.Requests()
				if len(reqs) != 1 || reqs[0].StatusCode != 200 || reqs[0].Params.Get("AttachmentId") != tc.attachment {
					t.Errorf("records = %+v", reqs)
				}
			}
		})
	}
}

// runAWSOK runs the AWS CLI with the default key and fails the test unless
// it succeeds.
func runAWSOK(t *testing.T, srv *ec2test.Server, args ...string) string {
	t.Helper()
	code, out := runAWS(t, srv, ec2test.DefaultSecretAccessKey, args...)
	if code != 0 {
		t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// TestAWSCLIFailover runs a whole failover with the AWS CLI alone against
// the built-in seed: detach from instance A, wait, attach to instance B,
// describe.
func TestAWSCLIFailover(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	runAWSOK(t, srv, "ec2", "detach-network-interface", "--attachment-id", ec2test.FailoverAttachment)
	// Detached at once, so the waiter's first poll succeeds and its 20 s
	// delay never comes into play.
	runAWSOK(t, srv, "ec2", "wait", "network-interface-available", "--network-interface-ids", ec2test.FailoverInterface)
	out := runAWSOK(t, srv, "ec2", "attach-network-interface", "--network-interface-id", ec2test.FailoverInterface,
		"--instance-id", ec2test.InstanceB, "--device-index", "1")
	var att struct{ AttachmentId string }
	if err := json.Unmarshal([]byte(out), &att); err != nil || !strings.HasPrefix(att.AttachmentId, "eni-attach-") {
		t.Fatalf("attach output %q: %v", out, err)
	}
	out = runAWSOK(t, srv, "ec2", "describe-network-interfaces", "--filters",
		"Name=attachment.instance-id,Values="+ec2test.InstanceB, "Name=attachment.device-index,Values=1")
	var doc struct {
		NetworkInterfaces []struct {
			NetworkInterfaceId, Status, AvailabilityZone, SubnetId, VpcId, PrivateIpAddress, MacAddress, InterfaceType string
			Attachment                                                                                                 struct {
				AttachmentId, InstanceId, Status string
				DeviceIndex, NetworkCardIndex    int
				AttachTime                       string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.NetworkInterfaces) != 1 {
		t.Fatalf("describe output %q: %v", out, err)
	}
	ni := doc.NetworkInterfaces[0]
	if ni.NetworkInterfaceId != ec2test.FailoverInterface || ni.Status != "in-use" || ni.AvailabilityZone != "us-east-1a" || ni.SubnetId == "" ||
		ni.VpcId == "" || ni.PrivateIpAddress == "" || ni.MacAddress == "" || ni.InterfaceType != "interface" ||
		ni.Attachment.AttachmentId != att.AttachmentId || ni.Attachment.InstanceId != ec2test.InstanceB || ni.Attachment.Status != "attached" ||
		ni.Attachment.DeviceIndex != 1 || ni.Attachment.AttachTime == "" {
		t.Errorf("interface after failover = %+v", ni)
	}
}

func TestAWSCLIAttachErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, eni, instance, device, code string
	}{
		{"interface in use", ec2test.FailoverInterface, ec2test.InstanceB, "1", "InvalidNetworkInterface.InUse"},
		{"other zone", ec2test.SpareInterface, ec2test.InstanceC, "1", "InvalidParameterCombination"},
		{"device index taken", ec2test.SpareInterface, ec2test.InstanceA, "1", "InvalidParameterValue"},
		{"malformed interface", "eni-x", ec2test.InstanceB, "1", "InvalidNetworkInterfaceId.Malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer()
			defer srv.Close()
			code, out := runAWS(t, srv, ec2test.DefaultSecretAccessKey, "ec2", "attach-network-interface",
				"--network-interface-id", tc.eni, "--instance-id", tc.instance, "--device-index", tc.device)
			if code != 254 || !strings.Contains(out, "("+tc.code+")") {
				t.Errorf("exit %d, output:\n%s\nwant 254 and %s", code, out, tc.code)
			}
		})
	}
}

// TestAWSCLIDescribePaginator lets the CLI's paginator walk 12 interfaces
// 5 at a time.
func TestAWSCLIDescribePaginator(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithSeed(manyInterfaces(12)))
	defer srv.Close()
	out := runAWSOK(t, srv, "ec2", "describe-network-interfaces", "--page-size", "5", "--query", "NetworkInterfaces[].NetworkInterfaceId")
	var ids []string
	if err := json.Unmarshal([]byte(out), &ids); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	want := manyInterfaces(12)
	if len(ids) != 12 || ids[0] != want.NetworkInterfaces[0].NetworkInterfaceID || ids[11] != want.NetworkInterfaces[11].NetworkInterfaceID {
		t.Errorf("ids = %v", ids)
	}
	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests, want 3 pages", len(reqs))
	}
	for i, r := range reqs {
		if r.Params.Get("MaxResults") != "5" || (i == 0) != (r.Params.Get("NextToken") == "") || r.StatusCode != 200 {
			t.Errorf("page %d request: %v %d", i, r.Params, r.StatusCode)
		}
	}
}

// botocoreAttach pages through DescribeNetworkInterfaces 5 at a time, then
// attaches the spare interface to instance B and tries the failover
// interface too, printing one line per step.
const botocoreAttach = `
import sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, region, spare, failover, b = sys.argv[1:6]
client = botocore.session.get_session().create_client("ec2", region_name=region, endpoint_url=endpoint,
    config=Config(retries={"max_attempts": 1}))
pages = [len(p["NetworkInterfaces"]) for p in client.get_paginator("describe_network_interfaces").paginate(PaginationConfig={"PageSize": 5})]
print("pages", ",".join(map(str, pages)))
out = client.attach_network_interface(NetworkInterfaceId=spare, InstanceId=b, DeviceIndex=2, NetworkCardIndex=0)
print("attached", out["AttachmentId"], out["NetworkCardIndex"])
ni = client.describe_network_interfaces(NetworkInterfaceIds=[spare])["NetworkInterfaces"][0]
print("described", ni["Attachment"]["InstanceId"], ni["Attachment"]["DeviceIndex"], ni["Attachment"]["Status"], ni["AvailabilityZone"], ni["Attachment"]["AttachTime"].year > 2000)
try:
    client.attach_network_interface(NetworkInterfaceId=failover, InstanceId=b, DeviceIndex=3)
except ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
try:
    client.describe_network_interfaces(NetworkInterfaceIds=["eni-bad"])
except ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`

func TestBotocoreAttachAndDescribe(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	seed := ec2test.DefaultSeed("us-east-1")
	seed.NetworkInterfaces = append(seed.NetworkInterfaces, manyInterfaces(7).NetworkInterfaces...)
	srv := ec2test.NewServer(ec2test.WithSeed(seed))
	defer srv.Close()
	out := runBotocore(t, py, srv, botocoreAttach, ec2test.SpareInterface, ec2test.FailoverInterface, ec2test.InstanceB)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	st, _ := srv.Interface(ec2test.SpareInterface)
	want := []string{
		"pages 5,5,2",
		"attached " + st.Attachment.AttachmentID + " 0",
		"described " + ec2test.InstanceB + " 2 attached us-east-1a True",
		"error InvalidNetworkInterface.InUse 400",
		"error InvalidNetworkInterfaceId.Malformed 400",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("botocore printed:\n%s\nwant:\n%s", out, strings.Join(want, "\n"))
	}
}

// TestAWSCLIDescribeInstances reads instances with the AWS CLI: the fields
// a move reads (ID, state, zone, the interfaces attached), its errors and
// its paginator.
func TestAWSCLIDescribeInstances(t *testing.T) {
	t.Parallel()
	seed := ec2test.DefaultSeed("us-east-1")
	for i := 0; i < 4; i++ {
		seed.Instances = append(seed.Instances, ec2test.Instance{InstanceID: fmt.Sprintf("i-0f%015x", i), State: "stopped"})
	}
	srv := ec2test.NewServer(ec2test.WithSeed(seed))
	defer srv.Close()
	out := runAWSOK(t, srv, "ec2", "describe-instances", "--instance-ids", ec2test.InstanceA)
	var doc struct {
		Reservations []struct {
			ReservationId string
			Instances     []struct {
				InstanceId string
				State      struct {
					Code int
					Name string
				}
				Placement         struct{ AvailabilityZone string }
				NetworkInterfaces []struct {
					NetworkInterfaceId, Status string
					Attachment                 struct {
						AttachmentId, Status          string
						DeviceIndex, NetworkCardIndex int
						AttachTime                    string
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Reservations) != 1 || len(doc.Reservations[0].Instances) != 1 {
		t.Fatalf("describe-instances output %q: %v", out, err)
	}
	in := doc.Reservations[0].Instances[0]
	if in.InstanceId != ec2test.InstanceA || in.State.Code != 16 || in.State.Name != "running" || in.Placement.AvailabilityZone != "us-east-1a" ||
		len(in.NetworkInterfaces) != 2 {
		t.Fatalf("instance = %+v", in)
	}
	if n := in.NetworkInterfaces[1]; n.NetworkInterfaceId != ec2test.FailoverInterface || n.Status != "in-use" || n.Attachment.AttachmentId != ec2test.FailoverAttachment ||
		n.Attachment.DeviceIndex != 1 || n.Attachment.NetworkCardIndex != 0 || n.Attachment.Status != "attached" || n.Attachment.AttachTime == "" {
		t.Errorf("failover interface = %+v", n)
	}
	out = runAWSOK(t, srv, "ec2", "describe-instances", "--page-size", "5", "--filters", "Name=instance-state-name,Values=stopped,running",
		"--query", "Reservations[].Instances[].InstanceId")
	var ids []string
	if err := json.Unmarshal([]byte(out), &ids); err != nil || len(ids) != 7 {
		t.Errorf("paginated ids %q: %v", out, err)
	}
	if reqs := srv.Requests(); len(reqs) != 3 || reqs[2].Params.Get("NextToken") == "" {
		t.Errorf("%d requests, want 1 + 2 pages", len(reqs))
	}
	for _, tc := range []struct{ id, code string }{
		{"i-0fffffffffffffff0", "InvalidInstanceID.NotFound"},
		{"i-x", "InvalidInstanceID.Malformed"},
	} {
		if code, out := runAWS(t, srv, ec2test.DefaultSecretAccessKey, "ec2", "describe-instances", "--instance-ids", tc.id); code != 254 || !strings.Contains(out, "("+tc.code+")") {
			t.Errorf("%s: exit %d\n%s", tc.id, code, out)
		}
	}
}

// botocoreInstances describes instances through botocore, printing one
// line per step.
const botocoreInstances = `
import sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, region, a, c = sys.argv[1:5]
client = botocore.session.get_session().create_client("ec2", region_name=region, endpoint_url=endpoint,
    config=Config(retries={"max_attempts": 1}))
r = client.describe_instances(InstanceIds=[a])["Reservations"]
i = r[0]["Instances"][0]
print("instance", i["InstanceId"], i["State"]["Name"], i["State"]["Code"], i["Placement"]["AvailabilityZone"],
    " ".join("%s@%d/%d:%s" % (n["NetworkInterfaceId"], n["Attachment"]["NetworkCardIndex"], n["Attachment"]["DeviceIndex"], n["Attachment"]["Status"]) for n in i["NetworkInterfaces"]))
r = client.describe_instances(Filters=[{"Name": "availability-zone", "Values": ["us-east-1b"]}])["Reservations"]
print("filtered", ",".join(i["InstanceId"] for res in r for i in res["Instances"]))
for ids in (["i-0fffffffffffffff0"], ["i-bad"]):
    try:
        client.describe_instances(InstanceIds=ids)
    except ClientError as e:
        print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
try:
    client.describe_instances(DryRun=True)
except ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"])
`

func TestBotocoreDescribeInstances(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	if err := srv.SetInstanceState(ec2test.InstanceA, "stopping"); err != nil {
		t.Fatal(err)
	}
	out := runBotocore(t, py, srv, botocoreInstances, ec2test.InstanceA, ec2test.InstanceC)
	want := strings.Join([]string{
		"instance " + ec2test.InstanceA + " stopping 64 us-east-1a eni-00000000000000000@0/0:attached " + ec2test.FailoverInterface + "@0/1:attached",
		"filtered " + ec2test.InstanceC,
		"error InvalidInstanceID.NotFound 400",
		"error InvalidInstanceID.Malformed 400",
		"error DryRunOperation 412",
	}, "\n")
	if got := strings.TrimSpace(out); got != want {
		t.Errorf("botocore printed:\n%s\nwant:\n%s", got, want)
	}
}

// runBotocore runs a botocore script with the default key against srv,
// giving it the endpoint, the region and args, and returns what it
// printed; it fails the test if the script fails.
func runBotocore(t *testing.T, py string, srv *ec2test.Server, script string, args ...string) string {
	t.Helper()
	return runBotocoreEnv(t, py, peerEnv(t, ec2test.DefaultAccessKeyID, ec2test.DefaultSecretAccessKey), script, append([]string{srv.URL, srv.Region()}, args...)...)
}

// runBotocoreEnv runs a botocore script with args in env and returns what
// it printed; it fails the test if the script fails. py is the python3
// that testenv.RequireBotocore found: the one the runners use.
func runBotocoreEnv(t *testing.T, py string, env []string, script string, args ...string) string {
	t.Helper()
	if py != testenv.Python3 {
		t.Fatalf("botocore's python3 is %s, the runners' %s", py, testenv.Python3)
	}
	code, out := runPeer(t, env, script, args...)
	if code != 0 {
		t.Fatalf("botocore: exit %d\n%s", code, out)
	}
	return out
}

// botocoreAttachOne attaches through botocore and prints "ok <attachment
// ID> <network card>" or "error <code> <status> <message>".
const botocoreAttachOne = `
import sys
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
endpoint, region, eni, instance, device, card, dry = sys.argv[1:8]
client = botocore.session.get_session().create_client("ec2", region_name=region, endpoint_url=endpoint,
    config=Config(retries={"max_attempts": 1}))
args = dict(NetworkInterfaceId=eni, InstanceId=instance, DeviceIndex=int(device), DryRun=(dry == "true"))
if int(card) > 0:
    args["NetworkCardIndex"] = int(card)
try:
    out = client.attach_network_interface(**args)
    print("ok", out["AttachmentId"], out["NetworkCardIndex"])
except ClientError as e:
    print("error", e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Message"])
`

// TestPeersAgreeOnAttach makes the same attaches with enidetach, the AWS
// CLI and botocore, each against its own server: all three read the same
// answer (code, status, message, or the attachment made), and
// enidetach's sentinel matches it.
func TestPeersAgreeOnAttach(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	spare, fi, a, b, c := ec2test.SpareInterface, ec2test.FailoverInterface, ec2test.InstanceA, ec2test.InstanceB, ec2test.InstanceC
	tests := []struct {
		name, eni, instance string
		device, card        int
		dry                 bool
		code                string // "" for success
		status              int
		sentinel            error
	}{
		{"attached", spare, b, 1, 0, false, "", 200, nil},
		{"on network card 1", spare, b, 0, 1, false, "", 200, nil},
		{"dry run", spare, b, 1, 0, true, "DryRunOperation", 412, enidetach.ErrDryRunOperation},
		{"interface in use", fi, b, 1, 0, false, "InvalidNetworkInterface.InUse", 400, enidetach.ErrInterfaceInUse},
		{"device slot taken", spare, a, 1, 0, false, "InvalidParameterValue", 400, enidetach.ErrDeviceIndexInUse},
		{"zones differ", spare, c, 1, 0, false, "InvalidParameterCombination", 400, enidetach.ErrZoneMismatch},
		{"unknown instance", spare, "i-0fffffffffffffff0", 1, 0, false, "InvalidInstanceID.NotFound", 400, nil},
		{"malformed interface", "eni-x", b, 1, 0, false, "InvalidNetworkInterfaceId.Malformed", 400, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// enidetach
			srv := ec2test.NewServer()
			defer srv.Close()
			client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(), MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			out, err := client.AttachNetworkInterface(context.Background(), &enidetach.AttachNetworkInterfaceInput{
				NetworkInterfaceID: tc.eni, InstanceID: tc.instance, DeviceIndex: tc.device, NetworkCardIndex: tc.card, DryRun: tc.dry})
			var ae *enidetach.APIError
			ours := ""
			switch {
			case err == nil:
				st, _ := srv.Interface(tc.eni)
				if st.Attachment == nil || st.Attachment.AttachmentID != out.AttachmentID || out.NetworkCardIndex != tc.card {
					t.Fatalf("enidetach: %+v, interface %+v", out, st)
				}
				ours = fmt.Sprintf("ok %d", tc.card)
			case errors.As(err, &ae):
				ours = fmt.Sprintf("error %s %d %s", ae.Code, ae.StatusCode, ae.Message)
				if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
					t.Errorf("enidetach's error does not match %v: %v", tc.sentinel, err)
				}
			default:
				t.Fatalf("enidetach: %v", err)
			}

			// botocore
			bsrv := ec2test.NewServer()
			defer bsrv.Close()
			dry := strconv.FormatBool(tc.dry)
			got := strings.TrimSpace(runBotocore(t, py, bsrv, botocoreAttachOne, tc.eni, tc.instance, strconv.Itoa(tc.device), strconv.Itoa(tc.card), dry))
			if f := strings.Fields(got); len(f) == 3 && f[0] == "ok" {
				if st, _ := bsrv.Interface(tc.eni); st.Attachment == nil || st.Attachment.AttachmentID != f[1] {
					t.Errorf("botocore's attachment %s, the server's %+v", f[1], st.Attachment)
				}
				got = f[0] + " " + f[2]
			}
			if got != ours {
				t.Errorf("botocore read %q, enidetach %q", got, ours)
			}

			// the AWS CLI
			csrv := ec2test.NewServer()
			defer csrv.Close()
			args := []string{"ec2", "attach-network-interface", "--network-interface-id", tc.eni, "--instance-id", tc.instance, "--device-index", strconv.Itoa(tc.device)}
			if tc.card > 0 {
				args = append(args, "--network-card-index", strconv.Itoa(tc.card))
			}
			if tc.dry {
				args = append(args, "--dry-run")
			}
			exit, text := runAWS(t, csrv, ec2test.DefaultSecretAccessKey, args...)
			if tc.code == "" {
				var att struct {
					AttachmentId     string
					NetworkCardIndex int
				}
				st, _ := csrv.Interface(tc.eni)
				if exit != 0 || json.Unmarshal([]byte(text), &att) != nil || st.Attachment == nil || att.AttachmentId != st.Attachment.AttachmentID || att.NetworkCardIndex != tc.card {
					t.Errorf("CLI: exit %d %s; server %+v", exit, text, st.Attachment)
				}
				return
			}
			if exit != 254 || !strings.Contains(text, "("+tc.code+")") || (ae != nil && !strings.Contains(text, ae.Message)) {
				t.Errorf("CLI: exit %d %s, want %s and %q", exit, text, tc.code, ae.Message)
			}
		})
	}
}
