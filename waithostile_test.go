package enidetach

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// hostileItemXML is an item of a DescribeNetworkInterfaces answer with the
// interface's status and, unless attStatus is empty, an attachment
// (attachment ID may be empty: the element is then left out).
func hostileItemXML(iface, status, attachment, attStatus string) string {
	att := ""
	if attStatus != "" {
		id := ""
		if attachment != "" {
			id = "<attachmentId>" + attachment + "</attachmentId>"
		}
		att = fmt.Sprintf(`<attachment>%s<instanceId>i-1</instanceId><deviceIndex>1</deviceIndex><status>%s</status>`+
			`<attachTime>2026-11-25T12:00:00.000Z</attachTime></attachment>`, id, attStatus)
	}
	return `<item><networkInterfaceId>` + iface + `</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone><status>` +
		status + `</status>` + att + `</item>`
}

// newHostileWaitClient is newScriptedClient on a fake clock, so that a
// wait that never ends runs to its MaxWait without real time passing.
func newHostileWaitClient(t *testing.T, answers ...string) *Client {
	t.Helper()
	c, _ := newScriptedClient(t, answers...)
	fc := &fakeClock{now: time.Now()}
	setClock(c, fc.Now)
	setSleep(c, fc.Sleep)
	return c
}

// TestWaitHostileAnswersAreNeverDone: an answer that shows the attachment
// waited on two ways (one interface twice with different states, two
// interfaces with the same attachment), or the interface with an
// attachment whose ID is missing, proves neither "detached" nor
// "attached": the wait must not end with a success on it.
func TestWaitHostileAnswersAreNeverDone(t *testing.T) {
	t.Parallel()
	const att = "eni-attach-1"
	tests := []struct {
		name   string
		attach bool // WaitUntilAttached; else WaitUntilDetached
		iface  string
		items  []string
	}{
		{"detach: one interface, attached then available", false, "eni-1", []string{
			hostileItemXML("eni-1", "in-use", att, "attached"), hostileItemXML("eni-1", "available", att, "detached")}},
		{"detach by attachment: two interfaces claim it", false, "", []string{
			hostileItemXML("eni-1", "in-use", att, "attached"), hostileItemXML("eni-2", "available", att, "detached")}},
		{"detach: an attachment without its ID", false, "eni-1", []string{
			hostileItemXML("eni-1", "in-use", "", "attached")}},
		{"detach: shown unattached and attached", false, "eni-1", []string{
			hostileItemXML("eni-1", "in-use", att, "attached"), hostileItemXML("eni-1", "available", "", "")}},
		{"attach: one interface, attaching then attached", true, "eni-1", []string{
			hostileItemXML("eni-1", "in-use", att, "attaching"), hostileItemXML("eni-1", "in-use", att, "attached")}},
		{"attach: attached and another attachment", true, "eni-1", []string{
			hostileItemXML("eni-1", "in-use", att, "attached"), hostileItemXML("eni-1", "in-use", "eni-attach-2", "attached")}},
	}
	for _, tc := range tests {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reversed=%v", tc.name, reverse), func(t *testing.T) {
				t.Parallel()
				items := append([]string(nil), tc.items...)
				if reverse {
					for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
						items[i], items[j] = items[j], items[i]
					}
				}
				c := newHostileWaitClient(t, describePageXML("", items...))
				opts := func(o *WaitOptions) { o.NetworkInterfaceID, o.MaxWait = tc.iface, time.Minute }
				var res *WaitResult
				var err error
				if tc.attach {
					res, err = c.WaitUntilAttached(context.Background(), tc.iface, att, opts)
				} else {
					res, err = c.WaitUntilDetached(context.Background(), att, opts)
				}
				if err == nil || res != nil && (res.Detached || res.Attached) {
					t.Fatalf("got (%+v, %v), want an error and not done", res, err)
				}
				var te *WaitTimeoutError
				var ae *AmbiguousAttachmentError
				if !errors.As(err, &te) && !errors.As(err, &ae) {
					t.Errorf("err = %v, want a *WaitTimeoutError or an *AmbiguousAttachmentError", err)
				}
			})
		}
	}
}
