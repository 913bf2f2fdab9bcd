package enidetach

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

func TestMoveNetworkInterfaceValidation(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name  string
		in    *MoveNetworkInterfaceInput
		opts  func(*WaitOptions)
		field string
	}{
		{"nil", nil, nil, "input"},
		{"no source", &MoveNetworkInterfaceInput{ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "NetworkInterfaceID"},
		{"attachment and slot", &MoveNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment, FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "AttachmentID"},
		{"source index without instance", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "FromDeviceIndex"},
		{"source primary slot", &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "FromDeviceIndex"},
		{"no target", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToDeviceIndex: 1}, nil, "ToInstanceID"},
		{"target slot unset", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB}, nil, "ToDeviceIndex"},
		{"target is the source", &MoveNetworkInterfaceInput{FromInstanceID: ec2test.InstanceA, FromDeviceIndex: 1, ToInstanceID: ec2test.InstanceA, ToDeviceIndex: 1}, nil, "ToDeviceIndex"},
		{"negative index", &MoveNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: -1}, nil, "ToDeviceIndex"},
		{"long ID", &MoveNetworkInterfaceInput{NetworkInterfaceID: long, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1}, nil, "NetworkInterfaceID"},
		{"wait interface set", toB(), func(o *WaitOptions) { o.NetworkInterfaceID = ec2test.FailoverInterface }, "WaitOptions.NetworkInterfaceID"},
		{"bad wait delays", toB(), func(o *WaitOptions) { o.MinDelay = -time.Second }, "WaitOptions.MinDelay"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newMoveEnv(t)
			var optFns []func(*WaitOptions)
			if tc.opts != nil {
				optFns = append(optFns, tc.opts)
			}
			_, err := e.c.MoveNetworkInterface(context.Background(), tc.in, optFns...)
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != tc.field {
				t.Fatalf("error %v, want a *ValidationError on %s", err, tc.field)
			}
			if n := len(e.srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
