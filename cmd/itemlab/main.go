// Command itemlab analyses, calibrates, scales and reports certification exam
// items. Run "itemlab --help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

func main() {
	// SIGINT (Ctrl-C) and SIGTERM cancel the work: the staged outputs are
	// removed, nothing is committed, and the exit code says which (130,
	// 143). A second signal kills at once.
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		cancel(&signalError{s})
		<-sigs
		os.Exit(exitCode(s))
	}()
	env := &Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		IsTerminal: term.IsTerminal(int(os.Stderr.Fd())),
	}
	code := run(ctx, os.Args[1:], env)
	os.Exit(code)
}
