package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach"
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
	report(&stdout, &stderr, &result{AttachmentID: "eni-attach-1", Detached: true, Polls: 1, ElapsedSeconds: &elapsed, RequestID: "r"}, false)
	if got := stdout.String(); !strings.Contains(got, "available after 1 poll,") {
		t.Errorf("got %q, want \"available after 1 poll,\"", got)
	}
	e, _ := describe(&enidetach.WaitTimeoutError{Last: enidetach.WaitResult{Polls: 1, Elapsed: 1500 * time.Millisecond}})
	if !strings.HasSuffix(e.Message, "after 1.5s and 1 poll") {
		t.Errorf("timeout message %q, want \"... after 1.5s and 1 poll\"", e.Message)
	}
}
