package enidetach_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"log"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// This file holds the Go snippets of README.md, each in a function that a
// test runs against ec2test, its error branches included, and
// TestREADMESnippets, which fails when a snippet of the README is not
// carried, line for line, by a readme*_test.go file of this directory.
// Snippets other engineers add live in readme_<topic>_test.go files.

// goBlocks returns the lines of every ```go block of markdown, leading
// white space and blank lines dropped, with the line each block starts at.
func goBlocks(t *testing.T, markdown string) (blocks [][]string, starts []int) {
	t.Helper()
	var cur []string
	in := false
	sc := bufio.NewScanner(strings.NewReader(markdown))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case !in && trimmed == "```go":
			in, cur = true, nil
			starts = append(starts, n)
		case in && trimmed == "```":
			in = false
			blocks = append(blocks, cur)
		case in && trimmed != "":
			cur = append(cur, strings.TrimLeft(line, " \t"))
		}
	}
	if in {
		t.Fatalf("a ```go block starting at line %d is not closed", starts[len(starts)-1])
	}
	return blocks, starts
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

// TestREADMESnippets: every ```go block of README.md appears, line for line
// (leading white space and blank lines ignored), in one readme*_test.go
// file of this directory, where a test compiles and runs it.
func TestREADMESnippets(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("readme*_test.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no readme*_test.go file (%v)", err)
	}
	var sources [][]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, normalized(string(b)))
	}
	blocks, starts := goBlocks(t, string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	for i, block := range blocks {
		found := false
		for _, src := range sources {
			if containsRun(src, block) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README.md's ```go block at line %d is not carried verbatim by any of %v: put it in a function of a readme_<topic>_test.go that a test runs against ec2test, error branches included:\n%s",
				starts[i], files, strings.Join(block, "\n"))
		}
	}
}

// TestREADMESnippetsCheckFails: the check itself finds a snippet missing,
// a changed line and lines out of order.
func TestREADMESnippetsCheckFails(t *testing.T) {
	t.Parallel()
	src := normalized("func f() {\n\ta := 1\n\n\tb := 2\n}\n")
	blocks, _ := goBlocks(t, "text\n```go\na := 1\n  b := 2\n```\n```go\nb := 2\na := 1\n```\n```go\na := 3\n```\n```sh\nnot go\n```\n")
	if len(blocks) != 3 {
		t.Fatalf("%d go blocks, want 3", len(blocks))
	}
	if !containsRun(src, blocks[0]) || containsRun(src, blocks[1]) || containsRun(src, blocks[2]) {
		t.Errorf("containsRun: want only the first block found")
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

// readmeClient returns a client of srv.
func readmeClient(t *testing.T, srv *ec2test.Server) *enidetach.Client {
	t.Helper()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// readmeUse is the README's "Use" snippet.
func readmeUse(ctx context.Context) error {
	client, err := enidetach.New(enidetach.Options{Region: "eu-west-1"})
	if err != nil {
		return err // a *enidetach.ValidationError: nothing was sent
	}
	out, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{
		AttachmentID: "eni-attach-0123456789abcdef0",
	})
	if err != nil {
		return err
	}
	log.Printf("detach accepted (return=%t, request %s)", out.Return, out.RequestID)
	return nil
}

// TestREADMEUse runs the "Use" snippet as written, its region and
// credentials from the environment pointing at ec2test.
func TestREADMEUse(t *testing.T) {
	logged := captureLog(t)
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-1"))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", ec2test.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", ec2test.DefaultSecretAccessKey)
	t.Setenv("AWS_ENDPOINT_URL_EC2", srv.URL)
	ctx := context.Background()
	if err := readmeUse(ctx); err != nil || !strings.Contains(logged.String(), "detach accepted (return=true, request ") {
		t.Errorf("success: %v, log %q", err, logged)
	}
	// Detached already: the service's answer.
	if err := readmeUse(ctx); !errors.Is(err, enidetach.ErrAttachmentNotFound) {
		t.Errorf("second detach: %v, want ErrAttachmentNotFound", err)
	}
	// Refused before anything is sent.
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://ec2.example.com")
	var ve *enidetach.ValidationError
	if err := readmeUse(ctx); !errors.As(err, &ve) {
		t.Errorf("plain http to a remote host: %v, want a *ValidationError", err)
	}
}

// readmeLookup is the README's LookupAttachment snippet.
func readmeLookup(ctx context.Context, client *enidetach.Client) (*enidetach.WaitResult, error) {
	att, err := client.LookupAttachment(ctx, &enidetach.LookupAttachmentInput{InstanceID: "i-0123456789abcdef0", DeviceIndex: 1})
	var none *enidetach.NoAttachmentError
	switch {
	case errors.As(err, &none):
		return nil, nil // nothing attached there (none.Interface is set when the interface exists, unattached)
	case err != nil:
		return nil, err // the lookup failed: att is nil
	}
	res, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: att.AttachmentID},
		func(o *enidetach.WaitOptions) { o.NetworkInterfaceID = att.NetworkInterfaceID })
	return res, err
}

// TestREADMELookup runs the snippet with something attached, with nothing
// attached and with a lookup that fails; none may panic.
func TestREADMELookup(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	client := readmeClient(t, srv)
	ctx := context.Background()
	res, err := readmeLookup(ctx, client)
	if err != nil || res == nil || !res.Detached || res.Detach == nil {
		t.Fatalf("attached: (%+v, %v), want detached", res, err)
	}
	if res, err := readmeLookup(ctx, client); res != nil || err != nil {
		t.Errorf("nothing attached: (%+v, %v), want (nil, nil)", res, err)
	}
	srv.Inject(ec2test.APIError(403, "UnauthorizedOperation"), 1)
	if res, err := readmeLookup(ctx, client); res != nil || !errors.Is(err, enidetach.ErrUnauthorizedOperation) {
		t.Errorf("lookup refused: (%+v, %v), want UnauthorizedOperation", res, err)
	}
}

// readmeDryRun is the README's DryRun snippet.
func readmeDryRun(ctx context.Context, client *enidetach.Client, id string) (string, error) {
	_, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: id, DryRun: true})
	switch {
	case errors.Is(err, enidetach.ErrDryRunOperation):
		return "permitted", nil
	case errors.Is(err, enidetach.ErrUnauthorizedOperation):
		return "not permitted", nil
	default:
		return "", err // could not tell: err says why
	}
}

// TestREADMEDryRun runs each branch of the DryRun idiom.
func TestREADMEDryRun(t *testing.T) {
	t.Parallel()
	denied := ec2test.Key{AccessKeyID: "AKIAREADMEDENIED0001", SecretAccessKey: "readme/denied/secret", Denied: true}
	srv := ec2test.NewServer(ec2test.WithKeys(denied))
	defer srv.Close()
	ctx := context.Background()
	if got, err := readmeDryRun(ctx, readmeClient(t, srv), ec2test.FailoverAttachment); got != "permitted" || err != nil {
		t.Errorf("default key: (%q, %v)", got, err)
	}
	deniedClient, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL,
		Credentials: credentials.NewStaticCredentialsProvider(denied.AccessKeyID, denied.SecretAccessKey, "")})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readmeDryRun(ctx, deniedClient, ec2test.FailoverAttachment); got != "not permitted" || err != nil {
		t.Errorf("denied key: (%q, %v)", got, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if got, err := readmeDryRun(cancelled, deniedClient, ec2test.FailoverAttachment); got != "" || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: (%q, %v), want the context's error", got, err)
	}
}

// readmeCall is the README's "Other EC2 actions" snippet.
func readmeCall(ctx context.Context, client *enidetach.Client, eni string) error {
	var out struct {
		Interfaces []struct {
			ID     string `xml:"networkInterfaceId"`
			Status string `xml:"status"`
		} `xml:"networkInterfaceSet>item"`
	}
	err := client.Call(ctx, "DescribeNetworkInterfaces", url.Values{"NetworkInterfaceId.1": {eni}}, &out)
	if err != nil {
		return err // an unknown interface: an *APIError, InvalidNetworkInterfaceID.NotFound
	}
	for _, ni := range out.Interfaces {
		log.Printf("%s is %s", ni.ID, ni.Status)
	}
	return nil
}

// TestREADMECall runs the Call snippet on a known and an unknown interface.
func TestREADMECall(t *testing.T) {
	logged := captureLog(t)
	srv := ec2test.NewServer()
	defer srv.Close()
	client := readmeClient(t, srv)
	if err := readmeCall(context.Background(), client, ec2test.FailoverInterface); err != nil || logged.String() != ec2test.FailoverInterface+" is in-use\n" {
		t.Errorf("known interface: %v, logged %q", err, logged)
	}
	var ae *enidetach.APIError
	if err := readmeCall(context.Background(), client, "eni-0fffffffffffffff0"); !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterfaceID.NotFound" {
		t.Errorf("unknown interface: %v", err)
	}
}

// TestREADMEEC2Test is the README's ec2test snippet, as a test.
func TestREADMEEC2Test(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ec2test.NewServer()
	defer srv.Close()
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	var out struct {
		AttachmentID string `xml:"attachmentId"`
	}
	err = client.Call(ctx, "AttachNetworkInterface", url.Values{"NetworkInterfaceId": {ec2test.FailoverInterface},
		"InstanceId": {ec2test.InstanceB}, "DeviceIndex": {"1"}}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil || st.Attachment.AttachmentID != out.AttachmentID || st.Attachment.InstanceID != ec2test.InstanceB {
		t.Errorf("after the snippet: %+v, want attached to instance B as %q", st, out.AttachmentID)
	}
}
