package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ec2lite/enidetach/ec2test"
)

// onPollWriter calls do once, at the first poll line written.
type onPollWriter struct {
	once sync.Once
	do   func()
	buf  bytes.Buffer
}

func (w *onPollWriter) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("poll 1:")) {
		w.once.Do(w.do)
	}
	return w.buf.Write(p)
}

// TestMoveTakenMeanwhile: while the move waits for its detach, someone
// attaches the interface to a third instance. The move stops there (it
// never takes it from a third instance); its JSON must say that it had
// detached the interface (step wait-available, the detach sent), not that
// it was refused before it changed anything.
func TestMoveTakenMeanwhile(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(6 * time.Second))
	defer srv.Close()
	const third = "i-0dddddddddddddddd"
	srv.AddInstance(ec2test.Instance{InstanceID: third, AvailabilityZone: "us-east-1a"})
	stderr := &onPollWriter{do: func() {
		srv.AddAttachment(ec2test.Attachment{AttachmentID: "eni-attach-0ddddddddddddddd0", NetworkInterfaceID: ec2test.FailoverInterface, InstanceID: third, DeviceIndex: 1})
	}}
	var stdout bytes.Buffer
	status := runTuned(context.Background(), []string{"-json", "-endpoint", srv.URL, "-region", srv.Region(), "-network-interface-id", ec2test.FailoverInterface,
		"-instance-id", ec2test.InstanceA, "-device-index", "1", "-to-instance-id", ec2test.InstanceB}, &stdout, stderr, fastPolls)
	var res result
	decodeOne(t, stdout.String(), &res)
	e := res.Error
	if e == nil || e.Reason != "attached-elsewhere" || e.Step != "wait-available" || res.Detach == nil || !res.Detach.Sent || strings.Contains(e.Message, "before it changed anything") {
		t.Errorf("exit %d, stdout %s; want the step wait-available and the detach sent", status, stdout.String())
	}
	if status != exitRefused {
		t.Errorf("exit %d, want 1: running the move again cannot finish it", status)
	}
}
