package redact

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestRedactSentSecrets: each form in which a page may quote what the
// request sent is redacted, the rest of the body kept; a body that quotes
// nothing is returned as it is, not copied.
func TestRedactSentSecrets(t *testing.T) {
	t.Parallel()
	const (
		sig    = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		token  = "IQoJb3JpZ2luX2Vj/session+token//with=="
		secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	)
	h := http.Header{}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature="+sig)
	h.Set("X-Amz-Security-Token", token)
	s := Sent(h, secret)
	for _, tc := range []struct{ name, body, want string }{
		{"signature", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=" + sig + "\n", "Authorization: AWS4-HMAC-SHA256 Credential=AKID/x, Signature=[REDACTED]\n"},
		{"token as sent", "<td>" + token + "</td>", "<td>[REDACTED]</td>"},
		{"token query-escaped", "?t=" + url.QueryEscape(token) + "&x=1", "?t=[REDACTED]&x=1"},
		{"token JSON-escaped", `{"t":"` + strings.ReplaceAll(token, "/", `\/`) + `"}`, `{"t":"[REDACTED]"}`},
		{"secret key", "key=" + secret, "key=[REDACTED]"},
		{"token cut off at the end", "token: " + token[:20], "token: [REDACTED]"},
		{"a start too short to tell", "x " + token[:7], "x " + token[:7]},
		{"nothing sent", "<html>Bad Request</html>", "<html>Bad Request</html>"},
	} {
		got := s.Redact([]byte(tc.body))
		if string(got) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	body := []byte("<html>Bad Request</html>")
	if got := s.Redact(body); &got[0] != &body[0] {
		t.Error("a body quoting nothing was copied")
	}
}
