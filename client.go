package enidetach

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/ec2lite/enidetach/internal/config"
	"github.com/ec2lite/enidetach/internal/query"
	"github.com/ec2lite/enidetach/internal/redact"
)

// Version is this library's version, sent in the User-Agent header.
const Version = "0.3.0"

// apiVersion is the EC2 API version every EC2 action is called with.
const apiVersion = "2016-11-15"

// HTTPClient sends HTTP requests. *http.Client satisfies it, and so does the
// AWS SDK's aws.HTTPClient.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Client calls EC2 actions. It is safe for concurrent use; create one and
// share it, so connections, signing keys, the retry quota and the clock
// offset are shared too. What it holds beyond the engine beneath
// (internal/query) is what the root's EC2 operations share: the waits'
// polls and the event hook.
type Client struct {
	engine  *query.Engine // signs, sends, retries, reads and decodes (internal/query)
	polls   poller        // the waits' shared DescribeNetworkInterfaces (poll.go)
	onEvent func(Event)   // Options.OnEvent (event.go)
	// Test hook: the factor of a poll's delay to its base, in [0.85,
	// 1.05]; nil draws it at random (wait.go).
	jitter func() float64

	initErr error // NewFromConfig's configuration error, returned by every call
}

// New returns a client configured by opts and then by each optFn in turn.
// It reads the environment and the shared config profile for what opts
// leave unset (see Options), validates everything once, and does no network
// I/O: credentials are retrieved on the first call.
func New(opts Options, optFns ...func(*Options)) (*Client, error) {
	for _, fn := range optFns {
		fn(&opts)
	}
	return newClient(opts, config.OS{})
}

// newFromSettings returns a client whose engine has settings s, reporting
// its attempts to onEvent.
func newFromSettings(s query.Settings, onEvent func(Event)) *Client {
	c := &Client{onEvent: onEvent}
	if onEvent != nil {
		s.OnAttempt = func(a query.Attempt) { c.emit(attemptEvent(a)) }
	}
	s.Mutating = mutating
	c.engine = query.New(s)
	return c
}

// mutating reports whether EC2 counts action among its mutating actions,
// which the engine paces after a throttle: all but Describe*, Get*, List*
// and Search*.
func mutating(action string) bool {
	for _, prefix := range [...]string{"Describe", "Get", "List", "Search"} {
		if strings.HasPrefix(action, prefix) {
			return false
		}
	}
	return true
}

// Format prints the client as its service, region and endpoint, in every
// verb: a client holds credentials (and after an expired-token refresh a
// digest of the refused ones), which no formatting may reach.
func (c *Client) Format(f fmt.State, verb rune) {
	if c == nil {
		redact.Format(f, verb, "(*enidetach.Client)(nil)", "<nil>")
		return
	}
	s := "{Service: Region: Endpoint:}"
	if c.engine != nil {
		s = c.engine.String()
	}
	redact.Format(f, verb, "&enidetach.Client"+s, "&"+s)
}

// now is the client's clock (always set: usable refused a client New did not make).
func (c *Client) now() time.Time { return c.engine.Now() }

// sleep waits for d or until ctx ends, as the engine's backoffs wait.
func (c *Client) sleep(ctx context.Context, d time.Duration) error { return c.engine.Sleep(ctx, d) }

// Region returns the region requests are signed for: "" for a client
// that cannot send (NewFromConfig's configuration error, a nil or zero
// Client), whose calls return why.
func (c *Client) Region() string {
	if c == nil || c.engine == nil {
		return ""
	}
	return c.engine.Region()
}

// Endpoint returns the URL requests are sent to, "" when Region is.
func (c *Client) Endpoint() string {
	if c == nil || c.engine == nil {
		return ""
	}
	return c.engine.Endpoint()
}
