package query

import (
	"bytes"
	"errors"
	"testing"
)

// TestBodyLimit checks that no more than 1 MiB of a body is read.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	src := &countingReader{n: 50 << 20}
	_, err := readBody(src, &buf)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	if src.read > MaxBodySize+1+32*1024 {
		t.Errorf("read %d bytes of a 50 MB body, want at most about 1 MiB", src.read)
	}
	if buf.Cap() > 4*MaxBodySize {
		t.Errorf("buffer grew to %d bytes", buf.Cap())
	}
}

// countingReader yields n bytes of 'x' and counts what was read.
type countingReader struct{ n, read int }

func (r *countingReader) Read(p []byte) (int, error) {
	if r.read >= r.n {
		return 0, errors.New("EOF not expected: the reader should have stopped")
	}
	k := min(len(p), r.n-r.read)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.read += k
	return k, nil
}
