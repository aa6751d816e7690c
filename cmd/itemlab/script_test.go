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
	testscript.Run(t, testscript.Params{Dir: "testdata/script"})
}
