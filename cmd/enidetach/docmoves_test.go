package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocMovesNameTheirSource: every move the README and docs/*.md show,
// to the command or to MoveNetworkInterface, names the interface and where
// it is expected (a source instance and slot, or the attachment), so that a
// script copied from it never takes the interface from a third instance.
// A move by the interface alone detaches it from wherever it is found: the
// README's failover script and Go recipes did, acting on a guess when
// someone else had moved the interface between two runs. The one exception
// is an agent's move to self, whose cluster manager decided that the
// interface comes here from wherever it is.
func TestDocMovesNameTheirSource(t *testing.T) {
	docs, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for _, name := range append(docs, "../../README.md") {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		b = append(b, doc...)
	}
	fence := regexp.MustCompile("(?s)```(sh|go)\n(.*?)```")
	source := regexp.MustCompile(`(^|\s)-(instance-id|attachment-id)\b|\b(FromInstanceID|AttachmentID):`)
	moves := 0
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		// Commands continued with a backslash are one command.
		text := strings.ReplaceAll(m[2], "\\\n", " ")
		for _, cmd := range strings.Split(text, "\n") {
			if m[1] != "sh" || !strings.Contains(cmd, "-to-instance-id") || strings.Contains(cmd, "-to-instance-id self") {
				continue
			}
			moves++
			if !strings.Contains(cmd, "-network-interface-id") {
				t.Errorf("move without -network-interface-id (a re-run cannot find it once detached):\n%s", cmd)
			}
			if !source.MatchString(cmd) {
				t.Errorf("move without a source (-instance-id with -device-index, or -attachment-id):\n%s", cmd)
			}
		}
		if m[1] == "go" && strings.Contains(m[2], "MoveNetworkInterfaceInput{") {
			moves++
			in, _, _ := strings.Cut(m[2][strings.Index(m[2], "MoveNetworkInterfaceInput{"):], "}")
			if !strings.Contains(in, "NetworkInterfaceID:") || !source.MatchString(in) {
				t.Errorf("Go move without NetworkInterfaceID and a source (FromInstanceID or AttachmentID):\n%s", in)
			}
		}
	}
	if moves == 0 {
		t.Fatal("no move found in the README and docs/*.md")
	}
}
