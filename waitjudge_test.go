package enidetach

import (
	"encoding/xml"
	"errors"
	"testing"

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
