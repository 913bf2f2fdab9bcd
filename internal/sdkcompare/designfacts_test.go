package sdkcompare

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach"
)

// TestRequestIDSpellings checks the design's claim that the SDK reads an
// error's request ID from <RequestID> but not from <RequestId> (which
// botocore accepts and STS sends), while enidetach reads both. No
// x-amzn-requestid header is sent, so only the body can give the ID.
func TestRequestIDSpellings(t *testing.T) {
	for _, tc := range []struct{ element, sdkWant string }{
		{"RequestID", "body-id"},
		{"RequestId", ""},
	} {
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>InvalidAttachmentID.NotFound</Code><Message>m</Message></Error></Errors><`+
				tc.element+`>body-id</`+tc.element+`></Response>`)
		}))
		s := &server{Server: ts}
		_, sdkErr := newSDK(s).DetachNetworkInterface(context.Background(), sdkInput(enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}))
		var re *awshttp.ResponseError
		if !errors.As(sdkErr, &re) {
			t.Fatalf("SDK error %T %v", sdkErr, sdkErr)
		}
		if re.ServiceRequestID() != tc.sdkWant {
			t.Errorf("<%s>: the SDK read request ID %q, the design says %q", tc.element, re.ServiceRequestID(), tc.sdkWant)
		}
		_, ourErr := newOurs(t, s).DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
		var ae *enidetach.APIError
		if !errors.As(ourErr, &ae) || ae.RequestID != "body-id" {
			t.Errorf("<%s>: enidetach read %v", tc.element, ourErr)
		}
		ts.Close()
	}
}

// TestNonXMLErrorBody checks the design's claim that the SDK turns an error
// body that is not XML into a bare UnknownError, where enidetach gives a
// *ResponseError with the status and the start of the body.
func TestNonXMLErrorBody(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<html><body>Request blocked by proxy</body></html>")
	}))
	defer ts.Close()
	s := &server{Server: ts}
	_, sdkErr := newSDK(s).DetachNetworkInterface(context.Background(), sdkInput(enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}))
	var ae smithy.APIError
	if !errors.As(sdkErr, &ae) || ae.ErrorCode() != "UnknownError" {
		t.Errorf("SDK error %v, the design says a bare UnknownError", sdkErr)
	}
	_, ourErr := newOurs(t, s).DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	var re *enidetach.ResponseError
	if !errors.As(ourErr, &re) || re.StatusCode != 403 || re.Snippet == "" {
		t.Errorf("enidetach error %v, want a *ResponseError with status and snippet", ourErr)
	}
}

// TestSuccessRequestID checks the design's claim that the SDK takes a
// success's request ID only from the x-amzn-requestid header, not from the
// body's <requestId>, which enidetach reads.
func TestSuccessRequestID(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, successBody) // <requestId> in the body, no header
	}))
	defer ts.Close()
	s := &server{Server: ts}
	out, err := newSDK(s).DetachNetworkInterface(context.Background(), sdkInput(enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata); id != "" {
		t.Errorf("the SDK read request ID %q from the body; the design says it reads only the header", id)
	}
	ours, err := newOurs(t, s).DetachNetworkInterface(context.Background(), &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
	if err != nil || ours.RequestID != "59dbff89-35bd-4eac-99ed-be587EXAMPLE" {
		t.Errorf("enidetach: %+v, %v", ours, err)
	}
}

// TestRetryDecisionsMatchSDK checks, for answers whose retry decision is
// not obvious, that enidetach makes as many attempts as the SDK's EC2
// client: a 429 whose code is not a throttling code (the SDK retries it
// because its EC2 errors are unmodeled), a 400 throttling code, a 400 that
// is not retried, and an HTML 502 from a proxy. Throttled answers (the
// first two) are retried by both; enidetach paces a throttled mutating
// call and retries it beyond MaxAttempts while the context allows (issue
// 19), so there it must make more attempts than the SDK within 1 s.
func TestRetryDecisionsMatchSDK(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		body     string
		throttle bool
	}{
		{"429 with another code", http.StatusTooManyRequests, `<Response><Errors><Error><Code>SomethingElse</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`, true},
		{"400 throttling code", http.StatusBadRequest, `<Response><Errors><Error><Code>EC2ThrottledException</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`, true},
		{"400 not retried", http.StatusBadRequest, `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`, false},
		{"502 from a proxy", http.StatusBadGateway, `<html><body>Bad gateway</body></html>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hits atomic.Int32
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				hits.Add(1)
				w.WriteHeader(tc.status)
				_, _ = io.WriteString(w, tc.body)
			}))
			defer ts.Close()
			s := &server{Server: ts}
			noBackoff := func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			}
			sdk := ec2.NewFromConfig(aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
				BaseEndpoint: aws.String(s.URL), Retryer: func() aws.Retryer { return retry.NewStandard(noBackoff) }})
			_, _ = sdk.DetachNetworkInterface(context.Background(), sdkInput(enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"}))
			sdkAttempts := hits.Swap(0)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_, _ = newOurs(t, s, func(o *enidetach.Options) { o.MaxBackoff = time.Nanosecond }).DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			switch ours := hits.Load(); {
			case tc.throttle && (sdkAttempts < 2 || ours <= sdkAttempts):
				t.Errorf("throttled: enidetach made %d attempts in 1 s, the SDK %d; want both to retry, enidetach beyond the SDK's", ours, sdkAttempts)
			case !tc.throttle && ours != sdkAttempts:
				t.Errorf("enidetach made %d attempts, the SDK %d", ours, sdkAttempts)
			}
		})
	}
}
