package reports

import (
	"os"
	"testing"
)

// TestWriteReviewFolder writes the review page of the run folder named by
// ITEMLAB_REVIEW_RUN to ITEMLAB_REVIEW_OUT (default review.html in that
// folder): a way to look at the page of any run while developing it.
func TestWriteReviewFolder(t *testing.T) {
	dir := os.Getenv("ITEMLAB_REVIEW_RUN")
	if dir == "" {
		t.Skip("set ITEMLAB_REVIEW_RUN to a run folder to write its review page")
	}
	out := os.Getenv("ITEMLAB_REVIEW_OUT")
	if out == "" {
		out = dir + "/review.html"
	}
	run, err := ReadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteReviewFile(out, run, ReviewOptions{}); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(out)
	t.Logf("wrote %s (%d bytes)", out, st.Size())
}
