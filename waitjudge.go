package enidetach

import (
	"fmt"
	"time"
)

// waitGoal is what a wait waits for, fixed when it starts: the attachment
// gone (or its interface available), or, with attach, the attachment
// "attached".
type waitGoal struct {
	attachmentID string
	attach       bool
	// unlessDetaching is the error of a detach that answered IncorrectState
	// (DetachAndWait with Idempotent): the wait goes on only if the first
	// answer shows the attachment detaching or gone; otherwise it ends
	// with this error, since the detach was refused.
	unlessDetaching error
	// alreadyGone: the detach answered InvalidAttachmentID.NotFound
	// (Idempotent). That is the evidence; polls only show the interface,
	// and one that fails or shows nothing ends the wait detached.
	alreadyGone bool
	// sent is when the detach or attach was sent: the first poll comes no
	// earlier than a first delay after it. Zero: at once.
	sent time.Time
}

// waitSight is what a wait's earlier answers showed: the interface to ask
// for (given, or learnt from the first answer that showed the attachment),
// whether an answer showed it, and how many answers were judged.
type waitSight struct {
	ifaceID string
	seen    bool
	judged  int
}

// waitAnswer is one answer for a wait: the items of a shared poll, or,
// with byID, of the interface asked for by ID; or the poll's error, with
// whether it may pass (pollMayPass).
type waitAnswer struct {
	items   []describeItem
	err     error
	mayPass bool
	byID    bool
}

// verdict is the judgement of one answer.
type verdict struct {
	state    InterfaceState
	done     bool  // the goal is reached: detached, or attached
	err      error // ends the wait: an answer that will not change
	failed   bool  // the poll failed for a reason that may pass: poll again
	askByID  bool  // the answer did not show the known interface: ask for it by ID, judge that
	doubt    string
	sight    waitSight
	notFound bool // the interface, once seen, is gone (asked by ID): deleted
}

// judge judges one answer for a wait with goal g, after earlier answers
// showed s. It is pure: the loop polls, judge decides.
func judge(g waitGoal, s waitSight, a waitAnswer) verdict {
	v := verdict{sight: s, state: InterfaceState{NetworkInterfaceID: s.ifaceID}}
	if a.err != nil {
		return judgeError(g, v, a)
	}
	ours := hasAttachment(g.attachmentID)
	for _, it := range a.items {
		if ours(&it) && s.ifaceID != "" && it.ID != s.ifaceID {
			v.err = &WrongInterfaceError{AttachmentID: g.attachmentID, NetworkInterfaceID: s.ifaceID, Found: it.ID}
			return v
		}
	}
	// An answer that shows the attachment, or the interface, two ways
	// (two interfaces claiming the attachment, one interface twice with
	// different states) proves nothing: reading the last item as the
	// truth could report a detach or an attach that did not happen.
	if amb := ambiguousItems(a.items); amb != nil {
		v.err = &AmbiguousAttachmentError{AttachmentID: g.attachmentID, Interfaces: amb}
		return v
	}
	if len(a.items) == 0 {
		return judgeNothing(g, v, a)
	}
	v.sight.judged++
	it := &a.items[0] // all alike
	v.sight.ifaceID, v.sight.seen = it.ID, true
	switch {
	case !ours(it):
		// The interface without our attachment: detached (an attach not
		// yet shown). Another attachment without its ID, on an interface
		// not available, may be ours: that proves no detach.
		v.state = InterfaceState{NetworkInterfaceID: it.ID, Status: it.Status, AvailabilityZone: it.AvailabilityZone}
		v.done = !g.attach && (it.Attachment == nil || it.Attachment.ID != "" || it.Status == "available")
	case g.attach:
		v.state, v.done = it.state(), it.Attachment.Status == "attached"
	default:
		v.state, v.done = it.state(), it.Status == "available"
	}
	return firstAnswer(g, v)
}

// firstAnswer ends a wait whose detach answered IncorrectState when its
// first answer shows the attachment neither detaching nor gone.
func firstAnswer(g waitGoal, v verdict) verdict {
	if g.unlessDetaching != nil && v.sight.judged == 1 && !v.done && v.state.AttachmentStatus != "detaching" {
		v.err = g.unlessDetaching
	}
	return v
}

// judgeNothing judges an answer that shows nothing of the wait.
func judgeNothing(g waitGoal, v verdict, a waitAnswer) verdict {
	if v.sight.ifaceID != "" && !a.byID {
		// A filter matches nothing both for an interface that does not
		// exist and for one EC2 does not show (yet, or any more): asked by
		// ID, EC2 says which.
		v.askByID = true
		return v
	}
	v.sight.judged++
	switch {
	case g.alreadyGone:
		v.done = true
	case v.sight.ifaceID == "":
		// Asked by attachment ID only, at once: the attachment is gone and
		// no answer could name its interface.
		v.done = !g.attach
	default:
		v.doubt = fmt.Sprintf("network interface %s, asked for by ID, was in no answer, nor said not to exist", v.sight.ifaceID)
	}
	return firstAnswer(g, v)
}

// judgeError judges a poll that failed.
func judgeError(g waitGoal, v verdict, a waitAnswer) verdict {
	switch {
	case g.alreadyGone:
		// The detach's NotFound already said the attachment is gone; this
		// poll was only to show the interface.
		v.done, v.failed = true, true
	case v.sight.seen && !g.attach && isCode(a.err, "InvalidNetworkInterfaceID.NotFound"):
		v.done, v.notFound = true, true // deleted, which detached it
		v.sight.judged++
	case a.mayPass:
		v.failed = true
	default:
		v.err = a.err
	}
	return v
}

// ambiguousItems returns the states of items when they are not all the
// same, nil when they are (or there are none).
func ambiguousItems(items []describeItem) []InterfaceState {
	for i := 1; i < len(items); i++ {
		if !items[i].same(&items[0]) {
			states := make([]InterfaceState, len(items))
			for j := range items {
				states[j] = items[j].state()
			}
			return states
		}
	}
	return nil
}
