package enidetach

import (
	"testing"
	"time"
)

// TestNextDelayStaysWithinBounds: every delay drawn lies within MinDelay
// and MaxDelay, for any time waited and any run of failed polls, and
// failed polls never shorten the delay, also with a MaxDelay so long
// that doubling the base would overflow a time.Duration.
func TestNextDelayStaysWithinBounds(t *testing.T) {
	t.Parallel()
	c := &Client{}
	bounds := [][2]time.Duration{
		{time.Millisecond, time.Millisecond},
		{defaultWaitMinDelay, defaultWaitMaxDelay},
		{time.Nanosecond, 100 * 24 * time.Hour},
		{time.Second, 1<<62 - 1},
	}
	for _, b := range bounds {
		o := WaitOptions{MinDelay: b[0], MaxDelay: b[1]}
		for _, waited := range []time.Duration{0, time.Second, time.Hour, 1000 * time.Hour, 1<<62 - 1} {
			prevLo := time.Duration(0)
			for failures := 0; failures <= 70; failures++ {
				for range 20 {
					if d := c.nextDelay(waited, o, failures); d < o.MinDelay || d > o.MaxDelay {
						t.Fatalf("bounds %v, waited %v, %d failures: delay %v", b, waited, failures, d)
					}
				}
				lo, hi := pollWindow(waited, o.MinDelay, o.MaxDelay, failures)
				if lo < prevLo || lo > hi || lo < o.MinDelay || hi > o.MaxDelay {
					t.Fatalf("bounds %v, waited %v, %d failures: window [%v, %v] after a low of %v", b, waited, failures, lo, hi, prevLo)
				}
				prevLo = lo
			}
		}
	}
}
