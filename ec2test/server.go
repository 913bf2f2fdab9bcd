package ec2test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// APIVersion is the only EC2 API version the server accepts.
const APIVersion = "2016-11-15"

// maxRequestBody bounds the form body the server reads.
const maxRequestBody = 1 << 20

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

// ec2Error is an EC2 error answer.
type ec2Error struct {
	status  int
	code    string
	message string
}

// serveHTTP answers one request: a control request, or an EC2 action
// after the faults due, the form checks and the signature check.
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
	if e := checkForm(r, body, err, perr); e != nil {
		s.writeError(w, &rec, now, 0, *e)
		return
	}
	keyID, e := s.authenticate(r, body, now)
	rec.AccessKeyID = keyID
	if e != nil {
		s.writeError(w, &rec, now, 0, *e)
		return
	}
	key, _ := s.key(keyID)
	result, e := s.act(params, key, now)
	if e != nil {
		s.writeError(w, &rec, now, 0, *e)
		return
	}
	id := newRequestID()
	s.writeXML(w, &rec, now, 0, http.StatusOK, id, fmt.Sprintf(
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%[1]sResponse xmlns=\"http://ec2.amazonaws.com/doc/%[2]s/\">\n    <requestId>%[3]s</requestId>\n%[4]s</%[1]sResponse>",
		rec.Action, APIVersion, id, result))
}

// checkForm refuses a request that is not a POST of a readable form body
// within the size limit; readErr and parseErr are reading's and parsing's.
func checkForm(r *http.Request, body []byte, readErr, parseErr error) *ec2Error {
	if readErr != nil {
		return &ec2Error{400, "InvalidRequest", "The request body could not be read."}
	}
	if len(body) > maxRequestBody {
		return &ec2Error{413, "RequestEntityTooLarge", "The request body is too large."}
	}
	if r.Method != http.MethodPost {
		return &ec2Error{400, "InvalidRequest", "Only POST requests with a form body are supported."}
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return &ec2Error{400, "InvalidRequest", "The Content-Type must be application/x-www-form-urlencoded."}
	}
	if parseErr != nil {
		return &ec2Error{400, "MalformedQueryString", "The request body is not a valid form: " + parseErr.Error()}
	}
	return nil
}

// authenticate checks the request's signature, returning the access key ID
// it names (even when refused, for the record) and EC2's refusal, with the
// status EC2 gives each code.
func (s *Server) authenticate(r *http.Request, body []byte, now time.Time) (string, *ec2Error) {
	keyID, code, msg := s.verifyCode(r, body, now)
	if code == "" {
		return keyID, nil
	}
	status := http.StatusForbidden
	switch code {
	case "AuthFailure":
		status = http.StatusUnauthorized
	case "RequestExpired", "IncompleteSignature":
		status = http.StatusBadRequest
	}
	return keyID, &ec2Error{status, code, msg}
}

// act checks the Action and Version parameters and runs the action,
// returning its result's elements.
func (s *Server) act(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	switch action, v := params.Get("Action"), params.Get("Version"); {
	case action == "":
		return "", &ec2Error{400, "InvalidAction", "The action is missing."}
	case v == "":
		return "", &ec2Error{400, "MissingParameter", "The request must contain the parameter Version"}
	case v != APIVersion:
		return "", &ec2Error{400, "NoSuchVersion", fmt.Sprintf("The requested version (%s) of service AmazonEC2 does not exist", v)}
	case action == "DetachNetworkInterface":
		return s.detach(params, key, now)
	case action == "AttachNetworkInterface":
		return s.attach(params, key, now)
	case action == "DescribeNetworkInterfaces":
		return s.describe(params, key, now)
	case action == "DescribeInstances":
		return s.describeInstances(params, key, now)
	default:
		return "", &ec2Error{400, "InvalidAction", fmt.Sprintf("The action %s is not valid for this web service.", action)}
	}
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
