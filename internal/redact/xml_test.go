package redact

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// readValues returns what a decoder reads of body: its elements with their
// attributes (namespaces resolved) and their texts, adjacent texts joined,
// or the error that stopped it. Comments and processing instructions are
// skipped, as encoding/xml's Unmarshal skips them within a text.
func readValues(body []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var b strings.Builder
	text := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return b.String(), nil
		}
		if err != nil {
			return b.String(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			fmt.Fprintf(&b, "<%v %v>", t.Name, t.Attr)
			text = false
		case xml.EndElement:
			fmt.Fprintf(&b, "</%v>", t.Name)
			text = false
		case xml.CharData:
			if len(t) == 0 {
				continue // an empty CDATA section: no text
			}
			if !text {
				b.WriteString("|")
			}
			b.Write(t)
			text = true
		}
	}
}

// TestRedactXMLKeepsWhatIsRead: a body rewritten so that its texts are
// spelt as their bytes reads as the original does, element by element,
// attribute by attribute and text by text; one that stops being XML fails
// at the same place, with the same error.
func TestRedactXMLKeepsWhatIsRead(t *testing.T) {
	t.Parallel()
	s := Sent(http.Header{}, "not/in+any=body/of/these")
	for _, body := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>` + "\n<R xmlns=\"urn:x\"><a>x&#65;y</a><b/><p:c xmlns:p=\"urn:p\" p:k='v&#x26;&quot;'>1<![CDATA[<&>]]>2</p:c></R>",
		"<R>\r\n<a>one&#13;two\r\nthree</a><!-- a comment --><?pi x?><b>c<!-- -->d<?p?>e</b></R>",
		"<!-- before --><R><a k=\"&#9;&#10;&#60;&#62;&#38;&#34;\">&#x1F600;&amp;&lt;</a></R><!-- after -->",
		"<R><a>&#65;</a><b></c></R>",
		"<R><a>&#65;<![CDATA[x</a></R>",
		"<R><a>&#65;&bogus;</a></R>",
		"<html><body>&nbsp;&#65;</body></html>",
	} {
		want, wantErr := readValues([]byte(body))
		decode, _ := s.RedactXML([]byte(body))
		got, gotErr := readValues(decode)
		if got != want || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Errorf("%q\nread %q, %v\nwant %q, %v", body, got, gotErr, want, wantErr)
		}
	}
}

// TestRedactXMLSpellsOutBeforeRedacting: a secret written with references,
// CDATA sections or comments between its pieces is redacted whole, in the
// body decoded and in the body shown; a body that hides nothing is
// redacted as Redact does, and the one shown is then the one decoded.
func TestRedactXMLSpellsOutBeforeRedacting(t *testing.T) {
	t.Parallel()
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	s := Sent(http.Header{}, secret)
	for _, tc := range []struct{ body, decode, shown string }{
		{"<R><a>wJa&#108;rXU&#x74;nFE&#77;I&#47;K7MDENG/bPxRfiCYEXAMPLEKEY</a></R>", "<R><a>[REDACTED]</a></R>", ""},
		{"<R><a><![CDATA[wJalrXU]]><![CDATA[tnFEMI/K7MDENG/bPx]]>RfiCY<!-- -->EXAMPLEKEY</a></R>", "<R><a>[REDACTED]</a></R>", ""},
		{"<R><a>wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY</a></R>", "<R><a>[REDACTED]</a></R>", ""},
		{"<html>&nbsp;wJa&#108;rXUtnFEMI/K7MDENG/bPx<!-- -->RfiCYEXAMPLEKEY</html>",
			"<html>&nbsp;wJa&#108;rXUtnFEMI/K7MDENG/bPx<!-- -->RfiCYEXAMPLEKEY</html>", "<html>&nbsp;[REDACTED]</html>"},
	} {
		decode, shown := s.RedactXML([]byte(tc.body))
		if string(decode) != tc.decode || string(shown) != tc.shown {
			t.Errorf("%q: decode %q, shown %q; want %q, %q", tc.body, decode, shown, tc.decode, tc.shown)
		}
	}
}

// FuzzRedactXMLKeepsWhatIsRead: whatever the body, the one RedactXML gives
// the decoder (holding no secret here) reads as the body does: the same
// values, or an error where the body has one.
func FuzzRedactXMLKeepsWhatIsRead(f *testing.F) {
	for _, seed := range []string{
		"<R><a>x&#65;y</a><b/><p:c xmlns:p=\"urn:p\" p:k='v&#x26;'>1<![CDATA[<&>]]>2</p:c></R>",
		"<R>\r\n<a>one&#13;two</a><!-- c --><?pi x?><b>c<!-- -->d</b></R>",
		"<html><body>&nbsp;&#65;</body></html>",
		"<?xml version=\"1.0\"?><R a=\"&#34;\"/>",
	} {
		f.Add(seed)
	}
	s := Sent(http.Header{}, "zz/not+in=any/fuzzed/body")
	f.Fuzz(func(t *testing.T, body string) {
		if strings.Contains(body, "zz/not") {
			return
		}
		want, wantErr := readValues([]byte(body))
		decode, _ := s.RedactXML([]byte(body))
		got, gotErr := readValues(decode)
		// Where the body fails, the text before the failure may be cut
		// differently (a dropped comment joins two texts): the decoder
		// fails either way.
		if (gotErr == nil) != (wantErr == nil) || wantErr == nil && got != want {
			t.Errorf("%q\nread %q, %v\nwant %q, %v", body, got, gotErr, want, wantErr)
		}
	})
}
