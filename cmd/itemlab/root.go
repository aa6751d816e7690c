package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/itemlab/itemlab/internal/textdist"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Version is itemlab's version, written into every manifest.
var Version = "0.1.0-dev"

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin      io.Reader
	Stdout     io.Writer
	Stderr     io.Writer
	IsTerminal bool     // stderr is a terminal: draw progress
	Args       []string // the command line after the program name, for manifests

	log *logger // the printer of progress and warnings of this run
}

// logger returns the printer of progress and warnings; quiet silences
// progress (never warnings).
func (e *Env) logger(quiet bool) *logger {
	if e.log == nil {
		e.log = newLogger(e, quiet)
	}
	e.log.quiet = quiet
	return e.log
}

// Exit codes, listed in the root help.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitInterrupted = 130 // SIGINT
	exitTerminated  = 143 // SIGTERM
)

// usageError marks a mistake in how itemlab was called or in the input it was
// given (exit code 2).
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Errorf(format, args...)}
}

func newRootCmd(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "itemlab",
		Short: "Item analysis, IRT calibration, scaling and equating for certification exams",
		Long: `itemlab reads candidates' responses to a certification exam, scores them,
analyses every item, calibrates items with Rasch/IRT models, puts raw scores on
the reporting scale, equates forms, reviews pretest items and projects pass
rates. Every command writes plain CSV and JSON tables plus a manifest.json.

Start with:
  itemlab demo                      simulate an administration and run every stage
  itemlab validate --responses r.csv --items items.csv

Exit codes:
  0    success
  1    the work failed (a fit that cannot run, a file that cannot be written)
  2    bad usage or bad input data (the message names file, line and column)
  130  interrupted`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetIn(env.Stdin)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &usageError{suggestFlag(c, err)} })
	root.AddCommand(
		newAnalyzeCmd(env),
		newAssembleCmd(env),
		newBankCmd(env),
		newCalibrateCmd(env),
		newDemoCmd(env),
		newDIFCmd(env),
		newEquateCmd(env),
		newInitCmd(env),
		newPretestCmd(env),
		newProjectCmd(env),
		newReportCmd(env),
		newRunCmd(env),
		newScaleCmd(env),
		newScoreCmd(env),
		newSimulateCmd(env),
		newValidateCmd(env),
		newVersionCmd(env),
	)
	return root
}

func newVersionCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print itemlab's version",
		Example: "  itemlab version",
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintln(env.Stdout, "itemlab", Version)
			return nil
		},
	}
}

// run executes itemlab with args and returns the exit code.
func run(ctx context.Context, args []string, env *Env) int {
	env.Args = args
	root := newRootCmd(env)
	root.SetArgs(args)
	err := execute(ctx, root, env)
	if env.log != nil {
		env.log.Clear()
		env.log.flush()
	}
	if err == nil {
		return exitOK
	}
	msg := err.Error()
	var ue *usageError
	switch {
	case errors.Is(err, context.Canceled):
		var se *signalError
		if errors.As(context.Cause(ctx), &se) {
			fmt.Fprintf(env.Stderr, "itemlab: %s: stopped, nothing written\n", se.sig)
			return exitCode(se.sig)
		}
		fmt.Fprintln(env.Stderr, "itemlab: interrupted, nothing written")
		return exitInterrupted
	case errors.Is(err, errPanic):
		fmt.Fprintf(env.Stderr, "itemlab: error: %s\n", msg)
		return exitFailure
	case errors.As(err, &ue), isCobraUsage(msg), isInputError(err):
		printError(env, msg)
		return exitUsage
	default:
		printError(env, msg)
		return exitFailure
	}
}

// printError writes an error on stderr, each line of it (a spec with several
// problems has one per line) prefixed.
func printError(env *Env, msg string) {
	for _, line := range strings.Split(msg, "\n") {
		fmt.Fprintf(env.Stderr, "itemlab: error: %s\n", line)
	}
}

// isCobraUsage recognises cobra's own argument and command errors, which it
// returns as plain errors.
func isCobraUsage(msg string) bool {
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// signalError is the cause of a context cancelled by a signal.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string { return "itemlab: " + e.sig.String() }

// exitCode is 128 + the signal's number, as shells report it: 130 for
// SIGINT, 143 for SIGTERM.
func exitCode(s os.Signal) int {
	if s == syscall.SIGTERM {
		return exitTerminated
	}
	return exitInterrupted
}

// errPanic marks a panic that escaped a command: a bug of itemlab's.
var errPanic = errors.New("internal error")

// execute runs the command tree, turning a panic into an error whose trace
// is saved to a file to send with a report (exit code 1, never 2).
func execute(ctx context.Context, root *cobra.Command, env *Env) (err error) {
	defer func() {
		if r := recover(); r != nil {
			trace := fmt.Sprintf("itemlab %s: panic: %v\n\n%s", Version, r, debug.Stack())
			f, ferr := os.CreateTemp("", "itemlab-panic-*.txt")
			where := "(could not save the trace)"
			if ferr == nil {
				f.WriteString(trace)
				f.Close()
				where = f.Name()
			}
			err = fmt.Errorf("%w, please report it with the trace in %s: %v", errPanic, where, r)
		}
	}()
	return root.ExecuteContext(ctx)
}

// suggestFlag adds the nearest flag of c to an "unknown flag" error.
func suggestFlag(c *cobra.Command, err error) error {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "unknown flag: --")
	if !ok {
		return err
	}
	// The closest flag within two edits, else one the name begins.
	best, bestD, prefix := "", 3, ""
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if d := textdist.Distance(name, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
		if prefix == "" && strings.HasPrefix(f.Name, name) {
			prefix = f.Name
		}
	})
	if best == "" {
		best = prefix
	}
	if best == "" {
		return fmt.Errorf("%s (see itemlab %s --help)", msg, c.Name())
	}
	return fmt.Errorf("%s (did you mean --%s?)", msg, best)
}
