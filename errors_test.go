package enidetach

import (
	"errors"
	"testing"

	"github.com/ec2lite/enidetach/internal/query"
)

func TestAPIErrorIs(t *testing.T) {
	t.Parallel()
	err := error(&RetryError{Attempts: 3, Reason: query.ReasonMaxAttempts, Err: &APIError{Code: "RequestLimitExceeded", StatusCode: 503}})
	if !errors.Is(err, ErrRequestLimitExceeded) {
		t.Error("a wrapped throttling error does not match ErrRequestLimitExceeded")
	}
	if errors.Is(err, ErrDryRunOperation) {
		t.Error("a throttling error matches ErrDryRunOperation")
	}
	if errors.Is(&APIError{}, &APIError{}) {
		t.Error("two errors without a code match each other")
	}
}

// TestSentinelsMatchTheirCause: each sentinel matches an *APIError with its
// code, wrapped or not; the two whose code EC2 shares with other causes
// match only the message that names their cause.
func TestSentinelsMatchTheirCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sentinel error
		code     string
		message  string // a message naming the sentinel's cause
		other    string // the same code with another cause; "" when the code alone decides
	}{
		{ErrDryRunOperation, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.", ""},
		{ErrUnauthorizedOperation, "UnauthorizedOperation", "You are not authorized to perform this operation.", ""},
		{ErrAttachmentNotFound, "InvalidAttachmentID.NotFound", "The attachment ID 'eni-attach-1' does not exist", ""},
		{ErrIncorrectState, "IncorrectState", "The attachment is not in a valid state", ""},
		{ErrRequestLimitExceeded, "RequestLimitExceeded", "Request limit exceeded.", ""},
		{ErrInterfaceInUse, "InvalidNetworkInterface.InUse", "Interface: [eni-1] in use.", ""},
		{ErrDeviceIndexInUse, "InvalidParameterValue", "Instance 'i-1' already has an interface attached at device index '1'.", "Invalid value 'x' for deviceIndex."},
		{ErrZoneMismatch, "InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone", "DryRun and Force cannot be combined."},
	}
	for _, tt := range tests {
		err := error(&RetryError{Attempts: 2, Reason: query.ReasonMaxAttempts, Err: &APIError{Code: tt.code, Message: tt.message, StatusCode: 400}})
		if !errors.Is(err, tt.sentinel) {
			t.Errorf("%s %q (wrapped) does not match its sentinel", tt.code, tt.message)
		}
		if errors.Is(&APIError{Code: tt.code + "X", Message: tt.message}, tt.sentinel) {
			t.Errorf("code %sX matches the sentinel of %s", tt.code, tt.code)
		}
		if tt.other != "" && errors.Is(&APIError{Code: tt.code, Message: tt.other}, tt.sentinel) {
			t.Errorf("%s %q matches the sentinel of another cause", tt.code, tt.other)
		}
	}
}
