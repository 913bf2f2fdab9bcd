package redact

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"unicode/utf8"
)

// An XML answer may spell a text other than as its bytes: a character
// reference for every fourth character (&#97; or &#x61;), the text cut into
// CDATA sections, or a comment or processing instruction between its pieces
// leave no run of a secret in the body that Redact could find, yet the
// decoder reads the secret whole. RedactXML first rewrites such a body so
// that every text is spelt as its bytes, then redacts.

// hidesText reports whether body may spell a text other than as its bytes.
// The XML declaration that starts every AWS answer does not count, so the
// common answer costs a few searches.
// ("<!" also finds a DOCTYPE, which only costs the rewriting.)
func hidesText(body []byte) bool {
	return bytes.Contains(body, []byte("&#")) || bytes.Contains(body, []byte("<!")) ||
		len(body) > 1 && bytes.Contains(body[1:], []byte("<?"))
}

// RedactXML is Redact of an XML answer: decode is the body to decode, shown
// the body to show (a snippet), nil when it is decode. A body whose texts
// are spelt as their bytes is only redacted. Any other is rewritten first:
// each text that holds a character reference or is a CDATA section is
// written back as its decoded value, escaped with named entities only
// (which cannot spell a letter or a digit), and comments and processing
// instructions inside the root element, which the decoder skips between
// the pieces of a text, are dropped; the structure is kept, so the decoder
// reads the same values. Where the body stops being XML, decode keeps the
// rest as it came, so the decoder fails there as it would have, and shown
// spells it out (references decoded; CDATA markers, comments and
// processing instructions removed) before redacting.
func (s *Secrets) RedactXML(body []byte) (decode, shown []byte) {
	if s.n == 0 || !hidesText(body) {
		return s.Redact(body), nil
	}
	plain, rest := plainXML(body)
	n := len(plain)
	decode = s.Redact(append(plain, rest...))
	if len(rest) == 0 {
		return decode, nil
	}
	return decode, s.Redact(spellOut(plain[:n:n], rest))
}

// plainXML returns body rewritten as RedactXML says, up to where it stops
// being XML, and the rest of body from there (nil when all of it is).
func plainXML(body []byte) (plain, rest []byte) {
	d := xml.NewDecoder(bytes.NewReader(body))
	out := make([]byte, 0, len(body)+len(body)/8)
	depth := 0
	for {
		from := d.InputOffset()
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, body[from:]
		}
		raw := body[from:d.InputOffset()]
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			out = appendStartTag(out, raw, t)
		case xml.EndElement:
			depth-- // a self-closed element's end has no bytes of its own
			out = append(out, raw...)
		case xml.CharData:
			if bytes.Contains(raw, []byte("&#")) || bytes.HasPrefix(raw, []byte("<![CDATA[")) {
				out = appendEscaped(out, t, false)
			} else {
				out = append(out, raw...)
			}
		default: // comment, processing instruction, directive
			if depth <= 0 {
				out = append(out, raw...)
			}
		}
	}
}

// appendStartTag appends a start tag: raw as it came, unless an attribute
// value holds a character reference.
func appendStartTag(out, raw []byte, t xml.StartElement) []byte {
	if !bytes.Contains(raw, []byte("&#")) {
		return append(out, raw...)
	}
	out = appendName(append(out, '<'), t.Name)
	for _, a := range t.Attr {
		out = appendName(append(out, ' '), a.Name)
		out = append(appendEscaped(append(out, `="`...), []byte(a.Value), true), '"')
	}
	if bytes.HasSuffix(raw, []byte("/>")) {
		return append(out, "/>"...)
	}
	return append(out, '>')
}

// appendName appends a name as RawToken read it: prefix and local part.
func appendName(out []byte, n xml.Name) []byte {
	if n.Space != "" {
		out = append(append(out, n.Space...), ':')
	}
	return append(out, n.Local...)
}

// appendEscaped appends text escaped for XML with named entities only,
// except a carriage return, which the decoder would read as a line feed if
// written as it is: letters, digits, "/", "+" and "=" are written as they
// are, so every secret a text holds is spelt out for Redact.
func appendEscaped(out, text []byte, attr bool) []byte {
	for _, c := range text {
		switch {
		case c == '&':
			out = append(out, "&amp;"...)
		case c == '<':
			out = append(out, "&lt;"...)
		case c == '>':
			out = append(out, "&gt;"...)
		case c == '"' && attr:
			out = append(out, "&quot;"...)
		case c == '\r':
			out = append(out, "&#xD;"...)
		default:
			out = append(out, c)
		}
	}
	return out
}

// spellOut appends to out the rest of a body that is not XML, spelt out
// for showing: character references decoded, CDATA markers, comments and
// processing instructions removed.
func spellOut(out, rest []byte) []byte {
	for len(rest) > 0 {
		skip := 0
		switch {
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			skip = len("<![CDATA[")
		case bytes.HasPrefix(rest, []byte("]]>")):
			skip = len("]]>")
		case bytes.HasPrefix(rest, []byte("<!--")):
			skip = endOf(rest, "-->")
		case bytes.HasPrefix(rest, []byte("<?")):
			skip = endOf(rest, "?>")
		case bytes.HasPrefix(rest, []byte("&#")):
			if r, n := charRef(rest); n > 0 {
				out, skip = utf8.AppendRune(out, r), n
			}
		}
		if skip == 0 {
			out, skip = append(out, rest[0]), 1
		}
		rest = rest[skip:]
	}
	return out
}

// endOf returns the length of b up to and including the first end after
// its start, or all of b.
func endOf(b []byte, end string) int {
	if i := bytes.Index(b[2:], []byte(end)); i >= 0 {
		return 2 + i + len(end)
	}
	return len(b)
}

// charRef reads the character reference b starts with (&#97; or &#x61;):
// its character and length, or 0 when it is not one.
func charRef(b []byte) (rune, int) {
	end := bytes.IndexByte(b, ';')
	if end < 3 || end > 12 {
		return 0, 0
	}
	digits, base := b[2:end], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || n > utf8.MaxRune {
		return 0, 0
	}
	return rune(n), end + 1
}
