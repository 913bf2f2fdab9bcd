package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
)

// TestCommandDocBuildsTheCommand: the recipes call `enidetach`, which
// nothing put on PATH: copied as written they would answer "enidetach:
// command not found" (127). docs/command.md says how to build it there;
// that line, run as written from the repository's root, builds a working
// command.
func TestCommandDocBuildsTheCommand(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(commandDoc)
	if err != nil {
		t.Fatal(err)
	}
	var build string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "go build -o ") && strings.Contains(line, "/enidetach") && strings.Contains(line, "./cmd/enidetach") {
			build = line
		}
	}
	if build == "" {
		t.Fatal("docs/command.md does not say how to build the command its recipes call (go build -o .../enidetach ./cmd/enidetach)")
	}
	// The go command's caches stay where they are (they default to
	// places under HOME): nothing is downloaded or rebuilt.
	goEnv, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err != nil {
		t.Fatal(err)
	}
	vals := strings.Split(strings.TrimSpace(string(goEnv)), "\n")
	if len(vals) != 3 {
		t.Fatalf("go env: %q", goEnv)
	}
	home := t.TempDir()
	cmd := exec.Command("sh", "-c", build)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "HOME="+home, "GOCACHE="+vals[0], "GOMODCACHE="+vals[1], "GOPATH="+vals[2], "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, out)
	}
	out, err := exec.Command(filepath.Join(home, "bin", "enidetach"), "-version").Output()
	if err != nil || !strings.HasPrefix(string(out), "enidetach "+enidetach.Version+" (") {
		t.Errorf("the built command: %q, %v", out, err)
	}
}
