package reports

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
)

// ParamCovColumns are the columns of params_cov.csv.
var ParamCovColumns = []string{"item_id", "param_1", "item_id_2", "param_2", "cov"}

// ParamCovTable is params_cov.csv: the covariance matrix of the item
// parameters beside params.csv, in long form, one row per pair of parameters
// (upper triangle, diagonal included, in the order of the parameters):
// item_id and param_1 name the first parameter, item_id_2 and param_2 the
// second (the same item for an item's own block), cov their covariance in
// the slope–intercept metric (a, d, logit_c). Every command that reads a
// params.csv reads the params_cov.csv beside it when there is one.
func ParamCovTable(c *analysis.ParamCov) *Table {
	t := &Table{Header: append([]string(nil), ParamCovColumns...)}
	n := len(c.Items)
	for x := 0; x < n; x++ {
		for y := x; y < n; y++ {
			t.Rows = append(t.Rows, []string{c.Items[x], c.Params[x], c.Items[y], c.Params[y], strconv.FormatFloat(c.M.At(x, y), 'g', 10, 64)})
		}
	}
	return t
}

// ReadParamCov reads a params_cov.csv that ParamCovTable wrote. Rows may
// come in any order; a pair given twice, a covariance that is not finite,
// or a variance that is negative is a located error, and so is a pair
// missing from the matrix. It also reads the item bank's params_cov.csv
// (item_id,param_1,param_2,cov: each item's own block), as a block-diagonal
// matrix whose blocks must be whole.
func ReadParamCov(src ingest.Source) (*analysis.ParamCov, error) {
	tab, header, err := ingest.OpenHeader(src, "")
	if err != nil {
		return nil, err
	}
	col := ingest.Columns(header)
	// The item bank's export (bank.Export) writes each item's own block in
	// long form without item_id_2: a block-diagonal matrix, zero between items.
	_, hasItem2 := col["item_id_2"]
	block := !hasItem2
	for _, want := range ParamCovColumns {
		if _, ok := col[want]; !ok && !(block && want == "item_id_2") {
			return nil, &analysis.ParseError{File: src.Name, Row: 1, Err: fmt.Errorf("no column %q: want %s", want, strings.Join(ParamCovColumns, ","))}
		}
	}
	type key [2]string
	index := map[key]int{}
	c := &analysis.ParamCov{}
	param := func(item, p string) int {
		k := key{item, p}
		if r, ok := index[k]; ok {
			return r
		}
		index[k] = len(c.Items)
		c.Items = append(c.Items, item)
		c.Params = append(c.Params, p)
		return index[k]
	}
	type entry struct {
		x, y int
		v    float64
	}
	var entries []entry
	seen := map[[2]int]bool{}
	for {
		rec, err := tab.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		get := func(name string) string {
			if k := col[name]; k < len(rec) {
				return strings.TrimSpace(rec[k])
			}
			return ""
		}
		i1, p1, i2, p2 := get("item_id"), get("param_1"), get("item_id_2"), get("param_2")
		if block {
			i2 = i1
		}
		if i1 == "" || i2 == "" || p1 == "" || p2 == "" {
			return nil, tab.ErrAt(-1, i1, errors.New("want an item and a parameter on both sides of the pair"))
		}
		v, err := strconv.ParseFloat(get("cov"), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, tab.ErrAt(col["cov"], i1, fmt.Errorf("cov %s is not a finite number", analysis.QuoteCell(get("cov"))))
		}
		x, y := param(i1, p1), param(i2, p2)
		if x == y && v < 0 {
			return nil, tab.ErrAt(col["cov"], i1, fmt.Errorf("variance of %s %g is negative", p1, v))
		}
		pk := [2]int{min(x, y), max(x, y)}
		if seen[pk] {
			return nil, tab.ErrAt(-1, i1, fmt.Errorf("the pair (%s %s, %s %s) is given twice", i1, p1, i2, p2))
		}
		seen[pk] = true
		entries = append(entries, entry{x, y, v})
	}
	n := len(c.Items)
	if n == 0 {
		return nil, &analysis.ParseError{File: src.Name, Err: errors.New("no covariances")}
	}
	want := n * (n + 1) / 2
	if block {
		per := map[string]int{}
		for _, it := range c.Items {
			per[it]++
		}
		want = 0
		for _, k := range per {
			want += k * (k + 1) / 2
		}
	}
	if len(entries) != want {
		return nil, &analysis.ParseError{File: src.Name, Err: fmt.Errorf("%d pairs for %d parameters, want %d (the whole upper triangle)", len(entries), n, want)}
	}
	c.M = mat.NewSymDense(n, nil)
	for _, e := range entries {
		c.M.SetSym(e.x, e.y, e.v)
	}
	return c, nil
}
