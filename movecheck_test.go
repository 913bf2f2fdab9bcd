package enidetach

import (
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

	"github.com/aws/aws-sdk-go-v2/credentials"
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

// TestMoveRefusalQuotesNoEchoedSecret: the move's refusals quote fields of
// valid answers (the target's zone and state, the interface's status and
// zone). A hostile endpoint that echoes the request's signature or session
// token into those fields must not get them into the error's message, its
// fields or the output, in any verb (issue 24.5): answers are redacted of
// what their request sent before they are decoded.
func TestMoveRefusalQuotesNoEchoedSecret(t *testing.T) {
	t.Parallel()
	const iface, instanceA, instanceB = "eni-0aaaaaaaaaaaaaaa1", "i-0aaaaaaaaaaaaaaa1", "i-0bbbbbbbbbbbbbbb1"
	echo := func(sig, token string) string { return "us-east-1a-" + sig + "-" + token }
	attached := func(zone string) string {
		return `<DescribeNetworkInterfacesResponse><requestId>req-1</requestId><networkInterfaceSet><item><networkInterfaceId>` + iface +
			`</networkInterfaceId><availabilityZone>` + zone + `</availabilityZone><status>in-use</status><attachment><attachmentId>eni-attach-0aaaaaaaaaaaaaaa1</attachmentId><instanceId>` +
			instanceA + `</instanceId><deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex><status>attached</status></attachment></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`
	}
	unattached := func(status string) string {
		return `<DescribeNetworkInterfacesResponse><requestId>req-1</requestId><networkInterfaceSet><item><networkInterfaceId>` + iface +
			`</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone><status>` + status + `</status></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>`
	}
	instance := func(state, zone string) string {
		return `<DescribeInstancesResponse><requestId>req-2</requestId><reservationSet><item><instancesSet><item><instanceId>` + instanceB +
			`</instanceId><instanceState><code>16</code><name>` + state + `</name></instanceState><placement><availabilityZone>` + zone +
			`</availabilityZone></placement><networkInterfaceSet/></item></instancesSet></item></reservationSet></DescribeInstancesResponse>`
	}
	for _, tc := range []struct {
		name, reason string
		answer       func(action, sig, token string) string
	}{
		{"target's zone", "target-zone", func(action, sig, token string) string {
			if action == "DescribeInstances" {
				return instance("running", echo(sig, token))
			}
			return attached("us-east-1a")
		}},
		{"interface's zone", "target-zone", func(action, sig, token string) string {
			if action == "DescribeInstances" {
				return instance("running", "us-east-1b")
			}
			return attached(echo(sig, token))
		}},
		{"target's state", "target-state", func(action, sig, token string) string {
			if action == "DescribeInstances" {
				return instance(echo(sig, token), "us-east-1a")
			}
			return attached("us-east-1a")
		}},
		{"interface's status", "attached-elsewhere", func(action, sig, token string) string {
			return unattached(echo(sig, token))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var sigs []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(body))
				auth := r.Header.Get("Authorization")
				sig := auth[strings.Index(auth, "Signature=")+len("Signature="):]
				mu.Lock()
				sigs = append(sigs, sig)
				mu.Unlock()
				_, _ = io.WriteString(w, tc.answer(form.Get("Action"), sig, r.Header.Get("X-Amz-Security-Token")))
			}))
			t.Cleanup(srv.Close)
			c, err := New(Options{Region: "us-east-1", BaseEndpoint: srv.URL, MaxAttempts: 1,
				Credentials: credentials.NewStaticCredentialsProvider("AKIDECHO", echoSecret, echoToken)})
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{NetworkInterfaceID: iface, ToInstanceID: instanceB, ToDeviceIndex: 1})
			var refused *MoveRefusedError
			if !errors.As(err, &refused) || refused.Reason != tc.reason {
				t.Fatalf("got (%+v, %v), want a %s refusal", out, err, tc.reason)
			}
			shown := fmt.Sprintf("%v\n%+v\n%#v\n%s\n%#v\n%+v\n%#v", err, err, err, refused.Detail, refused.Interface, out, out)
			if !strings.Contains(refused.Detail, "us-east-1a-") {
				t.Errorf("Detail %q does not quote the echoed field: the test misses the path", refused.Detail)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, sig := range sigs {
				if leaks := echoLeaks(shown, sig); len(leaks) > 0 {
					t.Errorf("the refusal shows %q of what the request sent:\n%s", leaks, shown)
				}
			}
		})
	}
}

// TestMoveRefusalQuotesRedactedFields: the move refuses a target in another
// zone, quoting both zones; an endpoint that echoes the request's
// signature and session token into the target's zone (and the describe's
// request IDs) must not get them into the refusal, in any verb.
func TestMoveRefusalQuotesRedactedFields(t *testing.T) {
	t.Parallel()
	iface := func(_, token string) string {
		return "<DescribeNetworkInterfacesResponse><requestId>req-" + token + "</requestId><networkInterfaceSet><item>" +
			"<networkInterfaceId>eni-0123456789abcdef0</networkInterfaceId><status>in-use</status><availabilityZone>us-east-1a</availabilityZone>" +
			"<attachment><attachmentId>eni-attach-0123456789abcdef0</attachmentId><status>attached</status><instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>" +
			"<deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex></attachment></item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"
	}
	instance := func(sig, token string) string {
		return "<DescribeInstancesResponse><requestId>req-" + sig + "</requestId><reservationSet><item><instancesSet><item>" +
			"<instanceId>i-0bbbbbbbbbbbbbbbb</instanceId><instanceState><name>running</name></instanceState>" +
			"<placement><availabilityZone>zone-" + sig + "-" + token + "</availabilityZone></placement>" +
			"</item></instancesSet></item></reservationSet></DescribeInstancesResponse>"
	}
	c, sigs := newHostileClient(t, map[string]func(sig, token string) string{"DescribeNetworkInterfaces": iface, "DescribeInstances": instance})
	_, err := c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0123456789abcdef0", ToInstanceID: "i-0bbbbbbbbbbbbbbbb", ToDeviceIndex: 1})
	var re *MoveRefusedError
	if !errors.As(err, &re) || re.Reason != "target-zone" {
		t.Fatalf("err = %v, want a *MoveRefusedError (target-zone)", err)
	}
	if !strings.Contains(re.Detail, "zone-") {
		t.Errorf("the refusal no longer quotes the target's zone: %s", re.Detail)
	}
	assertNoEcho(t, "the refusal", fmt.Sprintf("%v\n%+v\n%#v\n%#v", err, err, re, re.Interface), sigs())
}
