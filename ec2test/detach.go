package ec2test

import (
	"fmt"
	"net/url"
	"time"
)

// detach handles DetachNetworkInterface.
func (s *Server) detach(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	if e := checkParams(params, func(k string) bool { return k == "AttachmentId" || k == "DryRun" || k == "Force" }); e != nil {
		return "", e
	}
	id, e := requireParam(params, "AttachmentId")
	if e != nil {
		return "", e
	}
	force, e := boolParam(params, "Force")
	if e != nil {
		return "", e
	}
	if e := authorize(key, params); e != nil {
		return "", e
	}
	if !wellFormedAttachmentID(id) {
		return "", &ec2Error{400, "InvalidNetworkInterfaceAttachmentId.Malformed", fmt.Sprintf("Invalid id: %q", id)}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	var n *netInterface
	for _, cand := range s.interfaces {
		if cand.att != nil && cand.att.AttachmentID == id {
			n = cand
		}
	}
	switch {
	case n == nil:
		return "", &ec2Error{400, "InvalidAttachmentID.NotFound", fmt.Sprintf("The attachment ID '%s' does not exist", id)}
	case n.att.slot().primary():
		return "", &ec2Error{400, "OperationNotPermitted", "The network interface at device index 0 and networkCard index 0 cannot be detached."}
	case n.att.Status == "detaching":
		return "", &ec2Error{400, "IncorrectState", fmt.Sprintf("The attachment '%s' is already detaching.", id)}
	case n.att.Status == "attaching":
		return "", &ec2Error{400, "IncorrectState", fmt.Sprintf("The attachment '%s' is still attaching.", id)}
	}
	n.detaches++
	n.remember(now, s.describeLag)
	if force {
		n.forced++
	}
	if s.detaching > 0 {
		n.att.Status, n.detachAt = "detaching", now.Add(s.detaching)
	} else {
		n.att = nil
	}
	return "    <return>true</return>\n", nil
}
