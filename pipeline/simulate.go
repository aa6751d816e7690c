package pipeline

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path"

	"github.com/itemlab/itemlab/analysis/simulate"
	"github.com/itemlab/itemlab/reports"
)

// Simulate is the simulate stage: a simulated administration (with known
// truth) written under prefix — responses.csv, items.csv, truth.csv and
// truth_persons.csv per form (the second form in form2/) and
// simulation.json. The same seed gives the same files.
func Simulate(ctx context.Context, out *Output, prefix string, seed uint64, o simulate.Options) (*simulate.Simulation, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out.SetSeed(seed)
	sim, err := simulate.Simulate(rand.New(rand.NewPCG(seed, 0x1fe1ab)), o)
	if err != nil {
		return nil, asInput(err)
	}
	o = sim.Options
	for f, form := range sim.Forms {
		dir := prefix
		if f > 0 {
			dir = path.Join(prefix, fmt.Sprintf("form%d", f+1))
		}
		if err := out.Write(path.Join(dir, reports.FileResponses), func(w io.Writer) error {
			return reports.WriteResponses(w, form.Data)
		}); err != nil {
			return nil, err
		}
		for _, t := range []struct {
			name string
			tab  *reports.Table
		}{
			{reports.FileItems, reports.ItemsTable(form.Data)},
			{reports.FileTruth, reports.TruthItemsTable(form.Items)},
			{reports.FileTruthPersons, reports.TruthPersonsTable(form.Persons)},
		} {
			if err := out.Table(path.Join(dir, t.name), t.tab); err != nil {
				return nil, err
			}
		}
	}
	return sim, out.JSON(path.Join(prefix, reports.FileSimulation), map[string]any{
		"seed": seed, "cut_theta": sim.CutTheta, "examinees": o.Examinees,
		"operational": o.Operational, "pretest": o.Pretest, "options": o.Options,
		"forms": o.Forms, "anchors": o.Anchors, "form2_mean": o.FormShift,
		"pass_rate": o.PassRate, "omit_rate": o.OmitRate, "focal_share": o.FocalShare,
		"domains": o.Domains, "flaws": !o.NoFlaws,
	})
}
