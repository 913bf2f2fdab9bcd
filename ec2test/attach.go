package ec2test

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"
)

// newAttachmentID returns a random attachment ID of 17 hex digits, as EC2
// issues them.
func newAttachmentID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return "eni-attach-" + hex.EncodeToString(b[:])[:17]
}

// attach handles AttachNetworkInterface.
func (s *Server) attach(params url.Values, key Key, now time.Time) (string, *ec2Error) {
	interfaceID, at, e := parseAttach(params, key)
	if e != nil {
		return "", e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	n, e := s.attachable(interfaceID, at)
	if e != nil {
		return "", e
	}
	a := Attachment{AttachmentID: newAttachmentID(), NetworkInterfaceID: interfaceID, InstanceID: at.instanceID,
		DeviceIndex: at.deviceIndex, NetworkCardIndex: at.networkCardIndex, AttachTime: now}
	n.attaches++
	n.remember(now, s.describeLag)
	n.att = &AttachmentState{Attachment: a, Status: "attached"}
	if s.attaching > 0 {
		n.att.Status, n.attachAt = "attaching", now.Add(s.attaching)
	}
	return fmt.Sprintf("    <attachmentId>%s</attachmentId>\n    <networkCardIndex>%d</networkCardIndex>\n", a.AttachmentID, at.networkCardIndex), nil
}

// parseAttach checks AttachNetworkInterface's parameters as EC2 does:
// unknown and missing ones, the indexes, then the permission and DryRun,
// then the IDs. It returns the interface and the slot asked for.
func parseAttach(params url.Values, key Key) (string, slot, *ec2Error) {
	if e := checkParams(params, func(k string) bool {
		switch k {
		case "NetworkInterfaceId", "InstanceId", "DeviceIndex", "NetworkCardIndex", "DryRun":
			return true
		}
		return false
	}); e != nil {
		return "", slot{}, e
	}
	for _, name := range []string{"DeviceIndex", "InstanceId", "NetworkInterfaceId"} {
		if _, e := requireParam(params, name); e != nil {
			return "", slot{}, e
		}
	}
	instanceID, interfaceID := params.Get("InstanceId"), params.Get("NetworkInterfaceId")
	device, e := intParam(params, "DeviceIndex")
	if e != nil {
		return "", slot{}, e
	}
	card, e := intParam(params, "NetworkCardIndex")
	if e != nil {
		return "", slot{}, e
	}
	if e := authorize(key, params); e != nil {
		return "", slot{}, e
	}
	if !wellFormedID(interfaceID, "eni-") {
		return "", slot{}, malformedInterfaceID(interfaceID)
	}
	if !wellFormedID(instanceID, "i-") {
		return "", slot{}, malformedInstanceID(instanceID)
	}
	return interfaceID, slot{instanceID, card, device}, nil
}

// attachable returns the interface when it may be attached at the slot:
// both known, in one zone, the interface free and the slot too. The caller
// holds s.mu and has advanced the interfaces.
func (s *Server) attachable(interfaceID string, at slot) (*netInterface, *ec2Error) {
	n, ok := s.interfaces[interfaceID]
	if !ok {
		return nil, interfaceNotFound(interfaceID)
	}
	in, ok := s.instances[at.instanceID]
	switch {
	case !ok:
		return nil, instancesNotFound([]string{at.instanceID})
	case n.AvailabilityZone != in.AvailabilityZone:
		return nil, &ec2Error{400, "InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone"}
	case n.att != nil:
		return nil, &ec2Error{400, "InvalidNetworkInterface.InUse", fmt.Sprintf("Interface: [%s] in use.", interfaceID)}
	case s.slotHolder(at) != nil:
		return nil, &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Instance '%s' already has an interface attached at device index '%d'.", at.instanceID, at.deviceIndex)}
	}
	return n, nil
}
