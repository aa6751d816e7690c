package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/itemlab/itemlab/internal/spec"
)

func newInitCmd(env *Env) *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "init [--out exam.yaml]",
		Short: "Write a commented example exam spec for itemlab run",
		Long: `Init writes a commented exam specification: the files of an administration,
the blueprint, the model, the scale and cut, linking to a base form, pretest
rules, DIF groups and projection scenarios. Edit it, then run the whole
pipeline with itemlab run --spec exam.yaml. As written it runs on the files
itemlab simulate puts in the same folder. Use --out - to print it.`,
		Example: `  itemlab init
  itemlab simulate --out exam && itemlab init --out exam/exam.yaml && itemlab run --spec exam/exam.yaml`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if out == "-" {
				_, err := fmt.Fprint(env.Stdout, spec.Example)
				return err
			}
			if _, err := os.Stat(out); err == nil && !force {
				return usagef("%s exists; choose another --out or add --force to replace it", out)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			if err := os.WriteFile(out, []byte(spec.Example), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "itemlab: wrote %s; edit it, then: itemlab run --spec %s\n", out, out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "exam.yaml", "spec `file` to write (- for stdout)")
	c.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return c
}
