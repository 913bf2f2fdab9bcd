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
	"time"

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
