package enidetach

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxBodySize bounds every response body the client reads. EC2 answers for
// this action are a few hundred bytes; anything near this size is not EC2.
const maxBodySize = 1 << 20

// snippetSize bounds the part of an undecodable body kept in a ResponseError.
const snippetSize = 256

// errBodyTooLarge is the decoding failure for a body over maxBodySize.
var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", maxBodySize)

// readBody reads at most maxBodySize bytes of r. A longer body is an error:
// it is not a response this client can trust to be complete. buf is reused
// when it is large enough.
func readBody(r io.Reader, buf *bytes.Buffer) ([]byte, error) {
	buf.Reset()
	for {
		if buf.Len() > maxBodySize {
			return buf.Bytes()[:maxBodySize], errBodyTooLarge
		}
		buf.Grow(min(max(512, buf.Len()), maxBodySize+1-buf.Len()))
		free := buf.AvailableBuffer()
		n, err := r.Read(free[:min(cap(free), maxBodySize+1-buf.Len())])
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

// snippet returns the start of body as valid UTF-8, for error messages.
func snippet(body []byte) string {
	if len(body) > snippetSize {
		body = body[:snippetSize]
		// Do not cut a multi-byte rune in half.
		for i := 0; i < utf8.UTFMax && len(body) > 0 && !utf8.Valid(body); i++ {
			body = body[:len(body)-1]
		}
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}
