package enidetach

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/internal/query"
)

// TestSuccessBodiesThatAreNotResults checks that a 200 whose body is not the
// action's response is a *ResponseError, never a silent success.
func TestSuccessBodiesThatAreNotResults(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, body string }{
		{"empty", ""},
		{"HTML captive portal", "<html><body>Log in to the hotel Wi-Fi</body></html>"},
		{"other action", `<AttachNetworkInterfaceResponse><return>true</return></AttachNetworkInterfaceResponse>`},
		{"truncated", `<DetachNetworkInterfaceResponse><requestId>x</req`},
		{"bad return", `<DetachNetworkInterfaceResponse><return>maybe</return></DetachNetworkInterfaceResponse>`},
		{"return neither boolean nor xsd:boolean", `<DetachNetworkInterfaceResponse><return>yes</return></DetachNetworkInterfaceResponse>`},
		{"return 2", `<DetachNetworkInterfaceResponse><return>2</return></DetachNetworkInterfaceResponse>`},
		{"nested return", `<DetachNetworkInterfaceResponse><return><b>true</b></return></DetachNetworkInterfaceResponse>`},
		{"nested requestId", `<DetachNetworkInterfaceResponse><requestId><b>x</b></requestId><return>true</return></DetachNetworkInterfaceResponse>`},
		{"JSON", `{"return": true}`},
		{"text before root", `ok <DetachNetworkInterfaceResponse/>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := newRecordingServer(t, 200, []byte(tc.body), http.Header{"X-Amzn-Requestid": {"rid"}})
			out, err := clientFor(t, rs).DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
			var re *ResponseError
			if !errors.As(err, &re) || re.StatusCode != 200 || re.RequestID != "rid" || out != nil {
				t.Fatalf("got (%v, %v), want a *ResponseError with status 200 and request ID", out, err)
			}
			if n := len(rs.captured()); n != 1 {
				t.Errorf("sent %d requests, want 1: a bad success body is not retried", n)
			}
		})
	}
}

// TestReturnIsAnXSDBoolean checks that a 200 whose <return> is any
// xsd:boolean, or any value strconv.ParseBool reads (as the SDK does for the
// <return> of other EC2 actions), is a success with that value, through the
// fast path and through encoding/xml alike, and is sent once.
func TestReturnIsAnXSDBoolean(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text string
		want bool
	}{
		{"1", true}, {"0", false},
		{" true ", true}, {"\n\t1\n", true}, {"\r\n0\r\n", false},
		{"t", true}, {"T", true}, {"TRUE", true}, {"True", true},
		{"f", false}, {"F", false}, {"FALSE", false}, {"False", false},
		{"tRuE", true}, {"fALSE", false}, // accepted before, kept
		{"", true}, // an empty <return> is a missing one
	}
	for _, tc := range tests {
		for _, shape := range []struct{ name, format string }{
			{"plain", "<DetachNetworkInterfaceResponse><requestId>r</requestId><return>%s</return></DetachNetworkInterfaceResponse>"},
			{"encoding/xml", "<!-- a comment sends it to encoding/xml --><DetachNetworkInterfaceResponse><requestId>r</requestId><return>%s</return></DetachNetworkInterfaceResponse>"},
		} {
			t.Run(fmt.Sprintf("%q %s", tc.text, shape.name), func(t *testing.T) {
				t.Parallel()
				rs := newRecordingServer(t, 200, fmt.Appendf(nil, shape.format, tc.text), nil)
				out, err := clientFor(t, rs).DetachNetworkInterface(context.Background(), &DetachNetworkInterfaceInput{AttachmentID: "eni-attach-1"})
				if err != nil {
					t.Fatalf("an accepted detach failed: %v", err)
				}
				if want := (DetachNetworkInterfaceOutput{Return: tc.want, RequestID: "r"}); *out != want {
					t.Errorf("output %+v, want %+v", *out, want)
				}
				if n := len(rs.captured()); n != 1 {
					t.Errorf("sent %d requests, want 1", n)
				}
			})
		}
	}
}

// TestParseReturnAgreesWithStrconv checks parseReturn against
// strconv.ParseBool, the SDK's parser: every value it reads is read alike,
// and the only others are the empty text and true/false in any letter case.
func TestParseReturnAgreesWithStrconv(t *testing.T) {
	t.Parallel()
	candidates := []string{"", "yes", "no", "on", "2", "01", "00", "10", "truee", "fals", "ſ", "falſe", "\u212Atrue"}
	for c := 0; c < 256; c++ {
		candidates = append(candidates, string([]byte{byte(c)}))
	}
	for _, word := range []string{"true", "false"} {
		for mask := 0; mask < 1<<len(word); mask++ {
			b := []byte(word)
			for i := range b {
				if mask&(1<<i) != 0 {
					b[i] -= 'a' - 'A'
				}
			}
			candidates = append(candidates, string(b))
		}
	}
	for _, s := range candidates {
		got, ok := parseReturn([]byte(s))
		want, err := strconv.ParseBool(s)
		switch {
		case err == nil && (!ok || got != want):
			t.Errorf("parseReturn(%q) = (%t, %t), strconv.ParseBool gives %t", s, got, ok, want)
		case err != nil && ok && s != "" && !strings.EqualFold(s, "true") && !strings.EqualFold(s, "false"):
			t.Errorf("parseReturn(%q) = (%t, true), want refused", s, got)
		case err != nil && !ok && (s == "" || strings.EqualFold(s, "true") || strings.EqualFold(s, "false")) && !strings.ContainsRune(s, 'ſ'):
			t.Errorf("parseReturn(%q) refused it", s)
		}
	}
}

// TestFastPathAllocations keeps the fast paths allocation-free apart from
// the strings they return: the request ID.
// Not parallel: AllocsPerRun counts the whole process.
func TestFastPathAllocations(t *testing.T) {
	body := readTestdata(t, "success_return_1.xml")
	var r detachResult
	if allocs := testing.AllocsPerRun(100, func() {
		if !fastDetachResult(body, &r) {
			t.Fatal("fast path declined")
		}
	}); allocs > 1 {
		t.Errorf("fastDetachResult allocates %.0f times, want 1 (the request ID)", allocs)
	}
}

// TestFastPathTakesCommonShapes keeps the allocation-free path in use for
// the documents EC2 (and ec2test) actually send; FuzzDecodeResult and
// FuzzDecodeError check that it agrees with encoding/xml.
func TestFastPathTakesCommonShapes(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"success.xml", "success_no_return.xml", "success_self_closed.xml", "success_return_1.xml"} {
		var r detachResult
		if !fastDetachResult(readTestdata(t, name), &r) {
			t.Errorf("%s: fast path declined", name)
		}
	}
	// Unusual shapes are left to encoding/xml.
	for _, body := range []string{
		`<DetachNetworkInterfaceResponse><!-- c --><return>true</return></DetachNetworkInterfaceResponse>`,
		`<DetachNetworkInterfaceResponse><return><![CDATA[true]]></return></DetachNetworkInterfaceResponse>`,
		`<DetachNetworkInterfaceResponse><requestId>&#65;</requestId></DetachNetworkInterfaceResponse>`,
		`<?xml version="1.0" encoding="ISO-8859-1"?><DetachNetworkInterfaceResponse/>`,
	} {
		var r detachResult
		if fastDetachResult([]byte(body), &r) {
			t.Errorf("fast path took %q", body)
		}
	}
}

// The decode benchmarks: the fast path must stay allocation-free apart from
// the strings it returns (the request ID); the fallbacks show what it saves.
func BenchmarkDecodeResult(b *testing.B) {
	for _, name := range []string{"success.xml", "success_extra_elements.xml"} {
		body := readTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var r detachResult
				if err := decodeWith(&r, body, "DetachNetworkInterface"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// decodeWith decodes body into r as the engine decodes an operation's
// result: its fast path first, else encoding/xml.
func decodeWith(r query.Result, body []byte, action string) error {
	if r.DecodeFast(body) {
		return nil
	}
	return r.DecodeXML(body, action)
}

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
