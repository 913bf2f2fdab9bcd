package sdkcompare

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/ec2lite/enidetach"
	"github.com/google/go-cmp/cmp"
)

// attachInputs exercise the attach's parameters: the optional network
// card, the dry run, indexes of several digits and escaping.
var attachInputs = []enidetach.AttachNetworkInterfaceInput{
	{NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef1", DeviceIndex: 1},
	{NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef1", DeviceIndex: 1, DryRun: true},
	{NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef1", DeviceIndex: 0, NetworkCardIndex: 1},
	{NetworkInterfaceID: "eni-12345678", InstanceID: "i-12345678", DeviceIndex: 15, NetworkCardIndex: 7, DryRun: true},
	{NetworkInterfaceID: "eni with space+plus/slash*star~tilde", InstanceID: "ünïcødé-日本&x=y", DeviceIndex: 2147483647},
}

// sdkAttachInput converts to the SDK's input; a false DryRun and a network
// card 0 are left nil, as a user of the SDK leaves them.
func sdkAttachInput(in enidetach.AttachNetworkInterfaceInput) *ec2.AttachNetworkInterfaceInput {
	out := &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(in.NetworkInterfaceID), InstanceId: aws.String(in.InstanceID),
		DeviceIndex: aws.Int32(int32(in.DeviceIndex))}
	if in.DryRun {
		out.DryRun = aws.Bool(true)
	}
	if in.NetworkCardIndex > 0 {
		out.NetworkCardIndex = aws.Int32(int32(in.NetworkCardIndex))
	}
	return out
}

// TestAttachRequestsMatchSDK sends each attach through the SDK and through
// enidetach (signing at the SDK's request time) and compares bodies,
// headers and signatures, then the outputs.
func TestAttachRequestsMatchSDK(t *testing.T) {
	srv := newServer(t, true)
	sdk := newSDK(srv)
	for _, in := range attachInputs {
		name := in.NetworkInterfaceID + "/" + strconv.Itoa(in.DeviceIndex)
		theirOut, err := sdk.AttachNetworkInterface(context.Background(), sdkAttachInput(in))
		if err != nil {
			t.Fatalf("SDK %s: %v", name, err)
		}
		reqs := srv.requests()
		theirs := reqs[len(reqs)-1]
		at, _ := time.Parse("20060102T150405Z", theirs.header.Get("X-Amz-Date"))
		ours := newOurs(t, srv, func(o *enidetach.Options) { o.Clock = func() time.Time { return at } })
		myOut, err := ours.AttachNetworkInterface(context.Background(), &in)
		if err != nil {
			t.Fatalf("enidetach %s: %v", name, err)
		}
		reqs = srv.requests()
		mine := reqs[len(reqs)-1]
		if diff := cmp.Diff(theirs.body, mine.body); diff != "" {
			t.Errorf("%s: body differs (-sdk +ours):\n%s", name, diff)
		}
		if theirs.method != mine.method || theirs.path != mine.path || theirs.header.Get("Content-Type") != mine.header.Get("Content-Type") ||
			theirs.header.Get("Content-Length") != mine.header.Get("Content-Length") {
			t.Errorf("%s: request line or headers differ", name)
		}
		if got := sign(t, theirs, srv.URL); got != theirs.header.Get("Authorization") {
			t.Fatalf("%s: re-signing the SDK's request does not give the SDK's Authorization", name)
		}
		want := sign(t, theirs, srv.URL, "Amz-Sdk-Invocation-Id", "Amz-Sdk-Request")
		if diff := cmp.Diff(want, mine.header.Get("Authorization")); diff != "" {
			t.Errorf("%s: Authorization differs from the SDK signer's for the SDK's request (-sdk +ours):\n%s", name, diff)
		}
		if aws.ToString(theirOut.AttachmentId) != myOut.AttachmentID || int(aws.ToInt32(theirOut.NetworkCardIndex)) != myOut.NetworkCardIndex {
			t.Errorf("%s: outputs differ: SDK %s/%d, ours %+v", name, aws.ToString(theirOut.AttachmentId), aws.ToInt32(theirOut.NetworkCardIndex), myOut)
		}
	}
}

// attachCallers are the contenders of BenchmarkAttach: each attaches and
// checks the attachment ID it is given.
func attachCallers(tb testing.TB, s *server) []struct {
	name string
	call caller
} {
	in := &enidetach.AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef1", DeviceIndex: 1}
	check := func(id string) error {
		if id != "eni-attach-0123456789abcdef0" {
			return errors.New("attachment ID " + id)
		}
		return nil
	}
	ours, sdk := newOurs(tb, s), newSDK(s)
	sdkIn := sdkAttachInput(*in)
	return []struct {
		name string
		call caller
	}{
		{"enidetach", func(ctx context.Context) error {
			out, err := ours.AttachNetworkInterface(ctx, in)
			if err != nil {
				return err
			}
			return check(out.AttachmentID)
		}},
		{"sdk", func(ctx context.Context) error {
			out, err := sdk.AttachNetworkInterface(ctx, sdkIn)
			if err != nil {
				return err
			}
			return check(aws.ToString(out.AttachmentId))
		}},
		{"signedfloor", signedFloorPost(s, []byte("Action=AttachNetworkInterface&DeviceIndex=1&InstanceId=i-0123456789abcdef1&NetworkInterfaceId=eni-0123456789abcdef0&Version=2016-11-15"))},
	}
}

// BenchmarkAttach is the attach's success path against the SDK's and the
// signed floor (issue 18: within the detach's targets).
func BenchmarkAttach(b *testing.B) {
	runSequential(b, attachCallers(b, newServer(b, false)))
}
