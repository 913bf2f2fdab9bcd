package ec2test_test

import (
	"context"
	"errors"
	"fmt"
	"log"
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
