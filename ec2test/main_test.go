package ec2test_test

import (
	"os"
	"testing"

	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestMain makes every test here hermetic, the examples included: no AWS_*
// variable or ~/.aws of this machine reaches a client. Peer processes get
// their own environment (peerEnv).
// The peers' python3 runners (peerrunner_test.go) end with the tests.
func TestMain(m *testing.M) {
	cleanup := testenv.Isolate()
	code := m.Run()
	stopPeerRunners()
	cleanup()
	os.Exit(code)
}
