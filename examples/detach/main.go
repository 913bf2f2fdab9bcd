// Command detach detaches an EC2 network interface, or moves it to another
// instance, for failover scripts and as an example of the library.
// Credentials and region come from where the AWS SDK finds them
// (environment, ~/.aws, container, instance role).
//
//	detach (-attachment-id ID | -network-interface-id ID | -instance-id ID -device-index N [-network-card-index N])
//	       [-dry-run] [-force] [-region R] [-endpoint URL] [-profile P] [-timeout D]
//	       [-wait [-max-wait D] [-idempotent]] [-json] [-debug] [-version]
//	detach SOURCE -to-instance-id ID [-to-device-index N] [-to-network-card-index N]
//	       [-dry-run] [-force] [-max-wait D] [-region R] [-endpoint URL] [-profile P] [-timeout D] [-json] [-debug]
//	SOURCE: -network-interface-id ID, -instance-id ID -device-index N [-network-card-index N], -attachment-id ID,
//	       or -network-interface-id ID with one of the other two
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
// SIGINT and SIGTERM stop the command as -max-wait does: requests in
// flight end and the result so far is printed, with an error of kind
// "interrupted" naming the signal. A second signal ends it at once. -h
// prints the synopsis, the exit statuses and the flags.
//
// With -json, stdout holds one JSON object with only what was observed; see
// the README ("The command").
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"time"

	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach"
)

// Exit statuses.
const (
	exitOK      = 0
	exitRefused = 1
	exitUsage   = 2
	exitPending = 3
)

// Defaults of -timeout and -max-wait. Real detaches take seconds to a few
// minutes; one still detaching after 10 minutes is stuck (see -force).
const (
	defaultTimeout = 30 * time.Second
	defaultMaxWait = 10 * time.Minute
)

func main() {
	ctx, stop := interruptible(context.Background())
	status := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(status)
}

// result is what -json prints: only what was observed.
type result struct {
	AttachmentID       string   `json:"attachmentId,omitempty"`
	NetworkInterfaceID string   `json:"networkInterfaceId,omitempty"`
	InstanceID         string   `json:"instanceId,omitempty"`
	DeviceIndex        *int     `json:"deviceIndex,omitempty"`
	NetworkCardIndex   *int     `json:"networkCardIndex,omitempty"`
	DryRun             bool     `json:"dryRun,omitempty"`
	DryRunPermitted    bool     `json:"dryRunPermitted,omitempty"`
	RequestID          string   `json:"requestId,omitempty"` // the detach's
	Return             *bool    `json:"return,omitempty"`
	Status             string   `json:"status,omitempty"` // the interface's, as last seen
	AttachmentStatus   string   `json:"attachmentStatus,omitempty"`
	Detached           bool     `json:"detached,omitempty"`
	AlreadyDetached    bool     `json:"alreadyDetached,omitempty"`
	Polls              int      `json:"polls,omitempty"`
	ElapsedSeconds     *float64 `json:"elapsedSeconds,omitempty"`

	// A move's: the target given (or defaulted), and what each half
	// observed.
	ToInstanceID         string    `json:"toInstanceId,omitempty"`
	ToDeviceIndex        *int      `json:"toDeviceIndex,omitempty"`
	ToNetworkCardIndex   *int      `json:"toNetworkCardIndex,omitempty"`
	Moved                bool      `json:"moved,omitempty"`
	AlreadyAtTarget      bool      `json:"alreadyAtTarget,omitempty"`
	Detach               *stepJSON `json:"detach,omitempty"`
	Attach               *stepJSON `json:"attach,omitempty"`
	LookupElapsedSeconds *float64  `json:"lookupElapsedSeconds,omitempty"`

	Error *errorJSON `json:"error,omitempty"`

	// For a detach: sent is set when its request may have reached EC2
	// (not a dry run); inProgress when the wait went on after
	// IncorrectState, someone else's detach.
	sent, inProgress bool
}

// errorJSON describes a failure.
type errorJSON struct {
	// Kind is validation, credentials, api, not-found, transport, response,
	// timeout, interrupted or (a move) refused.
	Kind string `json:"kind"`
	// Signal names the signal, SIGINT or SIGTERM, for kind interrupted.
	Signal string `json:"signal,omitempty"`
	// Reason is why a move was refused before it changed anything, for
	// kind refused (MoveRefusedError.Reason).
	Reason string `json:"reason,omitempty"`
	// Step is where a move stopped: detach, wait-available, attach or
	// wait-attached.
	Step string `json:"step,omitempty"`
	// Action is the EC2 action that failed, when one did.
	Action     string `json:"action,omitempty"`
	Code       string `json:"code,omitempty"`
	Message    string `json:"message"` // EC2's own message for kind api
	StatusCode int    `json:"statusCode,omitempty"`
	RequestID  string `json:"requestId,omitempty"`
}

// flags holds the parsed command line.
type flags struct {
	attachmentID, interfaceID, instanceID string
	deviceIndex, cardIndex                int
	dryRun, force, wait, idempotent       bool
	region, endpoint, profile             string
	timeout, maxWait                      time.Duration
	asJSON, debug, version                bool
	toInstanceID                          string
	toDeviceIndex, toCardIndex            int
	set                                   map[string]bool
}

// parse reads the command line; -h prints the help on stdout.
func parse(args []string, stdout, stderr io.Writer) (*flags, error) {
	f := &flags{set: map[string]bool{}}
	fs := flag.NewFlagSet("detach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {} // -h prints the help on stdout, a bad flag a hint on stderr
	fs.StringVar(&f.attachmentID, "attachment-id", "", "attachment to detach, e.g. eni-attach-0123456789abcdef0")
	fs.StringVar(&f.interfaceID, "network-interface-id", "", "or: the interface whose attachment to detach, e.g. eni-0123456789abcdef0")
	fs.StringVar(&f.instanceID, "instance-id", "", "or: the instance, with -device-index")
	fs.IntVar(&f.deviceIndex, "device-index", 0, "with -instance-id: the interface's device index")
	fs.IntVar(&f.cardIndex, "network-card-index", 0, "with -instance-id: the device index's network card")
	fs.BoolVar(&f.dryRun, "dry-run", false, "check permission without changing anything (a move: both the detach and the attach)")
	fs.BoolVar(&f.force, "force", false, "force the detach (last resort: see the README)")
	fs.StringVar(&f.region, "region", "", "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, profile)")
	fs.StringVar(&f.endpoint, "endpoint", "", "endpoint URL instead of the regional one, e.g. a local ec2test")
	fs.StringVar(&f.profile, "profile", "", "shared config profile (default: AWS_PROFILE or default)")
	fs.DurationVar(&f.timeout, "timeout", defaultTimeout, "bound on each request to EC2; one that runs out is retried")
	fs.BoolVar(&f.wait, "wait", false, "wait until the interface is available; progress goes to stderr")
	fs.DurationVar(&f.maxWait, "max-wait", defaultMaxWait, "with -wait or a move: bound on the whole command; exit 3 if the interface is not seen available (attached, for a move) by then")
	fs.BoolVar(&f.idempotent, "idempotent", false, "with -wait: an attachment already gone counts as detached")
	fs.StringVar(&f.toInstanceID, "to-instance-id", "", "move: attach the interface to this instance once detached (implies -wait)")
	fs.IntVar(&f.toDeviceIndex, "to-device-index", 0, "with -to-instance-id: the device index to attach at (default: the one the interface had)")
	fs.IntVar(&f.toCardIndex, "to-network-card-index", 0, "with -to-instance-id: the network card to attach at (default 0, as for EC2's AttachNetworkInterface)")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as one JSON object on stdout")
	fs.BoolVar(&f.debug, "debug", false, "log every request to stderr (signatures and tokens redacted)")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs)
			return nil, err
		}
		fmt.Fprint(stderr, synopsis, "Run detach -h for the flags and the exit statuses.\n")
		return nil, errFlagPrinted // the flag package printed why
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	if f.version {
		return f, nil
	}
	ids := 0
	for _, name := range []string{"attachment-id", "network-interface-id", "instance-id"} {
		if f.set[name] {
			ids++
		}
	}
	switch {
	case fs.NArg() > 0:
		return f, fmt.Errorf("no arguments are taken, got %q", fs.Args())
	case ids != 1 && !(ids == 2 && f.set["network-interface-id"] && f.set["to-instance-id"]):
		// A move may name the interface and its source (either way): a
		// re-run then finds the interface by ID wherever the last run
		// left it, and refuses to take it from a third instance.
		return f, errors.New("give one of -attachment-id, -network-interface-id, or -instance-id with -device-index (a move: -network-interface-id with one of the others)")
	case f.set["instance-id"] && !f.set["device-index"]:
		return f, errors.New("-instance-id needs -device-index")
	case !f.set["instance-id"] && (f.set["device-index"] || f.set["network-card-index"]):
		return f, errors.New("-device-index and -network-card-index go with -instance-id")
	case f.deviceIndex < 0 || f.cardIndex < 0:
		return f, errors.New("-device-index and -network-card-index cannot be negative")
	case f.timeout <= 0:
		return f, fmt.Errorf("-timeout must be positive, got %v", f.timeout)
	case f.maxWait <= 0:
		return f, fmt.Errorf("-max-wait must be positive, got %v", f.maxWait)
	case !f.moving() && (f.set["to-device-index"] || f.set["to-network-card-index"]):
		return f, errors.New("-to-device-index and -to-network-card-index go with -to-instance-id")
	case f.moving():
		f.wait = true // a move waits for both halves
		return f, f.checkMoveFlags()
	case !f.wait && (f.set["max-wait"] || f.idempotent):
		return f, errors.New("-max-wait and -idempotent need -wait")
	case f.wait && f.dryRun:
		return f, errors.New("-wait cannot be combined with -dry-run")
	}
	return f, nil
}

// errFlagPrinted is a command line the flag package refused; it printed
// why.
var errFlagPrinted = errors.New("bad flags")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parse(args, stdout, stderr)
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
			fmt.Fprintln(stderr, "detach:", err)
		}
		return exitUsage
	case f.version:
		fmt.Fprintf(stdout, "enidetach %s (%s)\n", enidetach.Version, runtime.Version())
		return exitOK
	}
	res, err := work(ctx, f, stderr)
	var status int
	if f.moving() {
		res.Error, status = moveOutcome(ctx, err)
		resumeHint(f, res, status)
	} else {
		res.Error, status = detachOutcome(ctx, res, err)
	}
	report(stdout, stderr, res, f.asJSON)
	return status
}

// detachOutcome returns the error to print for a detach that ended with
// err, and the exit status.
func detachOutcome(ctx context.Context, res *result, err error) (*errorJSON, int) {
	accepted := res.Return != nil && *res.Return || res.AlreadyDetached || res.inProgress
	var ce *enidetach.CredentialsError
	switch ie := interruptedBy(ctx); {
	case err != nil && ie != nil && errors.Is(err, context.Canceled):
		// Stopped by a signal, as -max-wait would have stopped it: what
		// was observed is still printed.
		e, status := interrupted(ie, accepted, res.sent && !errors.As(err, &ce))
		e.Action = operation(err)
		return e, status
	case err != nil:
		e, status := describe(err)
		if !accepted && status == exitRefused && res.sent && answerLost(err) {
			e.Message += " (the detach was sent and its answer lost: it may have been accepted)"
		}
		if accepted || status == exitRefused && res.sent && answerLost(err) {
			// EC2 accepted the detach, and what failed came after (a
			// poll, credentials that could not be refreshed for it), or
			// the detach was sent and its answer lost: the interface may
			// be detaching, neither refused nor left alone.
			status = exitPending
		}
		return e, status
	case res.Return != nil && !*res.Return && !res.Detached:
		// A 200 saying return=false: EC2 did not report the detach as done.
		return &errorJSON{Kind: "response", Action: "DetachNetworkInterface", RequestID: res.RequestID,
			Message: "EC2 answered return=false: the detach was not accepted"}, exitRefused
	}
	return nil, exitOK
}

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

// newClient returns the client the flags ask for.
func newClient(f *flags, stderr io.Writer) (*enidetach.Client, error) {
	opts := enidetach.Options{Region: f.region, BaseEndpoint: f.endpoint, Profile: f.profile, AttemptTimeout: f.timeout, AppID: "enidetach-cli"}
	if f.debug {
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return enidetach.New(opts)
}

// work runs the command: a detach or a move. The result holds what was
// observed even when err is set.
func work(ctx context.Context, f *flags, stderr io.Writer) (*result, error) {
	res := &result{AttachmentID: f.attachmentID, NetworkInterfaceID: f.interfaceID, InstanceID: f.instanceID, DryRun: f.dryRun, ToInstanceID: f.toInstanceID}
	if f.set["instance-id"] {
		res.DeviceIndex, res.NetworkCardIndex = &f.deviceIndex, &f.cardIndex
	}
	client, err := newClient(f, stderr)
	if err != nil {
		return res, err
	}
	if f.wait {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.maxWait)
		defer cancel()
	}
	if f.moving() {
		return res, moveInterface(ctx, client, f, res, stderr)
	}
	return res, detach(ctx, client, f, res, stderr)
}

// detach does the detach: lookup, detach, wait, filling res.
func detach(ctx context.Context, client *enidetach.Client, f *flags, res *result, stderr io.Writer) error {
	if f.attachmentID == "" {
		att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{
			NetworkInterfaceID: f.interfaceID, InstanceID: f.instanceID, DeviceIndex: f.deviceIndex, NetworkCardIndex: f.cardIndex,
		})
		var na *enidetach.NoAttachmentError
		if errors.As(err, &na) && na.Interface != nil {
			res.Status = na.Interface.Status
			if f.idempotent && na.Interface.Status == "available" {
				res.Detached, res.AlreadyDetached = true, true
				return nil
			}
		}
		if err != nil {
			return err
		}
		res.observe(*att)
	}

	in := &enidetach.DetachNetworkInterfaceInput{AttachmentID: res.AttachmentID, DryRun: f.dryRun, Force: f.force}
	res.sent = !f.dryRun
	if !f.wait {
		out, err := client.DetachNetworkInterface(ctx, in)
		switch {
		case err == nil:
			res.RequestID, res.Return = out.RequestID, &out.Return
		case f.dryRun && errors.Is(err, enidetach.ErrDryRunOperation):
			res.DryRunPermitted, res.RequestID = true, requestID(err)
			return nil
		}
		return err
	}

	wr, err := client.DetachAndWait(ctx, in, func(o *enidetach.WaitOptions) {
		o.NetworkInterfaceID = res.NetworkInterfaceID
		o.Idempotent = f.idempotent
		o.OnPoll = func(r enidetach.WaitResult) {
			fmt.Fprintf(stderr, "poll %d: interface %s status %s, attachment %s (%s)\n", r.Polls,
				orNone(r.State.NetworkInterfaceID), orNone(r.State.Status), orGone(r.State.AttachmentStatus), r.Elapsed.Round(time.Millisecond))
		}
	})
	var wt *enidetach.WaitTimeoutError
	if errors.As(err, &wt) {
		wr = &wt.Last
	}
	if wr == nil {
		return err // the detach failed: nothing was polled
	}
	if wr.Detach != nil {
		res.RequestID, res.Return = wr.Detach.RequestID, &wr.Detach.Return
	} else if wr.DetachError != nil {
		res.RequestID = requestID(wr.DetachError)
		res.inProgress = true
	}
	res.Status, res.AttachmentStatus = wr.State.Status, wr.State.AttachmentStatus
	if wr.State.NetworkInterfaceID != "" {
		res.NetworkInterfaceID = wr.State.NetworkInterfaceID
	}
	if wr.State.InstanceID != "" {
		res.InstanceID = wr.State.InstanceID
	}
	res.Detached, res.AlreadyDetached, res.Polls = wr.Detached, wr.AlreadyDetached, wr.Polls
	elapsed := wr.Elapsed.Round(time.Millisecond).Seconds()
	res.ElapsedSeconds = &elapsed
	return err // a poll's error names DescribeNetworkInterfaces
}

// observe records a state seen by the lookup.
func (r *result) observe(st enidetach.InterfaceState) {
	r.AttachmentID, r.NetworkInterfaceID, r.InstanceID = st.AttachmentID, st.NetworkInterfaceID, st.InstanceID
	r.DeviceIndex, r.NetworkCardIndex = &st.DeviceIndex, &st.NetworkCardIndex
	r.Status, r.AttachmentStatus = st.Status, st.AttachmentStatus
}

// describe turns an error into its JSON form and the exit status.
func describe(err error) (*errorJSON, int) {
	e := &errorJSON{Message: err.Error()}
	var (
		ve *enidetach.ValidationError
		ce *enidetach.CredentialsError
		wt *enidetach.WaitTimeoutError
		na *enidetach.NoAttachmentError
		ae *enidetach.APIError
		re *enidetach.ResponseError
		oe *smithy.OperationError
	)
	switch {
	case errors.As(err, &ve):
		e.Kind, e.Message = "validation", ve.Error()
		return e, exitUsage
	case errors.As(err, &ce):
		e.Kind, e.Message = "credentials", ce.Error()
		return e, exitUsage
	case errors.As(err, &wt):
		e.Kind = "timeout"
		e.Message = fmt.Sprintf("the interface was not available after %s and %d polls", wt.Last.Elapsed.Round(time.Millisecond), wt.Last.Polls)
		return e, exitPending
	}
	if errors.As(err, &oe) {
		e.Action = oe.OperationName // the lookup, the detach or a poll
	}
	switch {
	case errors.As(err, &na):
		e.Kind, e.Message, e.RequestID = "not-found", na.Error(), na.RequestID
	case errors.As(err, &ae):
		e.Kind, e.Code, e.Message, e.StatusCode, e.RequestID = "api", ae.Code, ae.Message, ae.StatusCode, ae.RequestID
	case errors.As(err, &re):
		e.Kind, e.Message, e.StatusCode, e.RequestID = "response", re.Error(), re.StatusCode, re.RequestID
	default:
		e.Kind = "transport"
	}
	return e, exitRefused
}

// answerLost reports whether err, the failure of a call that was sent,
// leaves open whether EC2 acted on it: every failure but EC2's own answer
// (an *APIError), a check made before sending, and a connection that could
// not be made. A lost answer (a dropped connection, an attempt timed out,
// a truncated or unreadable body, on every attempt) is one: the detach or
// attach may have been accepted, so a script must look, or run the move
// again, before it acts on "refused".
func answerLost(err error) bool {
	var (
		ae   *enidetach.APIError
		ve   *enidetach.ValidationError
		ce   *enidetach.CredentialsError
		oe   *net.OpError
		cert *tls.CertificateVerificationError
		rec  tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &ae), errors.As(err, &ve), errors.As(err, &ce):
		return false
	case errors.As(err, &oe) && oe.Op == "dial", errors.As(err, &cert), errors.As(err, &rec):
		// The last attempt could not connect, or TLS failed before the
		// request was written (neither is retried, so it was the only
		// attempt; after a dial failure, an earlier attempt's answer may
		// have been lost before the endpoint went away: that case is not
		// told apart).
		return false
	}
	return true
}

// operation names the EC2 action of err, if any.
func operation(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.OperationName
	}
	return ""
}

func requestID(err error) string {
	var ae *enidetach.APIError
	if errors.As(err, &ae) {
		return ae.RequestID
	}
	return ""
}

// report writes the result as JSON on stdout, or as text: the outcome on
// stdout, a failure on stderr.
func report(stdout, stderr io.Writer, r *result, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(stdout, string(b))
		return
	}
	if r.ToInstanceID != "" {
		reportMove(stdout, stderr, r)
		return
	}
	iface := ""
	if r.NetworkInterfaceID != "" {
		iface = " (interface " + r.NetworkInterfaceID + ")"
	}
	if e := r.Error; e != nil {
		switch e.Kind {
		case "api":
			fmt.Fprintf(stderr, "detach: %s refused by EC2: %s: %s (status %d, request id %s)\n", e.Action, e.Code, e.Message, e.StatusCode, e.RequestID)
		case "timeout":
			fmt.Fprintf(stderr, "detach: %s%s: detach accepted (request id %s), but %s; last seen: status %s, attachment %s\n",
				r.AttachmentID, iface, orNone(r.RequestID), e.Message, orNone(r.Status), orGone(r.AttachmentStatus))
		case "interrupted":
			fmt.Fprintf(stderr, "detach: %s%s: %s (request id %s); last seen: status %s, attachment %s\n",
				orNone(r.AttachmentID), iface, e.Message, orNone(r.RequestID), orNone(r.Status), orGone(r.AttachmentStatus))
		case "validation", "credentials", "not-found":
			fmt.Fprintf(stderr, "detach: %s\n", e.Message)
		default:
			fmt.Fprintf(stderr, "detach: %s failed: %s\n", e.Action, e.Message)
		}
		return
	}
	switch {
	case r.DryRunPermitted:
		fmt.Fprintf(stdout, "dry run: detaching %s%s would be permitted (request id %s)\n", r.AttachmentID, iface, r.RequestID)
	case r.AlreadyDetached:
		fmt.Fprintf(stdout, "%s was already detached%s\n", orNone(r.AttachmentID), iface)
	case r.Detached:
		fmt.Fprintf(stdout, "detached %s%s: available after %d polls, %.1fs (request id %s)\n", r.AttachmentID, iface, r.Polls, *r.ElapsedSeconds, r.RequestID)
	default:
		fmt.Fprintf(stdout, "detach of %s%s accepted: return=%t (request id %s)\n", r.AttachmentID, iface, r.Return != nil && *r.Return, r.RequestID)
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
