package enidetach

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"
)

// The wait simulation: for detaches lasting 1 s to 10 min, when does a
// schedule notice that the interface is available, and how many
// DescribeNetworkInterfaces calls does it spend? Polls are instantaneous
// on a fake clock: no sleeps, no network. TestWaitSchedule checks that the
// wait loop polls within the windows pollWindow gives, so what is simulated
// here is what DetachAndWait does: a first poll after a first delay, then
// jittered delays.

// simSchedule returns the delay after poll n (1 for the first poll), made
// at waited since the wait began.
type simSchedule struct {
	name  string
	delay func(n int, waited time.Duration, rng *rand.Rand) time.Duration
	note  string
	// maxPolls, if set, is where the waiter gives up.
	maxPolls int
	// first, if set, is when the first poll is made; else at once.
	first func(rng *rand.Rand) time.Duration
}

// simJitter draws a delay as Client.nextDelay does.
func simJitter(waited time.Duration, rng *rand.Rand) time.Duration {
	return jitteredDelay(pollBase(waited, defaultWaitMinDelay, defaultWaitMaxDelay, 0), jitterFactor(rng.Float64()), defaultWaitMinDelay, defaultWaitMaxDelay)
}

func simSchedules() []simSchedule {
	proportional := func(div int, minD, maxD time.Duration) func(int, time.Duration, *rand.Rand) time.Duration {
		return func(_ int, waited time.Duration, _ *rand.Rand) time.Duration {
			return min(max(waited/time.Duration(div), minD), maxD)
		}
	}
	return []simSchedule{
		{"enidetach: ÷12, base 2 s–15 s, 85–105 % jitter, first poll after a first delay", func(_ int, waited time.Duration, rng *rand.Rand) time.Duration {
			return simJitter(waited, rng)
		}, "the default", 0, func(rng *rand.Rand) time.Duration { return simJitter(0, rng) }},
		{"enidetach by attachment ID alone: a look at once, then ÷12 with jitter", func(_ int, waited time.Duration, rng *rand.Rand) time.Duration {
			return simJitter(waited, rng)
		}, "DetachAndWait without NetworkInterfaceID looks at once to name the interface: one call more", 0, nil},
		{"enidetach: ÷12, 2 s–15 s", proportional(12, 2*time.Second, 15*time.Second),
			"no jitter, the first poll at once; the default with its jitter pinned to the base, as the move's model uses it", 0, nil},
		{"1 s doubling to 15 s, equal jitter", func(n int, _ time.Duration, rng *rand.Rand) time.Duration {
			d := min(time.Second<<min(n-1, 10), 15*time.Second)
			return d/2 + time.Duration(rng.Float64()*float64(d/2))
		}, "", 0, nil},
		{"SDK waiter (20 s–120 s)", func(n int, _ time.Duration, rng *rand.Rand) time.Duration {
			// smithy-go waiter.ComputeDelay with NetworkInterfaceAvailable's
			// defaults: 20 s, then random in [20 s, min(20 s·2^(n-1), 120 s)).
			minD, maxD := 20*time.Second, 120*time.Second
			ceiling := maxD
			if n <= 3 {
				ceiling = minD << (n - 1)
			}
			if ceiling == minD {
				return minD
			}
			return minD + time.Duration(rng.Int63n(int64(ceiling-minD)))
		}, "", 0, nil},
		{"AWS CLI waiter (every 20 s)", func(int, time.Duration, *rand.Rand) time.Duration { return 20 * time.Second },
			"gives up after 10 polls, at 180 s", 10, nil},
		{"fixed 2 s", func(int, time.Duration, *rand.Rand) time.Duration { return 2 * time.Second }, "", 0, nil},
		{"÷10, 2 s–15 s", proportional(10, 2*time.Second, 15*time.Second), "", 0, nil},
		{"÷15, 2 s–15 s", proportional(15, 2*time.Second, 15*time.Second), "", 0, nil},
		{"÷12, 2 s–10 s", proportional(12, 2*time.Second, 10*time.Second), "", 0, nil},
	}
}

// simBucket is a range of detach durations, sampled evenly.
type simBucket struct {
	name     string
	from, to time.Duration
	step     time.Duration
}

var simBuckets = []simBucket{
	{"1 s–30 s", time.Second, 30 * time.Second, 10 * time.Millisecond},
	{"30 s–2 min", 30 * time.Second, 2 * time.Minute, 50 * time.Millisecond},
	{"2–10 min", 2 * time.Minute, 10 * time.Minute, 200 * time.Millisecond},
}

// simStats is what one schedule gives over one bucket.
type simStats struct {
	p50, p95 time.Duration // lateness: from available to noticed
	calls    float64       // mean DescribeNetworkInterfaces calls
	gaveUp   float64       // the share of detaches the waiter gave up on
}

// simPolls returns the poll times of one wait up to horizon.
func simPolls(s simSchedule, horizon time.Duration, rng *rand.Rand) []time.Duration {
	var at []time.Duration
	t0 := time.Duration(0)
	if s.first != nil {
		t0 = s.first(rng)
	}
	for t, n := t0, 1; t <= horizon; n++ {
		at = append(at, t)
		t += s.delay(n, t, rng)
	}
	return at
}

// simulate runs the schedule over every duration of the bucket, with a
// fresh random draw for each (the seed is fixed, so runs agree).
func simulate(s simSchedule, b simBucket) simStats {
	rng := rand.New(rand.NewSource(1))
	var late []time.Duration
	calls, gaveUp := 0, 0
	for d := b.from; d <= b.to; d += b.step {
		polls := simPolls(s, d+10*time.Minute, rng)
		i, _ := slices.BinarySearch(polls, d) // the first poll at or after d
		if s.maxPolls > 0 && i >= s.maxPolls {
			gaveUp++
			calls += s.maxPolls
			late = append(late, time.Duration(1<<62)) // never noticed
			continue
		}
		late = append(late, polls[i]-d)
		calls += i + 1
	}
	slices.Sort(late)
	return simStats{
		p50:    late[len(late)/2],
		p95:    late[len(late)*95/100],
		calls:  float64(calls) / float64(len(late)),
		gaveUp: float64(gaveUp) / float64(len(late)),
	}
}

// simRates returns the calls a schedule makes in the first minute of a long
// wait and the most it makes in any minute from 5 to 10 minutes, the
// largest over 200 random draws.
func simRates(s simSchedule) (firstMinute, perMinuteAfter5 int) {
	rng := rand.New(rand.NewSource(2))
	for range 200 {
		polls := simPolls(s, 11*time.Minute, rng)
		n, _ := slices.BinarySearch(polls, time.Minute)
		firstMinute = max(firstMinute, n)
		for i, t := range polls {
			if t < 5*time.Minute || t > 9*time.Minute {
				continue
			}
			j, _ := slices.BinarySearch(polls, t+time.Minute)
			perMinuteAfter5 = max(perMinuteAfter5, j-i)
		}
	}
	return firstMinute, perMinuteAfter5
}

// fmtLateness formats p50 / p95 lateness in seconds, or the share of
// detaches never noticed when the waiter gave up on more than 5 %.
func fmtLateness(st simStats) string {
	if st.gaveUp > 0.05 {
		return fmt.Sprintf("gives up on %.0f %%", st.gaveUp*100)
	}
	return fmt.Sprintf("%.1f / %.1f s", st.p50.Seconds(), st.p95.Seconds())
}

// TestWaitScheduleTargets checks the default schedule against the targets
// of issue 12 and, with -v, prints the table of BENCHMARKS.md.
func TestWaitScheduleTargets(t *testing.T) {
	t.Parallel()
	var table strings.Builder
	table.WriteString("| schedule | p50 / p95 lateness, 1 s–30 s | 30 s–2 min | 2–10 min | calls: mean per wait, 1 s–30 s / 30 s–2 min / 2–10 min | calls in the first minute | calls a minute after 5 min |\n")
	table.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for i, s := range simSchedules() {
		var stats []simStats
		for _, b := range simBuckets {
			stats = append(stats, simulate(s, b))
		}
		first, after5 := simRates(s)
		name := s.name
		if s.note != "" {
			name += " (" + s.note + ")"
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s | %.1f / %.1f / %.1f | %d | %d |\n", name,
			fmtLateness(stats[0]), fmtLateness(stats[1]), fmtLateness(stats[2]), stats[0].calls, stats[1].calls, stats[2].calls, first, after5)
		if i != 0 {
			continue
		}
		if stats[0].p95 > 2*time.Second {
			t.Errorf("default schedule: p95 lateness %v for detaches up to 30 s, want at most 2 s", stats[0].p95)
		}
		if first > 25 {
			t.Errorf("default schedule: %d calls in the first minute, want at most 25", first)
		}
		if after5 > 6 {
			t.Errorf("default schedule: %d calls a minute after 5 minutes, want at most 6", after5)
		}
	}
	t.Logf("\n%s", table.String())
}

// BenchmarkWaitSchedule reports, for each schedule and range of detach
// durations, the p50 and p95 lateness in seconds and the mean calls.
func BenchmarkWaitSchedule(b *testing.B) {
	for _, s := range simSchedules() {
		for _, bucket := range simBuckets {
			b.Run(strings.ReplaceAll(s.name+"/"+bucket.name, " ", "_"), func(b *testing.B) {
				var st simStats
				for range b.N {
					st = simulate(s, bucket)
				}
				b.ReportMetric(st.p50.Seconds(), "p50-late-s")
				b.ReportMetric(st.p95.Seconds(), "p95-late-s")
				b.ReportMetric(st.calls, "calls")
			})
		}
	}
}
