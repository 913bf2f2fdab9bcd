package enidetach

// slot is a place an interface is attached at: an instance, and a device
// index on one of its network cards. Two attachments are at the same place
// when their slots are equal (==).
type slot struct {
	instanceID                    string
	deviceIndex, networkCardIndex int
}

// primary reports whether the slot is the primary interface's, device
// index 0 on network card 0. EC2 never detaches the interface there
// (OperationNotPermitted), and 0 on card 0 is also what unset fields hold:
// refusing it keeps an unset field from ever selecting it.
func (s slot) primary() bool { return s.deviceIndex == 0 && s.networkCardIndex == 0 }

// refusePrimary returns a *ValidationError for field when the slot is the
// primary interface's; hint says what to set instead.
func (s slot) refusePrimary(field, hint string) error {
	if !s.primary() {
		return nil
	}
	return &ValidationError{Field: field, Reason: "is 0 on network card 0, the primary interface's slot" + hint}
}

// checkIndexes refuses a negative index, naming the input's fields.
func (s slot) checkIndexes(deviceField, cardField string) error {
	switch {
	case s.deviceIndex < 0:
		return &ValidationError{Field: deviceField, Reason: "is negative"}
	case s.networkCardIndex < 0:
		return &ValidationError{Field: cardField, Reason: "is negative"}
	}
	return nil
}

// slot returns where the interface is attached (the zero slot when it is
// not).
func (st InterfaceState) slot() slot {
	return slot{st.InstanceID, st.DeviceIndex, st.NetworkCardIndex}
}

// slot returns where the item shows its interface attached (the zero slot
// when it shows no attachment).
func (it *describeItem) slot() slot {
	if a := it.Attachment; a != nil {
		return slot{a.InstanceID, a.DeviceIndex, a.NetworkCardIndex}
	}
	return slot{}
}

// slot returns the slot the input attaches at.
func (in *AttachNetworkInterfaceInput) slot() slot {
	return slot{in.InstanceID, in.DeviceIndex, in.NetworkCardIndex}
}

// slot returns the slot the input looks at (with InstanceID).
func (in *LookupAttachmentInput) slot() slot {
	return slot{in.InstanceID, in.DeviceIndex, in.NetworkCardIndex}
}

// from returns the source slot the input names (with FromInstanceID).
func (in *MoveNetworkInterfaceInput) from() slot {
	return slot{in.FromInstanceID, in.FromDeviceIndex, in.FromNetworkCardIndex}
}

// to returns the target slot.
func (in *MoveNetworkInterfaceInput) to() slot {
	return slot{in.ToInstanceID, in.ToDeviceIndex, in.ToNetworkCardIndex}
}

// step returns a move step at the slot, for the attachment.
func (s slot) step(attachmentID string) MoveStep {
	return MoveStep{AttachmentID: attachmentID, InstanceID: s.instanceID, DeviceIndex: s.deviceIndex, NetworkCardIndex: s.networkCardIndex}
}
