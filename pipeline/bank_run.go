package pipeline

import (
	"errors"
	"io"
	"math"
	"path/filepath"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/internal/spec"
	"github.com/itemlab/itemlab/irt"
	"github.com/itemlab/itemlab/reports"
)

// RunBankOptions are the bank options of Run: the --bank flag (the spec's
// bank: section does the same; not both) and what the recording needs.
type RunBankOptions struct {
	Target string // --bank: a bank file or postgres:// URL; "" means the spec's, if any
	Form   string // the form's name in the bank; "" means the spec's exam name
	By     string // who records, for the audit; "" means the OS user
	Date   string // the administration's date, YYYY-MM-DD; "" means the run's
}

// The files of a bank run's bank/ folder.
const (
	bankDir          = "bank"
	fileBankRun      = "bank.json"         // how the run relates to the bank (BankRunFile)
	fileBankItems    = "items.csv"         // the form's items with their metadata, as an items file
	fileCommonParams = "common_params.csv" // the bank parameters of the form's common items
	fileCommonCov    = "common_params_cov.csv"
	fileBankScale    = reports.FileBankScale // the bank scale, as stored
)

// Modes of a bank run.
const (
	bankDefine = "define" // the bank has no scale: this run defines it
	bankLink   = "link"   // linked to the bank parameters of its common items
	bankFixed  = "fixed"  // common items held at their bank values
)

// BankRunFile is bank/bank.json of a run folder: what the recording of the
// run (itemlab bank add-run) needs beyond the stage tables.
type BankRunFile struct {
	Bank       string   `json:"bank"`
	Mode       string   `json:"mode"` // define, link or fixed
	Method     string   `json:"method,omitempty"`
	Exam       string   `json:"exam"`
	LatentMean float64  `json:"latent_mean"` // on the bank scale
	LatentSD   float64  `json:"latent_sd"`
	LinkA      *float64 `json:"link_A,omitempty"`
	LinkB      *float64 `json:"link_B,omitempty"`
	Common     []string `json:"common_items"` // operational items with bank parameters
}

// setRunBank puts the --bank flag into the spec.
func setRunBank(sf *SpecFile, o RunBankOptions) error {
	if o.Target == "" {
		return nil
	}
	s := sf.Spec
	switch {
	case s.Bank != nil:
		return Inputf("--bank %s and the spec's bank: (%s) are both given: use one", o.Target, s.Bank.Path)
	case s.BaseForm != nil:
		return Inputf("--bank %s and the spec's base_form: are both given: a form links to the item bank or to a base form, not both", o.Target)
	}
	target := o.Target
	if !bank.IsURL(target) {
		if a, err := filepath.Abs(target); err == nil {
			target = a
		}
	}
	s.Bank = &spec.Bank{Path: target, Link: "stocking-lord"}
	return nil
}

// runBank is what a run takes from the bank, read once after ingest.
type runBank struct {
	file       BankRunFile
	common     []analysis.ItemParams
	cov        *analysis.ParamCov
	fixedParam string // staged common_params.csv, for link: fixed
	// planned is the planned form (itemlab assemble) whose operational
	// items are this form's, or nil: its pre-equated conversion is compared
	// with this administration's.
	planned *bank.Form
}

// fixedFile is the params.csv the calibration holds fixed, or "".
func (bk *runBank) fixedFile() string {
	if bk == nil {
		return ""
	}
	return bk.fixedParam
}

// openBank is the bank stage of a run with a bank: it reads the bank's
// scale and the bank parameters of the form's operational items, and
// decides how the form goes onto the bank scale. Nil without a bank.
func (r *runner) openBank(d *analysis.Dataset) (*runBank, error) {
	if r.s.Bank == nil {
		return nil, nil
	}
	var bk *runBank
	err := r.stage("bank", func() (err error) { bk, err = r.readBank(d); return })
	return bk, err
}

func (r *runner) readBank(d *analysis.Dataset) (*runBank, error) {
	s, out := r.s, r.out
	target := s.BankPath()
	var ids []string
	for _, j := range d.ItemsWithStatus(analysis.Operational) {
		ids = append(ids, d.Items[j].ID)
	}
	var scaleJSON []byte
	var items []bank.ItemSummary
	var covs [][]bank.Cov
	var where string
	var planned *bank.Form
	history := &reports.Table{Header: reports.HistoryColumns}
	err := withBank(r.ctx, BankSettings{Target: target}, func(b *bank.Bank) (err error) {
		where = b.Target()
		if scaleJSON, err = b.Scale(r.ctx); err != nil {
			return err
		}
		if items, err = b.List(r.ctx, bank.ListFilter{IDs: ids, Status: []bank.Status{bank.Operational}}); err != nil {
			return err
		}
		forms, err := b.Forms(r.ctx)
		if err != nil {
			return err
		}
		planned = plannedFormOf(forms, ids)
		for _, j := range append(d.ItemsWithStatus(analysis.Operational), d.ItemsWithStatus(analysis.Pretest)...) {
			hs, err := b.History(r.ctx, d.Items[j].ID)
			if err != nil && !errors.Is(err, bank.ErrNotFound) {
				return err
			}
			for _, h := range hs {
				history.Rows = append(history.Rows, historyRow(d.Items[j].ID, h))
			}
		}
		for _, it := range items {
			var c []bank.Cov
			if it.Params != nil {
				rec, err := b.Show(r.ctx, it.ID)
				if err != nil {
					return err
				}
				c = rec.Params.Cov
			}
			covs = append(covs, c)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	bk := &runBank{file: BankRunFile{Bank: where, Exam: s.Exam, Common: []string{}}, planned: planned}
	var cids []string
	var ccov [][]bank.Cov
	for k, it := range items {
		if it.Params == nil {
			continue
		}
		if p, ok := fromBankParams(it.ID, it.Params.Params); ok {
			bk.common = append(bk.common, p)
			cids = append(cids, it.ID)
			ccov = append(ccov, covs[k])
		}
	}
	bk.file.Common = append(bk.file.Common, cids...)
	bk.cov = blockCov(cids, ccov)
	if err := out.Table(r.at(bankDir+"/"+fileBankItems), reports.ItemsTable(d)); err != nil {
		return nil, err
	}
	if err := out.Table(r.at(bankDir+"/"+reports.FileHistory), history); err != nil {
		return nil, err
	}
	cutGiven := s.Scale.CutTheta != nil || s.Scale.CutRaw != nil || s.Scale.Base != ""
	if scaleJSON == nil {
		if !cutGiven {
			return nil, Inputf("the bank %s has no scale yet, so this run defines it: give scale.cut_theta, scale.cut_raw or scale.base in the spec (or import one with `itemlab bank import --scale`)", where)
		}
		bk.file.Mode = bankDefine
		return bk, nil
	}
	if cutGiven {
		return nil, Inputf("the bank %s has its scale already (fixed on the base form): remove scale.cut_theta, scale.cut_raw and scale.base from the spec", where)
	}
	if len(bk.common) < irt.MinLinkItems {
		return nil, Inputf("the form has %d operational items with bank parameters in %s (common items); linking it to the bank needs at least %d", len(bk.common), where, irt.MinLinkItems)
	}
	scaleFile := r.at(bankDir + "/" + fileBankScale)
	if err := out.Write(scaleFile, func(w io.Writer) error { _, err := w.Write(scaleJSON); return err }); err != nil {
		return nil, err
	}
	s.Scale.Base = filepath.Join(out.Staging(), filepath.FromSlash(scaleFile))
	common := r.at(bankDir + "/" + fileCommonParams)
	if err := out.Table(common, reports.ParamsFileTable(bk.common)); err != nil {
		return nil, err
	}
	if bk.cov != nil {
		if err := out.Table(r.at(bankDir+"/"+fileCommonCov), reports.ParamCovTable(bk.cov)); err != nil {
			return nil, err
		}
	}
	bk.file.Mode, bk.file.Method = bankLink, s.Bank.Link
	if s.Bank.Link == bankFixed {
		bk.file.Mode, bk.file.Method = bankFixed, ""
		bk.fixedParam = filepath.Join(out.Staging(), filepath.FromSlash(common))
	}
	return bk, nil
}

// bankLink puts the form's parameters and population on the bank scale
// (Link, with the drift screen, in link mode; already there when the
// common items were held fixed or the run defines the scale) and writes
// bank/bank.json.
func (r *runner) bankLink(bk *runBank, params *[]analysis.ItemParams, cov *analysis.ParamCov, calID string, pop *projection.Population) error {
	if bk == nil {
		return nil
	}
	return r.stage("link", func() error {
		if bk.file.Mode == bankLink {
			link, err := Link(r.ctx, r.out, r.at(bankDir), FormParams{Params: bk.common, Cov: bk.cov, ID: "bank"},
				FormParams{Params: *params, Cov: cov, ID: calID}, LinkSettings{Method: bk.file.Method})
			if err != nil {
				return err
			}
			*params = link.Transformed
			a, b := link.Constants.A, link.Constants.B
			pop.Mean = a*pop.Mean + b
			pop.SD *= a
			bk.file.LinkA, bk.file.LinkB = &a, &b
			r.sum.LinkA, r.sum.LinkB = &a, &b
		}
		bk.file.LatentMean, bk.file.LatentSD = pop.Mean, pop.SD
		return r.out.JSON(r.at(bankDir+"/"+fileBankRun), bk.file)
	})
}

// plannedFormOf is the last planned form whose items are exactly the
// operational items ids (in any order), or nil.
func plannedFormOf(forms []bank.Form, ids []string) *bank.Form {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var found *bank.Form
	for k := range forms {
		f := &forms[k]
		if len(f.Items) != len(want) {
			continue
		}
		all := true
		for _, id := range f.Items {
			all = all && want[id]
		}
		if all {
			found = f
		}
	}
	return found
}

// filePrePost is the comparison of the planned form's pre-equated
// conversion with the administration's (bank/pre_post.csv).
const filePrePost = reports.FilePrePost

// comparePlanned writes bank/pre_post.csv when the form was assembled and
// pre-equated from the bank, and returns the comparison (nil otherwise).
func (r *runner) comparePlanned(bk *runBank, conv *scale.Conversion, f *Form) (*Comparison, error) {
	if bk == nil || bk.planned == nil || conv == nil {
		return nil, nil
	}
	c, err := ComparePreEquating(bk.planned, conv, f.RawScores())
	if err != nil {
		r.out.Warn(analysis.NewWarning("pre_post", "", "the planned form "+bk.planned.Name+" could not be compared with this administration: "+err.Error(), err))
		return nil, nil
	}
	r.out.Log.Logf("planned form %s: raw cut %d pre-equated, %d after the administration; %d candidates' pass/fail differ", bk.planned.Name, c.PreRawCut, c.PostRawCut, c.Differ)
	return c, r.out.Table(r.at(bankDir+"/"+filePrePost), reports.PrePostTable(c.Rows))
}

// historyRow is one earlier administration of an item, as history.csv has it.
func historyRow(id string, h bank.HistoryEntry) []string {
	f := func(x float64) string {
		if x == bank.None || math.IsNaN(x) {
			return ""
		}
		return reports.F(x)
	}
	p, st := h.Params, h.Stats
	if p.Model == "" {
		p = bank.NoParams()
	}
	return []string{id, h.Form, h.Date, string(h.Role), reports.I(st.N), f(st.P), f(st.RPBisCorrected), p.Model, f(p.A), f(p.B), f(p.C), f(p.SEB), string(h.Decision)}
}
