package reports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"

	"github.com/itemlab/itemlab/irt"
)

// paramColumns are the columns ReadParams interprets.
var paramColumns = map[string]bool{"item_id": true, "item": true, "model": true, "a": true, "b": true, "c": true, "d": true,
	"se_a": true, "se_b": true, "se_c": true, "se_d": true}

// ReadParams reads item parameters: the params.csv that calibrate writes, or
// any CSV/XLSX with item_id and either b or d, plus optional model, a
// (default 1), c (default 0) and standard errors se_a, se_b, se_c, se_d. The
// parameters are in the logistic metric, slope–intercept logit P = a·θ + d
// with b = −d/a. When both b and d are given, d is used. A negative slope is
// read as it is (a calibration may estimate one); scaling rejects it later. Without a model
// column an item with c > 0 is 3PL, one with a ≠ 1 is 2PL, and the rest are
// Rasch.
func ReadParams(src ingest.Source) ([]analysis.ItemParams, error) {
	tab, header, err := ingest.OpenHeader(src, "")
	if err != nil {
		return nil, err
	}
	col := ingest.Columns(header)
	if _, ok := col["item_id"]; !ok {
		if k, ok := col["item"]; ok {
			col["item_id"] = k
		} else {
			return nil, tab.ErrAt(-1, "", errors.New("no item_id column in the header"))
		}
	}
	_, hasB := col["b"]
	_, hasD := col["d"]
	if !hasB && !hasD {
		return nil, tab.ErrAt(-1, "", errors.New("no b or d column in the header: want item parameters (item_id,model,a,b,c or a,d,c)"))
	}
	var out []analysis.ItemParams
	seen := map[string]int{}
	for {
		rec, err := tab.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		id := strings.TrimSpace(rec[col["item_id"]])
		if id == "" {
			return nil, tab.ErrAt(col["item_id"], "", errors.New("empty item_id"))
		}
		if prev, dup := seen[id]; dup {
			return nil, tab.ErrAt(col["item_id"], id, fmt.Errorf("duplicate item id (first on line %d)", prev))
		}
		seen[id] = tab.Line()
		var perr error
		num := func(name string, def float64) float64 {
			k, ok := col[name]
			if !ok || perr != nil {
				return def
			}
			s := strings.TrimSpace(rec[k])
			if s == "" {
				return def
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				perr = tab.ErrAt(k, id, fmt.Errorf("%s %s is not a finite number", name, analysis.QuoteCell(s)))
			}
			return v
		}
		p := analysis.ItemParams{ItemID: id, Line: tab.Line()}
		a := num("a", 1)
		c := num("c", 0)
		b := num("b", math.NaN())
		d := num("d", math.NaN())
		p.SE = irt.ItemSE{A: num("se_a", 0), B: num("se_b", 0), C: num("se_c", 0), D: num("se_d", 0)}
		if perr != nil {
			return nil, perr
		}
		if math.IsNaN(d) {
			if math.IsNaN(b) {
				return nil, tab.ErrAt(-1, id, errors.New("no b or d value"))
			}
			if a == 0 {
				return nil, tab.ErrAt(col["a"], id, errors.New("a = 0 with b given: b is undefined for a flat item (give d instead)"))
			}
			d = -a * b
		}
		if c < 0 || c >= 1 {
			return nil, tab.ErrAt(col["c"], id, fmt.Errorf("c = %g: want 0 ≤ c < 1", c))
		}
		m := irt.Model(0)
		if k, ok := col["model"]; ok && strings.TrimSpace(rec[k]) != "" {
			m, err = irt.ParseModel(rec[k])
			if err != nil {
				return nil, tab.ErrAt(k, id, fmt.Errorf("model %s: want rasch, 2pl or 3pl", analysis.QuoteCell(rec[k])))
			}
		} else {
			switch {
			case c > 0:
				m = irt.ThreePL
			case a != 1:
				m = irt.TwoPL
			default:
				m = irt.Rasch
			}
		}
		p.Item = irt.Item{Model: m, A: a, D: d, C: c}
		for k, h := range header {
			if !paramColumns[strings.ToLower(strings.TrimSpace(h))] {
				p.Extra = append(p.Extra, analysis.KV{Key: strings.TrimSpace(h), Value: rec[k]})
			}
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: analysis.ErrHeaderOnly}
	}
	return out, nil
}
