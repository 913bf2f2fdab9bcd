package enidetach

import (
	"context"
	"errors"

	"github.com/ec2lite/enidetach/internal/redact"
)

// message redacted, and only the context's errors kept in its chain, which
// hold none.
type redactedError struct {
	msg  string
	keep []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.keep }

// redactEchoes returns err, an attempt's error built from a response whose
// body is body, with what the request sent (s) redacted from every part
// taken from the response: an *APIError's code, message and request ID; a
// *ResponseError's snippet (taken again from the redacted body, so no
// secret is cut in two at its end), request ID and decoding failure; a
// *TransportError's message, which may quote a malformed response.
func redactEchoes(err error, body []byte, s redact.Secrets) error {
	if s.Empty() {
		return err
	}
	switch e := err.(type) {
	case *APIError:
		e.Code, e.Message, e.RequestID = s.RedactString(e.Code), s.RedactString(e.Message), s.RedactString(e.RequestID)
	case *TransportError:
		// The HTTP client's messages quote what it could not parse (a
		// status line, a header line, a Content-Length): a page built from
		// the request's headers hands them back there too. Such a message
		// is replaced, chain and all, keeping what callers and the retryer
		// ask of it: whether it may pass, and the context's error.
		if e.Err != nil {
			if msg := e.Err.Error(); s.MayHoldString(msg) {
				if r := s.RedactString(msg); r != msg {
					retry := e.ConnectionError()
					var keep []error
					for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
						if errors.Is(e.Err, ctxErr) {
							keep = append(keep, ctxErr)
						}
					}
					e.Err, e.redactedRetryable = &redactedError{msg: r, keep: keep}, &retry
				}
			}
		}
	case *ResponseError:
		if e.Snippet != "" {
			e.Snippet = snippet(s.Redact(body))
		}
		e.RequestID = s.RedactString(e.RequestID)
		if e.Err != nil && e.Err != errBodyTooLarge {
			if msg := e.Err.Error(); s.MayHoldString(msg) {
				if r := s.RedactString(msg); r != msg {
					e.Err = errors.New(r)
				}
			}
		}
	}
	return err
}
