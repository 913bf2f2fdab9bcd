// Package redact keeps what a request sent out of what comes back: a
// response, an error page or a transport failure may quote the request's
// signature, session token or secret key, and nothing taken from an answer
// reaches an error, a log record or a formatted value before Secrets has
// redacted it. It also holds the other small guards of secrets: headers and
// URLs safe to log, a digest that identifies credentials without holding
// them, and a fmt.Formatter helper for types that hold secrets.
package redact

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

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

// Mark replaces, in anything taken from a response, a secret the
// client itself sent.
const Mark = "[REDACTED]"

// Secrets are the secrets of one request as the client sent them: its
// signature, its session token and the secret key it was signed with, or,
// for an unsigned AssumeRoleWithWebIdentity, the web identity token of its
// body. A proxy or WAF error page that quotes the request hands them back;
// they are redacted from every error, snippet, request ID and log record
// taken from the response.
type Secrets struct {
	list    [4]string
	anchors [4]string // anchor(list[i])
	n       int
}

// Empty reports whether s holds no secret: nothing was signed or sent that
// an answer could echo.
func (s *Secrets) Empty() bool { return s.n == 0 }

// Add adds a secret, unless it is empty or there is no room left.
//
// A value shorter than MinPartial is not a secret AWS issues (secret keys
// have 40 characters, signatures 64, session tokens hundreds) and is not
// looked for: redacting every "b" of a message would only garble it.
func (s *Secrets) Add(v string) {
	if len(v) >= MinPartial && s.n < len(s.list) {
		s.list[s.n], s.anchors[s.n] = v, anchor(v)
		s.n++
	}
}

// Sent collects the secrets of a request sent with header h, signed
// with secretKey.
func Sent(h http.Header, secretKey string) Secrets {
	var s Secrets
	if auth := h.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Signature="); i >= 0 {
			sig := auth[i+len("Signature="):]
			if j := strings.IndexAny(sig, ", "); j >= 0 {
				sig = sig[:j]
			}
			s.Add(sig)
		}
	}
	s.Add(h.Get("X-Amz-Security-Token"))
	s.Add(secretKey)
	return s
}

// secretParams are the form parameters of a request body that hold a
// secret: STS's AssumeRoleWithWebIdentity sends its token there, unsigned,
// so no header says what to redact.
var secretParams = []string{"WebIdentityToken"}

// AddBody adds the secret parameters of a form body. It parses the
// body only when it names one, so the EC2 path pays a search at most.
func (s *Secrets) AddBody(body []byte) {
	for _, name := range secretParams {
		if !bytes.Contains(body, []byte(name+"=")) {
			continue
		}
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, v := range form[name] {
				s.Add(v)
			}
		}
	}
}

// MinPartial is the shortest start of a secret that is redacted when a
// body ends with it, cut off by the body's end.
const MinPartial = 8

// forms returns secret as a page may quote it: as sent, query-escaped (a
// page that echoes a URL or a form), and with "/" escaped as JSON encoders
// may escape it. HTML's named entities change none of the characters of a
// signature, a session token or a secret key (hex and base64), but a
// numeric character reference may spell any of them: an XML answer is
// spelt out before it is redacted (RedactXML), other pages keep at least
// their runs of letters and digits between "/", "+" and "=" (Redact).
func forms(secret string) []string {
	f := []string{secret}
	if q := url.QueryEscape(secret); q != secret {
		f = append(f, q)
	}
	if j := strings.ReplaceAll(secret, "/", `\/`); j != secret {
		f = append(f, j)
	}
	return f
}

// maxAnchor bounds an anchor, so that looking for it costs no allocation.
const maxAnchor = 16

// anchor returns the start (at most maxAnchor bytes) of the first run of
// letters and digits of secret, which every form keeps, to rule out a body
// cheaply; "" when there is no run long enough to be telling.
func anchor(secret string) string {
	start := -1
	for i := 0; i <= len(secret); i++ {
		alnum := i < len(secret) && isAlnum(secret[i])
		switch {
		case alnum && start < 0:
			start = i
		case !alnum && start >= 0:
			if i-start >= MinPartial {
				return secret[start:min(i, start+maxAnchor)]
			}
			start = -1
		}
	}
	return ""
}

// NextRun returns the first run of letters and digits of s, and what
// follows it.
func NextRun(s string) (run, rest string) {
	start := 0
	for start < len(s) && !isAlnum(s[start]) {
		start++
	}
	end := start
	for end < len(s) && isAlnum(s[end]) {
		end++
	}
	return s[start:end], s[end:]
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// MayHold reports whether v may hold a form of a secret or the start of
// one, cheaply and without allocating: every form keeps the anchor, every
// start of at least MinPartial bytes begins with the secret's first
// MinPartial bytes. False means that v holds none.
func (s *Secrets) MayHold(v []byte) bool {
	for i, secret := range s.list[:s.n] {
		if a := s.anchors[i]; a == "" || bytes.Contains(v, []byte(a)) ||
			len(secret) > MinPartial && bytes.Contains(v, []byte(secret[:MinPartial])) {
			return true
		}
	}
	return false
}

// MayHoldString is MayHold of a string.
func (s *Secrets) MayHoldString(v string) bool {
	for i, secret := range s.list[:s.n] {
		if a := s.anchors[i]; a == "" || strings.Contains(v, a) ||
			len(secret) > MinPartial && strings.Contains(v, secret[:MinPartial]) {
			return true
		}
	}
	return false
}

// Redact returns body with every form of every secret replaced, and
// the start of one (at least MinPartial bytes) that ends body, cut off
// there. body itself is returned, not copied, when it holds none.
func (s *Secrets) Redact(body []byte) []byte {
	if !s.MayHold(body) {
		return body
	}
	out := body
	for i, secret := range s.list[:s.n] {
		// The start of one that ends the body, cut off there, first:
		// redacting a run of it would hide the start from this check.
		if len(secret) > MinPartial {
			tail := out[max(0, len(out)-len(secret)+1):]
			for i := 0; i < len(tail); i++ {
				j := bytes.Index(tail[i:], []byte(secret[:MinPartial]))
				if j < 0 {
					break
				}
				if i += j; strings.HasPrefix(secret, string(tail[i:])) {
					cut := len(out) - len(tail) + i
					out = append(out[:cut:cut], Mark...)
					break
				}
			}
		}
		if a := s.anchors[i]; a == "" || bytes.Contains(out, []byte(a)) {
			for _, form := range forms(secret) {
				if bytes.Contains(out, []byte(form)) {
					out = bytes.ReplaceAll(out, []byte(form), []byte(Mark))
				}
			}
			// Any other escaping of "/", "+" and "=" (url.PathEscape,
			// lower-case %2f, HTML's &#x2F; or &#47;, JSON's \u002f, a
			// line break) keeps the runs of letters and digits between
			// them: each run long enough to be telling is redacted too.
			for rest := secret; rest != ""; {
				run, next := NextRun(rest)
				if len(run) >= MinPartial && bytes.Contains(out, []byte(run)) {
					out = bytes.ReplaceAll(out, []byte(run), []byte(Mark))
				}
				rest = next
			}
		}
	}
	return out
}

// RedactString is Redact of a string.
func (s *Secrets) RedactString(v string) string {
	if !s.MayHoldString(v) {
		return v
	}
	if r := s.Redact([]byte(v)); string(r) != v {
		return string(r)
	}
	return v
}
