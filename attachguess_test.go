package enidetach

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// staleSlotClient returns a client whose describes lag by a minute, after
// the failover interface, attached at instance A device index 1 for an hour
// (attachment FailoverAttachment), was detached from there: for the next
// minute every describe still shows that earlier attachment at A:1.
func staleSlotClient(t *testing.T) (*Client, *ec2test.Server, *fakeClock) {
	t.Helper()
	c, srv, fc := newLagClient(t, time.Minute, 0, ec2test.WithDetachingDuration(0))
	fc.Sleep(context.Background(), time.Hour) // the seeded attachment is an hour old
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	fc.Sleep(context.Background(), time.Second)
	return c, srv, fc
}

// TestAttachLostResponseStaleEarlierAttachment: the interface goes back to
// the slot it held before; the attach's response is lost, the retry meets
// InUse, and the first looks still show the earlier attachment at that
// slot. That attachment is not the new one: its ID must not be returned.
func TestAttachLostResponseStaleEarlierAttachment(t *testing.T) {
	t.Parallel()
	c, srv, _ := staleSlotClient(t)
	srv.ResetRequests()
	srv.Inject(ec2test.TruncatedBody(), 1)
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 1}
	out, err := c.AttachNetworkInterface(context.Background(), in)
	st, _ := srv.Interface(ec2test.FailoverInterface)
	if st.Attachment == nil || st.Attachment.AttachmentID == ec2test.FailoverAttachment {
		t.Fatalf("truth: %+v", st.Attachment)
	}
	switch {
	case err == nil && out.AttachmentID != st.Attachment.AttachmentID:
		t.Fatalf("AttachNetworkInterface = %s, the earlier attachment a stale describe showed; the attachment is %s", out.AttachmentID, st.Attachment.AttachmentID)
	case err != nil && !errors.Is(err, ErrInterfaceInUse):
		t.Fatalf("err = %v, want success with the new attachment or InUse", err)
	}
}

// TestAttachInUseStaleEarlierAttachmentElsewhere: the interface was taken
// to instance B meanwhile; our attach to its earlier slot (A:1) fails
// unprocessed, the retry meets InUse, and the stale looks show the earlier
// attachment at A:1. That is a guess, not a success: the interface is at B.
func TestAttachInUseStaleEarlierAttachmentElsewhere(t *testing.T) {
	t.Parallel()
	c, srv, _ := staleSlotClient(t)
	if _, err := c.AttachNetworkInterface(context.Background(), &AttachNetworkInterfaceInput{
		NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceB, DeviceIndex: 1}); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	srv.Inject(ec2test.InternalError(), 1) // not processed
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: ec2test.InstanceA, DeviceIndex: 1}
	out, err := c.AttachNetworkInterface(context.Background(), in)
	if !errors.Is(err, ErrInterfaceInUse) || out != nil {
		st, _ := srv.Interface(ec2test.FailoverInterface)
		t.Fatalf("AttachNetworkInterface = (%+v, %v), want InUse: the interface is at %s (requests %s)", out, err, st.Attachment.InstanceID, actions(srv))
	}
}

// TestResolveLookRefusesGuesses: one look of the lost-response resolution
// proves the attach only with one attachment at the asked slot, made since
// the attach was sent; an answer showing the interface two ways, an
// attachment without a time, or one older than the attach proves nothing.
func TestResolveLookRefusesGuesses(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	in := &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 1}
	item := func(id, instance, status, at string) describeItem {
		it := describeItem{ID: "eni-1", Status: "in-use"}
		it.Attachment = &struct {
			ID               string `xml:"attachmentId"`
			Status           string `xml:"status"`
			InstanceID       string `xml:"instanceId"`
			DeviceIndex      int    `xml:"deviceIndex"`
			NetworkCardIndex int    `xml:"networkCardIndex"`
			AttachTime       string `xml:"attachTime"`
		}{ID: id, Status: status, InstanceID: instance, DeviceIndex: 1, AttachTime: at}
		return it
	}
	fresh, old := "2026-11-30T06:00:01.000Z", "2026-11-30T05:00:00.000Z"
	tests := []struct {
		name  string
		items []describeItem
		want  int
	}{
		{"made since sent", []describeItem{item("eni-attach-1", "i-1", "attached", fresh)}, lookAttachedHere},
		{"same second, truncated", []describeItem{item("eni-attach-1", "i-1", "attaching", "2026-11-30T05:59:59.000Z")}, lookAttachedHere},
		{"shown twice alike", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), item("eni-attach-1", "i-1", "attached", fresh)}, lookAttachedHere},
		{"earlier attachment at the slot", []describeItem{item("eni-attach-0", "i-1", "attached", old)}, lookUndecided},
		{"no attach time", []describeItem{item("eni-attach-1", "i-1", "attached", "")}, lookUndecided},
		{"bad attach time", []describeItem{item("eni-attach-1", "i-1", "attached", "yesterday")}, lookUndecided},
		{"two attachments", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), item("eni-attach-2", "i-2", "attached", fresh)}, lookUndecided},
		{"attached and not", []describeItem{item("eni-attach-1", "i-1", "attached", fresh), {ID: "eni-1", Status: "available"}}, lookUndecided},
		{"another instance", []describeItem{item("eni-attach-1", "i-2", "attached", fresh)}, lookAttachedElsewhere},
		{"nothing", nil, lookUndecided},
	}
	for _, tc := range tests {
		out, got := resolveLook(tc.items, in, sent)
		if got != tc.want || (got == lookAttachedHere) != (out != nil) {
			t.Errorf("%s: verdict %d (%+v), want %d", tc.name, got, out, tc.want)
		}
	}
}
