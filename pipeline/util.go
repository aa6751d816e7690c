package pipeline

import (
	"io"
	"path/filepath"
	"strings"
)

// teeReader copies what is read into a builder (the spec's text).
type teeReader struct {
	r io.Reader
	w *strings.Builder
}

func (t teeReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	t.w.Write(p[:n])
	return n, err
}

func dirOf(file string) string { return filepath.Dir(file) }
