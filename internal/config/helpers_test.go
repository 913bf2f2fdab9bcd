package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
)

// mapEnv is a fake environment, so tests never read the process's.
type mapEnv map[string]string

func (m mapEnv) Get(k string) string { return m[k] }

// testEnv returns a hermetic environment: HOME at a temporary directory
// holding the given ~/.aws config and credentials files (none when
// empty), and vars as name, value pairs.
func testEnv(t *testing.T, config, creds string, vars ...string) mapEnv {
	t.Helper()
	home := t.TempDir()
	for name, content := range map[string]string{"config": config, "credentials": creds} {
		if content == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(home, ".aws", name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env := mapEnv{"HOME": home}
	for i := 0; i+1 < len(vars); i += 2 {
		env[vars[i]] = vars[i+1]
	}
	return env
}

// ec2Input is the input of an EC2 client with static credentials.
func ec2Input(fns ...func(*Input)) Input {
	in := Input{Service: "EC2", APIVersion: "2016-11-15", Version: "0.0.0-test",
		Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}
	for _, fn := range fns {
		fn(&in)
	}
	return in
}
