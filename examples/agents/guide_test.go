package agents

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/testenv"
)

// block is a fenced block of the guide.
type block struct {
	lang, body string
	section    string // "## " heading, then "/" and the "### " one
	line       int    // where its first line is
	follows    bool   // only blank lines between it and the block before
}

// guideBlocks returns the guide's fenced blocks, each with the section it
// is in.
func guideBlocks(t *testing.T) []block {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, guidePath))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []block
	var cur *block
	section, sub, prose := "", "", false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &block{lang: strings.TrimPrefix(line, "```"), section: section + "/" + sub, line: n + 1, follows: !prose}
		case cur != nil && line == "```":
			blocks = append(blocks, *cur)
			cur, prose = nil, false
		case cur != nil:
			cur.body += line + "\n"
		case strings.HasPrefix(line, "## "):
			section, sub, prose = strings.TrimPrefix(line, "## "), "", true
		case strings.HasPrefix(line, "### "):
			sub, prose = strings.TrimPrefix(line, "### "), true
		case strings.TrimSpace(line) != "":
			prose = true
		}
	}
	if cur != nil {
		t.Fatalf("%s: the block at line %d is not closed", guidePath, cur.line)
	}
	return blocks
}

// recipe is a ```sh block followed by the ```text block of what it
// prints on stdout.
type recipe struct {
	block
	want string
}

// guideRecipes returns the guide's recipes, and its other ```sh blocks
// (steps on a real machine).
func guideRecipes(t *testing.T) (recipes []recipe, steps []block) {
	blocks := guideBlocks(t)
	for i, bl := range blocks {
		if bl.lang != "sh" {
			continue
		}
		if i+1 < len(blocks) && blocks[i+1].lang == "text" && blocks[i+1].follows {
			recipes = append(recipes, recipe{bl, blocks[i+1].body})
			continue
		}
		steps = append(steps, bl)
	}
	return recipes, steps
}

// matches reports whether got's lines hold want's in order, "..." in a
// line of want standing for any text.
func matches(got, want string) bool {
	lines := strings.Split(got, "\n")
	i := 0
	for _, w := range strings.Split(strings.TrimRight(want, "\n"), "\n") {
		parts := strings.Split(w, "...")
		for j := range parts {
			parts[j] = regexp.QuoteMeta(parts[j])
		}
		re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return false
		}
		i++
	}
	return true
}

// TestGuideRecipesRun: the recipes of docs/agents.md run word for word,
// each section's (a "### " heading: they start by resetting the fake) in
// one shell in the guide's order (as a reader's shell keeps what a recipe
// exports), on instance B of a fake of the section's own set up as the
// guide says, and print what the guide shows; the fake's state is then what
// they said. Among them, resource-agents' ocf-tester
// runs every action of the Pacemaker agent (meta-data against
// ra-api-1.dtd, validate-all, probes, start and stop twice each, monitor
// after each).
func TestGuideRecipesRun(t *testing.T) {
	requireOCF(t)
	testenv.RequireCommand(t, "ocf-tester", "resource-agents")
	testenv.RequireCommand(t, "xmllint", "libxml2-utils")
	testenv.RequireCommand(t, "curl", "curl")
	recipes, _ := guideRecipes(t)
	var order []string
	bySection := map[string][]recipe{}
	for _, r := range recipes {
		if bySection[r.section] == nil {
			order = append(order, r.section)
		}
		bySection[r.section] = append(bySection[r.section], r)
	}
	// Where each section leaves the interfaces.
	after := map[string]func(t *testing.T, f *fakeEC2){
		"Pacemaker/Try it": func(t *testing.T, f *fakeEC2) {
			f.wantAvailable(t, "the Pacemaker recipes", ec2test.FailoverInterface)
		},
		"Pacemaker/Check it with ocf-tester": func(t *testing.T, f *fakeEC2) {
			f.wantAvailable(t, "ocf-tester", ec2test.SpareInterface)
		},
		// Two MASTER notifications at once, or two runs of the unit's
		// command: one move.
		"keepalived/Try it": func(t *testing.T, f *fakeEC2) {
			f.wantAttached(t, "the keepalived recipes", ec2test.FailoverInterface, ec2test.InstanceB, 1)
			f.wantMovedOnce(t, "the keepalived recipes", ec2test.FailoverInterface)
		},
		"systemd/Try it": func(t *testing.T, f *fakeEC2) {
			f.wantAttached(t, "the systemd recipes", ec2test.FailoverInterface, ec2test.InstanceB, 1)
			f.wantMovedOnce(t, "the systemd recipes", ec2test.FailoverInterface)
		},
	}
	if len(order) != len(after) {
		t.Fatalf("%s has recipes in %q, want them in the %d sections this test knows", guidePath, order, len(after))
	}
	for _, section := range order {
		if first := bySection[section][0]; first.body != "curl -s -X POST \"$AWS_ENDPOINT_URL_EC2/_ec2test/reset\"\n" {
			t.Errorf("%s:%d: the recipes of %q do not start by resetting the fake", guidePath, first.line, section)
		}
	}
	for _, section := range order {
		t.Run(section, func(t *testing.T) {
			t.Parallel()
			// Attaches and detaches done at once: what is printed is the same.
			f := startFake(t, "-transition", "0")
			runSection(t, f, bySection[section])
			if check := after[section]; check != nil {
				check(t, f)
			} else {
				t.Errorf("no check of the fake's state after section %q", section)
			}
		})
	}
}

// runSection runs recipes in one bash, each followed by a marker line on
// stdout, and compares what each printed with what the guide shows.
func runSection(t *testing.T, f *fakeEC2, recipes []recipe) {
	var script strings.Builder
	for i, r := range recipes {
		fmt.Fprintf(&script, "%s\necho '@@recipe %d'\n", r.body, i)
	}
	cmd := exec.Command("bash", "-c", script.String())
	cmd.Dir = root
	// The guide's environment; the script's lock directory is the test's own.
	cmd.Env = append(f.env(t, ec2test.InstanceB), "LOCK_DIR="+t.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	timer := time.AfterFunc(60*time.Second, func() { _ = cmd.Process.Kill() })
	err := cmd.Run()
	timer.Stop()
	if err != nil {
		t.Errorf("bash: %v\nstderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	for i, r := range recipes {
		got, rest, ok := strings.Cut(out, fmt.Sprintf("@@recipe %d\n", i))
		if !ok {
			t.Fatalf("%s:%d did not end; stdout:\n%s\nstderr:\n%s", guidePath, r.line, out, stderr.String())
		}
		out = rest
		if !matches(got, r.want) {
			t.Errorf("%s:%d printed\n%s\nwant\n%s\nstderr of the section:\n%s", guidePath, r.line, got, r.want, stderr.String())
		}
	}
}

// TestGuideMatchesTheFiles: what the guide says to run on a real machine,
// which no test runs, names the files and settings that exist: every path
// of the repository it names, the agent's parameters and monitor operation
// in the pcs line, the notify line of keepalived.conf; the environment it
// says to set for the recipes is the one TestGuideRecipesRun sets, and its
// systemd recipe runs the unit's own command line.
func TestGuideMatchesTheFiles(t *testing.T) {
	requireOCF(t)
	if _, err := os.Stat(filepath.Join(root, "cmd", "enidetach")); err != nil {
		t.Skip("skipping: cmd/enidetach, which the guide builds, is missing (the command moves there from examples/detach)")
	}
	t.Parallel()
	recipes, steps := guideRecipes(t)
	all := append([]block{}, steps...)
	for _, r := range recipes {
		all = append(all, r.block)
	}
	for _, bl := range all {
		for _, p := range regexp.MustCompile(`(?:\./)?(?:examples|cmd)/[\w./@-]*\w`).FindAllString(bl.body, -1) {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s:%d names %s, which does not exist", guidePath, bl.line, p)
			}
		}
	}
	_, meta := run(t, agentEnv(t, "/nonexistent"), agentPath, "meta-data")
	var pcs, exports string
	for _, bl := range steps {
		for _, line := range strings.Split(bl.body, "\n") {
			if strings.HasPrefix(line, "pcs resource create ") {
				pcs = line
			}
			if strings.HasPrefix(line, "export AWS_") {
				exports += line + "\n"
			}
		}
	}
	if pcs == "" {
		t.Fatalf("%s has no pcs resource create line", guidePath)
	}
	for _, m := range regexp.MustCompile(` (\w+)=\S+`).FindAllStringSubmatch(strings.Split(pcs, " op ")[0], -1) {
		if !strings.Contains(meta, `<parameter name="`+m[1]+`"`) {
			t.Errorf("the pcs line sets %s, which the agent does not take", m[1])
		}
	}
	monitor := regexp.MustCompile(`<action name="monitor"\s+timeout="(\w+)" interval="(\w+)"`).FindStringSubmatch(meta)
	if monitor == nil || !strings.HasSuffix(pcs, " op monitor interval="+monitor[2]+" timeout="+monitor[1]) {
		t.Errorf("the pcs line's monitor operation is not the meta-data's %q: %s", monitor, pcs)
	}
	if guide, _ := os.ReadFile(filepath.Join(root, guidePath)); monitor != nil && !strings.Contains(string(guide), "at the default "+strings.TrimSuffix(monitor[2], "s")+" s,") {
		t.Errorf("%s's sizing of the monitor interval does not start from the meta-data's default %s", guidePath, monitor[2])
	}

	// The recipes' environment.
	want := map[string]string{"AWS_ACCESS_KEY_ID": ec2test.DefaultAccessKeyID, "AWS_SECRET_ACCESS_KEY": ec2test.DefaultSecretAccessKey,
		"AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL_EC2": "http://127.0.0.1:8599", "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:PORT"}
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(AWS_\w+)=(\S+)`).FindAllStringSubmatch(exports, -1) {
		got[m[1]] = m[2]
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("the guide sets %s=%q for the recipes, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the guide sets %v for the recipes, want %v", got, want)
	}
	if !strings.Contains(strings.Join(blockBodies(steps), ""), "go run ./examples/local -serve 127.0.0.1:8599\n") {
		t.Errorf("the guide does not start the fake on 127.0.0.1:8599")
	}

	// keepalived.conf's notify line, and the unit's command line.
	_, args := notifyArgs(t, "", "", "", "")
	notify := `notify "/usr/local/libexec/enidetach-notify ` + strings.Join(args[:len(args)-4], " ") + `"`
	_, _, execStart, _ := unitSettings(t)
	runsUnit := strings.TrimPrefix(execStart, "/usr/local/bin/") + " 2>/dev/null\n"
	var sawNotify, sawUnit bool
	for _, bl := range guideBlocks(t) {
		sawNotify = sawNotify || bl.lang == "conf" && strings.Contains(bl.body, "    "+notify+"\n")
		sawUnit = sawUnit || bl.lang == "sh" && strings.Contains(bl.body, "\n"+runsUnit)
	}
	if !sawNotify {
		t.Errorf("the guide does not show keepalived.conf's %s", notify)
	}
	if !sawUnit {
		t.Errorf("no recipe of the guide runs the unit's command line %s", runsUnit)
	}
}

func blockBodies(blocks []block) []string {
	var out []string
	for _, bl := range blocks {
		out = append(out, bl.body)
	}
	return out
}
