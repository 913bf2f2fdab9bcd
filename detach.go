package enidetach

import (
	"context"
	"net/url"
)

// DetachNetworkInterfaceInput is the input of DetachNetworkInterface.
type DetachNetworkInterfaceInput struct {
	// AttachmentID is the ID of the attachment, such as
	// "eni-attach-0123456789abcdef0". Required.
	AttachmentID string

	// DryRun checks whether the caller may detach the interface without
	// detaching it. A permitted dry run fails with an error that matches
	// ErrDryRunOperation; a refused one matches ErrUnauthorizedOperation.
	DryRun bool

	// Force detaches the interface even if the instance does not release it.
	// Use it only as a last resort on a failed instance: the instance may
	// keep using the interface until it is stopped, the operating system may
	// not notice, and metadata on the instance may not be updated. A forced
	// detach of an interface that is then attached to another instance can
	// leave both instances confused.
	Force bool
}

// DetachNetworkInterfaceOutput is the result of a successful
// DetachNetworkInterface call.
type DetachNetworkInterfaceOutput struct {
	// Return is the service's <return> value, an xsd:boolean (1 and 0 are
	// read too, as are the other forms strconv.ParseBool reads). EC2 answers
	// true; when a service omits the element or leaves it empty (some
	// emulators do), a success response still means the detach was accepted,
	// and Return is true.
	Return bool

	// RequestID identifies the request for AWS support: the body's
	// <requestId>, else the x-amzn-requestid header.
	RequestID string
}

// validate checks the input before anything is signed or sent.
func (in *DetachNetworkInterfaceInput) validate() error {
	if in == nil {
		return &ValidationError{Field: "input", Reason: "is nil"}
	}
	return requireID("AttachmentID", in.AttachmentID)
}

// body returns the form body for the input, byte for byte what
// url.Values.Encode gives (keys sorted, values escaped by url.QueryEscape)
// without building the map. Booleans are sent only when true, as the SDK
// sends them.
func (in *DetachNetworkInterfaceInput) body() []byte {
	id := url.QueryEscape(in.AttachmentID)
	b := make([]byte, 0, 96+len(id))
	b = append(b, "Action=DetachNetworkInterface&AttachmentId="...)
	b = append(b, id...)
	if in.DryRun {
		b = append(b, "&DryRun=true"...)
	}
	if in.Force {
		b = append(b, "&Force=true"...)
	}
	return append(b, "&Version="+apiVersion...)
}

// DetachNetworkInterface detaches a network interface from an instance.
//
// The call returns when EC2 has accepted the detach; the interface then
// stays "detaching" for a while before it is "available".
//
// Errors: *ValidationError for bad input (nothing sent), *APIError for the
// service's answers (see ErrDryRunOperation, ErrUnauthorizedOperation,
// ErrAttachmentNotFound, ErrIncorrectState), and the other error types of
// this package for transport, decoding and exhausted retries. A detach
// whose first attempt succeeded but whose response was lost is retried and
// then fails although the interface was detached: with ErrIncorrectState
// while the interface is still detaching, with ErrAttachmentNotFound once
// it is gone (DetachAndWait with WaitOptions.Idempotent takes both as
// done).
func (c *Client) DetachNetworkInterface(ctx context.Context, in *DetachNetworkInterfaceInput) (*DetachNetworkInterfaceOutput, error) {
	const action = "DetachNetworkInterface"
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	r := &detachResult{}
	if err := c.send(ctx, action, in.body(), r); err != nil {
		return nil, c.operationError(action, err)
	}
	return &r.out, nil
}
