package enidetach

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestWaitTimeoutSaysPollsFailed: a wait that runs out while its polls
// fail says so, with the last failure.
func TestWaitTimeoutSaysPollsFailed(t *testing.T) {
	t.Parallel()
	c, srv, _ := newFakeClockClient(t, time.Hour, false)
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
		o.MaxWait = time.Minute
		o.OnPoll = func(r WaitResult) {
			if r.Polls == 1 {
				srv.Inject(ec2test.InternalError(), 1000)
			}
		}
	})
	var wt *WaitTimeoutError
	if !errors.As(err, &wt) || res.FailedPolls == 0 || wt.Last.FailedPolls != res.FailedPolls {
		t.Fatalf("got (%+v, %v), want a timeout after failed polls", res, err)
	}
	if want := fmt.Sprintf("polls, %d failed (last: ", res.FailedPolls); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "InternalError") {
		t.Errorf("error %q, want %q and the last failure", err, want)
	}
}

// TestWaitTimeoutClaimsOnlyWhatWasSeen: a wait that ended before any answer
// showed the interface says nothing was seen, not `interface "" status
// ""`; one that saw it says how.
func TestWaitTimeoutClaimsOnlyWhatWasSeen(t *testing.T) {
	t.Parallel()
	nothing := (&WaitTimeoutError{Last: WaitResult{Elapsed: 300 * time.Millisecond}, Err: context.DeadlineExceeded}).Error()
	if want := "enidetach: interface not detached after 300ms and 0 polls (nothing seen): context deadline exceeded"; nothing != want {
		t.Errorf("nothing seen: %q, want %q", nothing, want)
	}
	seen := (&WaitTimeoutError{Last: WaitResult{Polls: 2, Elapsed: time.Second,
		State: InterfaceState{NetworkInterfaceID: "eni-1", Status: "in-use", AttachmentStatus: "detaching"}}, Err: context.DeadlineExceeded}).Error()
	if want := `(last seen: interface "eni-1" status "in-use", attachment status "detaching")`; !strings.Contains(seen, want) {
		t.Errorf("seen: %q, want it to hold %q", seen, want)
	}
}
