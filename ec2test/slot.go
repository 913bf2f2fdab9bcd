package ec2test

// slot is a place an interface is attached at: an instance, and a device
// index on one of its network cards. Two attachments are at the same place
// when their slots are equal (==).
type slot struct {
	instanceID                    string
	networkCardIndex, deviceIndex int
}

// slot returns where the attachment is.
func (a Attachment) slot() slot {
	return slot{a.InstanceID, a.NetworkCardIndex, a.DeviceIndex}
}

// primarySlot returns the slot of an instance's primary interface: device
// index 0 on network card 0, which EC2 never detaches.
func primarySlot(instanceID string) slot { return slot{instanceID: instanceID} }

// primary reports whether the slot is its instance's primary interface's.
func (s slot) primary() bool { return s == primarySlot(s.instanceID) }

// less orders slots by instance, then network card, then device index: an
// instance's interfaces are listed (Instances, DescribeInstances) in this
// order.
func (s slot) less(o slot) bool {
	switch {
	case s.instanceID != o.instanceID:
		return s.instanceID < o.instanceID
	case s.networkCardIndex != o.networkCardIndex:
		return s.networkCardIndex < o.networkCardIndex
	}
	return s.deviceIndex < o.deviceIndex
}

// slotHolder returns the interface attached (attaching, detaching) at a
// slot, or nil. The caller holds s.mu, and advances the interfaces first
// when the slot's holder now is what counts.
func (s *Server) slotHolder(at slot) *netInterface {
	for _, n := range s.interfaces {
		if n.att != nil && n.att.slot() == at {
			return n
		}
	}
	return nil
}
