package ec2test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// maxClockDifference is how far X-Amz-Date may be from the server's clock.
const maxClockDifference = 15 * time.Minute

// authorization is a parsed SigV4 Authorization header.
type authorization struct {
	accessKeyID   string
	date          string // yyyymmdd of the credential scope
	region        string
	service       string
	signedHeaders []string
	signature     string
}

// parseAuthorization parses "AWS4-HMAC-SHA256 Credential=AKID/20060102/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func parseAuthorization(h string) (authorization, bool) {
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, algo) {
		return authorization{}, false
	}
	var a authorization
	var credential, signed string
	for _, part := range strings.Split(h[len(algo):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, false
		}
		switch k {
		case "Credential":
			credential = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			a.signature = v
		}
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" || signed == "" || a.signature == "" {
		return authorization{}, false
	}
	a.accessKeyID, a.date, a.region, a.service = scope[0], scope[1], scope[2], scope[3]
	a.signedHeaders = strings.Split(signed, ";")
	return a, true
}

// verifyCode checks the SigV4 signature of r (whose body has been read into
// body) and returns "" when it verifies, else the EC2 error code and message
// to answer with. The request is signed again with the SDK's signer over
// exactly the headers the client said it signed, so any SigV4
// implementation that follows the specification passes (the Go SDK signs
// content-length, botocore does not).
func (s *Server) verifyCode(r *http.Request, body []byte, now time.Time) (accessKeyID, code, message string) {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return "", "AuthFailure", "AWS was not able to validate the provided access credentials"
	}
	a, ok := parseAuthorization(raw)
	if !ok {
		return "", "IncompleteSignature", "The request signature does not conform to AWS standards."
	}
	key, ok := s.key(a.accessKeyID)
	if !ok {
		return a.accessKeyID, "AuthFailure", "AWS was not able to validate the provided access credentials"
	}
	signTime, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return a.accessKeyID, "IncompleteSignature", "The request must contain a valid X-Amz-Date header."
	}
	if d := now.Sub(signTime); d > maxClockDifference || d < -maxClockDifference {
		return a.accessKeyID, "RequestExpired", "Request has expired."
	}
	if key.SessionToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("X-Amz-Security-Token")), []byte(key.SessionToken)) != 1 {
		return a.accessKeyID, "AuthFailure", "AWS was not able to validate the provided access credentials"
	}
	if key.expired {
		return a.accessKeyID, "RequestExpired", "Request has expired."
	}
	if a.date != signTime.Format("20060102") || a.region != s.region || a.service != "ec2" {
		return a.accessKeyID, "SignatureDoesNotMatch", "Credential should be scoped to a valid region, service and date."
	}

	// Rebuild the request with only the signed headers and sign it again.
	check, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), nil)
	if err != nil {
		return a.accessKeyID, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	check.Host = r.Host
	for _, h := range a.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			check.ContentLength = int64(len(body))
		default:
			check.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: key.AccessKeyID, SecretAccessKey: key.SecretAccessKey, SessionToken: key.SessionToken}
	// The signer adds X-Amz-Security-Token itself; keep the one received
	// only if it was signed, as the client did.
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableSessionToken = true })
	if err := signer.SignHTTP(context.Background(), creds, check, hex.EncodeToString(sum[:]), "ec2", s.region, signTime); err != nil {
		return a.accessKeyID, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
	}
	want, _ := parseAuthorization(check.Header.Get("Authorization"))
	if subtle.ConstantTimeCompare([]byte(want.signature), []byte(a.signature)) != 1 ||
		!bytes.Equal([]byte(strings.Join(want.signedHeaders, ";")), []byte(strings.Join(a.signedHeaders, ";"))) {
		return a.accessKeyID, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	}
	return a.accessKeyID, "", ""
}
