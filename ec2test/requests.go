package ec2test

import (
	"net/url"
	"time"
)

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
