package query

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"strings"
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

// TestErrorResponses sends every error-body shape through the engine and
// checks the typed error: EC2 and awsQuery documents become *APIError,
// anything else a *ResponseError carrying the status, the request ID header
// and a bounded snippet.
func TestErrorResponses(t *testing.T) {
	t.Parallel()
	reqID := http.Header{"X-Amzn-Requestid": {"hdr-id"}}
	tests := []struct {
		name    string
		status  int
		body    []byte
		header  http.Header
		want    *APIError
		wantRsp *ResponseError // Err not compared
	}{
		{name: "EC2 error document", status: 400, body: readTestdata(t, "error_ec2.xml"),
			want: &APIError{Code: "InvalidAttachmentID.NotFound", Message: "The attachment ID 'eni-attach-0123456789abcdef0' does not exist", RequestID: "d2b2ea2e-fb7c-4b4e-9ae1-2d1b2fEXAMPLE", StatusCode: 400}},
		{name: "RequestId spelling and extra members", status: 400, body: readTestdata(t, "error_request_id_lower.xml"),
			want: &APIError{Code: "OperationNotPermitted", Message: "The network interface at device index 0 and networkCard index 0 cannot be detached.", RequestID: "lower-id", StatusCode: 400}},
		{name: "awsQuery ErrorResponse", status: 400, body: readTestdata(t, "error_awsquery.xml"),
			want: &APIError{Code: "InvalidIdentityToken", Message: "Couldn't retrieve verification key from your identity provider", RequestID: "sts-req-1", StatusCode: 400}},
		{name: "no request ID in body falls back to header", status: 403, header: reqID,
			body: []byte(`<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>`),
			want: &APIError{Code: "UnauthorizedOperation", Message: "no", RequestID: "hdr-id", StatusCode: 403}},
		{name: "HTML from a proxy", status: 403, header: reqID, body: readTestdata(t, "error_proxy.html"),
			wantRsp: &ResponseError{StatusCode: 403, RequestID: "hdr-id", Snippet: string(readTestdata(t, "error_proxy.html"))}},
		{name: "JSON", status: 400, body: readTestdata(t, "error_json.json"),
			wantRsp: &ResponseError{StatusCode: 400, Snippet: string(readTestdata(t, "error_json.json"))}},
		{name: "plain text", status: 404, body: readTestdata(t, "error_plain.txt"),
			wantRsp: &ResponseError{StatusCode: 404, Snippet: "Service Unavailable"}},
		{name: "truncated XML", status: 400, body: readTestdata(t, "error_truncated.xml"),
			wantRsp: &ResponseError{StatusCode: 400, Snippet: string(readTestdata(t, "error_truncated.xml"))}},
		{name: "empty body", status: 401, header: reqID, wantRsp: &ResponseError{StatusCode: 401, RequestID: "hdr-id"}},
		{name: "error document without a code", status: 400, body: []byte(`<Response><Errors><Error><Message>m</Message></Error></Errors></Response>`),
			wantRsp: &ResponseError{StatusCode: 400, Snippet: `<Response><Errors><Error><Message>m</Message></Error></Errors></Response>`}},
		{name: "long body is cut to a snippet", status: 400, body: bytes.Repeat([]byte("é"), 1000),
			wantRsp: &ResponseError{StatusCode: 400, Snippet: strings.Repeat("é", 128)}},
		{name: "redirect is not followed", status: 301, header: http.Header{"Location": {"https://elsewhere.example/"}},
			wantRsp: &ResponseError{StatusCode: 301}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
				for k, v := range tc.header {
					w.Header()[k] = v
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write(tc.body)
			})
			tr := http.DefaultTransport.(*http.Transport).Clone()
			defer tr.CloseIdleConnections()
			e := newTestEngine(t, srv.URL, func(s *Settings) {
				s.Transport, s.Retryer = tr, NewRetryer(RetrySettings{MaxAttempts: 1})
			})
			err := e.Call(context.Background(), "DetachNetworkInterface", nil, nil)
			if tc.want != nil {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error = %v (%T), want *APIError", err, err)
				}
				if diff := cmp.Diff(tc.want, ae); diff != "" {
					t.Errorf("APIError mismatch (-want +got):\n%s", diff)
				}
				return
			}
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("error = %v (%T), want *ResponseError", err, err)
			}
			var ae *APIError
			if errors.As(err, &ae) {
				t.Errorf("a non-EC2 body became an APIError: %v", ae)
			}
			got := *re
			got.Err = nil
			if diff := cmp.Diff(*tc.wantRsp, got, cmp.AllowUnexported(ResponseError{})); diff != "" {
				t.Errorf("ResponseError mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(err.Error(), "status") {
				t.Errorf("error text %q does not give the status", err)
			}
		})
	}
}

// TestDecodeXML checks the root element, <action>Response in any
// namespace, refuses text or an end element before it, and decodes into
// out, or only checks the document with a nil out.
func TestDecodeXML(t *testing.T) {
	t.Parallel()
	type result struct {
		ID string `xml:"requestId"`
	}
	tests := []struct {
		name, body string
		want       string // the requestId; "" with wantErr
		wantErr    string
	}{
		{"plain", `<XResponse><requestId>r</requestId></XResponse>`, "r", ""},
		{"namespaced, with a prolog", `<?xml version="1.0"?><!-- c --><x:XResponse xmlns:x="urn:x"><x:requestId>r</x:requestId></x:XResponse>`, "r", ""},
		{"another action", `<YResponse/>`, "", "root element is <YResponse>, want <XResponse>"},
		{"text first", `ok <XResponse/>`, "", "text before the root element"},
		{"end element first", `</a><XResponse/>`, "", "XML syntax error"},
		{"empty", ``, "", "no XML element in body"},
		{"white space only", " \n", "", "no XML element in body"},
	}
	for _, tc := range tests {
		var out result
		err := DecodeXML([]byte(tc.body), "X", &out)
		switch {
		case tc.wantErr == "" && (err != nil || out.ID != tc.want):
			t.Errorf("%s: (%+v, %v), want %q", tc.name, out, err, tc.want)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	if err := DecodeXML([]byte(`<XResponse><a>`), "X", nil); err == nil {
		t.Error("a nil out accepted a truncated document")
	}
	if err := DecodeXML([]byte(`<XResponse><a/></XResponse>`), "X", nil); err != nil {
		t.Errorf("a nil out: %v", err)
	}
}

// TestTextElement holds text only, once: a child element or a second
// occurrence is refused, where encoding/xml would skip or overwrite it.
func TestTextElement(t *testing.T) {
	t.Parallel()
	type doc struct {
		Return TextElement `xml:"return"`
	}
	tests := []struct {
		body, want, wantErr string
	}{
		{`<R><return> true </return></R>`, "true", ""},
		{`<R><return/></R>`, "", ""},
		{`<R></R>`, "", ""},
		{`<R><return><b>true</b></return></R>`, "", "<return> holds elements, want text"},
		{`<R><return>true</return><return>false</return></R>`, "", "<return> appears more than once"},
	}
	for _, tc := range tests {
		var d doc
		if err := xml.Unmarshal([]byte(tc.body), &d); err != nil {
			t.Fatalf("%s: %v", tc.body, err)
		}
		got, err := d.Return.Value("return")
		switch {
		case tc.wantErr == "" && (err != nil || string(got) != tc.want):
			t.Errorf("%s: (%q, %v), want %q", tc.body, got, err, tc.want)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("%s: %v, want %q", tc.body, err, tc.wantErr)
		}
	}
}
