package bank

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// SaveForm stores a planned form (items in order, its pre-equated
// conversion table and the population it was projected for). A form of the
// same name is refused with ErrConflict unless replace is set. Every item
// must be in the bank.
func (b *Bank) SaveForm(ctx context.Context, f *Form, replace bool) error {
	if f.Name == "" {
		return newErr(ErrInvalid, "a form needs a name")
	}
	_, err := b.write(ctx, "save-form", "saving form "+f.Name, func(tx *wtx) (string, any, error) {
		var n int
		if err := tx.row(`SELECT COUNT(*) FROM forms WHERE form_name = ?`, f.Name).Scan(&n); err != nil {
			return "", nil, err
		}
		if n > 0 && !replace {
			return "", nil, newErr(ErrConflict, "form %q is in the bank already", f.Name)
		}
		for _, q := range []string{`DELETE FROM form_items WHERE form_name = ?`, `DELETE FROM form_conversion WHERE form_name = ?`, `DELETE FROM forms WHERE form_name = ?`} {
			if err := tx.exec(q, f.Name); err != nil {
				return "", nil, err
			}
		}
		created := f.Created
		if created.IsZero() {
			created = b.opts.Now()
		}
		return "", map[string]any{"form": f.Name, "items": len(f.Items), "replaced": n > 0}, tx.insertForm(f, formatTime(created))
	})
	return err
}

func (c *wtx) insertForm(f *Form, created string) error {
	if err := c.exec(`INSERT INTO forms (form_name, population_mean, population_sd, created_at, event_id) VALUES (?, ?, ?, ?, ?)`,
		f.Name, nullF(f.PopulationMean), nullF(f.PopulationSD), created, c.event); err != nil {
		return err
	}
	for i, id := range f.Items {
		if err := c.exec(`INSERT INTO form_items (form_name, position, item_id) VALUES (?, ?, ?)`, f.Name, i+1, id); err != nil {
			return fmt.Errorf("form %q, item %q: %w", f.Name, id, err)
		}
	}
	for _, r := range f.Conversion {
		pass := 0
		if r.Pass {
			pass = 1
		}
		if err := c.exec(`INSERT INTO form_conversion (form_name, raw, theta, csem, scale_score, pass) VALUES (?, ?, ?, ?, ?, ?)`,
			f.Name, r.Raw, nullF(r.Theta), nullF(r.CSEM), r.ScaleScore, pass); err != nil {
			return fmt.Errorf("form %q, raw score %d: %w", f.Name, r.Raw, err)
		}
	}
	return nil
}

// Forms returns the planned forms, by name, with items and conversion tables.
func (b *Bank) Forms(ctx context.Context) ([]Form, error) {
	fs, err := b.reader(ctx).forms()
	return fs, b.mapErr(err, "reading forms")
}

// Form returns one planned form; ErrNotFound if there is none of that name.
func (b *Bank) Form(ctx context.Context, name string) (*Form, error) {
	fs, err := b.Forms(ctx)
	if err != nil {
		return nil, err
	}
	for i := range fs {
		if fs[i].Name == name {
			return &fs[i], nil
		}
	}
	return nil, newErr(ErrNotFound, "form %q is not in the bank", name)
}

func (c *conn) forms() ([]Form, error) {
	rows, err := c.query(`SELECT form_name, population_mean, population_sd, created_at FROM forms`)
	if err != nil {
		return nil, err
	}
	var fs []Form
	for rows.Next() {
		var f Form
		var m, s sql.NullFloat64
		var created string
		if err := rows.Scan(&f.Name, &m, &s, &created); err != nil {
			rows.Close()
			return nil, err
		}
		f.PopulationMean, f.PopulationSD, f.Created = fval(m), fval(s), parseTime(created)
		fs = append(fs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortBy(fs, func(f Form) string { return f.Name })
	for i := range fs {
		f := &fs[i]
		ir, err := c.query(`SELECT item_id FROM form_items WHERE form_name = ? ORDER BY position`, f.Name)
		if err != nil {
			return nil, err
		}
		for ir.Next() {
			var id string
			if err := ir.Scan(&id); err != nil {
				ir.Close()
				return nil, err
			}
			f.Items = append(f.Items, id)
		}
		ir.Close()
		cr, err := c.query(`SELECT raw, theta, csem, scale_score, pass FROM form_conversion WHERE form_name = ? ORDER BY raw`, f.Name)
		if err != nil {
			return nil, err
		}
		for cr.Next() {
			var r ConversionRow
			var t, s sql.NullFloat64
			var pass int
			if err := cr.Scan(&r.Raw, &t, &s, &r.ScaleScore, &pass); err != nil {
				cr.Close()
				return nil, err
			}
			r.Theta, r.CSEM, r.Pass = fval(t), fval(s), pass != 0
			f.Conversion = append(f.Conversion, r)
		}
		cr.Close()
		if err := errors.Join(ir.Err(), cr.Err()); err != nil {
			return nil, err
		}
	}
	return fs, nil
}
