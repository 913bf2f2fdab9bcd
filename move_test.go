package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
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

func TestMoveNetworkInterface(t *testing.T) {
	t.Parallel()
	t.Run("attached at the source", func(t *testing.T) {
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
		// Each wait polls at once, then every 1.7 to 2.1 s (TestMoveSchedule
		// checks the windows): it sees the end of its half within 2.1 s.
		if d.Polls < 6 || d.WaitElapsed < 10*time.Second || d.WaitElapsed > 12100*time.Millisecond ||
			a.Polls < 3 || a.WaitElapsed < 5*time.Second || a.WaitElapsed > 7100*time.Millisecond {
			t.Errorf("waits: detach %d polls in %v, attach %d polls in %v", d.Polls, d.WaitElapsed, a.Polls, a.WaitElapsed)
		}
		if out.Elapsed != d.WaitElapsed+a.WaitElapsed {
			t.Errorf("elapsed %v, want the waits' %v on the fake clock", out.Elapsed, d.WaitElapsed+a.WaitElapsed)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface" {
			t.Errorf("sent %s", got)
		}
	})
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

// TestMoveNetworkInterfaceRefused drives the starts from which a move must
// not change anything: each is refused before anything is detached.
func TestMoveNetworkInterfaceRefused(t *testing.T) {
	t.Parallel()
	const otherInstance = "i-0dddddddddddddddd"
	for _, tc := range []struct {
		name   string
		setup  func(*ec2test.Server)
		in     *MoveNetworkInterfaceInput
		reason string // a *MoveRefusedError's, else
		code   string // an *APIError's
		is     error  // the attach's sentinel the refusal matches
	}{
		{name: "attached elsewhere than the source named", reason: "attached-elsewhere", is: ErrInterfaceInUse,
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, FromInstanceID: otherInstance, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "attached elsewhere than the attachment named", reason: "attached-elsewhere", is: ErrInterfaceInUse,
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, AttachmentID: "eni-attach-0ccccccccccccccc0", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "attached at another slot of the target", reason: "attached-elsewhere", is: ErrInterfaceInUse,
			setup: func(s *ec2test.Server) {
				s.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0bbbbbbbbbbbbbbb2", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 2})
			},
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "unknown interface", code: "InvalidNetworkInterfaceID.NotFound",
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: "eni-0fffffffffffffff0", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "unknown attachment", reason: "source-not-found",
			in: &MoveNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "nothing at the source slot", reason: "source-not-found",
			in: &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 2, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{name: "target in another zone", reason: "target-zone", is: ErrZoneMismatch,
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1}},
		{name: "target slot taken", reason: "target-slot-taken", is: ErrDeviceIndexInUse,
			setup: func(s *ec2test.Server) {
				s.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0aaaaaaaaaaaaaaa1", NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
			},
			in: toB()},
		{name: "unknown target", reason: "target-not-found",
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: "i-0fffffffffffffff0", ToDeviceIndex: 1}},
		{name: "target stopping", reason: "target-state",
			setup: func(s *ec2test.Server) {
				s.AddInstance(ec2test.Instance{InstanceID: otherInstance, AvailabilityZone: "us-east-1a", State: "stopping"})
			},
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: otherInstance, ToDeviceIndex: 1}},
		{name: "source's primary interface", reason: "primary-interface",
			in: &MoveNetworkInterfaceInput{NetworkInterfaceID: "eni-00000000000000000", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t)
			if tc.setup != nil {
				tc.setup(e.srv)
			}
			before := e.srv.Interfaces()
			out, err := e.c.MoveNetworkInterface(context.Background(), tc.in)
			if out != nil {
				t.Errorf("output %+v, want nil", out)
			}
			var re *MoveRefusedError
			var ae *APIError
			switch {
			case tc.reason != "" && (!errors.As(err, &re) || re.Reason != tc.reason):
				t.Fatalf("error %v, want a *MoveRefusedError %s", err, tc.reason)
			case tc.code != "" && (!errors.As(err, &ae) || ae.Code != tc.code):
				t.Fatalf("error %v, want %s", err, tc.code)
			case tc.is != nil && !errors.Is(err, tc.is):
				t.Errorf("error %v does not match %v", err, tc.is)
			case tc.reason != "" && tc.reason != "target-not-found" && errors.As(err, &ae):
				t.Errorf("error %v holds an *APIError, but EC2 was not asked", err)
			}
			for _, other := range []error{ErrInterfaceInUse, ErrDeviceIndexInUse, ErrZoneMismatch} {
				if other != tc.is && errors.Is(err, other) {
					t.Errorf("error %v matches %v", err, other)
				}
			}
			if m := mutations(e.srv); len(m) != 0 {
				t.Errorf("sent %v, want nothing that changes anything", m)
			}
			if after := e.srv.Interfaces(); !equalInterfaces(before, after) {
				t.Errorf("server state changed:\n%+v\n%+v", before, after)
			}
		})
	}
}

func equalInterfaces(a, b []ec2test.InterfaceState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if x.NetworkInterface != y.NetworkInterface || x.Status != y.Status || x.Detaches != y.Detaches || x.Attaches != y.Attaches ||
			(x.Attachment == nil) != (y.Attachment == nil) || (x.Attachment != nil && *x.Attachment != *y.Attachment) {
			return false
		}
	}
	return true
}

// TestMoveNetworkInterfaceTargetStates checks the target states EC2
// attaches in: running (hot attach) and stopped (warm attach).
func TestMoveNetworkInterfaceTargetStates(t *testing.T) {
	t.Parallel()
	for _, state := range []string{"running", "stopped", "pending", "stopping", "shutting-down", "terminated"} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t)
			const standby = "i-0eeeeeeeeeeeeeee0"
			e.srv.AddInstance(ec2test.Instance{InstanceID: standby, AvailabilityZone: "us-east-1a", State: state})
			_, err := e.c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{
				NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: standby, ToDeviceIndex: 1})
			var re *MoveRefusedError
			switch state {
			case "running", "stopped":
				if err != nil {
					t.Fatal(err)
				}
				assertAt(t, e.srv, ec2test.FailoverInterface, standby, 1, 1, 1)
			default:
				if !errors.As(err, &re) || re.Reason != "target-state" || !strings.Contains(err.Error(), state) {
					t.Fatalf("error %v, want target-state", err)
				}
				assertUnchanged(t, e.srv)
			}
		})
	}
}

func TestMoveNetworkInterfaceSources(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   *MoveNetworkInterfaceInput
	}{
		{"by attachment", &MoveNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{"by source slot", &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{"by interface and source slot", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{"by interface and attachment", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, AttachmentID: ec2test.FailoverAttachment, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}},
		{"forced", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1, Force: true}},
		{"to another network card", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB, ToNetworkCardIndex: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t)
			out, err := e.c.MoveNetworkInterface(context.Background(), tc.in)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := e.srv.Interface(ec2test.FailoverInterface)
			if a := st.Attachment; a == nil || a.InstanceID != ec2test.InstanceB || a.DeviceIndex != tc.in.ToDeviceIndex || a.NetworkCardIndex != tc.in.ToNetworkCardIndex || a.Status != "attached" || st.Detaches != 1 {
				t.Errorf("server: %+v %+v", st, st.Attachment)
			}
			if out.NetworkInterfaceID != ec2test.FailoverInterface || out.Attach.NetworkCardIndex != tc.in.ToNetworkCardIndex {
				t.Errorf("output %+v", out)
			}
			wantForced := 0
			if tc.in.Force {
				wantForced = 1
			}
			if st.ForcedDetaches != wantForced {
				t.Errorf("server: %d forced detaches, Force %t", st.ForcedDetaches, tc.in.Force)
			}
		})
	}
}

func TestMoveNetworkInterfaceValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name  string
		in    *MoveNetworkInterfaceInput
		opts  func(*WaitOptions)
		field string
	}{
		{"nil", nil, nil, "input"},
		{"no source", &MoveNetworkInterfaceInput{ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "NetworkInterfaceID"},
		{"attachment and slot", &MoveNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment, FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "AttachmentID"},
		{"source index without instance", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "FromDeviceIndex"},
		{"source primary slot", &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "FromDeviceIndex"},
		{"no target", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToDeviceIndex: 1}, nil, "ToInstanceID"},
		{"target slot unset", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB}, nil, "ToDeviceIndex"},
		{"target is the source", &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceA, ToDeviceIndex: 1}, nil, "ToDeviceIndex"},
		{"negative index", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: -1}, nil, "ToDeviceIndex"},
		{"long ID", &MoveNetworkInterfaceInput{NetworkInterfaceID: long, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "NetworkInterfaceID"},
		{"wait interface set", toB(), func(o *WaitOptions) { o.NetworkInterfaceID = ec2test.FailoverInterface }, "WaitOptions.NetworkInterfaceID"},
		{"bad wait delays", toB(), func(o *WaitOptions) { o.MinDelay = -time.Second }, "WaitOptions.MinDelay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t)
			var optFns []func(*WaitOptions)
			if tc.opts != nil {
				optFns = append(optFns, tc.opts)
			}
			_, err := e.c.MoveNetworkInterface(context.Background(), tc.in, optFns...)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("error %v, want a *ValidationError on %s", err, tc.field)
			}
			if n := len(e.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

// TestMoveNetworkInterfaceLostResponses loses the answer of the detach or
// the attach after EC2 acted on it: the client retries, meets the effect of
// its first attempt, and the move resolves it by looking.
func TestMoveNetworkInterfaceLostResponses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		detaching time.Duration
		action    string
		want      string // the mutating requests
	}{
		{"detach, gone at once", 0, "DetachNetworkInterface",
			"DetachNetworkInterface!truncated-body DetachNetworkInterface:InvalidAttachmentID.NotFound AttachNetworkInterface"},
		{"detach, still detaching", 10 * time.Second, "DetachNetworkInterface",
			"DetachNetworkInterface!truncated-body DetachNetworkInterface:IncorrectState AttachNetworkInterface"},
		{"attach", 0, "AttachNetworkInterface",
			"DetachNetworkInterface AttachNetworkInterface!truncated-body AttachNetworkInterface:InvalidNetworkInterface.InUse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDetachingDuration(tc.detaching))
			e.hooks.before(tc.action, func() { e.srv.Inject(ec2test.TruncatedBody(), 1) })
			out, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
			st, _ := e.srv.Interface(ec2test.FailoverInterface)
			if out.Attach.AttachmentID != st.Attachment.AttachmentID || out.Detach.AttachmentID != ec2test.FailoverAttachment {
				t.Errorf("output %+v, server attachment %s", out, st.Attachment.AttachmentID)
			}
			if got := strings.Join(mutations(e.srv), " "); got != tc.want {
				t.Errorf("sent %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestMoveNetworkInterfaceThrottled throttles the detach, the attach and
// polls of both waits: the client's retries carry the move through.
func TestMoveNetworkInterfaceThrottled(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDetachingDuration(4*time.Second), ec2test.WithAttachingDuration(4*time.Second))
	throttle := func() { e.srv.Inject(ec2test.Throttle(), 2) }
	e.hooks.before("DetachNetworkInterface", throttle)
	e.hooks.before("AttachNetworkInterface", throttle)
	e.hooks.before("DescribeInstances", throttle)
	out, err := e.c.MoveNetworkInterface(context.Background(), toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	want := "DetachNetworkInterface:RequestLimitExceeded!throttle DetachNetworkInterface:RequestLimitExceeded!throttle DetachNetworkInterface " +
		"AttachNetworkInterface:RequestLimitExceeded!throttle AttachNetworkInterface:RequestLimitExceeded!throttle AttachNetworkInterface"
	if got := strings.Join(mutations(e.srv), " "); got != want {
		t.Errorf("sent %s\nwant %s", got, want)
	}
	if out.Detach.RequestID == "" || out.Attach.RequestID == "" {
		t.Errorf("output %+v", out)
	}
}

// TestMoveNetworkInterfaceEventualConsistency makes describes lag behind
// the detach and the attach: the move waits through stale answers.
func TestMoveNetworkInterfaceEventualConsistency(t *testing.T) {
	t.Parallel()
	for _, lag := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Second} {
		t.Run(lag.String(), func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDescribeLag(lag), ec2test.WithDetachingDuration(3*time.Second), ec2test.WithAttachingDuration(3*time.Second))
			out, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
			if out.State.InstanceID != ec2test.InstanceB || out.State.AttachmentStatus != "attached" || out.Attach.Status != "attached" {
				t.Errorf("output state %+v", out.State)
			}
			// Each half is seen done once the lag has passed, not before.
			if out.Detach.WaitElapsed < 3*time.Second+lag || out.Attach.WaitElapsed < 3*time.Second+lag {
				t.Errorf("waits %v and %v, shorter than the change and the lag", out.Detach.WaitElapsed, out.Attach.WaitElapsed)
			}
			if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface" {
				t.Errorf("sent %s", got)
			}
		})
	}
}

// TestMoveNetworkInterfaceLaggingRerun re-runs a move right after its
// attach was accepted, while describes still show the interface
// available: the attach meets InUse, and the move finds the interface
// attaching at the target rather than failing.
func TestMoveNetworkInterfaceLaggingRerun(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDescribeLag(3*time.Second), ec2test.WithAttachingDuration(10*time.Second))
	ctx := context.Background()
	if _, err := e.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	_ = e.clock.Sleep(ctx, 5*time.Second) // the detach is seen by describes
	att := attachForTest(t, e.c, ec2test.FailoverInterface, ec2test.InstanceB, 1)
	out, err := e.c.MoveNetworkInterface(ctx, toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	if out.Start.Status != "available" || out.Attach.AttachmentID != att || out.Attach.Status != "attached" {
		t.Errorf("output: start %+v, attach %+v; want the attachment %s found and waited for", out.Start, out.Attach, att)
	}
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface AttachNetworkInterface AttachNetworkInterface:InvalidNetworkInterface.InUse" {
		t.Errorf("sent %s", got)
	}
}

// TestMoveNetworkInterfaceLaggingDetach starts a move right after a detach
// was accepted, while describes still show the interface attached: the
// detach meets IncorrectState, and the move looks until it sees the
// attachment detaching rather than failing.
func TestMoveNetworkInterfaceLaggingDetach(t *testing.T) {
	t.Parallel()
	e := newMoveEnv(t, ec2test.WithDescribeLag(3*time.Second), ec2test.WithDetachingDuration(10*time.Second))
	ctx := context.Background()
	if _, err := e.c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	out, err := e.c.MoveNetworkInterface(ctx, toB())
	if err != nil {
		t.Fatal(err)
	}
	assertAt(t, e.srv, ec2test.FailoverInterface, ec2test.InstanceB, 1, 1, 1)
	if out.Start.AttachmentStatus != "attached" || out.Detach.Status != "available" {
		t.Errorf("output: start %+v, detach %+v", out.Start, out.Detach)
	}
	if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface DetachNetworkInterface:IncorrectState AttachNetworkInterface" {
		t.Errorf("sent %s", got)
	}
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

// TestMoveNetworkInterfaceDryRun checks both permissions and changes
// nothing.
func TestMoveNetworkInterfaceDryRun(t *testing.T) {
	t.Parallel()
	t.Run("permitted", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := toB()
		in.DryRun = true
		out, err := e.c.MoveNetworkInterface(context.Background(), in)
		if !errors.Is(err, ErrDryRunOperation) {
			t.Fatalf("error %v, want DryRunOperation", err)
		}
		if out == nil || !out.Detach.Sent || out.Detach.RequestID == "" || !out.Attach.Sent || out.Attach.RequestID == "" {
			t.Errorf("output %+v", out)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "DetachNetworkInterface(dry run):DryRunOperation AttachNetworkInterface(dry run):DryRunOperation" {
			t.Errorf("sent %s", got)
		}
		assertUnchanged(t, e.srv)
	})
	t.Run("available: the attach only", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.SpareInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1, DryRun: true}
		if _, err := e.c.MoveNetworkInterface(context.Background(), in); !errors.Is(err, ErrDryRunOperation) {
			t.Fatalf("error %v, want DryRunOperation", err)
		}
		if got := strings.Join(mutations(e.srv), " "); got != "AttachNetworkInterface(dry run):DryRunOperation" {
			t.Errorf("sent %s", got)
		}
	})
	t.Run("denied", func(t *testing.T) {
		t.Parallel()
		denied := ec2test.Key{AccessKeyID: "AKIAEC2TESTDENIED001", SecretAccessKey: "denied/secret", Denied: true}
		e := newMoveEnv(t, ec2test.WithKeys(denied))
		e.c.engine.SetCredentials(staticCreds(denied.AccessKeyID, denied.SecretAccessKey))
		in := toB()
		in.DryRun = true
		_, err := e.c.MoveNetworkInterface(context.Background(), in)
		if !errors.Is(err, ErrUnauthorizedOperation) {
			t.Fatalf("error %v, want UnauthorizedOperation", err)
		}
		assertUnchanged(t, e.srv)
	})
	t.Run("refused target", func(t *testing.T) {
		t.Parallel()
		e := newMoveEnv(t)
		in := &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceC, ToDeviceIndex: 1, DryRun: true}
		var re *MoveRefusedError
		if _, err := e.c.MoveNetworkInterface(context.Background(), in); !errors.As(err, &re) || re.Reason != "target-zone" {
			t.Fatalf("error %v, want target-zone", err)
		}
		if m := mutations(e.srv); len(m) != 0 {
			t.Errorf("sent %v", m)
		}
	})
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

// TestMoveNetworkInterfaceAmbiguousSource answers the first describe with
// two interfaces claiming the source: the move refuses rather than pick
// one, and sends nothing else.
func TestMoveNetworkInterfaceAmbiguousSource(t *testing.T) {
	t.Parallel()
	item := func(eni string) string {
		return "<item><networkInterfaceId>" + eni + "</networkInterfaceId><status>in-use</status><availabilityZone>us-east-1a</availabilityZone>" +
			"<attachment><attachmentId>eni-attach-0aaaaaaaaaaaaaaa0</attachmentId><instanceId>i-0123456789abcdef0</instanceId>" +
			"<deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex><status>attached</status></attachment></item>"
	}
	body := `<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><networkInterfaceSet>` +
		item("eni-0aaaaaaaaaaaaaaa1") + item("eni-0aaaaaaaaaaaaaaa2") + `</networkInterfaceSet></DescribeNetworkInterfacesResponse>`
	for _, in := range []*MoveNetworkInterfaceInput{
		{AttachmentID: "eni-attach-0aaaaaaaaaaaaaaa0", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1},
		{FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1},
	} {
		rs := newRecordingServer(t, http.StatusOK, []byte(body), http.Header{"Content-Type": {"text/xml"}})
		c := clientFor(t, rs)
		_, err := c.MoveNetworkInterface(context.Background(), in)
		var re *MoveRefusedError
		if !errors.As(err, &re) || re.Reason != "source-ambiguous" || !strings.Contains(err.Error(), "eni-0aaaaaaaaaaaaaaa1") || !strings.Contains(err.Error(), "eni-0aaaaaaaaaaaaaaa2") {
			t.Errorf("source %+v: error %v, want source-ambiguous", in, err)
		}
		if n := len(rs.captured()); n != 1 {
			t.Errorf("source %+v: %d requests, want the one describe", in, n)
		}
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

// TestMoveNetworkInterfaceTargetMissingFromAnswer answers DescribeInstances
// with an empty set rather than InvalidInstanceID.NotFound: the target is
// not known, and the move refuses it before anything is detached.
func TestMoveNetworkInterfaceTargetMissingFromAnswer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var actions []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		actions = append(actions, r.PostForm.Get("Action"))
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch r.PostForm.Get("Action") {
		case "DescribeNetworkInterfaces":
			_, _ = io.WriteString(w, `<DescribeNetworkInterfacesResponse><requestId>r-1</requestId><networkInterfaceSet><item>`+
				`<networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId><status>in-use</status><availabilityZone>us-east-1a</availabilityZone>`+
				`<attachment><attachmentId>eni-attach-0123456789abcdef0</attachmentId><instanceId>i-0123456789abcdef0</instanceId>`+
				`<deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex><status>attached</status></attachment></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`)
		case "DescribeInstances":
			_, _ = io.WriteString(w, `<DescribeInstancesResponse><requestId>r-2</requestId><reservationSet/></DescribeInstancesResponse>`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	t.Cleanup(srv.Close)
	c := clientFor(t, &recordingServer{Server: srv})
	_, err := c.MoveNetworkInterface(context.Background(), toB())
	var re *MoveRefusedError
	if !errors.As(err, &re) || re.Reason != "target-not-found" || re.Interface.AttachmentID != ec2test.FailoverAttachment {
		t.Fatalf("error %v, want target-not-found", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(actions, " "); got != "DescribeNetworkInterfaces DescribeInstances" {
		t.Errorf("sent %s", got)
	}
}
