package query

import (
	"bytes"
	"unicode/utf8"
)

// This file is a fast path for the small documents every call decodes: an
// operation's result (through ScanLeaves, which the operation's own fast
// decoder calls) and the error document. It reads the common shapes
// without allocating and gives up (ok == false) on anything unusual
// (comments, CDATA, DOCTYPE, unknown entities, mixed content, duplicates,
// odd names or prologs), in which case the one fallback, encoding/xml into
// tagged structs (the operation's, and xmlErrorDocument), decides. The
// fuzzers check that whenever the fast path answers, it answers as
// xml.Unmarshal into those structs does.

// maxScanLeaves and maxScanDepth bound what the fast path handles.
const (
	maxScanLeaves = 12
	maxScanDepth  = 6
)

// xmlLeaf is an element holding only text, as slices of the body.
type xmlLeaf struct {
	depth  int    // 1 for a child of the root
	name   []byte // local name
	parent []byte // local name of the parent element
	grand  []byte // local name of the grandparent, if any
	text   []byte // raw text, entities not yet replaced
}

// xmlScan is the outcome of scanning a document.
type xmlScan struct {
	root   []byte // local name of the root element
	leaves [maxScanLeaves]xmlLeaf
	n      int
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipXMLSpace(b []byte, i int) int {
	for i < len(b) && isXMLSpace(b[i]) {
		i++
	}
	return i
}

// isNameByte reports whether c may appear in a name the fast path accepts.
func isNameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.' || c == ':'
}

// localName returns the part of a name after its prefix; ok is false for
// names the fast path leaves to encoding/xml.
func localName(name []byte) ([]byte, bool) {
	if len(name) == 0 || !('a' <= name[0] && name[0] <= 'z' || 'A' <= name[0] && name[0] <= 'Z' || name[0] == '_') {
		return nil, false
	}
	i := bytes.IndexByte(name, ':')
	if i < 0 {
		return name, true
	}
	local := name[i+1:]
	if i == 0 || len(local) == 0 || bytes.IndexByte(local, ':') >= 0 ||
		!('a' <= local[0] && local[0] <= 'z' || 'A' <= local[0] && local[0] <= 'Z' || local[0] == '_') {
		return nil, false
	}
	return local, true
}

// readStartTag reads "<name attr='v' ...>" or "<name .../>" at b[i] == '<'.
func readStartTag(b []byte, i int) (name []byte, next int, selfClosed, ok bool) {
	i++ // '<'
	start := i
	for i < len(b) && isNameByte(b[i]) {
		i++
	}
	name = b[start:i]
	for {
		if i >= len(b) {
			return nil, 0, false, false
		}
		switch c := b[i]; {
		case c == '>':
			return name, i + 1, false, len(name) > 0
		case c == '/':
			if i+1 < len(b) && b[i+1] == '>' {
				return name, i + 2, true, len(name) > 0
			}
			return nil, 0, false, false
		case isXMLSpace(c):
			i = skipXMLSpace(b, i)
			if i < len(b) && (b[i] == '>' || b[i] == '/') {
				continue
			}
			// An attribute: name = "value" with no entity in the value.
			as := i
			for i < len(b) && isNameByte(b[i]) {
				i++
			}
			if i == as {
				return nil, 0, false, false
			}
			if _, ok := localName(b[as:i]); !ok {
				return nil, 0, false, false
			}
			i = skipXMLSpace(b, i)
			if i >= len(b) || b[i] != '=' {
				return nil, 0, false, false
			}
			i = skipXMLSpace(b, i+1)
			if i >= len(b) || (b[i] != '"' && b[i] != '\'') {
				return nil, 0, false, false
			}
			end := bytes.IndexByte(b[i+1:], b[i])
			if end < 0 {
				return nil, 0, false, false
			}
			val := b[i+1 : i+1+end]
			if bytes.IndexByte(val, '&') >= 0 || bytes.IndexByte(val, '<') >= 0 || !validXMLText(val) {
				return nil, 0, false, false
			}
			i += end + 2
			if i < len(b) && !isXMLSpace(b[i]) && b[i] != '>' && b[i] != '/' {
				return nil, 0, false, false
			}
		default:
			return nil, 0, false, false
		}
	}
}

// validXMLText reports whether text is valid UTF-8 made of XML characters,
// without carriage returns (which encoding/xml would normalise).
func validXMLText(text []byte) bool {
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(text[i:])
		if r == utf8.RuneError && size == 1 || !(r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || 0x10000 <= r && r <= 0x10FFFF) {
			return false
		}
		i += size
	}
	return true
}

// endTag reads "</name>" (space allowed before '>') at b[i] and returns
// the index after it.
func endTag(b []byte, i int, name []byte) (int, bool) {
	if !bytes.HasPrefix(b[i:], []byte("</")) || !bytes.HasPrefix(b[i+2:], name) {
		return 0, false
	}
	j := skipXMLSpace(b, i+2+len(name))
	if j >= len(b) || b[j] != '>' {
		return 0, false
	}
	return j + 1, true
}

// scanXML reads a document of nested elements whose leaves hold text. It
// stops at the end of the root element, as encoding/xml does.
func scanXML(b []byte, s *xmlScan) bool {
	i := 0
	for _, prolog := range []string{`<?xml version="1.0" encoding="UTF-8"?>`, `<?xml version="1.0"?>`} {
		if bytes.HasPrefix(b, []byte(prolog)) {
			i = len(prolog)
			break
		}
	}
	i = skipXMLSpace(b, i)
	var stack [maxScanDepth][]byte // full names of the open elements
	var locals [maxScanDepth][]byte
	depth := 0
	for {
		if i >= len(b) || b[i] != '<' || i+1 >= len(b) {
			return false
		}
		switch b[i+1] {
		case '!', '?':
			return false
		case '/':
			if depth == 0 {
				return false
			}
			next, ok := endTag(b, i, stack[depth-1])
			if !ok {
				return false
			}
			depth--
			i = next
			if depth == 0 {
				return true
			}
			i = skipXMLSpace(b, i)
			continue
		}
		name, next, selfClosed, ok := readStartTag(b, i)
		if !ok {
			return false
		}
		local, ok := localName(name)
		if !ok || depth >= maxScanDepth {
			return false
		}
		if depth == 0 {
			s.root = local
		}
		i = next
		// Text up to the next tag: a leaf if followed by its end tag.
		j := i
		if !selfClosed {
			end := bytes.IndexByte(b[i:], '<')
			if end < 0 {
				return false
			}
			j = i + end
		}
		text := b[i:j]
		closes := selfClosed || bytes.HasPrefix(b[j:], []byte("</"))
		if closes && depth > 0 {
			if s.n == maxScanLeaves || !validXMLText(text) {
				return false
			}
			leaf := xmlLeaf{depth: depth, name: local, parent: locals[depth-1], text: text}
			if depth > 1 {
				leaf.grand = locals[depth-2]
			}
			s.leaves[s.n] = leaf
			s.n++
			if selfClosed {
				i = skipXMLSpace(b, i)
				continue
			}
			next, ok := endTag(b, j, name)
			if !ok {
				return false
			}
			i = skipXMLSpace(b, next)
			continue
		}
		if selfClosed { // an empty root
			return true
		}
		// Element content: only white space may stand before the child.
		if len(bytes.TrimLeft(text, " \t\n")) != 0 || bytes.IndexByte(text, '\r') >= 0 {
			return false
		}
		stack[depth], locals[depth] = name, local
		depth++
		i = j
	}
}

// Text returns a leaf's text with the predefined entities replaced and
// space trimmed; ok is false for any other entity.
func Text(raw []byte) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if bytes.IndexByte(raw, '&') < 0 {
		return string(raw), true
	}
	out := make([]byte, 0, len(raw))
	for len(raw) > 0 {
		amp := bytes.IndexByte(raw, '&')
		if amp < 0 {
			out = append(out, raw...)
			break
		}
		out = append(out, raw[:amp]...)
		raw = raw[amp:]
		var rep byte
		var n int
		switch {
		case bytes.HasPrefix(raw, []byte("&lt;")):
			rep, n = '<', 4
		case bytes.HasPrefix(raw, []byte("&gt;")):
			rep, n = '>', 4
		case bytes.HasPrefix(raw, []byte("&amp;")):
			rep, n = '&', 5
		case bytes.HasPrefix(raw, []byte("&quot;")):
			rep, n = '"', 6
		case bytes.HasPrefix(raw, []byte("&apos;")):
			rep, n = '\'', 6
		default:
			return "", false
		}
		out = append(out, rep)
		raw = raw[n:]
	}
	return string(out), true
}

// ScanLeaves scans a document whose root element is root and whose
// children are all text leaves, and sets vals[i] to the raw text of the
// child named names[i] (nil when absent). It reports false for any other
// shape and for a named child that repeats; other children are ignored.
func ScanLeaves(body []byte, root string, names []string, vals [][]byte) bool {
	var s xmlScan
	if !scanXML(body, &s) || string(s.root) != root {
		return false
	}
	var seen uint
	for _, l := range s.leaves[:s.n] {
		if l.depth != 1 {
			return false // nested content: let encoding/xml skip it
		}
		for i, name := range names {
			if string(l.name) == name {
				if seen&(1<<i) != 0 {
					return false
				}
				seen |= 1 << i
				vals[i] = l.text
			}
		}
	}
	return true
}

// fastErrorDocument decodes either error shape; ok is false when the body
// is anything else or unusual, and decodeError's encoding/xml path decides.
func fastErrorDocument(body []byte) (code, message, requestID string, ok bool) {
	var s xmlScan
	if !scanXML(body, &s) || (string(s.root) != "Response" && string(s.root) != "ErrorResponse") {
		return "", "", "", false
	}
	var codeRaw, msgRaw, idUp, idLow []byte
	nested, direct := false, false
	for _, l := range s.leaves[:s.n] {
		var dst *[]byte
		switch {
		case l.depth == 3 && string(l.parent) == "Error" && string(l.grand) == "Errors":
			nested = true
		case l.depth == 2 && string(l.parent) == "Error":
			direct = true
		case l.depth == 1 && string(l.name) == "RequestID":
			dst = &idUp
		case l.depth == 1 && string(l.name) == "RequestId":
			dst = &idLow
		default:
			if l.depth >= 2 && (string(l.parent) == "Error" || string(l.parent) == "Errors" || string(l.name) == "Error" || string(l.name) == "Errors") {
				return "", "", "", false // shapes encoding/xml reads differently
			}
			continue
		}
		if dst == nil {
			switch string(l.name) {
			case "Code":
				dst = &codeRaw
			case "Message":
				dst = &msgRaw
			default:
				continue
			}
		}
		if *dst != nil {
			return "", "", "", false // duplicates: leave to encoding/xml
		}
		*dst = l.text
	}
	if nested && direct {
		return "", "", "", false
	}
	code, okC := Text(codeRaw)
	message, okM := Text(msgRaw)
	up, okU := Text(idUp)
	low, okL := Text(idLow)
	if !okC || !okM || !okU || !okL || code == "" {
		return "", "", "", false
	}
	requestID = up
	if requestID == "" {
		requestID = low
	}
	return code, message, requestID, true
}
