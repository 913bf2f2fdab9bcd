package main

import (
	"context"
	"time"

	"github.com/ec2lite/enidetach"
)

// selfValue is what -instance-id and -to-instance-id take for the
// instance the command runs on.
const selfValue = "self"

// selfTimeout bounds the instance metadata lookup: on EC2 it answers in
// milliseconds; off EC2 the command says so within this time, having sent
// nothing to EC2.
const selfTimeout = 5 * time.Second

// instanceIdentity is this instance as its metadata service describes it.
type instanceIdentity struct {
	InstanceID, AvailabilityZone, Region string
}

// selfError is this instance's ID unknown: no instance metadata service
// answered (not on EC2), or it is disabled. Exit 2: nothing was sent to
// EC2.
type selfError struct{ err error }

func (e *selfError) Error() string {
	return "-instance-id/-to-instance-id self: cannot read this instance's ID from the instance metadata service (not on EC2, or AWS_EC2_METADATA_DISABLED): " + e.err.Error()
}

func (e *selfError) Unwrap() error { return e.err }

// usesSelf reports whether the command line names this instance.
func (f *flags) usesSelf() bool {
	return f.instanceID == selfValue || f.toInstanceID == selfValue
}

// resolveSelf replaces self in -instance-id and -to-instance-id by this
// instance's ID and returns its identity (nil when self is not used).
func resolveSelf(ctx context.Context, f *flags) (*instanceIdentity, error) {
	if !f.usesSelf() {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, selfTimeout)
	defer cancel()
	id, err := thisInstance(ctx)
	if err != nil {
		return nil, &selfError{err: err}
	}
	if f.instanceID == selfValue {
		f.instanceID = id.InstanceID
	}
	if f.toInstanceID == selfValue {
		f.toInstanceID = id.InstanceID
	}
	return id, nil
}

// thisInstance reads this instance's identity with enidetach.ThisInstance
// (IMDSv2 only, honouring AWS_EC2_METADATA_DISABLED and
// AWS_EC2_METADATA_SERVICE_ENDPOINT); its *InstanceMetadataError quotes
// nothing the service answered.
func thisInstance(ctx context.Context) (*instanceIdentity, error) {
	id, err := enidetach.ThisInstance(ctx)
	if err != nil {
		return nil, err
	}
	return &instanceIdentity{InstanceID: id.InstanceID, AvailabilityZone: id.AvailabilityZone, Region: id.Region}, nil
}
