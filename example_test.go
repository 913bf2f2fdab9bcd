package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// newExampleClient returns a client for a fake EC2 endpoint. Real code
// passes only the options it needs, often none: region and credentials
// are found where the AWS SDK finds them.
func newExampleClient() (*enidetach.Client, *ec2test.Server) {
	srv := ec2test.NewServer()
	client, err := enidetach.New(enidetach.Options{
		Region:       srv.Region(),
		BaseEndpoint: srv.URL,
		Credentials:  srv.Credentials(),
	})
	if err != nil {
		log.Fatal(err)
	}
	return client, srv
}

func ExampleClient_DetachNetworkInterface() {
	client, srv := newExampleClient()
	defer srv.Close()

	out, err := client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-0123456789abcdef0",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("return:", out.Return, "request id present:", out.RequestID != "")
	// Output: return: true request id present: true
}

// A dry run answers with an error either way: ErrDryRunOperation when the
// call would be permitted.
func ExampleClient_DetachNetworkInterface_dryRun() {
	client, srv := newExampleClient()
	defer srv.Close()

	_, err := client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-0123456789abcdef0",
		DryRun:       true,
	})
	switch {
	case errors.Is(err, enidetach.ErrDryRunOperation):
		fmt.Println("permitted")
	case errors.Is(err, enidetach.ErrUnauthorizedOperation):
		fmt.Println("not permitted")
	default:
		fmt.Println("could not tell:", err)
	}
	// Output: permitted
}

// Errors are inspected with errors.As, never by their text.
// An attach names the interface, the instance and the device index; the
// sentinels tell the refusals a caller acts on apart.
func ExampleClient_AttachNetworkInterface() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()

	// The failover interface is attached to instance A.
	_, err := client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1,
	})
	fmt.Println("in use:", errors.Is(err, enidetach.ErrInterfaceInUse))

	// Instance C is in another zone than the spare interface.
	_, err = client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceC, DeviceIndex: 1,
	})
	fmt.Println("zones differ:", errors.Is(err, enidetach.ErrZoneMismatch))

	out, err := client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1,
	})
	if err != nil {
		log.Fatal(err)
	}
	st, _ := srv.Interface(ec2test.SpareInterface)
	fmt.Println("attached:", out.AttachmentID == st.Attachment.AttachmentID, "to", st.Attachment.InstanceID, "at", st.Attachment.DeviceIndex)
	// Output:
	// in use: true
	// zones differ: true
	// attached: true to i-0123456789abcdef1 at 1
}

func ExampleAPIError() {
	client, srv := newExampleClient()
	defer srv.Close()

	_, err := client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-00000000000000000", // the primary interface
	})
	var ae *enidetach.APIError
	if errors.As(err, &ae) {
		fmt.Println(ae.Code, ae.StatusCode, ae.ErrorFault())
	}
	// Output: OperationNotPermitted 400 client
}

func ExampleValidationError() {
	client, srv := newExampleClient()
	defer srv.Close()

	_, err := client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{})
	var ve *enidetach.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, "-", ve.Reason, "- requests sent:", len(srv.Requests()))
	}
	// Output: AttachmentID - is required - requests sent: 0
}

// DetachAndWait with Idempotent suits failover scripts that may run twice.
func ExampleClient_DetachAndWait() {
	client, srv := newExampleClient()
	defer srv.Close()

	for i := 0; i < 2; i++ {
		res, err := client.DetachAndWait(context.Background(), &enidetach.DetachNetworkInterfaceInput{
			AttachmentID: "eni-attach-0123456789abcdef0",
		}, func(o *enidetach.WaitOptions) { o.Idempotent = true })
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("detached:", res.Detached, "already:", res.AlreadyDetached)
	}
	// Output:
	// detached: true already: false
	// detached: true already: true
}

// AttachAndWait attaches an interface and waits until EC2 shows the
// attachment "attached". Its first poll comes a first delay after the
// attach (1.7 s to 2.1 s by default, when an attach may have finished);
// here the fake attaches at once, so the example polls sooner.
func ExampleClient_AttachAndWait() {
	client, srv := newExampleClient()
	defer srv.Close()

	res, err := client.AttachAndWait(context.Background(), &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1,
	}, func(o *enidetach.WaitOptions) {
		o.MaxWait = 2 * time.Minute
		o.MinDelay = 50 * time.Millisecond // against EC2, keep the default
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("attached:", res.Attached, "to:", res.State.InstanceID, "device index:", res.State.DeviceIndex)
	fmt.Println("attachment:", res.State.AttachmentID == res.Attach.AttachmentID, res.State.Status, res.State.AttachmentStatus)
	// Output:
	// attached: true to: i-0123456789abcdef1 device index: 1
	// attachment: true in-use attached
}

// Call sends other EC2 actions with the same signing, retries and errors.
func ExampleClient_Call() {
	client, srv := newExampleClient()
	defer srv.Close()

	var out struct {
		Interfaces []struct {
			ID     string `xml:"networkInterfaceId"`
			Status string `xml:"status"`
		} `xml:"networkInterfaceSet>item"`
	}
	params := url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}
	if err := client.Call(context.Background(), "DescribeNetworkInterfaces", params, &out); err != nil {
		log.Fatal(err)
	}
	for _, ni := range out.Interfaces {
		fmt.Println(ni.ID, ni.Status)
	}
	// Output: eni-0123456789abcdef0 in-use
}

// Failover scripts hold an instance and a device index, or an interface ID,
// rather than the attachment ID: LookupAttachment finds it, and the wait
// then narrows to the interface.
func ExampleClient_LookupAttachment() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()

	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(att.AttachmentID, att.NetworkInterfaceID, att.AttachmentStatus)

	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID},
		func(o *enidetach.WaitOptions) {
			o.NetworkInterfaceID = att.NetworkInterfaceID
			o.MinDelay = 50 * time.Millisecond // the fake detaches at once; against EC2, keep the default
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("detached:", res.Detached, res.State.Status)

	// Nothing is attached there any more: a typed error says so.
	_, err = client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: ec2test.InstanceA, DeviceIndex: 1})
	var none *enidetach.NoAttachmentError
	fmt.Println("no attachment:", errors.As(err, &none))
	// Output:
	// eni-attach-0123456789abcdef0 eni-0123456789abcdef0 attached
	// detached: true available
	// no attachment: true
}

func ExampleClient_MoveNetworkInterface() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()

	in := &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface,
		ToInstanceID:       ec2test.InstanceB,
		ToDeviceIndex:      1,
	}
	// The fake detaches and attaches at once, so the example polls sooner
	// than the default (a first poll 1.7 s to 2.1 s after each call, when
	// EC2 may have finished it); against EC2, keep the default.
	fast := func(o *enidetach.WaitOptions) { o.MinDelay = 50 * time.Millisecond }
	out, err := client.MoveNetworkInterface(ctx, in, fast)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("detached", out.Detach.AttachmentID, "from", out.Detach.InstanceID, "now", out.Detach.Status)
	fmt.Println("attached at", out.Attach.InstanceID, "device index", out.Attach.DeviceIndex, "now", out.Attach.Status)

	// Run again: nothing to do.
	out, err = client.MoveNetworkInterface(ctx, in, fast)
	fmt.Println("already there:", out.AlreadyAtTarget, err)

	// Another zone is refused before anything is detached.
	_, err = client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1})
	var refused *enidetach.MoveRefusedError
	fmt.Println("refused:", errors.As(err, &refused) && refused.Reason == "target-zone")
	// Output:
	// detached eni-attach-0123456789abcdef0 from i-0123456789abcdef0 now available
	// attached at i-0123456789abcdef1 device index 1 now attached
	// already there: true <nil>
	// refused: true
}
