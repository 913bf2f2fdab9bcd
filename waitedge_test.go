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

// TestWaitInterfaceNeverSeenIsNotDetached: with WaitOptions.NetworkInterfaceID,
// an answer that does not show the interface is not "detached", even less
// when it shows the attachment on another interface.
func TestWaitInterfaceNeverSeenIsNotDetached(t *testing.T) {
	t.Parallel()
	notFound := `<Response><Errors><Error><Code>InvalidNetworkInterfaceID.NotFound</Code><Message>The networkInterface ID 'eni-1' does not exist</Message></Error></Errors><RequestID>r2</RequestID></Response>`
	t.Run("omitted", func(t *testing.T) {
		t.Parallel()
		c, got := newScriptedClient(t, describePageXML(""), notFound)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-1" })
		if res == nil || res.Detached || !isCode(err, "InvalidNetworkInterfaceID.NotFound") {
			t.Fatalf("got (%+v, %v), want not detached, with EC2's NotFound", res, err)
		}
		if q := got(); len(q) != 2 || q[1].Get("NetworkInterfaceId.1") != "eni-1" {
			t.Errorf("requests %v, want the filtered poll, then the interface asked by ID", q)
		}
	})
	t.Run("the attachment shown elsewhere", func(t *testing.T) {
		t.Parallel()
		elsewhere := describePageXML("", describeItemXML("eni-2", "eni-attach-1", "i-1", 1))
		c, _ := newScriptedClient(t, elsewhere)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = "eni-1" })
		var wi *WrongInterfaceError
		if res == nil || res.Detached || !errors.As(err, &wi) || wi.Found != "eni-2" || wi.NetworkInterfaceID != "eni-1" || wi.AttachmentID != "eni-attach-1" {
			t.Fatalf("got (%+v, %v), want a *WrongInterfaceError", res, err)
		}
	})
}

// TestDetachAndWaitAlreadyDetachedPollFails: with Idempotent, a detach
// answered NotFound, then a poll that fails, is still a detached result
// (the NotFound said so): no contradiction, no error, the failure counted.
func TestDetachAndWaitAlreadyDetachedPollFails(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, 0, false)
	srv.Inject(ec2test.Delay(0), 1) // the detach passes
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"},
		func(o *WaitOptions) { o.Idempotent = true })
	if err != nil || res == nil || !res.AlreadyDetached || !res.Detached || res.Detach != nil || !errors.Is(res.DetachError, ErrAttachmentNotFound) {
		t.Fatalf("got (%+v, %v), want already detached and detached, no error", res, err)
	}
	if res.FailedPolls != 1 || !errors.Is(res.LastPollError, ErrUnauthorizedOperation) || res.Polls != 1 {
		t.Errorf("result = %+v, want the failed poll counted", res)
	}
}

// TestWaitOutlastsFailedPolls: once the detach was accepted, polls that
// fail for a reason that may pass (throttling past the client's retries, a
// 5xx, a dropped connection) back off and poll again; the result says how
// many failed and why. An answer that will not change still ends the wait
// (TestDetachAndWaitSaysWhichStepFailed).
func TestWaitOutlastsFailedPolls(t *testing.T) {
	t.Parallel()
	for name, fault := range map[string]ec2test.Fault{
		"throttled":   ec2test.Throttle(),
		"5xx":         ec2test.InternalError(),
		"unavailable": ec2test.Unavailable(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, srv, fc := newFakeClockClient(t, 20*time.Second, false)
			var times []time.Duration
			start := fc.Now()
			res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
				o.OnPoll = func(r WaitResult) {
					times = append(times, fc.Now().Sub(start))
					if r.Polls == 3 && r.FailedPolls == 0 {
						// Two polls fail whole: each of the client's 3 attempts answered by the fault.
						srv.Inject(fault, 6)
					}
				}
			})
			if err != nil || !res.Detached || res.FailedPolls != 2 || res.LastPollError == nil || res.Detach == nil {
				t.Fatalf("got (%+v, %v), want detached after 2 failed polls", res, err)
			}
			var re *RetryError
			if !errors.As(res.LastPollError, &re) || re.Attempts != 3 {
				t.Errorf("last poll error %v, want the client's retries exhausted", res.LastPollError)
			}
			// The failed polls back off: the window after one failure
			// starts at twice the first (3.4 s), after two at four times.
			if len(times) < 6 || times[4]-times[3] < 3400*time.Millisecond || times[5]-times[4] < 6800*time.Millisecond {
				t.Errorf("poll times %v, want the delays after failures doubled", times)
			}
		})
	}
	t.Run("retry quota spent", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newFakeClockClient(t, 10*time.Second, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}, func(o *WaitOptions) {
			o.OnPoll = func(r WaitResult) {
				if r.Polls == 1 {
					// 500 tokens, 5 per throttled retry: 100 retries spend the quota.
					srv.Inject(ec2test.Throttle(), 400)
				}
			}
		})
		var re *RetryError
		if err != nil || !res.Detached || res.FailedPolls == 0 || !errors.As(res.LastPollError, &re) || re.Reason != "retry quota exhausted" {
			t.Fatalf("got (%+v, %v), want detached after polls failed on a spent retry quota", res, err)
		}
	})
}

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

// TestWaitFirstPollAfterTheCallCouldEnd: after an accepted detach (or one
// the caller sent, WaitOptions.SentAt) the first poll of a wait that knows
// its interface waits a first delay, counted from the detach: at once it
// would only see "detaching". WaitUntilDetached alone looks at once.
func TestWaitFirstPollAfterTheCallCouldEnd(t *testing.T) {
	t.Parallel()
	lo, hi := pollWindow(0, defaultWaitMinDelay, defaultWaitMaxDelay, 0)
	for _, sentAt := range []bool{false, true} {
		c, srv, fc := newFakeClockClient(t, 5*time.Second, false)
		start := fc.Now()
		var err error
		if sentAt {
			if _, err = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary}); err == nil {
				fc.Sleep(context.Background(), 500*time.Millisecond) // the caller's own work
				_, err = c.WaitUntilDetached(context.Background(), secondary, func(o *WaitOptions) {
					o.NetworkInterfaceID, o.SentAt = secondaryInterface, start
				})
			}
		} else {
			_, err = c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary},
				func(o *WaitOptions) { o.NetworkInterfaceID = secondaryInterface })
		}
		if err != nil {
			t.Fatal(err)
		}
		var first time.Duration = -1
		for _, r := range srv.Requests() {
			if r.Action == "DescribeNetworkInterfaces" {
				first = r.Time.Sub(start)
				break
			}
		}
		if first < lo || first > hi {
			t.Errorf("SentAt %t: first poll %v after the detach, want within [%v, %v]", sentAt, first, lo, hi)
		}
	}
	times, _, err := pollTimes(t, time.Second, nil)
	if err != nil || len(times) == 0 || times[0] != 0 {
		t.Errorf("WaitUntilDetached: poll times %v (%v), want the first at once", times, err)
	}
}

// TestDetachAndWaitByAttachmentReportsTheInterface: waiting by attachment
// ID alone, State holds the interface's final status: the first poll,
// at once, names the interface while the attachment is there.
func TestDetachAndWaitByAttachmentReportsTheInterface(t *testing.T) {
	t.Parallel()
	for _, detaching := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 5 * time.Second} {
		c, _ := newWaitClient(t, detaching, false)
		res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		if err != nil || !res.Detached || res.State.NetworkInterfaceID != secondaryInterface || res.State.Status != "available" {
			t.Errorf("detaching %v: got (%+v, %v), want the interface's final state", detaching, res, err)
		}
	}
}
