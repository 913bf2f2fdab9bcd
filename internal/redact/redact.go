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
	"net/http"
	"net/url"
	"strings"
)

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
	list    [4 + RecentSize]string // the request's own, then those of Recent
	anchors [4 + RecentSize]string // anchor(list[i])
	hex     [4 + RecentSize]bool   // list[i] is lower-case hex (a signature)
	start   [4 + RecentSize]uint64 // list[i]'s first MinPartial bytes, when hex
	n, nHex int
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
	if len(v) >= MinPartial {
		s.add(v, anchor(v), isHex(v))
	}
}

// add adds v, whose anchor is a, unless there is no room left or s holds
// it already.
func (s *Secrets) add(v, a string, hex bool) {
	if s.n == len(s.list) {
		return
	}
	for _, have := range s.list[:s.n] {
		if have == v {
			return
		}
	}
	s.list[s.n], s.anchors[s.n], s.hex[s.n] = v, a, hex
	if hex {
		s.nHex++
		for i := range MinPartial {
			s.start[s.n] = s.start[s.n]<<8 | uint64(v[i])
		}
	}
	s.n++
}

// isHex reports whether v is lower-case hexadecimal, as signatures are.
func isHex(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isHexDigit(v[i]) {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// Sent collects the secrets of a request sent with header h, signed
// with secretKey.
func Sent(h http.Header, secretKey string) Secrets {
	var s Secrets
	s.Add(Signature(h))
	s.Add(h.Get("X-Amz-Security-Token"))
	s.Add(secretKey)
	return s
}

// Signature returns the SigV4 signature of a request's header h, "" when
// it is not signed.
func Signature(h http.Header) string {
	auth := h.Get("Authorization")
	i := strings.Index(auth, "Signature=")
	if i < 0 {
		return ""
	}
	sig := auth[i+len("Signature="):]
	if j := strings.IndexAny(sig, ", "); j >= 0 {
		sig = sig[:j]
	}
	return sig
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
// MinPartial bytes (every secret held has that many). False means that v
// holds none. More than hexSearches signatures (the request's and the
// earlier ones) are looked for in one pass instead (hexStartIn).
func (s *Secrets) MayHold(v []byte) bool {
	scan := s.nHex > hexSearches
	for i, secret := range s.list[:s.n] {
		if scan && s.hex[i] {
			continue
		}
		// A secret that starts with its anchor (a signature, most
		// tokens) needs one search: its start is in the anchor.
		if a := s.anchors[i]; a == "" || bytes.Contains(v, []byte(secret[:MinPartial])) ||
			!strings.HasPrefix(secret, a[:MinPartial]) && bytes.Contains(v, []byte(a)) {
			return true
		}
	}
	return scan && hexStartIn(s, v)
}

// MayHoldString is MayHold of a string.
func (s *Secrets) MayHoldString(v string) bool {
	scan := s.nHex > hexSearches
	for i, secret := range s.list[:s.n] {
		if scan && s.hex[i] {
			continue
		}
		if a := s.anchors[i]; a == "" || strings.Contains(v, secret[:MinPartial]) ||
			!strings.HasPrefix(secret, a[:MinPartial]) && strings.Contains(v, a) {
			return true
		}
	}
	return scan && hexStartIn(s, v)
}

// hexSearches is how many signatures MayHold looks for one by one (a
// vectorised search each) before one pass for all of them costs less.
const hexSearches = 3

// hexStartIn reports whether v holds the start (MinPartial bytes) of one of
// the hex secrets of s: a hex secret has no other form, and each of its
// starts lies within a run of hex digits of v, so one pass over v, keeping
// its last MinPartial bytes as a number, finds them all.
func hexStartIn[T string | []byte](s *Secrets, v T) bool {
	var last uint64
	run := 0
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !isHexDigit(c) {
			run = 0
			continue
		}
		last = last<<8 | uint64(c)
		if run++; run < MinPartial {
			continue
		}
		for k := range s.n {
			if s.hex[k] && s.start[k] == last {
				return true
			}
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
