package sdkcompare

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
)

// sdkFor returns the official EC2 client for an ec2test server, with
// retries off so that an error answer is seen once.
func sdkFor(srv *ec2test.Server) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:           srv.Region(),
		Credentials:      aws.NewCredentialsCache(srv.Credentials()),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
	})
}

// errorCode returns the API error code of err, or its text.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

// TestSDKFailoverOnEC2Test drives a failover with the Go SDK against the
// fake: detach from instance A, the SDK's own waiter, attach to instance
// B, describe with every field the fake fills in.
func TestSDKFailoverOnEC2Test(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	c := sdkFor(srv)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if _, err := c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(ec2test.FailoverAttachment)}); err != nil {
		t.Fatal(err)
	}
	// Detached at once: the waiter's first poll, made at once, succeeds.
	waiter := ec2.NewNetworkInterfaceAvailableWaiter(c)
	if err := waiter.Wait(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{ec2test.FailoverInterface}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	att, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
		NetworkInterfaceId: aws.String(ec2test.FailoverInterface), InstanceId: aws.String(ec2test.InstanceB),
		DeviceIndex: aws.Int32(1), NetworkCardIndex: aws.Int32(0)})
	if err != nil || aws.ToString(att.AttachmentId) == "" || aws.ToInt32(att.NetworkCardIndex) != 0 {
		t.Fatalf("attach: %+v %v", att, err)
	}
	out, err := c.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{
		{Name: aws.String("attachment.attachment-id"), Values: []string{aws.ToString(att.AttachmentId)}}}})
	if err != nil || len(out.NetworkInterfaces) != 1 {
		t.Fatalf("describe: %+v %v", out, err)
	}
	ni := out.NetworkInterfaces[0]
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if aws.ToString(ni.NetworkInterfaceId) != ec2test.FailoverInterface || ni.Status != types.NetworkInterfaceStatusInUse ||
		aws.ToString(ni.SubnetId) != st.SubnetID || aws.ToString(ni.VpcId) != st.VpcID || aws.ToString(ni.AvailabilityZone) != "us-east-1a" ||
		aws.ToString(ni.PrivateIpAddress) != st.PrivateIPAddress || aws.ToString(ni.MacAddress) != st.MACAddress ||
		aws.ToString(ni.Description) != "failover interface" || aws.ToString(ni.OwnerId) != ec2test.DefaultOwnerID ||
		aws.ToBool(ni.RequesterManaged) || !aws.ToBool(ni.SourceDestCheck) || ni.InterfaceType != types.NetworkInterfaceTypeInterface ||
		len(ni.PrivateIpAddresses) != 1 || aws.ToString(ni.PrivateDnsName) == "" {
		t.Errorf("interface = %+v", ni)
	}
	a := ni.Attachment
	if a == nil || aws.ToString(a.AttachmentId) != aws.ToString(att.AttachmentId) || aws.ToString(a.InstanceId) != ec2test.InstanceB ||
		aws.ToString(a.InstanceOwnerId) != ec2test.DefaultOwnerID || aws.ToInt32(a.DeviceIndex) != 1 || aws.ToInt32(a.NetworkCardIndex) != 0 ||
		a.Status != types.AttachmentStatusAttached || a.AttachTime == nil || time.Since(*a.AttachTime) > time.Minute || aws.ToBool(a.DeleteOnTermination) {
		t.Errorf("attachment = %+v", a)
	}
}

func TestSDKErrorsFromEC2Test(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	c := sdkFor(srv)
	ctx := context.Background()
	attach := func(eni, instance string, device int32) error {
		_, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{
			NetworkInterfaceId: aws.String(eni), InstanceId: aws.String(instance), DeviceIndex: aws.Int32(device)})
		return err
	}
	describe := func(in *ec2.DescribeNetworkInterfacesInput) error {
		_, err := c.DescribeNetworkInterfaces(ctx, in)
		return err
	}
	tests := []struct {
		name string
		err  error
		code string
	}{
		{"attach in use", attach(ec2test.FailoverInterface, ec2test.InstanceB, 1), "InvalidNetworkInterface.InUse"},
		{"attach other zone", attach(ec2test.SpareInterface, ec2test.InstanceC, 1), "InvalidParameterCombination"},
		{"attach device index taken", attach(ec2test.SpareInterface, ec2test.InstanceA, 1), "InvalidParameterValue"},
		{"attach unknown instance", attach(ec2test.SpareInterface, "i-0fffffffffffffff0", 1), "InvalidInstanceID.NotFound"},
		{"attach malformed instance", attach(ec2test.SpareInterface, "i-x", 1), "InvalidInstanceID.Malformed"},
		{"attach dry run", func() error {
			_, err := c.AttachNetworkInterface(ctx, &ec2.AttachNetworkInterfaceInput{DryRun: aws.Bool(true),
				NetworkInterfaceId: aws.String(ec2test.SpareInterface), InstanceId: aws.String(ec2test.InstanceB), DeviceIndex: aws.Int32(1)})
			return err
		}(), "DryRunOperation"},
		{"describe malformed", describe(&ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-x"}}), "InvalidNetworkInterfaceId.Malformed"},
		{"describe unknown", describe(&ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0fffffffffffffff0"}}), "InvalidNetworkInterfaceID.NotFound"},
		{"describe MaxResults with IDs", describe(&ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(5), NetworkInterfaceIds: []string{ec2test.SpareInterface}}), "InvalidParameterCombination"},
		{"describe MaxResults 4", describe(&ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(4)}), "InvalidParameterValue"},
		{"describe bad token", describe(&ec2.DescribeNetworkInterfacesInput{NextToken: aws.String("garbage")}), "InvalidParameterValue"},
	}
	for _, tc := range tests {
		if got := errorCode(tc.err); got != tc.code {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.code)
		}
	}
}

// TestSDKPaginatorOnEC2Test lets the SDK's paginator walk the built-in
// seed and 12 more interfaces, 5 at a time.
func TestSDKPaginatorOnEC2Test(t *testing.T) {
	t.Parallel()
	seed := ec2test.DefaultSeed("us-east-1")
	for i := 0; i < 12; i++ {
		seed.NetworkInterfaces = append(seed.NetworkInterfaces, ec2test.NetworkInterface{NetworkInterfaceID: fmt.Sprintf("eni-0f%015x", i+1)})
	}
	srv := ec2test.NewServer(ec2test.WithSeed(seed))
	defer srv.Close()
	p := ec2.NewDescribeNetworkInterfacesPaginator(sdkFor(srv), &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(5)})
	var sizes []int
	seen := map[string]bool{}
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.NetworkInterfaces))
		for _, ni := range page.NetworkInterfaces {
			seen[aws.ToString(ni.NetworkInterfaceId)] = true
		}
	}
	if fmt.Sprint(sizes) != "[5 5 5 2]" || len(seen) != 17 || !seen[ec2test.FailoverInterface] {
		t.Errorf("pages %v, %d distinct interfaces", sizes, len(seen))
	}
}
