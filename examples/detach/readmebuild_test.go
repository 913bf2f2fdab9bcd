package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
)

// TestREADMEBuildsTheRecipesCommand: the README's script recipe calls
// `detach`, which nothing put on PATH: copied as written it answered
// "detach: command not found" (127), and the recipe reported the failover
// failed. The README now says how to build it there; that line, run as
// written from the repository's root, builds a working command.
func TestREADMEBuildsTheRecipesCommand(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var build string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "go build -o ") && strings.Contains(line, "/detach") && strings.Contains(line, "./examples/detach") {
			build = line
		}
	}
	if build == "" {
		t.Fatal("the README does not say how to build the command its recipe calls (go build -o .../detach ./examples/detach)")
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
	out, err := exec.Command(filepath.Join(home, "bin", "detach"), "-version").Output()
	if err != nil || !strings.HasPrefix(string(out), "enidetach "+enidetach.Version+" (") {
		t.Errorf("the built command: %q, %v", out, err)
	}
}
