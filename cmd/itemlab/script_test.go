package main

import (
	"context"
	"os"
	"testing"

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
	})
}
