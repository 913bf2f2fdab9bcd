package enidetach_test

import (
	"context"
	"errors"
	"log"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// readmeDetachAndWait is the README's "Detach and wait" snippet.
func readmeDetachAndWait(ctx context.Context, client *enidetach.Client, id string) (*enidetach.WaitResult, error) {
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

// TestREADMEDetachAndWait runs every branch of the snippet, none of which
// may panic: detached, timed out, the detach refused, a poll refused after
// an accepted detach, a detach that found the attachment gone (with its
// poll failing or not), and a detach already in progress (IncorrectState,
// Detach nil) that is waited out.
func TestREADMEDetachAndWait(t *testing.T) {
	logged := captureLog(t)
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
			logged.Reset()
			srv := ec2test.NewServer(ec2test.WithDetachingDuration(tc.detaching))
			defer srv.Close()
			client := readmeClient(t, srv)
			if tc.prepare != nil {
				tc.prepare(t, srv, client)
			}
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			_, _ = readmeDetachAndWait(ctx, client, tc.id)
			if !strings.HasPrefix(logged.String(), tc.want) {
				t.Errorf("logged %q, want it to begin %q", logged, tc.want)
			}
		})
	}
}
