package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// readmeAttach is the README's "Attach" snippet.
func readmeAttach(ctx context.Context, client *enidetach.Client) error {
	out, err := client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0",
		InstanceID:         "i-0123456789abcdef1",
		DeviceIndex:        1,
	})
	switch {
	case errors.Is(err, enidetach.ErrInterfaceInUse):
		return fmt.Errorf("attached elsewhere, or still detaching: detach it first: %w", err)
	case errors.Is(err, enidetach.ErrDeviceIndexInUse):
		return fmt.Errorf("another interface holds device index 1: %w", err)
	case errors.Is(err, enidetach.ErrZoneMismatch):
		return fmt.Errorf("the instance is in another availability zone: %w", err)
	case err != nil:
		return err
	}
	log.Printf("attach accepted: %s (request %s)", out.AttachmentID, out.RequestID)
	return nil
}

// TestREADMEAttach runs the README's attach snippet against ec2test through
// each of its branches, checking the interface's state after each.
func TestREADMEAttach(t *testing.T) {
	t.Parallel()
	const eni, b = "eni-0123456789abcdef0", "i-0123456789abcdef1"
	if eni != ec2test.FailoverInterface || b != ec2test.InstanceB {
		t.Fatal("the README's IDs are no longer ec2test's failover interface and instance B")
	}
	// detached frees the interface from instance A, as a move would.
	detached := func(seed *ec2test.Seed) {
		seed.Attachments = append(seed.Attachments[:1], seed.Attachments[2:]...) // drops FailoverAttachment
	}
	tests := []struct {
		name string
		seed func(*ec2test.Seed)
		err  string // the start of the error, "" for success
		at   string // the instance the interface is attached to after
	}{
		{"in use", func(*ec2test.Seed) {}, "attached elsewhere, or still detaching: detach it first: operation error EC2: AttachNetworkInterface", ec2test.InstanceA},
		{"attached", detached, "", b},
		{"slot taken", func(seed *ec2test.Seed) {
			detached(seed)
			seed.Attachments = append(seed.Attachments, ec2test.Attachment{AttachmentID: "eni-attach-0ccccccccccccccc0", InstanceID: b, DeviceIndex: 1})
		}, "another interface holds device index 1: ", ""},
		{"other zone", func(seed *ec2test.Seed) {
			detached(seed)
			seed.Instances[1].AvailabilityZone = "us-east-1b"
		}, "the instance is in another availability zone: ", ""},
		{"unknown instance", func(seed *ec2test.Seed) {
			detached(seed)
			seed.Instances = append(seed.Instances[:1], seed.Instances[2:]...)
			seed.Attachments = seed.Attachments[:1]
		}, "operation error EC2: AttachNetworkInterface, api error InvalidInstanceID.NotFound", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := ec2test.DefaultSeed("us-east-1")
			tc.seed(&seed)
			srv := ec2test.NewServer(ec2test.WithSeed(seed))
			defer srv.Close()
			client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
			if err != nil {
				t.Fatal(err)
			}
			err = readmeAttach(context.Background(), client)
			if (tc.err == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.err)) {
				t.Fatalf("err = %v, want %q", err, tc.err)
			}
			st, _ := srv.Interface(eni)
			if at := ""; st.Attachment != nil {
				at = st.Attachment.InstanceID
				if at != tc.at {
					t.Errorf("interface attached to %s, want %s", at, tc.at)
				}
			} else if tc.at != "" {
				t.Errorf("interface not attached, want at %s", tc.at)
			}
		})
	}
}
