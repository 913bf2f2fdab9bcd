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
	if e := checkParams(params, func(k string) bool {
		switch k {
		case "NetworkInterfaceId", "InstanceId", "DeviceIndex", "NetworkCardIndex", "DryRun":
			return true
		}
		return false
	}); e != nil {
		return "", e
	}
	for _, name := range []string{"DeviceIndex", "InstanceId", "NetworkInterfaceId"} {
		if _, e := requireParam(params, name); e != nil {
			return "", e
		}
	}
	instanceID, interfaceID := params.Get("InstanceId"), params.Get("NetworkInterfaceId")
	device, e := intParam(params, "DeviceIndex")
	if e != nil {
		return "", e
	}
	card, e := intParam(params, "NetworkCardIndex")
	if e != nil {
		return "", e
	}
	if e := authorize(key, params); e != nil {
		return "", e
	}
	if !wellFormedID(interfaceID, "eni-") {
		return "", malformedInterfaceID(interfaceID)
	}
	if !wellFormedID(instanceID, "i-") {
		return "", malformedInstanceID(instanceID)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(now)
	n, ok := s.interfaces[interfaceID]
	if !ok {
		return "", interfaceNotFound(interfaceID)
	}
	in, ok := s.instances[instanceID]
	switch {
	case !ok:
		return "", instancesNotFound([]string{instanceID})
	case n.AvailabilityZone != in.AvailabilityZone:
		return "", &ec2Error{400, "InvalidParameterCombination", "You may not attach a network interface to an instance if they are not in the same availability zone"}
	case n.att != nil:
		return "", &ec2Error{400, "InvalidNetworkInterface.InUse", fmt.Sprintf("Interface: [%s] in use.", interfaceID)}
	case s.slotHolder(instanceID, card, device) != nil:
		return "", &ec2Error{400, "InvalidParameterValue", fmt.Sprintf("Instance '%s' already has an interface attached at device index '%d'.", instanceID, device)}
	}
	a := Attachment{AttachmentID: newAttachmentID(), NetworkInterfaceID: interfaceID, InstanceID: instanceID,
		DeviceIndex: device, NetworkCardIndex: card, AttachTime: now}
	n.attaches++
	n.remember(now, s.describeLag)
	n.att = &AttachmentState{Attachment: a, Status: "attached"}
	if s.attaching > 0 {
		n.att.Status, n.attachAt = "attaching", now.Add(s.attaching)
	}
	return fmt.Sprintf("    <attachmentId>%s</attachmentId>\n    <networkCardIndex>%d</networkCardIndex>\n", a.AttachmentID, card), nil
}
