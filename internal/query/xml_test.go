package query

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzDecodeError feeds any body and status to the error decoder: it must
// never panic, must give an *APIError or a *ResponseError with the status,
// and the fast path must agree with encoding/xml.
func FuzzDecodeError(f *testing.F) {
	for _, name := range []string{"error_ec2.xml", "error_request_id_lower.xml", "error_awsquery.xml", "error_proxy.html", "error_json.json", "error_truncated.xml", "error_plain.txt"} {
		f.Add(400, readTestdata(f, name))
	}
	f.Add(503, []byte(`<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`))
	f.Add(412, []byte(""))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		h := "hdr"
		err := decodeError(status, h, body, nil)
		var ae *APIError
		var re *ResponseError
		switch {
		case errors.As(err, &ae):
			if ae.Code == "" || ae.StatusCode != status {
				t.Fatalf("APIError %+v for status %d", ae, status)
			}
		case errors.As(err, &re):
			if re.StatusCode != status || len(re.Snippet) > 4*SnippetSize {
				t.Fatalf("ResponseError %+v for status %d", re, status)
			}
		default:
			t.Fatalf("error %T %v", err, err)
		}
		if code, msg, id, ok := fastErrorDocument(body); ok {
			slow := decodeErrorXML(status, "hdr", body, nil)
			if id == "" {
				id = "hdr"
			}
			want := &APIError{Code: code, Message: msg, RequestID: id, StatusCode: status}
			if diff := cmp.Diff(want, slow); diff != "" {
				t.Fatalf("body %q: fast path and encoding/xml differ (-fast +xml):\n%s", body, diff)
			}
		}
	})
}

func BenchmarkDecodeError(b *testing.B) {
	h := "hdr"
	for _, name := range []string{"error_ec2.xml", "error_awsquery.xml", "error_proxy.html"} {
		body := readTestdata(b, name)
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := decodeError(400, h, body, nil); err == nil {
					b.Fatal("no error")
				}
			}
		})
	}
}

// TestErrorFastPath keeps the allocation-free path in use for the error
// documents EC2, STS (and ec2test) actually send, allocating only the
// error's three strings; FuzzDecodeError checks that it agrees with
// encoding/xml. Not parallel: AllocsPerRun counts the whole process.
func TestErrorFastPath(t *testing.T) {
	for _, body := range [][]byte{
		readTestdata(t, "error_ec2.xml"),
		readTestdata(t, "error_request_id_lower.xml"),
		readTestdata(t, "error_awsquery.xml"),
		[]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidAttachmentID.NotFound</Code><Message>The attachment ID &apos;eni-attach-1&apos; does not exist</Message></Error></Errors><RequestID>x</RequestID></Response>"),
	} {
		if code, _, _, ok := fastErrorDocument(body); !ok || code == "" {
			t.Errorf("fast path declined %q", body)
		}
	}
	body := readTestdata(t, "error_ec2.xml")
	if allocs := testing.AllocsPerRun(100, func() {
		if _, _, _, ok := fastErrorDocument(body); !ok {
			t.Fatal("fast path declined")
		}
	}); allocs > 3 {
		t.Errorf("fastErrorDocument allocates %.0f times, want 3 (its strings)", allocs)
	}
}
