package enidetach

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

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
