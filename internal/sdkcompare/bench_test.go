package sdkcompare

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	"github.com/ec2lite/enidetach"
)

const (
	okID      = "eni-attach-0123456789abcdef0"
	missingID = "eni-attach-0fffffffffffffff0"
)

// caller makes one call and reports an unexpected outcome.
type caller func(ctx context.Context) error

func oursCaller(c *enidetach.Client, id string) caller {
	in := &enidetach.DetachNetworkInterfaceInput{AttachmentID: id}
	return func(ctx context.Context) error {
		_, err := c.DetachNetworkInterface(ctx, in)
		return expect(id, err)
	}
}

func sdkCaller(c *ec2.Client, id string) caller {
	return func(ctx context.Context) error {
		_, err := c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(id)})
		return expect(id, err)
	}
}

// floorCaller is the physical floor: a pre-signed bare net/http POST of
// the same body, the response drained. Nothing can be cheaper and still
// send this request.
func floorCaller(tb testing.TB, s *server, id string) caller {
	body := []byte("Action=DetachNetworkInterface&AttachmentId=" + id + "&Version=2016-11-15")
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey},
		req, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
		tb.Fatal(err)
	}
	header := req.Header.Clone()
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	url := s.URL + "/"
	return func(ctx context.Context) error {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		r.Header = header
		return postAndDrain(client, r)
	}
}

// signedFloorCaller is the signed floor of issue 14: the least a client
// that signs every request with the SDK's SigV4 signer can do per call. A
// bare net/http POST of the same body with enidetach's headers
// (Content-Type, User-Agent, X-Amz-Date, Authorization), signed per call by
// one reused v4.Signer (so its signing-key cache is warm, as enidetach's
// is) over a payload hash computed per call, with static credentials; the
// response body is read and closed, nothing is decoded or checked.
func signedFloorCaller(s *server, id string) caller {
	return signedFloorPost(s, []byte("Action=DetachNetworkInterface&AttachmentId="+id+"&Version=2016-11-15"))
}

// signedFloorPost is the signed floor for any form body.
func signedFloorPost(s *server, body []byte) caller {
	url := s.URL + "/"
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: accessKey, SecretAccessKey: secretKey, Source: "static"}
	userAgent := "enidetach/" + enidetach.Version + " lang/go#" + strings.TrimPrefix(runtime.Version(), "go") +
		" md/GOOS#" + runtime.GOOS + " md/GOARCH#" + runtime.GOARCH
	return func(ctx context.Context) error {
		r, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		r.Header["Content-Type"] = []string{"application/x-www-form-urlencoded"}
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(ctx, creds, r, hex.EncodeToString(sum[:]), "ec2", region, time.Now()); err != nil {
			return err
		}
		r.Header["User-Agent"] = []string{userAgent}
		return postAndDrain(client, r)
	}
}

// postAndDrain sends r and reads the answer to its end, as the floors do:
// nothing decoded or checked.
func postAndDrain(client *http.Client, r *http.Request) error {
	resp, err := client.Do(r)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return err
}

// expect checks the outcome: success for okID, NotFound for missingID.
func expect(id string, err error) error {
	if id == okID {
		return err
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "InvalidAttachmentID.NotFound" {
		return nil
	}
	return errors.New("want InvalidAttachmentID.NotFound, got " + errString(err))
}

func errString(err error) string {
	if err == nil {
		return "success"
	}
	return err.Error()
}

// callers returns the contenders for a server and an attachment.
func callers(tb testing.TB, s *server, id string) []struct {
	name string
	call caller
} {
	return []struct {
		name string
		call caller
	}{
		{"enidetach", oursCaller(newOurs(tb, s), id)},
		{"sdk", sdkCaller(newSDK(s), id)},
		{"floor", floorCaller(tb, s, id)},
		{"signedfloor", signedFloorCaller(s, id)},
	}
}

func benchSequential(b *testing.B, id string) {
	s := newServer(b, false)
	runSequential(b, callers(b, s, id))
}

// runSequential benchmarks each contender, one call at a time. Every
// contender first makes warmUpCalls calls, so that the one measured first
// does not pay for the process warming up (heap growth, connections):
// without it the first contender measured up to a third slower than when
// measured last.
func runSequential(b *testing.B, contenders []struct {
	name string
	call caller
}) {
	const warmUpCalls = 300
	for _, c := range contenders {
		for i := 0; i < warmUpCalls; i++ {
			if err := c.call(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, c := range contenders {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			if err := c.call(ctx); err != nil { // warm the connection and caches
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := c.call(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchParallel(b *testing.B, id string) {
	s := newServer(b, false)
	for _, c := range callers(b, s, id) {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			if err := c.call(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.call(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkDetach is the success path.
func BenchmarkDetach(b *testing.B) { benchSequential(b, okID) }

// BenchmarkDetachError is the error path (400 InvalidAttachmentID.NotFound).
func BenchmarkDetachError(b *testing.B) { benchSequential(b, missingID) }

// BenchmarkDetachParallel is the success path from GOMAXPROCS goroutines.
func BenchmarkDetachParallel(b *testing.B) { benchParallel(b, okID) }

// BenchmarkDetachErrorParallel is the error path from GOMAXPROCS goroutines.
func BenchmarkDetachErrorParallel(b *testing.B) { benchParallel(b, missingID) }

// TestNewConnections counts the TCP connections each client opens for
// 2,000 sequential calls (half of them errors): a client that does not
// drain bodies loses keep-alive and pays a new connection.
func TestNewConnections(t *testing.T) {
	const calls = 2000
	for _, name := range []string{"enidetach", "sdk"} {
		s := newServer(t, false)
		var ok, nf caller
		if name == "enidetach" {
			c := newOurs(t, s)
			ok, nf = oursCaller(c, okID), oursCaller(c, missingID)
		} else {
			c := newSDK(s)
			ok, nf = sdkCaller(c, okID), sdkCaller(c, missingID)
		}
		for i := 0; i < calls; i++ {
			call := ok
			if i%2 == 1 {
				call = nf
			}
			if err := call(context.Background()); err != nil {
				t.Fatalf("%s call %d: %v", name, i, err)
			}
		}
		n := s.conns.Load()
		t.Logf("%s: %d new connections for %d sequential calls", name, n, calls)
		if name == "enidetach" && n > 2 {
			t.Errorf("enidetach opened %d connections for %d calls, want at most 2", n, calls)
		}
	}
}
