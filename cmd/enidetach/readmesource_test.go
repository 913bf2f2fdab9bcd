package main

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEMovesNameTheirSource: every move the README shows, to the
// command or to MoveNetworkInterface, names the interface and where it is
// expected (a source instance and slot, or the attachment), so that a
// script copied from it never takes the interface from a third instance.
// A move by the interface alone detaches it from wherever it is found: the
// Failover section's script and Go recipes did, acting on a guess when
// someone else had moved the interface between two runs.
func TestREADMEMovesNameTheirSource(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	fence := regexp.MustCompile("(?s)```(sh|go)\n(.*?)```")
	source := regexp.MustCompile(`(^|\s)-(instance-id|attachment-id)\b|\b(FromInstanceID|AttachmentID):`)
	moves := 0
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		// Commands continued with a backslash are one command.
		text := strings.ReplaceAll(m[2], "\\\n", " ")
		for _, cmd := range strings.Split(text, "\n") {
			if m[1] != "sh" || !strings.Contains(cmd, "-to-instance-id") {
				continue
			}
			moves++
			if !strings.Contains(cmd, "-network-interface-id") {
				t.Errorf("README move without -network-interface-id (a re-run cannot find it once detached):\n%s", cmd)
			}
			if !source.MatchString(cmd) {
				t.Errorf("README move without a source (-instance-id with -device-index, or -attachment-id):\n%s", cmd)
			}
		}
		if m[1] == "go" && strings.Contains(m[2], "MoveNetworkInterfaceInput{") {
			moves++
			in, _, _ := strings.Cut(m[2][strings.Index(m[2], "MoveNetworkInterfaceInput{"):], "}")
			if !strings.Contains(in, "NetworkInterfaceID:") || !source.MatchString(in) {
				t.Errorf("README Go move without NetworkInterfaceID and a source (FromInstanceID or AttachmentID):\n%s", in)
			}
		}
	}
	if moves == 0 {
		t.Fatal("no move found in the README")
	}
}
