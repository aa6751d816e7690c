package calibrate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/itemlab/itemlab/analysis"

	"github.com/itemlab/itemlab/irt"
)

// Options control Fit. The zero value fits a 2PL by MML to
// the operational items.
type Options struct {
	Model  irt.Model // zero means 2PL
	Method string    // "mml" (default), "cml" or "jml" (Rasch only)
	// All calibrates pretest items together with the operational items
	// (concurrent calibration); excluded items are never calibrated.
	All  bool
	Omit analysis.OmitRule
	// Fixed holds bank parameters by item id: those items are held at them
	// (anchored calibration). Items of the items file with a, b, c columns
	// are fixed too unless NoItemsFileFixed.
	Fixed            map[string]irt.Item
	NoItemsFileFixed bool
	// MML are the options of the marginal ML fit (Model, Start and Fixed
	// are set by Fit). A 3PL fit gets the BILOG-MG prior on c centred
	// on 1/options unless NoGuessPrior.
	MML          irt.MMLOptions
	NoGuessPrior bool
	Scoring      irt.ScoringMethod // persons.csv; zero means EAP
	// Q3Sample caps the candidates used for Yen's Q3 (an N·J² statistic);
	// zero means 50 000, taken systematically (every k-th candidate).
	Q3Sample int
}

// Result is an IRT calibration of a dataset's items.
type Result struct {
	Items   []int  // dataset indices of the calibrated items
	Fixed   []bool // item held at its bank values
	Result  *irt.Result
	Persons []irt.PersonEstimate // by the chosen scoring method, one per candidate
	Raw     []int                // each candidate's number correct on the calibrated items
	Scoring irt.ScoringMethod
	// Item fit: infit/outfit mean squares from WLE abilities (Wright &
	// Masters, 1982), S-X² (Orlando & Thissen, 2000) over the latent
	// distribution, Yen's (1984) Q3 on a sample of candidates.
	ItemFit  []irt.MeanSquareFit
	SX2      []irt.SX2Stat
	Q3       *irt.Q3Result
	Q3N      int
	SumScore []irt.SummedScoreEstimate // summed-score EAP table
	Warnings []error
}

// DegenerateItemsError names items that cannot be calibrated because
// nobody, or everybody, answered them correctly.
type DegenerateItemsError struct {
	AllWrong, AllCorrect []string
}

func (e *DegenerateItemsError) Error() string {
	var parts []string
	if len(e.AllWrong) > 0 {
		parts = append(parts, fmt.Sprintf("nobody answered %s correctly", quoteList(e.AllWrong)))
	}
	if len(e.AllCorrect) > 0 {
		parts = append(parts, fmt.Sprintf("everybody answered %s correctly", quoteList(e.AllCorrect)))
	}
	return "cannot calibrate: " + strings.Join(parts, "; ") + " — set their status to excluded in the items file"
}

func quoteList(ids []string) string {
	q := make([]string, len(ids))
	for k, id := range ids {
		q[k] = fmt.Sprintf("%q", id)
	}
	if len(q) == 1 {
		return "item " + q[0]
	}
	return "items " + strings.Join(q, ", ")
}

// Fit fits the IRT model to the dataset's operational items (and
// pretest items with All), scores the candidates and computes item fit.
// Omits follow opts.Omit; not-reached responses are always missing.
func Fit(ctx context.Context, d *analysis.Dataset, o Options) (*Result, error) {
	if o.Model == 0 {
		o.Model = irt.TwoPL
	}
	if o.Method == "" {
		o.Method = "mml"
	}
	if o.Method != "mml" && o.Model != irt.Rasch {
		return nil, fmt.Errorf("calibrate: method %s fits only the Rasch model (asked for %s)", o.Method, o.Model)
	}
	var idx []int
	for j := range d.Items {
		st := d.Items[j].Status
		if st == analysis.Operational || (o.All && st == analysis.Pretest) {
			idx = append(idx, j)
		}
	}
	if len(idx) == 0 {
		return nil, analysis.ErrNoOperational
	}
	c := &Result{Items: idx, Fixed: make([]bool, len(idx)), Scoring: o.Scoring}
	if c.Scoring == 0 {
		c.Scoring = irt.EAP
	}
	start := make([]irt.Item, len(idx))
	nFixed := 0
	for k, j := range idx {
		it := d.Items[j]
		if p, ok := o.Fixed[it.ID]; ok {
			start[k], c.Fixed[k] = p, true
		} else if it.Fixed != nil && !o.NoItemsFileFixed {
			f := it.Fixed
			m := irt.TwoPL
			if f.HasC && f.C > 0 {
				m = irt.ThreePL
			}
			start[k], c.Fixed[k] = irt.NewItemIRT(m, f.A, f.B, f.C), true
		}
		if c.Fixed[k] {
			nFixed++
		}
	}
	if nFixed > 0 && o.Method != "mml" {
		return nil, fmt.Errorf("calibrate: anchored calibration (fixed items) needs method mml, not %s", o.Method)
	}
	if nFixed == len(idx) {
		return nil, errors.New("calibrate: every item is fixed; nothing to estimate")
	}
	r := d.Responses(idx, o.Omit)
	var err error
	switch o.Method {
	case "mml":
		mo := o.MML
		mo.Model = o.Model
		if nFixed > 0 {
			mo.Start, mo.Fixed = start, c.Fixed
		}
		if o.Model == irt.ThreePL && !o.NoGuessPrior && mo.GuessPrior == nil {
			mo.GuessPrior = irt.DefaultGuessPrior(typicalOptions(d, idx))
		}
		c.Result, err = irt.FitMML(ctx, r, mo)
	case "cml":
		c.Result, err = irt.FitCML(ctx, r, irt.CMLOptions{Workers: o.MML.Workers})
	case "jml":
		var jr *irt.JMLResult
		jr, err = irt.FitJML(ctx, r, irt.JMLOptions{Workers: o.MML.Workers})
		if jr != nil {
			c.Result = jr.Result
		}
	default:
		return nil, fmt.Errorf("calibrate: unknown method %q: want mml, cml or jml", o.Method)
	}
	if err != nil {
		return nil, namedItemsError(d, idx, err)
	}
	for _, w := range c.Result.Warnings {
		c.Warnings = append(c.Warnings, namedWarning(d, idx, w))
	}
	items := c.Result.Items
	prior := c.Result.Latent
	if len(prior.Nodes) == 0 {
		// CML and JML have no latent distribution: use a normal one with
		// the moments of the WLE abilities below.
		prior = irt.Quadrature{}
	}
	sopts := irt.ScoreOptions{Workers: o.MML.Workers}
	if len(prior.Nodes) > 0 {
		sopts.Prior = prior
		sopts.PriorMean, sopts.PriorSD = c.Result.LatentMean, c.Result.LatentSD
	}
	wle, err := irt.ScoreAll(ctx, items, r, irt.WLE, sopts)
	if err != nil {
		return nil, err
	}
	if len(prior.Nodes) == 0 {
		m, s := ThetaMoments(wle)
		prior = irt.NormalQuadrature(61, m-6*s, m+6*s, m, s)
		sopts.Prior, sopts.PriorMean, sopts.PriorSD = prior, m, s
	}
	if c.Scoring == irt.WLE {
		c.Persons = wle
	} else if c.Persons, err = irt.ScoreAll(ctx, items, r, c.Scoring, sopts); err != nil {
		return nil, err
	}
	theta := make([]float64, len(wle))
	for i, p := range wle {
		theta[i] = p.Theta
	}
	c.ItemFit, _ = irt.InfitOutfit(items, r, theta)
	latentParams := 0
	if o.Model == irt.Rasch && o.Method == "mml" {
		latentParams = 1
	}
	c.SX2 = irt.SX2(items, r, prior, irt.SX2Options{LatentParams: latentParams})
	if nFixed > 0 {
		// Bank values were not estimated from these data: no degrees of
		// freedom are lost for them.
		known := irt.SX2(items, r, prior, irt.SX2Options{KnownParams: true, LatentParams: latentParams})
		for k := range c.SX2 {
			if c.Fixed[k] {
				c.SX2[k] = known[k]
			}
		}
	}
	c.Q3, c.Q3N = sampledQ3(items, r, theta, o.Q3Sample)
	c.SumScore = irt.SummedScoreEAP(items, prior)
	c.Raw = make([]int, d.N)
	for i := 0; i < d.N; i++ {
		for _, v := range r.Row(i) {
			if v == 1 {
				c.Raw[i]++
			}
		}
	}
	return c, nil
}

// namedItemsError turns the estimators' errors about items with no finite
// estimate (column indices) into one that names the items.
func namedItemsError(d *analysis.Dataset, idx []int, err error) error {
	var de *irt.DegenerateItemsError
	var ee *irt.ExtremeItemsError
	out := &DegenerateItemsError{}
	switch {
	case errors.As(err, &de):
		for k, j := range de.Items {
			if de.AllCorrect[k] {
				out.AllCorrect = append(out.AllCorrect, d.Items[idx[j]].ID)
			} else {
				out.AllWrong = append(out.AllWrong, d.Items[idx[j]].ID)
			}
		}
	case errors.As(err, &ee):
		for _, j := range ee.AllCorrect {
			out.AllCorrect = append(out.AllCorrect, d.Items[idx[j]].ID)
		}
		for _, j := range ee.AllWrong {
			out.AllWrong = append(out.AllWrong, d.Items[idx[j]].ID)
		}
	default:
		return err
	}
	return out
}

// typicalOptions is the most common number of options among the items
// (for the 3PL guessing prior); 4 for pre-scored data.
func typicalOptions(d *analysis.Dataset, idx []int) int {
	count := map[int]int{}
	best, bestN := 4, 0
	for _, j := range idx {
		k := len(d.Items[j].Options)
		if d.Items[j].Options[0] == "0" && k == 2 {
			k = 4
		}
		count[k]++
		if count[k] > bestN || (count[k] == bestN && k < best) {
			best, bestN = k, count[k]
		}
	}
	return best
}

// ThetaMoments returns the mean and (population) SD of the finite ability
// estimates; 0 and 1 when fewer than two are finite.
func ThetaMoments(ps []irt.PersonEstimate) (mean, sd float64) {
	var n, s, ss float64
	for _, p := range ps {
		if math.IsNaN(p.Theta) || math.IsInf(p.Theta, 0) {
			continue
		}
		n++
		s += p.Theta
		ss += p.Theta * p.Theta
	}
	if n < 2 {
		return 0, 1
	}
	mean = s / n
	sd = math.Sqrt(math.Max(ss/n-mean*mean, 1e-6))
	return mean, sd
}

// sampledQ3 computes Yen's Q3 on at most max candidates, every k-th one.
func sampledQ3(items []irt.Item, r *irt.Responses, theta []float64, limit int) (*irt.Q3Result, int) {
	if limit <= 0 {
		limit = 50_000
	}
	if r.N <= limit {
		return irt.Q3(items, r, theta, 0), r.N
	}
	step := (r.N + limit - 1) / limit
	n := (r.N + step - 1) / step
	sub := irt.NewResponses(n, r.J)
	th := make([]float64, n)
	for k := 0; k < n; k++ {
		copy(sub.Row(k), r.Row(k*step))
		th[k] = theta[k*step]
	}
	return irt.Q3(items, sub, th, 0), n
}

// namedWarning words an estimator's warning for people: an item named by
// its id rather than its column.
func namedWarning(d *analysis.Dataset, idx []int, w error) error {
	var hw *irt.HeywoodWarning
	if errors.As(w, &hw) && hw.Item >= 0 && hw.Item < len(idx) {
		id := d.Items[idx[hw.Item]].ID
		return analysis.NewWarning("heywood", id, fmt.Sprintf("item %q: %s = %.4g: %s", id, hw.Param, hw.Value, hw.Msg), w)
	}
	code := "calibration"
	var ew *irt.ExtremeScoresWarning
	switch {
	case errors.Is(w, irt.ErrNotConverged):
		code = "not_converged"
	case errors.As(w, &hw):
		code = "heywood"
	case errors.As(w, &ew):
		code = "extreme_scores"
	}
	return analysis.NewWarning(code, "", strings.TrimPrefix(w.Error(), "irt: "), w)
}
