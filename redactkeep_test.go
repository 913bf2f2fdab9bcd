package enidetach

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRedactedTransportErrorKeepsItsKind: a transport failure whose message
// quoted a secret is redacted, but what callers and the retryer ask of it
// stays: a certificate failure is still not retried, a failure on the way
// still is, and the context's error is still in the chain.
func TestRedactedTransportErrorKeepsItsKind(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s := secretsOf(http.Header{}, secret)
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
		got := redactEchoes(te, nil, s).(*TransportError)
		if strings.Contains(got.Error(), secret) || !strings.Contains(got.Error(), redactedMark) {
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
	s := secretsOf(http.Header{}, "b")
	te := &TransportError{Err: fmt.Errorf("x509: certificate signed by unknown authority: %w", x509.UnknownAuthorityError{})}
	got := redactEchoes(te, nil, s).(*TransportError)
	if !strings.Contains(got.Error(), "signed by unknown authority") || got.ConnectionError() {
		t.Errorf("%v (retried %t)", got, got.ConnectionError())
	}
}
