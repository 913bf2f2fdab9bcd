package query

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// skewThreshold is how far the server's clock must be from the offset a
// request was signed with before a signature-time error is retried at the
// corrected time. SigV4 tolerates less than this (5 minutes); smaller
// differences are not what made the request fail.
const skewThreshold = 4 * time.Minute

// requestSigner signs requests with the SDK's SigV4 signer at the client's
// clock plus the clock offset learnt from the service. One per client: the
// SDK signer caches derived signing keys per day, region and service.
type requestSigner struct {
	signer  *v4.Signer
	clock   func() time.Time
	service string
	region  string
	offset  atomic.Int64 // server time minus local time, in nanoseconds
}

// newRequestSigner returns a signer for service in region; escapePath
// false skips escaping a path that needs none ("/").
func newRequestSigner(service, region string, clock func() time.Time, escapePath bool) *requestSigner {
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = !escapePath })
	return &requestSigner{signer: signer, clock: clock, service: service, region: region}
}

// payloadHash returns the hex SHA-256 of body, which SigV4 signs.
func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	var out [2 * sha256.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// sign adds X-Amz-Date, X-Amz-Security-Token (with a session token) and
// Authorization to req, signing every header already set on it. It returns
// the offset it signed with, so a skew error can tell whether the offset has
// since moved.
func (s *requestSigner) sign(ctx context.Context, req *http.Request, hash string, creds aws.Credentials) (time.Duration, error) {
	offset := time.Duration(s.offset.Load())
	err := s.signer.SignHTTP(ctx, creds, req, hash, s.service, s.region, s.clock().Add(offset))
	return offset, err
}

// serviceTime returns t, a time on the client's clock, on the service's
// clock as far as the client knows it: corrected by the offset learnt from
// a clock-skew error, as requests are signed.
func (s *requestSigner) serviceTime(t time.Time) time.Time {
	return t.Add(time.Duration(s.offset.Load()))
}

// correctSkew records the offset between the server's Date header and the
// local clock, and reports whether it moved by more than skewThreshold from
// the offset the failed request was signed with, in which case the request is
// worth signing again. The offset is kept for every later call.
func (s *requestSigner) correctSkew(h http.Header, signedWith time.Duration) bool {
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return false
	}
	skew := date.Sub(s.clock())
	if d := skew - signedWith; d > -skewThreshold && d < skewThreshold {
		return false
	}
	s.offset.Store(int64(skew))
	return true
}
