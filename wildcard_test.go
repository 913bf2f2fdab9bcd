package enidetach

import (
	"context"
	"errors"
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
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	if st, _ := srv.Interface(ec2test.FailoverInterface); st.Attachment == nil {
		t.Fatal("the failover interface is not attached")
	}
}
