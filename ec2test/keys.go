package ec2test

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// The default key every server accepts, allowed every action.
const (
	DefaultAccessKeyID     = "AKIAEC2TESTEXAMPLE01"
	DefaultSecretAccessKey = "ec2test/secret/key/for/local/tests/only"
)

// Key is an access key the server accepts.
type Key struct {
	// AccessKeyID identifies the key in the Authorization header.
	AccessKeyID string
	// SecretAccessKey is what requests signed with the key are verified
	// with.
	SecretAccessKey string
	// SessionToken, when set, must be sent as X-Amz-Security-Token.
	SessionToken string
	// Denied keys are refused every action with 403 UnauthorizedOperation,
	// also in dry runs.
	Denied bool

	expired bool
}

// Credentials returns a provider of the default key, allowed every action.
func (s *Server) Credentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(DefaultAccessKeyID, DefaultSecretAccessKey, "")
}

// AddKey adds or replaces an access key.
func (s *Server) AddKey(k Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[k.AccessKeyID] = k
}

// ExpireKey makes requests signed with the key fail with RequestExpired, as
// expired temporary credentials do, until the key is added again.
func (s *Server) ExpireKey(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[accessKeyID]; ok {
		k.expired = true
		s.keys[accessKeyID] = k
	}
}

// Keys returns every access key the server accepts, secrets included,
// sorted by access key ID: the default key, those of WithKeys and AddKey.
func (s *Server) Keys() []Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Key, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].AccessKeyID < out[j].AccessKeyID })
	return out
}

func (s *Server) key(id string) (Key, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.keys[id]
	return k, ok
}
