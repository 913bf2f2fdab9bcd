package ec2test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The instance metadata service's headers, as EC2 names them.
const (
	imdsTokenHeader    = "X-Aws-Ec2-Metadata-Token"
	imdsTokenTTLHeader = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	imdsMaxTokenTTL    = 21600 // seconds: six hours, EC2's maximum
)

// IMDS is a fake instance metadata service (IMDSv2, tokens required, as
// HttpTokens=required makes EC2's) for one instance of a Server, on its own
// address: what an agent on that instance reads to learn who it is. Point
// a client at it with AWS_EC2_METADATA_SERVICE_ENDPOINT=URL. It answers
//
//   - PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds (1 to
//     21600): a token, valid that long by the server's clock; a missing or
//     bad TTL is 400, a request with X-Forwarded-For 403 (as EC2 refuses
//     tokens through a proxy)
//   - GET /latest/meta-data/instance-id, placement/availability-zone,
//     placement/region, and /latest/dynamic/instance-identity/document
//     (EC2's JSON), with the token in X-aws-ec2-metadata-token; without a
//     valid one 401
//   - 404 for any other path, 405 for any other method
//
// The zone is the instance's as the server holds it when asked. Printed
// with fmt, an IMDS shows its URL and instance, never a token.
type IMDS struct {
	// URL is the service's endpoint, such as http://127.0.0.1:41235, for
	// AWS_EC2_METADATA_SERVICE_ENDPOINT.
	URL string
	// InstanceID is the instance it describes.
	InstanceID string

	srv   *Server
	ts    *httptest.Server
	state *imdsState // behind a pointer: fmt prints its address, not the tokens
	start time.Time  // the instance's pendingTime in the identity document
}

type imdsState struct {
	mu     sync.Mutex
	tokens map[string]time.Time // token -> expiry, by the server's clock
}

// StartIMDS starts an instance metadata service for instanceID, one of the
// server's instances, on the same host as the server (127.0.0.1 unless
// NewServerAt chose another) and a port of its own. Close it when done;
// closing the server closes it too.
func (s *Server) StartIMDS(instanceID string) (*IMDS, error) {
	s.mu.Lock()
	_, ok := s.instances[instanceID]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("ec2test: instance metadata: unknown instance %q", instanceID)
	}
	host, _, err := net.SplitHostPort(s.ts.Listener.Addr().String())
	if err != nil {
		return nil, fmt.Errorf("ec2test: instance metadata: %w", err)
	}
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, fmt.Errorf("ec2test: instance metadata: %w", err)
	}
	m := &IMDS{InstanceID: instanceID, srv: s, state: &imdsState{tokens: map[string]time.Time{}}, start: s.clock()}
	m.ts = httptest.NewUnstartedServer(http.HandlerFunc(m.serveHTTP))
	m.ts.Listener.Close()
	m.ts.Listener = l
	m.ts.Start()
	m.URL = m.ts.URL
	s.mu.Lock()
	s.imds = append(s.imds, m)
	s.mu.Unlock()
	return m, nil
}

// Close shuts the service down, waiting for requests in flight.
func (m *IMDS) Close() { m.ts.Close() }

func (m *IMDS) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/latest/api/token" && r.Method == http.MethodPut:
		m.serveToken(w, r)
	case r.Method != http.MethodGet:
		imdsText(w, http.StatusMethodNotAllowed, "")
	case !m.validToken(r.Header.Get(imdsTokenHeader)):
		imdsText(w, http.StatusUnauthorized, "")
	default:
		body, ok := m.answer(r.URL.Path)
		if !ok {
			imdsText(w, http.StatusNotFound, "")
			return
		}
		imdsText(w, http.StatusOK, body)
	}
}

// serveToken answers the token PUT.
func (m *IMDS) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Forwarded-For") != "" {
		imdsText(w, http.StatusForbidden, "")
		return
	}
	ttl, err := strconv.Atoi(r.Header.Get(imdsTokenTTLHeader))
	if err != nil || ttl < 1 || ttl > imdsMaxTokenTTL {
		imdsText(w, http.StatusBadRequest, "")
		return
	}
	var b [40]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	m.state.mu.Lock()
	now := m.srv.clock()
	for t, exp := range m.state.tokens {
		if !now.Before(exp) {
			delete(m.state.tokens, t)
		}
	}
	m.state.tokens[tok] = now.Add(time.Duration(ttl) * time.Second)
	m.state.mu.Unlock()
	w.Header().Set(imdsTokenTTLHeader, strconv.Itoa(ttl))
	imdsText(w, http.StatusOK, tok)
}

// validToken reports whether tok was issued and has not expired.
func (m *IMDS) validToken(tok string) bool {
	m.state.mu.Lock()
	defer m.state.mu.Unlock()
	exp, ok := m.state.tokens[tok]
	return ok && m.srv.clock().Before(exp)
}

// answer returns what path holds for the instance.
func (m *IMDS) answer(path string) (string, bool) {
	in, ip := m.srv.imdsInstance(m.InstanceID)
	region := m.srv.region
	switch strings.TrimSuffix(path, "/") {
	case "/latest/meta-data":
		return "instance-id\nplacement/", true
	case "/latest/meta-data/placement":
		return "availability-zone\nregion", true
	case "/latest/meta-data/instance-id":
		return m.InstanceID, true
	case "/latest/meta-data/placement/availability-zone":
		return in.AvailabilityZone, true
	case "/latest/meta-data/placement/region":
		return region, true
	case "/latest/dynamic/instance-identity/document":
		return identityDocument(in, ip, region, m.start), true
	}
	return "", false
}

// identityDocument is EC2's instance identity document, fields in its
// order and layout.
func identityDocument(in Instance, privateIP, region string, pending time.Time) string {
	doc := []struct{ k, v any }{
		{"accountId", in.OwnerID},
		{"architecture", "x86_64"},
		{"availabilityZone", in.AvailabilityZone},
		{"billingProducts", nil},
		{"devpayProductCodes", nil},
		{"marketplaceProductCodes", nil},
		{"imageId", "ami-0123456789abcdef0"},
		{"instanceId", in.InstanceID},
		{"instanceType", "t3.micro"},
		{"kernelId", nil},
		{"pendingTime", pending.UTC().Format(time.RFC3339)},
		{"privateIp", privateIP},
		{"ramdiskId", nil},
		{"region", region},
		{"version", "2017-09-30"},
	}
	var b strings.Builder
	b.WriteString("{\n")
	for i, f := range doc {
		k, _ := json.Marshal(f.k)
		v, _ := json.Marshal(f.v)
		fmt.Fprintf(&b, "  %s : %s", k, v)
		if i < len(doc)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("}")
	return b.String()
}

// imdsInstance returns the instance as the server holds it now (or as it
// was seeded, once Reset dropped it) and the private IP of its primary
// interface.
func (s *Server) imdsInstance(id string) (Instance, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := Instance{InstanceID: id, OwnerID: DefaultOwnerID}
	if p, ok := s.instances[id]; ok {
		in = *p
	}
	if n := s.slotHolder(primarySlot(id)); n != nil {
		return in, n.PrivateIPAddress
	}
	return in, ""
}

// imdsText answers as IMDS does: text/plain on success, EC2's HTML error
// page otherwise.
func imdsText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Server", "EC2ws")
	if status != http.StatusOK {
		text := strconv.Itoa(status) + " - " + http.StatusText(status)
		body = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n" +
			"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n\t\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n" +
			"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n <head>\n  <title>" + text +
			"</title>\n </head>\n <body>\n  <h1>" + text + "</h1>\n </body>\n</html>\n"
		h.Set("Content-Type", "text/html")
	} else {
		h.Set("Content-Type", "text/plain")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
