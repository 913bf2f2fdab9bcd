package query

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixedTime is the clock of tests that pin times.
var fixedTime = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// readTestdata returns a file of the root package's testdata, whose
// answers the engine decodes.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
