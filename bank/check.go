package bank

import (
	"context"
	"fmt"
	"strings"
)

// Check verifies the bank: the database's own integrity check (SQLite),
// foreign keys, and the stored exposure counts against those recomputed
// from the non-reverted administrations. It returns nil or an error listing
// the problems.
func (b *Bank) Check(ctx context.Context) error {
	c := b.reader(ctx)
	var problems []string
	if b.d == sqliteDialect {
		rows, err := c.query(`PRAGMA integrity_check`)
		if err != nil {
			return b.mapErr(err, "checking %s", b.target)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return b.mapErr(err, "checking %s", b.target)
			}
			if s != "ok" {
				problems = append(problems, "integrity: "+s)
			}
		}
		rows.Close()
		fk, err := c.query(`PRAGMA foreign_key_check`)
		if err != nil {
			return b.mapErr(err, "checking %s", b.target)
		}
		if fk.Next() {
			problems = append(problems, "a foreign key is broken")
		}
		fk.Close()
	}
	rows, err := c.query(`SELECT i.item_id, i.exposure_runs, i.exposure_candidates, COUNT(a.run_id), COALESCE(SUM(CASE WHEN a.run_id IS NULL THEN 0 ELSE x.n END), 0)
		FROM items i LEFT JOIN admin_items x ON x.item_id = i.item_id LEFT JOIN administrations a ON a.run_id = x.run_id AND a.reverted = 0
		GROUP BY i.item_id, i.exposure_runs, i.exposure_candidates`)
	if err != nil {
		return b.mapErr(err, "checking %s", b.target)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var runs, cands, wantRuns, wantCands int64
		if err := rows.Scan(&id, &runs, &cands, &wantRuns, &wantCands); err != nil {
			return b.mapErr(err, "checking %s", b.target)
		}
		if runs != wantRuns || cands != wantCands {
			problems = append(problems, fmt.Sprintf("item %q: exposure %d runs, %d candidates stored, %d, %d recorded", id, runs, cands, wantRuns, wantCands))
		}
	}
	if err := rows.Err(); err != nil {
		return b.mapErr(err, "checking %s", b.target)
	}
	if len(problems) > 0 {
		return newErr(ErrInvalid, "%s fails its check: %s", b.target, strings.Join(first(problems, 10), "; "))
	}
	return nil
}
