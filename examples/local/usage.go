package main

import (
	"flag"
	"fmt"
	"io"
)

// synopsis is the command line.
const synopsis = "usage: local [-serve ADDRESS [-any-address] [-transition D]]\n"

// help is what -h prints before the flags.
const help = `
Without flags, runs the demo: the ec2test fake EC2 endpoint in-process and a
failover walked through with the real client. With -serve, keeps the fake
running on ADDRESS for other clients (the AWS CLI, botocore, the SDKs, a test
container) and prints one JSON line: its endpoints, region, keys, instances
(each with the endpoint of its own instance metadata service, IMDSv2, for
AWS_EC2_METADATA_SERVICE_ENDPOINT), interfaces and the reset request. It runs
until SIGINT or SIGTERM.

Exit status:
  0  the demo went as told, or -serve was stopped by SIGINT or SIGTERM
  1  a step of the demo did not go as told
  2  usage: bad flags, or -serve cannot listen on ADDRESS (taken, or not
     loopback without -any-address)

Flags:
`

// printHelp writes what -h prints.
func printHelp(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprint(w, synopsis, help)
	fs.SetOutput(w)
	fs.PrintDefaults()
}
