package sdkcompare

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/ec2lite/enidetach"
)

// The fleet benchmark of issue 19 (BENCHMARKS.md, "Fleets"): N simultaneous
// DetachAndWait jobs against fleetServer, with enidetach and with the SDK's
// EC2 client and its NetworkInterfaceAvailable waiter, on one shared client
// or one client per job, in standard or adaptive retry mode. It is a test
// rather than a benchmark because each case runs for up to the jobs' 45 s:
// CI runs the quick case only; ENIDETACH_FLEET=full (bench.sh sets it) runs
// the whole sweep, and ENIDETACH_FLEET=<regexp> the cases whose names
// match, such as ENIDETACH_FLEET='N=200/fast/shared/standard'.

// fleetCase is one run of the fleet benchmark.
type fleetCase struct {
	n                    int
	detachMin, detachMax time.Duration
	throttle             bool // per-action buckets of 20 tokens refilled at 20 a second
	perJob               bool // one client per job, else one shared client
	adaptive             bool
	sdk                  bool
}

// name is what ENIDETACH_FLEET's regexp matches and the table shows.
func (fc fleetCase) name() string {
	speed := "fast"
	if fc.detachMin >= 4*time.Second {
		speed = "realtime"
	}
	if !fc.throttle {
		speed += "-nothrottle"
	}
	shape, mode, who := "shared", "standard", "enidetach"
	if fc.perJob {
		shape = "perjob"
	}
	if fc.adaptive {
		mode = "adaptive"
	}
	if fc.sdk {
		who = "sdk"
	}
	return fmt.Sprintf("N=%d/%s/%s/%s/%s", fc.n, speed, shape, mode, who)
}

// fleetResult is what one run measured.
type fleetResult struct {
	jobs, done       int
	failedAccepted   int // jobs that failed after their detach was accepted
	failedDetach     int // jobs whose detach was never accepted
	requests         int64
	throttled        int64
	conns            int64
	p50, p95         time.Duration // job time of the jobs done
	peakHeapMiB      float64
	byAction         map[string]int
	firstErrs        []string
	elapsed          time.Duration
	detachesAccepted int
}

func (r fleetResult) row(name string) string {
	perDone := "-"
	if r.done > 0 {
		perDone = fmt.Sprintf("%.2f", float64(r.requests)/float64(r.done))
	}
	return fmt.Sprintf("| %s | %d/%d (%.0f %%) | %s | %d | %.1f / %.1f s | %d | %.0f MiB | %d | %d |",
		name, r.done, r.jobs, 100*float64(r.done)/float64(r.jobs), perDone, r.throttled,
		r.p50.Seconds(), r.p95.Seconds(), r.conns, r.peakHeapMiB, r.failedDetach, r.failedAccepted)
}

const fleetJobTime = 45 * time.Second

// runFleet runs one case: every job starts at once, each bounded by 45 s.
func runFleet(t *testing.T, fc fleetCase) fleetResult {
	t.Helper()
	burst := 0
	if fc.throttle {
		burst = 20
	}
	srv := newFleetServer(t, fc.n, fc.detachMin, fc.detachMax, burst, 20, 50*time.Millisecond)
	enis, atts := srv.ids()
	mode := aws.RetryModeStandard
	if fc.adaptive {
		mode = aws.RetryModeAdaptive
	}
	creds := credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")
	newJob := func() func(ctx context.Context, i int) (accepted bool, err error) {
		if fc.sdk {
			c := ec2.New(ec2.Options{Region: region, Credentials: aws.NewCredentialsCache(creds), BaseEndpoint: aws.String(srv.URL), RetryMode: mode})
			return func(ctx context.Context, i int) (bool, error) {
				if _, err := c.DetachNetworkInterface(ctx, &ec2.DetachNetworkInterfaceInput{AttachmentId: aws.String(atts[i])}); err != nil {
					return false, err
				}
				left := time.Until(deadlineOf(ctx))
				if left <= 0 {
					return true, context.DeadlineExceeded
				}
				return true, ec2.NewNetworkInterfaceAvailableWaiter(c).Wait(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{enis[i]}}, left)
			}
		}
		c, err := enidetach.New(enidetach.Options{Region: region, BaseEndpoint: srv.URL, Credentials: creds, RetryMode: mode})
		if err != nil {
			t.Fatal(err)
		}
		return func(ctx context.Context, i int) (bool, error) {
			res, err := c.DetachAndWait(ctx, &enidetach.DetachNetworkInterfaceInput{AttachmentID: atts[i]},
				func(o *enidetach.WaitOptions) { o.NetworkInterfaceID = enis[i] })
			return res != nil && res.Detach != nil, err
		}
	}
	jobs := make([]func(context.Context, int) (bool, error), fc.n)
	shared := newJob()
	for i := range jobs {
		jobs[i] = shared
		if fc.perJob {
			jobs[i] = newJob()
		}
	}

	// Peak memory: the process's heap and stacks in use, sampled every
	// 50 ms (the server shares the process; its part is the same for both
	// clients).
	var peak uint64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse+ms.StackInuse)
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	type outcome struct {
		accepted bool
		err      error
		took     time.Duration
	}
	outcomes := make([]outcome, fc.n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range fc.n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), fleetJobTime)
			defer cancel()
			t0 := time.Now()
			accepted, err := jobs[i](ctx, i)
			outcomes[i] = outcome{accepted, err, time.Since(t0)}
		}()
	}
	began := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(began)
	close(stopSampling)
	<-sampled

	res := fleetResult{jobs: fc.n, requests: srv.requests.Load(), throttled: srv.throttled.Load(), conns: srv.conns.Load(),
		peakHeapMiB: float64(peak) / (1 << 20), byAction: srv.actionCounts(), elapsed: elapsed}
	var times []time.Duration
	errCounts := map[string]int{}
	for _, o := range outcomes {
		if o.accepted {
			res.detachesAccepted++
		}
		switch {
		case o.err == nil:
			res.done++
			times = append(times, o.took)
		case o.accepted:
			res.failedAccepted++
			errCounts[shortErr(o.err)]++
		default:
			res.failedDetach++
			errCounts[shortErr(o.err)]++
		}
	}
	for e, n := range errCounts {
		res.firstErrs = append(res.firstErrs, fmt.Sprintf("%d× %s", n, e))
	}
	slices.Sort(res.firstErrs)
	slices.Sort(times)
	if len(times) > 0 {
		res.p50 = times[len(times)/2]
		res.p95 = times[min(len(times)-1, len(times)*95/100)]
	}
	return res
}

// deadlineOf returns ctx's deadline (the jobs' contexts all have one).
func deadlineOf(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}

// shortErr names an error for the run's summary: its last few words.
func shortErr(err error) string {
	s := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		return "deadline exceeded: " + tail(s, 90)
	}
	return tail(s, 120)
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// fleetSweep is the whole sweep of BENCHMARKS.md's fleet table.
func fleetSweep() []fleetCase {
	var cases []fleetCase
	fast := [2]time.Duration{300 * time.Millisecond, 700 * time.Millisecond}
	real := [2]time.Duration{4 * time.Second, 12 * time.Second}
	for _, n := range []int{50, 200, 1000} {
		for _, speed := range [][2]time.Duration{fast, real} {
			for _, perJob := range []bool{false, true} {
				for _, adaptive := range []bool{false, true} {
					if speed == real && perJob {
						continue // the real-time rows compare shared clients only
					}
					for _, sdk := range []bool{false, true} {
						cases = append(cases, fleetCase{n: n, detachMin: speed[0], detachMax: speed[1], throttle: true, perJob: perJob, adaptive: adaptive, sdk: sdk})
					}
				}
			}
		}
	}
	for _, sdk := range []bool{false, true} {
		cases = append(cases, fleetCase{n: 1000, detachMin: real[0], detachMax: real[1], sdk: sdk})
	}
	return cases
}

const fleetHeader = "| case | jobs done | requests per job done | throttled answers | p50 / p95 job time | connections | peak heap | failed at the detach | failed after an accepted detach |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"

// TestFleet runs the fleet benchmark. Its quick case (CI) is 200 jobs on
// one shared client with default options: every detach must be accepted
// within the jobs' time, paced through the throttling rather than failed,
// 99 % of the jobs done with at most 3 requests each, and no more
// connections than jobs + 100.
func TestFleet(t *testing.T) {
	sel := os.Getenv("ENIDETACH_FLEET")
	if sel == "" {
		fc := fleetCase{n: 200, detachMin: 300 * time.Millisecond, detachMax: 700 * time.Millisecond, throttle: true}
		r := runFleet(t, fc)
		t.Logf("%s\n%s\nrequests by action: %v; errors: %s", fleetHeader, r.row(fc.name()), r.byAction, strings.Join(r.firstErrs, "; "))
		// Issue 19's target for this case (one shared client, default
		// options): >= 99 % done with <= 3 requests per job done.
		if r.done*100 < 99*fc.n {
			t.Errorf("%d of %d jobs done, want at least 99 %%: %s", r.done, fc.n, strings.Join(r.firstErrs, "; "))
		}
		if r.done > 0 && r.requests > 3*int64(r.done) {
			t.Errorf("%d requests for %d jobs done, want at most 3 a job", r.requests, r.done)
		}
		if r.failedDetach > 0 {
			t.Errorf("%d of %d detaches on one shared client were never accepted; want all paced through the throttling: %s",
				r.failedDetach, fc.n, strings.Join(r.firstErrs, "; "))
		}
		if want := int64(fc.n) + 100; r.conns > want {
			t.Errorf("%d connections for %d jobs, want at most %d", r.conns, fc.n, want)
		}
		return
	}
	var match *regexp.Regexp
	if sel != "full" {
		match = regexp.MustCompile(sel)
	}
	rows := []string{fleetHeader}
	for _, fc := range fleetSweep() {
		if match != nil && !match.MatchString(fc.name()) {
			continue
		}
		r := runFleet(t, fc)
		rows = append(rows, r.row(fc.name()))
		t.Logf("%s  (%.1f s; requests by action %v; errors: %s)", r.row(fc.name()), r.elapsed.Seconds(), r.byAction, strings.Join(r.firstErrs, "; "))
		runtime.GC()
	}
	fmt.Println("\nfleet table:\n" + strings.Join(rows, "\n"))
}
