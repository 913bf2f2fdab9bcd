// Command enidetach detaches an EC2 network interface, or moves it to
// another instance, for failover scripts and agents. Credentials and region
// come from where the AWS SDK finds them (environment, ~/.aws, container,
// instance role).
//
//	go install github.com/ec2lite/enidetach/cmd/enidetach@latest
//
//	enidetach (-attachment-id ID | -network-interface-id ID | -instance-id ID -device-index N [-network-card-index N])
//	          [-dry-run] [-force] [-region R] [-endpoint URL] [-profile P] [-timeout D]
//	          [-wait [-max-wait D] [-idempotent]] [-json] [-debug] [-version]
//	enidetach SOURCE -to-instance-id ID [-to-device-index N] [-to-network-card-index N]
//	          [-dry-run] [-force] [-max-wait D] [-region R] [-endpoint URL] [-profile P] [-timeout D] [-json] [-debug]
//	SOURCE: -network-interface-id ID, -instance-id ID -device-index N [-network-card-index N], -attachment-id ID,
//	        or -network-interface-id ID with one of the other two
//
// Exit status, for scripts to branch on:
//
//	0  done: detached (available, with -wait), a permitted dry run, or
//	   already detached with -idempotent; a move seen attached at the
//	   target, or found there already
//	1  refused by the service (or no such attachment), failed on the
//	   network before the detach was sent (a lookup, or a detach that
//	   could not connect), or stopped by a signal before the detach was
//	   sent; a move refused before it changed anything, or whose detach
//	   or attach was refused
//	2  usage or configuration (before the detach was accepted): bad
//	   flags, no credentials, no region
//	3  the detach was accepted (or sent, its answer lost or not yet
//	   seen) but the interface was not yet available when the wait ended
//	   (-max-wait, a failed poll, or a signal); a move that sent its
//	   detach or attach but was not seen finished (run it again)
//
// SIGINT, SIGTERM and SIGHUP stop the command as -max-wait does: requests
// in flight end and the result so far is printed, with an error of kind
// "interrupted" naming the signal. A second signal, a second or more after
// the first, ends it at once. -h prints the synopsis, the exit statuses
// and the flags.
//
// With -json, stdout holds one JSON object with only what was observed; see
// docs/command.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/ec2lite/enidetach"
)

// Exit statuses.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitPending = 3
	// exitNotAttached is -status's answer when EC2 shows the interface
	// not attached to the instance.
	exitNotAttached = 4
)

// Defaults of -timeout and -max-wait. Real detaches take seconds to a few
// minutes; one still detaching after 10 minutes is stuck (see -force).
const (
	defaultTimeout = 30 * time.Second
	defaultMaxWait = 10 * time.Minute
)

// testPollDelay is empty but in the tests' builds (go build -ldflags
// "-X main.testPollDelay=50ms"), whose waits then poll at that fixed delay:
// the tests that run the command as a process prove its signals, kills,
// outputs and the agents' scripts against a fake whose transitions take a
// fraction of a second; the library's tests prove its schedule.
var testPollDelay string

func main() {
	ctx, stop := interruptible(context.Background())
	status := runTuned(ctx, os.Args[1:], os.Stdout, os.Stderr, fixedPolls(testPollDelay))
	stop()
	os.Exit(status)
}

// fixedPolls returns a tune that makes every wait poll every delay, or nil
// when delay is not a positive duration.
func fixedPolls(delay string) func(*enidetach.WaitOptions) {
	d, err := time.ParseDuration(delay)
	if err != nil || d <= 0 {
		return nil
	}
	return func(o *enidetach.WaitOptions) { o.MinDelay, o.MaxDelay = d, d }
}

// run runs the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runTuned(ctx, args, stdout, stderr, nil)
}

// runTuned is run with tune, when set, applied to the options of every
// wait (tests poll in milliseconds instead of the library's seconds).
func runTuned(ctx context.Context, args []string, stdout, stderr io.Writer, tune func(*enidetach.WaitOptions)) int {
	f, err := parse(args, stdout, stderr)
	if f != nil {
		f.tune = tune
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errFlagPrinted):
		if wantsJSON(args) {
			// The flag package told the human on stderr; a script still
			// gets its one object.
			report(stdout, stderr, &result{Error: &errorJSON{Kind: "validation", Message: "bad flags: see stderr"}}, true)
		}
		return exitUsage
	case err != nil:
		if f.asJSON {
			report(stdout, stderr, &result{Error: &errorJSON{Kind: "validation", Message: err.Error()}}, true)
		} else {
			fmt.Fprintln(stderr, "enidetach:", err)
		}
		return exitUsage
	case f.version:
		fmt.Fprintf(stdout, "enidetach %s (%s)\n", enidetach.Version, runtime.Version())
		return exitOK
	}
	res, err := work(ctx, f, stderr)
	var status int
	switch {
	case f.status:
		res.Error, status = statusOutcome(ctx, res, err)
	case f.moving():
		res.Error, status = moveOutcome(ctx, err)
		resumeHint(f, res, status)
	default:
		res.Error, status = detachOutcome(ctx, res, err)
	}
	report(stdout, stderr, res, f.asJSON)
	return status
}

// newClient returns the client the flags ask for. With self, and no
// region found where the SDK looks, the region is this instance's.
func newClient(f *flags, self *instanceIdentity, stderr io.Writer) (*enidetach.Client, error) {
	opts := enidetach.Options{Region: f.region, BaseEndpoint: f.endpoint, Profile: f.profile, AttemptTimeout: f.timeout, AppID: "enidetach-cli"}
	if f.debug {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	client, err := enidetach.New(opts)
	var ve *enidetach.ValidationError
	if self != nil && self.Region != "" && errors.As(err, &ve) && ve.Field == "Options.Region" {
		opts.Region = self.Region
		return enidetach.New(opts)
	}
	return client, err
}

// work runs the command: a detach, a move or -status. The result holds
// what was observed even when err is set.
func work(ctx context.Context, f *flags, stderr io.Writer) (*result, error) {
	res := &result{AttachmentID: f.attachmentID, NetworkInterfaceID: f.interfaceID, InstanceID: f.instanceID, DryRun: f.dryRun, ToInstanceID: f.toInstanceID, statusCheck: f.status}
	self, err := resolveSelf(ctx, f) // before anything is sent to EC2
	if err != nil {
		return res, err
	}
	res.InstanceID, res.ToInstanceID = f.instanceID, f.toInstanceID
	if f.set["device-index"] {
		res.DeviceIndex, res.NetworkCardIndex = &f.deviceIndex, &f.cardIndex
	}
	client, err := newClient(f, self, stderr)
	if err != nil {
		return res, err
	}
	if f.wait || f.status {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.maxWait)
		defer cancel()
	}
	if f.status {
		return res, checkStatus(ctx, client, f, res)
	}
	if f.moving() {
		return res, moveInterface(ctx, client, f, res, stderr)
	}
	return res, detach(ctx, client, f, res, stderr)
}
