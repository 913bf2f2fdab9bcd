package enidetach

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

// attachSpare is the attach of the built-in seed's spare interface to
// instance B at device index 1, which succeeds.
func attachSpare() *AttachNetworkInterfaceInput {
	return &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1}
}

// actions lists the actions the server received, in order.
func actions(srv *ec2test.Server) string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Action)
	}
	return strings.Join(out, ",")
}

func TestAttachNetworkInterfaceAttaches(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	out, err := c.AttachNetworkInterface(context.Background(), attachSpare())
	if err != nil {
		t.Fatalf("AttachNetworkInterface: %v", err)
	}
	st, _ := srv.Interface(ec2test.SpareInterface)
	if st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attachment.DeviceIndex != 1 || st.Attaches != 1 {
		t.Fatalf("interface after attach = %+v", st)
	}
	want := AttachNetworkInterfaceOutput{AttachmentID: st.Attachment.AttachmentID, NetworkCardIndex: 0, RequestID: out.RequestID}
	if diff := cmp.Diff(want, *out); diff != "" || out.RequestID == "" {
		t.Errorf("output (-want +got):\n%s", diff)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Params.Get("DeviceIndex") != "1" || reqs[0].Params.Has("NetworkCardIndex") || reqs[0].Params.Has("DryRun") {
		t.Errorf("requests = %+v", reqs)
	}
	// Device index 0 on another network card is a slot like any other.
	srv.AddInstance(ec2test.Instance{InstanceID: "i-0dddddddddddddd00"})
	srv.AddNetworkInterface(ec2test.NetworkInterface{NetworkInterfaceID: "eni-0dddddddddddddd00"})
	out, err = c.AttachNetworkInterface(context.Background(), &AttachNetworkInterfaceInput{
		NetworkInterfaceID: "eni-0dddddddddddddd00", InstanceID: "i-0dddddddddddddd00", DeviceIndex: 0, NetworkCardIndex: 1})
	if err != nil || out.NetworkCardIndex != 1 {
		t.Fatalf("attach on card 1: (%+v, %v)", out, err)
	}
	if st, _ := srv.Interface("eni-0dddddddddddddd00"); st.Attachment == nil || st.Attachment.NetworkCardIndex != 1 || st.Attachment.DeviceIndex != 0 {
		t.Errorf("interface on card 1 = %+v", st)
	}
}

// TestAttachNetworkInterfaceBadInput checks that bad input is refused
// locally, with a *ValidationError inside a smithy.OperationError, before
// any request.
func TestAttachNetworkInterfaceBadInput(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, nil, nil)
	c := clientFor(t, rs)
	long := strings.Repeat("a", 256)
	eni, inst := ec2test.SpareInterface, ec2test.InstanceB
	tests := []struct {
		name  string
		ctx   context.Context
		in    *AttachNetworkInterfaceInput
		field string
	}{
		{"nil input", context.Background(), nil, "input"},
		{"no interface", context.Background(), &AttachNetworkInterfaceInput{InstanceID: inst, DeviceIndex: 1}, "NetworkInterfaceID"},
		{"interface ID over 255 bytes", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: long, InstanceID: inst, DeviceIndex: 1}, "NetworkInterfaceID"},
		{"no instance", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, DeviceIndex: 1}, "InstanceID"},
		{"instance ID over 255 bytes", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, InstanceID: long, DeviceIndex: 1}, "InstanceID"},
		{"negative device index", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, InstanceID: inst, DeviceIndex: -1}, "DeviceIndex"},
		{"negative network card", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, InstanceID: inst, DeviceIndex: 1, NetworkCardIndex: -1}, "NetworkCardIndex"},
		{"device index left unset", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, InstanceID: inst}, "DeviceIndex"},
		{"the primary's slot, dry run too", context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: eni, InstanceID: inst, DryRun: true}, "DeviceIndex"},
		{"nil context", nil, attachSpare(), "ctx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.AttachNetworkInterface(tc.ctx, tc.in) //nolint:staticcheck // a nil context is the point
			var ve *ValidationError
			var oe *smithy.OperationError
			if !errors.As(err, &ve) || ve.Field != tc.field || out != nil {
				t.Fatalf("got (%v, %v), want a *ValidationError for %s", out, err, tc.field)
			}
			if !errors.As(err, &oe) || oe.Operation() != "AttachNetworkInterface" {
				t.Errorf("error %v is not an OperationError naming AttachNetworkInterface", err)
			}
		})
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests were sent, want none", n)
	}
}

// TestAttachNetworkInterfaceRequestBody pins the form body: the same bytes
// as url.Values.Encode; internal/sdkcompare checks them against the SDK's.
func TestAttachNetworkInterfaceRequestBody(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId></AttachNetworkInterfaceResponse>`), nil)
	c := clientFor(t, rs)
	inputs := []AttachNetworkInterfaceInput{
		{NetworkInterfaceID: "eni-0123456789abcdef0", InstanceID: "i-0123456789abcdef1", DeviceIndex: 1},
		{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 12, NetworkCardIndex: 3, DryRun: true},
		{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 0, NetworkCardIndex: 1},
		{NetworkInterfaceID: "a b+c/d*e~f", InstanceID: "日本&x=y", DeviceIndex: 2147483647},
	}
	for _, in := range inputs {
		if _, err := c.AttachNetworkInterface(context.Background(), &in); err != nil {
			t.Fatalf("%+v: %v", in, err)
		}
	}
	got := rs.captured()
	for i, in := range inputs {
		v := url.Values{"Action": {"AttachNetworkInterface"}, "Version": {"2016-11-15"}, "NetworkInterfaceId": {in.NetworkInterfaceID},
			"InstanceId": {in.InstanceID}, "DeviceIndex": {strconv.Itoa(in.DeviceIndex)}}
		if in.NetworkCardIndex > 0 {
			v.Set("NetworkCardIndex", strconv.Itoa(in.NetworkCardIndex))
		}
		if in.DryRun {
			v.Set("DryRun", "true")
		}
		if diff := cmp.Diff(v.Encode(), got[i].Body); diff != "" {
			t.Errorf("%+v: body (-want +got):\n%s", in, diff)
		}
	}
	if want := "Action=AttachNetworkInterface&DeviceIndex=1&InstanceId=i-0123456789abcdef1&NetworkInterfaceId=eni-0123456789abcdef0&Version=2016-11-15"; got[0].Body != want {
		t.Errorf("body = %s, want %s", got[0].Body, want)
	}
}

// TestAttachNetworkInterfaceServiceErrors drives the fake's refusals and
// checks the typed error and sentinel a caller branches on, and that the
// interface was left as it was.
func TestAttachNetworkInterfaceServiceErrors(t *testing.T) {
	t.Parallel()
	const denied = "AKIADENIEDEXAMPLE001"
	spare, fi, b, c := ec2test.SpareInterface, ec2test.FailoverInterface, ec2test.InstanceB, ec2test.InstanceC
	sentinels := []error{ErrDryRunOperation, ErrUnauthorizedOperation, ErrInterfaceInUse, ErrDeviceIndexInUse, ErrZoneMismatch, ErrRequestLimitExceeded}
	tests := []struct {
		name     string
		in       AttachNetworkInterfaceInput
		key      string
		prepare  func(*ec2test.Server)
		sentinel error // the one sentinel of the list that matches, if any
		code     string
		status   int
		fault    smithy.ErrorFault
	}{
		{name: "permitted dry run", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: b, DeviceIndex: 1, DryRun: true},
			sentinel: ErrDryRunOperation, code: "DryRunOperation", status: 412, fault: smithy.FaultClient},
		{name: "denied dry run", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: b, DeviceIndex: 1, DryRun: true}, key: denied,
			sentinel: ErrUnauthorizedOperation, code: "UnauthorizedOperation", status: 403, fault: smithy.FaultClient},
		{name: "denied real call", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: b, DeviceIndex: 1}, key: denied,
			sentinel: ErrUnauthorizedOperation, code: "UnauthorizedOperation", status: 403, fault: smithy.FaultClient},
		{name: "interface in use", in: AttachNetworkInterfaceInput{NetworkInterfaceID: fi, InstanceID: b, DeviceIndex: 1},
			sentinel: ErrInterfaceInUse, code: "InvalidNetworkInterface.InUse", status: 400, fault: smithy.FaultClient},
		{name: "device slot taken", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: ec2test.InstanceA, DeviceIndex: 1},
			sentinel: ErrDeviceIndexInUse, code: "InvalidParameterValue", status: 400, fault: smithy.FaultClient},
		{name: "zones differ", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: c, DeviceIndex: 1},
			sentinel: ErrZoneMismatch, code: "InvalidParameterCombination", status: 400, fault: smithy.FaultClient},
		{name: "another InvalidParameterValue", in: *attachSpare(),
			prepare: func(s *ec2test.Server) { s.Inject(ec2test.APIError(400, "InvalidParameterValue"), 1) },
			code:    "InvalidParameterValue", status: 400, fault: smithy.FaultClient},
		{name: "another InvalidParameterCombination", in: *attachSpare(),
			prepare: func(s *ec2test.Server) { s.Inject(ec2test.APIError(400, "InvalidParameterCombination"), 1) },
			code:    "InvalidParameterCombination", status: 400, fault: smithy.FaultClient},
		{name: "unknown interface", in: AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-0fffffffffffffff0", InstanceID: b, DeviceIndex: 1},
			code: "InvalidNetworkInterfaceID.NotFound", status: 400, fault: smithy.FaultClient},
		{name: "unknown instance", in: AttachNetworkInterfaceInput{NetworkInterfaceID: spare, InstanceID: "i-0fffffffffffffff0", DeviceIndex: 1},
			code: "InvalidInstanceID.NotFound", status: 400, fault: smithy.FaultClient},
		{name: "malformed interface", in: AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-x", InstanceID: b, DeviceIndex: 1},
			code: "InvalidNetworkInterfaceId.Malformed", status: 400, fault: smithy.FaultClient},
		{name: "throttled beyond retries", in: *attachSpare(),
			prepare:  func(s *ec2test.Server) { s.Inject(ec2test.Throttle(), 3) },
			sentinel: ErrRequestLimitExceeded, code: "RequestLimitExceeded", status: 503, fault: smithy.FaultServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cl, srv := newTestClient(t, []ec2test.Option{ec2test.WithKeys(ec2test.Key{AccessKeyID: denied, SecretAccessKey: "denied-secret", Denied: true})},
				func(o *Options) {
					if tc.key != "" {
						o.Credentials = staticCreds(tc.key, "denied-secret")
					}
				})
			if tc.prepare != nil {
				tc.prepare(srv)
			}
			before, _ := srv.Interface(tc.in.NetworkInterfaceID)
			setSleep(cl, noSleep)
			if tc.code == "RequestLimitExceeded" {
				// Throttles end at MaxAttempts, as with a caller's Retryer;
				// the client's own would pace them while the context allows.
				cl.engine.SetBeyondRetryer(false)
			}
			out, err := cl.AttachNetworkInterface(context.Background(), &tc.in)
			var ae *APIError
			var oe *smithy.OperationError
			if !errors.As(err, &ae) || out != nil {
				t.Fatalf("got (%v, %v (%T)), want an *APIError", out, err, err)
			}
			if ae.Code != tc.code || ae.StatusCode != tc.status || ae.RequestID == "" {
				t.Errorf("APIError = %+v, want code %s, status %d and a request ID", ae, tc.code, tc.status)
			}
			for _, s := range sentinels {
				if errors.Is(err, s) != (s == tc.sentinel) {
					t.Errorf("errors.Is(err, %v) = %t", s, errors.Is(err, s))
				}
			}
			var sa smithy.APIError
			if !errors.As(err, &sa) || sa.ErrorCode() != tc.code || sa.ErrorFault() != tc.fault {
				t.Errorf("as smithy.APIError: %v, want code %s fault %v", sa, tc.code, tc.fault)
			}
			if !errors.As(err, &oe) || oe.Operation() != "AttachNetworkInterface" {
				t.Errorf("not an OperationError naming AttachNetworkInterface: %v", err)
			}
			if after, _ := srv.Interface(tc.in.NetworkInterfaceID); after.Attaches != before.Attaches ||
				(after.Attachment == nil) != (before.Attachment == nil) {
				t.Errorf("a refused attach changed the interface: %+v", after)
			}
			if strings.Contains(actions(srv), "Describe") {
				t.Errorf("a first-attempt error was looked into: %s", actions(srv))
			}
		})
	}
}

// TestAttachNetworkInterfaceThrottled: throttling is retried, and the
// interface is attached once.
func TestAttachNetworkInterfaceThrottled(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Throttle(), 2)
	out, err := c.AttachNetworkInterface(context.Background(), attachSpare())
	if err != nil {
		t.Fatal(err)
	}
	st, _ := srv.Interface(ec2test.SpareInterface)
	if st.Attaches != 1 || st.Attachment == nil || st.Attachment.AttachmentID != out.AttachmentID || actions(srv) != "AttachNetworkInterface,AttachNetworkInterface,AttachNetworkInterface" {
		t.Errorf("after throttling: %+v, requests %s", st, actions(srv))
	}
}

// newLagClient returns a client and a server sharing a fake clock, whose
// describes lag by lag and whose attaches take attaching.
func newLagClient(t *testing.T, lag, attaching time.Duration, more ...ec2test.Option) (*Client, *ec2test.Server, *fakeClock) {
	t.Helper()
	return newClockedClient(t, append([]ec2test.Option{ec2test.WithDescribeLag(lag), ec2test.WithAttachingDuration(attaching)}, more...))
}

// TestAttachNetworkInterfaceLostResponseSeenDetaching: the interface was
// detached from instance A just before the attach, and the first looks
// still show it detaching there, which decides nothing: the later look
// finds it at the asked slot.
func TestAttachNetworkInterfaceLostResponseSeenDetaching(t *testing.T) {
	t.Parallel()
	c, srv, fc := newLagClient(t, 800*time.Millisecond, 0, ec2test.WithDetachingDuration(time.Second))
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	fc.Sleep(context.Background(), time.Second) // available in truth; describes show it detaching for 0.8 s more
	srv.ResetRequests()
	srv.Inject(ec2test.TruncatedBody(), 1)
	out, err := c.AttachNetworkInterface(context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1})
	if err != nil {
		t.Fatalf("AttachNetworkInterface: %v (requests %s)", err, actions(srv))
	}
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || out.AttachmentID != st.Attachment.AttachmentID {
		t.Errorf("output %+v, interface %+v", out, st.Attachment)
	}
	if got := actions(srv); got != "AttachNetworkInterface,AttachNetworkInterface,DescribeNetworkInterfaces,DescribeNetworkInterfaces" {
		t.Errorf("requests %s", got)
	}
}

// TestAttachNetworkInterfaceLostResponse: the first attempt's response is
// lost after the attach took effect; the retry meets InUse, which is
// resolved by looking, also when the describes lag behind.
func TestAttachNetworkInterfaceLostResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		lag, attaching time.Duration
		describes      int
	}{
		{"consistent describes", 0, 0, 1},
		{"attaching when looked at", 0, time.Minute, 1},
		{"describes lag 2.5 s", 2500 * time.Millisecond, 0, 3}, // looks at 0, 1 s and 3 s
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv, _ := newLagClient(t, tc.lag, tc.attaching)
			srv.Inject(ec2test.TruncatedBody(), 1)
			out, err := c.AttachNetworkInterface(context.Background(), attachSpare())
			if err != nil {
				t.Fatalf("AttachNetworkInterface: %v (requests %s)", err, actions(srv))
			}
			st, _ := srv.Interface(ec2test.SpareInterface)
			if st.Attaches != 1 || st.Attachment == nil || out.AttachmentID != st.Attachment.AttachmentID || out.RequestID == "" {
				t.Errorf("output %+v, interface %+v", out, st)
			}
			want := "AttachNetworkInterface,AttachNetworkInterface" + strings.Repeat(",DescribeNetworkInterfaces", tc.describes)
			if got := actions(srv); got != want {
				t.Errorf("requests %s, want %s", got, want)
			}
		})
	}
}

// TestAttachNetworkInterfaceInUseStands: after a retry, an InUse whose look
// finds the interface elsewhere, or never finds it attached, is the error.
func TestAttachNetworkInterfaceInUseStands(t *testing.T) {
	t.Parallel()
	t.Run("attached elsewhere", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newLagClient(t, 0, 0)
		srv.Inject(ec2test.InternalError(), 1) // not processed: the interface stays at instance A
		in := &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1}
		out, err := c.AttachNetworkInterface(context.Background(), in)
		var re *RetryError
		if !errors.Is(err, ErrInterfaceInUse) || !errors.As(err, &re) || re.Attempts != 2 || out != nil {
			t.Fatalf("got (%+v, %v), want InUse after 2 attempts", out, err)
		}
		if got := actions(srv); got != "AttachNetworkInterface,AttachNetworkInterface,DescribeNetworkInterfaces" {
			t.Errorf("requests %s", got)
		}
		if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment.InstanceID != ec2test.InstanceA {
			t.Errorf("interface moved: %+v", st.Attachment)
		}
	})
	t.Run("at another device index of the instance", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newLagClient(t, 0, 0)
		srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0bbbbbbbbbbbbbbb0", NetworkInterfaceID: ec2test.SpareInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 2})
		srv.Inject(ec2test.Unavailable(), 1)
		_, err := c.AttachNetworkInterface(context.Background(), attachSpare())
		if !errors.Is(err, ErrInterfaceInUse) {
			t.Fatalf("err = %v, want InUse", err)
		}
	})
	t.Run("describes lag longer than the looks", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newLagClient(t, time.Minute, 0)
		srv.Inject(ec2test.TruncatedBody(), 1)
		_, err := c.AttachNetworkInterface(context.Background(), attachSpare())
		if !errors.Is(err, ErrInterfaceInUse) {
			t.Fatalf("err = %v, want InUse", err)
		}
		if got, want := actions(srv), "AttachNetworkInterface,AttachNetworkInterface"+strings.Repeat(",DescribeNetworkInterfaces", len(resolveDelays)); got != want {
			t.Errorf("requests %s, want %s", got, want)
		}
	})
	t.Run("context ends while looking", func(t *testing.T) {
		t.Parallel()
		c, srv, fc := newLagClient(t, time.Minute, 0)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sleep := fc.Sleep
		setSleep(c, func(ctx context.Context, d time.Duration) error {
			if d >= time.Second {
				cancel()
			}
			return sleep(ctx, d)
		})
		srv.Inject(ec2test.TruncatedBody(), 1)
		_, err := c.AttachNetworkInterface(ctx, attachSpare())
		if !errors.Is(err, ErrInterfaceInUse) {
			t.Fatalf("err = %v, want InUse", err)
		}
		if got := actions(srv); got != "AttachNetworkInterface,AttachNetworkInterface,DescribeNetworkInterfaces" {
			t.Errorf("requests %s", got)
		}
	})
	t.Run("a dry run is not looked into", func(t *testing.T) {
		t.Parallel()
		c, srv, _ := newLagClient(t, 0, 0)
		srv.Inject(ec2test.InternalError(), 1)
		srv.Inject(ec2test.APIError(400, "InvalidNetworkInterface.InUse"), 1)
		in := attachSpare()
		in.DryRun = true
		if _, err := c.AttachNetworkInterface(context.Background(), in); !errors.Is(err, ErrInterfaceInUse) {
			t.Fatalf("err = %v, want InUse", err)
		}
		if got := actions(srv); got != "AttachNetworkInterface,AttachNetworkInterface" {
			t.Errorf("requests %s", got)
		}
	})
}

func TestAttachNetworkInterfaceDecodesResponses(t *testing.T) {
	t.Parallel()
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 1, NetworkCardIndex: 2}
	tests := []struct {
		name, body string
		header     http.Header
		want       AttachNetworkInterfaceOutput
	}{
		{"EC2's answer", `<?xml version="1.0" encoding="UTF-8"?>
<AttachNetworkInterfaceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>ace8cd1e-e685-4e44-90fb-92014d907212</requestId>
    <attachmentId>eni-attach-d94b09b0</attachmentId>
    <networkCardIndex>2</networkCardIndex>
</AttachNetworkInterfaceResponse>`, nil, AttachNetworkInterfaceOutput{AttachmentID: "eni-attach-d94b09b0", NetworkCardIndex: 2, RequestID: "ace8cd1e-e685-4e44-90fb-92014d907212"}},
		{"no card, request ID from the header", `<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId></AttachNetworkInterfaceResponse>`,
			http.Header{"X-Amzn-Requestid": {"hdr"}}, AttachNetworkInterfaceOutput{AttachmentID: "eni-attach-1", NetworkCardIndex: 2, RequestID: "hdr"}},
		{"self-closed card", `<AttachNetworkInterfaceResponse><requestId>r</requestId><attachmentId>eni-attach-1</attachmentId><networkCardIndex/></AttachNetworkInterfaceResponse>`,
			nil, AttachNetworkInterfaceOutput{AttachmentID: "eni-attach-1", NetworkCardIndex: 2, RequestID: "r"}},
		{"extra elements, a comment", `<a:AttachNetworkInterfaceResponse xmlns:a="x"><!-- c --><new><x>1</x></new><a:attachmentId> eni-attach-1 </a:attachmentId><networkCardIndex> 0 </networkCardIndex></a:AttachNetworkInterfaceResponse>`,
			nil, AttachNetworkInterfaceOutput{AttachmentID: "eni-attach-1", NetworkCardIndex: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRecordingServer(t, 200, []byte(tc.body), tc.header)
			out, err := clientFor(t, rs).AttachNetworkInterface(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *out); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
	for _, body := range []string{
		`<AttachNetworkInterfaceResponse><requestId>r</requestId></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId/></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId><networkCardIndex>-1</networkCardIndex></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId>eni-attach-1</attachmentId><networkCardIndex>one</networkCardIndex></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId><b>eni-attach-1</b></attachmentId></AttachNetworkInterfaceResponse>`,
		`<DetachNetworkInterfaceResponse><return>true</return></DetachNetworkInterfaceResponse>`,
	} {
		rs := newRecordingServer(t, 200, []byte(body), nil)
		out, err := clientFor(t, rs, func(o *Options) { o.MaxAttempts = 1 }).AttachNetworkInterface(context.Background(), in)
		var re *ResponseError
		if !errors.As(err, &re) || re.StatusCode != 200 || out != nil {
			t.Errorf("%s: got (%v, %v), want a *ResponseError", body, out, err)
		}
	}
}

// TestAttachFastPath keeps the attach's answer on the allocation-free
// path (two allocations: the strings it returns) and checks that it agrees
// with encoding/xml on the shapes it takes. Not parallel: AllocsPerRun
// counts the whole process.
func TestAttachFastPath(t *testing.T) {
	body := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AttachNetworkInterfaceResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n    <requestId>ace8cd1e-e685-4e44-90fb-92014d907212</requestId>\n    <attachmentId>eni-attach-0123456789abcdef0</attachmentId>\n    <networkCardIndex>0</networkCardIndex>\n</AttachNetworkInterfaceResponse>")
	var r attachResult
	if allocs := testing.AllocsPerRun(100, func() {
		if !fastAttachResult(body, &r) {
			t.Fatal("fast path declined")
		}
	}); allocs > 2 {
		t.Errorf("fastAttachResult allocates %.0f times, want 2", allocs)
	}
	for _, b := range []string{
		string(body),
		`<AttachNetworkInterfaceResponse><attachmentId>a&amp;b</attachmentId><networkCardIndex>7</networkCardIndex><requestId/></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId>x</attachmentId><attachmentId>y</attachmentId></AttachNetworkInterfaceResponse>`,
		`<AttachNetworkInterfaceResponse><attachmentId>x</attachmentId><networkCardIndex>99999999999</networkCardIndex></AttachNetworkInterfaceResponse>`,
	} {
		var fast, slow attachResult
		fastOK := fastAttachResult([]byte(b), &fast)
		slowErr := slow.DecodeXML([]byte(b), "AttachNetworkInterface")
		if fastOK && (slowErr != nil || fast != slow) {
			t.Errorf("%s: fast %+v, encoding/xml (%+v, %v)", b, fast, slow, slowErr)
		}
	}
}

// TestThrottledAttachIsPaced: an attach, mutating too, is paced the same
// way: throttled beyond MaxAttempts, it still goes through.
func TestThrottledAttachIsPaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Throttle(), 5)
	out, err := c.AttachNetworkInterface(context.Background(), attachSpare())
	if err != nil || out.AttachmentID == "" {
		t.Fatalf("attach after 5 throttles: (%v, %v), want it attached", out, err)
	}
	if n := len(srv.Requests()); n != 6 {
		t.Errorf("%d requests, want 6", n)
	}
}

// staleSlotClient returns a client whose describes lag by a minute, after
// the failover interface, attached at instance A device index 1 for an hour
// (attachment FailoverAttachment), was detached from there: for the next
// minute every describe still shows that earlier attachment at A:1.
func staleSlotClient(t *testing.T) (*Client, *ec2test.Server, *fakeClock) {
	t.Helper()
	c, srv, fc := newLagClient(t, time.Minute, 0, ec2test.WithDetachingDuration(0))
	fc.Sleep(context.Background(), time.Hour) // the seeded attachment is an hour old
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	fc.Sleep(context.Background(), time.Second)
	return c, srv, fc
}

// TestAttachLostResponseStaleEarlierAttachment: the interface goes back to
// the slot it held before; the attach's response is lost, the retry meets
// InUse, and the first looks still show the earlier attachment at that
// slot. That attachment is not the new one: its ID must not be returned.
func TestAttachLostResponseStaleEarlierAttachment(t *testing.T) {
	t.Parallel()
	c, srv, _ := staleSlotClient(t)
	srv.ResetRequests()
	srv.Inject(ec2test.TruncatedBody(), 1)
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 1}
	out, err := c.AttachNetworkInterface(context.Background(), in)
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if st.Attachment == nil || st.Attachment.AttachmentID == ec2test.FailoverAttachment {
		t.Fatalf("truth: %+v", st.Attachment)
	}
	switch {
	case err == nil && out.AttachmentID != st.Attachment.AttachmentID:
		t.Fatalf("AttachNetworkInterface = %s, the earlier attachment a stale describe showed; the attachment is %s", out.AttachmentID, st.Attachment.AttachmentID)
	case err != nil && !errors.Is(err, ErrInterfaceInUse):
		t.Fatalf("err = %v, want success with the new attachment or InUse", err)
	}
}

// TestAttachInUseStaleEarlierAttachmentElsewhere: the interface was taken
// to instance B meanwhile; our attach to its earlier slot (A:1) fails
// unprocessed, the retry meets InUse, and the stale looks show the earlier
// attachment at A:1. That is a guess, not a success: the interface is at B.
func TestAttachInUseStaleEarlierAttachmentElsewhere(t *testing.T) {
	t.Parallel()
	c, srv, _ := staleSlotClient(t)
	if _, err := c.AttachNetworkInterface(context.Background(), &AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.Inject(ec2test.InternalError(), 1) // not processed
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 1}
	out, err := c.AttachNetworkInterface(context.Background(), in)
	if !errors.Is(err, ErrInterfaceInUse) || out != nil {
		st, _ := srv.Interface(ec2test.FailoverInterface)
		t.Fatalf("AttachNetworkInterface = (%+v, %v), want InUse: the interface is at %s (requests %s)", out, err, st.Attachment.InstanceID, actions(srv))
	}
}

// TestResolveLookRefusesGuesses: one look of the lost-response resolution
// proves the attach only with one attachment at the asked slot, made since
// the attach was sent; an answer showing the interface two ways, an
// attachment without a time, or one older than the attach proves nothing.
func TestResolveLookRefusesGuesses(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 1}
	item := func(id, instance, status, at string) describeItem {
		it := describeItem{ID: "eni-1", Status: "in-use"}
		it.Attachment = &struct {
			ID               string `xml:"attachmentId"`
			Status           string `xml:"status"`
			InstanceID       string `xml:"instanceId"`
			DeviceIndex      int    `xml:"deviceIndex"`
			NetworkCardIndex int    `xml:"networkCardIndex"`
			AttachTime       string `xml:"attachTime"`
		}{ID: id, Status: status, InstanceID: instance, DeviceIndex: 1, AttachTime: at}
		return it
	}
	fresh, old := "2026-11-30T06:00:01.000Z", "2026-11-30T05:00:00.000Z"
	tests := []struct {
		name  string
		items []describeItem
		want  int
	}{
		{"made since sent", []describeItem{item("eni-attach-1", "i-1", "attached", fresh)}, lookAttachedHere},
		{"same second, truncated", []describeItem{item("eni-attach-1", "i-1", "attaching", "2026-11-30T05:59:59.000Z")}, lookAttachedHere},
		{"shown twice alike", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), item("eni-attach-1", "i-1", "attached", fresh)}, lookAttachedHere},
		{"earlier attachment at the slot", []describeItem{item("eni-attach-0", "i-1", "attached", old)}, lookUndecided},
		{"no attach time", []describeItem{item("eni-attach-1", "i-1", "attached", "")}, lookUndecided},
		{"bad attach time", []describeItem{item("eni-attach-1", "i-1", "attached", "yesterday")}, lookUndecided},
		{"two attachments", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), item("eni-attach-2", "i-2", "attached", fresh)}, lookUndecided},
		{"attached and not", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), {ID: "eni-1", Status: "available"}}, lookUndecided},
		{"another instance", []describeItem{item("eni-attach-1", "i-2", "attached", fresh)}, lookAttachedElsewhere},
		{"nothing", nil, lookUndecided},
	}
	for _, tc := range tests {
		out, got := resolveLook(tc.items, in, sent)
		if got != tc.want || (got == lookAttachedHere) != (out != nil) {
			t.Errorf("%s: verdict %d (%+v), want %d", tc.name, got, out, tc.want)
		}
	}
}
