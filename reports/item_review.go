package reports

import (
	"github.com/itemlab/itemlab/analysis/review"
)

// FileItemReview is the operational item review the analyze stage writes
// (analyze/item_review.csv): one decision per operational item.
const FileItemReview = "item_review.csv"

// ItemReviewColumns are the columns of item_review.csv.
var ItemReviewColumns = []string{"item_id", "status", "decision", "reasons", "notes"}

// ItemReviewTable is item_review.csv: per operational item its status, the
// decision (keep, review, check_key), the reason codes (;-joined, worst
// first, each once) and the notes, one sentence per reason naming its rule
// and threshold, each prefixed by its severity and joined by " | " as in
// pretest.csv.
func ItemReviewTable(items []review.Item, status []string) *Table {
	t := &Table{Header: append([]string(nil), ItemReviewColumns...)}
	for i, it := range items {
		st := ""
		if i < len(status) {
			st = status[i]
		}
		t.Rows = append(t.Rows, []string{it.ItemID, st, string(it.Decision), it.Codes(), it.Notes()})
	}
	return t
}
