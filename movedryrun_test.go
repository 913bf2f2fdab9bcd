package enidetach

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestMoveNetworkInterfaceDryRun checks both permissions and changes
// nothing.
func TestMoveNetworkInterfaceDryRun(t *testing.T) {
	t.Parallel()
	t.Run("permitted", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := toB()
		in.DryRun = true
		out, err := e.c.MoveNetworkInterface(context.Background(), in)
		if !errors.Is(err, ErrDryRunOperation) {
			t.Fatalf("error %v, want DryRunOperation", err)
		}
		if out == nil || !out.Detach.Sent || out.Detach.RequestID == "" || !out.Attach.Sent || out.Attach.RequestID == "" {
			t.Errorf("output %+v", out)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface(dry run):DryRunOperation AttachNetworkInterface(dry run):DryRunOperation" {
			t.Errorf("sent %s", got)
		}
		assertUnchanged(t, e.srv)
	})
	t.Run("available: the attach only", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.SpareInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1, DryRun: true}
		if _, err := e.c.MoveNetworkInterface(context.Background(), in); !errors.Is(err, ErrDryRunOperation) {
			t.Fatalf("error %v, want DryRunOperation", err)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "AttachNetworkInterface(dry run):DryRunOperation" {
			t.Errorf("sent %s", got)
		}
	})
	t.Run("denied", func(t *testing.T) {
		t.Parallel()
		denied := ec2test.Key{AccessKeyID: "AKIAEC2TESTDENIED001", SecretAccessKey: "denied/secret", Denied: true}
		e := newMoveEnv(t, ec2test.WithKeys(denied))
		e.c.engine.SetCredentials(staticCreds(denied.AccessKeyID, denied.SecretAccessKey))
		in := toB()
		in.DryRun = true
		_, err := e.c.MoveNetworkInterface(context.Background(), in)
		if !errors.Is(err, ErrUnauthorizedOperation) {
			t.Fatalf("error %v, want UnauthorizedOperation", err)
		}
		assertUnchanged(t, e.srv)
	})
	t.Run("refused target", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1, DryRun: true}
		var re *MoveRefusedError
		if _, err := e.c.MoveNetworkInterface(context.Background(), in); !errors.As(err, &re) || re.Reason != "target-zone" {
			t.Fatalf("error %v, want target-zone", err)
		}
		if m := mutations(e.srv); len(m) != 0 {
			t.Errorf("sent %v", m)
		}
	})
}
