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

// TestMoveBySourceAloneSaysHowToResume: a move named by its source slot or
// attachment alone, stopped after its detach (exit 3, "run the same
// command again to finish it"), could not be finished that way: the same
// command finds nothing at the source (refused, source-not-found, exit 1)
// and the interface stays between instances. The exit 3 message now says
// to add -network-interface-id with the interface's ID, and that command
// finishes the move.
func TestMoveBySourceAloneSaysHowToResume(t *testing.T) {
	hermetic(t)
	srv := ec2test.NewServer(ec2test.WithDetachingDuration(300 * time.Millisecond))
	defer srv.Close()
	for _, source := range [][]string{
		{"-instance-id", ec2test.InstanceA, "-device-index", "1"},
		{"-attachment-id", ec2test.FailoverAttachment, "-to-device-index", "1"},
	} {
		srv.Reset()
		base := []string{"-json", "-endpoint", srv.URL, "-region", srv.Region(), "-to-instance-id", ec2test.InstanceB}
		status, stdout, _ := runCmd(append(append(base, source...), "-max-wait", "100ms")...)
		var res result
		decodeOne(t, stdout, &res)
		hint := "-network-interface-id " + ec2test.FailoverInterface
		if status != exitPending || res.Error == nil || !strings.Contains(res.Error.Message, hint) {
			t.Fatalf("%v: exit %d, stdout %s; want 3 and a message naming %q", source, status, stdout, hint)
		}
		time.Sleep(300 * time.Millisecond) // the detach finishes: the source slot is empty
		// What the message says to run finishes the move.
		status, stdout, _ = runCmd(append(append(base, source...), strings.Fields(hint)...)...)
		if st, _ := srv.Interface(ec2test.FailoverInterface); status != exitOK || st.Attachment == nil || st.Attachment.InstanceID != ec2test.InstanceB {
			t.Errorf("%v with %s: exit %d, %s; fake %+v", source, hint, status, stdout, st.Attachment)
		}
	}
}

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
