package reports

import (
	"github.com/itemlab/itemlab/analysis/projection"
)

// ProjectionTable is projection.csv: one row per scale-score cut of the
// curve,
//
//	cut_score,raw_cut,pass_rate,pass_rate_lo,pass_rate_hi,observed_pass_rate,
//	true_score_pass_rate,accuracy,consistency,kappa,false_pass,false_fail,
//	rudner_accuracy,rudner_consistency
//
// (accuracy and consistency by Lee's 2010 method; the 95 % interval from
// parameter uncertainty). A cut no raw score reaches has raw_cut J+1 and
// pass rate 0.
func ProjectionTable(p *projection.Result) *Table {
	t := &Table{Header: []string{"cut_score", "raw_cut", "pass_rate", "pass_rate_lo", "pass_rate_hi", "observed_pass_rate",
		"true_score_pass_rate", "accuracy", "consistency", "kappa", "false_pass", "false_fail", "rudner_accuracy", "rudner_consistency"}}
	for _, c := range p.Curve {
		t.Rows = append(t.Rows, []string{F(c.Cut), I(c.RawCut), F(c.PassRate), F(c.Lo), F(c.Hi), F(c.ObservedRate),
			F(c.TrueScoreRate), F(c.Lee.Accuracy), F(c.Lee.Consistency), F(c.Lee.Kappa), F(c.Lee.FalsePass), F(c.Lee.FalseFail),
			F(c.Rudner.Accuracy), F(c.Rudner.Consistency)})
	}
	return t
}

// ShiftsTable is projection_shifts.csv: the projected pass rate at the cut
// for populations whose mean moves by shift logits.
func ShiftsTable(p *projection.Result) *Table {
	t := &Table{Header: []string{"mean_shift", "pass_rate", "pass_rate_lo", "pass_rate_hi"}}
	for _, s := range p.Shifts {
		t.Rows = append(t.Rows, []string{F(s.Shift), F(s.PassRate), F(s.Lo), F(s.Hi)})
	}
	return t
}

// ModelScoreTable is score_distribution_model.csv: the model-implied and
// (when known) observed share of candidates at each raw score.
func ModelScoreTable(p *projection.Result) *Table {
	t := &Table{Header: []string{"raw", "model_share", "observed_share"}}
	for x, f := range p.ScoreDist {
		obs := ""
		if p.Observed != nil {
			obs = F(p.Observed[x])
		}
		t.Rows = append(t.Rows, []string{I(x), F(f), obs})
	}
	return t
}

// AccuracyFile is accuracy.json: the projection and classification indices
// at the scale's cut.
type AccuracyFile struct {
	Cut                float64             `json:"cut_score"`
	RawCut             int                 `json:"raw_cut"`
	ProjectedPassRate  float64             `json:"projected_pass_rate"`
	Interval           [2]*float64         `json:"pass_rate_ci95"`
	ObservedPassRate   *float64            `json:"observed_pass_rate"`
	TrueScorePassRate  float64             `json:"true_score_pass_rate"`
	Lee                ClassificationJSON  `json:"lee_2010"`
	Rudner             ClassificationJSON  `json:"rudner"`
	Population         PopulationJSON      `json:"population"`
	Reps               int                 `json:"interval_reps"`
	AlternateForms     []AlternateFormJSON `json:"alternate_forms,omitempty"`
	TrueStatus         string              `json:"true_status"`
	IntervalMethod     string              `json:"interval_method"`
	ModelPassRateNotes string              `json:"notes"`
	CalibrationID      string              `json:"calibration_id,omitempty"` // the calibration whose parameters it used (CalibrationID)
}

// ClassificationJSON holds one method's indices.
type ClassificationJSON struct {
	Accuracy    *float64 `json:"accuracy"`
	Consistency *float64 `json:"consistency"`
	Kappa       *float64 `json:"kappa"`
	FalsePass   *float64 `json:"false_pass"`
	FalseFail   *float64 `json:"false_fail"`
}

// PopulationJSON describes the latent distribution used.
type PopulationJSON struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	N    int     `json:"n,omitempty"`
	Kind string  `json:"kind"`
}

// AlternateFormJSON is the projection for another form.
type AlternateFormJSON struct {
	Params   string      `json:"params"`
	Items    int         `json:"items"`
	RawCut   int         `json:"raw_cut"`
	PassRate float64     `json:"projected_pass_rate"`
	Interval [2]*float64 `json:"pass_rate_ci95"`
	Accuracy float64     `json:"accuracy"`
}

func classificationJSON(c projection.Classification) ClassificationJSON {
	return ClassificationJSON{JSONFloat(c.Accuracy), JSONFloat(c.Consistency), JSONFloat(c.Kappa), JSONFloat(c.FalsePass), JSONFloat(c.FalseFail)}
}

// NewAccuracyFile describes the projection p for population pop.
func NewAccuracyFile(p *projection.Result, pop projection.Population) *AccuracyFile {
	a := p.At
	kind := "normal"
	if pop.Hist != nil {
		kind = "empirical histogram"
	}
	return &AccuracyFile{
		Cut: a.Cut, RawCut: a.RawCut, ProjectedPassRate: a.PassRate, Interval: [2]*float64{JSONFloat(a.Lo), JSONFloat(a.Hi)},
		ObservedPassRate: JSONFloat(a.ObservedRate), TrueScorePassRate: a.TrueScoreRate,
		Lee: classificationJSON(a.Lee), Rudner: classificationJSON(a.Rudner),
		Population: PopulationJSON{Mean: pop.Mean, SD: pop.SD, N: pop.N, Kind: kind}, Reps: p.Reps,
		TrueStatus:         "pass when the true score (expected raw score at θ) is at least the raw cut",
		IntervalMethod:     "95 % percentile interval of a parametric bootstrap over item parameters (normal draws with their standard errors) and, with a sample size, the population mean and SD",
		ModelPassRateNotes: "projected pass rate = Σ_{x ≥ raw cut} f(x), f from the Lord–Wingersky recursion over the latent distribution",
	}
}

// AlternateForm summarises the projection of another form.
func AlternateForm(name string, items int, p *projection.Result) AlternateFormJSON {
	return AlternateFormJSON{Params: name, Items: items, RawCut: p.At.RawCut, PassRate: p.At.PassRate,
		Interval: [2]*float64{JSONFloat(p.At.Lo), JSONFloat(p.At.Hi)}, Accuracy: p.At.Lee.Accuracy}
}
