// Command sdkdetach is the official SDK's equivalent of cmd/enidetach,
// for size.sh to compare binary size, build time and per-process cost:
// config.LoadDefaultConfig plus ec2.NewFromConfig and one call.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

func main() {
	id := flag.String("attachment-id", "", "attachment ID")
	dryRun := flag.Bool("dry-run", false, "dry run")
	force := flag.Bool("force", false, "force")
	region := flag.String("region", "", "region")
	endpoint := flag.String("endpoint", "", "endpoint URL")
	timeout := flag.Duration("timeout", 30*time.Second, "timeout")
	flag.Parse()
	if *id == "" {
		fmt.Fprintln(os.Stderr, "sdkdetach: -attachment-id is required")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var opts []func(*config.LoadOptions) error
	if *region != "" {
		opts = append(opts, config.WithRegion(*region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkdetach:", err)
		os.Exit(2)
	}
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) {
		if *endpoint != "" {
			o.BaseEndpoint = aws.String(*endpoint)
		}
	})
	in := &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(*id)}
	if *dryRun {
		in.DryRun = aws.Bool(true)
	}
	if *force {
		in.Force = aws.Bool(true)
	}
	_, err = client.DetachNetworkInterface(ctx, in)
	var ae smithy.APIError
	switch {
	case err == nil:
		fmt.Println("detached", *id)
	case *dryRun && errors.As(err, &ae) && ae.ErrorCode() == "DryRunOperation":
		fmt.Println("dry run permitted")
	default:
		fmt.Fprintln(os.Stderr, "sdkdetach:", err)
		os.Exit(1)
	}
}
