package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/reports"
)

// runIDExcluded are the options that change where and how a run's results
// are shown, not what they are; they are not part of its identity.
var runIDExcluded = map[string]bool{"out": true, "force": true, "quiet": true, "json": true, "by": true, "bank": true, "help": true}

// RunID is a run's identity, as the item bank records it: the SHA-256 (hex)
// of the canonical JSON (encoding/json, map keys sorted) of
//
//	{"tool", "version", "command", "inputs": [SHA-256 of every input, in the order read],
//	 "options": {every option but out, force, quiet, json, by, bank, help}, "seed", "spec": the spec's text}
//
// — the manifest without times, paths, outputs, warnings or platform. The
// same inputs, options and itemlab give the same id, wherever the files lie
// and the run folder goes.
func RunID(m *reports.Manifest) string {
	opts := map[string]string{}
	for k, v := range m.Options {
		if !runIDExcluded[k] {
			opts[k] = v
		}
	}
	ins := make([]string, len(m.Inputs))
	for k, in := range m.Inputs {
		ins[k] = in.SHA256
	}
	v := struct {
		Tool    string            `json:"tool"`
		Version string            `json:"version"`
		Command string            `json:"command"`
		Inputs  []string          `json:"inputs"`
		Options map[string]string `json:"options"`
		Seed    *uint64           `json:"seed"`
		Spec    string            `json:"spec"`
	}{m.Tool, m.Version, m.Command, ins, opts, m.Seed, m.Spec}
	b, _ := json.Marshal(v)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// AddRunSettings adjust BankAddRun.
type AddRunSettings struct {
	Form string // the form's name; "" means the run's exam name
	Date string // YYYY-MM-DD; "" means the day the run started
}

// AddRunResult says what was recorded.
type AddRunResult struct {
	RunID string `json:"run_id"`
	Form  string `json:"form"`
	Items int    `json:"items"`
	Event int64  `json:"event"`
	Mode  string `json:"mode"`
}

// recordRun records a committed run folder in the spec's bank, right after
// Run committed it; a failure says how to record it later.
func recordRun(ctx context.Context, target, dir string, o RunBankOptions) (*AddRunResult, error) {
	res, err := BankAddRun(ctx, BankSettings{Target: target, By: o.By, Command: "itemlab run"}, dir, AddRunSettings{Form: o.Form, Date: o.Date})
	if err == nil {
		return res, nil
	}
	if errors.Is(err, bank.ErrRunRecorded) {
		return nil, BankError(target, fmt.Errorf("the run folder %s is written, but not recorded again: %w", dir, err))
	}
	return nil, fmt.Errorf("the run folder %s is written, but recording it in the bank failed (record it later with `itemlab bank add-run --bank %s %s`): %w", dir, target, dir, BankError(target, err))
}

// BankAddRun records a finished run folder in the bank, in one
// transaction: the form, date, candidates, latent mean and SD on the bank
// scale, every item's classical statistics and parameters with SEs and
// covariances on the bank scale, the pretest items' anchored parameters
// and decisions with reasons, the run's manifest and id (RunID). A run
// that defined the scale (the bank's first form) stores its scale.json and
// makes its parameters the items' bank parameters; later runs' linked
// parameters become bank parameters only of operational items that have
// none yet. `itemlab run --bank` calls it right after the run folder is
// committed.
func BankAddRun(ctx context.Context, bs BankSettings, dir string, s AddRunSettings) (*AddRunResult, error) {
	mbytes, err := os.ReadFile(filepath.Join(dir, reports.FileManifest))
	if err != nil {
		return nil, Inputf("%s: not a finished run folder (no %s)", dir, reports.FileManifest)
	}
	var m reports.Manifest
	if err := json.Unmarshal(mbytes, &m); err != nil {
		return nil, Inputf("%s: %v", filepath.Join(dir, reports.FileManifest), err)
	}
	runID := m.RunID
	if runID == "" {
		runID = RunID(&m)
	}
	var bf BankRunFile
	hasBank := readJSON(filepath.Join(dir, bankDir, fileBankRun), &bf) == nil
	if !hasBank {
		// A run without --bank: it recorded its own scale and parameters.
		bf.Mode = bankDefine
		var summary struct {
			Exam string `json:"exam"`
		}
		readJSON(filepath.Join(dir, "analyze", reports.FileSummary), &summary)
		bf.Exam = summary.Exam
		pop, err := LoadFitPopulation(&Output{Log: Discard}, "fit", filepath.Join(dir, "calibrate", reports.FileFit))
		if err != nil {
			return nil, err
		}
		bf.LatentMean, bf.LatentSD = pop.Mean, pop.SD
	}
	a := &bank.Administration{RunID: runID, Form: s.Form, Date: s.Date, LatentMean: bf.LatentMean, LatentSD: bf.LatentSD, Manifest: mbytes}
	if a.Form == "" {
		a.Form = bf.Exam
	}
	if a.Form == "" {
		a.Form = filepath.Base(filepath.Clean(dir))
	}
	if a.Date == "" && len(m.Started) >= 10 {
		a.Date = m.Started[:10]
	}
	paramsDir := "calibrate"
	if bf.Mode == bankLink {
		paramsDir = bankDir
	}
	if err := readAdminItems(dir, paramsDir, bf, a); err != nil {
		return nil, err
	}
	var scaleJSON []byte
	if bf.Mode == bankDefine {
		scaleJSON, _ = os.ReadFile(filepath.Join(dir, "scale", reports.FileScale))
	}
	res := &AddRunResult{RunID: runID, Form: a.Form, Items: len(a.Items), Mode: bf.Mode}
	err = withBank(ctx, bs, func(b *bank.Bank) error {
		if !hasBank {
			old, err := b.Scale(ctx)
			if err != nil {
				return err
			}
			if old != nil && !bytes.Equal(old, scaleJSON) {
				return Inputf("%s was not linked to the bank, which has its scale already: run it again with --bank %s", dir, bs.Target)
			}
		}
		var err error
		res.Event, err = b.AddAdministration(ctx, a, bank.AddOptions{BaseParams: true, Scale: scaleJSON})
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// csvRows reads a CSV table into rows keyed by column name, indexed by
// item_id; a missing file is nil unless required.
func csvRows(file string, required bool) (map[string]map[string]string, []string, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) && !required {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, Inputf("%s: not a finished run folder: %v", filepath.Dir(filepath.Dir(file)), err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, nil, Inputf("%s: %v", file, err)
	}
	rows := map[string]map[string]string{}
	var order []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, Inputf("%s: %v", file, err)
		}
		row := map[string]string{}
		for k, h := range header {
			if k < len(rec) {
				row[h] = rec[k]
			}
		}
		id := row["item_id"]
		if _, dup := rows[id]; !dup {
			order = append(order, id)
		}
		rows[id] = row
	}
	return rows, order, nil
}

// num reads a number cell; empty or unreadable is bank.None.
func num(row map[string]string, col string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(row[col]), 64)
	if err != nil {
		return bank.None
	}
	return v
}

// readAdminItems fills a's items from the run folder's tables.
func readAdminItems(dir, paramsDir string, bf BankRunFile, a *bank.Administration) error {
	stats, order, err := csvRows(filepath.Join(dir, "analyze", reports.FileItemStats), true)
	if err != nil {
		return err
	}
	params, _, err := csvRows(filepath.Join(dir, paramsDir, reports.FileParams), false)
	if err != nil {
		return err
	}
	fit := params // the fit statistics are the form's own calibration's, whatever the scale
	if paramsDir != "calibrate" {
		if fit, _, err = csvRows(filepath.Join(dir, "calibrate", reports.FileParams), false); err != nil {
			return err
		}
	}
	anchored, _, err := csvRows(filepath.Join(dir, "pretest", reports.FileAnchoredParams), false)
	if err != nil {
		return err
	}
	decisions, _, err := csvRows(filepath.Join(dir, "pretest", reports.FilePretest), false)
	if err != nil {
		return err
	}
	var cov *analysis.ParamCov
	if covFile := filepath.Join(dir, paramsDir, reports.FileParamCov); fileExists(covFile) {
		in, err := openInput("params_cov", covFile)
		if err != nil {
			return err
		}
		cov, err = reports.ReadParamCov(ingest.Source{Name: covFile, R: in})
		in.record()
		if err != nil {
			return asInput(err)
		}
	}
	infos := map[string]*analysis.ItemInfo{}
	if itemsFile := filepath.Join(dir, bankDir, fileBankItems); fileExists(itemsFile) {
		in, err := openInput("items", itemsFile)
		if err != nil {
			return err
		}
		list, err := ingest.ReadItems(ingest.Source{Name: itemsFile, R: in}, ingest.ItemsOptions{})
		in.record()
		if err != nil {
			return asInput(err)
		}
		for k := range list {
			infos[list[k].ID] = &list[k]
		}
	}
	common := map[string]bool{}
	for _, id := range bf.Common {
		common[id] = true
	}
	candidates := 0
	for _, id := range order {
		st := stats[id]
		status := st["status"]
		if status != "operational" && status != "pretest" {
			continue // excluded items are kept out of the record
		}
		n, _ := strconv.Atoi(st["n"])
		if n > candidates {
			candidates = n
		}
		ai := bank.AdminItem{ItemID: id, Role: bank.RoleOperational,
			Stats: bank.Classical{N: n, P: num(st, "p"), RPBis: num(st, "rpbis"), RPBisCorrected: num(st, "rpbis_corrected"),
				Biserial: num(st, "biserial"), DiscIndex: num(st, "disc_index"), AlphaIfDeleted: num(st, "alpha_if_deleted"), Infit: bank.None, Outfit: bank.None}}
		src, srcCov, fitRow := params[id], cov, fit[id]
		switch {
		case status == "pretest":
			ai.Role = bank.RolePretest
			src, srcCov, fitRow = anchored[id], nil, anchored[id]
			if d := decisions[id]; d != nil {
				ai.Decision = bank.Decision(d["decision"])
				for _, r := range strings.Split(d["reasons"], ";") {
					if r = strings.TrimSpace(r); r != "" {
						ai.Reasons = append(ai.Reasons, r)
					}
				}
			}
		case common[id]:
			ai.Role = bank.RoleAnchor
		}
		if src != nil && src["model"] != "" {
			ai.Params = rowParams(id, src, srcCov)
		}
		if fitRow != nil {
			ai.Stats.Infit, ai.Stats.Outfit = num(fitRow, "infit"), num(fitRow, "outfit")
		}
		it := bank.Item{ID: id, Domain: st["domain"], Key: st["key"], Status: bank.Status(status)}
		if info := infos[id]; info != nil {
			it = bankItem(info)
		}
		ai.New = &it
		a.Items = append(a.Items, ai)
	}
	a.Candidates = candidates
	if len(a.Items) == 0 {
		return Inputf("%s: no operational or pretest items in analyze/%s", dir, reports.FileItemStats)
	}
	return nil
}

// rowParams reads one params.csv row (and its own covariances) as the
// bank's Params; c is absent for models without it.
func rowParams(id string, row map[string]string, cov *analysis.ParamCov) bank.Params {
	p := bank.Params{Model: row["model"], A: num(row, "a"), B: num(row, "b"), C: num(row, "c"), D: num(row, "d"),
		SEA: num(row, "se_a"), SEB: num(row, "se_b"), SEC: num(row, "se_c"), SED: num(row, "se_d")}
	if p.Model != "3pl" {
		p.C, p.SEC = bank.None, bank.None
	}
	p.Cov = ownCov(id, cov)
	return p
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
