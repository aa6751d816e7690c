package ingest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis"
)

// DefaultCodes are the option codes of an item whose items-file row does
// not declare its own (the "options" column) when Options.Options is
// empty.
var DefaultCodes = []string{"A", "B", "C", "D"}

// ItemsOptions control ReadItems.
type ItemsOptions struct {
	Sheet   string   // XLSX sheet; empty means the first
	Options []string // option codes for items that declare none; nil means DefaultCodes
	// problems, if non-nil, collects the problems of bad rows, which are
	// then skipped (Options.MaxProblems).
	problems *problems
}

// itemsColumns are the recognised headers of an items file (lower case),
// with aliases.
var itemsColumns = map[string]string{
	"item_id": "item_id", "item": "item_id", "id": "item_id", "itemid": "item_id",
	"key": "key", "answer": "key", "correct": "key",
	"domain": "domain", "content_area": "domain",
	"status":  "status",
	"options": "options",
	"anchor":  "anchor", "common": "anchor",
	"a": "a", "b": "b", "c": "c",
}

// ReadItems reads an items file (CSV, TSV or XLSX) with the columns
//
//	item_id,key,domain,status[,options,anchor,a,b,c,...]
//
// item_id is required. key is the correct option code, several joined by
// "|" after a key review ("A|C"); a blank key or "1" marks an item whose
// responses arrive already scored 0/1. status is operational, pretest or
// excluded (default operational). options lists the item's option codes,
// either as single characters ("ABCD") or separated by "|" or ","; without
// it the item has opts.Options. anchor is a boolean (true/false, yes/no,
// 1/0). a, b, c are bank values for anchored calibration. Any other column is
// kept as item metadata in file order.
//
// Errors are *ParseError values naming the file, line and column.
func ReadItems(src Source, opts ItemsOptions) ([]analysis.ItemInfo, error) {
	tab, header, err := OpenHeader(src, opts.Sheet)
	if err != nil {
		return nil, err
	}
	defer closeTable(tab)
	if err := nearDuplicateColumns(tab, header); err != nil {
		return nil, err
	}
	col := map[string]int{}
	var metaCols []int
	for k, h := range header {
		h = strings.TrimSpace(h)
		header[k] = h
		name, ok := itemsColumns[strings.ToLower(h)]
		if !ok {
			if h == "" {
				return nil, tab.ErrAt(k, "", errors.New("empty column name in the header"))
			}
			for _, m := range metaCols {
				if header[m] == h {
					return nil, tab.ErrAt(k, "", fmt.Errorf("column %q repeats column %d: rename one (or delete the copy)", h, m+1))
				}
			}
			metaCols = append(metaCols, k)
			continue
		}
		if prev, dup := col[name]; dup {
			return nil, tab.ErrAt(k, "", fmt.Errorf("column %q repeats column %d (%q)", h, prev+1, header[prev]))
		}
		col[name] = k
	}
	if _, ok := col["item_id"]; !ok {
		return nil, tab.ErrAt(-1, "", fmt.Errorf("no item_id column in the header (have: %s)", strings.Join(header, ", ")))
	}
	defOpts := opts.Options
	if len(defOpts) == 0 {
		defOpts = DefaultCodes
	}
	get := func(rec []string, name string) (string, int) {
		k, ok := col[name]
		if !ok {
			return "", -1
		}
		return strings.TrimSpace(rec[k]), k
	}
	var items []analysis.ItemInfo
	seen := map[string]int{}
	// row reads the item of one data row.
	row := func(rec []string) (it analysis.ItemInfo, _ error) {
		id, idCol := get(rec, "item_id")
		if id == "" {
			return it, tab.ErrAt(idCol, "", errors.New("empty item_id"))
		}
		if prev, dup := seen[id]; dup {
			return it, tab.ErrAt(idCol, id, fmt.Errorf("duplicate item id (first on data row %d)", prev))
		}
		seen[id] = len(items) + 1
		it = analysis.ItemInfo{ID: id, Status: analysis.Operational}

		if s, k := get(rec, "status"); s != "" {
			st, ok := analysis.ParseStatus(s)
			if !ok {
				return it, tab.ErrAt(k, id, fmt.Errorf("unknown status %s: want operational, pretest or excluded", analysis.QuoteCell(s)))
			}
			it.Status = st
		}
		it.Domain, _ = get(rec, "domain")

		key, keyCol := get(rec, "key")
		optText, optCol := get(rec, "options")
		switch {
		case optText == "" && (key == "" || key == "1" && indexOf(defOpts, "1") < 0):
			// Responses arrive already scored 0/1.
			it.Options = []string{"0", "1"}
			it.KeyMask = 2
		case key == "":
			return it, tab.ErrAt(keyCol, id, errors.New("empty key (a blank key is allowed only for items scored 0/1 in the responses file)"))
		}
		if it.Options == nil {
			if optText != "" {
				it.Options = splitOptions(optText)
				if dup := firstDuplicate(it.Options); dup != "" {
					return it, tab.ErrAt(optCol, id, fmt.Errorf("option %q listed twice in %s", dup, analysis.QuoteCell(optText)))
				}
			} else {
				it.Options = defOpts
			}
			for _, kc := range strings.Split(key, "|") {
				kc = strings.TrimSpace(kc)
				k := indexOf(it.Options, kc)
				if k < 0 {
					return it, tab.ErrAt(keyCol, id, fmt.Errorf("key %s is not one of the item's options %s", analysis.QuoteCell(kc), strings.Join(it.Options, ", ")))
				}
				if k >= 64 {
					return it, tab.ErrAt(keyCol, id, errors.New("more than 64 options are not supported"))
				}
				it.KeyMask |= 1 << uint(k)
			}
		}
		if s, k := get(rec, "anchor"); s != "" {
			v, ok := parseBool(s)
			if !ok {
				return it, tab.ErrAt(k, id, fmt.Errorf("anchor %s is not a boolean: want true/false, yes/no or 1/0", analysis.QuoteCell(s)))
			}
			it.Anchor = v
		}
		as, ak := get(rec, "a")
		bs, bk := get(rec, "b")
		cs, ck := get(rec, "c")
		if as != "" || bs != "" || cs != "" {
			fp := &analysis.FixedParams{A: 1}
			var perr *analysis.ParseError
			num := func(s string, k int, name string, dst *float64) {
				if perr != nil || s == "" {
					return
				}
				v, err := strconv.ParseFloat(s, 64)
				if err != nil || v != v {
					perr = tab.ErrAt(k, id, fmt.Errorf("%s %s is not a number", name, analysis.QuoteCell(s)))
					return
				}
				if math.IsInf(v, 0) {
					perr = tab.ErrAt(k, id, fmt.Errorf("%s %s is not finite: want a bank parameter", name, analysis.QuoteCell(s)))
					return
				}
				*dst = v
			}
			num(as, ak, "a", &fp.A)
			num(bs, bk, "b", &fp.B)
			num(cs, ck, "c", &fp.C)
			if perr != nil {
				return it, perr
			}
			if bs == "" {
				return it, tab.ErrAt(bk, id, errors.New("fixed parameters need b (a defaults to 1, c to 0)"))
			}
			// The range of bank parameters (as pipeline.CheckBankParams
			// checks --fixed): a held item anchors the scale.
			if fp.A <= 0 || fp.A > 10 {
				return it, tab.ErrAt(ak, id, fmt.Errorf("a = %g: want a slope 0 < a ≤ 10 for a bank parameter", fp.A))
			}
			if math.Abs(fp.B) > 10 {
				return it, tab.ErrAt(bk, id, fmt.Errorf("b = %g: want |b| ≤ 10 logits for a bank parameter", fp.B))
			}
			if fp.C < 0 || fp.C >= 1 {
				return it, tab.ErrAt(ck, id, fmt.Errorf("c = %g: want 0 ≤ c < 1", fp.C))
			}
			fp.HasC = cs != ""
			it.Fixed = fp
		}
		for _, k := range metaCols {
			it.Meta = append(it.Meta, analysis.KV{Key: header[k], Value: rec[k]})
		}
		return it, nil
	}
	for {
		rec, err := tab.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if opts.problems.add(err) {
				continue
			}
			return nil, err
		}
		it, err := row(rec)
		if err != nil {
			if opts.problems.add(err) {
				continue
			}
			return nil, err
		}
		items = append(items, it)
	}
	if len(items) == 0 && opts.problems.count() > 0 {
		return nil, nil // every row had a problem: they say it
	}
	if len(items) == 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrHeaderOnly}
	}
	return items, nil
}

// splitOptions reads an options cell: "A|B|C", "A,B,C", "A B C" or "ABCD".
func splitOptions(s string) []string {
	var parts []string
	switch {
	case strings.ContainsAny(s, "|, ;"):
		for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ',' || r == ' ' || r == ';' }) {
			parts = append(parts, p)
		}
	default:
		for _, r := range s {
			parts = append(parts, string(r))
		}
	}
	return parts
}

func firstDuplicate(xs []string) string {
	seen := map[string]bool{}
	for _, x := range xs {
		if seen[x] {
			return x
		}
		seen[x] = true
	}
	return ""
}

func indexOf(xs []string, s string) int {
	for k, x := range xs {
		if x == s {
			return k
		}
	}
	return -1
}

// parseBool reads true/false, yes/no, y/n, 1/0 in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "t":
		return true, true
	case "false", "no", "n", "0", "f":
		return false, true
	}
	return false, false
}
