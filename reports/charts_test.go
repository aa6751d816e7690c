package reports

import (
	"bytes"
	"encoding/xml"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChartsDump writes the charts of a run (ITEMLAB_RUN, default the
// fixture) to ITEMLAB_CHARTS_OUT for looking at them.
func TestChartsDump(t *testing.T) {
	out := os.Getenv("ITEMLAB_CHARTS_OUT")
	if out == "" {
		t.Skip("set ITEMLAB_CHARTS_OUT (and optionally ITEMLAB_RUN) to write charts to look at")
	}
	dir := os.Getenv("ITEMLAB_RUN")
	if dir == "" {
		dir = filepath.Join("testdata", "run")
	}
	r, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	format := os.Getenv("ITEMLAB_CHARTS_FORMAT")
	files, err := WriteCharts(out, r, format)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d charts", len(files))
}

var _ = bytes.Equal
var _ = xml.NewDecoder
var _ = image.Decode
var _ = png.Decode
var _ = io.EOF
var _ = strings.Cut
