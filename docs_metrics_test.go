package enidetach_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ec2lite/enidetach"
	"github.com/ec2lite/enidetach/ec2test"
)

// The Go snippets of docs/metrics.md: the counter, wired to a client as
// the guide shows, and its exposition after a throttled detach.

// Counters counts a client's attempts and polls by kind, action and
// outcome, and its retries by action, for Prometheus to scrape.
type Counters struct {
	mu      sync.Mutex
	events  map[[3]string]int // kind, action, outcome
	retries map[string]int    // action
}

// Observe is the client's Options.OnEvent.
func (c *Counters) Observe(e enidetach.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.events == nil {
		c.events, c.retries = map[[3]string]int{}, map[string]int{}
	}
	c.events[[3]string{e.Kind.String(), e.Action, string(e.Outcome)}]++
	if e.Retry {
		c.retries[e.Action]++
	}
}

// ServeHTTP writes the counters in Prometheus' text exposition format.
func (c *Counters) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var lines []string
	for k, n := range c.events {
		lines = append(lines, fmt.Sprintf("enidetach_events_total{kind=%q,action=%q,outcome=%q} %d", k[0], k[1], k[2], n))
	}
	for action, n := range c.retries {
		lines = append(lines, fmt.Sprintf("enidetach_retries_total{action=%q} %d", action, n))
	}
	sort.Strings(lines)
	fmt.Fprintln(w, "# TYPE enidetach_events_total counter")
	fmt.Fprintln(w, "# TYPE enidetach_retries_total counter")
	fmt.Fprintln(w, strings.Join(lines, "\n"))
}

// docsMetricsWiring is the guide's wiring of Counters to a client and a
// service's mux, then the detach the guide's exposition counts.
func docsMetricsWiring(ctx context.Context, mux *http.ServeMux) error {
	metrics := &Counters{}
	client, err := enidetach.New(enidetach.Options{Region: "eu-west-1", OnEvent: metrics.Observe})
	if err != nil {
		return err
	}
	mux.Handle("/metrics", metrics) // mux: the service's *http.ServeMux
	_, err = client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
	return err
}

// docsMetricsExposition is what the guide shows /metrics answering after
// a detach that EC2 throttled once.
const docsMetricsExposition = `# TYPE enidetach_events_total counter
# TYPE enidetach_retries_total counter
enidetach_events_total{kind="attempt",action="DetachNetworkInterface",outcome="ok"} 1
enidetach_events_total{kind="attempt",action="DetachNetworkInterface",outcome="throttled"} 1
enidetach_retries_total{action="DetachNetworkInterface"} 1
`

// TestDocsMetrics: a detach throttled once, then accepted, is counted as
// the guide shows, scraped through the mux it is wired to; the wiring's
// error branch is a client refused before anything is sent.
func TestDocsMetrics(t *testing.T) {
	srv := ec2test.NewServer(ec2test.WithRegion("eu-west-1"))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", ec2test.DefaultAccessKeyID)
	t.Setenv("AWS_SECRET_ACCESS_KEY", ec2test.DefaultSecretAccessKey)
	t.Setenv("AWS_ENDPOINT_URL_EC2", srv.URL)
	mux := http.NewServeMux()
	srv.Inject(ec2test.Throttle(), 1)
	if err := docsMetricsWiring(context.Background(), mux); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if got := rec.Body.String(); got != docsMetricsExposition {
		t.Errorf("/metrics:\n%s\nwant, as docs/metrics.md shows:\n%s", got, docsMetricsExposition)
	}
	t.Setenv("AWS_ENDPOINT_URL_EC2", "http://ec2.example.com")
	var ve *enidetach.ValidationError
	if err := docsMetricsWiring(context.Background(), http.NewServeMux()); !errors.As(err, &ve) {
		t.Errorf("plain http to a remote host: %v, want a *ValidationError", err)
	}
}

// TestDocsMetricsConcurrent: Counters, as the hook, is safe for the
// concurrent calls of a shared client.
func TestDocsMetricsConcurrent(t *testing.T) {
	t.Parallel()
	c := &Counters{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				c.Observe(enidetach.Event{Kind: enidetach.EventPoll, Action: "DescribeNetworkInterfaces", Outcome: enidetach.OutcomePending})
			}
		}()
	}
	wg.Wait()
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, nil)
	if want := `enidetach_events_total{kind="poll",action="DescribeNetworkInterfaces",outcome="pending"} 800`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("after 800 concurrent polls:\n%s", rec.Body)
	}
}

// TestDocsMetricsCountsPolls: a wait's polls reach the counter as the guide
// says, by outcome.
func TestDocsMetricsCountsPolls(t *testing.T) {
	t.Parallel()
	srv := ec2test.NewServer()
	defer srv.Close()
	metrics := &Counters{}
	client, err := enidetach.New(enidetach.Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(), OnEvent: metrics.Observe})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := client.DetachNetworkInterface(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.WaitUntilDetached(ctx, ec2test.FailoverAttachment); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	metrics.ServeHTTP(rec, nil)
	if want := `enidetach_events_total{kind="poll",action="DescribeNetworkInterfaces",outcome="done"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("after a wait that saw the detach at once:\n%s\nwant a line %s", rec.Body, want)
	}
}
