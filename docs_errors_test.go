package enidetach_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The Go snippets of docs/errors.md, each in a function that a test runs
// against ec2test, its error branches included.

// docsDryRun is the guide's DryRun snippet.
func docsDryRun(ctx context.Context, client *enidetach.Client, id string) (string, error) {
	_, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: id, DryRun: true})
	switch {
	case errors.Is(err, enidetach.ErrDryRunOperation):
		return "permitted", nil
	case errors.Is(err, enidetach.ErrUnauthorizedOperation):
		return "not permitted", nil
	default:
		return "", err // could not tell: err says why
	}
}

// TestDocsDryRun runs each branch of the DryRun idiom.
func TestDocsDryRun(t *testing.T) {
	t.Parallel()
	denied := ec2test.Key{AccessKeyID: "AKIAREADMEDENIED0001", SecretAccessKey: "docs/denied/secret", Denied: true}
	srv := ec2test.NewServer(ec2test.WithKeys(denied))
	defer srv.Close()
	ctx := context.Background()
	if got, err := docsDryRun(ctx, docsClient(t, srv), ec2test.FailoverAttachment); got != "permitted" || err != nil {
		t.Errorf("default key: (%q, %v)", got, err)
	}
	deniedClient, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(denied.AccessKeyID, denied.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := docsDryRun(ctx, deniedClient, ec2test.FailoverAttachment); got != "not permitted" || err != nil {
		t.Errorf("denied key: (%q, %v)", got, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := docsDryRun(cancelled, deniedClient, ec2test.FailoverAttachment); got != "" || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: (%q, %v), want the context's error", got, err)
	}
}
