package redact

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The small guards of secrets besides redaction: headers and URLs safe to
// log, a digest that identifies credentials without holding them, and a
// fmt.Formatter helper for types that hold secrets.

// Headers returns a copy of h safe to log: the signature and the
// session token are replaced, the access key ID is kept for diagnosis.
func Headers(h http.Header) map[string]string {
	m := make(map[string]string, len(h))
	for k, v := range h {
		val := strings.Join(v, ",")
		switch http.CanonicalHeaderKey(k) {
		case "Authorization":
			if i := strings.Index(val, "Signature="); i >= 0 {
				val = val[:i] + "Signature=REDACTED"
			} else {
				val = "REDACTED"
			}
		case "X-Amz-Security-Token":
			val = "REDACTED"
		}
		m[k] = val
	}
	return m
}

// HasUserInfo reports whether raw, a URL as given (parsable or not), holds
// user information: an "@" in its authority. It is decided without
// url.Parse, whose errors quote the whole URL.
func HasUserInfo(raw string) bool {
	return userInfoEnd(raw) >= 0
}

// userInfoEnd returns the index of the "@" that ends the user information
// of raw, or -1.
func userInfoEnd(raw string) int {
	start := strings.Index(raw, "//")
	if start < 0 {
		return -1
	}
	start += 2
	end := len(raw)
	if i := strings.IndexAny(raw[start:], "/?#"); i >= 0 {
		end = start + i
	}
	if at := strings.LastIndexByte(raw[start:end], '@'); at >= 0 {
		return start + at
	}
	return -1
}

// URL returns raw with any user information replaced, whether or not
// raw parses as a URL.
func URL(raw string) string {
	at := userInfoEnd(raw)
	if at < 0 {
		return raw
	}
	start := strings.Index(raw, "//") + 2
	return raw[:start] + "REDACTED" + raw[at:]
}

// Digest identifies credentials without holding them: the
// SHA-256 of their access key ID, secret and session token, each
// length-prefixed so that no two different sets share an input.
type Digest [sha256.Size]byte

// DigestOf returns the digest of c's keys and token.
func DigestOf(c aws.Credentials) Digest {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var d Digest
	h.Sum(d[:0])
	return d
}

// Format writes a value's safe description for fmt: goString for %#v,
// else str formatted with the verb and flags given, as a string would be.
// Types that hold secrets implement fmt.Formatter with it, so that no verb
// (%v, %+v, %#v, %s, %q, %x, %d...) reaches their fields.
func Format(f fmt.State, verb rune, goString, str string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, goString)
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), str)
}
