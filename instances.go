package enidetach

import (
	"context"
	"net/url"
)

// instanceState is an instance as DescribeInstances shows it: the fields
// the move reads before it detaches anything.
type instanceState struct {
	// InstanceID is the instance's ID.
	InstanceID string
	// State is the instance state's name: pending, running, stopping,
	// stopped, shutting-down or terminated.
	State string
	// AvailabilityZone is the instance's zone (placement).
	AvailabilityZone string
	// Interfaces are the interfaces attached to it, in any status.
	Interfaces []instanceInterface
	// RequestID identifies the DescribeInstances call.
	RequestID string
}

// instanceInterface is one network interface of a DescribeInstances item.
type instanceInterface struct {
	NetworkInterfaceID string `xml:"networkInterfaceId"`
	Attachment         struct {
		ID               string `xml:"attachmentId"`
		Status           string `xml:"status"`
		DeviceIndex      int    `xml:"deviceIndex"`
		NetworkCardIndex int    `xml:"networkCardIndex"`
	} `xml:"attachment"`
}

// slotHolder returns the interface attached at the slot, or nil.
func (st *instanceState) slotHolder(at slot) *instanceInterface {
	for i := range st.Interfaces {
		a := &st.Interfaces[i].Attachment
		if a.ID != "" && (slot{st.InstanceID, a.DeviceIndex, a.NetworkCardIndex}) == at {
			return &st.Interfaces[i]
		}
	}
	return nil
}

// describeInstancesPage decodes a DescribeInstances answer.
type describeInstancesPage struct {
	RequestID    string `xml:"requestId"`
	Reservations []struct {
		Instances []struct {
			ID         string              `xml:"instanceId"`
			State      string              `xml:"instanceState>name"`
			Zone       string              `xml:"placement>availabilityZone"`
			Interfaces []instanceInterface `xml:"networkInterfaceSet>item"`
		} `xml:"instancesSet>item"`
	} `xml:"reservationSet>item"`
}

// describeInstance reads one instance with DescribeInstances (by
// InstanceId.1, which EC2 answers with InvalidInstanceID.NotFound, an
// *APIError, when the instance does not exist). It returns nil and no
// error when the answer does not hold the instance: a service that answers
// an unknown ID with an empty set rather than an error.
func (c *Client) describeInstance(ctx context.Context, instanceID string) (*instanceState, error) {
	var out describeInstancesPage
	if err := c.Call(ctx, "DescribeInstances", url.Values{"InstanceId.1": {instanceID}}, &out); err != nil {
		return nil, err
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if in.ID == instanceID {
				return &instanceState{InstanceID: in.ID, State: in.State, AvailabilityZone: in.Zone,
					Interfaces: in.Interfaces, RequestID: out.RequestID}, nil
			}
		}
	}
	return nil, nil
}
