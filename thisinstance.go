package enidetach

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/ec2lite/enidetach/internal/config"
	"github.com/ec2lite/enidetach/internal/redact"
)

// DefaultInstanceMetadataTimeout bounds ThisInstance and
// RegionFromInstanceMetadata when their context has no deadline. On EC2
// the service answers within milliseconds; off EC2 its address
// (169.254.169.254) usually swallows packets, and each attempt gives up
// after the SDK's 250 ms dial timeout, so the answer "not on EC2" comes
// within a few seconds rather than never.
const DefaultInstanceMetadataTimeout = 5 * time.Second

// maxInstanceMetadataAnswer bounds every answer read from the instance
// metadata service: a token is 56 bytes, an identity document under 1 KiB.
const maxInstanceMetadataAnswer = 64 << 10

// The service's default endpoints, as the SDK's.
const (
	imdsIPv4Endpoint = "http://169.254.169.254"
	imdsIPv6Endpoint = "http://[fd00:ec2::254]"
)

// InstanceIdentity is the EC2 instance this program runs on, as its
// instance metadata service describes it.
type InstanceIdentity struct {
	// InstanceID is the instance's ID, such as i-0123456789abcdef0.
	InstanceID string
	// AvailabilityZone is the instance's zone, such as us-east-1a: an
	// interface attaches only to an instance in its own zone.
	AvailabilityZone string
	// Region is the instance's Region, such as us-east-1.
	Region string
}

// InstanceMetadataError is a failure to learn this instance's identity
// from the instance metadata service: disabled, not answering (not on
// EC2), refusing, or answering what is not an identity. It never quotes
// what the service answered: its fields are the endpoint asked, a status
// and this package's own words.
type InstanceMetadataError struct {
	// Endpoint is the service's endpoint (user information redacted), or
	// "" when none was asked.
	Endpoint string
	// StatusCode is the HTTP status of the service's last answer, 0 when
	// none arrived or the answer was a success that could not be used.
	StatusCode int
	// Reason says what went wrong.
	Reason string
	// Err is the cause when there is one to match: the context's error
	// (context.DeadlineExceeded also for DefaultInstanceMetadataTimeout) or
	// a network error (*net.OpError, *net.DNSError); else nil.
	Err error
}

// Error describes the failure.
func (e *InstanceMetadataError) Error() string {
	s := "enidetach: instance metadata"
	if e.Endpoint != "" {
		s += " at " + e.Endpoint
	}
	s += ": " + e.Reason
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns Err.
func (e *InstanceMetadataError) Unwrap() error { return e.Err }

// ThisInstance asks the instance metadata service (IMDSv2) which EC2
// instance this program runs on: its ID, zone and Region, for "move it to
// me". It reads the instance identity document (the one the SDK's
// GetRegion reads) through the SDK's feature/ec2/imds client: a session
// token first, and no fallback to IMDSv1 without one. Like the SDK it
// honours AWS_EC2_METADATA_DISABLED=true (nothing is sent),
// AWS_EC2_METADATA_SERVICE_ENDPOINT and
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6.
//
// ctx bounds it, retries included; without a deadline,
// DefaultInstanceMetadataTimeout does. Every failure is an
// *InstanceMetadataError: off EC2, one saying no service answered in time.
func ThisInstance(ctx context.Context) (*InstanceIdentity, error) {
	if ctx == nil {
		return nil, &ValidationError{Field: "ctx", Reason: "is nil"}
	}
	return thisInstance(ctx, config.OS{}, DefaultInstanceMetadataTimeout)
}

// thisInstance is ThisInstance with the environment and default deadline
// given.
func thisInstance(ctx context.Context, env config.Env, timeout time.Duration) (*InstanceIdentity, error) {
	id, err := readIdentity(ctx, env, timeout)
	if err != nil {
		return nil, err
	}
	if !validInstanceID(id.InstanceID) {
		return nil, unusableIdentity(id, "the identity document's instanceId is not an instance ID")
	}
	if !config.ValidRegion(id.AvailabilityZone) || !strings.HasPrefix(id.AvailabilityZone, id.Region) || id.AvailabilityZone == id.Region {
		return nil, unusableIdentity(id, "the identity document's availabilityZone is not a zone of its region")
	}
	return &InstanceIdentity{InstanceID: id.InstanceID, AvailabilityZone: id.AvailabilityZone, Region: id.Region}, nil
}

// RegionFromInstanceMetadata asks the instance metadata service (IMDSv2)
// for the Region of the instance this runs on, for agents that would
// otherwise need it configured. It reads what ThisInstance reads, honours
// the same variables, is bounded the same way (ctx, or
// DefaultInstanceMetadataTimeout without a deadline) and fails with an
// *InstanceMetadataError.
func RegionFromInstanceMetadata(ctx context.Context) (string, error) {
	if ctx == nil {
		return "", &ValidationError{Field: "ctx", Reason: "is nil"}
	}
	id, err := readIdentity(ctx, config.OS{}, DefaultInstanceMetadataTimeout)
	if err != nil {
		return "", err
	}
	return id.Region, nil
}

// identity is what readIdentity learnt, and where.
type identity struct {
	endpoint                             string
	InstanceID, AvailabilityZone, Region string
}

// unusableIdentity is the error for a document whose field does not hold
// what it names.
func unusableIdentity(id identity, reason string) error {
	return &InstanceMetadataError{Endpoint: id.endpoint, Reason: reason}
}

// readIdentity reads the instance identity document of the service env
// configures, bounded by ctx or, without a deadline, by timeout. Its region
// is checked; the rest is the caller's to check.
func readIdentity(ctx context.Context, env config.Env, timeout time.Duration) (identity, error) {
	endpoint, err := imdsEndpoint(env)
	if err != nil {
		return identity{}, err
	}
	id := identity{endpoint: redact.URL(endpoint)}
	if strings.EqualFold(env.Get("AWS_EC2_METADATA_DISABLED"), "true") {
		return id, &InstanceMetadataError{Reason: "disabled by AWS_EC2_METADATA_DISABLED; nothing was asked"}
	}
	opCtx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		opCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	rec := &imdsRecorder{next: imdsHTTPClient()}
	opts := config.IMDSOptions(env)
	opts.Endpoint, opts.HTTPClient, opts.EnableFallback = endpoint, rec, aws.FalseTernary
	opts.ClientEnableState = imds.ClientEnabled // env said so above; the SDK would read os.Getenv again
	out, err := imds.New(opts).GetDynamicData(opCtx, &imds.GetDynamicDataInput{Path: "instance-identity/document"})
	if err != nil {
		return id, rec.failure(ctx, opCtx, id.endpoint, timeout)
	}
	body, err := io.ReadAll(out.Content)
	out.Content.Close()
	if err != nil {
		return id, rec.failure(ctx, opCtx, id.endpoint, timeout)
	}
	var doc struct {
		InstanceID       string `json:"instanceId"`
		AvailabilityZone string `json:"availabilityZone"`
		Region           string `json:"region"`
	}
	if json.Unmarshal(body, &doc) != nil {
		return id, unusableIdentity(id, "the instance identity document is not the JSON of one")
	}
	id.InstanceID, id.AvailabilityZone, id.Region = doc.InstanceID, doc.AvailabilityZone, doc.Region
	if !config.ValidRegion(id.Region) {
		return id, unusableIdentity(id, "the identity document's region is not a Region name")
	}
	return id, nil
}

// imdsEndpoint returns the endpoint env configures, as the SDK resolves
// it: AWS_EC2_METADATA_SERVICE_ENDPOINT, else the default of
// AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE. One that is not an http or https
// URL with a host is refused here, where the SDK would fail on sending.
func imdsEndpoint(env config.Env) (string, error) {
	raw := env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT")
	if raw == "" {
		if strings.EqualFold(env.Get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"), "IPv6") {
			return imdsIPv6Endpoint, nil
		}
		return imdsIPv4Endpoint, nil
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", &InstanceMetadataError{Endpoint: redact.URL(raw), Reason: "AWS_EC2_METADATA_SERVICE_ENDPOINT is not an http or https URL; nothing was asked"}
	}
	return raw, nil
}

// imdsHTTPClient is the SDK's default client for the service, with its
// timeouts (which it sets only on a client it builds itself): 250 ms to
// connect, 500 ms to the answer's headers.
func imdsHTTPClient() imds.HTTPClient {
	return awshttp.NewBuildableClient().
		WithDialerOptions(func(d *net.Dialer) { d.Timeout = 250 * time.Millisecond }).
		WithTransportOptions(func(tr *http.Transport) { tr.ResponseHeaderTimeout = 500 * time.Millisecond })
}

// validInstanceID reports whether id is i- and 8 or 17 lower-case hex
// digits, as EC2's instance IDs are.
func validInstanceID(id string) bool {
	hex, ok := strings.CutPrefix(id, "i-")
	if !ok || (len(hex) != 8 && len(hex) != 17) {
		return false
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// imdsRecorder is the SDK client's HTTPClient for one ThisInstance: it
// bounds each answer's body and keeps the facts of the last exchange, so
// that a failure is described from them and never from the SDK's error
// message, which may quote what the service answered (and whose token
// errors hide their cause).
type imdsRecorder struct {
	next imds.HTTPClient

	mu       sync.Mutex
	token    bool  // the last request was the token PUT
	status   int   // its answer's status, 0 when none arrived
	netErr   error // its network failure: *net.OpError or *net.DNSError
	tooLarge bool  // an answer exceeded maxInstanceMetadataAnswer
}

// Do implements imds.HTTPClient.
func (r *imdsRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.next.Do(req)
	var opErr *net.OpError
	var dnsErr *net.DNSError
	r.mu.Lock()
	defer r.mu.Unlock()
	r.token, r.status, r.netErr = req.Method == http.MethodPut, 0, nil
	switch {
	case err == nil:
		r.status = resp.StatusCode
		resp.Body = &boundedBody{ReadCloser: resp.Body, left: maxInstanceMetadataAnswer, over: r.over}
	case errors.As(err, &opErr):
		r.netErr = opErr
	case errors.As(err, &dnsErr):
		r.netErr = dnsErr
	}
	return resp, err
}

func (r *imdsRecorder) over() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tooLarge = true
}

// errInstanceMetadataTooLarge ends the read of an answer over the bound.
var errInstanceMetadataTooLarge = errors.New("answer too large")

// boundedBody reads at most left bytes, then fails.
type boundedBody struct {
	io.ReadCloser
	left int64
	over func()
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1] // one byte more tells a body of exactly the bound from a longer one
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		b.over()
		return 0, errInstanceMetadataTooLarge
	}
	b.left -= int64(n)
	return n, err
}

// failure describes why the exchange failed, from the recorded facts:
// ctx is the caller's, opCtx the one bounded by timeout.
func (r *imdsRecorder) failure(ctx, opCtx context.Context, endpoint string, timeout time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := &InstanceMetadataError{Endpoint: endpoint}
	if r.status < 200 || r.status > 299 {
		e.StatusCode = r.status
	}
	switch {
	case ctx.Err() != nil:
		e.Reason, e.Err = "the context ended before the service answered", ctx.Err()
	case opCtx.Err() != nil:
		e.Reason, e.Err = fmt.Sprintf("no answer within %s (not on EC2, or its metadata service is unreachable)", timeout), opCtx.Err()
	case r.tooLarge:
		e.Reason = fmt.Sprintf("an answer exceeded %d KiB", maxInstanceMetadataAnswer>>10)
	case r.status != 0:
		e.Reason = imdsStatusReason(r.token, r.status)
	case r.netErr != nil:
		e.Reason, e.Err = "no service answered (not on EC2, or its metadata service is unreachable)", r.netErr
	default:
		e.Reason = "the service's answer could not be used (not quoted: it may hold anything)"
	}
	return e
}

// imdsStatusReason says what an error status of the token PUT (token) or
// of the document's GET means.
func imdsStatusReason(token bool, status int) string {
	switch {
	case token && status == http.StatusOK:
		return "the service's session token could not be used (IMDSv2)"
	case token && (status == http.StatusForbidden || status == http.StatusNotFound || status == http.StatusMethodNotAllowed):
		return fmt.Sprintf("the service refused a session token (IMDSv2 is required here; HTTP %d: through a proxy, or no IMDSv2)", status)
	case token:
		return fmt.Sprintf("the service refused a session token (HTTP %d)", status)
	case status == http.StatusUnauthorized:
		return "the service rejected its own session token (HTTP 401)"
	case status == http.StatusForbidden:
		return "the service denied access (HTTP 403: instance metadata may be turned off for this instance)"
	case status == http.StatusNotFound:
		return "the service has no instance identity document (HTTP 404)"
	case status >= 200 && status < 300:
		return "the service's answer could not be used (not quoted: it may hold anything)"
	}
	return fmt.Sprintf("the service failed (HTTP %d)", status)
}
