// Package peers finds the independent clients the tests compare against:
// Debian's awscli and python3-botocore. pyenv may put other aws and python3
// first on PATH, so only the Debian paths are used.
//
// A test that needs a missing peer is skipped with a message saying what to
// install, or fails when ENIDETACH_REQUIRE_PEERS is set (as .ci/run sets it
// after installing them), so CI cannot pass by skipping.
package peers

import (
	"os"
	"os/exec"
	"testing"
)

// Debian's paths for the peers.
const (
	AWSCLI  = "/usr/bin/aws"
	Python3 = "/usr/bin/python3"
)

// RequireAWSCLI returns the AWS CLI's path or skips (or fails) the test.
func RequireAWSCLI(t testing.TB) string {
	t.Helper()
	if _, err := os.Stat(AWSCLI); err != nil {
		missing(t, "the AWS CLI is not installed at "+AWSCLI+" (apt-get install awscli)")
	}
	return AWSCLI
}

// RequireBotocore returns the path of a python3 that imports botocore, or
// skips (or fails) the test.
func RequireBotocore(t testing.TB) string {
	t.Helper()
	if err := exec.Command(Python3, "-c", "import botocore").Run(); err != nil {
		missing(t, "botocore is not importable by "+Python3+" (apt-get install python3-botocore)")
	}
	return Python3
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("ENIDETACH_REQUIRE_PEERS") != "" {
		t.Fatal("ENIDETACH_REQUIRE_PEERS is set but " + why)
	}
	t.Skip("skipping: " + why)
}
