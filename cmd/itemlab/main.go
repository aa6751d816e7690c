// Command itemlab analyses, calibrates, scales and reports certification exam
// items. Run "itemlab --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	env := &Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	code := run(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}
