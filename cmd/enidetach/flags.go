package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ec2lite/enidetach"
)

// flags holds the parsed command line.
type flags struct {
	attachmentID, interfaceID, instanceID string
	deviceIndex, cardIndex                int
	dryRun, force, wait, idempotent       bool
	region, endpoint, profile             string
	timeout, maxWait                      time.Duration
	asJSON, debug, version, status        bool
	toInstanceID                          string
	toDeviceIndex, toCardIndex            int
	set                                   map[string]bool
	// tune, set by tests, adjusts every wait's options.
	tune func(*enidetach.WaitOptions)
}

// newFlagSet returns the command's flags, to be parsed into f.
func newFlagSet(f *flags, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("enidetach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // -h prints the help on stdout, a bad flag a hint on stderr
	fs.StringVar(&f.attachmentID, "attachment-id", "", "attachment to detach, e.g. eni-attach-0123456789abcdef0")
	fs.StringVar(&f.interfaceID, "network-interface-id", "", "or: the interface whose attachment to detach, e.g. eni-0123456789abcdef0")
	fs.StringVar(&f.instanceID, "instance-id", "", "or: the instance, with -device-index; with -network-interface-id alone: detach only from this instance (self: the instance the command runs on)")
	fs.IntVar(&f.deviceIndex, "device-index", 0, "with -instance-id: the interface's device index")
	fs.IntVar(&f.cardIndex, "network-card-index", 0, "with -instance-id: the device index's network card")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check permission without changing anything (a move: both the detach and the attach)")
	fs.BoolVar(&f.force, "force", false, "force the detach (last resort: see docs/command.md)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)")
	fs.StringVar(&f.endpoint, "endpoint", "", "endpoint URL instead of the regional one, e.g. a local ec2test")
	fs.StringVar(&f.profile, "profile", "", "shared config profile (default: AWS_PROFILE or default)")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "bound on each request to EC2; one that runs out is retried")
	fs.BoolVar(&f.wait, "wait", false, "wait until the interface is available; progress goes to stderr")
	fs.DurationVar(&f.maxWait, "max-wait", defaultMaxWait, "with -wait, a move or -status: bound on the whole command; exit 3 if the interface is not seen available (attached, for a move) by then (-status: exit 1)")
	fs.BoolVar(&f.idempotent, "idempotent", false, "with -wait: an attachment already gone counts as detached")
	fs.StringVar(&f.toInstanceID, "to-instance-id", "", "move: attach the interface to this instance once detached (implies -wait; self: the instance the command runs on)")
	fs.IntVar(&f.toDeviceIndex, "to-device-index", 0, "with -to-instance-id: the device index to attach at (default: the one the interface had)")
	fs.IntVar(&f.toCardIndex, "to-network-card-index", 0, "with -to-instance-id: the network card to attach at (default 0, as for EC2's AttachNetworkInterface)")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as one JSON object on stdout")
	fs.BoolVar(&f.debug, "debug", false, "log every request to stderr (signatures and tokens redacted)")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	fs.BoolVar(&f.status, "status", false, "with -network-interface-id and -instance-id: exit 0 if the interface is attached to the instance, 4 if not (1: EC2 could not be asked); sends nothing that changes anything")
	return fs
}

// parse reads the command line; -h prints the help on stdout.
func parse(args []string, stdout, stderr io.Writer) (*flags, error) {
	f := &flags{set: map[string]bool{}}
	fs := newFlagSet(f, stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return nil, err
		}
		fmt.Fprint(stderr, synopsis, "Run enidetach -h for the flags and the exit statuses.\n")
		return nil, errFlagPrinted // the flag package printed why
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if f.version {
		return f, nil
	}
	if fs.NArg() > 0 {
		return f, fmt.Errorf("no arguments are taken, got %q", fs.Args())
	}
	return f, f.check()
}

// check checks a parsed command line that asks for work.
func (f *flags) check() error {
	if f.status {
		if err := f.checkStatusFlags(); err != nil {
			return err
		}
	}
	if err := f.checkSource(); err != nil {
		return err
	}
	switch {
	case f.deviceIndex < 0 || f.cardIndex < 0:
		return errors.New("-device-index and -network-card-index cannot be negative")
	case f.timeout <= 0:
		return fmt.Errorf("-timeout must be positive, got %v", f.timeout)
	case f.maxWait <= 0:
		return fmt.Errorf("-max-wait must be positive, got %v", f.maxWait)
	case f.status:
		return nil
	case !f.moving() && (f.set["to-device-index"] || f.set["to-network-card-index"]):
		return errors.New("-to-device-index and -to-network-card-index go with -to-instance-id")
	case f.moving():
		f.wait = true // a move waits for both halves
		return f.checkMoveFlags()
	case !f.wait && (f.set["max-wait"] || f.idempotent):
		return errors.New("-max-wait and -idempotent need -wait")
	case f.wait && f.dryRun:
		return errors.New("-wait cannot be combined with -dry-run")
	}
	return nil
}

// checkSource checks what names the interface: one of the three IDs, or
// -network-interface-id with -instance-id (a detach only from that
// instance, -status) or, for a move, with -instance-id and -device-index
// or -attachment-id (a move's source).
func (f *flags) checkSource() error {
	ids := 0
	for _, name := range []string{"attachment-id", "network-interface-id", "instance-id"} {
		if f.set[name] {
			ids++
		}
	}
	byInterfaceOnInstance := ids == 2 && f.set["network-interface-id"] && f.set["instance-id"] && !f.set["device-index"] && !f.moving()
	switch {
	case ids != 1 && !byInterfaceOnInstance && !(ids == 2 && f.set["network-interface-id"] && f.set["to-instance-id"]):
		// A move may name the interface and its source (either way): a
		// re-run then finds the interface by ID wherever the last run
		// left it, and refuses to take it from a third instance.
		return errors.New("give one of -attachment-id, -network-interface-id, or -instance-id with -device-index, or -network-interface-id with -instance-id (a move: -network-interface-id with one of the others)")
	case f.set["instance-id"] && !f.set["device-index"] && !byInterfaceOnInstance:
		return errors.New("-instance-id needs -device-index (or -network-interface-id)")
	case !f.set["instance-id"] && (f.set["device-index"] || f.set["network-card-index"]):
		return errors.New("-device-index and -network-card-index go with -instance-id")
	case f.set["network-card-index"] && !f.set["device-index"]:
		return errors.New("-network-card-index goes with -device-index")
	}
	return nil
}

// checkStatusFlags checks -status's command line: the interface and the
// instance (and -max-wait, its bound), and nothing that would change
// anything.
func (f *flags) checkStatusFlags() error {
	if !f.set["network-interface-id"] || !f.set["instance-id"] || f.set["device-index"] {
		return errors.New("-status needs -network-interface-id and -instance-id (and no -device-index)")
	}
	for _, name := range []string{"to-instance-id", "to-device-index", "to-network-card-index", "wait", "idempotent", "dry-run", "force"} {
		if f.set[name] {
			return fmt.Errorf("-status cannot be combined with -%s", name)
		}
	}
	return nil
}

// errFlagPrinted is a command line the flag package refused; it printed
// why.
var errFlagPrinted = errors.New("bad flags")

// wantsJSON reports whether args ask for -json, for a command line the
// flag package refused before it could say.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch a {
		case "-json", "--json", "-json=true", "--json=true", "-json=1", "--json=1":
			return true
		}
	}
	return false
}
