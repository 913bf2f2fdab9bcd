package config

import (
	"crypto/tls"
	"net/http"
	"testing"
)

func TestDefaultTransport(t *testing.T) {
	t.Parallel()
	hc, err := defaultHTTPClient("")
	if err != nil {
		t.Fatal(err)
	}
	tr := hc.Transport.(*http.Transport)
	if tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.TLSHandshakeTimeout == 0 || tr.ResponseHeaderTimeout == 0 ||
		tr.DialContext == nil || tr.Proxy == nil || hc.CheckRedirect == nil || hc.Timeout != 0 {
		t.Errorf("default transport lacks a setting: %+v", tr)
	}
}
