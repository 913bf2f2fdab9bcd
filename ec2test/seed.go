package ec2test

import (
	"time"
)

// DefaultOwnerID is the account that owns every seeded interface and
// instance unless a seed names another.
const DefaultOwnerID = "123456789012"

// The built-in seed's IDs (see DefaultSeed). Instance A holds the interface
// a failover moves; instance B is a standby in the same zone with device
// indexes 1 and up free; instance C is in another zone.
const (
	InstanceA = "i-0123456789abcdef0"
	InstanceB = "i-0123456789abcdef1"
	InstanceC = "i-0123456789abcdef2"
	// FailoverInterface is attached to instance A at device index 1 as
	// FailoverAttachment: the interface a failover detaches and attaches.
	FailoverInterface  = "eni-0123456789abcdef0"
	FailoverAttachment = "eni-attach-0123456789abcdef0"
	// SpareInterface is available (attached nowhere) in zone A.
	SpareInterface = "eni-0aaaaaaaaaaaaaaa0"
)

// Instance seeds an instance.
type Instance struct {
	// InstanceID is i- and 8 or 17 lower-case hex digits.
	InstanceID string `json:"instanceId"`
	// AvailabilityZone is the instance's zone (default: the region and "a").
	AvailabilityZone string `json:"availabilityZone"`
	// SubnetID is the instance's subnet (default: one made up per zone).
	SubnetID string `json:"subnetId"`
	// VpcID is the instance's VPC (default: one made up per region).
	VpcID string `json:"vpcId"`
	// OwnerID is the owning account (default DefaultOwnerID).
	OwnerID string `json:"ownerId"`
	// State is the instance's state as DescribeInstances names it:
	// pending, running (default), stopping, stopped, shutting-down or
	// terminated.
	State string `json:"state"`
}

// NetworkInterface seeds a network interface. Empty fields get defaults:
// the zone, subnet and VPC of the instance it is attached to (or the
// region's first zone), a private IP in the subnet, a MAC address made up
// from the ID, type "interface", owner DefaultOwnerID.
type NetworkInterface struct {
	// NetworkInterfaceID is eni- and 8 or 17 lower-case hex digits.
	NetworkInterfaceID string `json:"networkInterfaceId"`
	// SubnetID, VpcID and AvailabilityZone place the interface.
	SubnetID         string `json:"subnetId"`
	VpcID            string `json:"vpcId"`
	AvailabilityZone string `json:"availabilityZone"`
	// PrivateIPAddress is the primary private IPv4 address.
	PrivateIPAddress string `json:"privateIpAddress"`
	// MACAddress is the interface's MAC address, such as 0a:1b:2c:3d:4e:5f.
	MACAddress string `json:"macAddress"`
	// Description is the interface's free-text description.
	Description string `json:"description"`
	// InterfaceType is "interface" (default), "efa", "trunk" and so on.
	InterfaceType string `json:"interfaceType"`
	// OwnerID is the owning account (default DefaultOwnerID).
	OwnerID string `json:"ownerId"`
	// RequesterManaged marks an interface AWS manages for a service.
	RequesterManaged bool `json:"requesterManaged"`
}

// Attachment seeds an attachment of a network interface to an instance.
// An interface or instance it names that is not seeded otherwise is made
// up, in the zone of the other (or the region's first zone).
type Attachment struct {
	// AttachmentID is eni-attach- and 8 or 17 hex digits.
	AttachmentID string `json:"attachmentId"`
	// NetworkInterfaceID is the interface attached (default: eni- and the
	// attachment ID's digits).
	NetworkInterfaceID string `json:"networkInterfaceId"`
	// InstanceID is the instance attached to (default: i- and the
	// attachment ID's digits).
	InstanceID string `json:"instanceId"`
	// DeviceIndex is the interface's slot on its network card; 0 on card 0
	// is the primary interface, which cannot be detached.
	DeviceIndex int `json:"deviceIndex"`
	// NetworkCardIndex is the network card (0 unless the instance type has
	// several).
	NetworkCardIndex int `json:"networkCardIndex"`
	// DeleteOnTermination is reported in the attachment.
	DeleteOnTermination bool `json:"deleteOnTermination"`
	// AttachTime is when the attachment was made (default: the server's
	// clock when seeded).
	AttachTime time.Time `json:"attachTime"`
}

// Seed is the state a server starts with and that Reset restores: its
// instances, interfaces and attachments. Entries are applied in order,
// instances first; an interface without zone and subnet takes those of the
// instance an attachment puts it on; a later entry with the same ID replaces an earlier one,
// and an attachment to a device slot already taken detaches the interface
// that held it.
type Seed struct {
	// Instances to create.
	Instances []Instance
	// NetworkInterfaces to create, available until attached.
	NetworkInterfaces []NetworkInterface
	// Attachments of interfaces to instances, all "attached".
	Attachments []Attachment
}

// DefaultSeed returns the built-in state of a server in region: what a
// whole failover needs.
//
//   - InstanceA (zone a) with its primary interface eni-00000000000000000
//     (attachment eni-attach-00000000000000000, device index 0) and
//     FailoverInterface (FailoverAttachment, device index 1)
//   - InstanceB (zone a) with its primary eni-00000000000000001
//     (eni-attach-00000000000000001); device indexes 1 and up are free
//   - InstanceC (zone b) with its primary eni-00000000000000002
//     (eni-attach-00000000000000002): attaching there fails, zones differ
//   - SpareInterface, available in zone a
//
// Append to it to seed more with WithSeed.
func DefaultSeed(region string) Seed {
	za, zb := region+"a", region+"b"
	return Seed{
		Instances: []Instance{
			{InstanceID: InstanceA, AvailabilityZone: za},
			{InstanceID: InstanceB, AvailabilityZone: za},
			{InstanceID: InstanceC, AvailabilityZone: zb},
		},
		NetworkInterfaces: []NetworkInterface{
			{NetworkInterfaceID: "eni-00000000000000000", Description: "primary network interface of " + InstanceA},
			{NetworkInterfaceID: FailoverInterface, Description: "failover interface"},
			{NetworkInterfaceID: "eni-00000000000000001", Description: "primary network interface of " + InstanceB},
			{NetworkInterfaceID: "eni-00000000000000002", Description: "primary network interface of " + InstanceC},
			{NetworkInterfaceID: SpareInterface, AvailabilityZone: za, Description: "spare interface"},
		},
		Attachments: []Attachment{
			{AttachmentID: "eni-attach-00000000000000000", NetworkInterfaceID: "eni-00000000000000000", InstanceID: InstanceA, DeviceIndex: 0, DeleteOnTermination: true},
			{AttachmentID: FailoverAttachment, NetworkInterfaceID: FailoverInterface, InstanceID: InstanceA, DeviceIndex: 1},
			{AttachmentID: "eni-attach-00000000000000001", NetworkInterfaceID: "eni-00000000000000001", InstanceID: InstanceB, DeviceIndex: 0, DeleteOnTermination: true},
			{AttachmentID: "eni-attach-00000000000000002", NetworkInterfaceID: "eni-00000000000000002", InstanceID: InstanceC, DeviceIndex: 0, DeleteOnTermination: true},
		},
	}
}
