package enidetach

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

const (
	testAccessKey    = "AKIDEXAMPLE"
	testSecretKey    = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	testSessionToken = "IQoJb3JpZ2luX2VjEXAMPLE//session+token=="
)

// signedRequest sends one detach through a recording server with a session
// token and returns what the server received.
func signedRequest(t *testing.T) (captured, *recordingServer) {
	t.Helper()
	rs := newRecordingServer(t, 200, readTestdata(t, "success.xml"), nil)
	c := clientFor(t, rs, func(o *Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(testAccessKey, testSecretKey, testSessionToken)
	})
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", Force: true}); err != nil {
		t.Fatal(err)
	}
	return rs.captured()[0], rs
}

// TestSignatureEqualsSDKSigner signs the same headers, body and time with
// the SDK's signer directly and compares the Authorization header.
func TestSignatureEqualsSDKSigner(t *testing.T) {
	t.Parallel()
	got, rs := signedRequest(t)

	if d := got.Header.Get("X-Amz-Date"); d != "20261125T120000Z" {
		t.Errorf("X-Amz-Date = %q, want the injected clock's 20261125T120000Z", d)
	}
	if tok := got.Header.Get("X-Amz-Security-Token"); tok != testSessionToken {
		t.Errorf("X-Amz-Security-Token = %q, want the session token", tok)
	}

	req, err := http.NewRequest(http.MethodPost, rs.URL+"/", strings.NewReader(got.Body))
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

// TestSignaturePerAttempt checks that each retry is signed afresh at the
// clock's current time.
func TestSignaturePerAttempt(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 500, nil, nil)
	now := fixedTime
	c := clientFor(t, rs, func(o *Options) {
		o.Clock = func() time.Time { now = now.Add(time.Second); return now }
	})
	_, _ = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	got := rs.captured()
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

// TestSignatureVerifiedByBotocore recomputes the signature of a request our
// client sent with botocore's independent SigV4 implementation.
func TestSignatureVerifiedByBotocore(t *testing.T) {
	t.Parallel()
	py := testenv.RequireBotocore(t)
	got, rs := signedRequest(t)
	in, _ := json.Marshal(map[string]any{
		"method": "POST", "url": rs.URL + "/", "body": got.Body, "region": "us-east-1",
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
