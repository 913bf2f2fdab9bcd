package query

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// This file keeps what credential sources answer out of errors: no byte of
// a credentials response body (STS, container, IMDS), of a credential
// process's output or of a web identity token is ever shown.

// errWithheldBody replaces the decoding failure of a body that may hold
// credentials: the decoders' messages quote the input they choke on.
var errWithheldBody = errors.New("the body is not a valid response (withheld: it may hold credentials)")

// CredentialsFailure returns a *CredentialsError for err from the source
// named provider, keeping err's chain only when its message cannot quote
// what a credential source answered. An err that already is a
// *CredentialsError, from a source deeper in the chain, is returned as is.
func CredentialsFailure(provider string, err error) error {
	var ce *CredentialsError
	if errors.As(err, &ce) {
		if errors.Unwrap(err) == ce {
			// Only aws.CredentialsCache's "failed to refresh cached
			// credentials" around it: the error says that itself.
			return ce
		}
		return err
	}
	return &CredentialsError{Provider: provider, Err: WithholdDecodeFailure(err)}
}

// WithholdDecodeFailure returns err unless its chain holds a failure to
// decode what a credential source answered: the SDK's providers put the
// body or the process output into such messages (processcreds quotes the
// whole output, secret key and token included; a time or JSON error quotes
// the value it could not parse). Such an error is replaced by one that says
// what kind of failure it was, without any byte of the input.
func WithholdDecodeFailure(err error) error {
	if err == nil {
		return nil
	}
	var (
		syntaxErr *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		timeErr   *time.ParseError
		xmlErr    *xml.SyntaxError
		deserErr  *smithy.DeserializationError
		respErr   *ResponseError
	)
	switch {
	case errors.As(err, &respErr) && respErr.withheld:
		return err // already built without the body
	case errors.As(err, &timeErr):
		return &withheldError{what: "an expiration time in the answer is not a valid time"}
	case errors.As(err, &syntaxErr):
		return &withheldError{what: fmt.Sprintf("the answer is not valid JSON (at byte %d)", syntaxErr.Offset)}
	case errors.As(err, &typeErr):
		return &withheldError{what: fmt.Sprintf("the answer's field %q has the wrong type", typeErr.Field)}
	case errors.As(err, &xmlErr):
		return &withheldError{what: fmt.Sprintf("the answer is not valid XML (line %d)", xmlErr.Line)}
	case errors.As(err, &deserErr):
		return &withheldError{what: "the answer could not be decoded"}
	case isSourceAnswer(err):
		// The source's error answer (endpointcreds' EndpointError holds
		// its JSON "message", or the whole body when it is not JSON):
		// only its status is shown.
		return &withheldError{what: sourceAnswered(err)}
	case strings.Contains(err.Error(), "process output"):
		// processcreds formats its parse failures with %s of the output;
		// any message naming the output is withheld, whatever wraps it.
		return &withheldError{what: "the credential process's output could not be parsed"}
	}
	return err
}

// isSourceAnswer reports whether err holds an error answer of a
// credential source in the SDK's shape (a smithy.APIError that is not this
// package's *APIError, whose STS messages are AWS's own and kept).
func isSourceAnswer(err error) bool {
	var (
		apiErr smithy.APIError
		ours   *APIError
	)
	return errors.As(err, &apiErr) && !errors.As(err, &ours)
}

// sourceAnswered says what a credential source answered, from its HTTP
// status alone.
func sourceAnswered(err error) string {
	var st interface{ HTTPStatusCode() int }
	if errors.As(err, &st) && st.HTTPStatusCode() != 0 {
		return fmt.Sprintf("the source answered HTTP %d", st.HTTPStatusCode())
	}
	return "the source answered an error"
}

// UntrustedFailure describes the failure of a provider whose messages may
// quote what its source answered, from typed facts only: the HTTP status
// of an error answer, a network failure (addresses and system errors, no
// content), the context's end. Anything else is withheld. errors.Is and
// errors.As still reach the network and context errors.
func UntrustedFailure(err error) error {
	var (
		respErr *smithyhttp.ResponseError
		opErr   *net.OpError
		dnsErr  *net.DNSError
	)
	switch {
	case errors.As(err, &opErr):
		return fmt.Errorf("could not reach the source: %w", opErr)
	case errors.As(err, &dnsErr):
		return fmt.Errorf("could not reach the source: %w", dnsErr)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the source did not answer in time: %w", context.DeadlineExceeded)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("the retrieval was cancelled: %w", context.Canceled)
	case errors.As(err, &respErr):
		return &withheldError{what: fmt.Sprintf("the source answered HTTP %d", respErr.HTTPStatusCode())}
	}
	return &withheldError{what: "the source's answer could not be used"}
}

// withheldError is a decoding failure described without its input.
type withheldError struct{ what string }

// Error says what kind of failure it was, and that its input is withheld.
func (e *withheldError) Error() string {
	return e.what + " (content withheld: it may hold credentials)"
}

// withholdBody strips the body and the decoder's message from a
// *ResponseError of a client whose answers may hold credentials.
func withholdBody(err error) error {
	var re *ResponseError
	if !errors.As(err, &re) {
		return err
	}
	w := &ResponseError{StatusCode: re.StatusCode, RequestID: re.RequestID, withheld: true}
	if re.Err == ErrBodyTooLarge {
		w.Err = ErrBodyTooLarge
	} else if re.Err != nil {
		w.Err = errWithheldBody
	}
	return w
}
