package enidetach

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/ec2test"
)

// Known secrets with the characters that escaping changes ("/", "+", "=").
const (
	printSecret  = "PRINTsecret/K7MDENG+bPxRfiCYEXAMPLEKEY1"
	printSecret2 = "PRINTsecret/second+KEYbPxRfiCYEXAMPLE22"
	printToken   = "PRINTtoken//IQoJb3JpZ2luX2VjEXAMPLE+session/token/that/is/long/enough/to/be/cut/by/a/proxy/page/abcdefghijklmnopqrstuvwxyz0123456789=="
	printToken2  = "PRINTtoken2/IQoJb3JpZ2luX2VjSECOND+session/token=="
)

// noSecretTypes are the exported types that cannot hold a secret, and why.
// A new exported type must be added here or to the samples of
// TestNoExportedTypePrintsASecret.
var noSecretTypes = map[string]string{
	"DetachNetworkInterfaceInput":  "IDs and flags the caller gives",
	"DetachNetworkInterfaceOutput": "EC2's return and request ID",
	"AttachNetworkInterfaceInput":  "IDs and indexes the caller gives",
	"AttachNetworkInterfaceOutput": "EC2's attachment ID and request ID",
	"LookupAttachmentInput":        "IDs and indexes the caller gives",
	"InterfaceState":               "fields of a describe answer",
	"WaitOptions":                  "durations, an ID and callbacks",
	"WaitResult":                   "fields of describe answers and a detach's output; DetachError is an *APIError, redacted as such",
	"WaitTimeoutError":             "a WaitResult and the context's error",
	"NoAttachmentError":            "the lookup's input and a describe answer",
	"TransportError":               "a network or HTTPClient failure: no body is read into it, and the endpoint holds no user information (New refuses it); net/http's message may quote a malformed answer, redacted by the engine (internal/query echoes.go; TestMalformedAnswerEchoNotInError)",
	"HTTPClient":                   "an interface: the caller's client",
	"MoveNetworkInterfaceInput":    "IDs and indexes the caller gives",
	"MoveNetworkInterfaceOutput":   "outputs and states of the calls made",
	"MoveStep":                     "IDs, indexes, a status and times of one half of a move",
	"MoveRefusedError":             "describe answers, a reason and an *APIError, redacted where it is built",
	"MoveIncompleteError":          "a move's output and a step's error, redacted where it is built",
	"AmbiguousAttachmentError":     "the lookup's input and describe answers",
	"PageLimitError":               "a page count and a request ID",
	"WrongInterfaceError":          "IDs the caller gave and a describe answer showed",
	"Event":                        "a kind, an action name, an outcome, counts, a status and a duration",
	"EventKind":                    "an enumeration",
	"InstanceIdentity":             "an instance ID, zone and Region, each checked for its shape before it is kept",
	"InstanceMetadataError":        "the endpoint asked (user information redacted), a status, this package's own words and a context or network error: nothing the service answered (TestThisInstanceNamesTheServicesRefusal, TestThisInstanceRefusesWhatIsNotAnIdentity)",
	"Outcome":                      "an enumeration",
	// ec2test
	"ec2test.Attachment":       "seeded IDs and indexes",
	"ec2test.AttachmentState":  "seeded IDs and a status",
	"ec2test.Instance":         "seeded IDs and a zone",
	"ec2test.InstanceState":    "seeded IDs and attachments",
	"ec2test.InterfaceState":   "seeded IDs, a status and counters",
	"ec2test.NetworkInterface": "seeded IDs and addresses",
	"ec2test.Seed":             "instances, interfaces and attachments",
	"ec2test.Option":           "a function",
	"ec2test.Fault":            "a status, code and headers the test chooses",
	"ec2test.IMDS":             "a URL and an instance ID; its Format never prints a token",
	"ec2test.Request":          "the form (which carries no signature: that is a header), the access key ID and the User-Agent",
}

// exportedTypes returns the exported type names declared in the non-test
// files of dir, prefixed with prefix.
func exportedTypes(t *testing.T, dir, prefix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var names []string
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
						names = append(names, prefix+ts.Name.Name)
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

// TestNoExportedTypePrintsASecret walks every exported type of this package
// and of ec2test: each that can hold a secret is driven into that state with
// known secrets (a client after an ExpiredToken refresh, errors from a proxy
// page that quotes the request's headers, a server with a user's own keys)
// and formatted with every verb; the others are listed with the reason they
// cannot hold one. Neither the values, nor the debug log, nor the errors'
// snippets may hold a secret in any form (as sent, escaped, hex).
func TestNoExportedTypePrintsASecret(t *testing.T) {
	t.Parallel()
	rig := newPrintRig(t)
	samples := rig.serviceSamples()
	for name, values := range localSamples(t) {
		samples[name] = values
	}
	var types []string
	types = append(types, exportedTypes(t, ".", "")...)
	types = append(types, exportedTypes(t, "ec2test", "ec2test.")...)
	for _, name := range types {
		_, sampled := samples[name]
		if _, safe := noSecretTypes[name]; !sampled && !safe {
			t.Errorf("exported type %s is neither sampled with secrets here nor listed in noSecretTypes with the reason it cannot hold one", name)
		}
	}

	leak := rig.leakCheck()
	for name, values := range samples {
		for i, v := range values {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
				leak(fmt.Sprintf("%s sample %d printed with %s", name, i, verb), fmt.Sprintf(verb, v))
			}
			if err, ok := v.(error); ok {
				leak(fmt.Sprintf("%s sample %d's Error()", name, i), err.Error())
			}
		}
	}
	re, ae := samples["ResponseError"][0].(*ResponseError), samples["APIError"][0].(*APIError)
	leak("ResponseError.Snippet", re.Snippet)
	leak("APIError.Message", ae.Message)
	rig.logMu.Lock()
	leak("the debug log", rig.logBuf.String())
	rig.logMu.Unlock()
	if !strings.Contains(re.Snippet, "[REDACTED]") || !strings.Contains(re.Snippet, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDPRINT1/") {
		t.Errorf("the snippet should keep what is not secret and mark what was redacted: %q", re.Snippet)
	}
}

// printRig holds what TestNoExportedTypePrintsASecret's servers saw signed
// and what its clients logged.
type printRig struct {
	t          *testing.T
	sigMu      sync.Mutex
	signatures []string // every signature sent, as the servers saw them
	logMu      sync.Mutex
	logBuf     bytes.Buffer
	logger     *slog.Logger
}

func newPrintRig(t *testing.T) *printRig {
	rig := &printRig{t: t}
	rig.logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &rig.logBuf, mu: &rig.logMu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return rig
}

// saw records the request's signature and returns its Authorization and
// session token headers.
func (rig *printRig) saw(r *http.Request) (auth, tok string) {
	auth, tok = r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token")
	if i := strings.Index(auth, "Signature="); i >= 0 {
		rig.sigMu.Lock()
		rig.signatures = append(rig.signatures, auth[i+len("Signature="):])
		rig.sigMu.Unlock()
	}
	return auth, tok
}

// client returns a client of handler signing with the secrets, then (after
// an expiry) with the second ones.
func (rig *printRig) client(handler http.HandlerFunc, maxAttempts int) *Client {
	t := rig.t
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	var n atomic.Int32
	c, err := newClient(Options{Region: "us-east-1", BaseEndpoint: srv.URL, MaxAttempts: maxAttempts, Logger: rig.logger,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			if n.Add(1) == 1 {
				return aws.Credentials{AccessKeyID: "AKIDPRINT1", SecretAccessKey: printSecret, SessionToken: printToken}, nil
			}
			return aws.Credentials{AccessKeyID: "AKIDPRINT2", SecretAccessKey: printSecret2, SessionToken: printToken2}, nil
		})}, testEnv(t))
	if err != nil {
		t.Fatal(err)
	}
	setSleep(c, noSleep)
	return c
}

// echoPage is a proxy's page quoting the request's headers, the session
// token also query-escaped and JSON-escaped, and the secret key (as no
// proxy could, to prove it is redacted too); the body ends with the start
// of the token, cut off.
func (rig *printRig) echoPage(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		auth, tok := rig.saw(r)
		w.Header().Set("Content-Type", "text/html")
		w.Header().Set("X-Amzn-Requestid", "req-"+tok)
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><body><h1>%d</h1><pre>Authorization: %s\nX-Amz-Security-Token: %s\nquery: token=%s\njson: %s\nkey: %s\n</pre>%s",
			status, auth, tok, url.QueryEscape(tok), strings.ReplaceAll(tok, "/", `\/`), printSecret, tok[:60])
	}
}

// serviceSamples drives clients and the errors of their calls into holding
// secrets: a client after an ExpiredToken refresh, and the errors of
// answers that quote the request.
func (rig *printRig) serviceSamples() map[string][]any {
	t := rig.t
	detach := func(c *Client) error {
		_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
		return err
	}
	// A refresh after ExpiredToken: the client drops the refused secrets.
	refreshed := rig.client(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if auth, _ := rig.saw(r); strings.Contains(auth, "Credential=AKIDPRINT1/") {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `<Response><Errors><Error><Code>ExpiredToken</Code><Message>expired</Message></Error></Errors></Response>`)
			return
		}
		_, _ = w.Write(readTestdata(t, "success.xml"))
	}, 0)
	if err := detach(refreshed); err != nil {
		t.Fatalf("detach after a refresh: %v", err)
	}
	// A proxy page quoting the request: a *ResponseError.
	respClient := rig.client(rig.echoPage(http.StatusBadRequest), 1)
	respErr := detach(respClient)
	var re *ResponseError
	if !errors.As(respErr, &re) || re.Snippet == "" {
		t.Fatalf("proxy page: %v, want a *ResponseError with a snippet", respErr)
	}
	// The same page with 503, retried until attempts ran out: a *RetryError.
	retryErr := detach(rig.client(rig.echoPage(http.StatusServiceUnavailable), 2))
	var rte *RetryError
	if !errors.As(retryErr, &rte) {
		t.Fatalf("retried proxy page: %v, want a *RetryError", retryErr)
	}
	// An error document whose message quotes the request: an *APIError.
	apiErr := detach(rig.client(func(w http.ResponseWriter, r *http.Request) {
		auth, tok := rig.saw(r)
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>bad header %s with token %s</Message></Error></Errors><RequestID>%s</RequestID></Response>`, auth, tok, tok)
	}, 1))
	var ae *APIError
	if !errors.As(apiErr, &ae) {
		t.Fatalf("echoing error document: %v, want an *APIError", apiErr)
	}
	return map[string][]any{
		"Client":        {refreshed, respClient},
		"ResponseError": {re, *re, respErr},
		"RetryError":    {rte, *rte, retryErr},
		"APIError":      {ae, *ae, apiErr},
	}
}

// localSamples holds secrets without a service: a credential process's
// output, options refused for an endpoint with user information, and a
// fake server with a user's own keys.
func localSamples(t *testing.T) map[string][]any {
	env := credEnv(t, "[default]\ncredential_process = "+script(t, `echo '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "`+printSecret+`", "SessionToken": "`+printToken+`",'`)+"\n", "")
	_, credErr := failingCall(t, env, Options{})
	var ce *CredentialsError
	if !errors.As(credErr, &ce) {
		t.Fatalf("credential process: %v, want a *CredentialsError", credErr)
	}
	opts := Options{Region: "us-east-1", BaseEndpoint: "https://AKIDPRINT1:" + url.QueryEscape(printSecret) + "@ec2.example.com",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDPRINT1", printSecret, printToken)}
	_, valErr := newClient(opts, testEnv(t))
	var ve *ValidationError
	if !errors.As(valErr, &ve) {
		t.Fatalf("endpoint with user information: %v, want a *ValidationError", valErr)
	}
	key := ec2test.Key{AccessKeyID: "AKIDPRINT1", SecretAccessKey: printSecret, SessionToken: printToken}
	srv := ec2test.NewServer(ec2test.WithKeys(key))
	t.Cleanup(srv.Close)
	srv.AddKey(ec2test.Key{AccessKeyID: "AKIDPRINT2", SecretAccessKey: printSecret2, Denied: true})
	return map[string][]any{
		"Options":          {opts, &opts},
		"CredentialsError": {ce, *ce, credErr},
		"ValidationError":  {ve, *ve, valErr},
		"ec2test.Server":   {srv},
		"ec2test.Key":      {key, &key, srv.Keys()},
	}
}

// leakCheck returns a check that reports what holds a secret or a signature
// the servers saw, as sent, escaped or in hex (the first 16 characters are
// enough to tell).
func (rig *printRig) leakCheck() func(what, s string) {
	rig.sigMu.Lock()
	secrets := append([]string{printSecret, printSecret2, printToken, printToken2}, rig.signatures...)
	rig.sigMu.Unlock()
	var forbidden []string
	for _, s := range secrets {
		for _, f := range []string{s, url.QueryEscape(s), strings.ReplaceAll(s, "/", `\/`), hex.EncodeToString([]byte(s)), fmt.Sprintf("%X", s)} {
			forbidden = append(forbidden, f[:min(len(f), 16)])
		}
	}
	t := rig.t
	return func(what, s string) {
		t.Helper()
		for _, f := range forbidden {
			if strings.Contains(s, f) {
				t.Errorf("%s holds a secret (%q):\n%s", what, f, s)
				return
			}
		}
	}
}
