package enidetach

import (
	"context"
	"errors"
	"testing"
)

// TestRepeatedNextTokenIsNotTheEnd: a page that gives back the next token
// it was asked with has not said the answer ended; reading it as the end
// hides the pages after it, so that an attachment on them reads as gone
// ("detached") or not there. It is a *PageLimitError.
func TestRepeatedNextTokenIsNotTheEnd(t *testing.T) {
	t.Parallel()
	pages := func(n int) string {
		if n == 1 {
			return describePageXML("t1")
		}
		return describePageXML("t1") // asked with t1, answers t1 again
	}
	t.Run("wait", func(t *testing.T) {
		t.Parallel()
		c, _ := newPagedClient(t, pages)
		res, err := c.WaitUntilDetached(context.Background(), "eni-attach-1")
		var pe *PageLimitError
		if res == nil || res.Detached || !errors.As(err, &pe) || !pe.RepeatedToken || pe.Pages != 2 {
			t.Fatalf("got (%+v, %v), want not detached and a *PageLimitError for the repeated token", res, err)
		}
	})
	t.Run("lookup", func(t *testing.T) {
		t.Parallel()
		c, _ := newPagedClient(t, pages)
		att, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{InstanceID: "i-1", DeviceIndex: 1})
		var pe *PageLimitError
		if att != nil || !errors.As(err, &pe) || !pe.RepeatedToken {
			t.Fatalf("got (%+v, %v), want a *PageLimitError for the repeated token", att, err)
		}
		if want := "enidetach: DescribeNetworkInterfaces gave back the next token it was asked with after 2 pages (last request id req-t1)"; pe.Error() != want {
			t.Errorf("Error() = %q, want %q", pe.Error(), want)
		}
	})
}

// TestLookupAttachmentInterfaceShownTwoWays: looked up by interface, an
// answer that shows the interface both unattached and attached is no
// attachment to detach: nothing is chosen.
func TestLookupAttachmentInterfaceShownTwoWays(t *testing.T) {
	t.Parallel()
	attached := describeItemXML("eni-0aaaaaaaaaaaaaaa1", "eni-attach-0aaaaaaaaaaaaaaa1", "i-0123456789abcdef0", 1)
	unattached := describeItemXML("eni-0aaaaaaaaaaaaaaa1", "", "", 0)
	for _, answer := range []string{describePageXML("", attached, unattached), describePageXML("", unattached, attached)} {
		c, _ := newScriptedClient(t, answer)
		got, err := c.LookupAttachment(context.Background(), &LookupAttachmentInput{NetworkInterfaceID: "eni-0aaaaaaaaaaaaaaa1"})
		var ae *AmbiguousAttachmentError
		if !errors.As(err, &ae) || got != nil || len(ae.Interfaces) != 2 {
			t.Fatalf("got (%+v, %v), want an *AmbiguousAttachmentError naming both", got, err)
		}
	}
}
