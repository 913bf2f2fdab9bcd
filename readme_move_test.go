package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// lineLog stands in for package log in the README's recipes: it keeps the
// lines logged, for the test to check.
type lineLog struct{ lines []string }

func (l *lineLog) Printf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// readmeMove is the Go recipe of the README's "Failover: move an interface",
// verbatim.
func readmeMove(ctx context.Context, client *enidetach.Client, log *lineLog) {
	out, err := client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0",
		ToInstanceID:       "i-0123456789abcdef1",
		ToDeviceIndex:      1,
	}, func(o *enidetach.WaitOptions) { o.MaxWait = 5 * time.Minute })
	var refused *enidetach.MoveRefusedError
	var incomplete *enidetach.MoveIncompleteError
	switch {
	case errors.As(err, &refused):
		// Nothing was changed: the interface is where it was.
		log.Printf("move refused (%s): %s", refused.Reason, refused.Detail)
	case errors.As(err, &incomplete):
		// Stopped after a detach or an attach was sent: run the same move again.
		log.Printf("move stopped at %s: %v", incomplete.Step, incomplete.Err)
	case err != nil:
		// Bad input or a failed read: nothing was sent that changes anything.
		log.Printf("move not started: %v", err)
	case out.AlreadyAtTarget:
		log.Printf("%s was already attached at %s", out.NetworkInterfaceID, out.Attach.InstanceID)
	default:
		log.Printf("moved %s to %s at device index %d (attachment %s) in %s", out.NetworkInterfaceID,
			out.Attach.InstanceID, out.Attach.DeviceIndex, out.Attach.AttachmentID, out.Elapsed)
	}
}

// TestREADMEMove runs the README's move recipe against ec2test through
// each of its branches, checking the server after each.
func TestREADMEMove(t *testing.T) {
	t.Parallel()
	newClient := func(t *testing.T, opts ...ec2test.Option) (*enidetach.Client, *ec2test.Server) {
		srv := ec2test.NewServer(opts...)
		t.Cleanup(srv.Close)
		client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
		if err != nil {
			t.Fatal(err)
		}
		return client, srv
	}
	run := func(ctx context.Context, client *enidetach.Client) string {
		var log lineLog
		readmeMove(ctx, client, &log)
		return strings.Join(log.lines, "\n")
	}
	attachedAtB := func(t *testing.T, srv *ec2test.Server) {
		t.Helper()
		st, _ := srv.Interface(ec2test.FailoverInterface)
		if a := st.Attachment; a == nil || a.InstanceID != ec2test.InstanceB || a.DeviceIndex != 1 || a.Status != "attached" {
			t.Errorf("server: %+v", a)
		}
	}

	t.Run("moved, then already there", func(t *testing.T) {
		t.Parallel()
		client, srv := newClient(t)
		if got := run(context.Background(), client); !strings.HasPrefix(got, "moved eni-0123456789abcdef0 to i-0123456789abcdef1 at device index 1 (attachment eni-attach-") {
			t.Errorf("logged %q", got)
		}
		attachedAtB(t, srv)
		if got := run(context.Background(), client); got != "eni-0123456789abcdef0 was already attached at i-0123456789abcdef1" {
			t.Errorf("re-run logged %q", got)
		}
		attachedAtB(t, srv)
	})
	t.Run("refused", func(t *testing.T) {
		t.Parallel()
		client, srv := newClient(t)
		srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0aaaaaaaaaaaaaaa1", NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
		if got := run(context.Background(), client); got != "move refused (target-slot-taken): instance i-0123456789abcdef1 has interface eni-0aaaaaaaaaaaaaaa0 at device index 1, network card 0" {
			t.Errorf("logged %q", got)
		}
		if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.AttachmentID != ec2test.FailoverAttachment || st.Detaches != 0 {
			t.Errorf("server: %+v", st)
		}
	})
	t.Run("stopped half-way, then run again", func(t *testing.T) {
		t.Parallel()
		client, srv := newClient(t, ec2test.WithDetachingDuration(100*time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if got := run(ctx, client); !strings.HasPrefix(got, "move stopped at wait-available: enidetach: interface not detached after") {
			t.Errorf("logged %q", got)
		}
		if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 || st.Attaches != 0 {
			t.Errorf("server: %+v", st)
		}
		// Not a check: the re-run then finds the interface available
		// rather than waiting 2 s of real time for it.
		time.Sleep(100 * time.Millisecond)
		if got := run(context.Background(), client); !strings.HasPrefix(got, "moved eni-0123456789abcdef0 to i-0123456789abcdef1 at device index 1") {
			t.Errorf("re-run logged %q", got)
		}
		attachedAtB(t, srv)
	})
	t.Run("not started", func(t *testing.T) {
		t.Parallel()
		client, srv := newClient(t, ec2test.WithSeed(ec2test.Seed{Instances: []ec2test.Instance{{InstanceID: ec2test.InstanceB}}}))
		if got := run(context.Background(), client); !strings.HasPrefix(got, "move not started: ") || !strings.Contains(got, "InvalidNetworkInterfaceID.NotFound") {
			t.Errorf("logged %q", got)
		}
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests, want the one describe", n)
		}
	})
}
