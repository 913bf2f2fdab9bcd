package enidetach

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
)

// maxAttachmentIDLen bounds AttachmentID. Real IDs are "eni-attach-" and 17
// hex digits; the bound only stops absurd input before it is signed and sent.
const maxAttachmentIDLen = 255

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
	// Return is the service's <return> value. EC2 answers true; when a
	// service omits the element (some emulators do), a success response still
	// means the detach was accepted, and Return is true.
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
	switch {
	case in.AttachmentID == "":
		return &ValidationError{Field: "AttachmentID", Reason: "is required"}
	case len(in.AttachmentID) > maxAttachmentIDLen:
		return &ValidationError{Field: "AttachmentID", Reason: fmt.Sprintf("is %d bytes, longer than %d", len(in.AttachmentID), maxAttachmentIDLen)}
	}
	return nil
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
// ErrAttachmentNotFound), and the other error types of this package for
// transport, decoding and exhausted retries. A detach whose first attempt
// succeeded but whose response was lost is retried and may then fail with
// ErrAttachmentNotFound or IncorrectState although the interface was
// detached.
func (c *Client) DetachNetworkInterface(ctx context.Context, in *DetachNetworkInterfaceInput) (*DetachNetworkInterfaceOutput, error) {
	const action = "DetachNetworkInterface"
	if err := c.usable(ctx); err != nil {
		return nil, c.operationError(action, err)
	}
	if err := in.validate(); err != nil {
		return nil, c.operationError(action, err)
	}
	r := &detachResult{}
	meta, err := c.send(ctx, action, in.body(), r)
	if err != nil {
		return nil, c.operationError(action, err)
	}
	r.out.Return = r.ret || !r.hasReturn
	r.out.RequestID = r.requestID
	if r.out.RequestID == "" {
		r.out.RequestID = meta.requestID
	}
	return &r.out, nil
}

// detachResult decodes <DetachNetworkInterfaceResponse> without reflection;
// it holds the output so that a call allocates one value for both.
type detachResult struct {
	requestID string
	ret       bool
	hasReturn bool
	out       DetachNetworkInterfaceOutput
}

func (r *detachResult) unmarshalResult(d *xml.Decoder, start xml.StartElement) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "requestId":
				s, err := elementText(d)
				if err != nil {
					return err
				}
				r.requestID = s
			case "return":
				s, err := elementText(d)
				if err != nil {
					return err
				}
				switch strings.ToLower(s) {
				case "true":
					r.ret, r.hasReturn = true, true
				case "false":
					r.ret, r.hasReturn = false, true
				case "":
					// <return/>: treated as absent.
				default:
					return fmt.Errorf("<return> is %q, want true or false", snippet([]byte(s)))
				}
			default:
				if err := d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			return nil // the decoder has checked it closes start
		}
	}
}

// elementText returns the trimmed text of the element just opened and
// consumes its end; nested elements are refused.
func elementText(d *xml.Decoder) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			return "", fmt.Errorf("unexpected element <%s> in text element", t.Name.Local)
		case xml.EndElement:
			return strings.TrimSpace(b.String()), nil
		}
	}
}
