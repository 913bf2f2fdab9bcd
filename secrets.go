package enidetach

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// This file holds what keeps secrets out of errors, log records and
// formatted values. The rule: no byte of a credentials response body (STS,
// container, IMDS), of a credential process's output, of a web identity
// token or of URL user information is ever shown.

// errWithheldBody replaces the decoding failure of a body that may hold
// credentials: the decoders' messages quote the input they choke on.
var errWithheldBody = errors.New("the body is not a valid response (withheld: it may hold credentials)")

// credentialsError returns a *CredentialsError for err from the source
// named provider, keeping err's chain only when its message cannot quote
// what a credential source answered. An err that already is a
// *CredentialsError, from a source deeper in the chain, is returned as is.
func credentialsError(provider string, err error) error {
	var ce *CredentialsError
	if errors.As(err, &ce) {
		if errors.Unwrap(err) == ce {
			// Only aws.CredentialsCache's "failed to refresh cached
			// credentials" around it: the error says that itself.
			return ce
		}
		return err
	}
	return &CredentialsError{Provider: provider, Err: withholdDecodeFailure(err)}
}

// withholdDecodeFailure returns err unless its chain holds a failure to
// decode what a credential source answered: the SDK's providers put the
// body or the process output into such messages (processcreds quotes the
// whole output, secret key and token included; a time or JSON error quotes
// the value it could not parse). Such an error is replaced by one that says
// what kind of failure it was, without any byte of the input.
func withholdDecodeFailure(err error) error {
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

// untrustedFailure describes the failure of a provider whose messages may
// quote what its source answered, from typed facts only: the HTTP status
// of an error answer, a network failure (addresses and system errors, no
// content), the context's end. Anything else is withheld. errors.Is and
// errors.As still reach the network and context errors.
func untrustedFailure(err error) error {
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
	if re.Err == errBodyTooLarge {
		w.Err = errBodyTooLarge
	} else if re.Err != nil {
		w.Err = errWithheldBody
	}
	return w
}

// redactHeaders returns a copy of h safe to log: the signature and the
// session token are replaced, the access key ID is kept for diagnosis.
func redactHeaders(h http.Header) map[string]string {
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

// hasUserInfo reports whether raw, a URL as given (parsable or not), holds
// user information: an "@" in its authority. It is decided without
// url.Parse, whose errors quote the whole URL.
func hasUserInfo(raw string) bool {
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

// redactURL returns raw with any user information replaced, whether or not
// raw parses as a URL.
func redactURL(raw string) string {
	at := userInfoEnd(raw)
	if at < 0 {
		return raw
	}
	start := strings.Index(raw, "//") + 2
	return raw[:start] + "REDACTED" + raw[at:]
}

// credentialsDigest identifies credentials without holding them: the
// SHA-256 of their access key ID, secret and session token, each
// length-prefixed so that no two different sets share an input.
type credentialsDigest [sha256.Size]byte

// digestCredentials returns the digest of c's keys and token.
func digestCredentials(c aws.Credentials) credentialsDigest {
	h := sha256.New()
	var n [8]byte
	for _, s := range []string{c.AccessKeyID, c.SecretAccessKey, c.SessionToken} {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	var d credentialsDigest
	h.Sum(d[:0])
	return d
}

// formatSafe writes a value's safe description for fmt: goString for %#v,
// else str formatted with the verb and flags given, as a string would be.
// Types that hold secrets implement fmt.Formatter with it, so that no verb
// (%v, %+v, %#v, %s, %q, %x, %d...) reaches their fields.
func formatSafe(f fmt.State, verb rune, goString, str string) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, goString)
		return
	}
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), str)
}

// redactedMark replaces, in anything taken from a response, a secret the
// client itself sent.
const redactedMark = "[REDACTED]"

// sentSecrets are the secrets of one request as the client sent them: its
// signature, its session token and the secret key it was signed with, or,
// for an unsigned AssumeRoleWithWebIdentity, the web identity token of its
// body. A proxy or WAF error page that quotes the request hands them back;
// they are redacted from every error, snippet, request ID and log record
// taken from the response (redactEchoes).
type sentSecrets struct {
	list    [4]string
	anchors [4]string // anchor(list[i])
	n       int
}

// add adds a secret, unless it is empty or there is no room left.
//
// A value shorter than minPartial is not a secret AWS issues (secret keys
// have 40 characters, signatures 64, session tokens hundreds) and is not
// looked for: redacting every "b" of a message would only garble it.
func (s *sentSecrets) add(v string) {
	if len(v) >= minPartial && s.n < len(s.list) {
		s.list[s.n], s.anchors[s.n] = v, anchor(v)
		s.n++
	}
}

// secretsOf collects the secrets of a request sent with header h, signed
// with secretKey.
func secretsOf(h http.Header, secretKey string) sentSecrets {
	var s sentSecrets
	if auth := h.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Signature="); i >= 0 {
			sig := auth[i+len("Signature="):]
			if j := strings.IndexAny(sig, ", "); j >= 0 {
				sig = sig[:j]
			}
			s.add(sig)
		}
	}
	s.add(h.Get("X-Amz-Security-Token"))
	s.add(secretKey)
	return s
}

// secretParams are the form parameters of a request body that hold a
// secret: STS's AssumeRoleWithWebIdentity sends its token there, unsigned,
// so no header says what to redact.
var secretParams = []string{"WebIdentityToken"}

// addBodySecrets adds the secret parameters of a form body. It parses the
// body only when it names one, so the EC2 path pays a search at most.
func (s *sentSecrets) addBodySecrets(body []byte) {
	for _, name := range secretParams {
		if !bytes.Contains(body, []byte(name+"=")) {
			continue
		}
		if form, err := url.ParseQuery(string(body)); err == nil {
			for _, v := range form[name] {
				s.add(v)
			}
		}
	}
}

// minPartial is the shortest start of a secret that is redacted when a
// body ends with it, cut off by the body's end.
const minPartial = 8

// forms returns secret as a page may quote it: as sent, query-escaped (a
// page that echoes a URL or a form), and with "/" escaped as JSON encoders
// may escape it. HTML escaping changes none of the characters of a
// signature, a session token or a secret key (hex and base64).
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
			if i-start >= minPartial {
				return secret[start:min(i, start+maxAnchor)]
			}
			start = -1
		}
	}
	return ""
}

// nextRun returns the first run of letters and digits of s, and what
// follows it.
func nextRun(s string) (run, rest string) {
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

// mayHold reports whether v may hold a form of a secret or the start of
// one, cheaply and without allocating: every form keeps the anchor, every
// start of at least minPartial bytes begins with the secret's first
// minPartial bytes. False means that v holds none.
func (s *sentSecrets) mayHold(v []byte) bool {
	for i, secret := range s.list[:s.n] {
		if a := s.anchors[i]; a == "" || bytes.Contains(v, []byte(a)) ||
			len(secret) > minPartial && bytes.Contains(v, []byte(secret[:minPartial])) {
			return true
		}
	}
	return false
}

// mayHoldString is mayHold of a string.
func (s *sentSecrets) mayHoldString(v string) bool {
	for i, secret := range s.list[:s.n] {
		if a := s.anchors[i]; a == "" || strings.Contains(v, a) ||
			len(secret) > minPartial && strings.Contains(v, secret[:minPartial]) {
			return true
		}
	}
	return false
}

// redactBytes returns body with every form of every secret replaced, and
// the start of one (at least minPartial bytes) that ends body, cut off
// there. body itself is returned, not copied, when it holds none.
func (s *sentSecrets) redactBytes(body []byte) []byte {
	if !s.mayHold(body) {
		return body
	}
	out := body
	for i, secret := range s.list[:s.n] {
		// The start of one that ends the body, cut off there, first:
		// redacting a run of it would hide the start from this check.
		if len(secret) > minPartial {
			tail := out[max(0, len(out)-len(secret)+1):]
			for i := 0; i < len(tail); i++ {
				j := bytes.Index(tail[i:], []byte(secret[:minPartial]))
				if j < 0 {
					break
				}
				if i += j; strings.HasPrefix(secret, string(tail[i:])) {
					cut := len(out) - len(tail) + i
					out = append(out[:cut:cut], redactedMark...)
					break
				}
			}
		}
		if a := s.anchors[i]; a == "" || bytes.Contains(out, []byte(a)) {
			for _, form := range forms(secret) {
				if bytes.Contains(out, []byte(form)) {
					out = bytes.ReplaceAll(out, []byte(form), []byte(redactedMark))
				}
			}
			// Any other escaping of "/", "+" and "=" (url.PathEscape,
			// lower-case %2f, HTML's &#x2F; or &#47;, JSON's \u002f, a
			// line break) keeps the runs of letters and digits between
			// them: each run long enough to be telling is redacted too.
			for rest := secret; rest != ""; {
				run, next := nextRun(rest)
				if len(run) >= minPartial && bytes.Contains(out, []byte(run)) {
					out = bytes.ReplaceAll(out, []byte(run), []byte(redactedMark))
				}
				rest = next
			}
		}
	}
	return out
}

// redactString is redactBytes of a string.
func (s *sentSecrets) redactString(v string) string {
	if !s.mayHoldString(v) {
		return v
	}
	if r := s.redactBytes([]byte(v)); string(r) != v {
		return string(r)
	}
	return v
}

// redactedError stands for an error whose message held a secret: its
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
func redactEchoes(err error, body []byte, s sentSecrets) error {
	if s.n == 0 {
		return err
	}
	switch e := err.(type) {
	case *APIError:
		e.Code, e.Message, e.RequestID = s.redactString(e.Code), s.redactString(e.Message), s.redactString(e.RequestID)
	case *TransportError:
		// The HTTP client's messages quote what it could not parse (a
		// status line, a header line, a Content-Length): a page built from
		// the request's headers hands them back there too. Such a message
		// is replaced, chain and all, keeping what callers and the retryer
		// ask of it: whether it may pass, and the context's error.
		if e.Err != nil {
			if msg := e.Err.Error(); s.mayHoldString(msg) {
				if r := s.redactString(msg); r != msg {
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
			e.Snippet = snippet(s.redactBytes(body))
		}
		e.RequestID = s.redactString(e.RequestID)
		if e.Err != nil && e.Err != errBodyTooLarge {
			if msg := e.Err.Error(); s.mayHoldString(msg) {
				if r := s.redactString(msg); r != msg {
					e.Err = errors.New(r)
				}
			}
		}
	}
	return err
}
