package enidetach

import (
	"testing"
	"time"
)

// TestWaitMaxDelayAlone: a MaxDelay below the default floor, set without a
// MinDelay, lowers the floor with it instead of being refused.
func TestWaitMaxDelayAlone(t *testing.T) {
	t.Parallel()
	o := waitOptions([]func(*WaitOptions){func(o *WaitOptions) { o.MaxDelay = time.Second }})
	if err := validateWait(secondary, o); err != nil || o.MinDelay != time.Second || o.MaxDelay != time.Second {
		t.Errorf("MaxDelay 1s alone: %v, MinDelay %v, MaxDelay %v", err, o.MinDelay, o.MaxDelay)
	}
}
