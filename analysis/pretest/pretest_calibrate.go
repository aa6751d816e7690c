package pretest

import (
	"context"
	"fmt"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/calibrate"

	"github.com/itemlab/itemlab/irt"
)

// Calibrate puts the pretest items on the operational scale: every
// operational item is held at its bank parameters (bank, e.g. the params.csv
// of the operational calibration) while the pretest items are estimated and
// the latent mean and SD re-estimated each EM cycle — fixed-parameter
// calibration with multiple weights updating and multiple EM cycles (Kim,
// 2006), so a promoted item's parameters can go straight into the bank.
// o.Model (default 3PL) is the free items' model; o.All, o.Fixed and
// o.Scoring (WLE: the result's Persons are the WLE abilities) are set here. It returns the calibration and the evidence of each pretest item by
// dataset index.
//
// Reference: Kim, S. (2006). A comparative study of IRT fixed parameter
// calibration methods. Journal of Educational Measurement, 43(4), 355–381.
func Calibrate(ctx context.Context, d *analysis.Dataset, bank []analysis.ItemParams, o calibrate.Options) (*calibrate.Result, map[int]Calibration, error) {
	if len(d.ItemsWithStatus(analysis.Pretest)) == 0 {
		return nil, nil, fmt.Errorf("pretest: the items file lists no pretest items")
	}
	by := analysis.ParamsByID(bank)
	o.Fixed = map[string]irt.Item{}
	for _, j := range d.ItemsWithStatus(analysis.Operational) {
		p, ok := by[d.Items[j].ID]
		if !ok {
			return nil, nil, fmt.Errorf("pretest: operational item %q has no bank parameters", d.Items[j].ID)
		}
		o.Fixed[p.ItemID] = p.Item
	}
	if o.Model == 0 {
		o.Model = irt.ThreePL
	}
	o.All = true
	o.Method = "mml"
	o.NoItemsFileFixed = true
	// The review needs the WLE abilities (for infit and outfit) and no
	// person scores: scoring by WLE saves Fit a second pass over every
	// candidate for EAP scores nobody reads.
	o.Scoring = irt.WLE
	cal, err := calibrate.Fit(ctx, d, o)
	if err != nil {
		return nil, nil, err
	}
	ev := map[int]Calibration{}
	for k, j := range cal.Items {
		if cal.Fixed[k] {
			continue
		}
		ev[j] = Calibration{Item: cal.Result.Items[k], SE: cal.Result.SE[k],
			Infit: cal.ItemFit[k].Infit, Outfit: cal.ItemFit[k].Outfit, SX2P: cal.SX2[k].P}
	}
	return cal, ev, nil
}
