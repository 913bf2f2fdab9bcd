package enidetach_test

import (
	"context"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The Go snippet of docs/ec2test.md is a test, run as it is written.

// TestDocsEC2Test is the guide's ec2test snippet, as a test: a detach
// and wait through describes that lag, then the attach.
func TestDocsEC2Test(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ec2test.NewServer(ec2test.WithDescribeLag(time.Second))
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
	if err != nil || !res.Detached {
		t.Fatalf("detach: %v", err)
	}
	out, err := client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.AttachmentID != out.AttachmentID || st.Attachment.InstanceID != ec2test.InstanceB {
		t.Errorf("after the snippet: %+v, want attached to instance B as %q", st, out.AttachmentID)
	}
	// DetachAndWait's first poll comes after a first delay (1.7 s or more,
	// branch wait), past the describes' 1 s lag: the wait cannot have
	// seen the detach sooner than the lag.
	if res.Elapsed < time.Second {
		t.Errorf("the wait saw the detach after %v; with describes 1 s late it takes longer", res.Elapsed)
	}
}
