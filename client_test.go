package enidetach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach/ec2test"
	"github.com/google/go-cmp/cmp"
)

func TestUserAgent(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, readTestdata(t, "success.xml"), nil)
	c := clientFor(t, rs, func(o *Options) { o.AppID = "failover-agent" })
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("enidetach/%s lang/go#%s md/GOOS#%s md/GOARCH#%s app/failover-agent",
		Version, strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH)
	if got := rs.captured()[0].Header.Get("User-Agent"); got != want {
		t.Errorf("User-Agent = %q, want %q", got, want)
	}
}

// describeOutput is a caller's own result type for Call.
type describeOutput struct {
	RequestID  string `xml:"requestId"`
	Interfaces []struct {
		ID     string `xml:"networkInterfaceId"`
		Status string `xml:"status"`
	} `xml:"networkInterfaceSet>item"`
}

func TestCallOtherAction(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	params := url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}
	var out describeOutput
	if err := c.Call(context.Background(), "DescribeNetworkInterfaces", params, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Interfaces) != 1 || out.Interfaces[0].ID != "eni-0123456789abcdef0" || out.Interfaces[0].Status != "in-use" || out.RequestID == "" {
		t.Errorf("output = %+v", out)
	}
	if diff := cmp.Diff(url.Values{"NetworkInterfaceId.1": {"eni-0123456789abcdef0"}}, params); diff != "" {
		t.Errorf("Call modified params:\n%s", diff)
	}
	if err := c.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil); err != nil {
		t.Errorf("nil params and nil out: %v", err)
	}
	reqs := srv.Requests()
	if got := reqs[0].Params.Get("Version"); got != "2016-11-15" {
		t.Errorf("Version = %q", got)
	}
}

func TestNewFromConfig(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-3"))
	defer srv.Close()
	cfg := aws.Config{
		Region:           "eu-west-3",
		Credentials:      srv.Credentials(),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 5,
		HTTPClient:       &http.Client{},
		AppID:            "sdk-user",
	}
	c := NewFromConfig(cfg)
	if c.initErr != nil {
		t.Fatal(c.initErr)
	}
	if c.engine.Settings().Retryer.MaxAttempts() != 5 || c.Region() != "eu-west-3" || !strings.HasSuffix(c.engine.Settings().UserAgent, "app/sdk-user") {
		t.Errorf("client = attempts %d region %s ua %s", c.engine.Settings().Retryer.MaxAttempts(), c.Region(), c.engine.Settings().UserAgent)
	}
	srv.Inject(ec2test.Throttle(), 4)
	c = NewFromConfig(cfg)
	setSleep(c, noSleep)
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"}); err != nil {
		t.Fatalf("with 5 attempts, 4 throttles then success: %v", err)
	}

	bad := NewFromConfig(aws.Config{Region: "bad region", Credentials: srv.Credentials()})
	_, err := bad.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "Options.Region" {
		t.Errorf("bad config: %v, want the *ValidationError at every call", err)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestNoSecretInPrintedValues checks %+v of the exported types that hold
// configuration or errors.
func TestNoSecretInPrintedValues(t *testing.T) {
	t.Parallel()
	c, _ := newTestClient(t, nil, func(o *Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider("AKIDPRINT", "print-secret-value", "print-session-token")
	})
	leaky := Options{Region: "us-east-1", BaseEndpoint: "https://user:print-secret-value@ec2.example.com",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT", "print-secret-value", "print-session-token")}
	for _, v := range []any{c, leaky, &leaky} {
		s := fmt.Sprintf("%+v %#v", v, v)
		if strings.Contains(s, "print-secret-value") || strings.Contains(s, "print-session-token") {
			t.Errorf("%T prints a secret", v)
		}
	}
}

func TestMisusedClientAndOut(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<DescribeNetworkInterfacesResponse/>`), nil)
	c := clientFor(t, rs)
	var notPointer struct{}
	var nilPointer *describeOutput
	for _, out := range []any{notPointer, nilPointer, "string"} {
		var ve *ValidationError
		if err := c.Call(context.Background(), "DescribeNetworkInterfaces", nil, out); !errors.As(err, &ve) || ve.Field != "out" {
			t.Errorf("out %T: %v, want a *ValidationError", out, err)
		}
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	for _, bad := range []*Client{nil, {}} {
		_, err := bad.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "Client" {
			t.Errorf("client %v: %v, want a *ValidationError", bad, err)
		}
	}
}

// doFunc adapts a function to HTTPClient.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// TestErrorsNameTheOperation: every error a call returns says which action
// failed, in the SDK's shape, and errors.As still reaches the error inside.
func TestErrorsNameTheOperation(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	srv.Inject(ec2test.Unavailable(), 3)
	_, retryErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	_, apiErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-00000000000000000"})
	_, validationErr := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{})
	var nilClient *Client
	callErr := nilClient.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil)
	_, nilWaitErr := nilClient.WaitUntilDetached(context.Background(), secondary)
	_, nilDetachWaitErr := nilClient.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	_, nilLookupErr := nilClient.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0123456789abcdef0"})
	_, dryWaitErr := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary, DryRun: true})
	broken := newTestClientWith(t, doFunc(func(*http.Request) (*http.Response, error) { return nil, errors.New("refused") }))
	transportErr := broken.Call(context.Background(), "DescribeNetworkInterfaces", nil, nil)

	for _, tc := range []struct {
		err       error
		operation string
		inner     any
	}{
		{retryErr, "DetachNetworkInterface", new(*RetryError)},
		{apiErr, "DetachNetworkInterface", new(*APIError)},
		{validationErr, "DetachNetworkInterface", new(*ValidationError)},
		{callErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{nilWaitErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{nilDetachWaitErr, "DetachNetworkInterface", new(*ValidationError)},
		{nilLookupErr, "DescribeNetworkInterfaces", new(*ValidationError)},
		{dryWaitErr, "DetachNetworkInterface", new(*ValidationError)},
		{transportErr, "DescribeNetworkInterfaces", new(*TransportError)},
	} {
		var oe *smithy.OperationError
		if !errors.As(tc.err, &oe) || oe.ServiceID != "EC2" || oe.OperationName != tc.operation {
			t.Errorf("error %v does not name EC2 %s", tc.err, tc.operation)
			continue
		}
		if !strings.HasPrefix(tc.err.Error(), "operation error EC2: "+tc.operation+", ") {
			t.Errorf("error text %q", tc.err)
		}
		if !errors.As(tc.err, tc.inner) {
			t.Errorf("error %v: errors.As to %T fails", tc.err, tc.inner)
		}
	}
}

// newTestClientWith returns a client whose requests go through hc.
func newTestClientWith(t *testing.T, hc HTTPClient) *Client {
	t.Helper()
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: "http://127.0.0.1:9/", MaxAttempts: 1,
		Credentials: staticCreds("AKID", "secret"), HTTPClient: hc}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVersionIsChangelogsTopRelease: the Version constant (sent in the
// User-Agent and printed by the command's -version) names the top release of
// CHANGELOG.md, whose headings are plain text: no release is tagged yet, so a
// link to a tag or a compare view would not resolve.
func TestVersionIsChangelogsTopRelease(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	top := ""
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "## "); ok {
			top, _, _ = strings.Cut(rest, " ")
			break
		}
	}
	if top != Version {
		t.Errorf("CHANGELOG.md's top release is %q, Version is %q", top, Version)
	}
	for _, dead := range []string{"/compare/", "/releases/tag/", "[Unreleased]"} {
		if strings.Contains(string(b), dead) {
			t.Errorf("CHANGELOG.md links %q, which does not resolve before a release is tagged", dead)
		}
	}
}

// TestAccessorsOfAClientThatCannotSend: Region and Endpoint of a client
// NewFromConfig could not configure, of a zero and of a nil *Client, are
// empty; they panicked (a nil engine).
func TestAccessorsOfAClientThatCannotSend(t *testing.T) {
	t.Parallel()
	var nilClient *Client
	for name, c := range map[string]*Client{
		"NewFromConfig(aws.Config{})": NewFromConfig(aws.Config{}),
		"zero":                        {},
		"nil":                         nilClient,
	} {
		if r, e := c.Region(), c.Endpoint(); r != "" || e != "" {
			t.Errorf("%s: Region %q, Endpoint %q; want both empty", name, r, e)
		}
	}
	if _, err := NewFromConfig(aws.Config{}).DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err == nil {
		t.Error("a client without a region sent a call")
	}
}

// TestEC2MutatingActions: the root tells the engine EC2's rule of which
// actions are mutating (paced after a throttle): all but Describe*, Get*,
// List* and Search*.
func TestEC2MutatingActions(t *testing.T) {
	t.Parallel()
	for action, want := range map[string]bool{
		"DescribeNetworkInterfaces": false, "GetConsoleOutput": false, "ListImagesInRecycleBin": false,
		"SearchTransitGatewayRoutes": false, "DetachNetworkInterface": true, "AttachNetworkInterface": true,
	} {
		if got := mutating(action); got != want {
			t.Errorf("mutating(%s) = %t, want %t", action, got, want)
		}
	}
}
