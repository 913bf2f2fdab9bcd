package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

func TestDemoStory(t *testing.T) {
	// The demo passes everything it needs; no AWS_* variable of this
	// machine may change its story.
	testenv.Clear(t)
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), nil, &stdout, &stderr); status != 0 {
		t.Fatalf("status %d\n%s\n%s", status, stdout.String(), stderr.String())
	}
	for _, want := range []string{"permitted (DryRunOperation)", "refused (UnauthorizedOperation)",
		"found eni-attach-0123456789abcdef0 (interface eni-0123456789abcdef0, attached)", "return=true request id",
		"available after", "InvalidAttachmentID.NotFound: already gone", "OperationNotPermitted:", "after 2 throttled attempts", "already detached",
		"attached as eni-attach-", "i-0123456789abcdef1 at device index 2", "already attached there; sent only DescribeNetworkInterfaces\n", "refused before anything was detached (target-zone)"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// startServe runs the command with args in the background and returns its
// decoded line, its stderr so far and a function that stops it.
func startServe(t *testing.T, args ...string) (serveLine, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		status := run(ctx, args, pw, stderr)
		pw.Close() // a run that fails before its line ends the read
		done <- status
	}()
	raw, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("%v; stderr: %s", err, stderr.String())
	}
	var line serveLine
	if err := json.Unmarshal([]byte(raw), &line); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	stop := func() int {
		cancel()
		select {
		case status := <-done:
			return status
		case <-time.After(5 * time.Second):
			t.Fatal("serve mode did not stop when its context ended")
			return -1
		}
	}
	return line, stderr, stop
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServeMode(t *testing.T) {
	testenv.Clear(t)
	got, stderr, stop := startServe(t, "-serve", "127.0.0.1:0")
	if !strings.HasPrefix(got.Endpoint, "http://127.0.0.1:") || len(got.Endpoints) != 1 || got.Endpoints[0] != got.Endpoint || got.Region != "us-east-1" || got.AccessKeyID != ec2test.DefaultAccessKeyID ||
		got.SecretAccessKey != ec2test.DefaultSecretAccessKey || len(got.AttachmentIDs) != 4 || got.Reset != "POST "+got.Endpoint+"/_ec2test/reset" {
		t.Errorf("serve line = %+v", got)
	}
	if stderr.String() != "" {
		t.Errorf("stderr on loopback: %q", stderr.String())
	}
	// Every key, with what it may do.
	keys := map[string]serveKey{}
	for _, k := range got.Keys {
		keys[k.AccessKeyID] = k
	}
	if len(keys) != 2 || !strings.HasPrefix(keys[ec2test.DefaultAccessKeyID].May, "every action") ||
		keys[deniedKeyID].SecretAccessKey != deniedSecret || !strings.Contains(keys[deniedKeyID].May, "UnauthorizedOperation") {
		t.Errorf("keys = %+v", got.Keys)
	}
	// Each interface with its attachment, instance and device index.
	var failover serveInterface
	for _, in := range got.Interfaces {
		if in.NetworkInterfaceID == ec2test.FailoverInterface {
			failover = in
		}
	}
	if failover.AttachmentID != ec2test.FailoverAttachment || failover.InstanceID != ec2test.InstanceA || failover.DeviceIndex == nil || *failover.DeviceIndex != 1 {
		t.Errorf("failover interface = %+v", failover)
	}
	if len(got.Instances) != 3 || got.Instances[1].InstanceID != ec2test.InstanceB || len(got.Instances[1].UsedDeviceIndexes) != 1 ||
		got.Instances[2].AvailabilityZone == got.Instances[1].AvailabilityZone {
		t.Errorf("instances = %+v", got.Instances)
	}

	// A detach changes the state; the printed reset request restores it.
	client, err := enidetach.New(enidetach.Options{Region: got.Region, BaseEndpoint: got.Endpoint,
		Credentials: credentials.NewStaticCredentialsProvider(got.AccessKeyID, got.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	var ae *enidetach.APIError
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); !errors.As(err, &ae) {
		t.Fatalf("second detach before reset: %v", err)
	}
	method, resetURL, _ := strings.Cut(got.Reset, " ")
	resp, err := http.Post(resetURL, "", nil)
	if err != nil || method != "POST" {
		t.Fatal(method, err)
	}
	resp.Body.Close()
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Errorf("after reset the attachment is back: %v", err)
	}
	if status := stop(); status != 0 {
		t.Errorf("status %d", status)
	}

	if status := run(context.Background(), []string{"-serve", "192.0.2.1:80"}, io.Discard, io.Discard); status != 2 {
		t.Errorf("non-loopback address: status %d, want 2", status)
	}
}

func TestServeAnyAddressWarns(t *testing.T) {
	// 127.0.0.1 stands in for the container address: tests listen on
	// loopback only.
	_, stderr, stop := startServe(t, "-any-address", "-serve", "127.0.0.1:0")
	defer stop()
	if !strings.Contains(stderr.String(), "WARNING") || !strings.Contains(stderr.String(), "anyone who can reach 127.0.0.1:0 can use the printed keys") {
		t.Errorf("stderr = %q", stderr.String())
	}
}

// TestHelp: -h prints the synopsis, the exit statuses and the flags on
// stdout and exits 0 (it exited 2); a bad flag or argument exits 2 with
// the synopsis on stderr.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run(context.Background(), []string{"-h"}, &stdout, &stderr); status != 0 || stderr.String() != "" {
		t.Errorf("-h: exit %d, stderr %q", status, stderr.String())
	}
	for _, want := range []string{"usage: local [-serve ADDRESS [-any-address] [-transition D]]", "Exit status:", "\n  0  the demo went as told",
		"\n  1  a step", "\n  2  usage", "-any-address\n", "-transition duration\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, args := range [][]string{{"-bogus"}, {"extra"}, {"-any-address"}, {"-transition", "0"}, {"-serve", "127.0.0.1:0", "-transition", "-1s"}} {
		stdout.Reset()
		stderr.Reset()
		if status := run(context.Background(), args, &stdout, &stderr); status != 2 || stdout.String() != "" || !strings.Contains(stderr.String(), "usage: local") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, status, stdout.String(), stderr.String())
		}
	}
}

// TestServeStartsAnIMDSPerInstance: -serve prints each instance's metadata
// endpoint, and the SDK's IMDSv2 client reading it learns that instance.
func TestServeStartsAnIMDSPerInstance(t *testing.T) {
	testenv.Clear(t)
	got, _, stop := startServe(t, "-serve", "127.0.0.1:0")
	defer stop()
	seen := map[string]bool{}
	for _, in := range got.Instances {
		if !strings.HasPrefix(in.IMDSEndpoint, "http://127.0.0.1:") || in.IMDSEndpoint == got.Endpoint || seen[in.IMDSEndpoint] {
			t.Errorf("%s: imdsEndpoint %q", in.InstanceID, in.IMDSEndpoint)
			continue
		}
		seen[in.IMDSEndpoint] = true
		c := imds.New(imds.Options{Endpoint: in.IMDSEndpoint, EnableFallback: aws.FalseTernary})
		doc, err := c.GetInstanceIdentityDocument(context.Background(), &imds.GetInstanceIdentityDocumentInput{})
		if err != nil || doc.InstanceID != in.InstanceID || doc.AvailabilityZone != in.AvailabilityZone || doc.Region != got.Region {
			t.Errorf("%s: identity document %+v, %v", in.InstanceID, doc, err)
		}
	}
}

// TestServeTransition: -transition 0 makes a detach done at once (a
// script's tests need not wait 1.5 s for each), where the default leaves
// the interface detaching.
func TestServeTransition(t *testing.T) {
	testenv.Clear(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-serve", "127.0.0.1:0", "-transition", "0"}, "available"},
		{[]string{"-serve", "127.0.0.1:0"}, "in-use"},
	} {
		line, _, stop := startServe(t, tc.args...)
		client, err := enidetach.New(enidetach.Options{Region: line.Region, BaseEndpoint: line.Endpoint,
			Credentials: credentials.NewStaticCredentialsProvider(line.AccessKeyID, line.SecretAccessKey, "")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(line.Endpoint + ec2test.ControlPrefix + "state")
		if err != nil {
			t.Fatal(err)
		}
		var state struct {
			Interfaces []ec2test.InterfaceState `json:"interfaces"`
		}
		err = json.NewDecoder(resp.Body).Decode(&state)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range state.Interfaces {
			if in.NetworkInterfaceID == ec2test.FailoverInterface && in.Status != tc.want {
				t.Errorf("%q: right after the detach the interface is %s, want %s", tc.args, in.Status, tc.want)
			}
		}
		stop()
	}
}
