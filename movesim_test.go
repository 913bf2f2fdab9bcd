package enidetach

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// The move simulation: for detaches and attaches lasting 1 s to 10 min,
// how late does a move return after the interface is attached at the
// target, and how many describe calls does it make? As in waitsim_test.go,
// calls take no time on a fake clock; TestMoveSchedule checks that
// MoveNetworkInterface against ec2test returns exactly when, and after
// exactly the describes that, this model says.

// moveRecipe is a way to move an interface: describes before the detach,
// the wait until available, and the wait until attached.
type moveRecipe struct {
	name    string
	lookups int // describe calls before the detach
	detach  simSchedule
	attach  simSchedule
	note    string
}

// simScheduleNamed returns the schedule of simSchedules named name.
func simScheduleNamed(name string) simSchedule {
	for _, s := range simSchedules() {
		if s.name == name {
			return s
		}
	}
	panic("no schedule " + name)
}

func moveRecipes() []moveRecipe {
	// The wait's default is the first of simSchedules. The move's waits
	// (WaitUntilDetached, WaitUntilAttached, with WaitOptions.SentAt) poll
	// first a first delay after the detach or attach, then on it.
	ours := simSchedules()[0]
	cli := simScheduleNamed("AWS CLI waiter (every 20 s)")
	sdk := simScheduleNamed("SDK waiter (20 s–120 s)")
	every := func(d time.Duration) simSchedule {
		return simSchedule{name: "every " + d.String(), delay: func(int, time.Duration, *rand.Rand) time.Duration { return d }}
	}
	return []moveRecipe{
		{name: "enidetach MoveNetworkInterface", lookups: 2, detach: ours, attach: ours,
			note: "the default: both waits poll first 1.7–2.1 s after their call, then every 1.7–2.1 s, growing by a twelfth of the time waited, up to 15 s; 2 describes before the detach"},
		{name: "AWS CLI: wait network-interface-available, attach, poll every 5 s", detach: cli, attach: every(5 * time.Second),
			note: "the waiter gives up after 10 polls, at 180 s"},
		{name: "AWS CLI: wait network-interface-available, attach, poll every 20 s", detach: cli, attach: every(20 * time.Second)},
		{name: "SDK: NetworkInterfaceAvailableWaiter, attach, poll every 5 s", detach: sdk, attach: every(5 * time.Second)},
		{name: "SDK: NetworkInterfaceAvailableWaiter, attach, poll every 20 s", detach: sdk, attach: every(20 * time.Second)},
	}
}

// simWaitFor returns the poll times of a wait that starts at start, for a
// change done at ready: it ends at the first poll at or after ready, or
// gives up after the schedule's maxPolls.
func simWaitFor(s simSchedule, start, ready time.Duration, rng *rand.Rand) (polls []time.Duration, gaveUp bool) {
	t := start
	if s.first != nil {
		t += s.first(rng)
	}
	for n := 1; ; n++ {
		polls = append(polls, t)
		if t >= ready {
			return polls, false
		}
		if s.maxPolls > 0 && n >= s.maxPolls {
			return polls, true
		}
		t += s.delay(n, t-start, rng)
	}
}

// simMoveRun is one simulated move: its describe calls' times, its end
// and whether a waiter gave up.
type simMoveRun struct {
	describes  []time.Duration
	attachSent time.Duration
	end        time.Duration
	gaveUp     bool
}

// simMove runs the recipe for a detach lasting d1 and an attach lasting d2.
// The detach is sent at 0 after the lookups, the attach as soon as the
// interface is seen available.
func simMove(r moveRecipe, d1, d2 time.Duration, rng *rand.Rand) simMoveRun {
	run := simMoveRun{describes: make([]time.Duration, r.lookups)}
	polls, gaveUp := simWaitFor(r.detach, 0, d1, rng)
	run.describes = append(run.describes, polls...)
	if gaveUp {
		run.gaveUp = true
		return run
	}
	t1 := polls[len(polls)-1]
	run.attachSent = t1
	polls, gaveUp = simWaitFor(r.attach, t1, t1+d2, rng)
	run.describes = append(run.describes, polls...)
	run.end, run.gaveUp = polls[len(polls)-1], gaveUp
	return run
}

// simMoveBuckets are the ranges both halves are drawn from.
var simMoveBuckets = []struct {
	name     string
	from, to time.Duration
}{
	{"1 s–30 s", time.Second, 30 * time.Second},
	{"30 s–2 min", 30 * time.Second, 2 * time.Minute},
	{"2–10 min", 2 * time.Minute, 10 * time.Minute},
}

// simMoveSamples is the number of moves drawn per bucket.
const simMoveSamples = 4000

// simMoveStats is what a recipe gives over a bucket: lateness (the return
// after both halves are done, d1+d2), describe calls per move and the
// share of moves a waiter gave up on, as simStats gives them for a wait.
type simMoveStats struct {
	simStats
	// attachedP95 is the p95 of the time from the interface being
	// attached at the target to the move's return: the second half's
	// lateness alone.
	attachedP95 time.Duration
}

func simulateMove(r moveRecipe, from, to time.Duration) simMoveStats {
	rng := rand.New(rand.NewSource(3))
	var late, attached []time.Duration
	calls, gaveUp := 0, 0
	span := int64(to - from)
	for range simMoveSamples {
		// 10 ms steps, as the wait simulation samples.
		d1 := from + time.Duration(rng.Int63n(span)).Truncate(10*time.Millisecond)
		d2 := from + time.Duration(rng.Int63n(span)).Truncate(10*time.Millisecond)
		run := simMove(r, d1, d2, rng)
		calls += len(run.describes)
		if run.gaveUp {
			gaveUp++
			late = append(late, time.Duration(1<<62))
			attached = append(attached, time.Duration(1<<62))
			continue
		}
		late = append(late, run.end-d1-d2)
		attached = append(attached, run.end-run.attachSent-d2)
	}
	slices.Sort(late)
	slices.Sort(attached)
	return simMoveStats{simStats: simStats{p50: late[len(late)/2], p95: late[len(late)*95/100],
		calls: float64(calls) / simMoveSamples, gaveUp: float64(gaveUp) / simMoveSamples}, attachedP95: attached[len(attached)*95/100]}
}

// simMoveFirstMinute returns the most describe calls a recipe makes in the
// first minute of a move, over detaches of 0 s to 60 s (in 100 ms steps)
// followed by a 10-minute attach, and detaches of 10 minutes.
func simMoveFirstMinute(r moveRecipe) int {
	rng := rand.New(rand.NewSource(4))
	most := 0
	for d1 := time.Duration(0); d1 <= 10*time.Minute; d1 += 100 * time.Millisecond {
		if d1 > time.Minute {
			d1 = 10 * time.Minute
		}
		run := simMove(r, d1, 10*time.Minute, rng)
		n, _ := slices.BinarySearch(run.describes, time.Minute)
		most = max(most, n)
	}
	return most
}

// TestMoveScheduleTargets checks MoveNetworkInterface's waits against the
// targets of issue 18 and, with -v, prints the table of BENCHMARKS.md
// ("The move").
func TestMoveScheduleTargets(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	table.WriteString("| recipe | p50 / p95 lateness, both halves 1 s–30 s | 30 s–2 min | 2–10 min | p95 attached → returned, 1 s–30 s | describe calls per move, 1 s–30 s / 30 s–2 min / 2–10 min | describe calls in the first minute |\n")
	table.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i, r := range moveRecipes() {
		var stats []simMoveStats
		for _, b := range simMoveBuckets {
			stats = append(stats, simulateMove(r, b.from, b.to))
		}
		first := simMoveFirstMinute(r)
		name := r.name
		if r.note != "" {
			name += " (" + r.note + ")"
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %.1f s | %.1f / %.1f / %.1f | %d |\n", name,
			fmtLateness(stats[0].simStats), fmtLateness(stats[1].simStats), fmtLateness(stats[2].simStats), stats[0].attachedP95.Seconds(),
			stats[0].calls, stats[1].calls, stats[2].calls, first)
		if i != 0 {
			continue
		}
		if stats[0].p95 > 4*time.Second {
			t.Errorf("move: p95 lateness %v with both halves up to 30 s, want at most 4 s", stats[0].p95)
		}
		if first > 50 {
			t.Errorf("move: %d describe calls in the first minute, want at most 50", first)
		}
	}
	t.Logf("\n%s", table.String())
}

// TestMoveSchedule runs MoveNetworkInterface against ec2test on a fake
// clock and checks that it makes the describes simMove models: two before
// the detach, then each wait's polls, the first at once and each later one
// within the window pollWindow gives (simSchedules' default draws from the
// same window), the last one at or after the half's end; and that it
// returns at that last poll.
func TestMoveSchedule(t *testing.T) {
	t.Parallel()
	for _, d := range [][2]time.Duration{
		{time.Second, time.Second},
		{7300 * time.Millisecond, 25 * time.Second},
		{45 * time.Second, 3 * time.Second},
		{130 * time.Second, 70 * time.Second},
		{9 * time.Minute, 4 * time.Minute},
	} {
		t.Run(fmt.Sprint(d[0], "+", d[1]), func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t, ec2test.WithDetachingDuration(d[0]), ec2test.WithAttachingDuration(d[1]))
			start := e.clock.Now()
			out, err := e.c.MoveNetworkInterface(context.Background(), toB())
			if err != nil {
				t.Fatal(err)
			}
			// The describes before the detach, and each wait's polls: the
			// requests are recorded in order.
			var lookups, sent []time.Duration // since the move began
			var halves [2][]time.Duration
			for _, r := range e.srv.Requests() {
				at := r.Time.Sub(start)
				switch {
				case !strings.HasPrefix(r.Action, "Describe"):
					sent = append(sent, at)
				case len(sent) == 0:
					lookups = append(lookups, at)
				default:
					halves[len(sent)-1] = append(halves[len(sent)-1], at)
				}
			}
			if len(sent) != 2 || len(lookups) != 2 || lookups[1] != 0 || sent[0] != 0 {
				t.Fatalf("describes before the detach at %v, detach and attach at %v", lookups, sent)
			}
			describes := len(lookups) + len(halves[0]) + len(halves[1])
			for i, polls := range halves {
				begin, ready := sent[i], sent[i]+d[i]
				if lo, hi := pollWindow(0, defaultWaitMinDelay, defaultWaitMaxDelay, 0); len(polls) == 0 || polls[0] < begin+lo || polls[0] > begin+hi {
					t.Fatalf("half %d: polls at %v, want the first a first delay after %v, when the call could have ended", i, polls, begin)
				}
				for j := 1; j < len(polls); j++ {
					lo, hi := pollWindow(polls[j-1]-begin, defaultWaitMinDelay, defaultWaitMaxDelay, 0)
					if gap := polls[j] - polls[j-1]; gap < lo || gap > hi {
						t.Errorf("half %d: poll %d came %v after the one before, want within [%v, %v]", i, j+1, gap, lo, hi)
					}
				}
				last := polls[len(polls)-1]
				if last < ready || (len(polls) > 1 && polls[len(polls)-2] >= ready) {
					t.Errorf("half %d: polls %v, want the last the first at or after %v", i, polls, ready)
				}
			}
			if last := halves[1][len(halves[1])-1]; out.Elapsed != last || halves[0][len(halves[0])-1] != sent[1] {
				t.Errorf("returned at %v, the last poll at %v; attach sent at %v after the polls %v", out.Elapsed, last, sent[1], halves[0])
			}
			if got := 2 + out.Detach.Polls + out.Attach.Polls; got != describes {
				t.Errorf("output counts %d describes, the server saw %d", got, describes)
			}
		})
	}
}

// BenchmarkMoveSchedule reports, for each recipe and range of durations,
// the p50 and p95 lateness in seconds and the mean describe calls.
func BenchmarkMoveSchedule(b *testing.B) {
	for _, r := range moveRecipes() {
		for _, bucket := range simMoveBuckets {
			b.Run(strings.ReplaceAll(r.name+"/"+bucket.name, " ", "_"), func(b *testing.B) {
				var st simMoveStats
				for range b.N {
					st = simulateMove(r, bucket.from, bucket.to)
				}
				b.ReportMetric(st.p50.Seconds(), "p50-late-s")
				b.ReportMetric(st.p95.Seconds(), "p95-late-s")
				b.ReportMetric(st.calls, "describes")
			})
		}
	}
}
