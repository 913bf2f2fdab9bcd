// Command local shows enidetach end to end with no AWS account: it starts
// the ec2test fake EC2 endpoint in-process and walks through what a
// failover script meets, with the real client.
//
//	go run ./examples/local
//
// With -serve it instead keeps the fake running for other clients (the AWS
// CLI, botocore, your own code) and prints its endpoint, region, keys and
// attachment IDs on one JSON line:
//
//	go run ./examples/local -serve 127.0.0.1:8599
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
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

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	serve := fs.String("serve", "", "keep a fake EC2 endpoint running on this loopback address (e.g. 127.0.0.1:8599) instead of running the demo")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := []ec2test.Option{
		ec2test.WithKeys(ec2test.Key{AccessKeyID: deniedKeyID, SecretAccessKey: deniedSecret, Denied: true}),
		ec2test.WithAttachments(
			ec2test.Attachment{AttachmentID: primary, NetworkInterfaceID: "eni-00000000000000000", InstanceID: "i-0123456789abcdef0", DeviceIndex: 0},
			ec2test.Attachment{AttachmentID: secondary, NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef0", DeviceIndex: 1},
			ec2test.Attachment{AttachmentID: standby, NetworkInterfaceID: "eni-0aaaaaaaaaaaaaaa1", InstanceID: "i-0123456789abcdef0", DeviceIndex: 2},
		),
		ec2test.WithDetachingDuration(1500 * time.Millisecond),
	}
	if *serve != "" {
		return serveFake(ctx, *serve, opts, stdout, stderr)
	}
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

// serveFake runs the fake until interrupted.
func serveFake(ctx context.Context, addr string, opts []ec2test.Option, stdout, stderr io.Writer) int {
	srv, err := ec2test.NewServerAt(addr, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "local:", err)
		return 2
	}
	defer srv.Close()
	var attachments []string
	for _, st := range srv.Interfaces() {
		if st.Attachment != nil {
			attachments = append(attachments, st.Attachment.AttachmentID)
		}
	}
	line, _ := json.Marshal(map[string]any{
		"endpoint":        srv.URL,
		"region":          srv.Region(),
		"accessKeyId":     ec2test.DefaultAccessKeyID,
		"secretAccessKey": ec2test.DefaultSecretAccessKey,
		"attachmentIds":   attachments,
	})
	fmt.Fprintln(stdout, string(line))
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	return 0
}
