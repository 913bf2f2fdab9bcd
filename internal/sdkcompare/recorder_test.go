package sdkcompare

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/ec2lite/enidetach"
)

// The sample answers of the design notes.
const (
	successBody = `<?xml version="1.0" encoding="UTF-8"?>
<DetachNetworkInterfaceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
    <return>true</return>
</DetachNetworkInterfaceResponse>`
	attachBody = `<?xml version="1.0" encoding="UTF-8"?>
<AttachNetworkInterfaceResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>ace8cd1e-e685-4e44-90fb-92014d907212</requestId>
    <attachmentId>eni-attach-0123456789abcdef0</attachmentId>
    <networkCardIndex>0</networkCardIndex>
</AttachNetworkInterfaceResponse>`
	notFoundBody = `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidAttachmentID.NotFound</Code><Message>The attachment ID 'eni-attach-0fffffffffffffff0' does not exist</Message></Error></Errors><RequestID>d2b2ea2e-fb7c-4b4e-9ae1-2d1b2fEXAMPLE</RequestID></Response>`
)

const (
	accessKey = "AKIDEXAMPLE"
	secretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
	region    = "us-east-1"
)

// request is one request the server received.
type request struct {
	method, path string
	header       http.Header
	body         string
}

// server answers success (the attach's to an attach, else the detach's), or
// 400 NotFound for eni-attach-0fffffffffffffff0,
// counts new connections, and optionally records requests.
type server struct {
	*httptest.Server
	record bool
	conns  atomic.Int64
	mu     sync.Mutex
	reqs   []request
}

func newServer(tb testing.TB, record bool) *server {
	tb.Helper()
	s := &server{record: record}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if s.record {
			s.mu.Lock()
			s.reqs = append(s.reqs, request{r.Method, r.URL.RequestURI(), r.Header.Clone(), string(b)})
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
		w.Header().Set("X-Amzn-Requestid", "59dbff89-35bd-4eac-99ed-be587EXAMPLE")
		if len(b) > 0 && containsNotFound(b) {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, notFoundBody)
			return
		}
		if bytes.HasPrefix(b, []byte("Action=AttachNetworkInterface&")) {
			_, _ = io.WriteString(w, attachBody)
			return
		}
		_, _ = io.WriteString(w, successBody)
	}))
	s.Server.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Server.Start()
	tb.Cleanup(s.Close)
	return s
}

func containsNotFound(b []byte) bool {
	const id = "eni-attach-0fffffffffffffff0"
	for i := 0; i+len(id) <= len(b); i++ {
		if string(b[i:i+len(id)]) == id {
			return true
		}
	}
	return false
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// newSDK returns the official EC2 client for the server with its default
// HTTP client and retryer, configured as a user would but without
// LoadDefaultConfig's environment.
func newSDK(s *server) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       region,
		Credentials:  aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")),
		BaseEndpoint: aws.String(s.URL),
	})
}

// newOurs returns enidetach's client for the server with its default HTTP
// client.
func newOurs(tb testing.TB, s *server, optFns ...func(*enidetach.Options)) *enidetach.Client {
	tb.Helper()
	c, err := enidetach.New(enidetach.Options{
		Region:       region,
		BaseEndpoint: s.URL,
		Credentials:  credentials.NewStaticCredentialsProvider(accessKey, secretKey, ""),
	}, optFns...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
