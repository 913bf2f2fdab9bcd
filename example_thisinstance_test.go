package enidetach_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// ThisInstance tells an agent which instance it runs on, to move an
// interface to itself. On EC2 nothing needs setting; here ec2test's
// metadata service for one of its instances stands in for EC2's.
func ExampleThisInstance() {
	srv := ec2test.NewServer()
	defer srv.Close()
	md, err := srv.StartIMDS(ec2test.InstanceB)
	if err != nil {
		fmt.Println(err)
		return
	}
	os.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", md.URL)
	defer os.Unsetenv("AWS_EC2_METADATA_SERVICE_ENDPOINT")

	// Off EC2 nothing answers: a short deadline says so quickly.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	me, err := enidetach.ThisInstance(ctx)
	if err != nil {
		fmt.Println(err) // an *enidetach.InstanceMetadataError
		return
	}
	fmt.Println(me.InstanceID, me.AvailabilityZone, me.Region)
	// Output: i-0123456789abcdef1 us-east-1a us-east-1
}
