package ec2test_test

import (
	"testing"

	"github.com/ec2lite/enidetach/internal/testenv"
)

// TestMain makes every test here hermetic, the examples included: no AWS_*
// variable or ~/.aws of this machine reaches a client. Peer processes get
// their own environment (peerEnv).
func TestMain(m *testing.M) {
	testenv.Main(m)
}
