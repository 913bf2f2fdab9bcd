package query

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/internal/redact"
)

// TestRedactedTransportErrorKeepsItsKind: a transport failure whose message
// quoted a secret is redacted, but what callers and the retryer ask of it
// stays: a certificate failure is still not retried, a failure on the way
// still is, and the context's error is still in the chain.
func TestRedactedTransportErrorKeepsItsKind(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s := redact.Sent(http.Header{}, secret)
	tests := []struct {
		name     string
		err      error
		retried  bool
		ctxErr   error
		canceled bool
	}{
		{"certificate", fmt.Errorf("tls: %s: %w", secret, x509.UnknownAuthorityError{}), false, nil, false},
		{"malformed answer", fmt.Errorf("net/http: malformed HTTP response %q", secret), true, nil, false},
		{"deadline", fmt.Errorf("read %s: %w", secret, context.DeadlineExceeded), true, context.DeadlineExceeded, false},
	}
	for _, tc := range tests {
		te := &TransportError{Err: tc.err}
		got := redactEchoes(te, s)
		if strings.Contains(got.Error(), secret) || !strings.Contains(got.Error(), redact.Mark) {
			t.Errorf("%s: %v", tc.name, got)
		}
		if got.ConnectionError() != tc.retried {
			t.Errorf("%s: ConnectionError = %t, want %t", tc.name, got.ConnectionError(), tc.retried)
		}
		if tc.ctxErr != nil && !errors.Is(got, tc.ctxErr) {
			t.Errorf("%s: %v lost %v", tc.name, got, tc.ctxErr)
		}
	}
}

// TestShortValuesAreNotRedacted: a "secret" shorter than any AWS issues
// (a test's "b") is not looked for, so messages are not garbled ("signed
// by" read "signed [REDACTED]y") and the failure keeps its kind.
func TestShortValuesAreNotRedacted(t *testing.T) {
	t.Parallel()
	s := redact.Sent(http.Header{}, "b")
	te := &TransportError{Err: fmt.Errorf("x509: certificate signed by unknown authority: %w", x509.UnknownAuthorityError{})}
	got := redactEchoes(te, s)
	if !strings.Contains(got.Error(), "signed by unknown authority") || got.ConnectionError() {
		t.Errorf("%v (retried %t)", got, got.ConnectionError())
	}
}

// TestRedactEchoesTransportError: redactEchoes redacts a *TransportError's
// message, which may quote a malformed answer.
func TestRedactEchoesTransportError(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("X-Amz-Security-Token", echoToken)
	te := &TransportError{Err: fmt.Errorf("net/http: HTTP/1.x transport connection broken: malformed HTTP response %q", echoToken)}
	err := redactEchoes(te, redact.Sent(h, echoSecret))
	if leaks := echoLeaks(fmt.Sprintf("%v %+v", err, err), ""); leaks != nil {
		t.Errorf("%v shows %q", err, leaks)
	}
	if !strings.Contains(err.Error(), "malformed HTTP response") {
		t.Errorf("%v: what failed is lost", err)
	}
	plain := &TransportError{Err: fmt.Errorf("dial tcp 127.0.0.1:1: connect: connection refused")}
	if got := redactEchoes(plain, redact.Sent(h, echoSecret)); got.Error() != "enidetach: request failed: dial tcp 127.0.0.1:1: connect: connection refused" {
		t.Errorf("a message quoting nothing changed: %v", got)
	}
}

const (
	echoToken  = "ECHOtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/that/is/long=="
	echoSecret = "ECHOsecret/K7MDENG+bPxRfiCYEXAMPLEKEY1"
)

// echoLeaks returns the pieces of the secrets sent that s shows: the whole
// token, secret key or signature, or any run of 8 letters and digits of
// them.
func echoLeaks(s, sig string) []string {
	var leaks []string
	for _, secret := range []string{echoToken, echoSecret, sig} {
		for rest := secret; rest != ""; {
			run, next := redact.NextRun(rest)
			if len(run) >= redact.MinPartial && strings.Contains(s, run) {
				leaks = append(leaks, run)
			}
			rest = next
		}
	}
	return leaks
}
