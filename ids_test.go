package enidetach

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestWaitAndLookupRefuseFilterWildcards: the IDs a wait or a lookup sends
// as filter values are matched by EC2 with wildcards (* and ?, \ escaping
// them). An ID holding one matched every attachment, none of which is the
// ID itself: the wait reported "detached" with the failover attachment
// still attached, and a crowd's shared poll asked for the whole account.
// Such an ID is a *ValidationError, before anything is sent.
func TestWaitAndLookupRefuseFilterWildcards(t *testing.T) {
	t.Parallel()
	c, srv := newWaitClient(t, 0, false)
	for _, id := range []string{"eni-attach-*", "eni-attach-0123456789abcdef?", `eni-attach-\*`} {
		res, err := c.WaitUntilDetached(context.Background(), id)
		var ve *ValidationError
		if !errors.As(err, &ve) || res != nil {
			t.Errorf("WaitUntilDetached(%q) = (%+v, %v), want a *ValidationError", id, res, err)
		}
	}
	res, err := c.WaitUntilDetached(context.Background(), ec2test.FailoverAttachment, func(o *WaitOptions) { o.NetworkInterfaceID = "eni-*" })
	var ve *ValidationError
	if !errors.As(err, &ve) || res != nil {
		t.Errorf("WaitOptions.NetworkInterfaceID with a wildcard: (%+v, %v), want a *ValidationError", res, err)
	}
	res, err = c.WaitUntilAttached(context.Background(), "eni-*", "eni-attach-1")
	if !errors.As(err, &ve) || res != nil {
		t.Errorf("WaitUntilAttached with a wildcard: (%+v, %v), want a *ValidationError", res, err)
	}
	att, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-*", DeviceIndex: 1})
	if !errors.As(err, &ve) || att != nil {
		t.Errorf("LookupAttachment with a wildcard: (%+v, %v), want a *ValidationError", att, err)
	}
	mv, err := c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{AttachmentID: "eni-attach-*", ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1})
	if !errors.As(err, &ve) || ve.Field != "AttachmentID" || mv != nil {
		t.Errorf("MoveNetworkInterface with a wildcard attachment: (%+v, %v), want a *ValidationError", mv, err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil {
		t.Fatal("the failover interface is not attached")
	}
}

// TestOneIDRule: every input refuses an ID longer than any EC2 ID can be
// with one wording, naming the field, before anything is sent.
func TestOneIDRule(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	ctx := context.Background()
	long := "eni-" + strings.Repeat("0", 252) // 256 bytes
	cases := []struct {
		name, field string
		call        func() error
	}{
		{"detach", "AttachmentID", func() error {
			_, err := c.DetachNetworkInterface(ctx, &DetachNetworkInterfaceInput{AttachmentID: long})
			return err
		}},
		{"attach interface", "NetworkInterfaceID", func() error {
			_, err := c.AttachNetworkInterface(ctx, &AttachNetworkInterfaceInput{NetworkInterfaceID: long, InstanceID: "i-1", DeviceIndex: 1})
			return err
		}},
		{"attach instance", "InstanceID", func() error {
			_, err := c.AttachNetworkInterface(ctx, &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: long, DeviceIndex: 1})
			return err
		}},
		{"lookup interface", "NetworkInterfaceID", func() error {
			_, err := c.LookupAttachment(ctx, &LookupAttachmentInput{NetworkInterfaceID: long})
			return err
		}},
		{"lookup instance", "InstanceID", func() error {
			_, err := c.LookupAttachment(ctx, &LookupAttachmentInput{InstanceID: long, DeviceIndex: 1})
			return err
		}},
		{"wait attachment", "AttachmentID", func() error {
			_, err := c.WaitUntilDetached(ctx, long)
			return err
		}},
		{"wait interface", "WaitOptions.NetworkInterfaceID", func() error {
			_, err := c.WaitUntilDetached(ctx, "eni-attach-1", func(o *WaitOptions) { o.NetworkInterfaceID = long })
			return err
		}},
		{"move target", "ToInstanceID", func() error {
			_, err := c.MoveNetworkInterface(ctx, &MoveNetworkInterfaceInput{NetworkInterfaceID: "eni-1", ToInstanceID: long, ToDeviceIndex: 1})
			return err
		}},
	}
	for _, tc := range cases {
		var ve *ValidationError
		if err := tc.call(); !errors.As(err, &ve) || ve.Field != tc.field || ve.Reason != "is 256 bytes, longer than 255" {
			t.Errorf("%s: %v, want a *ValidationError for %s: is 256 bytes, longer than 255", tc.name, err, tc.field)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
