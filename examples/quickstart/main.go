// Command quickstart is the README's quick start: it moves a network
// interface from one instance to another, the failover this library is for.
// Region and credentials come from where the AWS CLI finds them (AWS_REGION,
// AWS_PROFILE, the instance role...); AWS_ENDPOINT_URL_EC2 points it at
// `go run ./examples/local -serve 127.0.0.1:8599` for a try without AWS.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/ec2lite/enidetach"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	client, err := enidetach.New(enidetach.Options{}) // region, credentials, endpoint as the AWS CLI finds them
	if err != nil {
		log.Fatal(err) // a *enidetach.ValidationError (no region, a bad endpoint...): nothing was sent
	}
	out, err := client.MoveNetworkInterface(ctx, &enidetach.MoveNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0",
		FromInstanceID:     "i-0123456789abcdef0", // where it is expected: never taken from a third instance
		FromDeviceIndex:    1,
		ToInstanceID:       "i-0123456789abcdef1",
		ToDeviceIndex:      1,
	})
	var refused *enidetach.MoveRefusedError
	switch {
	case errors.As(err, &refused):
		log.Fatalf("refused, nothing changed (%s): %s", refused.Reason, refused.Detail)
	case err != nil:
		log.Fatalf("not finished, run it again: %v", err)
	}
	fmt.Printf("%s attached to %s as %s in %s\n", out.NetworkInterfaceID, out.Attach.InstanceID,
		out.Attach.AttachmentID, out.Elapsed.Round(time.Millisecond))
}
