package enidetach

// The path of one call: Call (or DetachNetworkInterface in detach.go)
// checks the client and names the operation in any error; the engine
// beneath (internal/query) builds the body, runs the attempts its retryer
// allows, signs and sends each, and reads, redacts and decodes the answer.

import (
	"context"
	"net/url"

	"github.com/aws/smithy-go"
)

// Call sends an EC2 Query action with params and decodes the response
// element <action>Response into out with encoding/xml (element names match
// exactly, in any namespace); a nil out discards the body. Version
// 2016-11-15 is sent unless params sets one (a single, non-empty value;
// params must not set Action). params is not modified. Other EC2 actions
// can be called through it with the same signing, retries and errors as
// DetachNetworkInterface.
//
// A lost response (a 200 whose body the connection cut off, or a
// connection dropped after the request was sent) is retried for any
// action, as the SDK retries it, because the client cannot tell whether
// the first attempt took effect. For an idempotent action (a describe)
// that is harmless. For one that is not, the retry may meet the first
// attempt's effect and fail although that attempt succeeded: an
// AttachNetworkInterface retried after a lost response answers
// InvalidNetworkInterface.InUse, a DetachNetworkInterface IncorrectState
// (ErrIncorrectState) while the interface is still detaching and
// InvalidAttachmentID.NotFound (ErrAttachmentNotFound) once it is gone.
// Such an error comes inside a *RetryError whose Attempts is more than 1:
// resolve it by looking (DescribeNetworkInterfaces: is the interface now
// attached where it was asked to be?), never by guessing. The typed
// operations of this package do that looking for you.
//
// Whatever an answer echoes of the request (its signature, session token
// or secret key) is redacted before out is decoded, so no field of out
// holds it.
func (c *Client) Call(ctx context.Context, action string, params url.Values, out any) error {
	if err := c.usable(ctx); err != nil {
		return c.operationError(action, err)
	}
	if err := c.engine.Call(ctx, action, params, out); err != nil {
		return c.operationError(action, err)
	}
	return nil
}

// send sends an operation's built form body and decodes the answer into
// out (an operation's own result decodes itself: query.Result).
func (c *Client) send(ctx context.Context, action string, body []byte, out any) error {
	return c.engine.Send(ctx, action, body, out)
}

// usable refuses a client that New did not make, a client whose
// configuration failed (NewFromConfig) and a nil context, before anything
// is built or sent.
func (c *Client) usable(ctx context.Context) error {
	switch {
	case c == nil || (c.engine == nil && c.initErr == nil):
		return &ValidationError{Field: "Client", Reason: "was not created by New or NewFromConfig"}
	case c.initErr != nil:
		return c.initErr
	case ctx == nil:
		return &ValidationError{Field: "ctx", Reason: "is nil"}
	}
	return nil
}

// operationError names the action that failed in the SDK's shape
// ("operation error EC2: DetachNetworkInterface, ..."); errors.As and
// errors.Is see through it to this package's error types.
func (c *Client) operationError(action string, err error) error {
	return &smithy.OperationError{ServiceID: "EC2", OperationName: action, Err: err}
}
