package query

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// rootElement returns the first start element of the document, refusing
// non-whitespace text before it (an HTML or JSON body, say).
func rootElement(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return xml.StartElement{}, errors.New("no XML element in body")
		}
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, errors.New("text before the root element")
			}
		case xml.EndElement:
			return xml.StartElement{}, errors.New("end element before the root element")
		}
		// ProcInst, Comment and Directive are allowed before the root.
	}
}

// decodeResult decodes a success body whose root element must be
// <action>Response (in any namespace) into out; a nil out only checks the
// root element and that the document is well formed. An operation's own
// result (a Result) takes its fast path when it can; anything else goes
// through encoding/xml.
func decodeResult(body []byte, action string, out any) error {
	if r, ok := out.(Result); ok {
		if r.DecodeFast(body) {
			return nil
		}
		return r.DecodeXML(body, action)
	}
	return DecodeXML(body, action, out)
}

// DecodeXML is decodeResult through encoding/xml only: the root element
// is checked here, everything under it is left to out's struct tags.
func DecodeXML(body []byte, action string, out any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	start, err := rootElement(d)
	if err != nil {
		return err
	}
	if want := action + "Response"; start.Name.Local != want {
		return fmt.Errorf("root element is <%s>, want <%s>", start.Name.Local, want)
	}
	if out == nil {
		return d.Skip()
	}
	return d.DecodeElement(out, &start)
}

// TextElement is an element that must hold text only. encoding/xml
// would skip the child elements of a text field silently, so Children
// collects them and text refuses them.
// An element given twice is refused too: encoding/xml would keep the
// last, and an answer that holds two attachment IDs (or two returns)
// contradicts itself.
type TextElement struct {
	Text     []byte     `xml:",chardata"`
	Children []struct{} `xml:",any"`
	repeated bool       // the element appeared more than once
	seen     bool
}

// xmlTextFields is TextElement's decoded fields, without its
// UnmarshalXML.
type xmlTextFields struct {
	Text     []byte     `xml:",chardata"`
	Children []struct{} `xml:",any"`
}

// UnmarshalXML decodes the element, noting a second occurrence.
func (e *TextElement) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	if e.seen {
		e.repeated = true
		return d.Skip()
	}
	e.seen = true
	var f xmlTextFields
	if err := d.DecodeElement(&f, &start); err != nil {
		return err
	}
	e.Text, e.Children = f.Text, f.Children
	return nil
}

// Value returns the element's text with white space trimmed; an element
// that is absent or self-closed has none.
func (e *TextElement) Value(name string) ([]byte, error) {
	if e.repeated {
		return nil, fmt.Errorf("<%s> appears more than once", name)
	}
	if len(e.Children) != 0 {
		return nil, fmt.Errorf("<%s> holds elements, want text", name)
	}
	return bytes.TrimSpace(e.Text), nil
}

// xmlErrorDetail is one <Error> element of either error shape.
type xmlErrorDetail struct {
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

// xmlErrorDocument covers both error shapes: EC2's
// <Response><Errors><Error>..</Error></Errors><RequestID/></Response> and
// awsQuery's <ErrorResponse><Error>..</Error><RequestId/></ErrorResponse>.
// Element names match exactly; namespaces are ignored; extra members are
// skipped.
type xmlErrorDocument struct {
	XMLName     xml.Name
	Errors      []xmlErrorDetail `xml:"Errors>Error"`
	Error       *xmlErrorDetail  `xml:"Error"`
	RequestIDUp string           `xml:"RequestID"`
	RequestID   string           `xml:"RequestId"`
}

// decodeError turns a non-2xx response into an *APIError when the body is an
// error document with a code, and into a *ResponseError otherwise; headerID
// is the request ID of the response's header.
func decodeError(status int, headerID string, body []byte, readErr error) error {
	if readErr == nil {
		if code, msg, id, ok := fastErrorDocument(body); ok {
			if id == "" {
				id = headerID
			}
			return &APIError{Code: code, Message: msg, RequestID: id, StatusCode: status}
		}
	}
	return decodeErrorXML(status, headerID, body, readErr)
}

// decodeErrorXML is decodeError through encoding/xml only.
func decodeErrorXML(status int, headerID string, body []byte, readErr error) error {
	if readErr == nil {
		var doc xmlErrorDocument
		err := xml.Unmarshal(body, &doc)
		if err == nil {
			detail := doc.Error
			if len(doc.Errors) > 0 {
				detail = &doc.Errors[0]
			}
			root := doc.XMLName.Local
			if detail != nil && detail.Code != "" && (root == "Response" || root == "ErrorResponse") {
				id := strings.TrimSpace(doc.RequestIDUp)
				if id == "" {
					id = strings.TrimSpace(doc.RequestID)
				}
				if id == "" {
					id = headerID
				}
				return &APIError{
					Code:       strings.TrimSpace(detail.Code),
					Message:    strings.TrimSpace(detail.Message),
					RequestID:  id,
					StatusCode: status,
				}
			}
			readErr = errors.New("no error code in body")
		} else if len(bytes.TrimSpace(body)) == 0 {
			readErr = nil // an empty body says nothing more than its status
		} else {
			readErr = fmt.Errorf("decode error body: %w", err)
		}
	}
	return &ResponseError{StatusCode: status, RequestID: headerID, Snippet: Snippet(body), Err: readErr}
}
