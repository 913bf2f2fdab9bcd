package enidetach

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// rewritingHTTP is an HTTPClient that answers DescribeNetworkInterfaces
// with answer(n) (n counts the describes) when it returns a body, and
// passes everything else to EC2 (here ec2test): an inconsistent,
// hostile or badly lagging describe, which no single lag can model.
type rewritingHTTP struct {
	next   HTTPClient
	answer func(n int, sentAttach bool) string

	mu         sync.Mutex
	describes  int
	sentAttach bool
}

func (h *rewritingHTTP) Do(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	h.mu.Lock()
	action := form.Get("Action")
	if action == "AttachNetworkInterface" {
		h.sentAttach = true
	}
	var answer string
	if action == "DescribeNetworkInterfaces" {
		h.describes++
		answer = h.answer(h.describes, h.sentAttach)
	}
	h.mu.Unlock()
	if answer == "" {
		return h.next.Do(req)
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/xml"}},
		Body: io.NopCloser(strings.NewReader(answer)), Request: req}, nil
}

// TestMoveInUseNotResolvedByAnOldAttachment: the move's first describe
// shows the interface available (stale), its attach meets InUse (the
// interface is at a third instance), and the looks that follow show it at
// the target slot by an attachment two days old. That attachment was not
// made by this move nor by a run of it stopped minutes ago: the InUse
// stands, and the move neither reports success nor waits on it.
func TestMoveInUseNotResolvedByAnOldAttachment(t *testing.T) {
	t.Parallel()
	const third = "i-0123456789abcdef3"
	iface := ec2test.FailoverInterface
	var h *rewritingHTTP
	c, srv := newTestClient(t, nil, func(o *Options) {
		h = &rewritingHTTP{next: &http.Client{}, answer: func(n int, sentAttach bool) string {
			item := "<networkInterfaceId>" + iface + "</networkInterfaceId><availabilityZone>us-east-1a</availabilityZone>"
			if !sentAttach {
				item += "<status>available</status>"
			} else {
				old := time.Now().Add(-48 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
				item += "<status>in-use</status><attachment><attachmentId>eni-attach-0bbbbbbbbbbbbbbb0</attachmentId>" +
					"<instanceId>" + ec2test.InstanceB + "</instanceId><deviceIndex>1</deviceIndex><networkCardIndex>0</networkCardIndex>" +
					"<status>attached</status><attachTime>" + old + "</attachTime></attachment>"
			}
			return "<DescribeNetworkInterfacesResponse><requestId>r-" + string(rune('0'+n%10)) + "</requestId><networkInterfaceSet><item>" +
				item + "</item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"
		}}
		o.HTTPClient = h
	})
	srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: srv.Region() + "a"})
	srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0123456789abcdef3", NetworkInterfaceID: iface, InstanceID: third, DeviceIndex: 1})

	out, err := c.MoveNetworkInterface(context.Background(), &MoveNetworkInterfaceInput{
		NetworkInterfaceID: iface, ToInstanceID: ec2test.InstanceB, ToDeviceIndex: 1})
	var incomplete *MoveIncompleteError
	if !errors.As(err, &incomplete) || incomplete.Step != "attach" || !errors.Is(err, ErrInterfaceInUse) {
		t.Fatalf("MoveNetworkInterface = (%+v, %v), want a *MoveIncompleteError at the attach holding InUse", out, err)
	}
	if incomplete.Output == nil || incomplete.Output.Attach.AttachmentID != "" {
		t.Errorf("the output claims an attachment: %+v", incomplete.Output)
	}
	if st, _ := srv.Interface(iface); st.Attachment == nil || st.Attachment.InstanceID != third || st.Attaches != 0 {
		t.Errorf("server: %+v, want still at %s", st.Attachment, third)
	}
}
