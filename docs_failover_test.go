package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The Go snippets of docs/failover.md, each in a function that a test runs
// against ec2test, its error branches included.

// docsUse is the guide's "Use" snippet.
func docsUse(ctx context.Context) error {
	client, err := enidetach.New(enidetach.Options{Region: "eu-west-1"})
	if err != nil {
		return err // a *enidetach.ValidationError: nothing was sent
	}
	out, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-0123456789abcdef0",
	})
	if err != nil {
		return err
	}
	log.Printf("detach accepted (return=%t, request %s)", out.Return, out.RequestID)
	return nil
}

// TestDocsUse runs the "Use" snippet as written, its region and
// credentials from the environment pointing at ec2test.
func TestDocsUse(t *testing.T) {
	logged := captureLog(t)
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-1"))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", ec2test.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", ec2test.DefaultSecretAccessKey)
	t.Setenv("AWS_ENDPOINT_URL_EC2", srv.URL)
	ctx := context.Background()
	if err := docsUse(ctx); err != nil || !strings.Contains(logged.String(), "detach accepted (return=true, request ") {
		t.Errorf("success: %v, log %q", err, logged)
	}
	// Detached already: the service's answer.
	if err := docsUse(ctx); !errors.Is(err, enidetach.ErrAttachmentNotFound) {
		t.Errorf("second detach: %v, want ErrAttachmentNotFound", err)
	}
	// Refused before anything is sent.
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://ec2.example.com")
	var ve *enidetach.ValidationError
	if err := docsUse(ctx); !errors.As(err, &ve) {
		t.Errorf("plain http to a remote host: %v, want a *ValidationError", err)
	}
}

// docsDetachAndWait is the guide's "Detach and wait" snippet.
func docsDetachAndWait(ctx context.Context, client *enidetach.Client, id string, log *lineLog) (*enidetach.WaitResult, error) {
	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: id},
		func(o *enidetach.WaitOptions) {
			o.MaxWait = 5 * time.Minute
			o.Idempotent = true // NotFound means "already detached"
		})
	var timeout *enidetach.WaitTimeoutError
	switch {
	case errors.As(err, &timeout):
		log.Printf("still %s after %d polls (%d failed)", timeout.Last.State.AttachmentStatus, timeout.Last.Polls, timeout.Last.FailedPolls)
	case err != nil && res == nil:
		log.Printf("the detach failed: %v", err)
	case err != nil:
		log.Printf("the detach was accepted or in progress, then a poll was refused: %v", err)
	case res.AlreadyDetached:
		log.Printf("already detached (%v)", res.DetachError)
	default:
		log.Printf("detached after %d polls", res.Polls)
	}
	return res, err
}

// TestDocsDetachAndWait runs every branch of the snippet, none of which
// may panic: detached, timed out, the detach refused, a poll refused after
// an accepted detach, a detach that found the attachment gone (with its
// poll failing or not), and a detach already in progress (IncorrectState,
// Detach nil) that is waited out.
func TestDocsDetachAndWait(t *testing.T) {
	t.Parallel()
	// pollsFail makes the next request pass and the following ones fail as
	// polls would, with an error that is not retried.
	pollsFail := func(srv *ec2test.Server) {
		srv.Inject(ec2test.Delay(0), 1)
		srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 10)
	}
	for _, tc := range []struct {
		name      string
		detaching time.Duration
		id        string
		timeout   time.Duration
		prepare   func(*testing.T, *ec2test.Server, *enidetach.Client)
		want      string
	}{
		{name: "detached", id: ec2test.FailoverAttachment, want: "detached after 1 polls"},
		{name: "still detaching", detaching: time.Hour, id: ec2test.FailoverAttachment, timeout: 300 * time.Millisecond,
			want: "still detaching after 1 polls (0 failed)"},
		{name: "detach refused", id: "eni-attach-00000000000000000", want: "the detach failed: "},
		{name: "poll refused", id: ec2test.FailoverAttachment, prepare: func(_ *testing.T, srv *ec2test.Server, _ *enidetach.Client) { pollsFail(srv) },
			want: "the detach was accepted or in progress, then a poll was refused: "},
		{name: "already gone", id: "eni-attach-0fffffffffffffff0", want: "already detached (operation error EC2: DetachNetworkInterface"},
		{name: "already gone, then a poll failed", id: "eni-attach-0fffffffffffffff0",
			prepare: func(_ *testing.T, srv *ec2test.Server, _ *enidetach.Client) { pollsFail(srv) },
			want:    "already detached (operation error EC2: DetachNetworkInterface"},
		{name: "in progress", detaching: 500 * time.Millisecond, id: ec2test.FailoverAttachment,
			prepare: func(t *testing.T, _ *ec2test.Server, c *enidetach.Client) {
				if _, err := c.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
					t.Fatal(err)
				}
			},
			want: "detached after "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := ec2test.NewServer(ec2test.WithDetachingDuration(tc.detaching))
			defer srv.Close()
			client := docsClient(t, srv)
			if tc.prepare != nil {
				tc.prepare(t, srv, client)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			var log lineLog
			_, _ = docsDetachAndWait(ctx, client, tc.id, &log)
			if logged := strings.Join(log.lines, "\n"); !strings.HasPrefix(logged, tc.want) {
				t.Errorf("logged %q, want it to begin %q", logged, tc.want)
			}
		})
	}
}

// docsLookup is the guide's LookupAttachment snippet.
func docsLookup(ctx context.Context, client *enidetach.Client) (*enidetach.WaitResult, error) {
	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	var none *enidetach.NoAttachmentError
	switch {
	case errors.As(err, &none):
		return nil, nil // nothing attached there (none.Interface is set when the interface exists, unattached)
	case err != nil:
		return nil, err // the lookup failed: att is nil
	}
	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID},
		func(o *enidetach.WaitOptions) { o.NetworkInterfaceID = att.NetworkInterfaceID })
	return res, err
}

// TestDocsLookup runs the snippet with something attached, with nothing
// attached and with a lookup that fails; none may panic.
func TestDocsLookup(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	client := docsClient(t, srv)
	ctx := context.Background()
	res, err := docsLookup(ctx, client)
	if err != nil || res == nil || !res.Detached || res.Detach == nil {
		t.Fatalf("attached: (%+v, %v), want detached", res, err)
	}
	if res, err := docsLookup(ctx, client); res != nil || err != nil {
		t.Errorf("nothing attached: (%+v, %v), want (nil, nil)", res, err)
	}
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	if res, err := docsLookup(ctx, client); res != nil || !errors.Is(err, enidetach.ErrUnauthorizedOperation) {
		t.Errorf("lookup refused: (%+v, %v), want UnauthorizedOperation", res, err)
	}
}

// docsAttach is the guide's "Attach" snippet.
func docsAttach(ctx context.Context, client *enidetach.Client, log *lineLog) error {
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

// TestDocsAttach runs the guide's attach snippet against ec2test through
// each of its branches, checking the interface's state after each.
func TestDocsAttach(t *testing.T) {
	t.Parallel()
	const eni, b = "eni-0123456789abcdef0", "i-0123456789abcdef1"
	if eni != ec2test.FailoverInterface || b != ec2test.InstanceB {
		t.Fatal("the guide's IDs are no longer ec2test's failover interface and instance B")
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
			var log lineLog
			err = docsAttach(context.Background(), client, &log)
			if tc.err == "" && (len(log.lines) != 1 || !strings.HasPrefix(log.lines[0], "attach accepted: eni-attach-")) {
				t.Errorf("logged %q", log.lines)
			}
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

// docsAttachAndWait is the guide's "Attach and wait" snippet.
func docsAttachAndWait(ctx context.Context, client *enidetach.Client, log *lineLog) (*enidetach.WaitResult, error) {
	res, err := client.AttachAndWait(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0",
		InstanceID:         "i-0123456789abcdef1",
		DeviceIndex:        1,
	}, func(o *enidetach.WaitOptions) { o.MaxWait = 5 * time.Minute })
	var timeout *enidetach.WaitTimeoutError
	switch {
	case errors.As(err, &timeout):
		log.Printf("attach %s accepted, still %s after %d polls", timeout.Last.Attach.AttachmentID, timeout.Last.State.AttachmentStatus, timeout.Last.Polls)
	case err != nil && res == nil:
		log.Printf("the attach failed: %v", err) // ErrInterfaceInUse, ErrDeviceIndexInUse, ErrZoneMismatch...
	case err != nil:
		log.Printf("the attach was accepted, then a poll was refused: %v", err)
	default:
		log.Printf("attached as %s after %d polls", res.Attach.AttachmentID, res.Polls)
	}
	return res, err
}

// TestDocsAttachAndWait runs every branch of the snippet, none of which may
// panic: attached, still attaching at the deadline, the attach refused (the
// interface in use), and a poll refused after an accepted attach.
func TestDocsAttachAndWait(t *testing.T) {
	t.Parallel()
	// free detaches the failover interface from instance A first.
	free := func(seed *ec2test.Seed) {
		seed.Attachments = append(seed.Attachments[:1], seed.Attachments[2:]...) // drops FailoverAttachment
	}
	for _, tc := range []struct {
		name      string
		seed      func(*ec2test.Seed)
		attaching time.Duration
		timeout   time.Duration
		faults    func(*ec2test.Server)
		want      string
	}{
		{name: "attached", seed: free, want: "attached as eni-attach-"},
		{name: "still attaching", seed: free, attaching: time.Hour, timeout: 300 * time.Millisecond, want: "attach eni-attach-"},
		{name: "in use", seed: func(*ec2test.Seed) {}, want: "the attach failed: operation error EC2: AttachNetworkInterface"},
		{name: "poll refused", seed: free, faults: func(srv *ec2test.Server) {
			srv.Inject(ec2test.Delay(0), 1)
			srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 10)
		}, want: "the attach was accepted, then a poll was refused: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := ec2test.DefaultSeed("us-east-1")
			tc.seed(&seed)
			srv := ec2test.NewServer(ec2test.WithSeed(seed), ec2test.WithAttachingDuration(tc.attaching))
			defer srv.Close()
			if tc.faults != nil {
				tc.faults(srv)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			var log lineLog
			_, _ = docsAttachAndWait(ctx, docsClient(t, srv), &log)
			if logged := strings.Join(log.lines, "\n"); !strings.HasPrefix(logged, tc.want) {
				t.Errorf("logged %q, want it to begin %q", logged, tc.want)
			}
		})
	}
}

// docsMove is the Go recipe of the guide's "Failover: move an interface",
// verbatim.
func docsMove(ctx context.Context, client *enidetach.Client, log *lineLog) {
	out, err := client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0",
		FromInstanceID:     "i-0123456789abcdef0", // where it is expected: never taken from a third instance
		FromDeviceIndex:    1,
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

// TestDocsMove runs the guide's move recipe against ec2test through
// each of its branches, checking the server after each.
func TestDocsMove(t *testing.T) {
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
		docsMove(ctx, client, &log)
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
	t.Run("taken by a third instance meanwhile", func(t *testing.T) {
		t.Parallel()
		client, srv := newClient(t)
		const third = "i-0123456789abcdef3"
		srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: srv.Region() + "a"})
		srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0123456789abcdef3", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: third, DeviceIndex: 1})
		if got := run(context.Background(), client); !strings.HasPrefix(got, "move refused (attached-elsewhere): ") {
			t.Errorf("logged %q", got)
		}
		if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.InstanceID != third || st.Detaches != 0 {
			t.Errorf("server: %+v", st)
		}
	})
	t.Run("stopped half-way, then run again", func(t *testing.T) {
		t.Parallel()
		srv := ec2test.NewServer(ec2test.WithDetachingDuration(100 * time.Millisecond))
		t.Cleanup(srv.Close)
		// Stopped once the detach is accepted, as a script's deadline
		// would stop it, however slow the machine (a 50 ms deadline
		// ended a loaded -race run before the detach).
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(),
			OnEvent: func(e enidetach.Event) {
				if e.Kind == enidetach.EventAttempt && e.Action == "DetachNetworkInterface" && e.Outcome == enidetach.OutcomeOK {
					cancel()
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
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
