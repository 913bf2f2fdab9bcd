package enidetach

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// TestCallRefusesSeveralValuesOfItsOwnParameters: a parameter the client
// sets itself, given with more than one value (or an empty one), is refused
// before anything is sent, instead of reaching EC2 twice.
func TestCallRefusesSeveralValuesOfItsOwnParameters(t *testing.T) {
	t.Parallel()
	rs := newRecordingServer(t, 200, []byte(`<DescribeNetworkInterfacesResponse/>`), nil)
	c := clientFor(t, rs)
	for _, params := range []url.Values{
		{"Version": {"2016-11-15", "2011-06-15"}},
		{"Version": {""}},
		{"Action": {"DescribeNetworkInterfaces", "RunInstances"}},
	} {
		err := c.Call(context.Background(), "DescribeNetworkInterfaces", params, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "params" {
			t.Errorf("Call with %v = %v, want a *ValidationError on params", params, err)
		}
	}
	if n := len(rs.captured()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// TestCallRetriesALostResponseOfAnyAction proves what Call documents: an
// AttachNetworkInterface whose 200 is cut off is retried, as the SDK retries
// it, and the retry answers InvalidNetworkInterface.InUse although the first
// attempt attached the interface; looking shows the truth.
func TestCallRetriesALostResponseOfAnyAction(t *testing.T) {
	t.Parallel()
	c, srv := newTestClient(t, nil)
	// Free the interface first, then lose the attach's answer.
	if _, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment}); err != nil {
		t.Fatal(err)
	}
	srv.Inject(ec2test.TruncatedBody(), 1)
	var out struct {
		AttachmentID string `xml:"attachmentId"`
	}
	err := c.Call(context.Background(), "AttachNetworkInterface", url.Values{"NetworkInterfaceId": {ec2test.FailoverInterface},
		"InstanceId": {ec2test.InstanceB}, "DeviceIndex": {"1"}}, &out)
	var re *RetryError
	var ae *APIError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.As(err, &ae) || ae.Code != "InvalidNetworkInterface.InUse" {
		t.Fatalf("error = %v, want InvalidNetworkInterface.InUse inside a *RetryError after 2 attempts", err)
	}
	st, ok := srv.Interface(ec2test.FailoverInterface)
	if !ok || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB || st.Attaches != 1 {
		t.Errorf("state = %+v, want attached to instance B by the first attempt", st)
	}
}

// TestDetachRetriedAfterALostResponse proves the README's account of a
// detach whose answer is lost, with real detach times: the retry answers
// IncorrectState (ErrIncorrectState) while the interface is still
// detaching, and InvalidAttachmentID.NotFound once it is gone.
func TestDetachRetriedAfterALostResponse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		backoff time.Duration // how far the server's clock moves before the retry
		want    error
	}{
		{"still detaching", 0, ErrIncorrectState},
		{"gone", time.Minute, ErrAttachmentNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, srv, fc := newFakeClockClient(t, 20*time.Second, false)
			setSleep(c, func(ctx context.Context, _ time.Duration) error { return fc.Sleep(ctx, tc.backoff) })
			srv.Inject(ec2test.TruncatedBody(), 1)
			_, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: ec2test.FailoverAttachment})
			var re *RetryError
			if !errors.Is(err, tc.want) || !errors.As(err, &re) || re.Attempts != 2 {
				t.Fatalf("error = %v, want %v inside a *RetryError after 2 attempts", err, tc.want)
			}
			if st, _ := srv.Interface(ec2test.FailoverInterface); st.Detaches != 1 {
				t.Errorf("%d detaches accepted, want 1 (the first attempt's)", st.Detaches)
			}
		})
	}
}
