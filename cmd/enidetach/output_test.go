package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// TestJSONSecondsAreMilliseconds: durations in the JSON are seconds rounded
// to the millisecond and print as such; Duration.Seconds gave
// 1.9769999999999999 for 1.977 s.
func TestJSONSecondsAreMilliseconds(t *testing.T) {
	for d, want := range map[time.Duration]string{
		1977 * time.Millisecond:                      "1.977",
		1977*time.Millisecond + 400*time.Microsecond: "1.977",
		1976*time.Millisecond + 500*time.Microsecond: "1.977",
		4010 * time.Millisecond:                      "4.01",
		2003*time.Millisecond + 999*time.Nanosecond:  "2.003",
		0: "0",
		10*time.Minute + 123456789*time.Nanosecond:          "600.123",
		3*time.Millisecond + 456*time.Microsecond:           "0.003",
		123*time.Hour + 45*time.Minute + 6*time.Millisecond: "445500.006",
	} {
		b, err := json.Marshal(stepJSON{WaitElapsedSeconds: seconds(d)})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(b); got != `{"waitElapsedSeconds":`+want+`}` {
			t.Errorf("%v: %s, want %s", d, got, want)
		}
	}
}

// TestOnePollIsSingular: "after 1 poll", not "after 1 polls".
func TestOnePollIsSingular(t *testing.T) {
	var stdout, stderr strings.Builder
	elapsed := 2.5
	report(&stdout, &stderr, &result{AttachmentID: "eni-attach-1", Detached: true, Status: "available", Polls: 1, ElapsedSeconds: &elapsed, RequestID: "r"}, false)
	if got := stdout.String(); !strings.Contains(got, "available after 1 poll,") {
		t.Errorf("got %q, want \"available after 1 poll,\"", got)
	}
	e, _ := describe(&enidetach.WaitTimeoutError{Last: enidetach.WaitResult{Polls: 1, Elapsed: 1500 * time.Millisecond}})
	if !strings.HasSuffix(e.Message, "after 1.5s and 1 poll") {
		t.Errorf("timeout message %q, want \"... after 1.5s and 1 poll\"", e.Message)
	}
}

// TestTextClaimsOnlyWhatWasSeen: a failure's text says how the interface
// was last seen only when an answer showed it, and the move's device index
// only when it is known (0 is not its default); a detach seen done without
// the interface's status says the attachment is gone, not "available".
func TestTextClaimsOnlyWhatWasSeen(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	onInstance(t, srv, ec2test.InstanceB)
	// EC2 refusing connections: the move's first describe fails.
	_, _, stderr := runCmd("-endpoint", "http://127.0.0.1:1", "-region", "us-east-1", "-timeout", "2s",
		"-network-interface-id", ec2test.FailoverInterface, "-to-instance-id", "self")
	if !strings.Contains(stderr, "connection refused") || strings.Contains(stderr, "device index") || strings.Contains(stderr, "last seen") {
		t.Errorf("move with EC2 unreachable, no index known: %q; want no device index and no last seen", stderr)
	}
	var out, errOut strings.Builder
	two, one := 2, 0
	for _, r := range []*result{
		{NetworkInterfaceID: "eni-1", ToInstanceID: "i-2", ToDeviceIndex: &two, ToNetworkCardIndex: &one, Error: &errorJSON{Kind: "transport", Message: "down"}},
		{NetworkInterfaceID: "eni-1", ToInstanceID: "i-2", Error: &errorJSON{Kind: "api", Action: "DescribeNetworkInterfaces", Code: "X", Message: "no"}},
		{AttachmentID: "eni-attach-1", RequestID: "r", Error: &errorJSON{Kind: "timeout", Message: "not available"}},
		{AttachmentID: "eni-attach-1", Error: &errorJSON{Kind: "interrupted", Message: "interrupted by SIGTERM"}},
	} {
		report(&out, &errOut, r, false)
	}
	got := errOut.String()
	if strings.Contains(got, "last seen") || strings.Contains(got, "gone") {
		t.Errorf("failures with nothing seen claim a state:\n%s", got)
	}
	if !strings.Contains(got, "to i-2 at device index 2, network card 0: down") {
		t.Errorf("a move's known device index is not said:\n%s", got)
	}
	elapsed := 1.0
	report(&out, &errOut, &result{AttachmentID: "eni-attach-1", Detached: true, Polls: 1, ElapsedSeconds: &elapsed, RequestID: "r"}, false)
	if got := out.String(); !strings.Contains(got, "detached eni-attach-1: attachment gone after 1 poll,") {
		t.Errorf("detached with no status seen: %q, want \"attachment gone after 1 poll\"", got)
	}
}
