package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// story runs the demo; any step that does not go as told is an error.
func story(ctx context.Context, srv *ec2test.Server, w io.Writer) error {
	client, err := enidetach.New(enidetach.Options{
		Region:       srv.Region(),
		BaseEndpoint: srv.URL,
		Credentials:  srv.Credentials(),
		AppID:        "enidetach-demo",
		MaxAttempts:  3, // step 7 shows retries, whatever AWS_MAX_ATTEMPTS says
		// Step 7's backoffs below a second each: a throttled client with
		// no evidence of the rate backs off up to 12 s, then 48 s, which a
		// demo would spend waiting.
		MaxBackoff: time.Second,
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fake EC2 endpoint %s (region %s)\n\n", srv.URL, srv.Region())
	d := &demo{ctx: ctx, srv: srv, client: client, w: w}
	for _, act := range []func() error{d.dryRuns, d.detachAndWait, d.refusedDetaches, d.throttledDetach, d.failover, d.refusedMove} {
		if err := act(); err != nil {
			return err
		}
	}
	return nil
}

// demo is what every act of the story shares: the fake, the client that
// talks to it and where the story is told.
type demo struct {
	ctx    context.Context
	srv    *ec2test.Server
	client *enidetach.Client
	w      io.Writer
}

func (d *demo) step(n int, title string) { fmt.Fprintf(d.w, "%d. %s\n", n, title) }

// dryRuns asks whether a detach is allowed, with a key that may and one that
// may not (steps 1 and 2).
func (d *demo) dryRuns() error {
	d.step(1, "dry run: may we detach "+secondary+"?")
	_, err := d.client.DetachNetworkInterface(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	if !errors.Is(err, enidetach.ErrDryRunOperation) {
		return fmt.Errorf("dry run: %v", err)
	}
	fmt.Fprintf(d.w, "   permitted (%s)\n", code(err))

	d.step(2, "dry run with a key that lacks permission")
	denied, err := enidetach.New(enidetach.Options{Region: d.srv.Region(), BaseEndpoint: d.srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(deniedKeyID, deniedSecret, "")})
	if err != nil {
		return err
	}
	_, err = denied.DetachNetworkInterface(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	if !errors.Is(err, enidetach.ErrUnauthorizedOperation) {
		return fmt.Errorf("denied dry run: %v", err)
	}
	fmt.Fprintf(d.w, "   refused (%s)\n", code(err))
	return nil
}

// detachAndWait finds the secondary interface's attachment, detaches it and
// waits, showing every poll (steps 3 and 4).
func (d *demo) detachAndWait() error {
	d.step(3, "find what is attached at device index 1 of i-0123456789abcdef0, and detach it")
	att, err := d.client.LookupAttachment(d.ctx, &enidetach.LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	if err != nil {
		return fmt.Errorf("lookup: %v", err)
	}
	fmt.Fprintf(d.w, "   found %s (interface %s, %s)\n", att.AttachmentID, att.NetworkInterfaceID, att.AttachmentStatus)
	out, err := d.client.DetachNetworkInterface(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID})
	if err != nil {
		return fmt.Errorf("detach: %v", err)
	}
	fmt.Fprintf(d.w, "   return=%t request id %s\n", out.Return, out.RequestID)

	d.step(4, "wait until the interface is available")
	res, err := d.client.WaitUntilDetached(d.ctx, secondary, func(o *enidetach.WaitOptions) {
		o.NetworkInterfaceID = "eni-0123456789abcdef0"
		o.MinDelay = 400 * time.Millisecond
		o.OnPoll = func(r enidetach.WaitResult) {
			fmt.Fprintf(d.w, "   poll %d: interface %s, attachment %s\n", r.Polls, r.State.Status, orGone(r.State.AttachmentStatus))
		}
	})
	if err != nil {
		return fmt.Errorf("wait: %v", err)
	}
	fmt.Fprintf(d.w, "   available after %d polls\n", res.Polls)
	return nil
}

// refusedDetaches shows the two answers a detach script must tell apart:
// already gone, and never allowed (steps 5 and 6).
func (d *demo) refusedDetaches() error {
	d.step(5, "detach it again")
	_, err := d.client.DetachNetworkInterface(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary})
	if !errors.Is(err, enidetach.ErrAttachmentNotFound) {
		return fmt.Errorf("second detach: %v", err)
	}
	fmt.Fprintf(d.w, "   %s: already gone\n", code(err))

	d.step(6, "detach the primary interface "+primary)
	_, err = d.client.DetachNetworkInterface(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: primary})
	var ae *enidetach.APIError
	if !errors.As(err, &ae) || ae.Code != "OperationNotPermitted" {
		return fmt.Errorf("primary detach: %v", err)
	}
	fmt.Fprintf(d.w, "   %s: %s\n", ae.Code, ae.Message)
	return nil
}

// throttledDetach detaches while the fake throttles, then once more,
// idempotently (steps 7 and 8).
func (d *demo) throttledDetach() error {
	d.step(7, "detach "+standby+" while EC2 throttles twice")
	d.srv.Inject(ec2test.Throttle(), 2)
	d.srv.ResetRequests()
	start := time.Now()
	res, err := d.client.DetachAndWait(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: standby}, func(o *enidetach.WaitOptions) {
		o.MinDelay = 400 * time.Millisecond
		o.Idempotent = true
	})
	if err != nil {
		return fmt.Errorf("throttled detach: %v", err)
	}
	throttled := 0
	for _, r := range d.srv.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	fmt.Fprintf(d.w, "   detached after %d throttled attempts and %d polls, %s\n", throttled, res.Polls, time.Since(start).Round(100*time.Millisecond))

	d.step(8, "detach-and-wait it again, idempotently")
	res, err = d.client.DetachAndWait(d.ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: standby}, func(o *enidetach.WaitOptions) { o.Idempotent = true })
	if err != nil || !res.AlreadyDetached {
		return fmt.Errorf("idempotent detach: %v", err)
	}
	fmt.Fprintln(d.w, "   already detached: nothing to do")
	return nil
}

// fastWait keeps the story's moves short.
func fastWait(o *enidetach.WaitOptions) { o.MinDelay = 400 * time.Millisecond }

// failover is what a detach serves: the spare interface moves from A to B,
// and the same move run again finds it done (steps 9 and 10).
func (d *demo) failover() error {
	move := &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface,
		FromInstanceID:     ec2test.InstanceA, FromDeviceIndex: 3,
		ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 2,
	}
	d.step(9, "fail over: move "+ec2test.SpareInterface+" from device index 3 of "+ec2test.InstanceA+" to device index 2 of "+ec2test.InstanceB)
	mv, err := d.client.MoveNetworkInterface(d.ctx, move, fastWait)
	if err != nil {
		return fmt.Errorf("move: %v", err)
	}
	fmt.Fprintf(d.w, "   detached %s (%d polls), attached as %s (%d polls): %s at device index %d\n",
		mv.Detach.AttachmentID, mv.Detach.Polls, mv.Attach.AttachmentID, mv.Attach.Polls, mv.State.InstanceID, mv.State.DeviceIndex)

	d.step(10, "run the same move again, as a script stopped half-way would")
	d.srv.ResetRequests()
	mv, err = d.client.MoveNetworkInterface(d.ctx, move, fastWait)
	if err != nil || !mv.AlreadyAtTarget {
		return fmt.Errorf("move again: %v", err)
	}
	var actions []string
	for _, r := range d.srv.Requests() {
		actions = append(actions, r.Action)
	}
	fmt.Fprintf(d.w, "   already attached there; sent only %s\n", strings.Join(actions, ", "))
	return nil
}

// refusedMove asks for a move across zones, which is refused before
// anything is detached (step 11).
func (d *demo) refusedMove() error {
	d.step(11, "move it on to "+ec2test.InstanceC+", in another zone")
	_, err := d.client.MoveNetworkInterface(d.ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface,
		FromInstanceID:     ec2test.InstanceB, FromDeviceIndex: 2,
		ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1,
	}, fastWait)
	var refused *enidetach.MoveRefusedError
	if !errors.As(err, &refused) {
		return fmt.Errorf("move to another zone: %v", err)
	}
	fmt.Fprintf(d.w, "   refused before anything was detached (%s): %s\n", refused.Reason, refused.Detail)
	return nil
}

// code returns the API error code in err.
func code(err error) string {
	var ae *enidetach.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return err.Error()
}

func orGone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}
