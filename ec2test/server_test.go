package ec2test_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/ec2lite/enidetach/ec2test"
)

// answer is a decoded response of the server.
type answer struct {
	status    int
	header    http.Header
	code      string
	requestID string
	body      string
}

// send signs a form with key at signTime (zero: now) and posts it.
func send(t *testing.T, srv *ec2test.Server, key ec2test.Key, form string, signTime time.Time, contentType string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	if contentType == "" {
		contentType = "application/x-www-form-urlencoded"
	}
	req.Header.Set("Content-Type", contentType)
	if signTime.IsZero() {
		signTime = time.Now()
	}
	if key.AccessKeyID != "" {
		sum := sha256.Sum256([]byte(form))
		creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey, SessionToken: key.SessionToken}
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "ec2", srv.Region(), signTime); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var doc struct {
		Code      string `xml:"Errors>Error>Code"`
		RequestID string `xml:"RequestID"`
		ReqID     string `xml:"requestId"`
	}
	_ = xml.Unmarshal(b, &doc)
	return answer{status: resp.StatusCode, header: resp.Header, code: doc.Code, requestID: doc.RequestID + doc.ReqID, body: string(b)}
}

var defaultKey = ec2test.Key{AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: ec2test.DefaultSecretAccessKey}

const detachForm = "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&Version=2016-11-15"

func TestSignatureChecks(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	srv := ec2test.NewServer(ec2test.WithClock(func() time.Time { return now }),
		ec2test.WithKeys(ec2test.Key{AccessKeyID: "ASIATOKEN", SecretAccessKey: "s", SessionToken: "tok"}))
	defer srv.Close()
	tests := []struct {
		name   string
		key    ec2test.Key
		at     time.Time
		status int
		code   string
	}{
		{"valid", defaultKey, now, 200, ""},
		{"valid at 14 minutes off", defaultKey, now.Add(14 * time.Minute), 200, ""},
		{"no Authorization", ec2test.Key{}, now, 401, "AuthFailure"},
		{"unknown access key", ec2test.Key{AccessKeyID: "AKIAUNKNOWN", SecretAccessKey: "x"}, now, 401, "AuthFailure"},
		{"wrong secret", ec2test.Key{AccessKeyID: ec2test.DefaultAccessKeyID, SecretAccessKey: "wrong"}, now, 403, "SignatureDoesNotMatch"},
		{"16 minutes late", defaultKey, now.Add(-16 * time.Minute), 400, "RequestExpired"},
		{"16 minutes early", defaultKey, now.Add(16 * time.Minute), 400, "RequestExpired"},
		{"missing session token", ec2test.Key{AccessKeyID: "ASIATOKEN", SecretAccessKey: "s"}, now, 401, "AuthFailure"},
		{"with session token", ec2test.Key{AccessKeyID: "ASIATOKEN", SecretAccessKey: "s", SessionToken: "tok"}, now, 400, "InvalidAttachmentID.NotFound"},
	}
	for _, tc := range tests {
		form := detachForm
		if tc.name == "with session token" {
			form = strings.Replace(form, "0123456789abcdef0", "0fffffffffffffff0", 1)
		} else if tc.status == 200 {
			form = "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&DryRun=true&Version=2016-11-15"
			tc.status, tc.code = 412, "DryRunOperation"
		}
		got := send(t, srv, tc.key, form, tc.at, "")
		if got.status != tc.status || got.code != tc.code {
			t.Errorf("%s: %d %s, want %d %s\n%s", tc.name, got.status, got.code, tc.status, tc.code, got.body)
		}
	}
}

func TestTamperedBodyFailsSignature(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/", strings.NewReader(detachForm))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(detachForm))
	_ = v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: defaultKey.AccessKeyID, SecretAccessKey: defaultKey.SecretAccessKey},
		req, hex.EncodeToString(sum[:]), "ec2", srv.Region(), time.Now())
	tampered := strings.Replace(detachForm, "0123456789abcdef0", "0123456789abcdef1", 1)
	req.Body = io.NopCloser(strings.NewReader(tampered))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("tampered body: status %d, want 403", resp.StatusCode)
	}
	if st, _ := srv.Interface("eni-0123456789abcdef0"); st.Detaches != 0 {
		t.Error("a request with a bad signature changed state")
	}
}

func TestFormChecks(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	tests := []struct {
		name, form string
		status     int
		code       string
	}{
		{"missing action", "AttachmentId=eni-attach-0123456789abcdef0&Version=2016-11-15", 400, "InvalidAction"},
		{"unknown action", "Action=RunInstances&Version=2016-11-15", 400, "InvalidAction"},
		{"missing version", "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0", 400, "MissingParameter"},
		{"wrong version", "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&Version=2014-01-01", 400, "NoSuchVersion"},
		{"missing attachment", "Action=DetachNetworkInterface&Version=2016-11-15", 400, "MissingParameter"},
		{"empty attachment", "Action=DetachNetworkInterface&AttachmentId=&Version=2016-11-15", 400, "MissingParameter"},
		{"unknown parameter", detachForm + "&Foo=bar", 400, "UnknownParameter"},
		{"bad DryRun", "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&DryRun=yes&Version=2016-11-15", 400, "InvalidParameterValue"},
		{"bad Force", "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&Force=1&Version=2016-11-15", 400, "InvalidParameterValue"},
		{"malformed ID", "Action=DetachNetworkInterface&AttachmentId=eni-attach-ZZZ&Version=2016-11-15", 400, "InvalidNetworkInterfaceAttachmentId.Malformed"},
		{"8-digit ID unknown", "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123abcd&Version=2016-11-15", 400, "InvalidAttachmentID.NotFound"},
		{"primary interface", "Action=DetachNetworkInterface&AttachmentId=eni-attach-00000000000000000&Version=2016-11-15", 400, "OperationNotPermitted"},
		{"bad escape", "Action=Detach%ZZ", 400, "MalformedQueryString"},
	}
	for _, tc := range tests {
		got := send(t, srv, defaultKey, tc.form, time.Time{}, "")
		if got.status != tc.status || got.code != tc.code || got.requestID == "" {
			t.Errorf("%s: %d %s (request id %q), want %d %s", tc.name, got.status, got.code, got.requestID, tc.status, tc.code)
		}
	}
}

func TestContentTypes(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	dry := "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&DryRun=true&Version=2016-11-15"
	for ct, want := range map[string]int{
		"application/x-www-form-urlencoded":                412, // Go SDK
		"application/x-www-form-urlencoded; charset=utf-8": 412, // botocore
		"application/json":                                 400,
	} {
		if got := send(t, srv, defaultKey, dry, time.Time{}, ct); got.status != want {
			t.Errorf("Content-Type %q: status %d, want %d", ct, got.status, want)
		}
	}
}

// TestResponseShape checks the headers and body EC2 sends.
func TestResponseShape(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	got := send(t, srv, defaultKey, detachForm, time.Time{}, "")
	if got.status != 200 || got.header.Get("Content-Type") != "text/xml;charset=UTF-8" || got.header.Get("X-Amzn-Requestid") != got.requestID {
		t.Errorf("answer = %+v", got)
	}
	if _, err := http.ParseTime(got.header.Get("Date")); err != nil {
		t.Errorf("Date header: %v", err)
	}
	want := `<DetachNetworkInterfaceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">`
	if !strings.Contains(got.body, want) || !strings.Contains(got.body, "<return>true</return>") {
		t.Errorf("body = %s", got.body)
	}
	errAns := send(t, srv, defaultKey, detachForm, time.Time{}, "")
	if !strings.HasPrefix(errAns.body, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Response><Errors><Error><Code>InvalidAttachmentID.NotFound</Code>") ||
		!strings.Contains(errAns.body, "<RequestID>"+errAns.header.Get("X-Amzn-Requestid")+"</RequestID>") {
		t.Errorf("error body = %s", errAns.body)
	}
}

func TestDetachingTakesTime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := ec2test.NewServer(ec2test.WithClock(clock), ec2test.WithDetachingDuration(30*time.Second))
	defer srv.Close()
	if got := send(t, srv, defaultKey, detachForm, now, ""); got.status != 200 {
		t.Fatalf("detach: %+v", got)
	}
	st, _ := srv.Interface("eni-0123456789abcdef0")
	if st.Status != "in-use" || st.Attachment.Status != "detaching" {
		t.Fatalf("right after detach: %+v", st)
	}
	if got := send(t, srv, defaultKey, detachForm, now, ""); got.code != "IncorrectState" {
		t.Errorf("detach while detaching: %s, want IncorrectState", got.code)
	}
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	st, _ = srv.Interface("eni-0123456789abcdef0")
	if st.Status != "available" || st.Attachment != nil || st.Detaches != 1 {
		t.Errorf("after the detaching time: %+v", st)
	}
	if got := send(t, srv, defaultKey, detachForm, now, ""); got.code != "InvalidAttachmentID.NotFound" {
		t.Errorf("detach after available: %s, want InvalidAttachmentID.NotFound", got.code)
	}
}

func TestFaultsAreUsedInOrder(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	srv.Inject(ec2test.Throttle(), 2)
	srv.Inject(ec2test.InternalError(), 1)
	dry := "Action=DetachNetworkInterface&AttachmentId=eni-attach-0123456789abcdef0&DryRun=true&Version=2016-11-15"
	var codes []string
	for i := 0; i < 4; i++ {
		codes = append(codes, send(t, srv, defaultKey, dry, time.Time{}, "").code)
	}
	if got := strings.Join(codes, ","); got != "RequestLimitExceeded,RequestLimitExceeded,InternalError,DryRunOperation" {
		t.Errorf("codes = %s", got)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 || reqs[0].Fault != "throttle" || reqs[3].Fault != "" || reqs[3].AccessKeyID != ec2test.DefaultAccessKeyID ||
		reqs[3].Params.Get("DryRun") != "true" || reqs[0].Action != "DetachNetworkInterface" || reqs[3].StatusCode != 412 {
		t.Errorf("records = %+v", reqs)
	}
	if v, _ := url.ParseQuery(dry); v.Get("Action") != reqs[1].Action {
		t.Errorf("fault record lacks the action: %+v", reqs[1])
	}
}
