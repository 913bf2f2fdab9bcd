package query

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxBodySize bounds every response body the client reads. EC2 answers for
// this action are a few hundred bytes; anything near this size is not EC2.
const MaxBodySize = 1 << 20

// SnippetSize bounds the part of an undecodable body kept in a ResponseError.
const SnippetSize = 256

// ErrBodyTooLarge is the decoding failure for a body over MaxBodySize.
var ErrBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", MaxBodySize)

// readBody reads at most MaxBodySize bytes of r. A longer body is an error:
// it is not a response this client can trust to be complete. buf is reused
// when it is large enough.
func readBody(r io.Reader, buf *bytes.Buffer) ([]byte, error) {
	buf.Reset()
	for {
		if buf.Len() > MaxBodySize {
			return buf.Bytes()[:MaxBodySize], ErrBodyTooLarge
		}
		buf.Grow(min(max(512, buf.Len()), MaxBodySize+1-buf.Len()))
		free := buf.AvailableBuffer()
		n, err := r.Read(free[:min(cap(free), MaxBodySize+1-buf.Len())])
		buf.Write(free[:n])
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return buf.Bytes(), err
		}
	}
}

// requestIDFromHeader returns the request ID that AWS puts in a header.
func requestIDFromHeader(h http.Header) string {
	if id := h.Get("X-Amzn-Requestid"); id != "" {
		return id
	}
	return h.Get("X-Amz-Request-Id")
}

// Snippet returns the start of body as valid UTF-8, for error messages.
func Snippet(body []byte) string {
	if len(body) > SnippetSize {
		body = body[:SnippetSize]
		// Do not cut a multi-byte rune in half.
		for i := 0; i < utf8.UTFMax && len(body) > 0 && !utf8.Valid(body); i++ {
			body = body[:len(body)-1]
		}
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}
