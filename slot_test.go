package enidetach

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestSlotPrimary: device index 0 on network card 0 is the primary
// interface's slot, and only it; a slot is the same place only when the
// instance, the device index and the card all agree.
func TestSlotPrimary(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s    slot
		want bool
	}{
		{slot{}, true}, {slot{"i-1", 0, 0}, true},
		{slot{"i-1", 1, 0}, false}, {slot{"i-1", 0, 1}, false},
	} {
		if got := tc.s.primary(); got != tc.want {
			t.Errorf("%+v.primary() = %v, want %v", tc.s, got, tc.want)
		}
		if err := tc.s.refusePrimary("F", ""); (err != nil) != tc.want {
			t.Errorf("%+v.refusePrimary = %v", tc.s, err)
		}
	}
	at := slot{"i-1", 1, 0}
	for _, other := range []slot{{"i-2", 1, 0}, {"i-1", 2, 0}, {"i-1", 1, 1}} {
		if other == at {
			t.Errorf("%+v == %+v", other, at)
		}
	}
	st := InterfaceState{AttachmentID: "eni-attach-1", InstanceID: "i-1", DeviceIndex: 1}
	if st.slot() != at {
		t.Errorf("InterfaceState.slot() = %+v, want %+v", st.slot(), at)
	}
}

// TestPrimarySlotRefusedEverywhere: every input that names a slot refuses
// the primary interface's, which unset fields would select, before
// anything is sent.
func TestPrimarySlotRefusedEverywhere(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	ctx := context.Background()
	cases := []struct {
		name, field string
		call        func() error
	}{
		{"attach", "DeviceIndex", func() error {
			_, err := c.AttachNetworkInterface(ctx, &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: "i-1"})
			return err
		}},
		{"lookup", "DeviceIndex", func() error {
			_, err := c.LookupAttachment(ctx, &LookupAttachmentInput{InstanceID: "i-1"})
			return err
		}},
		{"move source", "FromDeviceIndex", func() error {
			_, err := c.MoveNetworkInterface(ctx, &MoveNetworkInterfaceInput{FromInstanceID: "i-1", ToInstanceID: "i-2", ToDeviceIndex: 1})
			return err
		}},
		{"move target", "ToDeviceIndex", func() error {
			_, err := c.MoveNetworkInterface(ctx, &MoveNetworkInterfaceInput{NetworkInterfaceID: "eni-1", ToInstanceID: "i-2"})
			return err
		}},
	}
	for _, tc := range cases {
		var ve *ValidationError
		if err := tc.call(); !errors.As(err, &ve) || ve.Field != tc.field || !strings.HasPrefix(ve.Reason, "is 0 on network card 0, the primary interface's slot") {
			t.Errorf("%s: %v, want a *ValidationError for %s naming the primary interface's slot", tc.name, err, tc.field)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
