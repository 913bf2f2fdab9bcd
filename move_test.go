package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// hookClient is an HTTPClient that runs a hook before the first request of
// an action, to inject a fault into exactly that request or to end the
// context while it is on its way.
type hookClient struct {
	next  HTTPClient
	mu    sync.Mutex
	hooks map[string]func()
}

func (h *hookClient) before(action string, fn func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hooks[action] = fn
}

func (h *hookClient) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	vals, _ := url.ParseQuery(string(body))
	action := vals.Get("Action")
	h.mu.Lock()
	fn := h.hooks[action]
	delete(h.hooks, action)
	h.mu.Unlock()
	if fn != nil {
		fn()
	}
	return h.next.Do(req)
}

// moveEnv is a client and an ec2test server sharing a fake clock, with a
// hook on the client's requests.
type moveEnv struct {
	c     *Client
	srv   *ec2test.Server
	clock *fakeClock
	hooks *hookClient
}

func newMoveEnv(t *testing.T, srvOpts ...ec2test.Option) *moveEnv {
	t.Helper()
	hooks := &hookClient{next: &http.Client{}, hooks: map[string]func(){}}
	c, srv, fc := newClockedClient(t, srvOpts, func(o *Options) { o.HTTPClient = hooks })
	setJitter(c, func() float64 { return 1 }) // polls at the schedule's base, as movesim_test.go models it
	return &moveEnv{c: c, srv: srv, clock: fc, hooks: hooks}
}

// toB is the usual move: the failover interface to instance B, device index 1.
func toB() *MoveNetworkInterfaceInput {
	return &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}
}

// mutations returns the actions of the requests that change something,
// with their error codes, in order.
func mutations(srv *ec2test.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Action, "Describe") {
			continue
		}
		s := r.Action
		if r.Params.Get("DryRun") == "true" {
			s += "(dry run)"
		}
		if r.ErrorCode != "" {
			s += ":" + r.ErrorCode
		}
		if r.Fault != "" {
			s += "!" + r.Fault
		}
		out = append(out, s)
	}
	return out
}

// assertAt checks in the server that the interface is attached at the
// slot, and how many attaches and detaches it has seen.
func assertAt(t *testing.T, srv *ec2test.Server, ifaceID, instanceID string, device, detaches, attaches int) {
	t.Helper()
	st, ok := srv.Interface(ifaceID)
	if !ok {
		t.Fatalf("server has no interface %s", ifaceID)
	}
	if a := st.Attachment; a == nil || a.InstanceID != instanceID || a.DeviceIndex != device || a.Status != "attached" {
		t.Errorf("server: interface %s attachment %+v, want attached at %s device %d", ifaceID, a, instanceID, device)
	}
	if st.Detaches != detaches || st.Attaches != attaches {
		t.Errorf("server: %d detaches and %d attaches, want %d and %d", st.Detaches, st.Attaches, detaches, attaches)
	}
}

// assertUnchanged checks in the server that the failover interface is
// still attached at instance A and that nothing was sent to change it.
func assertUnchanged(t *testing.T, srv *ec2test.Server) {
	t.Helper()
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if a := st.Attachment; a == nil || a.AttachmentID != ec2test.FailoverAttachment || a.Status != "attached" || st.Detaches != 0 || st.Attaches != 0 {
		t.Errorf("server: failover interface %+v, want untouched at instance A", st)
	}
	for _, m := range mutations(srv) {
		if !strings.Contains(m, "(dry run)") {
			t.Errorf("sent %s, want nothing that changes anything", m)
		}
	}
}

// TestMoveReportsBothSteps moves an interface attached at the source and
// checks what the output says of the start, each step, its waits and the
// state it ends in.
func TestMoveReportsBothSteps(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDetachingDuration(10*time.Second), ec2test.WithAttachingDuration(5*time.Second))
	out, err := e.c.MoveNetworkInterface(context.Background(), toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	st, _ := e.srv.Interface(ec2test.FailoverInterface)
	d, a := out.Detach, out.Attach
	switch {
	case out.NetworkInterfaceID != ec2test.FailoverInterface || out.AlreadyAtTarget:
		t.Errorf("output %+v", out)
	case out.Start.AttachmentID != ec2test.FailoverAttachment || out.Start.InstanceID != ec2test.InstanceA || out.Start.AvailabilityZone != "us-east-1a":
		t.Errorf("start %+v", out.Start)
	case d.AttachmentID != ec2test.FailoverAttachment || d.InstanceID != ec2test.InstanceA || d.DeviceIndex != 1 || !d.Sent || d.RequestID == "" || d.Status != "available":
		t.Errorf("detach step %+v", d)
	case a.AttachmentID != st.Attachment.AttachmentID || a.InstanceID != ec2test.InstanceB || a.DeviceIndex != 1 || !a.Sent || a.RequestID == "" || a.Status != "attached":
		t.Errorf("attach step %+v, server attachment %s", a, st.Attachment.AttachmentID)
	case out.State.AttachmentID != a.AttachmentID || out.State.AttachmentStatus != "attached":
		t.Errorf("state %+v", out.State)
	}
	// Each wait polls first 1.7 to 2.1 s after its call, then as often
	// (TestMoveSchedule checks the windows): it sees the end of its
	// half within 2.1 s.
	if d.Polls < 5 || d.WaitElapsed < 10*time.Second || d.WaitElapsed > 12100*time.Millisecond ||
		a.Polls < 3 || a.WaitElapsed < 5*time.Second || a.WaitElapsed > 7100*time.Millisecond {
		t.Errorf("waits: detach %d polls in %v, attach %d polls in %v", d.Polls, d.WaitElapsed, a.Polls, a.WaitElapsed)
	}
	if out.Elapsed != d.WaitElapsed+a.WaitElapsed {
		t.Errorf("elapsed %v, want the waits' %v on the fake clock", out.Elapsed, d.WaitElapsed+a.WaitElapsed)
	}
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface" {
		t.Errorf("sent %s", got)
	}
}

// TestMoveNetworkInterface starts the move from each state the interface
// can be in: detaching, available, attaching or attached at the target.
func TestMoveNetworkInterface(t *testing.T) {
	t.Parallel()
	t.Run("detaching", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t, ec2test.WithDetachingDuration(10*time.Second))
		if _, err := e.c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
			t.Fatal(err)
		}
		out, err := e.c.MoveNetworkInterface(context.Background(), toB())
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
		if d := out.Detach; d.Sent || d.AttachmentID != ec2test.FailoverAttachment || d.Status != "available" || d.Polls == 0 {
			t.Errorf("detach step %+v, want the detaching attachment waited for, not detached again", d)
		}
		if out.Start.AttachmentStatus != "detaching" {
			t.Errorf("start %+v", out.Start)
		}
	})
	t.Run("available", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		if _, err := e.c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
			t.Fatal(err)
		}
		out, err := e.c.MoveNetworkInterface(context.Background(), toB())
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
		if out.Detach != (MoveStep{}) || !out.Attach.Sent || out.Start.Status != "available" {
			t.Errorf("output %+v", out)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface" {
			t.Errorf("sent %s, want the earlier detach and the move's attach", got)
		}
	})
	t.Run("attaching at the target", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t, ec2test.WithAttachingDuration(8*time.Second))
		if _, err := e.c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
			t.Fatal(err)
		}
		att := attachForTest(t, e.c, ec2test.FailoverInterface, ec2test.InstanceB, 1)
		out, err := e.c.MoveNetworkInterface(context.Background(), toB())
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
		if a := out.Attach; a.Sent || a.AttachmentID != att || a.Status != "attached" || a.Polls < 5 || a.WaitElapsed < 8*time.Second || out.AlreadyAtTarget {
			t.Errorf("attach step %+v, want attachment %s waited for", a, att)
		}
	})
	t.Run("attached at the target", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		e.srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0bbbbbbbbbbbbbbb1", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
		out, err := e.c.MoveNetworkInterface(context.Background(), toB())
		if err != nil {
			t.Fatal(err)
		}
		assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 0, 0)
		if !out.AlreadyAtTarget || out.Attach.AttachmentID != "eni-attach-0bbbbbbbbbbbbbbb1" || out.Attach.Sent || out.Detach != (MoveStep{}) {
			t.Errorf("output %+v", out)
		}
		if m := mutations(e.srv); len(m) != 0 {
			t.Errorf("sent %v, want nothing", m)
		}
		if n := len(e.srv.Requests()); n != 1 {
			t.Errorf("%d requests, want the one describe", n)
		}
	})
}

// TestMoveNetworkInterfaceContextEnds ends the context in each step, checks
// the partial output and the server, then re-runs the move, which
// converges.
func TestMoveNetworkInterfaceContextEnds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		step string
		// arm ends the context at the step.
		arm func(e *moveEnv, cancel context.CancelFunc, o *WaitOptions)
		// check verifies the output and the server after the cancel.
		check func(t *testing.T, e *moveEnv, out *MoveNetworkInterfaceOutput)
	}{
		{step: "detach",
			arm: func(e *moveEnv, cancel context.CancelFunc, _ *WaitOptions) {
				e.hooks.before("DetachNetworkInterface", cancel)
			},
			check: func(t *testing.T, e *moveEnv, out *MoveNetworkInterfaceOutput) {
				if !out.Detach.Sent || out.Detach.RequestID != "" || out.Attach.Sent {
					t.Errorf("output %+v", out)
				}
				assertUnchanged(t, e.srv) // cancelled before it was sent
			}},
		{step: "wait-available",
			arm: func(e *moveEnv, cancel context.CancelFunc, o *WaitOptions) {
				o.OnPoll = func(r WaitResult) {
					if r.State.AttachmentStatus == "detaching" {
						cancel()
					}
				}
			},
			check: func(t *testing.T, e *moveEnv, out *MoveNetworkInterfaceOutput) {
				if out.Detach.RequestID == "" || out.Detach.Polls != 1 || out.Attach.Sent {
					t.Errorf("output %+v", out)
				}
				if st, _ := e.srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 || st.Attaches != 0 {
					t.Errorf("server %+v", st)
				}
			}},
		{step: "attach",
			arm: func(e *moveEnv, cancel context.CancelFunc, _ *WaitOptions) {
				e.hooks.before("AttachNetworkInterface", cancel)
			},
			check: func(t *testing.T, e *moveEnv, out *MoveNetworkInterfaceOutput) {
				if out.Detach.Status != "available" || !out.Attach.Sent || out.Attach.AttachmentID != "" {
					t.Errorf("output %+v", out)
				}
				if st, _ := e.srv.Interface(ec2test.FailoverInterface); st.Status != "available" || st.Attaches != 0 {
					t.Errorf("server %+v", st)
				}
			}},
		{step: "wait-attached",
			arm: func(e *moveEnv, cancel context.CancelFunc, o *WaitOptions) {
				o.OnPoll = func(r WaitResult) {
					if r.State.AttachmentStatus == "attaching" {
						cancel()
					}
				}
			},
			check: func(t *testing.T, e *moveEnv, out *MoveNetworkInterfaceOutput) {
				if out.Attach.AttachmentID == "" || out.Attach.Status != "attaching" || out.Attach.Polls != 1 {
					t.Errorf("output %+v", out)
				}
				if st, _ := e.srv.Interface(ec2test.FailoverInterface); st.Attaches != 1 {
					t.Errorf("server %+v", st)
				}
			}},
	} {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDetachingDuration(6*time.Second), ec2test.WithAttachingDuration(6*time.Second))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wo WaitOptions
			tc.arm(e, cancel, &wo)
			out, err := e.c.MoveNetworkInterface(ctx, toB(), func(o *WaitOptions) { o.OnPoll = wo.OnPoll })
			var inc *MoveIncompleteError
			if !errors.As(err, &inc) || inc.Step != tc.step || !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want a *MoveIncompleteError at %s with context.Canceled", err, tc.step)
			}
			if out == nil || inc.Output != out || out.NetworkInterfaceID != ec2test.FailoverInterface {
				t.Fatalf("output %+v, error's %+v", out, inc.Output)
			}
			tc.check(t, e, out)

			// Run again: the move continues from where it stopped.
			again, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
			if again.State.AttachmentStatus != "attached" {
				t.Errorf("re-run state %+v", again.State)
			}
		})
	}
}

// TestMoveNetworkInterfaceConcurrent moves many interfaces at once on one
// client (run it under -race).
func TestMoveNetworkInterfaceConcurrent(t *testing.T) {
	t.Parallel()
	seed := ec2test.DefaultSeed("us-east-1")
	const n = 16
	ifaces := make([]string, n)
	for i := range n {
		ifaces[i] = fmt.Sprintf("eni-0c%015x", i)
		seed.Attachments = append(seed.Attachments, ec2test.Attachment{AttachmentID: fmt.Sprintf("eni-attach-0c%015x", i),
			NetworkInterfaceID: ifaces[i], InstanceID: ec2test.InstanceA, DeviceIndex: 2 + i})
	}
	e := newMoveEnv(t, ec2test.WithSeed(seed))
	var mu sync.Mutex
	next := 0
	concurrently(t, n, func() error {
		mu.Lock()
		i := next
		next++
		mu.Unlock()
		_, err := e.c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{NetworkInterfaceID: ifaces[i], ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 2 + i})
		return err
	})
	for i, id := range ifaces {
		assertAt(t, e.srv, id, ec2test.InstanceB, 2+i, 1, 1)
	}
}

// TestMoveNetworkInterfaceTakenMeanwhile attaches the interface to a third
// instance while the move waits for it to be available: the move stops
// with the refusal inside, and neither detaches it again nor attaches it.
func TestMoveNetworkInterfaceTakenMeanwhile(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDetachingDuration(6*time.Second))
	const third = "i-0dddddddddddddddd"
	e.srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: "us-east-1a"})
	var once sync.Once
	out, err := e.c.MoveNetworkInterface(context.Background(), toB(), func(o *WaitOptions) {
		o.OnPoll = func(WaitResult) {
			once.Do(func() {
				e.srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0ddddddddddddddd0", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: third, DeviceIndex: 1})
			})
		}
	})
	var inc *MoveIncompleteError
	var re *MoveRefusedError
	if !errors.As(err, &inc) || inc.Step != "wait-available" || !errors.As(err, &re) || re.Reason != "attached-elsewhere" {
		t.Fatalf("error %v, want the move stopped at wait-available by attached-elsewhere", err)
	}
	if out.State.InstanceID != third || out.Attach.Sent {
		t.Errorf("output %+v", out)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, third, 1, 1, 0)
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface" {
		t.Errorf("sent %s", got)
	}
}
