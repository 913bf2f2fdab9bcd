// Command detach detaches an EC2 network interface, for real use and as an
// example of the library. Credentials and region come from where the AWS
// SDK finds them (environment, ~/.aws, container, instance role).
//
//	detach -attachment-id eni-attach-0123456789abcdef0 [-dry-run] [-force]
//	       [-region R] [-endpoint URL] [-profile P] [-timeout D] [-json]
//	       [-wait [-max-wait D] [-idempotent]]
//
// Exit status: 0 on success and on a permitted dry run; 1 when the service
// or the network refuses (the error code and message are printed); 2 for
// usage and configuration errors.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ec2lite/enidetach"
)

// Exit statuses.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// result is what -json prints.
type result struct {
	AttachmentID    string     `json:"attachmentId"`
	DryRun          bool       `json:"dryRun,omitempty"`
	DryRunPermitted bool       `json:"dryRunPermitted,omitempty"`
	Return          bool       `json:"return,omitempty"`
	RequestID       string     `json:"requestId,omitempty"`
	Status          string     `json:"status,omitempty"`
	Polls           int        `json:"polls,omitempty"`
	AlreadyDetached bool       `json:"alreadyDetached,omitempty"`
	Error           *errorJSON `json:"error,omitempty"`
}

type errorJSON struct {
	Code      string `json:"code,omitempty"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("detach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.String("attachment-id", "", "attachment ID to detach (required), e.g. eni-attach-0123456789abcdef0")
	dryRun := fs.Bool("dry-run", false, "check permission without detaching")
	force := fs.Bool("force", false, "force the detach (last resort: see the README)")
	region := fs.String("region", "", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)")
	endpoint := fs.String("endpoint", "", "endpoint URL instead of the regional one, e.g. a local ec2test")
	profile := fs.String("profile", "", "shared config profile (default: AWS_PROFILE or default)")
	timeout := fs.Duration("timeout", 30*time.Second, "bound on the detach (and the wait, unless -max-wait is set)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	wait := fs.Bool("wait", false, "wait until the interface is available; progress goes to stderr")
	maxWait := fs.Duration("max-wait", 0, "with -wait: give up after this long (default: -timeout)")
	idempotent := fs.Bool("idempotent", false, "with -wait: treat an attachment that is not found as already detached")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *id == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "detach: -attachment-id is required and no arguments are taken")
		fs.Usage()
		return exitUsage
	}
	if *dryRun && *wait {
		fmt.Fprintln(stderr, "detach: -wait cannot be combined with -dry-run")
		return exitUsage
	}

	client, err := enidetach.New(enidetach.Options{Region: *region, BaseEndpoint: *endpoint, Profile: *profile, AppID: "enidetach-cli"})
	if err != nil {
		fmt.Fprintln(stderr, "detach:", err)
		return exitUsage
	}
	budget := *timeout
	if *wait && *maxWait > budget {
		budget = *maxWait
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()

	in := &enidetach.DetachNetworkInterfaceInput{AttachmentID: *id, DryRun: *dryRun, Force: *force}
	res := result{AttachmentID: *id, DryRun: *dryRun}
	if *wait {
		var wr *enidetach.WaitResult
		wr, err = client.DetachAndWait(ctx, in, func(o *enidetach.WaitOptions) {
			o.MaxWait = *maxWait
			o.Idempotent = *idempotent
			o.OnPoll = func(r enidetach.WaitResult) {
				fmt.Fprintf(stderr, "poll %d: interface %s status %s, attachment %s (%s)\n", r.Polls,
					orNone(r.State.NetworkInterfaceID), orNone(r.State.Status), orGone(r.State.AttachmentStatus), r.Elapsed.Round(time.Millisecond))
			}
		})
		if wr != nil {
			res.Status, res.Polls, res.AlreadyDetached = wr.State.Status, wr.Polls, wr.AlreadyDetached
			if wr.Detached {
				res.Return, res.Status = true, "available"
			}
		}
	} else {
		var out *enidetach.DetachNetworkInterfaceOutput
		out, err = client.DetachNetworkInterface(ctx, in)
		if out != nil {
			res.Return, res.RequestID = out.Return, out.RequestID
		}
	}

	status := exitOK
	switch {
	case err == nil:
	case *dryRun && errors.Is(err, enidetach.ErrDryRunOperation):
		res.DryRunPermitted = true
		res.RequestID = requestID(err)
	default:
		res.Error = describe(err)
		status = exitError
		var ve *enidetach.ValidationError
		if errors.As(err, &ve) {
			status = exitUsage
		}
	}
	print(stdout, stderr, res, *asJSON)
	return status
}

// describe turns an error into its printable parts.
func describe(err error) *errorJSON {
	var ae *enidetach.APIError
	if errors.As(err, &ae) {
		return &errorJSON{Code: ae.Code, Message: err.Error(), RequestID: ae.RequestID}
	}
	return &errorJSON{Message: err.Error()}
}

func requestID(err error) string {
	var ae *enidetach.APIError
	if errors.As(err, &ae) {
		return ae.RequestID
	}
	return ""
}

// print writes the result as text (errors to stderr) or as JSON (stdout).
func print(stdout, stderr io.Writer, r result, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(stdout, string(b))
		return
	}
	switch {
	case r.Error != nil && r.Error.Code != "":
		fmt.Fprintf(stderr, "detach: %s: %s\n", r.Error.Code, r.Error.Message)
	case r.Error != nil:
		fmt.Fprintf(stderr, "detach: %s\n", r.Error.Message)
	case r.DryRunPermitted:
		fmt.Fprintf(stdout, "dry run: detaching %s would be permitted (request id %s)\n", r.AttachmentID, r.RequestID)
	case r.AlreadyDetached:
		fmt.Fprintf(stdout, "%s was already detached; interface available\n", r.AttachmentID)
	case r.Polls > 0:
		fmt.Fprintf(stdout, "detached %s: interface available after %d polls\n", r.AttachmentID, r.Polls)
	default:
		fmt.Fprintf(stdout, "detached %s: return=%t request id %s\n", r.AttachmentID, r.Return, r.RequestID)
	}
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func orGone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}
