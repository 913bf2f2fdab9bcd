// Command local shows enidetach end to end with no AWS account: it starts
// the ec2test fake EC2 endpoint in-process and walks through what a
// failover script meets, with the real client, and ends with the failover
// itself: a move of an interface to another instance, run twice, and one
// refused.
//
//	go run ./examples/local
//
// With -serve it instead keeps the fake running for other clients (the AWS
// CLI, botocore, your own code, a test container) and prints on one JSON
// line its endpoint, region, every key with what it may do, the instances
// and every interface with its attachment, instance and device index, and
// the reset request that restores that state. Each instance gets its own
// instance metadata service (IMDSv2), printed as its imdsEndpoint: set
// AWS_EC2_METADATA_SERVICE_ENDPOINT to it to run as that instance:
//
//	go run ./examples/local -serve 127.0.0.1:8599
//
// The built-in state (ec2test.DefaultSeed) holds a whole failover:
// detach eni-attach-0123456789abcdef0 from i-0123456789abcdef0, then attach
// eni-0123456789abcdef0 to i-0123456789abcdef1 (same zone, device index 1
// free); i-0123456789abcdef2 is in another zone. Only loopback addresses
// are served unless -any-address is given, for a container network, say:
// then anyone who can reach the address can use the printed keys. Served on
// every address (-any-address -serve 0.0.0.0:8599), the line's endpoint is
// one of the host's own addresses, and "endpoints" lists each that other
// hosts can use. -h prints the synopsis and the exit statuses.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The story's cast: a denied key and one more secondary interface.
const (
	deniedKeyID  = "AKIAEC2TESTDENIED001"
	deniedSecret = "ec2test/denied/key"
	secondary    = "eni-attach-0123456789abcdef0"
	primary      = "eni-attach-00000000000000000"
	standby      = "eni-attach-0aaaaaaaaaaaaaaa1"
)

// defaultTransition is how long an attach or a detach takes in the fake:
// long enough for a wait to poll more than once.
const defaultTransition = 1500 * time.Millisecond

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serve := fs.String("serve", "", "keep a fake EC2 endpoint running on this address (e.g. 127.0.0.1:8599) instead of running the demo")
	anyAddress := fs.Bool("any-address", false, "let -serve listen on a non-loopback address (anyone who can reach it can use the printed keys)")
	transition := fs.Duration("transition", defaultTransition, "with -serve: how long an attach or a detach takes (0: done at once, for fast tests of scripts)")
	fs.Usage = func() {} // -h prints the help on stdout, a bad flag a hint on stderr
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return 0
		}
		fmt.Fprint(stderr, synopsis, "Run local -h for the flags and the exit statuses.\n")
		return 2
	}
	if fs.NArg() > 0 || (*anyAddress || *transition != defaultTransition) && *serve == "" || *transition < 0 {
		fmt.Fprint(stderr, "local: -any-address and -transition (not negative) go with -serve, and no arguments are taken\n", synopsis)
		return 2
	}
	opts := []ec2test.Option{
		ec2test.WithKeys(ec2test.Key{AccessKeyID: deniedKeyID, SecretAccessKey: deniedSecret, Denied: true}),
		ec2test.WithDetachingDuration(*transition),
		ec2test.WithAttachingDuration(*transition),
	}
	if *serve != "" {
		if *anyAddress {
			opts = append(opts, ec2test.WithAnyAddress())
			fmt.Fprintln(stderr, "local: WARNING: -any-address: anyone who can reach "+*serve+" can use the printed keys and reset the fake")
		}
		return serveFake(ctx, *serve, opts, stdout, stderr)
	}
	seed := ec2test.DefaultSeed("us-east-1")
	seed.Attachments = append(seed.Attachments,
		ec2test.Attachment{AttachmentID: standby, NetworkInterfaceID: "eni-0aaaaaaaaaaaaaaa1", InstanceID: ec2test.InstanceA, DeviceIndex: 2},
		ec2test.Attachment{AttachmentID: "eni-attach-0aaaaaaaaaaaaaaa0", NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 3})
	opts = append(opts, ec2test.WithSeed(seed))
	srv := ec2test.NewServer(opts...)
	defer srv.Close()
	if err := story(ctx, srv, stdout); err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 1
	}
	return 0
}

// story runs the demo; any step that does not go as told is an error.
func story(ctx context.Context, srv *ec2test.Server, w io.Writer) error {
	client, err := enidetach.New(enidetach.Options{
		Region:       srv.Region(),
		BaseEndpoint: srv.URL,
		Credentials:  srv.Credentials(),
		AppID:        "enidetach-demo",
		MaxAttempts:  3, // step 7 shows retries, whatever AWS_MAX_ATTEMPTS says
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "fake EC2 endpoint %s (region %s)\n\n", srv.URL, srv.Region())

	step := func(n int, title string) { fmt.Fprintf(w, "%d. %s\n", n, title) }

	step(1, "dry run: may we detach "+secondary+"?")
	_, err = client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	if !errors.Is(err, enidetach.ErrDryRunOperation) {
		return fmt.Errorf("dry run: %v", err)
	}
	fmt.Fprintf(w, "   permitted (%s)\n", code(err))

	step(2, "dry run with a key that lacks permission")
	denied, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(deniedKeyID, deniedSecret, "")})
	if err != nil {
		return err
	}
	_, err = denied.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	if !errors.Is(err, enidetach.ErrUnauthorizedOperation) {
		return fmt.Errorf("denied dry run: %v", err)
	}
	fmt.Fprintf(w, "   refused (%s)\n", code(err))

	step(3, "find what is attached at device index 1 of i-0123456789abcdef0, and detach it")
	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	if err != nil {
		return fmt.Errorf("lookup: %v", err)
	}
	fmt.Fprintf(w, "   found %s (interface %s, %s)\n", att.AttachmentID, att.NetworkInterfaceID, att.AttachmentStatus)
	out, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID})
	if err != nil {
		return fmt.Errorf("detach: %v", err)
	}
	fmt.Fprintf(w, "   return=%t request id %s\n", out.Return, out.RequestID)

	step(4, "wait until the interface is available")
	res, err := client.WaitUntilDetached(ctx, secondary, func(o *enidetach.WaitOptions) {
		o.NetworkInterfaceID = "eni-0123456789abcdef0"
		o.MinDelay = 400 * time.Millisecond
		o.OnPoll = func(r enidetach.WaitResult) {
			fmt.Fprintf(w, "   poll %d: interface %s, attachment %s\n", r.Polls, r.State.Status, orGone(r.State.AttachmentStatus))
		}
	})
	if err != nil {
		return fmt.Errorf("wait: %v", err)
	}
	fmt.Fprintf(w, "   available after %d polls\n", res.Polls)

	step(5, "detach it again")
	_, err = client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: secondary})
	if !errors.Is(err, enidetach.ErrAttachmentNotFound) {
		return fmt.Errorf("second detach: %v", err)
	}
	fmt.Fprintf(w, "   %s: already gone\n", code(err))

	step(6, "detach the primary interface "+primary)
	_, err = client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: primary})
	var ae *enidetach.APIError
	if !errors.As(err, &ae) || ae.Code != "OperationNotPermitted" {
		return fmt.Errorf("primary detach: %v", err)
	}
	fmt.Fprintf(w, "   %s: %s\n", ae.Code, ae.Message)

	step(7, "detach "+standby+" while EC2 throttles twice")
	srv.Inject(ec2test.Throttle(), 2)
	srv.ResetRequests()
	start := time.Now()
	res, err = client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: standby}, func(o *enidetach.WaitOptions) {
		o.MinDelay = 400 * time.Millisecond
		o.Idempotent = true
	})
	if err != nil {
		return fmt.Errorf("throttled detach: %v", err)
	}
	throttled := 0
	for _, r := range srv.Requests() {
		if r.ErrorCode == "RequestLimitExceeded" {
			throttled++
		}
	}
	fmt.Fprintf(w, "   detached after %d throttled attempts and %d polls, %s\n", throttled, res.Polls, time.Since(start).Round(100*time.Millisecond))

	step(8, "detach-and-wait it again, idempotently")
	res, err = client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: standby}, func(o *enidetach.WaitOptions) { o.Idempotent = true })
	if err != nil || !res.AlreadyDetached {
		return fmt.Errorf("idempotent detach: %v", err)
	}
	fmt.Fprintln(w, "   already detached: nothing to do")

	// The failover a detach serves: the spare interface moves from A to B.
	move := &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface,
		FromInstanceID:     ec2test.InstanceA, FromDeviceIndex: 3,
		ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 2,
	}
	fast := func(o *enidetach.WaitOptions) { o.MinDelay = 400 * time.Millisecond }
	step(9, "fail over: move "+ec2test.SpareInterface+" from device index 3 of "+ec2test.InstanceA+" to device index 2 of "+ec2test.InstanceB)
	mv, err := client.MoveNetworkInterface(ctx, move, fast)
	if err != nil {
		return fmt.Errorf("move: %v", err)
	}
	fmt.Fprintf(w, "   detached %s (%d polls), attached as %s (%d polls): %s at device index %d\n",
		mv.Detach.AttachmentID, mv.Detach.Polls, mv.Attach.AttachmentID, mv.Attach.Polls, mv.State.InstanceID, mv.State.DeviceIndex)

	step(10, "run the same move again, as a script stopped half-way would")
	srv.ResetRequests()
	mv, err = client.MoveNetworkInterface(ctx, move, fast)
	if err != nil || !mv.AlreadyAtTarget {
		return fmt.Errorf("move again: %v", err)
	}
	var actions []string
	for _, r := range srv.Requests() {
		actions = append(actions, r.Action)
	}
	fmt.Fprintf(w, "   already attached there; sent only %s\n", strings.Join(actions, ", "))

	step(11, "move it on to "+ec2test.InstanceC+", in another zone")
	_, err = client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface,
		FromInstanceID:     ec2test.InstanceB, FromDeviceIndex: 2,
		ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1,
	}, fast)
	var refused *enidetach.MoveRefusedError
	if !errors.As(err, &refused) {
		return fmt.Errorf("move to another zone: %v", err)
	}
	fmt.Fprintf(w, "   refused before anything was detached (%s): %s\n", refused.Reason, refused.Detail)
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
