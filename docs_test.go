package enidetach_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The documentation's Go snippets are compiled and run by tests: every
// ```go block of docs/<guide>.md is carried, line for line, by a function
// of docs_<guide>_test.go (a hyphen in the guide's name an underscore),
// which a test of that file runs against ec2test with its error branches;
// the README's quick start is the program examples/quickstart, run by its
// own test. TestDocSnippets holds them together, TestDocLinks checks every
// relative link and anchor of the project's Markdown.

// docPages returns README.md and the guides in docs/.
func docPages(t *testing.T) []string {
	t.Helper()
	guides, err := filepath.Glob("docs/*.md")
	if err != nil || len(guides) == 0 {
		t.Fatalf("no guide in docs/ (%v)", err)
	}
	return append([]string{"README.md"}, guides...)
}

// snippetCarriers returns the files that must carry page's Go snippets.
func snippetCarriers(page string) []string {
	if page == "README.md" {
		return []string{"examples/quickstart/main.go"}
	}
	stem := strings.TrimSuffix(path.Base(page), ".md")
	return []string{"docs_" + strings.ReplaceAll(stem, "-", "_") + "_test.go"}
}

// goBlock is one ```go block of a page: its lines (leading white space and
// blank lines dropped), where it starts and the heading it is under.
type goBlock struct {
	lines   []string
	line    int
	heading string
}

// goBlocks returns every ```go block of markdown.
func goBlocks(markdown string) ([]goBlock, error) {
	var blocks []goBlock
	var cur *goBlock
	heading := "(top)"
	sc := bufio.NewScanner(strings.NewReader(markdown))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &goBlock{line: n, heading: heading}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil && trimmed != "":
			cur.lines = append(cur.lines, strings.TrimLeft(line, " \t"))
		case cur == nil && strings.HasPrefix(line, "#"):
			heading = line
		}
	}
	if cur != nil {
		return blocks, fmt.Errorf("the ```go block at line %d is not closed", cur.line)
	}
	return blocks, nil
}

// normalized returns the lines of a Go file as goBlocks returns a block's.
func normalized(src string) []string {
	var out []string
	for _, line := range strings.Split(src, "\n") {
		if strings.TrimSpace(line) != "" {
			out = append(out, strings.TrimRight(strings.TrimLeft(line, " \t"), "\r"))
		}
	}
	return out
}

// containsRun reports whether want appears in have as consecutive lines.
func containsRun(have, want []string) bool {
	if len(want) == 0 {
		return true
	}
	for i := 0; i+len(want) <= len(have); i++ {
		j := 0
		for j < len(want) && have[i+j] == want[j] {
			j++
		}
		if j == len(want) {
			return true
		}
	}
	return false
}

// TestDocSnippets: every ```go block of README.md and docs/*.md appears,
// line for line (leading white space and blank lines ignored), in the file
// that carries that page's snippets, where a test compiles and runs it.
func TestDocSnippets(t *testing.T) {
	t.Parallel()
	for _, page := range docPages(t) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		blocks, err := goBlocks(string(b))
		if err != nil {
			t.Errorf("%s: %v", page, err)
		}
		if len(blocks) == 0 {
			continue
		}
		var sources [][]string
		for _, f := range snippetCarriers(page) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Errorf("%s has Go snippets but no %s to compile and run them (%v)", page, f, err)
				continue
			}
			sources = append(sources, normalized(string(src)))
		}
		for _, block := range blocks {
			found := false
			for _, src := range sources {
				found = found || containsRun(src, block.lines)
			}
			if !found {
				t.Errorf("%s, under %q, the ```go block at line %d is not carried verbatim by %v: put it in a function there that a test runs against ec2test, error branches included:\n%s",
					page, block.heading, block.line, snippetCarriers(page), strings.Join(block.lines, "\n"))
			}
		}
	}
}

// TestDocSnippetsCheckFails: the check itself finds a snippet missing, a
// changed line and lines out of order, and names each block's heading.
func TestDocSnippetsCheckFails(t *testing.T) {
	t.Parallel()
	src := normalized("func f() {\n\ta := 1\n\n\tb := 2\n}\n")
	blocks, err := goBlocks("text\n## One\n```go\na := 1\n  b := 2\n```\n```go\nb := 2\na := 1\n```\n### Two\n```go\na := 3\n```\n```sh\nnot go\n```\n")
	if err != nil || len(blocks) != 3 {
		t.Fatalf("%d go blocks (%v), want 3", len(blocks), err)
	}
	if !containsRun(src, blocks[0].lines) || containsRun(src, blocks[1].lines) || containsRun(src, blocks[2].lines) {
		t.Errorf("containsRun: want only the first block found")
	}
	if blocks[1].heading != "## One" || blocks[2].heading != "### Two" || blocks[2].line != 12 {
		t.Errorf("blocks placed %+v", blocks)
	}
	if _, err := goBlocks("```go\nx := 1\n"); err == nil {
		t.Error("an unclosed block went unnoticed")
	}
}

var (
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode = regexp.MustCompile("`[^`]*`")
)

// anchors returns the GitHub anchors of markdown's headings: lower case,
// punctuation dropped, spaces as hyphens, repeats numbered.
func anchors(markdown string) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	for _, line := range strings.Split(markdown, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
		}
		if inFence || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(text) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			out[fmt.Sprintf("%s-%d", slug, n)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

// links returns the link targets of markdown outside code.
func links(markdown string) []string {
	var out []string
	inFence := false
	for _, line := range strings.Split(markdown, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// brokenLinks returns what is wrong with the relative links of page.
func brokenLinks(page string, read func(string) (string, error)) []string {
	text, err := read(page)
	if err != nil {
		return []string{err.Error()}
	}
	var broken []string
	for _, target := range links(text) {
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		file, anchor, _ := strings.Cut(target, "#")
		dest := page
		if file != "" {
			dest = path.Join(path.Dir(page), file)
		}
		destText, err := read(dest)
		switch {
		case err != nil && isDir(dest):
			if anchor != "" {
				broken = append(broken, fmt.Sprintf("%s: %s: an anchor into a directory", page, target))
			}
			continue
		case err != nil:
			broken = append(broken, fmt.Sprintf("%s: %s: %s does not exist", page, target, dest))
			continue
		}
		if anchor != "" && strings.HasSuffix(dest, ".md") && !anchors(destText)[anchor] {
			broken = append(broken, fmt.Sprintf("%s: %s: %s has no heading #%s", page, target, dest, anchor))
		}
	}
	return broken
}

func isDir(name string) bool {
	fi, err := os.Stat(filepath.FromSlash(name))
	return err == nil && fi.IsDir()
}

func readText(name string) (string, error) {
	b, err := os.ReadFile(filepath.FromSlash(name))
	return string(b), err
}

// TestDocLinks: every relative link of the project's Markdown names a file
// that exists, and every anchor a heading of its page.
func TestDocLinks(t *testing.T) {
	t.Parallel()
	pages := append(docPages(t), "BENCHMARKS.md", "CONTRIBUTING.md", "SECURITY.md", "CHANGELOG.md")
	for _, page := range pages {
		for _, b := range brokenLinks(page, readText) {
			t.Error(b)
		}
	}
}

// TestDocLinksCheckFails: the link check finds a missing file, a missing
// anchor in another page and in its own, and passes what resolves.
func TestDocLinksCheckFails(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"docs/a.md": "# A\n## Detach and wait: `res.State`\n[ok](b.md#bee) [ok](#detach-and-wait-resstate) [ok](../top.md) [ok](https://example.com/x#y)\n" +
			"[no](missing.md) [no](b.md#nope) [no](#nope) `[code](missing.md)`\n```sh\n[fence](missing.md)\n```\n",
		"docs/b.md": "# Bee\n",
		"top.md":    "# Top\n",
	}
	read := func(name string) (string, error) {
		if s, ok := files[name]; ok {
			return s, nil
		}
		return "", os.ErrNotExist
	}
	got := brokenLinks("docs/a.md", read)
	want := []string{
		"docs/a.md: missing.md: docs/missing.md does not exist",
		"docs/a.md: b.md#nope: docs/b.md has no heading #nope",
		"docs/a.md: #nope: docs/a.md has no heading #nope",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("broken links:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// captureLog sends the standard logger to a buffer for the rest of the
// test. Tests that use it are not parallel: the logger is the process's.
func captureLog(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	log.SetFlags(0)
	t.Cleanup(func() { log.SetOutput(out); log.SetFlags(flags) })
	return &buf
}

// docsClient returns a client of srv.
func docsClient(t *testing.T, srv *ec2test.Server) *enidetach.Client {
	t.Helper()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// lineLog stands in for package log in the guides' recipes: it keeps the
// lines logged, for the test to check.
type lineLog struct{ lines []string }

func (l *lineLog) Printf(format string, args ...any) {
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// TestREADMEIsShort: the README stays what a newcomer reads in five
// minutes; the details go to docs/.
func TestREADMEIsShort(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n > 250 {
		t.Errorf("README.md has %d lines, more than 250: move the details into a guide of docs/", n)
	}
}

// TestBenchmarksHoldResultsNotHistory: BENCHMARKS.md holds results, how to
// reproduce them and what they are measured against; commits and branches
// are the git log's, and a reader cannot reproduce them.
func TestBenchmarksHoldResultsNotHistory(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("BENCHMARKS.md")
	if err != nil {
		t.Fatal(err)
	}
	if bad := historyIn(string(b)); len(bad) > 0 {
		t.Errorf("BENCHMARKS.md reads as development history: %q", bad)
	}
	if bad := historyIn("measured at 5b8d949 on this branch, merged from the `wait` branch"); len(bad) != 3 {
		t.Errorf("the check finds %q in a line with a hash and two branches, want all three", bad)
	}
}

// historyIn returns what in text looks like a commit hash or names a branch.
func historyIn(text string) []string {
	hash := regexp.MustCompile(`\b[0-9a-f]{7,40}\b`)
	branch := regexp.MustCompile(`(?i)(this|the ` + "`?" + `\w+` + "`?" + `) branch`)
	var found []string
	for _, h := range hash.FindAllString(text, -1) {
		if strings.ContainsAny(h, "abcdef") && strings.ContainsAny(h, "0123456789") {
			found = append(found, h)
		}
	}
	return append(found, branch.FindAllString(text, -1)...)
}
