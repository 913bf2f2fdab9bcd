package enidetach

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// hostRecorder fails every request after noting its host.
type hostRecorder struct {
	mu    sync.Mutex
	hosts []string
}

func (h *hostRecorder) Do(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.hosts = append(h.hosts, r.URL.Host)
	return nil, errors.New("recorded")
}

func TestFIPSPseudoRegionReachesSTS(t *testing.T) {
	env := testEnv(t)
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("jwt"), 0o600); err != nil {
		t.Fatal(err)
	}
	env["AWS_WEB_IDENTITY_TOKEN_FILE"] = tok
	env["AWS_ROLE_ARN"] = "arn:aws:iam::123456789012:role/r"
	rec := &hostRecorder{}
	c, err := newClient(Options{Region: "fips-us-east-1", HTTPClient: rec, MaxAttempts: 1}, env)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-0123456789abcdef0"})
	if len(rec.hosts) == 0 || rec.hosts[0] != "sts-fips.us-east-1.amazonaws.com" {
		t.Errorf("credential request went to %v, want sts-fips.us-east-1.amazonaws.com", rec.hosts)
	}
}
