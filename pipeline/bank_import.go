package pipeline

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/bank"
	"github.com/itemlab/itemlab/irt"
)

// BankImportSettings are the files of `bank import`.
type BankImportSettings struct {
	Items      string // items file (CSV, TSV or XLSX): item_id,key,domain,status and any metadata columns
	ItemsSheet string // its sheet, for XLSX
	Params     string // params.csv on the bank scale (with params_cov.csv beside it, if any); optional
	Scale      string // scale.json of the bank scale; optional
	Replace    bool   // overwrite items whose values differ
}

// BankImport imports an existing programme's items (every metadata column
// of the items file kept as an item field) with parameters on the bank
// scale: from Params, else from the items file's a, b, c columns. With
// Scale it stores the bank scale (after the items, each its own
// transaction). Errors in the files name the file and line.
func BankImport(ctx context.Context, bs BankSettings, s BankImportSettings) (*bank.ImportResult, error) {
	if s.Items == "" {
		return nil, Inputf("--items is required: the items file to import")
	}
	out := &Output{Log: Discard} // only records inputs; nothing is written
	in, err := openInput("items", s.Items)
	if err != nil {
		return nil, err
	}
	infos, err := ingest.ReadItems(ingest.Source{Name: s.Items, R: in}, ingest.ItemsOptions{Sheet: s.ItemsSheet})
	in.record()
	if err != nil {
		return nil, asInput(err)
	}
	var params map[string]bank.Params
	if s.Params != "" {
		fp, err := LoadFormParams(out, "params", s.Params)
		if err != nil {
			return nil, err
		}
		if err := CheckBankParams(s.Params, fp.Params); err != nil {
			return nil, err
		}
		params = map[string]bank.Params{}
		known := map[string]bool{}
		for _, it := range infos {
			known[it.ID] = true
		}
		for _, p := range fp.Params {
			if !known[p.ItemID] {
				return nil, Inputf("%s:%d: item %q is not in the items file %s", s.Params, p.Line, p.ItemID, s.Items)
			}
			params[p.ItemID] = toBankParams(p, fp.Cov)
		}
	}
	var scaleJSON []byte
	if s.Scale != "" {
		if _, err := LoadScale(out, "scale", s.Scale); err != nil {
			return nil, err
		}
		if scaleJSON, err = os.ReadFile(s.Scale); err != nil {
			return nil, Inputf("%s: %v", s.Scale, err)
		}
	}
	items := make([]bank.ImportItem, len(infos))
	for k := range infos {
		items[k] = bank.ImportItem{Item: bankItem(&infos[k])}
		if p, ok := params[infos[k].ID]; ok {
			items[k].Params = &p
		} else if f := infos[k].Fixed; f != nil && params == nil {
			m := irt.TwoPL
			if f.HasC {
				m = irt.ThreePL
			}
			p := toBankParams(analysis.ItemParams{ItemID: infos[k].ID, Item: irt.NewItemIRT(m, f.A, f.B, f.C)}, nil)
			items[k].Params = &p
		}
	}
	var res *bank.ImportResult
	err = withBank(ctx, bs, func(b *bank.Bank) (err error) {
		if res, err = b.ImportItems(ctx, items, bank.ImportOptions{Replace: s.Replace}); err != nil {
			return err
		}
		if scaleJSON != nil {
			return b.SetScale(ctx, scaleJSON, s.Replace)
		}
		return nil
	})
	return res, err
}

// bankItem is an items-file row as a bank item: its metadata columns
// become fields, in file order.
func bankItem(it *analysis.ItemInfo) bank.Item {
	bi := bank.Item{ID: it.ID, Domain: it.Domain, Key: it.KeyString()}
	switch it.Status {
	case analysis.Operational:
		bi.Status = bank.Operational
	case analysis.Excluded:
		bi.Status = bank.Excluded
	default:
		bi.Status = bank.Pretest
	}
	for _, kv := range it.Meta {
		bi.Fields = append(bi.Fields, bank.Field{Name: kv.Key, Value: kv.Value})
	}
	return bi
}

// BankImportFolder reads a folder that `bank export` wrote into an empty
// bank, returning the audit event.
func BankImportFolder(ctx context.Context, bs BankSettings, dir string) (int64, error) {
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return 0, Inputf("--from %s: want the folder `itemlab bank export` wrote", dir)
	}
	var ev int64
	err := withBank(ctx, bs, func(b *bank.Bank) (err error) {
		ev, err = b.ImportFolder(ctx, dir)
		return err
	})
	return ev, err
}

// BankExport writes the bank's export folder (bank.ExportFiles, with a
// manifest.json) to dir through a staged Output: a failed export leaves
// nothing, and an existing folder is replaced only with force.
func BankExport(ctx context.Context, bs BankSettings, dir string, force bool, inv Invocation) error {
	if dir == "" {
		return Inputf("--out is required: the folder to export into")
	}
	out, err := NewOutput(dir, inv, nil, force)
	if err != nil {
		return err
	}
	defer out.Abort()
	if err := withBank(ctx, bs, func(b *bank.Bank) error { return b.Export(ctx, out.Staging()) }); err != nil {
		return err
	}
	var names []string
	err = filepath.WalkDir(out.Staging(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(out.Staging(), p)
		names = append(names, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		return err
	}
	out.adopt(names...)
	return out.CommitFolder()
}
