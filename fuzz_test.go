package enidetach

import (
	"context"
	"encoding/xml"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/ec2lite/enidetach/ec2test"
	"github.com/ec2lite/enidetach/internal/query"
)

// FuzzDecodeResult feeds any body to the success decoder: it must never
// panic; whenever the allocation-free fast path answers, xml.Unmarshal into
// the fallback's own struct (detachResponse) must give the same result;
// decodeResult must agree with that oracle except that it refuses text
// before the root element; and any <return> that strconv.ParseBool (the
// SDK's parser) reads must decode to the same value.
func FuzzDecodeResult(f *testing.F) {
	for _, name := range []string{"success.xml", "success_no_return.xml", "success_self_closed.xml", "success_extra_elements.xml", "success_return_1.xml"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`<DetachNetworkInterfaceResponse><requestId>a&amp;b</requestId><return>TRUE</return></DetachNetworkInterfaceResponse>`))
	for _, ret := range []string{"1", "0", " \n\t1\n ", "t", "F", "True", "FALSE", "tRuE", "yes", "2", "01", "\u00a0true", "&#49;", "<![CDATA[0]]>", "<b>1</b>"} {
		f.Add([]byte("<DetachNetworkInterfaceResponse><return>" + ret + "</return><requestId>r</requestId></DetachNetworkInterfaceResponse>"))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var doc detachResponse
		var want detachResult
		xmlErr := xml.Unmarshal(body, &doc)
		wantErr := xmlErr
		if xmlErr == nil {
			wantErr = doc.result(&want)
		}
		if xmlErr == nil && len(doc.Return.Children)+len(doc.RequestID.Children) == 0 {
			text := strings.TrimSpace(string(doc.Return.Text))
			if v, err := strconv.ParseBool(text); err == nil && (wantErr != nil || want.out.Return != v) {
				t.Fatalf("<return>%q: strconv.ParseBool gives %t, the decoder (%t, %v)", text, v, want.out.Return, wantErr)
			}
		}
		var fast detachResult
		if fastDetachResult(body, &fast) {
			if wantErr != nil {
				t.Fatalf("fast path accepted %q, encoding/xml refused it: %v", body, wantErr)
			}
			if fast != want {
				t.Fatalf("body %q: fast %+v, encoding/xml %+v", body, fast, want)
			}
		}
		var got detachResult
		err := decodeWith(&got, body, "DetachNetworkInterface")
		switch {
		case err == nil && (wantErr != nil || got != want):
			t.Fatalf("body %q: decodeResult %+v, encoding/xml (%+v, %v)", body, got, want, wantErr)
		case err != nil && wantErr == nil:
			// Only text before the root element, which encoding/xml skips,
			// may be refused.
			if query.DecodeXML(body, "DetachNetworkInterface", nil) == nil {
				t.Fatalf("body %q: decodeResult refused it (%v), encoding/xml gave %+v", body, err, want)
			}
		}
	})
}

// FuzzDecodeAttachResult feeds any body to the attach's decoder: it must
// never panic; whenever the allocation-free fast path answers, the
// fallback (attachResponse through encoding/xml) must answer the same; and
// a success must carry an attachment ID.
func FuzzDecodeAttachResult(f *testing.F) {
	f.Add([]byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AttachNetworkInterfaceResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n <requestId>r</requestId>\n <attachmentId>eni-attach-1</attachmentId>\n <networkCardIndex>0</networkCardIndex>\n</AttachNetworkInterfaceResponse>"))
	for _, card := range []string{"", "<networkCardIndex/>", "<networkCardIndex> 12 </networkCardIndex>", "<networkCardIndex>-1</networkCardIndex>", "<networkCardIndex>1e3</networkCardIndex>", "<networkCardIndex>1234567890</networkCardIndex>"} {
		f.Add([]byte("<AttachNetworkInterfaceResponse><attachmentId>a&amp;b</attachmentId>" + card + "</AttachNetworkInterfaceResponse>"))
	}
	f.Add([]byte("<AttachNetworkInterfaceResponse><attachmentId/></AttachNetworkInterfaceResponse>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var want attachResult
		wantErr := want.DecodeXML(body, "AttachNetworkInterface")
		var fast attachResult
		if fastAttachResult(body, &fast) {
			if wantErr != nil || fast != want {
				t.Fatalf("body %q: fast %+v, encoding/xml (%+v, %v)", body, fast, want, wantErr)
			}
		}
		var got attachResult
		if err := decodeWith(&got, body, "AttachNetworkInterface"); err == nil && got.out.AttachmentID == "" {
			t.Fatalf("body %q: a success without an attachment ID", body)
		}
	})
}

// FuzzRequestBuilding sends any attachment ID to the fake endpoint as a dry
// run: it either fails validation locally, or the fake decodes the very
// same value and the signature verifies.
func FuzzRequestBuilding(f *testing.F) {
	for _, s := range []string{"eni-attach-0123456789abcdef0", "a b+c/d*e~f&g=h%i", "日本語", "\x00\xff", "", string(make([]byte, 256))} {
		f.Add(s)
	}
	srv := ec2test.NewServer()
	defer srv.Close()
	c, err := newClient(Options{Region: srv.Region(), BaseEndpoint: srv.URL, Credentials: srv.Credentials(), MaxAttempts: 1}, mapEnv{"HOME": f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id string) {
		in := DetachNetworkInterfaceInput{AttachmentID: id, DryRun: true, Force: len(id)%2 == 0}
		want := url.Values{"Action": {"DetachNetworkInterface"}, "AttachmentId": {id}, "DryRun": {"true"}, "Version": {"2016-11-15"}}
		if in.Force {
			want["Force"] = []string{"true"}
		}
		if got := string(in.body()); got != want.Encode() {
			t.Fatalf("body %q, url.Values.Encode %q", got, want.Encode())
		}
		srv.ResetRequests()
		_, err := c.DetachNetworkInterface(context.Background(), &in)
		var ve *ValidationError
		if errors.As(err, &ve) {
			if len(srv.Requests()) != 0 {
				t.Fatal("a refused input was sent")
			}
			return
		}
		if !errors.Is(err, ErrDryRunOperation) {
			t.Fatalf("id %q: %v", id, err)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 || reqs[0].Params.Get("AttachmentId") != id {
			t.Fatalf("id %q arrived as %+v", id, reqs)
		}
	})
}
