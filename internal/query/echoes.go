package query

import (
	"context"
	"errors"

	"github.com/ec2lite/enidetach/internal/redact"
)

// What a response echoes of its request is redacted from its body before
// anything is decoded from it (attempt.go): codes, messages, request IDs,
// snippets and every field of a result come from the redacted body. What
// remains is the one error not built from a body: a transport failure,
// whose message net/http builds from what it could not parse.

// redactedError stands for an error whose message held a secret: its
// message redacted, and only the context's errors kept in its chain, which
// hold none.
type redactedError struct {
	msg  string
	keep []error
}

func (e *redactedError) Error() string   { return e.msg }
func (e *redactedError) Unwrap() []error { return e.keep }

// redactEchoes returns te with what the request sent (s) redacted from
// its message. The HTTP client's messages quote what it could not parse (a
// status line, a header line, a Content-Length): a page built from the
// request's headers hands them back there too. Such a message is replaced,
// chain and all, keeping what callers and the retryer ask of it: whether
// it may pass, and the context's error.
func redactEchoes(te *TransportError, s redact.Secrets) *TransportError {
	if s.Empty() || te.Err == nil {
		return te
	}
	msg := te.Err.Error()
	if !s.MayHoldString(msg) {
		return te
	}
	r := s.RedactString(msg)
	if r == msg {
		return te
	}
	retry := te.ConnectionError()
	var keep []error
	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		if errors.Is(te.Err, ctxErr) {
			keep = append(keep, ctxErr)
		}
	}
	te.Err, te.redactedRetryable = &redactedError{msg: r, keep: keep}, &retry
	return te
}
