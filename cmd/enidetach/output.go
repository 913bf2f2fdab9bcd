package main

import (
	"encoding/json"
	"fmt"
	"io"
	"time"
)

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

	// -status's answer, and where a detach constrained to -instance-id
	// found the interface attached instead.
	Attached           *bool  `json:"attached,omitempty"`
	AttachedInstanceID string `json:"attachedInstanceId,omitempty"`
	// InterfaceNotFound: EC2 answered InvalidNetworkInterfaceID.NotFound,
	// so the interface is attached nowhere (-status: not attached; a
	// detach constrained to -instance-id with -idempotent: done).
	InterfaceNotFound bool `json:"interfaceNotFound,omitempty"`

	Error *errorJSON `json:"error,omitempty"`

	// For a detach: sent is set when its request may have reached EC2
	// (not a dry run); inProgress when the wait went on after
	// IncorrectState, someone else's detach.
	sent, inProgress bool
	// statusCheck: the result of -status.
	statusCheck bool
}

// errorJSON describes a failure.
type errorJSON struct {
	// Kind is validation, credentials, api, not-found, transport, response,
	// timeout, interrupted or (a move) refused.
	Kind string `json:"kind"`
	// Signal names the signal, SIGINT, SIGTERM or SIGHUP, for kind
	// interrupted.
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

// stepJSON is what -json prints of one half of a move: only what was
// observed.
type stepJSON struct {
	// AttachmentID is the old attachment (detach) or the new one (attach).
	AttachmentID     string `json:"attachmentId,omitempty"`
	InstanceID       string `json:"instanceId,omitempty"`
	DeviceIndex      *int   `json:"deviceIndex,omitempty"`
	NetworkCardIndex *int   `json:"networkCardIndex,omitempty"`
	// Sent reports that the call (or its dry run) was sent; false when the
	// state found made it needless.
	Sent      bool   `json:"sent,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	// Status is the last seen: the interface's after the detach
	// ("available"), the attachment's after the attach ("attached").
	Status             string   `json:"status,omitempty"`
	Polls              int      `json:"polls,omitempty"`
	CallElapsedSeconds *float64 `json:"callElapsedSeconds,omitempty"`
	WaitElapsedSeconds *float64 `json:"waitElapsedSeconds,omitempty"`
}

// report writes the result as JSON on stdout, or as text: the outcome on
// stdout, a failure on stderr.
func report(stdout, stderr io.Writer, r *result, asJSON bool) {
	if asJSON {
		b, _ := json.Marshal(r)
		fmt.Fprintln(stdout, string(b))
		return
	}
	switch {
	case r.statusCheck:
		reportStatus(stdout, stderr, r)
		return
	case r.ToInstanceID != "":
		reportMove(stdout, stderr, r)
		return
	case r.Error != nil:
		reportError(stderr, r)
		return
	}
	iface := ""
	if r.NetworkInterfaceID != "" {
		iface = " (interface " + r.NetworkInterfaceID + ")"
	}
	switch {
	case r.DryRunPermitted:
		fmt.Fprintf(stdout, "dry run: detaching %s%s would be permitted (request id %s)\n", r.AttachmentID, iface, r.RequestID)
	case r.AlreadyDetached && r.InterfaceNotFound:
		fmt.Fprintf(stdout, "%s is not attached to %s: %s: nothing to detach\n", r.NetworkInterfaceID, r.InstanceID, interfaceGone)
	case r.AlreadyDetached && r.AttachedInstanceID != "":
		fmt.Fprintf(stdout, "%s is not attached to %s (attached to %s): nothing to detach\n", r.NetworkInterfaceID, r.InstanceID, r.AttachedInstanceID)
	case r.AlreadyDetached:
		fmt.Fprintf(stdout, "%s was already detached%s\n", orNone(r.AttachmentID), iface)
	case r.Detached:
		seen := "available" // the interface's status, when an answer showed it
		if r.Status != "available" {
			seen = "attachment gone"
		}
		fmt.Fprintf(stdout, "detached %s%s: %s after %s, %.1fs (request id %s)\n", r.AttachmentID, iface, seen, polls(r.Polls), deref(r.ElapsedSeconds), r.RequestID)
	default:
		fmt.Fprintf(stdout, "detach of %s%s accepted: return=%t (request id %s)\n", r.AttachmentID, iface, r.Return != nil && *r.Return, r.RequestID)
	}
}

// reportError writes a detach's (or -status's) failure on stderr.
func reportError(stderr io.Writer, r *result) {
	iface := ""
	if r.NetworkInterfaceID != "" {
		iface = " (interface " + r.NetworkInterfaceID + ")"
	}
	switch e := r.Error; e.Kind {
	case "api":
		fmt.Fprintf(stderr, "enidetach: %s refused by EC2: %s: %s (status %d, request id %s)\n", e.Action, e.Code, e.Message, e.StatusCode, e.RequestID)
	case "timeout":
		fmt.Fprintf(stderr, "enidetach: %s%s: detach accepted (request id %s), but %s%s\n",
			r.AttachmentID, iface, orNone(r.RequestID), e.Message, lastSeen(r))
	case "interrupted":
		fmt.Fprintf(stderr, "enidetach: %s%s: %s (request id %s)%s\n",
			orNone(r.AttachmentID), iface, e.Message, orNone(r.RequestID), lastSeen(r))
	case "validation", "credentials", "not-found", "instance-metadata", "refused":
		fmt.Fprintf(stderr, "enidetach: %s\n", e.Message)
	default:
		fmt.Fprintf(stderr, "enidetach: %s failed: %s\n", e.Action, e.Message)
	}
}

// seconds is d in seconds, rounded to the millisecond, for the JSON: from
// whole milliseconds, so that 1.977 s prints as 1.977 and not as
// Duration.Seconds' 1.9769999999999999.
func seconds(d time.Duration) *float64 {
	s := float64(d.Round(time.Millisecond).Milliseconds()) / 1000
	return &s
}

// polls says "1 poll" or "N polls".
func polls(n int) string {
	if n == 1 {
		return "1 poll"
	}
	return fmt.Sprintf("%d polls", n)
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// lastSeen says, for a failure's text, how an answer last showed the
// interface ("attachment gone" when it showed it without one), or nothing
// when no answer showed it: an interface in an answer always has a status.
func lastSeen(r *result) string {
	if r.Status == "" && r.AttachmentStatus == "" {
		return ""
	}
	return fmt.Sprintf("; last seen: status %s, attachment %s", orNone(r.Status), orGone(r.AttachmentStatus))
}

func orGone(s string) string {
	if s == "" {
		return "gone"
	}
	return s
}

func deref[T int | float64](p *T) T {
	if p == nil {
		return 0
	}
	return *p
}
