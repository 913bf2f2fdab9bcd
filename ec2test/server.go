package ec2test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// APIVersion is the only EC2 API version the server accepts.
const APIVersion = "2016-11-15"

// The default key every server accepts, allowed every action.
const (
	DefaultAccessKeyID     = "AKIAEC2TESTEXAMPLE01"
	DefaultSecretAccessKey = "ec2test/secret/key/for/local/tests/only"
)

// maxRequestBody bounds the form body the server reads.
const maxRequestBody = 1 << 20

// Key is an access key the server accepts.
type Key struct {
	// AccessKeyID identifies the key in the Authorization header.
	AccessKeyID string
	// SecretAccessKey is what requests signed with the key are verified
	// with.
	SecretAccessKey string
	// SessionToken, when set, must be sent as X-Amz-Security-Token.
	SessionToken string
	// Denied keys are refused every action with 403 UnauthorizedOperation,
	// also in dry runs.
	Denied bool

	expired bool
}

// Request is one request the server received, for assertions.
type Request struct {
	// Time is the server's clock when the request arrived.
	Time time.Time
	// Action is the Action parameter.
	Action string
	// Params holds every form parameter.
	Params url.Values
	// AccessKeyID is from the Authorization header, verified or not.
	AccessKeyID string
	// UserAgent is the User-Agent header.
	UserAgent string
	// StatusCode is the status answered (0 for a dropped connection).
	StatusCode int
	// ErrorCode is the EC2 error code answered, or "".
	ErrorCode string
	// Fault is the name of the injected fault that answered, or "".
	Fault string
}

// Option configures a Server.
type Option func(*Server)

// WithRegion sets the region the server signs for and reports (default
// us-east-1).
func WithRegion(region string) Option { return func(s *Server) { s.region = region } }

// WithKeys adds access keys besides the default one.
func WithKeys(keys ...Key) Option {
	return func(s *Server) {
		for _, k := range keys {
			s.keys[k.AccessKeyID] = k
		}
	}
}

// WithClock sets the server's clock, used for X-Amz-Date checks, Date
// headers and the detaching delay (default time.Now).
func WithClock(clock func() time.Time) Option { return func(s *Server) { s.clock = clock } }

// WithAttachments replaces the default seed (see DefaultSeed) with these
// attachments alone. An attachment without a NetworkInterfaceID or
// InstanceID gets one made up from its AttachmentID; interfaces and
// instances it names are created in the region's first zone.
func WithAttachments(atts ...Attachment) Option {
	return func(s *Server) { s.seed = &Seed{Attachments: atts} }
}

// WithSeed replaces the default seed (see DefaultSeed) with seed: the
// state the server starts with and Reset restores. To add to the built-in
// set, append to DefaultSeed(region).
func WithSeed(seed Seed) Option { return func(s *Server) { s.seed = &seed } }

// WithAnyAddress lets NewServerAt listen on an address that is not
// loopback, such as 0.0.0.0:8599 to serve a test container. Anyone who can
// reach the address can then use the server's keys (Keys) and reset it.
func WithAnyAddress() Option { return func(s *Server) { s.anyAddress = true } }

// WithAttachingDuration keeps an attachment made by AttachNetworkInterface
// "attaching" this long, by the server's clock, before it becomes
// "attached" (default 0: at once).
func WithAttachingDuration(d time.Duration) Option { return func(s *Server) { s.attaching = d } }

// WithDetachingDuration keeps a detached interface "detaching" this long,
// by the server's clock, before it becomes "available" (default 0: at once).
func WithDetachingDuration(d time.Duration) Option { return func(s *Server) { s.detaching = d } }

// WithDescribeLag makes DescribeNetworkInterfaces and DescribeInstances
// eventually consistent, as EC2's are: they show each interface as it was d
// ago by the server's clock, so an attach or detach accepted less than d ago
// (and an attaching or detaching that ended less than d ago) is not seen
// yet, while AttachNetworkInterface and DetachNetworkInterface act on the
// truth. Changes made from Go (AddAttachment, Reset) and the Go accessors
// (Interface, Instances...) are not delayed. Default 0: describes are
// consistent.
func WithDescribeLag(d time.Duration) Option { return func(s *Server) { s.describeLag = d } }

// Server is a fake EC2 endpoint, on 127.0.0.1 unless NewServerAt says
// otherwise, speaking the Query protocol for every action the package
// documentation lists (detaching, attaching and describing network
// interfaces, among others). It verifies the SigV4 signature of every
// request, models instances, interfaces and attachments, can inject faults
// and records requests. It is safe for concurrent use. Printed with fmt, it
// shows its URL, region and access key IDs, never a secret.
type Server struct {
	// URL is the endpoint, such as http://127.0.0.1:41234, for
	// BaseEndpoint or --endpoint-url.
	URL string

	ts          *httptest.Server
	region      string
	clock       func() time.Time
	detaching   time.Duration
	attaching   time.Duration
	describeLag time.Duration
	anyAddress  bool
	seed        *Seed          // nil: DefaultSeed(region)
	initialKeys map[string]Key // the keys the options gave, for Reset

	mu         sync.Mutex
	keys       map[string]Key
	instances  map[string]*Instance     // by instance ID
	interfaces map[string]*netInterface // by network interface ID
	nextHost   map[string]int           // last private IP host number by subnet
	requests   []Request
	recording  int // counts resets of requests, so that an answer recorded late goes to its own record
	faults     []pendingFault
	imds       []*IMDS // started by StartIMDS, closed with the server
}

// NewServer starts a server on 127.0.0.1, seeded with DefaultSeed unless
// WithSeed or WithAttachments says otherwise: among others instance
// i-0123456789abcdef0 holding a primary interface at device index 0
// (attachment eni-attach-00000000000000000) and a secondary one at index 1
// (attachment eni-attach-0123456789abcdef0). Close it when done.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.ts.URL
	return s
}

// NewServerAt is NewServer listening on addr, such as "127.0.0.1:8080", so
// that other programs can be pointed at a known endpoint. The host must be
// a loopback address unless WithAnyAddress is given.
func NewServerAt(addr string, opts ...Option) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ec2test: address %q: %w", addr, err)
	}
	s := newServer(opts)
	if ip := net.ParseIP(host); !s.anyAddress && host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("ec2test: address %q is not a loopback address (WithAnyAddress allows it)", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ec2test: %w", err)
	}
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Listener.Close()
	s.ts.Listener = l
	s.ts.Start()
	s.URL = s.ts.URL
	return s, nil
}

func newServer(opts []Option) *Server {
	s := &Server{
		region: "us-east-1",
		clock:  time.Now,
		keys:   map[string]Key{DefaultAccessKeyID: {AccessKeyID: DefaultAccessKeyID, SecretAccessKey: DefaultSecretAccessKey}},
	}
	for _, o := range opts {
		o(s)
	}
	s.initialKeys = maps.Clone(s.keys)
	if s.seed == nil {
		seed := DefaultSeed(s.region)
		s.seed = &seed
	}
	s.applySeed(*s.seed, s.clock())
	return s
}

// Reset restores the state the server started with: the seed's instances,
// interfaces and attachments, the keys the options gave (undoing AddKey and
// ExpireKey); it drops pending faults and recorded requests. When serving,
// POST /_ec2test/reset does the same for other processes.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = maps.Clone(s.initialKeys)
	s.faults = nil
	s.requests = nil
	s.recording++
	s.applySeed(*s.seed, s.clock())
}

// Close shuts the server down, and the instance metadata services it
// started, waiting for requests in flight.
func (s *Server) Close() {
	s.mu.Lock()
	started := s.imds
	s.imds = nil
	s.mu.Unlock()
	for _, m := range started {
		m.Close()
	}
	s.ts.Close()
}

// CloseClientConnections closes every open client connection, as a
// restarted endpoint or a NAT timeout would.
func (s *Server) CloseClientConnections() { s.ts.CloseClientConnections() }

// Region returns the region the server expects requests to be signed for.
func (s *Server) Region() string { return s.region }

// Credentials returns a provider of the default key, allowed every action.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")
}

// AddKey adds or replaces an access key.
func (s *Server) AddKey(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.AccessKeyID] = k
}

// ExpireKey makes requests signed with the key fail with RequestExpired, as
// expired temporary credentials do, until the key is added again.
func (s *Server) ExpireKey(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[accessKeyID]; ok {
		k.expired = true
		s.keys[accessKeyID] = k
	}
}

// Keys returns every access key the server accepts, secrets included,
// sorted by access key ID: the default key, those of WithKeys and AddKey.
func (s *Server) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Key, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKeyID < out[j].AccessKeyID })
	return out
}

func (s *Server) key(id string) (Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	return k, ok
}

// Requests returns a copy of the requests received so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// ResetRequests forgets the recorded requests.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
	s.recording++
}

// ec2Error is an EC2 error answer.
type ec2Error struct {
	status  int
	code    string
	message string
}

// ControlPrefix starts the paths of requests to the server itself rather
// than to EC2 (whose requests go to /): POST /_ec2test/reset calls Reset,
// GET /_ec2test/state answers the instances and interfaces as JSON. They
// need no signature, are not recorded and meet no injected fault.
const ControlPrefix = "/_ec2test/"

// serveControl answers a request under ControlPrefix.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == ControlPrefix+"reset" && r.Method == http.MethodPost:
		s.Reset()
		_, _ = io.WriteString(w, `{"reset":true}`+"\n")
	case r.URL.Path == ControlPrefix+"state" && r.Method == http.MethodGet:
		// camelCase, as -serve prints and AWS's JSON names the same fields.
		_ = json.NewEncoder(w).Encode(struct {
			Instances  []InstanceState  `json:"instances"`
			Interfaces []InterfaceState `json:"interfaces"`
		}{s.Instances(), s.Interfaces()})
	default:
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"error":"unknown ec2test control request; known: POST `+ControlPrefix+`reset, GET `+ControlPrefix+`state"}`+"\n")
	}
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, ControlPrefix) {
		s.serveControl(w, r)
		return
	}
	now := s.clock()
	rec := Request{Time: now, UserAgent: r.UserAgent()}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	params, perr := url.ParseQuery(string(body))
	if perr == nil {
		rec.Params, rec.Action = params, params.Get("Action")
	}
	// Recorded on arrival, so a test sees a request whose answer is still
	// being written or delayed; the answer is filled in when it is known.
	idx, recording := s.record(rec)
	defer func() { s.update(idx, recording, rec) }()

	if f, ok := s.nextFault(); ok {
		rec.Fault = f.name
		if f.apply(s, w, r, &rec, now) {
			return
		}
		if f.name == "truncated-body" {
			w = &truncatingWriter{ResponseWriter: w}
		}
	}
	if err != nil {
		s.writeError(w, &rec, now, 0, ec2Error{400, "InvalidRequest", "The request body could not be read."})
		return
	}
	if len(body) > maxRequestBody {
		s.writeError(w, &rec, now, 0, ec2Error{413, "RequestEntityTooLarge", "The request body is too large."})
		return
	}
	if r.Method != http.MethodPost {
		s.writeError(w, &rec, now, 0, ec2Error{400, "InvalidRequest", "Only POST requests with a form body are supported."})
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		s.writeError(w, &rec, now, 0, ec2Error{400, "InvalidRequest", "The Content-Type must be application/x-www-form-urlencoded."})
		return
	}
	if perr != nil {
		s.writeError(w, &rec, now, 0, ec2Error{400, "MalformedQueryString", "The request body is not a valid form: " + perr.Error()})
		return
	}

	keyID, code, msg := s.verifyCode(r, body, now)
	rec.AccessKeyID = keyID
	if code != "" {
		status := http.StatusForbidden
		switch code {
		case "AuthFailure":
			status = http.StatusUnauthorized
		case "RequestExpired", "IncompleteSignature":
			status = http.StatusBadRequest
		}
		s.writeError(w, &rec, now, 0, ec2Error{status, code, msg})
		return
	}
	key, _ := s.key(keyID)

	var result string
	var e *ec2Error
	switch v := params.Get("Version"); {
	case rec.Action == "":
		e = &ec2Error{400, "InvalidAction", "The action is missing."}
	case v == "":
		e = &ec2Error{400, "MissingParameter", "The request must contain the parameter Version"}
	case v != APIVersion:
		e = &ec2Error{400, "NoSuchVersion", fmt.Sprintf("The requested version (%s) of service AmazonEC2 does not exist", v)}
	case rec.Action == "DetachNetworkInterface":
		result, e = s.detach(params, key, now)
	case rec.Action == "AttachNetworkInterface":
		result, e = s.attach(params, key, now)
	case rec.Action == "DescribeNetworkInterfaces":
		result, e = s.describe(params, key, now)
	case rec.Action == "DescribeInstances":
		result, e = s.describeInstances(params, key, now)
	default:
		e = &ec2Error{400, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", rec.Action)}
	}
	if e != nil {
		s.writeError(w, &rec, now, 0, *e)
		return
	}
	id := newRequestID()
	s.writeXML(w, &rec, now, 0, http.StatusOK, id, fmt.Sprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%[1]sResponse xmlns=\"http://ec2.amazonaws.com/doc/%[2]s/\">\n    <requestId>%[3]s</requestId>\n%[4]s</%[1]sResponse>",
		rec.Action, APIVersion, id, result))
}

// writeError answers with EC2's error document.
func (s *Server) writeError(w http.ResponseWriter, rec *Request, now time.Time, skew time.Duration, e ec2Error) {
	rec.ErrorCode = e.code
	id := newRequestID()
	s.writeXML(w, rec, now, skew, e.status, id, fmt.Sprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>",
		xmlEscape(e.code), xmlEscape(e.message), id))
}

// writeXML writes an answer with EC2's headers.
func (s *Server) writeXML(w http.ResponseWriter, rec *Request, now time.Time, skew time.Duration, status int, requestID, body string) {
	rec.StatusCode = status
	h := w.Header()
	h.Set("Content-Type", "text/xml;charset=UTF-8")
	h.Set("Date", now.Add(skew).UTC().Format(http.TimeFormat))
	h.Set("X-Amzn-Requestid", requestID)
	h.Set("Server", "AmazonEC2")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// record appends a request and returns its index and the current
// generation of the records.
func (s *Server) record(rec Request) (idx, recording int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
	return len(s.requests) - 1, s.recording
}

// update replaces a recorded request, unless the records were reset since
// it was recorded (a fixed fake clock makes times useless to tell).
func (s *Server) update(idx, recording int, rec Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if recording == s.recording && idx < len(s.requests) {
		s.requests[idx] = rec
	}
}

// newRequestID returns a random UUID, as EC2's request IDs are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// xmlEscape escapes text for an XML element.
func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
