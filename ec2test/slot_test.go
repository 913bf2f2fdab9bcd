package ec2test

import (
	"net/url"
	"sort"
	"testing"
	"time"
)

func TestPrimarySlotIsDeviceZeroOnCardZero(t *testing.T) {
	for _, tc := range []struct {
		at   slot
		want bool
	}{
		{slot{InstanceA, 0, 0}, true},
		{primarySlot(InstanceB), true},
		{slot{InstanceA, 0, 1}, false},
		{slot{InstanceA, 1, 0}, false},
		{slot{InstanceA, 1, 1}, false},
	} {
		if got := tc.at.primary(); got != tc.want {
			t.Errorf("%+v.primary() = %t, want %t", tc.at, got, tc.want)
		}
	}
}

func TestSlotsSortByInstanceCardThenDevice(t *testing.T) {
	want := []slot{{InstanceA, 0, 0}, {InstanceA, 0, 2}, {InstanceA, 1, 0}, {InstanceA, 1, 1}, {InstanceB, 0, 1}}
	got := []slot{want[3], want[4], want[1], want[0], want[2]}
	sort.Slice(got, func(i, j int) bool { return got[i].less(got[j]) })
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sorted: %+v, want %+v", got, want)
		}
	}
	if want[0].less(want[0]) {
		t.Error("a slot is less than itself")
	}
}

// The slot an attachment holds is its instance, card and device index
// together: the same device index on another card is another slot, and only
// device 0 on card 0 is refused a detach.
func TestSlotHolderMatchesInstanceCardAndDevice(t *testing.T) {
	s := newServer(nil)
	now := time.Now()
	onCard1 := Attachment{AttachmentID: "eni-attach-0000000000000c001", NetworkInterfaceID: "eni-0000000000000c001", InstanceID: InstanceB, NetworkCardIndex: 1}
	s.mu.Lock()
	s.addAttachment(onCard1, now)
	holders := map[slot]string{}
	for _, at := range []slot{primarySlot(InstanceB), onCard1.slot(), {InstanceB, 0, 1}, {InstanceC, 1, 0}} {
		if n := s.slotHolder(at); n != nil {
			holders[at] = n.NetworkInterfaceID
		}
	}
	s.mu.Unlock()
	if len(holders) != 2 || holders[primarySlot(InstanceB)] != "eni-00000000000000001" || holders[onCard1.slot()] != onCard1.NetworkInterfaceID {
		t.Errorf("holders = %v", holders)
	}
	key := s.keys[DefaultAccessKeyID]
	if _, e := s.detach(url.Values{"AttachmentId": {onCard1.AttachmentID}}, key, now); e != nil {
		t.Errorf("detach at device 0 of card 1: %+v", *e)
	}
	if _, e := s.detach(url.Values{"AttachmentId": {"eni-attach-00000000000000001"}}, key, now); e == nil || e.code != "OperationNotPermitted" {
		t.Errorf("detach of the primary: %+v", e)
	}
}
