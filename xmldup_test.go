package enidetach

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// TestResultWithRepeatedElementIsRefused: an answer that holds one of the
// result's elements twice (two attachment IDs, two returns) contradicts
// itself; encoding/xml kept the last, handing the caller a guess as the
// attach's attachment or the detach's return. It is a *ResponseError.
func TestResultWithRepeatedElementIsRefused(t *testing.T) {
	t.Parallel()
	t.Run("attach", func(t *testing.T) {
		t.Parallel()
		rs := newRecordingServer(t, 200, []byte(`<AttachNetworkInterfaceResponse><requestId>r</requestId>`+
			`<attachmentId>eni-attach-a</attachmentId><attachmentId>eni-attach-b</attachmentId></AttachNetworkInterfaceResponse>`), nil)
		c := clientFor(t, rs)
		out, err := c.AttachNetworkInterface(context.Background(), &AttachNetworkInterfaceInput{NetworkInterfaceID: "eni-1", InstanceID: "i-1", DeviceIndex: 1})
		var re *ResponseError
		if out != nil || !errors.As(err, &re) || re.StatusCode != http.StatusOK {
			t.Fatalf("got (%+v, %v), want a *ResponseError", out, err)
		}
	})
	t.Run("detach", func(t *testing.T) {
		t.Parallel()
		rs := newRecordingServer(t, 200, []byte(`<DetachNetworkInterfaceResponse><requestId>r</requestId>`+
			`<return>false</return><return>true</return></DetachNetworkInterfaceResponse>`), nil)
		c := clientFor(t, rs)
		out, err := c.DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
		var re *ResponseError
		if out != nil || !errors.As(err, &re) {
			t.Fatalf("got (%+v, %v), want a *ResponseError", out, err)
		}
	})
}
