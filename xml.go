package enidetach

// The EC2 answers' XML: each operation's result type, its encoding/xml
// document and its fast path over the engine's scanner (query.ScanLeaves).
// The engine hands a result the body; it knows no operation.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"

	"github.com/ec2lite/enidetach/internal/query"
)

// detachResult is what DetachNetworkInterface decodes into: decodeResult
// fills out, through the fast path or detachResponse, so that a call
// allocates one value for both.
type detachResult struct {
	out DetachNetworkInterfaceOutput
}

// RequestID is the result's request ID, which the engine fills from the
// header when the body has none.
func (r *detachResult) RequestID() *string { return &r.out.RequestID }

// DecodeFast is fastDetachResult, the operation's fast path over the engine's scanner.
func (r *detachResult) DecodeFast(body []byte) bool { return fastDetachResult(body, r) }

// DecodeXML decodes through detachResponse.
func (r *detachResult) DecodeXML(body []byte, action string) error {
	var doc detachResponse
	if err := query.DecodeXML(body, action, &doc); err != nil {
		return err
	}
	return doc.result(r)
}

// detachResponse is <DetachNetworkInterfaceResponse> for encoding/xml.
// Names match exactly, in any namespace; other elements are skipped.
type detachResponse struct {
	XMLName   xml.Name          `xml:"DetachNetworkInterfaceResponse"`
	RequestID query.TextElement `xml:"requestId"`
	Return    query.TextElement `xml:"return"`
}

// result fills r from the document as the fast path does.
func (doc *detachResponse) result(r *detachResult) error {
	id, err := doc.RequestID.Value("requestId")
	if err != nil {
		return err
	}
	text, err := doc.Return.Value("return")
	if err != nil {
		return err
	}
	ret, ok := parseReturn(text)
	if !ok {
		return fmt.Errorf("<return> is %q, want an xsd:boolean", query.Snippet(text))
	}
	r.out = DetachNetworkInterfaceOutput{Return: ret, RequestID: string(id)}
	return nil
}

// parseReturn reads the text of <return>, an xsd:boolean, once the caller
// has trimmed white space (xsd:boolean collapses it; the SDK, which parses
// the untrimmed text, would refuse " true "). It takes what the SDK takes
// for the <return> of other EC2 actions (strconv.ParseBool: 1, t, T, TRUE,
// true, True, 0, f, F, FALSE, false, False), and true and false in any
// letter case, as earlier versions did. No text (a missing or self-closed
// <return>) is true: a success response means the detach was accepted. It
// does not allocate.
func parseReturn(text []byte) (value, ok bool) {
	switch string(text) {
	case "", "1", "t", "T", "TRUE", "true", "True":
		return true, true
	case "0", "f", "F", "FALSE", "false", "False":
		return false, true
	}
	switch {
	case asciiEqualFold(text, "true"):
		return true, true
	case asciiEqualFold(text, "false"):
		return false, true
	}
	return false, false
}

// detachLeaves are the children of the detach's result that it reads.
var detachLeaves = []string{"requestId", "return"}

// fastDetachResult decodes the DetachNetworkInterface result as
// detachResponse.result would.
func fastDetachResult(body []byte, r *detachResult) bool {
	var v [2][]byte
	if !query.ScanLeaves(body, "DetachNetworkInterfaceResponse", detachLeaves, v[:]) {
		return false
	}
	ret, ok := parseReturn(bytes.TrimSpace(v[1]))
	if !ok {
		return false
	}
	id, ok := query.Text(v[0])
	if !ok {
		return false
	}
	r.out = DetachNetworkInterfaceOutput{Return: ret, RequestID: id}
	return true
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// attachResult is what AttachNetworkInterface decodes into: decodeResult
// fills out through the fast path or attachResponse.
type attachResult struct {
	out     AttachNetworkInterfaceOutput
	cardSet bool // the answer had a <networkCardIndex>
}

// RequestID is the result's request ID, which the engine fills from the
// header when the body has none.
func (r *attachResult) RequestID() *string { return &r.out.RequestID }

// DecodeFast is fastAttachResult, the operation's fast path over the engine's scanner.
func (r *attachResult) DecodeFast(body []byte) bool { return fastAttachResult(body, r) }

// DecodeXML decodes through attachResponse.
func (r *attachResult) DecodeXML(body []byte, action string) error {
	var doc attachResponse
	if err := query.DecodeXML(body, action, &doc); err != nil {
		return err
	}
	return doc.result(r)
}

// attachResponse is <AttachNetworkInterfaceResponse> for encoding/xml.
// Names match exactly, in any namespace; other elements are skipped.
type attachResponse struct {
	XMLName          xml.Name          `xml:"AttachNetworkInterfaceResponse"`
	RequestID        query.TextElement `xml:"requestId"`
	AttachmentID     query.TextElement `xml:"attachmentId"`
	NetworkCardIndex query.TextElement `xml:"networkCardIndex"`
}

// result fills r from the document as the fast path does. An answer
// without an attachment ID is refused: the attach may have taken effect,
// but a caller must never be handed an empty ID as a success.
func (doc *attachResponse) result(r *attachResult) error {
	id, err := doc.RequestID.Value("requestId")
	if err != nil {
		return err
	}
	att, err := doc.AttachmentID.Value("attachmentId")
	if err != nil {
		return err
	}
	if len(att) == 0 {
		return errors.New("no <attachmentId> in the answer")
	}
	cardText, err := doc.NetworkCardIndex.Value("networkCardIndex")
	if err != nil {
		return err
	}
	card := 0
	if len(cardText) > 0 {
		var ok bool
		if card, ok = parseIndex(cardText); !ok {
			return fmt.Errorf("<networkCardIndex> is %q, want a small non-negative integer", query.Snippet(cardText))
		}
	}
	*r = attachResult{out: AttachNetworkInterfaceOutput{AttachmentID: string(att), NetworkCardIndex: card, RequestID: string(id)}, cardSet: len(cardText) > 0}
	return nil
}

// attachLeaves are the children of the attach's result that it reads.
var attachLeaves = []string{"requestId", "attachmentId", "networkCardIndex"}

// fastAttachResult decodes the AttachNetworkInterface result as
// attachResponse.result would.
func fastAttachResult(body []byte, r *attachResult) bool {
	var v [3][]byte
	if !query.ScanLeaves(body, "AttachNetworkInterfaceResponse", attachLeaves, v[:]) {
		return false
	}
	id, ok := query.Text(v[0])
	if !ok {
		return false
	}
	att, ok := query.Text(v[1])
	if !ok || att == "" {
		return false
	}
	card, cardText := 0, bytes.TrimSpace(v[2])
	if len(cardText) > 0 {
		if card, ok = parseIndex(cardText); !ok {
			return false
		}
	}
	*r = attachResult{out: AttachNetworkInterfaceOutput{AttachmentID: att, NetworkCardIndex: card, RequestID: id}, cardSet: len(cardText) > 0}
	return true
}

// parseIndex reads a device or network card index: 1 to 9 decimal digits.
// It does not allocate.
func parseIndex(text []byte) (int, bool) {
	if len(text) == 0 || len(text) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range text {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
