package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

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
