package config

import (
	"crypto/tls"
	"crypto/x509"
	"math"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/ec2lite/enidetach/internal/query"
)

// defaultHTTPClient returns the client used when Options.HTTPClient is nil.
// Redirects are not followed: a redirected request would not verify at its
// new host, and the 3xx itself is the more useful error. The client calls
// its transport's RoundTrip directly (Client.do), which follows none
// either; the http.Client keeps the same rule for whoever uses it whole.
func defaultHTTPClient(caBundle string) (*http.Client, error) {
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if caBundle != "" {
		pem, err := os.ReadFile(caBundle)
		if err != nil {
			return nil, &query.ValidationError{Field: "AWS_CA_BUNDLE", Reason: err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &query.ValidationError{Field: "AWS_CA_BUNDLE", Reason: "no PEM certificates in " + caBundle}
		}
		tlsConfig.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		// Every connection a burst opened stays for reuse (until
		// IdleConnTimeout): a pool smaller than the concurrency it serves
		// closes connections as calls finish and opens new ones for the
		// next calls, a TLS handshake each (issue 19 counted 4,481
		// connections for 1,000 jobs with 64). The pool cannot grow past
		// the peak number of calls in flight, which opened them.
		MaxIdleConns:        0, // no limit
		MaxIdleConnsPerHost: math.MaxInt,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
