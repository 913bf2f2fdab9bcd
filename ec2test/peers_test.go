package ec2test_test

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

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
	aws := testenv.RequireAWSCLI(t)
	full := append([]string{"--endpoint-url", srv.URL, "--region", srv.Region(), "--output", "json"}, args...)
	cmd := exec.Command(aws, full...)
	cmd.Env = peerEnv(t, ec2test.DefaultAccessKeyID, secret)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatalf("aws: %v", err)
	}
	return 0, string(out)
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		secret   string
		args     []string
		exit     int
		contains string
	}{
		{"detach succeeds", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"}, 0, ""},
		{"dry run", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0", "--dry-run"}, 254, "DryRunOperation"},
		{"unknown attachment", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0fffffffffffffff0"}, 254, "InvalidAttachmentID.NotFound"},
		{"wrong secret", "not-the-secret",
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"}, 254, "SignatureDoesNotMatch"},
		{"force is accepted", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0", "--force"}, 0, ""},
		{"describe by attachment", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "describe-network-interfaces", "--filters", "Name=attachment.attachment-id,Values=eni-attach-0123456789abcdef0"}, 0, `"NetworkInterfaceId": "eni-0123456789abcdef0"`},
		{"wait network-interface-available", ec2test.DefaultSecretAccessKey,
			[]string{"ec2", "wait", "network-interface-available", "--network-interface-ids", "eni-0123456789abcdef0"}, 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer()
			defer srv.Close()
			if tc.name == "wait network-interface-available" {
				// Detached before the CLI's first poll, so its 20 s poll
				// interval never comes into play.
				if code, out := runAWS(t, srv, tc.secret, "ec2", "detach-network-interface", "--attachment-id", "eni-attach-0123456789abcdef0"); code != 0 {
					t.Fatalf("detach: %d %s", code, out)
				}
			}
			code, out := runAWS(t, srv, tc.secret, tc.args...)
			if code != tc.exit || !strings.Contains(out, tc.contains) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d containing %q", code, out, tc.exit, tc.contains)
			}
			reqs := srv.Requests()
			if len(reqs) == 0 || reqs[0].AccessKeyID != ec2test.DefaultAccessKeyID {
				t.Errorf("records = %+v", reqs)
			}
			if tc.name == "detach succeeds" {
				if st, _ := srv.Interface("eni-0123456789abcdef0"); st.Status != "available" {
					t.Errorf("interface after the CLI's detach: %+v", st)
				}
			}
			if tc.name == "force is accepted" {
				if st, _ := srv.Interface("eni-0123456789abcdef0"); st.ForcedDetaches != 1 {
					t.Errorf("forced detach not recorded: %+v", st)
				}
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
	}{
		{"detach", "eni-attach-0123456789abcdef0", "false", ec2test.DefaultSecretAccessKey, "ok "},
		{"dry run", "eni-attach-0123456789abcdef0", "true", ec2test.DefaultSecretAccessKey, "error DryRunOperation 412"},
		{"not found", "eni-attach-0fffffffffffffff0", "false", ec2test.DefaultSecretAccessKey, "error InvalidAttachmentID.NotFound 400"},
		{"wrong secret", "eni-attach-0123456789abcdef0", "false", "wrong", "error SignatureDoesNotMatch 403"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer()
			defer srv.Close()
			cmd := exec.Command(py, "-c", botocoreDetach, srv.URL, srv.Region(), tc.attachment, tc.dry)
			cmd.Env = peerEnv(t, ec2test.DefaultAccessKeyID, tc.secret)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("botocore: %v\n%s", err, out.String())
			}
			if !strings.HasPrefix(out.String(), tc.want) {
				t.Errorf("botocore printed %q, want %q", out.String(), tc.want)
			}
			if tc.name == "detach" {
				reqs := srv.Requests()
				if len(reqs) != 1 || reqs[0].StatusCode != 200 || reqs[0].Params.Get("AttachmentId") != tc.attachment {
					t.Errorf("records = %+v", reqs)
				}
			}
		})
	}
}
