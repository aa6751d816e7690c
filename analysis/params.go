package analysis

import (
	"errors"
	"fmt"

	"github.com/itemlab/itemlab/irt"
)

// ItemParams are one item's calibrated parameters as a params.csv row holds
// them.
type ItemParams struct {
	ItemID string
	Item   irt.Item
	SE     irt.ItemSE // zero where the file gives none
	Line   int        // 1-based line in the file
	// Extra holds the file's other columns (fit statistics, notes) in file
	// order, so that they travel with the parameters.
	Extra []KV
}

// ParamsByID indexes parameters by item id.
func ParamsByID(ps []ItemParams) map[string]ItemParams {
	m := make(map[string]ItemParams, len(ps))
	for _, p := range ps {
		m[p.ItemID] = p
	}
	return m
}

// FormItems returns the dataset's operational items and their parameters,
// in dataset order. Every operational item must have parameters; parameters
// of items that are not operational are ignored.
func FormItems(d *Dataset, params []ItemParams) (idx []int, items []irt.Item, err error) {
	by := ParamsByID(params)
	for _, j := range d.ItemsWithStatus(Operational) {
		p, ok := by[d.Items[j].ID]
		if !ok {
			return nil, nil, fmt.Errorf("operational item %q has no parameters", d.Items[j].ID)
		}
		idx = append(idx, j)
		items = append(items, p.Item)
	}
	if len(idx) == 0 {
		return nil, nil, ErrNoOperational
	}
	return idx, items, nil
}

// ErrNoOperational is returned by Analyze when the dataset has no
// operational item: the operational score is the criterion of every
// classical statistic.
var ErrNoOperational = errors.New("analysis: no operational items")
