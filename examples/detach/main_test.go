package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// hermetic clears every AWS_* variable of this machine and points HOME at
// an empty directory, then sets the fake's keys.
func hermetic(t *testing.T) {
	testenv.Clear(t)
	t.Setenv("AWS_ACCESS_KEY_ID", ec2test.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", ec2test.DefaultSecretAccessKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func TestDetachCommand(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	base := []string{"-endpoint", srv.URL, "-region", srv.Region()}
	tests := []struct {
		name   string
		args   []string
		status int
		stdout string
		stderr string
	}{
		{"usage: no attachment", nil, 2, "", "-attachment-id is required"},
		{"usage: unknown flag", []string{"-bogus"}, 2, "", "flag provided but not defined"},
		{"usage: bad region", []string{"-attachment-id", "eni-attach-1", "-region", "Bad Region"}, 2, "", "not a valid region"},
		{"usage: wait with dry run", []string{"-attachment-id", "eni-attach-1", "-wait", "-dry-run"}, 2, "", "cannot be combined"},
		{"dry run permitted", []string{"-attachment-id", "eni-attach-0123456789abcdef0", "-dry-run"}, 0, "would be permitted", ""},
		{"primary refused", []string{"-attachment-id", "eni-attach-00000000000000000"}, 1, "", "OperationNotPermitted"},
		{"detach", []string{"-attachment-id", "eni-attach-0123456789abcdef0", "-force"}, 0, "detached eni-attach-0123456789abcdef0: return=true", ""},
		{"detach again", []string{"-attachment-id", "eni-attach-0123456789abcdef0"}, 1, "", "InvalidAttachmentID.NotFound"},
		{"idempotent wait", []string{"-attachment-id", "eni-attach-0123456789abcdef0", "-wait", "-idempotent"}, 0, "already detached", "poll 1"},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		args := tc.args
		if !strings.HasPrefix(tc.name, "usage: no") && !strings.HasPrefix(tc.name, "usage: unknown") {
			args = append(append([]string{}, base...), args...)
			if tc.name == "usage: bad region" {
				args = append([]string{"-endpoint", srv.URL}, tc.args...)
			}
		}
		status := run(context.Background(), args, &stdout, &stderr)
		if status != tc.status || !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
			t.Errorf("%s: status %d\nstdout: %s\nstderr: %s\nwant status %d, stdout %q, stderr %q",
				tc.name, status, stdout.String(), stderr.String(), tc.status, tc.stdout, tc.stderr)
		}
	}
}

func TestDetachCommandWaitJSON(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(1200 * time.Millisecond))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), []string{"-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", "eni-attach-0123456789abcdef0", "-wait", "-json", "-max-wait", "20s"}, &stdout, &stderr)
	var got map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || status != 0 {
		t.Fatalf("status %d, stdout %q: %v\nstderr: %s", status, stdout.String(), err, stderr.String())
	}
	if got["status"] != "available" || got["polls"].(float64) < 2 {
		t.Errorf("result = %v", got)
	}
	if !strings.Contains(stderr.String(), "poll 1: interface eni-0123456789abcdef0 status in-use, attachment detaching") {
		t.Errorf("progress on stderr = %q", stderr.String())
	}
	stdout.Reset()
	status = run(context.Background(), []string{"-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", "eni-attach-00000000000000000", "-json"}, &stdout, &stderr)
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil || status != 1 {
		t.Fatalf("status %d, stdout %q: %v", status, stdout.String(), err)
	}
	if e, _ := got["error"].(map[string]any); e == nil || e["code"] != "OperationNotPermitted" || e["requestId"] == "" {
		t.Errorf("error JSON = %v", got)
	}
}
