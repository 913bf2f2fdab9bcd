package redact

import (
	"net/http"
	"testing"
)

// TestHeadersHideSignatureAndToken: a logged copy of request headers keeps
// the access key ID and the signed headers for diagnosis, never the
// signature or the session token.
func TestHeadersHideSignatureAndToken(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=abcdef0123456789")
	h.Set("X-Amz-Security-Token", "IQoJb3JpZ2luX2Vj")
	h.Set("User-Agent", "enidetach")
	got := Headers(h)
	if want := "AWS4-HMAC-SHA256 Credential=AKID/20261130/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=REDACTED"; got["Authorization"] != want {
		t.Errorf("Authorization = %q, want %q", got["Authorization"], want)
	}
	if got["X-Amz-Security-Token"] != "REDACTED" || got["User-Agent"] != "enidetach" {
		t.Errorf("headers = %v", got)
	}
}

// TestURLHidesUserInfo: user information is replaced whether or not the
// URL parses; a URL without any is returned as given.
func TestURLHidesUserInfo(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"https://admin:pw@ec2.example.com/x?y=@": "https://REDACTED@ec2.example.com/x?y=@",
		"https://pw@[::1":                        "https://REDACTED@[::1",
		"https://ec2.example.com/a@b":            "https://ec2.example.com/a@b",
		"not a url":                              "not a url",
	} {
		if got := URL(raw); got != want {
			t.Errorf("URL(%q) = %q, want %q", raw, got, want)
		}
		if HasUserInfo(raw) != (want != raw) {
			t.Errorf("HasUserInfo(%q) = %t", raw, HasUserInfo(raw))
		}
	}
}
