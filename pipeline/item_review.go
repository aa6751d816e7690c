package pipeline

import (
	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/classical"
	"github.com/itemlab/itemlab/analysis/review"
	"github.com/itemlab/itemlab/reports"
)

// ItemReview writes item_review.csv under prefix (the analyze folder): the
// decision — keep, review or check_key — of every operational item of d
// (analysis/review.Decide). The evidence is the classical analysis cl, the
// item fit of cal when the form was calibrated (nil: none) and the DIF
// categories of dif (nil: no DIF study). `itemlab analyze` calls it with
// the classical analysis alone; `itemlab run` after its dif stage, so the
// run's decisions weigh misfit and DIF too.
func ItemReview(out *Output, prefix string, d *analysis.Dataset, cl *classical.Result, th classical.Thresholds, cal *calibrate.Result, dif *reports.DIFFile) ([]review.Item, error) {
	rules := review.FromThresholds(th)
	fit := map[int]int{}
	if cal != nil {
		for k, j := range cal.Items {
			fit[j] = k
		}
	}
	difOf := map[string]int{}
	if dif != nil {
		for k, r := range dif.Results {
			difOf[r.ItemID] = k
		}
	}
	var items []review.Item
	var status []string
	for k := range cl.Items {
		st := &cl.Items[k]
		if st.Item.Status != analysis.Operational {
			continue
		}
		ev := review.NoIRT(st, d.PreScored)
		if k, ok := fit[st.Index]; ok {
			if k < len(cal.SX2) {
				ev.SX2P = cal.SX2[k].P
			}
			if k < len(cal.ItemFit) {
				ev.Infit, ev.Outfit = cal.ItemFit[k].Infit, cal.ItemFit[k].Outfit
			}
		}
		if k, ok := difOf[st.Item.ID]; ok {
			r := dif.Results[k]
			ev.DIFCategory, ev.DIFFavours, ev.DIFD = string(r.Category), r.Favours, r.DDIF
		}
		items = append(items, review.Decide(st.Item.ID, ev, rules))
		status = append(status, st.Item.Status.String())
	}
	return items, out.Table(at(prefix, reports.FileItemReview), reports.ItemReviewTable(items, status))
}
