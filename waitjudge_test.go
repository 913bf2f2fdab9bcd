package enidetach

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// judgeItem is a describe item of interface iface with status, showing
// attachment att (none when att is "-") in attStatus.
func judgeItem(iface, status, att, attStatus string) describeItem {
	x := "<item><networkInterfaceId>" + iface + "</networkInterfaceId><status>" + status + "</status><availabilityZone>us-east-1a</availabilityZone>"
	if att != "-" {
		x += "<attachment><attachmentId>" + att + "</attachmentId><status>" + attStatus + "</status><instanceId>i-1</instanceId><deviceIndex>1</deviceIndex></attachment>"
	}
	var it describeItem
	if err := xml.Unmarshal([]byte(x+"</item>"), &it); err != nil {
		panic(err)
	}
	return it
}

// TestJudgeEveryState judges one answer of every kind for each goal: what
// is done, what polls on, what ends the wait, and what the next poll asks.
func TestJudgeEveryState(t *testing.T) {
	t.Parallel()
	const att, iface = "eni-attach-1", "eni-1"
	refused := errors.New("IncorrectState")
	throttled := &APIError{Code: "RequestLimitExceeded", StatusCode: 503}
	denied := &APIError{Code: "UnauthorizedOperation", StatusCode: 403}
	notFound := &APIError{Code: "InvalidNetworkInterfaceID.NotFound", StatusCode: 400}
	detach, attach := waitGoal{attachmentID: att}, waitGoal{attachmentID: att, attach: true}
	gone, incorrect := waitGoal{attachmentID: att, alreadyGone: true}, waitGoal{attachmentID: att, unlessDetaching: refused}
	unknown, known, seen := waitSight{}, waitSight{ifaceID: iface}, waitSight{ifaceID: iface, seen: true, judged: 1}
	items := func(its ...describeItem) waitAnswer { return waitAnswer{items: its} }
	byID := func(its ...describeItem) waitAnswer { return waitAnswer{items: its, byID: true} }
	type want struct {
		done, failed, askByID, doubt, seen bool
		err                                string // the error's text, or its code
		status, attStatus                  string
	}
	for _, tc := range []struct {
		name string
		g    waitGoal
		s    waitSight
		a    waitAnswer
		want want
	}{
		{"a poll that may pass fails", detach, known, waitAnswer{err: throttled, mayPass: true}, want{failed: true}},
		{"a poll that will not pass fails", detach, known, waitAnswer{err: denied}, want{err: "UnauthorizedOperation"}},
		{"gone by the detach's NotFound, the poll fails", gone, known, waitAnswer{err: denied}, want{done: true, failed: true}},
		{"an interface seen is not found: deleted", detach, seen, waitAnswer{err: notFound, byID: true}, want{seen: true, done: true}},
		{"an interface never seen is not found", detach, known, waitAnswer{err: notFound, byID: true}, want{err: "InvalidNetworkInterfaceID.NotFound"}},
		{"an attach's interface is not found", attach, seen, waitAnswer{err: notFound, byID: true}, want{seen: true, err: "InvalidNetworkInterfaceID.NotFound"}},
		{"the attachment on another interface", detach, known, items(judgeItem("eni-2", "in-use", att, "attached")), want{err: "eni-2"}},
		{"the attachment shown two ways", detach, unknown, items(judgeItem(iface, "in-use", att, "attached"), judgeItem(iface, "in-use", att, "detaching")), want{err: "ambiguous"}},
		{"nothing shown of a known interface: ask by ID", detach, seen, items(), want{seen: true, askByID: true}},
		{"nothing shown, asked by ID: no evidence", detach, seen, byID(), want{seen: true, doubt: true}},
		{"nothing shown of an interface never seen, asked by ID", detach, known, byID(), want{doubt: true}},
		{"nothing shown by attachment ID alone: gone", detach, unknown, items(), want{done: true}},
		{"nothing shown, gone by the detach's NotFound", gone, known, byID(), want{done: true}},
		{"attached", detach, unknown, items(judgeItem(iface, "in-use", att, "attached")), want{seen: true, status: "in-use", attStatus: "attached"}},
		{"detaching", detach, known, items(judgeItem(iface, "in-use", att, "detaching")), want{seen: true, status: "in-use", attStatus: "detaching"}},
		{"the attachment shown, the interface available", detach, seen, items(judgeItem(iface, "available", att, "detached")), want{done: true, seen: true, status: "available", attStatus: "detached"}},
		{"the interface without an attachment", detach, seen, byID(judgeItem(iface, "available", "-", "")), want{done: true, seen: true, status: "available"}},
		{"the interface with another attachment", detach, seen, items(judgeItem(iface, "in-use", "eni-attach-2", "attached")), want{done: true, seen: true, status: "in-use"}},
		{"an attachment without its ID, in use", detach, seen, items(judgeItem(iface, "in-use", "", "attached")), want{seen: true, status: "in-use"}},
		{"an attachment without its ID, available", detach, seen, items(judgeItem(iface, "available", "", "")), want{done: true, seen: true, status: "available"}},
		{"attach: the interface still available", attach, known, items(judgeItem(iface, "available", "-", "")), want{seen: true, status: "available"}},
		{"attach: attaching", attach, known, items(judgeItem(iface, "in-use", att, "attaching")), want{seen: true, status: "in-use", attStatus: "attaching"}},
		{"attach: attached", attach, known, items(judgeItem(iface, "in-use", att, "attached")), want{done: true, seen: true, status: "in-use", attStatus: "attached"}},
		{"attach: nothing shown, asked by ID", attach, known, byID(), want{doubt: true}},
		{"attach: nothing shown of a known interface: ask by ID", attach, known, items(), want{askByID: true}},
		{"in progress: the first answer attached", incorrect, unknown, items(judgeItem(iface, "in-use", att, "attached")), want{err: "IncorrectState", seen: true, status: "in-use", attStatus: "attached"}},
		{"in progress: the first answer detaching", incorrect, unknown, items(judgeItem(iface, "in-use", att, "detaching")), want{seen: true, status: "in-use", attStatus: "detaching"}},
		{"in progress: a later answer attached", incorrect, seen, items(judgeItem(iface, "in-use", att, "attached")), want{seen: true, status: "in-use", attStatus: "attached"}},
		{"in progress: the first answer shows it gone", incorrect, unknown, items(), want{done: true}},
		{"in progress: the first answer shows nothing by ID", incorrect, known, byID(), want{err: "IncorrectState", doubt: true}},
	} {
		v := judge(tc.g, tc.s, tc.a)
		got := want{done: v.done, failed: v.failed, askByID: v.askByID, doubt: v.doubt != "",
			seen: v.sight.seen && v.sight.ifaceID == iface, status: v.state.Status, attStatus: v.state.AttachmentStatus}
		switch {
		case v.err == nil:
		case isCode(v.err, tc.want.err) || errors.Is(v.err, refused) && tc.want.err == "IncorrectState":
			got.err = tc.want.err
		default:
			var wi *WrongInterfaceError
			var amb *AmbiguousAttachmentError
			if errors.As(v.err, &wi) && wi.Found == tc.want.err || errors.As(v.err, &amb) && tc.want.err == "ambiguous" {
				got.err = tc.want.err
			} else {
				got.err = v.err.Error()
			}
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(want{})); diff != "" {
			t.Errorf("%s: verdict %+v (-want +got):\n%s", tc.name, v, diff)
		}
		if v.askByID && (v.done || v.err != nil || v.sight.judged != tc.s.judged) {
			t.Errorf("%s: asks by ID and judges too: %+v", tc.name, v)
		}
	}
}

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
				c, _ := newScriptedWaitClient(t, describePageXML("", items...))
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
