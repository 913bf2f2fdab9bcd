package ec2test_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// A test of retry handling: the fake throttles twice, then answers.
func ExampleServer_Inject() {
	srv := ec2test.NewServer()
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{
		Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(),
		MaxBackoff: 10 * time.Millisecond, // keeps a test of retries fast
	})
	if err != nil {
		log.Fatal(err)
	}

	srv.Inject(ec2test.Throttle(), 2)
	_, err = client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	fmt.Println("error:", err)
	for _, r := range srv.Requests() {
		fmt.Printf("%s %d %q\n", r.Action, r.StatusCode, r.ErrorCode)
	}
	st, _ := srv.Interface("eni-0123456789abcdef0")
	fmt.Println("interface:", st.Status)
	// Output:
	// error: <nil>
	// DetachNetworkInterface 503 "RequestLimitExceeded"
	// DetachNetworkInterface 503 "RequestLimitExceeded"
	// DetachNetworkInterface 200 ""
	// interface: available
}

// Keys can be denied the action, to test both answers of a dry run.
func ExampleWithKeys() {
	denied := ec2test.Key{AccessKeyID: "AKIADENIEDEXAMPLE001", SecretAccessKey: "denied", Denied: true}
	srv := ec2test.NewServer(ec2test.WithKeys(denied))
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(denied.AccessKeyID, denied.SecretAccessKey, "")})
	if err != nil {
		log.Fatal(err)
	}
	_, err = client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true})
	fmt.Println(errors.Is(err, enidetach.ErrUnauthorizedOperation))
	// Output: true
}

// A failover test: detach the interface from instance A, wait until it is
// available, attach it to instance B, poll until attached. Detaching takes
// 30 s and attaching 10 s by the server's clock, which the test moves on
// each poll, so it runs in milliseconds.
func Example_failover() {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	srv := ec2test.NewServer(ec2test.WithClock(clock),
		ec2test.WithDetachingDuration(30*time.Second), ec2test.WithAttachingDuration(10*time.Second))
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: srv.Credentials(), Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment},
		func(o *enidetach.WaitOptions) {
			o.NetworkInterfaceID = ec2test.FailoverInterface
			o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
			o.OnPoll = func(enidetach.WaitResult) { advance(10 * time.Second) }
		})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("detached after", res.Polls, "polls")

	att, err := client.AttachNetworkInterface(ctx, &enidetach.AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
	if err != nil {
		log.Fatal(err)
	}
	for {
		var out struct {
			Status []string `xml:"networkInterfaceSet>item>attachment>status"`
		}
		err := client.Call(ctx, "DescribeNetworkInterfaces", url.Values{"Filter.1.Name": {"attachment.attachment-id"},
			"Filter.1.Value.1": {att.AttachmentID}}, &out)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("attachment:", out.Status)
		if len(out.Status) == 1 && out.Status[0] == "attached" {
			break
		}
		advance(10 * time.Second)
	}
	st, _ := srv.Interface(ec2test.FailoverInterface)
	fmt.Println(st.Attachment.InstanceID, st.Attachment.DeviceIndex)
	// Output:
	// detached after 4 polls
	// attachment: [attaching]
	// attachment: [attached]
	// i-0123456789abcdef1 1
}

// EC2's describes are eventually consistent; WithDescribeLag makes the
// fake's so. Right after a detach the describe still shows the interface
// attached, while a second detach, which sees the truth, finds the
// attachment gone.
func ExampleWithDescribeLag() {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }

	srv := ec2test.NewServer(ec2test.WithClock(clock), ec2test.WithDescribeLag(5*time.Second))
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: srv.Credentials(), Clock: clock})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	detach := &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}
	if _, err := client.DetachNetworkInterface(ctx, detach); err != nil {
		log.Fatal(err)
	}
	look := func() {
		st, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{NetworkInterfaceID: ec2test.FailoverInterface})
		var none *enidetach.NoAttachmentError
		switch {
		case errors.As(err, &none):
			fmt.Println("describe: not attached")
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Println("describe:", st.AttachmentID, st.AttachmentStatus)
		}
	}
	look()
	_, err = client.DetachNetworkInterface(ctx, detach)
	fmt.Println("detach again, attachment gone:", errors.Is(err, enidetach.ErrAttachmentNotFound))
	advance(5 * time.Second)
	look()
	// Output:
	// describe: eni-attach-0123456789abcdef0 attached
	// detach again, attachment gone: true
	// describe: not attached
}

// Seeding: the built-in set plus an instance of your own with two
// interfaces, one in a subnet you name.
func ExampleWithSeed() {
	seed := ec2test.DefaultSeed("eu-west-1")
	seed.Instances = append(seed.Instances,
		ec2test.Instance{InstanceID: "i-0abc0abc0abc0abc0", AvailabilityZone: "eu-west-1b", SubnetID: "subnet-0abc0abc0abc0abc0"})
	seed.NetworkInterfaces = append(seed.NetworkInterfaces,
		ec2test.NetworkInterface{NetworkInterfaceID: "eni-0abc0abc0abc0abc1", PrivateIPAddress: "10.0.1.10", Description: "service IP"})
	seed.Attachments = append(seed.Attachments,
		ec2test.Attachment{AttachmentID: "eni-attach-0abc0abc0abc0abc0", NetworkInterfaceID: "eni-0abc0abc0abc0abc0", InstanceID: "i-0abc0abc0abc0abc0", DeviceIndex: 0},
		ec2test.Attachment{AttachmentID: "eni-attach-0abc0abc0abc0abc1", NetworkInterfaceID: "eni-0abc0abc0abc0abc1", InstanceID: "i-0abc0abc0abc0abc0", DeviceIndex: 1})
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-1"), ec2test.WithSeed(seed))
	defer srv.Close()
	for _, st := range srv.Instances() {
		fmt.Print(st.InstanceID, " ", st.AvailabilityZone, ":")
		for _, a := range st.Attachments {
			fmt.Print(" ", a.DeviceIndex, "=", a.NetworkInterfaceID)
		}
		fmt.Println()
	}
	st, _ := srv.Interface("eni-0abc0abc0abc0abc1")
	fmt.Println(st.SubnetID, st.PrivateIPAddress, st.Status)
	// Output:
	// i-0123456789abcdef0 eu-west-1a: 0=eni-00000000000000000 1=eni-0123456789abcdef0
	// i-0123456789abcdef1 eu-west-1a: 0=eni-00000000000000001
	// i-0123456789abcdef2 eu-west-1b: 0=eni-00000000000000002
	// i-0abc0abc0abc0abc0 eu-west-1b: 0=eni-0abc0abc0abc0abc0 1=eni-0abc0abc0abc0abc1
	// subnet-0abc0abc0abc0abc0 10.0.1.10 in-use
}

// Reset puts back what a test changed, here a detach.
func ExampleServer_Reset() {
	srv := ec2test.NewServer()
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		log.Fatal(err)
	}
	in := &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}
	_, err = client.DetachNetworkInterface(context.Background(), in)
	fmt.Println("first detach:", err)
	_, err = client.DetachNetworkInterface(context.Background(), in)
	fmt.Println("second detach is not found:", errors.Is(err, enidetach.ErrAttachmentNotFound))
	srv.Reset()
	_, err = client.DetachNetworkInterface(context.Background(), in)
	fmt.Println("after Reset:", err)
	// Output:
	// first detach: <nil>
	// second detach is not found: true
	// after Reset: <nil>
}
