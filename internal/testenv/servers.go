package testenv

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// ContainerServer serves container credentials (the ECS/EKS credential
// endpoint) and counts its requests.
type ContainerServer struct {
	*httptest.Server
	Hits      atomic.Int32 // requests served
	LastToken atomic.Value // the last request's Authorization header (a string)
}

// NewContainerServer starts a ContainerServer answering keyID and secret
// with the session token "container-token", expiring at expires. The test
// closes it.
func NewContainerServer(t *testing.T, keyID, secret string, expires time.Time) *ContainerServer {
	t.Helper()
	cs := &ContainerServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cs.Hits.Add(1)
		cs.LastToken.Store(r.Header.Get("Authorization"))
		_ = json.NewEncoder(w).Encode(map[string]string{
			"AccessKeyId": keyID, "SecretAccessKey": secret,
			"Token": "container-token", "Expiration": expires.UTC().Format(time.RFC3339),
		})
	}))
	t.Cleanup(cs.Close)
	return cs
}

// IMDSServer is a minimal IMDSv2 for instance-role credentials: the token
// PUT, the role listing, the role's credentials (counted in CredHits, the
// session token numbered by them) and the identity document
// (ap-northeast-3).
type IMDSServer struct {
	*httptest.Server
	CredHits atomic.Int32
}

// NewIMDSServer starts an IMDSServer whose credentials expire at
// expires(), asked at each request. The test closes it.
func NewIMDSServer(t *testing.T, expires func() time.Time) *IMDSServer {
	t.Helper()
	is := &IMDSServer{}
	is.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			if r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds") == "" {
				w.WriteHeader(400)
				return
			}
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
			_, _ = io.WriteString(w, "imds-token")
		case r.Header.Get("X-Aws-Ec2-Metadata-Token") != "imds-token":
			w.WriteHeader(401)
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/":
			_, _ = io.WriteString(w, "agent-role\n")
		case r.URL.Path == "/latest/meta-data/iam/security-credentials/agent-role":
			is.CredHits.Add(1)
			_ = json.NewEncoder(w).Encode(map[string]string{"Code": "Success", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret",
				"Token": "imds-token-" + fmt.Sprint(is.CredHits.Load()), "Expiration": expires().UTC().Format(time.RFC3339)})
		case r.URL.Path == "/latest/dynamic/instance-identity/document":
			_, _ = io.WriteString(w, `{"region": "ap-northeast-3", "instanceId": "i-0123456789abcdef0"}`)
		default:
			w.WriteHeader(404)
		}
	}))
	t.Cleanup(is.Close)
	return is
}
