package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestCredentialsFailAfterAcceptedDetach: credentials that cannot be
// refreshed after the detach was accepted (a credential_process that
// answers once, with credentials about to expire, then fails) end the
// wait with a credentials error. The command exited 2, "usage or
// configuration", which a script reads as "nothing was done", although
// the detach had been accepted and the interface was detaching. It exits
// 3 now, as for any failure after the detach was accepted.
func TestCredentialsFailAfterAcceptedDetach(t *testing.T) {
	testenv.Clear(t)
	dir := t.TempDir()
	marker := filepath.Join(dir, "answered")
	// Expiring within the client's refresh window, so that the next call
	// (the first poll) asks the process again.
	expires := time.Now().Add(5*time.Minute + 2*time.Second).UTC().Format(time.RFC3339)
	proc := filepath.Join(dir, "creds.sh")
	script := fmt.Sprintf(`#!/bin/sh
if [ -e %q ]; then exit 1; fi
touch %q
echo '{"Version":1,"AccessKeyId":"%s","SecretAccessKey":"%s","SessionToken":"","Expiration":"%s"}'
`, marker, marker, ec2test.DefaultAccessKeyID, ec2test.DefaultSecretAccessKey, expires)
	if err := os.WriteFile(proc, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, []byte("[default]\ncredential_process = "+proc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", config)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(time.Hour))
	defer srv.Close()
	status, stdout, stderr := runCmd("-json", "-endpoint", srv.URL, "-region", srv.Region(), "-attachment-id", ec2test.FailoverAttachment, "-wait", "-max-wait", "20s")
	st, _ := srv.InterfaceByAttachment(ec2test.FailoverAttachment)
	if st.Attachment == nil || st.Attachment.Status != "detaching" {
		t.Fatalf("the detach did not happen: %+v\n%s\n%s", st.Attachment, stdout, stderr)
	}
	var res result
	decodeOne(t, stdout, &res)
	if res.Error == nil || res.Error.Kind != "credentials" || res.Return == nil || !*res.Return {
		t.Errorf("stdout %s; want the accepted detach and a credentials error", stdout)
	}
	if status != exitPending {
		t.Errorf("exit %d, want 3 (the detach was accepted): %s", status, stdout)
	}
}
