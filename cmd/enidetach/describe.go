package main

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach"
)

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
	var (
		se *selfError
		nh *notHereError
	)
	switch {
	case errors.As(err, &nh):
		e.Kind, e.Reason = "refused", "attached-elsewhere"
		return e, exitRefused
	case errors.As(err, &se):
		e.Kind = "instance-metadata"
		return e, exitUsage
	case errors.As(err, &ve):
		e.Kind, e.Message = "validation", ve.Error()
		return e, exitUsage
	case errors.As(err, &ce):
		e.Kind, e.Message = "credentials", ce.Error()
		return e, exitUsage
	case errors.As(err, &wt):
		e.Kind = "timeout"
		e.Message = fmt.Sprintf("the interface was not available after %s and %s", wt.Last.Elapsed.Round(time.Millisecond), polls(wt.Last.Polls))
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

// interfaceNotFound is EC2's code for an interface ID that does not exist.
const interfaceNotFound = "InvalidNetworkInterfaceID.NotFound"

// interfaceGone says what the command concludes from interfaceNotFound.
const interfaceGone = "EC2 says the interface does not exist (" + interfaceNotFound + ")"

// isInterfaceNotFound reports whether err is EC2's answer that the
// interface does not exist: evidence that it is attached nowhere, unlike
// any other failure.
func isInterfaceNotFound(err error) bool {
	var ae *enidetach.APIError
	return errors.As(err, &ae) && ae.Code == interfaceNotFound
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
