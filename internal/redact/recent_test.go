package redact

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestRecentKeepsTheLastSignatures: the last RecentSize signatures noted
// are redacted from an answer besides the request's own secrets, the
// oldest dropped; one already among them is not added twice, and one too
// short to be a signature is not kept.
func TestRecentKeepsTheLastSignatures(t *testing.T) {
	t.Parallel()
	var r Recent
	sig := func(i int) string { return fmt.Sprintf("%064x", 0xabc0000+i) }
	for i := range RecentSize + 2 {
		r.Note(sig(i))
	}
	r.Note("short")
	h := http.Header{}
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/x, SignedHeaders=host, Signature="+sig(RecentSize+1))
	s := Sent(h, "")
	s.AddRecent(&r)
	if s.n != RecentSize {
		t.Errorf("%d secrets, want the request's signature and %d earlier ones", s.n, RecentSize-1)
	}
	var body []string
	for i := range RecentSize + 2 {
		body = append(body, sig(i))
	}
	got := strings.Fields(string(s.Redact([]byte(strings.Join(body, " ")))))
	for i, v := range got {
		// The two oldest are dropped, so shown as they are.
		if shown := v != Mark; shown != (i < 2) {
			t.Errorf("signature %d: %q, want it shown: %t", i, v, i < 2)
		}
	}
}

// TestRecentSignatureFoundInAnyHexRun: with many signatures, found in one
// pass over the hex runs of an answer, the start of one is found in the
// middle of a longer run of hex digits, or cut off at the body's end, as
// one by one.
func TestRecentSignatureFoundInAnyHexRun(t *testing.T) {
	t.Parallel()
	var r Recent
	sig := func(i int) string { return fmt.Sprintf("%x%058x", 0xc0ffee+i, 0x5eed+i) }
	for i := range RecentSize {
		r.Note(sig(i))
	}
	var s Secrets
	s.AddRecent(&r)
	for body, want := range map[string]string{
		"id=beef" + sig(3) + "cafe": "id=beef" + Mark + "cafe",
		"x " + sig(5)[:9]:           "x " + Mark,
		"x " + sig(5)[:7]:           "x " + sig(5)[:7],
		"<a>" + sig(0)[1:] + "</a>": "<a>" + sig(0)[1:] + "</a>",
	} {
		if got := string(s.Redact([]byte(body))); got != want {
			t.Errorf("%q: %q, want %q", body, got, want)
		}
		if got := s.RedactString(body); got != want {
			t.Errorf("%q as a string: %q, want %q", body, got, want)
		}
	}
}
