package query

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// signedRequest sends one call through a recording server with a session
// token and returns what the server received.
func signedRequest(t *testing.T) (captured, *testServer) {
	t.Helper()
	srv := newTestServer(t, reply(200, `<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>`))
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Credentials = credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, testSessionToken)
	})
	if err := e.Send(context.Background(), "DetachNetworkInterface", []byte("Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&Force=true&Version=2016-11-15"), nil); err != nil {
		t.Fatal(err)
	}
	return srv.captured()[0], srv
}

// TestSignatureEqualsSDKSigner signs the same headers, body and time with
// the SDK's signer directly and compares the Authorization header.
func TestSignatureEqualsSDKSigner(t *testing.T) {
	t.Parallel()
	got, srv := signedRequest(t)

	if d := got.Header.Get("X-Amz-Date"); d != "20261125T120000Z" {
		t.Errorf("X-Amz-Date = %q, want the injected clock's 20261125T120000Z", d)
	}
	if tok := got.Header.Get("X-Amz-Security-Token"); tok != testSessionToken {
		t.Errorf("X-Amz-Security-Token = %q, want the session token", tok)
	}

	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(got.Body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", got.Header.Get("Content-Type"))
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey, SessionToken: testSessionToken}
	err = v4.NewSigner().SignHTTP(context.Background(), creds, req, sha256Hex(got.Body), "ec2", "us-east-1", fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(req.Header.Get("Authorization"), got.Header.Get("Authorization")); diff != "" {
		t.Errorf("Authorization differs from the SDK signer's (-sdk +ours):\n%s", diff)
	}
	if !strings.Contains(got.Header.Get("Authorization"), "SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token,") {
		t.Errorf("unexpected signed headers in %q", got.Header.Get("Authorization"))
	}
	if !strings.Contains(got.Header.Get("Authorization"), "Credential=AKIDEXAMPLE/20261125/us-east-1/ec2/aws4_request,") {
		t.Errorf("unexpected credential scope in %q", got.Header.Get("Authorization"))
	}
}

// TestSignatureOfAPathThatNeedsEscaping: the signer skips escaping only
// for the path "/"; any other path is signed as the SDK's default signer
// signs it, escaped.
func TestSignatureOfAPathThatNeedsEscaping(t *testing.T) {
	t.Parallel()
	creds := aws.Credentials{AccessKeyID: testAccessKey, SecretAccessKey: testSecretKey}
	for _, path := range []string{"/", "/a b/", "/prefix/ec2:x/"} {
		rs := newRequestSigner("ec2", "us-east-1", func() time.Time { return fixedTime }, path != "/")
		sign := func(s func(*http.Request) error) string {
			req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1:9", strings.NewReader("Action=X"))
			if err != nil {
				t.Fatal(err)
			}
			req.URL.Path = path
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if err := s(req); err != nil {
				t.Fatal(err)
			}
			return req.Header.Get("Authorization")
		}
		ours := sign(func(r *http.Request) error {
			_, err := rs.sign(context.Background(), r, sha256Hex("Action=X"), creds)
			return err
		})
		sdk := sign(func(r *http.Request) error {
			return v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex("Action=X"), "ec2", "us-east-1", fixedTime)
		})
		if ours != sdk {
			t.Errorf("path %q: Authorization\n ours %s\n  sdk %s", path, ours, sdk)
		}
	}
}

// TestSignaturePerAttempt checks that each retry is signed afresh at the
// clock's current time.
func TestSignaturePerAttempt(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, reply(500, ""))
	now := fixedTime
	e := newTestEngine(t, srv.URL, func(s *Settings) {
		s.Clock = func() time.Time { now = now.Add(time.Second); return now }
	})
	_ = e.Call(context.Background(), "DetachNetworkInterface", nil, nil)
	got := srv.captured()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.Header.Get("X-Amz-Date")+" "+r.Header.Get("Authorization")] = true
	}
	if len(seen) != 3 {
		t.Errorf("attempts were not signed afresh: %d distinct date/signature pairs", len(seen))
	}
}

// botocoreSign is run by /usr/bin/python3: it computes the SigV4 signature
// of a request with botocore's own implementation, over the headers the
// request carries (as the Go client signed them) at its X-Amz-Date.
const botocoreSign = `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
d = json.load(sys.stdin)
req = AWSRequest(method=d["method"], url=d["url"], data=d["body"].encode("utf-8"), headers=d["headers"])
req.context["timestamp"] = d["headers"]["X-Amz-Date"]
auth = SigV4Auth(Credentials(d["key"], d["secret"], d["token"] or None), "ec2", d["region"])
sts = auth.string_to_sign(req, auth.canonical_request(req))
print(json.dumps({"signature": auth.signature(sts, req), "signed_headers": auth.signed_headers(auth.headers_to_sign(req))}))
`

// TestSignatureVerifiedByBotocore recomputes the signature of a request the
// engine sent with botocore's independent SigV4 implementation.
func TestSignatureVerifiedByBotocore(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	got, srv := signedRequest(t)
	in, _ := json.Marshal(map[string]any{
		"method": "POST", "url": srv.URL + "/", "body": got.Body, "region": "us-east-1",
		"key": testAccessKey, "secret": testSecretKey, "token": testSessionToken,
		"headers": map[string]string{
			"Content-Type":         got.Header.Get("Content-Type"),
			"Content-Length":       got.Header.Get("Content-Length"),
			"X-Amz-Date":           got.Header.Get("X-Amz-Date"),
			"X-Amz-Security-Token": got.Header.Get("X-Amz-Security-Token"),
		},
	})
	cmd := exec.Command(py, "-c", botocoreSign)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("botocore: %v\n%s", err, out)
	}
	var res struct{ Signature, Signed_headers string }
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("botocore output %q: %v", out, err)
	}
	auth := got.Header.Get("Authorization")
	if !strings.HasSuffix(auth, "Signature="+res.Signature) {
		t.Errorf("botocore computes signature %s; our Authorization is %s", res.Signature, auth)
	}
	if !strings.Contains(auth, "SignedHeaders="+res.Signed_headers+",") {
		t.Errorf("botocore signs headers %s; our Authorization is %s", res.Signed_headers, auth)
	}
}

// sha256Hex is the payload hash SigV4 signs: the hex SHA-256 of body.
func sha256Hex(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

func TestPayloadHash(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "Action=X", strings.Repeat("ab", 5000)} {
		if got := payloadHash([]byte(body)); got != sha256Hex(body) {
			t.Errorf("payloadHash(%.10q...) = %s, want %s", body, got, sha256Hex(body))
		}
	}
}

// TestCorrectSkew: the offset is learnt from the server's Date header only
// when it moved by at least skewThreshold from the offset the failed
// request was signed with; then later signatures and ServiceTime use it.
func TestCorrectSkew(t *testing.T) {
	t.Parallel()
	date := func(d time.Duration) http.Header {
		return http.Header{"Date": {fixedTime.Add(d).Format(http.TimeFormat)}}
	}
	tests := []struct {
		name       string
		header     http.Header
		signedWith time.Duration
		want       bool
		wantOffset time.Duration
	}{
		{"no Date", http.Header{}, 0, false, 0},
		{"Date that is not a time", http.Header{"Date": {"yesterday"}}, 0, false, 0},
		{"a minute ahead", date(time.Minute), 0, false, 0},
		{"just under the threshold", date(skewThreshold - time.Second), 0, false, 0},
		{"at the threshold", date(skewThreshold), 0, true, skewThreshold},
		{"ten minutes ahead", date(10 * time.Minute), 0, true, 10 * time.Minute},
		{"ten minutes behind", date(-10 * time.Minute), 0, true, -10 * time.Minute},
		{"already signed with that offset", date(10 * time.Minute), 9 * time.Minute, false, 0},
	}
	for _, tc := range tests {
		s := newRequestSigner("ec2", "us-east-1", func() time.Time { return fixedTime }, false)
		if got := s.correctSkew(tc.header, tc.signedWith); got != tc.want {
			t.Errorf("%s: correctSkew = %t, want %t", tc.name, got, tc.want)
		}
		if got := s.serviceTime(fixedTime).Sub(fixedTime); got != tc.wantOffset {
			t.Errorf("%s: offset %v, want %v", tc.name, got, tc.wantOffset)
		}
		req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:9/", nil)
		offset, err := s.sign(context.Background(), req, sha256Hex(""), aws.Credentials{AccessKeyID: "a", SecretAccessKey: "b"})
		if err != nil || offset != tc.wantOffset {
			t.Errorf("%s: signed with offset %v (%v), want %v", tc.name, offset, err, tc.wantOffset)
		}
		if want := fixedTime.Add(tc.wantOffset).Format("20060102T150405Z"); req.Header.Get("X-Amz-Date") != want {
			t.Errorf("%s: X-Amz-Date %s, want %s", tc.name, req.Header.Get("X-Amz-Date"), want)
		}
	}
}
