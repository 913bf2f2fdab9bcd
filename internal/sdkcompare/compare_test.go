package sdkcompare

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/internal/testenv"
	"github.com/google/go-cmp/cmp"
)

// TestMain makes the comparison hermetic: no AWS_* variable or ~/.aws of
// the machine reaches either client.
func TestMain(m *testing.M) {
	testenv.Main(m)
}

// inputs exercise every escaping rule of the form encoding.
var inputs = []enidetach.DetachNetworkInterfaceInput{
	{AttachmentID: "eni-attach-0123456789abcdef0"},
	{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true},
	{AttachmentID: "eni-attach-0123456789abcdef0", Force: true},
	{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true, Force: true},
	{AttachmentID: "eni-attach-12345678"},
	{AttachmentID: "with space"},
	{AttachmentID: "plus+sign"},
	{AttachmentID: "slash/path"},
	{AttachmentID: "star*"},
	{AttachmentID: "tilde~"},
	{AttachmentID: "amp&and=equals"},
	{AttachmentID: "percent%20"},
	{AttachmentID: "ünïcødé-日本-😀"},
	{AttachmentID: "-_.!'()"},
	{AttachmentID: "tab\tnewline\n"},
	{AttachmentID: "quote\"<xml>&"},
}

// sdkInput converts to the SDK's input; false booleans are left nil, as a
// user of the SDK leaves them.
func sdkInput(in enidetach.DetachNetworkInterfaceInput) *ec2.DetachNetworkInterfaceInput {
	out := &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(in.AttachmentID)}
	if in.DryRun {
		out.DryRun = aws.Bool(true)
	}
	if in.Force {
		out.Force = aws.Bool(true)
	}
	return out
}

// sign signs a copy of r's method, URL, headers (except those dropped) and
// body with the SDK signer at the time of its X-Amz-Date.
func sign(t *testing.T, r request, url string, drop ...string) string {
	t.Helper()
	req, err := http.NewRequest(r.method, url+r.path, strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range r.header {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "X-Amz-Date", "User-Agent", "Content-Length", "Accept-Encoding":
			continue
		}
		skip := false
		for _, d := range drop {
			skip = skip || strings.EqualFold(k, d)
		}
		if !skip {
			req.Header[k] = v
		}
	}
	at, err := time.Parse("20060102T150405Z", r.header.Get("X-Amz-Date"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(r.body))
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ec2", region, at); err != nil {
		t.Fatal(err)
	}
	return req.Header.Get("Authorization")
}

// TestRequestsMatchSDK sends each input through the SDK and through
// enidetach (signing at the SDK's request time) and compares the requests.
func TestRequestsMatchSDK(t *testing.T) {
	srv := newServer(t, true)
	sdk := newSDK(srv)
	equalAuth := 0
	for _, in := range inputs {
		if _, err := sdk.DetachNetworkInterface(context.Background(), sdkInput(in)); err != nil {
			t.Fatalf("SDK %q: %v", in.AttachmentID, err)
		}
		reqs := srv.requests()
		theirs := reqs[len(reqs)-1]
		at, _ := time.Parse("20060102T150405Z", theirs.header.Get("X-Amz-Date"))
		ours := newOurs(t, srv, func(o *enidetach.Options) { o.Clock = func() time.Time { return at } })
		in := in
		if _, err := ours.DetachNetworkInterface(context.Background(), &in); err != nil {
			t.Fatalf("enidetach %q: %v", in.AttachmentID, err)
		}
		reqs = srv.requests()
		mine := reqs[len(reqs)-1]

		if theirs.method != mine.method || theirs.path != mine.path {
			t.Errorf("%q: SDK %s %s, ours %s %s", in.AttachmentID, theirs.method, theirs.path, mine.method, mine.path)
		}
		if diff := cmp.Diff(theirs.body, mine.body); diff != "" {
			t.Errorf("%q: body differs (-sdk +ours):\n%s", in.AttachmentID, diff)
		}
		if a, b := theirs.header.Get("Content-Type"), mine.header.Get("Content-Type"); a != b {
			t.Errorf("%q: Content-Type SDK %q, ours %q", in.AttachmentID, a, b)
		}
		if theirs.header.Get("Content-Length") != mine.header.Get("Content-Length") {
			t.Errorf("%q: Content-Length differs", in.AttachmentID)
		}

		// The procedure reproduces the SDK's own Authorization, amz-sdk-*
		// headers included, which proves it; without those headers (which
		// enidetach does not send) it must give ours.
		if got := sign(t, theirs, srv.URL); got != theirs.header.Get("Authorization") {
			t.Fatalf("%q: re-signing the SDK's request gave\n%s\nnot the SDK's\n%s", in.AttachmentID, got, theirs.header.Get("Authorization"))
		}
		want := sign(t, theirs, srv.URL, "Amz-Sdk-Invocation-Id", "Amz-Sdk-Request")
		if diff := cmp.Diff(want, mine.header.Get("Authorization")); diff != "" {
			t.Errorf("%q: Authorization differs from the SDK signer's for the SDK's request (-sdk +ours):\n%s", in.AttachmentID, diff)
		} else {
			equalAuth++
		}
	}
	t.Logf("%d inputs: equal bodies, content types and Authorization headers (%d)", len(inputs), equalAuth)
}

// TestErrorsMatchSDK checks that both clients read the same code, message
// and request ID from an EC2 error.
func TestErrorsMatchSDK(t *testing.T) {
	srv := newServer(t, false)
	_, sdkErr := newSDK(srv).DetachNetworkInterface(context.Background(), sdkInput(enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"}))
	_, ourErr := newOurs(t, srv).DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"})
	type view struct{ Code, Message string }
	get := func(err error) view {
		var ae interface {
			ErrorCode() string
			ErrorMessage() string
		}
		if !errors.As(err, &ae) {
			t.Fatalf("%v is not an API error", err)
		}
		return view{ae.ErrorCode(), ae.ErrorMessage()}
	}
	if diff := cmp.Diff(get(sdkErr), get(ourErr)); diff != "" {
		t.Errorf("errors differ (-sdk +ours):\n%s", diff)
	}
}
