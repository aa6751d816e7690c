package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"itemlab": func() {
			env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
			os.Exit(run(context.Background(), os.Args[1:], env))
		},
	})
}

// TestScripts runs the command-line scripts in testdata/script: each is a
// txtar archive of input files and itemlab invocations with the exit code,
// stdout and stderr they must give.
func TestScripts(t *testing.T) {
	lsat7, err := os.ReadFile("../../testdata/lsat7.csv")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			return os.WriteFile(e.WorkDir+"/lsat7.csv", lsat7, 0o644)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"mkxlsx": mkxlsx},
	})
}

// mkxlsx is the script command "mkxlsx table.csv book.xlsx [CELL VALUE]...":
// it writes the comma-separated lines of table.csv into the first sheet of
// a new workbook, then sets each CELL to VALUE (a cell far down the sheet
// makes it claim that many rows).
func mkxlsx(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 || len(args)%2 != 0 {
		ts.Fatalf("usage: mkxlsx table.csv book.xlsx [CELL VALUE]...")
	}
	// A stream writer writes only the rows given (rows in ascending order;
	// the CELLs below the table).
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	ts.Check(err)
	for r, line := range strings.Split(strings.TrimRight(ts.ReadFile(args[0]), "\n"), "\n") {
		var row []any
		for _, v := range strings.Split(line, ",") {
			row = append(row, v)
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		ts.Check(sw.SetRow(cell, row))
	}
	for k := 2; k < len(args); k += 2 {
		c, r, err := excelize.CellNameToCoordinates(args[k])
		ts.Check(err)
		row := make([]any, c)
		row[c-1] = args[k+1]
		cell, _ := excelize.CoordinatesToCellName(1, r)
		ts.Check(sw.SetRow(cell, row))
	}
	ts.Check(sw.Flush())
	ts.Check(f.SaveAs(ts.MkAbs(args[1])))
}
