package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// commandDoc is the command's guide, whose recipes these tests run.
const commandDoc = "../../docs/command.md"

// docRecipes returns the sh blocks of docs/command.md that are recipes:
// those that say the state they start from.
func docRecipes(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(commandDoc)
	if err != nil {
		t.Fatal(err)
	}
	var recipes []string
	for _, block := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.HasPrefix(block, "# Starts from: ") {
			recipes = append(recipes, block)
		}
	}
	if len(recipes) < 3 {
		t.Fatalf("%s has %d recipes (sh blocks starting with \"# Starts from: \"), want the detach, the failover move and the agents' lines", commandDoc, len(recipes))
	}
	return recipes
}

// TestCommandDocRecipes: every recipe of docs/command.md, run by sh word
// for word with the built command (fastProgram) on PATH as enidetach and the
// environment its "Try it" section sets (examples/local -serve's endpoint
// and keys, this instance the standby through its metadata service), exits
// 0 and leaves the interface where it says: detached, or at the standby.
// Each starts by resetting the fake, so each runs alone, in any order.
func TestCommandDocRecipes(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl on this machine")
	}
	program := fastProgram(t)
	bin := t.TempDir()
	if err := os.Symlink(program, filepath.Join(bin, "enidetach")); err != nil {
		t.Fatal(err)
	}
	for i, recipe := range docRecipes(t) {
		want := "not attached"
		if strings.Contains(recipe, `-to-instance-id "$STANDBY"`) {
			want = atB
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(recipe, "# Starts from: "), "\n")
		t.Run(strings.Repeat("I", i+1), func(t *testing.T) {
			t.Parallel()
			l := serveLocal(t, "-transition", "300ms") // what the recipes do and print is the same
			for run := 1; run <= 1; run++ {
				cmd := exec.Command("sh", "-c", recipe)
				cmd.Dir = t.TempDir()
				cmd.Env = append(childEnv(t)[1:2], "PATH="+bin+":"+os.Getenv("PATH"), "ENI="+ec2test.FailoverInterface,
					"PRIMARY="+ec2test.InstanceA, "STANDBY="+ec2test.InstanceB,
					"AWS_ACCESS_KEY_ID="+l.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+l.SecretAccessKey,
					"AWS_ENDPOINT_URL_EC2="+l.Endpoint, "AWS_REGION="+l.Region, "AWS_EC2_METADATA_SERVICE_ENDPOINT="+l.imds(t, ec2test.InstanceB))
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("run %d of the recipe starting from %q failed: %v\n%s\n%s", run, name, err, recipe, out)
				}
				if got := l.where(t); !strings.Contains(got, want) {
					t.Errorf("run %d: after the recipe the interface is %s, want %s\n%s", run, got, want, recipe)
				}
			}
		})
	}
}

// imds returns the metadata endpoint -serve printed for instance id.
func (l *local) imds(t *testing.T, id string) string {
	t.Helper()
	for _, in := range l.Instances {
		if in.InstanceID == id && in.IMDSEndpoint != "" {
			return in.IMDSEndpoint
		}
	}
	t.Fatalf("-serve printed no imdsEndpoint for %s", id)
	return ""
}

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

// TestDocMovesNameTheirSource: every move the README and docs/*.md show,
// to the command or to MoveNetworkInterface, names the interface and where
// it is expected (a source instance and slot, or the attachment), so that a
// script copied from it never takes the interface from a third instance.
// A move by the interface alone detaches it from wherever it is found: the
// README's failover script and Go recipes did, acting on a guess when
// someone else had moved the interface between two runs. The one exception
// is an agent's move to self, whose cluster manager decided that the
// interface comes here from wherever it is.
func TestDocMovesNameTheirSource(t *testing.T) {
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, name := range append(docs, "../../README.md") {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, doc...)
	}
	fence := regexp.MustCompile("(?s)```(sh|go)\n(.*?)```")
	source := regexp.MustCompile(`(^|\s)-(instance-id|attachment-id)\b|\b(FromInstanceID|AttachmentID):`)
	moves := 0
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		// Commands continued with a backslash are one command.
		text := strings.ReplaceAll(m[2], "\\\n", " ")
		for _, cmd := range strings.Split(text, "\n") {
			if m[1] != "sh" || !strings.Contains(cmd, "-to-instance-id") || strings.Contains(cmd, "-to-instance-id self") {
				continue
			}
			moves++
			if !strings.Contains(cmd, "-network-interface-id") {
				t.Errorf("move without -network-interface-id (a re-run cannot find it once detached):\n%s", cmd)
			}
			if !source.MatchString(cmd) {
				t.Errorf("move without a source (-instance-id with -device-index, or -attachment-id):\n%s", cmd)
			}
		}
		if m[1] == "go" && strings.Contains(m[2], "MoveNetworkInterfaceInput{") {
			moves++
			in, _, _ := strings.Cut(m[2][strings.Index(m[2], "MoveNetworkInterfaceInput{"):], "}")
			if !strings.Contains(in, "NetworkInterfaceID:") || !source.MatchString(in) {
				t.Errorf("Go move without NetworkInterfaceID and a source (FromInstanceID or AttachmentID):\n%s", in)
			}
		}
	}
	if moves == 0 {
		t.Fatal("no move found in the README and docs/*.md")
	}
}
