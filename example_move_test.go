package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

func ExampleClient_MoveNetworkInterface() {
	client, srv := newExampleClient()
	defer srv.Close()
	ctx := context.Background()

	in := &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface,
		ToInstanceID:       ec2test.InstanceB,
		ToDeviceIndex:      1,
	}
	out, err := client.MoveNetworkInterface(ctx, in)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("detached", out.Detach.AttachmentID, "from", out.Detach.InstanceID, "now", out.Detach.Status)
	fmt.Println("attached at", out.Attach.InstanceID, "device index", out.Attach.DeviceIndex, "now", out.Attach.Status)

	// Run again: nothing to do.
	out, err = client.MoveNetworkInterface(ctx, in)
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
