// Command itemlab analyses, calibrates, scales and reports certification exam
// items. Run "itemlab --help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
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
	stop := startProfile(env)
	code := run(ctx, os.Args[1:], env)
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the command to the file named by
// ITEMLAB_CPUPROFILE, for developers measuring where a command spends its
// time (go tool pprof FILE); it returns the function that ends it.
func startProfile(env *Env) func() {
	path := os.Getenv("ITEMLAB_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "itemlab: warning: ITEMLAB_CPUPROFILE: %v (no profile written)\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
