package enidetach

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/google/go-cmp/cmp"
)

func TestDetachNetworkInterfaceDetachesSecondaryInterface(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	if err != nil {
		t.Fatalf("DetachNetworkInterface: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	if !out.Return || out.RequestID == "" {
		t.Errorf("output = %+v, want Return true and a request ID", out)
	}
	st, _ := srv.Interface("eni-0123456789abcdef0")
	if st.Status != "available" || st.Attachment != nil || st.Detaches != 1 || st.ForcedDetaches != 0 {
		t.Errorf("interface after detach = %+v, want available, detached once, not forced", st)
	}
}

func TestDetachNetworkInterfaceSendsForce(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", Force: true}); err != nil {
		t.Fatal(err)
	}
	st, _ := srv.Interface("eni-0123456789abcdef0")
	if st.ForcedDetaches != 1 {
		t.Errorf("ForcedDetaches = %d, want 1", st.ForcedDetaches)
	}
}

// TestDetachNetworkInterfaceServiceErrors drives every error state of the
// fake and checks the typed error a caller branches on.
func TestDetachNetworkInterfaceServiceErrors(t *testing.T) {
	t.Parallel()
	const denied = "AKIADENIEDEXAMPLE001"
	tests := []struct {
		name       string
		in         DetachNetworkInterfaceInput
		key        string
		prepare    func(*Client, *ec2test.Server)
		sentinel   error
		code       string
		status     int
		fault      smithy.ErrorFault
		msgContain string
	}{
		{name: "permitted dry run", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true},
			sentinel: ErrDryRunOperation, code: "DryRunOperation", status: 412, fault: smithy.FaultClient},
		{name: "denied dry run", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0", DryRun: true}, key: denied,
			sentinel: ErrUnauthorizedOperation, code: "UnauthorizedOperation", status: 403, fault: smithy.FaultClient},
		{name: "denied real call", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}, key: denied,
			sentinel: ErrUnauthorizedOperation, code: "UnauthorizedOperation", status: 403, fault: smithy.FaultClient},
		{name: "unknown attachment", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0"},
			sentinel: ErrAttachmentNotFound, code: "InvalidAttachmentID.NotFound", status: 400, fault: smithy.FaultClient, msgContain: "does not exist"},
		{name: "dry run is answered before the lookup", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0fffffffffffffff0", DryRun: true},
			sentinel: ErrDryRunOperation, code: "DryRunOperation", status: 412, fault: smithy.FaultClient},
		{name: "malformed attachment ID", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-xyz"},
			code: "InvalidNetworkInterfaceAttachmentId.Malformed", status: 400, fault: smithy.FaultClient},
		{name: "primary interface", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-00000000000000000"},
			code: "OperationNotPermitted", status: 400, fault: smithy.FaultClient, msgContain: "device index 0 and networkCard index 0 cannot be detached"},
		{name: "detached twice", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"},
			prepare: func(c *Client, _ *ec2test.Server) {
				_, _ = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
			},
			sentinel: ErrAttachmentNotFound, code: "InvalidAttachmentID.NotFound", status: 400, fault: smithy.FaultClient},
		{name: "throttled beyond retries", in: DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"},
			prepare: func(c *Client, s *ec2test.Server) {
				c.engine.SetBeyondRetryer(false) // throttles end at MaxAttempts, as with a caller's Retryer
				s.Inject(ec2test.Throttle(), 3)
			},
			sentinel: ErrRequestLimitExceeded, code: "RequestLimitExceeded", status: 503, fault: smithy.FaultServer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv := newTestClient(t, []ec2test.Option{ec2test.WithKeys(ec2test.Key{AccessKeyID: denied, SecretAccessKey: "denied-secret", Denied: true})})
			if tc.key != "" {
				var err error
				c, err = newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL,
					Credentials: staticCreds(tc.key, "denied-secret")}, testEnv(t))
				if err != nil {
					t.Fatal(err)
				}
				setSleep(c, noSleep)
			}
			if tc.prepare != nil {
				tc.prepare(c, srv)
			}
			in := tc.in
			_, err := c.DetachNetworkInterface(context.Background(), &in)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error = %v (%T), want an *APIError", err, err)
			}
			if ae.Code != tc.code || ae.StatusCode != tc.status || ae.RequestID == "" {
				t.Errorf("APIError = %+v, want code %s, status %d and a request ID", ae, tc.code, tc.status)
			}
			if tc.sentinel != nil && !errors.Is(err, tc.sentinel) {
				t.Errorf("errors.Is(err, %v) = false", tc.sentinel)
			}
			var sa smithy.APIError
			if !errors.As(err, &sa) || sa.ErrorCode() != tc.code || sa.ErrorFault() != tc.fault {
				t.Errorf("as smithy.APIError: %v, want code %s fault %v", sa, tc.code, tc.fault)
			}
			if !strings.Contains(ae.Message, tc.msgContain) {
				t.Errorf("message %q does not contain %q", ae.Message, tc.msgContain)
			}
		})
	}
}

func TestDetachNetworkInterfaceIncorrectStateWhileDetaching(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithDetachingDuration(time.Hour)})
	in := &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}
	if _, err := c.DetachNetworkInterface(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.Interface("eni-0123456789abcdef0"); st.Attachment == nil || st.Attachment.Status != "detaching" || st.Status != "in-use" {
		t.Fatalf("interface = %+v, want in-use and detaching", st)
	}
	_, err := c.DetachNetworkInterface(context.Background(), in)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != "IncorrectState" {
		t.Fatalf("second detach: %v, want IncorrectState", err)
	}
}

// TestDetachNetworkInterfaceBadInput checks that bad input is refused
// locally, with a *ValidationError, before any request.
func TestDetachNetworkInterfaceBadInput(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, readTestdata(t, "success.xml"), nil)
	c := clientFor(t, rs)
	tests := []struct {
		name  string
		ctx   context.Context
		in    *DetachNetworkInterfaceInput
		field string
	}{
		{"nil input", context.Background(), nil, "input"},
		{"empty attachment ID", context.Background(), &DetachNetworkInterfaceInput{}, "AttachmentID"},
		{"attachment ID over 255 bytes", context.Background(), &DetachNetworkInterfaceInput{AttachmentID: strings.Repeat("a", 256)}, "AttachmentID"},
		{"nil context", nil, &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}, "ctx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.DetachNetworkInterface(tc.ctx, tc.in) //nolint:staticcheck // a nil context is the point
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field || out != nil {
				t.Fatalf("got (%v, %v), want a *ValidationError for %s", out, err, tc.field)
			}
		})
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests were sent, want none", n)
	}
}

// TestDetachNetworkInterfaceRequestBody pins the exact form body for inputs
// with characters that need escaping; internal/sdkcompare checks the same
// inputs against the SDK's own bytes.
func TestDetachNetworkInterfaceRequestBody(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, readTestdata(t, "success.xml"), nil)
	c := clientFor(t, rs)
	tests := []struct {
		in   DetachNetworkInterfaceInput
		body string
	}{
		{DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"},
			"Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1", DryRun: true},
			"Action=DetachNetworkInterface&AttachmentId=eni-attach-1&DryRun=true&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1", Force: true},
			"Action=DetachNetworkInterface&AttachmentId=eni-attach-1&Force=true&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1", DryRun: true, Force: true},
			"Action=DetachNetworkInterface&AttachmentId=eni-attach-1&DryRun=true&Force=true&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a b"}, "Action=DetachNetworkInterface&AttachmentId=a+b&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a+b"}, "Action=DetachNetworkInterface&AttachmentId=a%2Bb&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a/b"}, "Action=DetachNetworkInterface&AttachmentId=a%2Fb&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a*b"}, "Action=DetachNetworkInterface&AttachmentId=a%2Ab&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a~b"}, "Action=DetachNetworkInterface&AttachmentId=a~b&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "a&b=c"}, "Action=DetachNetworkInterface&AttachmentId=a%26b%3Dc&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "100%"}, "Action=DetachNetworkInterface&AttachmentId=100%25&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "é-ü"}, "Action=DetachNetworkInterface&AttachmentId=%C3%A9-%C3%BC&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "日本"}, "Action=DetachNetworkInterface&AttachmentId=%E6%97%A5%E6%9C%AC&Version=2016-11-15"},
		{DetachNetworkInterfaceInput{AttachmentID: "-_.!'()"}, "Action=DetachNetworkInterface&AttachmentId=-_.%21%27%28%29&Version=2016-11-15"},
	}
	for _, tc := range tests {
		in := tc.in
		if _, err := c.DetachNetworkInterface(context.Background(), &in); err != nil {
			t.Fatalf("%q: %v", in.AttachmentID, err)
		}
	}
	got := rs.captured()
	if len(got) != len(tests) {
		t.Fatalf("captured %d requests, want %d", len(got), len(tests))
	}
	for i, tc := range tests {
		r := got[i]
		if r.Method != http.MethodPost || r.Path != "/" || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("%q: %s %s Content-Type %q, want POST / application/x-www-form-urlencoded", tc.in.AttachmentID, r.Method, r.Path, r.Header.Get("Content-Type"))
		}
		if diff := cmp.Diff(tc.body, r.Body); diff != "" {
			t.Errorf("%q: body mismatch (-want +got):\n%s", tc.in.AttachmentID, diff)
		}
		if r.Header.Get("X-Amz-Content-Sha256") != "" {
			t.Errorf("X-Amz-Content-Sha256 sent; EC2 requests carry none")
		}
	}
}

func TestDetachNetworkInterfaceDecodesResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		header http.Header
		want   DetachNetworkInterfaceOutput
	}{
		{"success.xml", nil, DetachNetworkInterfaceOutput{Return: true, RequestID: "59dbff89-35bd-4eac-99ed-be587EXAMPLE"}},
		{"success_no_return.xml", nil, DetachNetworkInterfaceOutput{Return: true, RequestID: "moto-7a62c49f"}},
		{"success_self_closed.xml", http.Header{"X-Amzn-Requestid": {"from-header"}}, DetachNetworkInterfaceOutput{Return: true, RequestID: "from-header"}},
		{"success_extra_elements.xml", nil, DetachNetworkInterfaceOutput{Return: false, RequestID: "req-1"}},
		{"success_return_1.xml", nil, DetachNetworkInterfaceOutput{Return: true, RequestID: "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			rs := newRecordingServer(t, 200, readTestdata(t, tc.file), tc.header)
			out, err := clientFor(t, rs).DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *out); diff != "" {
				t.Errorf("output mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestThrottledMutatingCallsArePaced: with default options, a detach
// throttled far beyond MaxAttempts and beyond what the retry quota would
// pay for is retried until it goes through, and the quota is still whole
// afterwards for the errors it guards against.
func TestThrottledMutatingCallsArePaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	// 150 throttled retries at 5 quota tokens each would be 750 of the 500.
	srv.Inject(ec2test.Throttle(), 150)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Fatalf("error = %v, want the dry run's answer after 150 throttles", err)
	}
	if n := len(srv.Requests()); n != 151 {
		t.Errorf("%d requests, want 151", n)
	}
	// The quota paid for none of them: a 503 Unavailable is retried.
	srv.Inject(ec2test.Unavailable(), 1)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Errorf("after the throttling, a 503 Unavailable: error = %v, want it retried to the dry run's answer", err)
	}
}

// TestPacingBounds: what still ends a throttled call, and what is not paced.
func TestPacingBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     func(*Options)
		call     func(context.Context, *Client) error
		ctx      func() (context.Context, context.CancelFunc)
		attempts int // requests made, 0: not checked
		reason   string
	}{
		{name: "a caller's Retryer decides: MaxAttempts ends it",
			opts:     func(o *Options) { o.Retryer = retry.NewStandard() },
			attempts: 3, reason: query.ReasonMaxAttempts},
		{name: "MaxAttempts 1 disables every retry",
			opts:     func(o *Options) { o.MaxAttempts = 1 },
			attempts: 1, reason: query.ReasonMaxAttempts},
		{name: "non-mutating actions are not paced beyond MaxAttempts",
			call: func(ctx context.Context, c *Client) error {
				return c.Call(ctx, "DescribeNetworkInterfaces", url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}, nil)
			},
			attempts: 3, reason: query.ReasonMaxAttempts},
		{name: "the context ends it",
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 300*time.Millisecond)
			},
			reason: query.ReasonContextEnded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := []func(*Options){}
			if tc.opts != nil {
				opts = append(opts, tc.opts)
			}
			c, srv := newTestClient(t, nil, opts...)
			srv.Inject(ec2test.Throttle(), 1<<20)
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
				setSleep(c, query.SleepContext) // real waits, ended by the context
			}
			defer cancel()
			call := tc.call
			if call == nil {
				call = func(ctx context.Context, c *Client) error {
					_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment})
					return err
				}
			}
			err := call(ctx, c)
			var re *RetryError
			if !errors.As(err, &re) || re.Reason != tc.reason || !errors.Is(err, ErrRequestLimitExceeded) {
				t.Fatalf("error = %v, want a RetryError (%s) with RequestLimitExceeded", err, tc.reason)
			}
			if n := len(srv.Requests()); tc.attempts > 0 && n != tc.attempts {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
		})
	}
}

// TestPacedWithoutDeadline: a call whose context has no deadline stops
// retrying throttles after 5*time.Minute, on the client's clock.
func TestPacedWithoutDeadline(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := fixedTime
	clock := func() time.Time { // a minute passes at each look, for client and server alike
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Minute)
		return now
	}
	c, srv := newTestClient(t, []ec2test.Option{ec2test.WithClock(clock)}, func(o *Options) { o.Clock = clock })
	srv.Inject(ec2test.Throttle(), 1<<20)
	_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment})
	var re *RetryError
	if !errors.As(err, &re) || re.Reason != query.ReasonMaxAttempts || !errors.Is(err, ErrRequestLimitExceeded) {
		t.Fatalf("error = %v, want a RetryError (%s) with RequestLimitExceeded", err, query.ReasonMaxAttempts)
	}
	if n := len(srv.Requests()); n < 2 || n > 10 {
		t.Errorf("%d requests in %s of throttling at a minute a look, want a few", n, 5*time.Minute)
	}
}

// TestBurstOnSharedClientPaced: 100 concurrent dry-run detaches on one
// client meet 300 throttled answers; every call gets the service's real
// answer.
func TestBurstOnSharedClientPaced(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Throttle(), 300)
	var wg sync.WaitGroup
	errs := make([]error, 100)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrDryRunOperation) {
			t.Errorf("call %d: error = %v, want the dry run's answer", i, err)
		}
	}
	if n := len(srv.Requests()); n != 400 {
		t.Errorf("%d requests, want 400 (300 throttled, 100 answered)", n)
	}
}

const pacedAttachment = "eni-attach-0123456789abcdef0"

// recordSleeps makes c record its waits instead of waiting them.
func recordSleeps(c *Client) func() []time.Duration {
	var mu sync.Mutex
	var slept []time.Duration
	setSleep(c, func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		defer mu.Unlock()
		slept = append(slept, d)
		return ctx.Err()
	})
	return func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Duration(nil), slept...)
	}
}

// TestThrottledCallWithoutEvidenceBacksOff: a client with one call, such
// as each agent's in a zone failure, has no evidence of the account's
// rate: its call's first throttle draws a random backoff below 12 s, each
// later one below 48 s (here u = 0.5: 6 s, then 24 s), an
// x-amz-retry-after (9 s) lengthens one, and nothing else spaces its
// attempts.
func TestThrottledCallWithoutEvidenceBacksOff(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	slept := recordSleeps(c)
	setUniform(c, func() float64 { return 0.5 })
	srv.Inject(ec2test.Throttle().WithHeader("X-Amz-Retry-After", "9000"), 1)
	srv.Inject(ec2test.Throttle(), 5)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: pacedAttachment, DryRun: true}); !errors.Is(err, ErrDryRunOperation) {
		t.Fatalf("error = %v, want the dry run's answer after 6 throttles", err)
	}
	want := []time.Duration{9 * time.Second, 24 * time.Second, 24 * time.Second, 24 * time.Second, 24 * time.Second, 24 * time.Second}
	if got := slept(); !slices.Equal(got, want) {
		t.Errorf("waits %v, want %v", got, want)
	}
}
