package ec2test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"
)

// InterfaceState is what the server knows of one network interface.
type InterfaceState struct {
	// NetworkInterface is the interface as seeded, defaults filled in.
	NetworkInterface
	// Status is "in-use" while attaching, attached or detaching, else
	// "available".
	Status string `json:"status"`
	// Attachment is the current attachment, nil once detached.
	Attachment *AttachmentState `json:"attachment"`
	// Detaches counts accepted detaches; ForcedDetaches those with Force.
	Detaches       int `json:"detaches"`
	ForcedDetaches int `json:"forcedDetaches"`
	// Attaches counts accepted AttachNetworkInterface calls.
	Attaches int `json:"attaches"`
}

// AttachmentState is an attachment and its status.
type AttachmentState struct {
	Attachment
	// Status is "attaching", "attached" or "detaching".
	Status string `json:"status"`
}

// InstanceState is what the server knows of one instance.
type InstanceState struct {
	// Instance is the instance as seeded, defaults filled in.
	Instance
	// Attachments are the interfaces attached (or attaching, or detaching),
	// by network card and device index.
	Attachments []AttachmentState `json:"attachments"`
}

// netInterface is the server's record of an interface.
type netInterface struct {
	NetworkInterface
	att      *AttachmentState
	attachAt time.Time // when an attaching attachment becomes attached
	detachAt time.Time // when a detaching one goes away
	detaches int
	forced   int
	attaches int
	history  []snapshot // what the interface was before recent changes, for WithDescribeLag
}

// advance moves an attaching interface to attached and a detaching one to
// available once their time is up, remembering the state before for
// describes that lag by keep.
func (n *netInterface) advance(now time.Time, keep time.Duration) {
	if n.att == nil {
		return
	}
	switch {
	case n.att.Status == "attaching" && !now.Before(n.attachAt):
		n.remember(n.attachAt, keep)
		n.att.Status = "attached"
	case n.att.Status == "detaching" && !now.Before(n.detachAt):
		n.remember(n.detachAt, keep)
		n.att = nil
	}
}

func (n *netInterface) state() InterfaceState {
	st := InterfaceState{NetworkInterface: n.NetworkInterface, Status: "available", Detaches: n.detaches, ForcedDetaches: n.forced, Attaches: n.attaches}
	if n.att != nil {
		a := *n.att
		st.Attachment, st.Status = &a, "in-use"
	}
	return st
}

// madeUpID returns prefix and 17 hex digits derived from seed, for the
// subnets, VPCs and MAC addresses nobody named.
func madeUpID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return prefix + "0" + hex.EncodeToString(sum[:])[:16]
}

// applySeed replaces the whole state with seed. The caller holds s.mu.
func (s *Server) applySeed(seed Seed, now time.Time) {
	s.instances = map[string]*Instance{}
	s.interfaces = map[string]*netInterface{}
	s.nextHost = map[string]int{}
	for _, in := range seed.Instances {
		s.addInstance(in)
	}
	attachedTo := map[string]string{} // interface ID -> instance ID
	for _, a := range seed.Attachments {
		attachedTo[a.NetworkInterfaceID] = a.InstanceID
	}
	for _, ni := range seed.NetworkInterfaces {
		// An interface without a place takes that of the seeded instance
		// it is attached to.
		if in, ok := s.instances[attachedTo[ni.NetworkInterfaceID]]; ok && ni.AvailabilityZone == "" && ni.SubnetID == "" {
			ni.AvailabilityZone, ni.SubnetID = in.AvailabilityZone, in.SubnetID
			if ni.VpcID == "" {
				ni.VpcID = in.VpcID
			}
		}
		s.addInterface(ni)
	}
	for _, a := range seed.Attachments {
		s.addAttachment(a, now)
	}
}

// place fills in an instance's or interface's placement left empty: the
// region's first zone, and a VPC and subnet made up from region and zone.
func (s *Server) place(zone, vpc, subnet *string) {
	if *zone == "" {
		*zone = s.region + "a"
	}
	if *vpc == "" {
		*vpc = madeUpID("vpc-", s.region)
	}
	if *subnet == "" {
		*subnet = madeUpID("subnet-", *zone)
	}
}

// addInstance adds or replaces an instance, filling in defaults. The caller
// holds s.mu.
func (s *Server) addInstance(in Instance) *Instance {
	s.place(&in.AvailabilityZone, &in.VpcID, &in.SubnetID)
	if in.OwnerID == "" {
		in.OwnerID = DefaultOwnerID
	}
	if in.State == "" {
		in.State = "running"
	}
	p := &in
	s.instances[in.InstanceID] = p
	return p
}

// addInterface adds or replaces an interface, filling in defaults; an
// attachment it had is kept. The caller holds s.mu.
func (s *Server) addInterface(ni NetworkInterface) *netInterface {
	s.place(&ni.AvailabilityZone, &ni.VpcID, &ni.SubnetID)
	if ni.PrivateIPAddress == "" {
		s.nextHost[ni.SubnetID]++
		zone := 0
		if z := ni.AvailabilityZone; z != "" {
			zone = int(z[len(z)-1]-'a') & 0xff
		}
		ni.PrivateIPAddress = fmt.Sprintf("10.0.%d.%d", zone, 9+s.nextHost[ni.SubnetID])
	}
	if ni.MACAddress == "" {
		h := madeUpID("", ni.NetworkInterfaceID)
		ni.MACAddress = "0a:" + h[1:3] + ":" + h[3:5] + ":" + h[5:7] + ":" + h[7:9] + ":" + h[9:11]
	}
	if ni.InterfaceType == "" {
		ni.InterfaceType = "interface"
	}
	if ni.OwnerID == "" {
		ni.OwnerID = DefaultOwnerID
	}
	n := &netInterface{NetworkInterface: ni}
	if old, ok := s.interfaces[ni.NetworkInterfaceID]; ok {
		n.att, n.attachAt, n.detachAt = old.att, old.attachAt, old.detachAt
		n.detaches, n.forced, n.attaches = old.detaches, old.forced, old.attaches
	}
	s.interfaces[ni.NetworkInterfaceID] = n
	return n
}

// addAttachment attaches (or re-attaches) an interface, creating the
// interface or instance if unknown and freeing the device slot. The caller
// holds s.mu.
func (s *Server) addAttachment(a Attachment, now time.Time) {
	digits := strings.TrimPrefix(a.AttachmentID, "eni-attach-")
	if a.NetworkInterfaceID == "" {
		a.NetworkInterfaceID = "eni-" + digits
	}
	if a.InstanceID == "" {
		a.InstanceID = "i-" + digits
	}
	if a.AttachTime.IsZero() {
		a.AttachTime = now
	}
	n, nOK := s.interfaces[a.NetworkInterfaceID]
	in, inOK := s.instances[a.InstanceID]
	switch {
	case !inOK && nOK:
		in = s.addInstance(Instance{InstanceID: a.InstanceID, AvailabilityZone: n.AvailabilityZone, SubnetID: n.SubnetID, VpcID: n.VpcID})
	case !inOK:
		in = s.addInstance(Instance{InstanceID: a.InstanceID})
	}
	if !nOK {
		n = s.addInterface(NetworkInterface{NetworkInterfaceID: a.NetworkInterfaceID, AvailabilityZone: in.AvailabilityZone, SubnetID: in.SubnetID, VpcID: in.VpcID})
	}
	// Changes made from Go are seen by describes at once.
	if other := s.slotHolder(a.slot()); other != nil && other != n {
		other.att, other.history = nil, nil
	}
	n.att, n.history = &AttachmentState{Attachment: a, Status: "attached"}, nil
}

// advanceAll advances every interface to now. The caller holds s.mu.
func (s *Server) advanceAll(now time.Time) {
	for _, n := range s.interfaces {
		n.advance(now, s.describeLag)
	}
}

// AddAttachment adds (or replaces) an attached interface, creating the
// interface and instance when they are unknown (see Seed for the rules).
// Reset undoes it.
func (s *Server) AddAttachment(a Attachment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock()
	s.advanceAll(now)
	s.addAttachment(a, now)
}

// AddInstance adds (or replaces) an instance. Reset undoes it.
func (s *Server) AddInstance(in Instance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addInstance(in)
}

// AddNetworkInterface adds (or replaces) a network interface, available
// unless it was attached already. Reset undoes it.
func (s *Server) AddNetworkInterface(ni NetworkInterface) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addInterface(ni)
}

// Interface returns the state of a network interface by its ID.
func (s *Server) Interface(networkInterfaceID string) (InterfaceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.interfaces[networkInterfaceID]
	if !ok {
		return InterfaceState{}, false
	}
	n.advance(s.clock(), s.describeLag)
	return n.state(), true
}

// InterfaceByAttachment returns the state of the interface that has the
// attachment (attaching, attached or still detaching).
func (s *Server) InterfaceByAttachment(attachmentID string) (InterfaceState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(s.clock())
	for _, n := range s.interfaces {
		if n.att != nil && n.att.AttachmentID == attachmentID {
			return n.state(), true
		}
	}
	return InterfaceState{}, false
}

// Interfaces returns the state of every interface, sorted by ID.
func (s *Server) Interfaces() []InterfaceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(s.clock())
	out := make([]InterfaceState, 0, len(s.interfaces))
	for _, n := range s.interfaces {
		out = append(out, n.state())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NetworkInterfaceID < out[j].NetworkInterfaceID })
	return out
}

// Instances returns the state of every instance, sorted by ID, each with
// its attachments sorted by network card and device index.
func (s *Server) Instances() []InstanceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceAll(s.clock())
	out := make([]InstanceState, 0, len(s.instances))
	for _, in := range s.instances {
		st := InstanceState{Instance: *in, Attachments: []AttachmentState{}}
		for _, n := range s.interfaces {
			if n.att != nil && n.att.InstanceID == in.InstanceID {
				st.Attachments = append(st.Attachments, *n.att)
			}
		}
		sort.Slice(st.Attachments, func(i, j int) bool { return st.Attachments[i].slot().less(st.Attachments[j].slot()) })
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].InstanceID < out[j].InstanceID })
	return out
}
