package enidetach

import (
	"errors"

	"github.com/ec2lite/enidetach/internal/query"
)

// Sentinels for the service error codes callers most often branch on. They
// match any *APIError with the same code through errors.Is:
//
//	if errors.Is(err, enidetach.ErrDryRunOperation) { /* the dry run was permitted */ }
//
// Compare other codes with errors.As and (*APIError).Code.
var (
	// ErrDryRunOperation is EC2's answer to a permitted dry run (HTTP 412).
	ErrDryRunOperation error = &APIError{Code: "DryRunOperation"}
	// ErrUnauthorizedOperation is EC2's answer when the caller lacks
	// permission, to a dry run or a real call (HTTP 403).
	ErrUnauthorizedOperation error = &APIError{Code: "UnauthorizedOperation"}
	// ErrAttachmentNotFound is InvalidAttachmentID.NotFound: the attachment
	// does not exist. A detach whose first attempt succeeded but whose
	// response was lost, retried once the interface is detached, also ends
	// here (inside a *RetryError with Attempts > 1).
	ErrAttachmentNotFound error = &APIError{Code: "InvalidAttachmentID.NotFound"}
	// ErrIncorrectState is IncorrectState: the attachment is in a state that
	// does not allow the action, such as a detach of an attachment already
	// detaching. A detach whose first attempt succeeded but whose response
	// was lost, retried while the interface is still detaching (real
	// detaches take seconds to minutes), ends here.
	ErrIncorrectState error = &APIError{Code: "IncorrectState"}
	// ErrRequestLimitExceeded is EC2's throttling error (HTTP 503). The client
	// retries it; it reaches the caller only when retries run out.
	ErrRequestLimitExceeded error = &APIError{Code: "RequestLimitExceeded"}
	// ErrInterfaceInUse is InvalidNetworkInterface.InUse: the interface to
	// attach is attached (or attaching, or still detaching) somewhere.
	// AttachNetworkInterface resolves it by looking when its own lost
	// attempt may be the cause.
	ErrInterfaceInUse error = &APIError{Code: "InvalidNetworkInterface.InUse"}
	// ErrDeviceIndexInUse is EC2's answer to an attach at a device slot
	// another interface holds: InvalidParameterValue, "Instance '...'
	// already has an interface attached at device index '1'." The code is
	// shared with other invalid values, so it matches that message only.
	ErrDeviceIndexInUse error = &query.CauseSentinel{Code: "InvalidParameterValue", MessageHas: "already has an interface attached at device index"}
	// ErrZoneMismatch is EC2's answer to an attach of an interface to an
	// instance in another availability zone: InvalidParameterCombination,
	// "You may not attach a network interface to an instance if they are
	// not in the same availability zone". The code is shared, so it matches
	// that message only.
	ErrZoneMismatch error = &query.CauseSentinel{Code: "InvalidParameterCombination", MessageHas: "not in the same availability zone"}
)

// The error types live in the Query engine (internal/query) and are
// exported here by alias, as feature/ec2/imds exports its own: code that
// names enidetach.APIError or matches it with errors.As is unchanged, but
// %T prints query.APIError.
type (
	// APIError is an error answer from the service: an XML error document
	// with a code (Code, Message, RequestID, StatusCode). It implements
	// smithy.APIError, so code written for the AWS SDK
	// (errors.As(err, &smithyAPIError)) works unchanged. errors.Is matches
	// it against the sentinels above by code.
	APIError = query.APIError
	// ValidationError reports input or options that were refused before
	// any request was sent (Field, Reason).
	ValidationError = query.ValidationError
	// ResponseError reports a response that could not be understood: an
	// error status without an error document (an HTML page from a proxy,
	// an empty or truncated body) or a success body that is not the
	// expected XML (StatusCode, RequestID, Snippet, Err).
	ResponseError = query.ResponseError
	// TransportError reports that no response was received: a connection
	// that could not be made or was dropped, a timeout, a cancelled
	// context (Err; CanceledError, ConnectionError).
	TransportError = query.TransportError
	// CredentialsError reports that credentials could not be retrieved
	// (Provider, Err); it never holds a secret.
	CredentialsError = query.CredentialsError
	// RetryError reports that retrying stopped (Attempts, Reason, Err); it
	// wraps the last attempt's error.
	RetryError = query.RetryError
)

// isCode reports whether err holds an *APIError with the code, for the
// codes that have no sentinel.
func isCode(err error, code string) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == code
}
