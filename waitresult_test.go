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
