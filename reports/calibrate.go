package reports

import (
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/itemlab/itemlab/analysis/calibrate"
	"github.com/itemlab/itemlab/analysis/projection"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/irt"
)

// CalibrationParamsTable is params.csv of a calibration: one row per
// calibrated item in input order,
//
//	item_id,model,a,b,c,d,se_a,se_b,se_c,infit,outfit,infit_z,outfit_z,sx2,sx2_df,sx2_p,
//	se_d,logit_c,se_logit_c,fixed,displacement,n,domain,status
//
// Parameters are in the logistic metric: slope–intercept (a, d, logit c)
// and IRT (a, b, c), standard errors in both (b and c by the delta method).
// A fixed (anchor) item has no standard errors and, in an anchored
// calibration, its displacement: b_free − b_fixed.
func CalibrationParamsTable(d *analysis.Dataset, c *calibrate.Result) *Table {
	t := &Table{Header: append(append([]string(nil), ParamsColumns...),
		"se_d", "logit_c", "se_logit_c", "fixed", "displacement", "n", "domain", "status")}
	res := c.Result
	for k, j := range c.Items {
		it := res.Items[k]
		se := res.SE[k]
		fit := c.ItemFit[k]
		sx := c.SX2[k]
		disp := math.NaN()
		if res.Displacement != nil {
			disp = res.Displacement[k]
		}
		logitC := math.NaN()
		if it.Model == irt.ThreePL {
			logitC = math.Log(it.C / (1 - it.C))
		}
		seF := func(v float64) string {
			if c.Fixed[k] || v == 0 {
				return ""
			}
			return F(v)
		}
		sxDF := ""
		if !math.IsNaN(sx.X2) {
			sxDF = I(sx.DF)
		}
		info := d.Items[j]
		t.Rows = append(t.Rows, []string{info.ID, it.Model.String(), F(it.A), F(it.B()), F(it.C), F(it.D),
			seF(se.A), seF(se.B), seF(se.C), F(fit.Infit), F(fit.Outfit), F(fit.InfitZ), F(fit.OutfitZ),
			F(sx.X2), sxDF, F(sx.P), seF(se.D), F(logitC), seF(se.LogitC), B(c.Fixed[k]), F(disp),
			count(fit.N), info.Domain, info.Status.String()})
	}
	return t
}

// PersonsTable is persons.csv: examinee_id,raw,theta,se,status, one row per
// candidate in input order, raw being the number correct on the calibrated
// items and θ by the calibration's scoring method.
func PersonsTable(d *analysis.Dataset, c *calibrate.Result) *Table {
	t := &Table{Header: []string{"examinee_id", "raw", "theta", "se", "status"}}
	t.Rows = make([][]string, d.N)
	for i, p := range c.Persons {
		t.Rows[i] = []string{d.Candidates[i].ID, I(c.Raw[i]), F(p.Theta), F(p.SE), p.Status.String()}
	}
	return t
}

// SumScoreTable is sseap.csv: the summed-score EAP table (raw, theta, se,
// model share of candidates).
func SumScoreTable(c *calibrate.Result) *Table {
	t := &Table{Header: []string{"raw", "theta", "se", "model_share"}}
	for _, e := range c.SumScore {
		t.Rows = append(t.Rows, []string{I(e.Score), F(e.Theta), F(e.SE), F(e.Prob)})
	}
	return t
}

// Q3PairsTable is q3_pairs.csv: item pairs whose Yen's Q3 exceeds the mean
// Q3 by more than the threshold (local dependence).
func Q3PairsTable(d *analysis.Dataset, c *calibrate.Result) *Table {
	t := &Table{Header: []string{"item_1", "item_2", "q3", "q3_minus_mean"}}
	if c.Q3 == nil {
		return t
	}
	for _, p := range c.Q3.Pairs {
		t.Rows = append(t.Rows, []string{d.Items[c.Items[p.I]].ID, d.Items[c.Items[p.J]].ID, F(p.Q3), F(p.Q3 - c.Q3.Mean)})
	}
	return t
}

// FitFile is fit.json.
type FitFile struct {
	Model         string   `json:"model"`
	Method        string   `json:"method"`
	LogLik        float64  `json:"loglik"`
	AIC           *float64 `json:"aic"`
	BIC           *float64 `json:"bic"`
	NumParams     int      `json:"num_params"`
	N             float64  `json:"n"`
	Items         int      `json:"items"`
	FixedItems    int      `json:"fixed_items"`
	Iterations    int      `json:"iterations"`
	Converged     bool     `json:"converged"`
	MaxChange     *float64 `json:"max_change"`
	LatentMean    float64  `json:"latent_mean"`
	LatentSD      float64  `json:"latent_sd"`
	LatentMeanSE  *float64 `json:"latent_mean_se"`
	LatentVarSE   *float64 `json:"latent_var_se"`
	PriorUpdate   string   `json:"prior_update"`
	Scoring       string   `json:"scoring"`
	Q3            Q3JSON   `json:"q3"`
	SX2Flagged    []string `json:"sx2_p_below_0_01"`
	Warnings      []string `json:"warnings"`
	CalibrationID string   `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
}

// Q3JSON summarises local dependence.
type Q3JSON struct {
	Candidates int      `json:"candidates"`
	Mean       *float64 `json:"mean"`
	Max        *float64 `json:"max"`
	MaxAbs     *float64 `json:"max_abs"`
	QStar      *float64 `json:"q3_star"`
	Threshold  float64  `json:"threshold"`
	Pairs      int      `json:"flagged_pairs"`
}

// NewFitFile summarises a calibration for fit.json.
func NewFitFile(d *analysis.Dataset, c *calibrate.Result) *FitFile {
	r := c.Result
	f := &FitFile{Model: r.Model.String(), Method: r.Method, LogLik: r.LogLik, AIC: JSONFloat(r.AIC), BIC: JSONFloat(r.BIC),
		NumParams: r.NumParams, N: r.N, Items: len(c.Items), Iterations: r.Iterations, Converged: r.Converged,
		MaxChange: JSONFloat(r.MaxChange), LatentMean: r.LatentMean, LatentSD: r.LatentSD,
		PriorUpdate: r.PriorUpdate, Scoring: c.Scoring.String(), Warnings: Messages(c.Warnings), SX2Flagged: []string{}}
	if r.LatentMeanSE != 0 {
		f.LatentMeanSE = JSONFloat(r.LatentMeanSE)
	}
	if r.LatentVarSE != 0 {
		f.LatentVarSE = JSONFloat(r.LatentVarSE)
	}
	if f.Warnings == nil {
		f.Warnings = []string{}
	}
	for k, fx := range c.Fixed {
		if fx {
			f.FixedItems++
		}
		if p := c.SX2[k].P; !math.IsNaN(p) && p < 0.01 {
			f.SX2Flagged = append(f.SX2Flagged, d.Items[c.Items[k]].ID)
		}
	}
	if q := c.Q3; q != nil {
		f.Q3 = Q3JSON{Candidates: c.Q3N, Mean: JSONFloat(q.Mean), Max: JSONFloat(q.Max), MaxAbs: JSONFloat(q.MaxAbs),
			QStar: JSONFloat(q.QStar), Threshold: q.Threshold, Pairs: len(q.Pairs)}
	}
	return f
}

// count formats a (possibly weighted) count: an integer when it is one.
func count(n float64) string {
	if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
		return I(int(n))
	}
	return F(n)
}

// ReadFitPopulation reads the latent distribution — mean, SD and the number
// of candidates — from a fit.json that NewFitFile's writer produced.
func ReadFitPopulation(name string, r io.Reader) (projection.Population, error) {
	var v struct {
		Mean *float64 `json:"latent_mean"`
		SD   *float64 `json:"latent_sd"`
		N    float64  `json:"n"`
	}
	data, err := io.ReadAll(r)
	if err == nil {
		err = json.Unmarshal(data, &v)
	}
	if err != nil || v.Mean == nil || v.SD == nil {
		return projection.Population{}, fmt.Errorf("%s: want a fit.json with latent_mean and latent_sd", name)
	}
	return projection.Population{Mean: *v.Mean, SD: *v.SD, N: int(v.N)}, nil
}
