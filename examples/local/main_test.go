package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

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
		"available after", "InvalidAttachmentID.NotFound: already gone", "OperationNotPermitted:", "after 2 throttled attempts", "already detached"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

func TestServeMode(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int)
	go func() { done <- run(ctx, []string{"-serve", "127.0.0.1:0"}, pw, io.Discard) }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Endpoint, Region, AccessKeyID, SecretAccessKey string
		AttachmentIDs                                  []string
	}
	if err := json.Unmarshal([]byte(line), &got); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if !strings.HasPrefix(got.Endpoint, "http://127.0.0.1:") || got.Region == "" || got.AccessKeyID == "" || len(got.AttachmentIDs) != 3 {
		t.Errorf("serve line = %+v", got)
	}
	cancel()
	select {
	case status := <-done:
		if status != 0 {
			t.Errorf("status %d", status)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve mode did not stop when its context ended")
	}
	if status := run(context.Background(), []string{"-serve", "192.0.2.1:80"}, io.Discard, io.Discard); status != 2 {
		t.Errorf("non-loopback address: status %d, want 2", status)
	}
}
