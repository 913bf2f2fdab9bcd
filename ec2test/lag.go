package ec2test

import "time"

// snapshot is an interface's attachment as it was until a change.
type snapshot struct {
	until time.Time
	att   *AttachmentState // a copy; nil when the interface was available
}

// remember records the interface's attachment as it is before a change at
// at, when describes lag by keep (WithDescribeLag), and forgets what no
// describe can show any more. The caller holds s.mu.
func (n *netInterface) remember(at time.Time, keep time.Duration) {
	if keep <= 0 {
		return
	}
	var att *AttachmentState
	if n.att != nil {
		a := *n.att
		att = &a
	}
	old := 0
	for old < len(n.history) && !n.history[old].until.After(at.Add(-keep)) {
		old++
	}
	n.history = append(n.history[old:], snapshot{until: at, att: att})
}

// shown returns an interface as the Describe actions show it at now: as it
// was WithDescribeLag ago, when changes by the API made since are not seen
// yet. The caller holds s.mu and has advanced the interface to now.
func (s *Server) shown(n *netInterface, now time.Time) InterfaceState {
	st := n.state()
	if s.describeLag <= 0 {
		return st
	}
	then := now.Add(-s.describeLag)
	for _, h := range n.history {
		if h.until.After(then) {
			st.Attachment, st.Status = nil, "available"
			if h.att != nil {
				a := *h.att
				st.Attachment, st.Status = &a, "in-use"
			}
			break
		}
	}
	return st
}
