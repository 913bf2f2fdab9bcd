package redact

import "sync"

// RecentSize is how many of the last signatures an engine sent Recent
// keeps.
const RecentSize = 8

// Recent holds the last signatures an engine sent, so that an answer that
// quotes an earlier request's signature (a describe echoing the detach
// before it) has it redacted too: a SigV4 signature can be replayed
// within its 15 minutes. It is safe for concurrent use; its zero value is
// empty.
type Recent struct {
	mu      sync.Mutex
	sigs    [RecentSize]string
	anchors [RecentSize]string // anchor(sigs[i]), worked out once
	hex     [RecentSize]bool   // isHex(sigs[i])
	next    int                // where the next signature goes
}

// Note records a signature sent; one shorter than MinPartial is not kept.
func (r *Recent) Note(sig string) {
	if len(sig) < MinPartial {
		return
	}
	a, hex := anchor(sig), isHex(sig)
	r.mu.Lock()
	r.sigs[r.next], r.anchors[r.next], r.hex[r.next] = sig, a, hex
	r.next = (r.next + 1) % RecentSize
	r.mu.Unlock()
}

// AddRecent adds the signatures r holds that s does not, the newest first.
func (s *Secrets) AddRecent(r *Recent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := 1; k <= RecentSize; k++ {
		i := (r.next - k + RecentSize) % RecentSize
		if r.sigs[i] == "" {
			break
		}
		s.add(r.sigs[i], r.anchors[i], r.hex[i])
	}
}
