package enidetach

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/ec2lite/enidetach/ec2test"
)

// Secrets for the tests of spelt-out echoes: runs of letters and digits
// short and long, and "/", "+" and "=" between them, as AWS tokens have.
const (
	spellToken  = "SPELLtoken/Qx7fK2/mZ+vR8n/W4pL/a9/bT3yH6jD1sG5cE0uN=="
	spellSecret = "SPELLsecret/Jq2W/x+8Rtz/M4vNp6LbYc3Hd0Ka7Ge5Fs"
)

// xmlSpellings spell a text in XML so that the decoder reads it whole
// while its bytes hold no run of 8 of its characters: every fourth
// character a numeric character reference (decimal or hexadecimal), the
// text cut into CDATA sections, or cut by comments or processing
// instructions, which the decoder skips; and "/", "+" and "=" alone as
// references.
var xmlSpellings = map[string]func(string) string{
	"decimal references": func(s string) string { return everyFourth(s, "&#%d;") },
	"hex references":     func(s string) string { return everyFourth(s, "&#x%x;") },
	"CDATA pieces":       func(s string) string { return cutBy(s, "]]><![CDATA[", "<![CDATA[", "]]>") },
	"comments":           func(s string) string { return cutBy(s, "<!-- -->", "", "") },
	"processing instructions": func(s string) string {
		return cutBy(s, "<?p x?>", "", "")
	},
	"slash, plus and equals as references": strings.NewReplacer("/", "&#47;", "+", "&#43;", "=", "&#61;").Replace,
}

// everyFourth writes every fourth character of s in the reference format.
func everyFourth(s, format string) string {
	var b strings.Builder
	for i := range len(s) {
		if i%4 == 3 {
			fmt.Fprintf(&b, format, s[i])
		} else {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// cutBy cuts s into pieces of 3 characters with sep between them, within
// open and close.
func cutBy(s, sep, open, end string) string {
	var pieces []string
	for len(s) > 3 {
		pieces, s = append(pieces, s[:3]), s[3:]
	}
	return open + strings.Join(append(pieces, s), sep) + end
}

// spelledLeaks returns every 8 consecutive characters of a secret sent
// (the session token, the secret key or the signature) that shown holds.
func spelledLeaks(shown, sig string) []string {
	var leaks []string
	for _, secret := range []string{spellToken, spellSecret, sig} {
		for i := 0; i+8 <= len(secret); i++ {
			if strings.Contains(shown, secret[i:i+8]) {
				leaks = append(leaks, secret[i:i+8])
			}
		}
	}
	return leaks
}

// spellingClient returns a client of an endpoint that answers each
// request with answer(signature, token), and the last signature sent.
func spellingClient(t *testing.T, answer echoPage) (*Client, func() string) {
	t.Helper()
	endpoint, sig := echoServer(t, answer)
	c, err := New(Options{Region: "us-east-1", BaseEndpoint: endpoint, MaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSPELL", spellSecret, spellToken)})
	if err != nil {
		t.Fatal(err)
	}
	return c, sig
}

// echoed is what an echoing answer quotes: the signature, the session
// token and the secret key, each spelt.
func echoed(spell func(string) string, sig, token string) string {
	return spell(sig) + " " + spell(token) + " " + spell(spellSecret)
}

// TestSpeltOutEchoesAreRedacted: an answer that spells the request's
// signature, session token or secret key with character references, CDATA
// sections, comments or processing instructions between its pieces leaves
// no run of them in its bytes, yet the decoder reads them whole: into a
// result's request ID, an APIError's message and request ID, and the
// fields Call decodes. None holds 8 consecutive characters of them.
func TestSpeltOutEchoesAreRedacted(t *testing.T) {
	t.Parallel()
	for name, spell := range xmlSpellings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, sig := spellingClient(t, page(200, func(sig, tok string) string {
				return "<DetachNetworkInterfaceResponse><requestId>" + echoed(spell, sig, tok) +
					"</requestId><return>true</return></DetachNetworkInterfaceResponse>"
			}))
			out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			if err != nil {
				t.Fatal(err)
			}
			if leaks := spelledLeaks(fmt.Sprintf("%v %+v %#v", out, out, out), sig()); leaks != nil {
				t.Errorf("the result's request ID shows %q: %q", leaks, out.RequestID)
			}

			c, sig = spellingClient(t, page(400, func(sig, tok string) string {
				return "<Response><Errors><Error><Code>Bad</Code><Message>sent " + echoed(spell, sig, tok) +
					"</Message></Error></Errors><RequestID>" + echoed(spell, sig, tok) + "</RequestID></Response>"
			}))
			_, err = c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			if leaks := spelledLeaks(fmt.Sprintf("%v %+v %#v", err, err, err), sig()); err == nil || leaks != nil {
				t.Errorf("the error shows %q: %v", leaks, err)
			}

			c, sig = spellingClient(t, page(200, func(sig, tok string) string {
				attr := echoed(spell, sig, tok)
				if strings.Contains(attr, "<") {
					attr = "markup" // an attribute holds references only
				}
				return `<DescribeThingsResponse><thing name="` + attr + `">` + echoed(spell, sig, tok) +
					"</thing></DescribeThingsResponse>"
			}))
			var things struct {
				Thing struct {
					Name string `xml:"name,attr"`
					Text string `xml:",chardata"`
				} `xml:"thing"`
			}
			if err := c.Call(context.Background(), "DescribeThings", url.Values{}, &things); err != nil {
				t.Fatal(err)
			}
			if leaks := spelledLeaks(fmt.Sprintf("%+v", things), sig()); leaks != nil {
				t.Errorf("Call's out shows %q: %+v", leaks, things)
			}
		})
	}
}

// markup is what a reader of a snippet skips to read its text.
var markup = regexp.MustCompile(`<!\[CDATA\[|\]\]>|<!--.*?-->|<\?.*?\?>`)

// TestSpeltOutEchoInAMalformedAnswer: an answer that stops being XML is
// refused as before, and its snippet, read as a person reads it (references
// decoded, markup skipped), shows no spelt-out secret either.
func TestSpeltOutEchoInAMalformedAnswer(t *testing.T) {
	t.Parallel()
	for name, spell := range xmlSpellings {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, sig := spellingClient(t, func(sig, tok string) (int, http.Header, string, string) {
				return 502, nil, "<html><body>&nbsp;" + echoed(spell, sig, tok) + "</body></html>", ""
			})
			_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *ResponseError", err)
			}
			read := markup.ReplaceAllString(html.UnescapeString(fmt.Sprintf("%v %+v %#v %s", err, err, err, re.Snippet)), "")
			if leaks := spelledLeaks(read, sig()); leaks != nil {
				t.Errorf("the error shows %q: %v", leaks, re.Snippet)
			}
		})
	}
}

// previousEchoProxy stands before an endpoint it learns later (setTarget)
// and writes into each answer's request ID and interface status the
// signature of the request before; sigs returns every signature sent.
func previousEchoProxy(t *testing.T) (proxyURL string, setTarget func(string), sigs func() []string) {
	var mu sync.Mutex
	var target *url.URL
	var sent []string
	quote := regexp.MustCompile(`<(requestId|status)>([^<]*)<`)
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			mu.Lock()
			defer mu.Unlock()
			r.SetURL(target)
			r.Out.Host = r.In.Host // signed
			auth := r.In.Header.Get("Authorization")
			sent = append(sent, auth[strings.Index(auth, "Signature=")+len("Signature="):])
		},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			mu.Lock()
			if n := len(sent); n >= 2 {
				body = quote.ReplaceAll(body, []byte("<$1>$2 "+sent[n-2]+"<"))
			}
			mu.Unlock()
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL, func(raw string) {
			mu.Lock()
			defer mu.Unlock()
			target, _ = url.Parse(raw)
		}, func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), sent...)
		}
}

// TestEarlierSignaturesAreRedacted: a describe whose answer quotes the
// signature of the request before it (the detach's, which can be replayed
// within its 15 minutes) put it into the WaitResult (its request IDs and
// the interface's status) in every verb and in JSON. The engine redacts
// the last signatures it sent from every answer now.
func TestEarlierSignaturesAreRedacted(t *testing.T) {
	t.Parallel()
	proxyURL, setTarget, sigs := previousEchoProxy(t)
	c, srv, _ := newClockedClient(t, []ec2test.Option{ec2test.WithDetachingDuration(3 * time.Second)},
		func(o *Options) { o.BaseEndpoint = proxyURL })
	setTarget(srv.URL)
	res, err := c.DetachAndWait(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: secondary})
	if err != nil || res == nil || res.Polls < 1 {
		t.Fatalf("got (%+v, %v)", res, err)
	}
	js, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	shown := fmt.Sprintf("%v\n%+v\n%#v\n%s", res, res, res, js)
	sent := sigs()
	if len(sent) < 2 {
		t.Fatalf("%d requests sent, want a detach and a describe", len(sent))
	}
	for i, sig := range sent {
		if strings.Contains(shown, sig[:16]) {
			t.Errorf("the result shows request %d's signature:\n%s", i+1, shown)
		}
	}
	if !strings.Contains(shown, "[REDACTED]") {
		t.Errorf("no answer quoted a signature: %s", shown)
	}
}
