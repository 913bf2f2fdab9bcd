package ec2test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is a misbehaviour the server shows instead of (or before) its
// normal answer. Build one with the functions below and give it to Inject.
type Fault struct {
	name   string
	status int
	code   string
	delay  time.Duration
	skew   time.Duration
	size   int64
	header http.Header
}

// Throttle answers 503 RequestLimitExceeded, EC2's throttling error.
func Throttle() Fault {
	return Fault{name: "throttle", status: http.StatusServiceUnavailable, code: "RequestLimitExceeded"}
}

// InternalError answers 500 InternalError.
func InternalError() Fault {
	return Fault{name: "internal-error", status: http.StatusInternalServerError, code: "InternalError"}
}

// Unavailable answers 503 Unavailable.
func Unavailable() Fault {
	return Fault{name: "unavailable", status: http.StatusServiceUnavailable, code: "Unavailable"}
}

// APIError answers status with an EC2 error document carrying code.
func APIError(status int, code string) Fault {
	return Fault{name: "api-error", status: status, code: code}
}

// Delay waits d before answering normally. A request whose client gives up
// during the delay is dropped unprocessed.
func Delay(d time.Duration) Fault { return Fault{name: "delay", delay: d} }

// DropConnection closes the connection without an answer.
func DropConnection() Fault { return Fault{name: "drop-connection"} }

// TruncatedBody processes the request normally (a detach takes effect) but
// closes the connection halfway through the body, as a lost response would.
func TruncatedBody() Fault { return Fault{name: "truncated-body"} }

// ProxyHTML502 answers 502 with an HTML page, as a proxy or load balancer
// in front of the service would.
func ProxyHTML502() Fault { return Fault{name: "proxy-html-502", status: http.StatusBadGateway} }

// SkewedClock answers 401 AuthFailure with a Date header skew ahead of the
// server's clock, as a service whose clock disagrees with the client's.
func SkewedClock(skew time.Duration) Fault {
	return Fault{name: "skewed-clock", status: http.StatusUnauthorized, code: "AuthFailure", skew: skew}
}

// LargeBody answers 200 with a body of size bytes that is not an EC2
// answer, to test that clients bound their reads.
func LargeBody(size int64) Fault { return Fault{name: "large-body", size: size} }

// WithHeader returns a copy of f that also sends the header k: v, for
// example x-amz-retry-after on a throttle.
func (f Fault) WithHeader(k, v string) Fault {
	h := f.header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(k, v)
	f.header = h
	return f
}

// pendingFault is a fault with the number of requests it still applies to.
type pendingFault struct {
	f Fault
	n int
}

// Inject makes the next n requests meet fault f, after faults injected
// earlier have been used up.
func (s *Server) Inject(f Fault, n int) {
	if n <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, pendingFault{f, n})
}

// nextFault takes one use of the oldest pending fault.
func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0].f
	if s.faults[0].n--; s.faults[0].n == 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

// apply shows the fault. It returns false when the request should then be
// processed normally (a delay, or a truncated body still to be written).
func (f Fault) apply(s *Server, w http.ResponseWriter, r *http.Request, rec *Request, now time.Time) (handled bool) {
	for k, v := range f.header {
		w.Header()[k] = v
	}
	switch f.name {
	case "delay":
		sleepCtx(r.Context(), f.delay)
		return r.Context().Err() != nil
	case "truncated-body":
		return false
	case "drop-connection":
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case "proxy-html-502":
		body := "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
		rec.StatusCode = f.status
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(f.status)
		_, _ = io.WriteString(w, body)
		return true
	case "large-body":
		rec.StatusCode = http.StatusOK
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.Header().Set("Content-Length", strconv.FormatInt(f.size, 10))
		w.WriteHeader(http.StatusOK)
		chunk := []byte(strings.Repeat("<x>ec2test</x>", 4096))
		for left := f.size; left > 0; {
			n := min(left, int64(len(chunk)))
			if _, err := w.Write(chunk[:n]); err != nil {
				return true
			}
			left -= n
		}
		return true
	default:
		s.writeError(w, rec, now, f.skew, ec2Error{f.status, f.code, faultMessage(f.code)})
		return true
	}
}

// faultMessage returns EC2's message for an injected error code.
func faultMessage(code string) string {
	switch code {
	case "RequestLimitExceeded":
		return "Request limit exceeded."
	case "InternalError":
		return "An internal error has occurred"
	case "Unavailable":
		return "The service is unavailable. Please try again shortly."
	case "AuthFailure":
		return "AWS was not able to validate the provided access credentials"
	}
	return "Injected by ec2test."
}

// truncatingWriter writes the headers and half the body of the normal
// answer, then drops the connection.
type truncatingWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader holds the status until the body is written.
func (t *truncatingWriter) WriteHeader(status int) { t.status = status }

// Write sends half of b and drops the connection.
func (t *truncatingWriter) Write(b []byte) (int, error) {
	t.ResponseWriter.WriteHeader(t.status)
	half := b[:len(b)/2]
	if _, err := t.ResponseWriter.Write(half); err != nil {
		return 0, err
	}
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
	panic(http.ErrAbortHandler)
}
