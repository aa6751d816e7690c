package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/itemlab/itemlab/analysis"
)

// logger writes itemlab's progress on stderr: a status line that redraws
// itself with a bar and ETA when stderr is a terminal, plain log lines
// otherwise, nothing with --quiet. It is the one printer of warnings, which
// show even with --quiet: at most maxWarnings of one code, then a count of
// the rest (every warning is in the outputs). It implements pipeline.Logger.
type logger struct {
	env   *Env
	quiet bool
	// current bar
	label string
	start time.Time
	last  time.Time
	drawn bool
	// warnings printed, by code
	warned map[string]int
	codes  []string
}

// maxWarnings is how many warnings of one code go to stderr.
const maxWarnings = 10

func newLogger(env *Env, quiet bool) *logger {
	return &logger{env: env, quiet: quiet, warned: map[string]int{}}
}

// Logf writes one line.
func (l *logger) Logf(format string, args ...any) {
	if l.quiet {
		return
	}
	l.Clear()
	fmt.Fprintf(l.env.Stderr, "itemlab: "+format+"\n", args...)
}

// Warn writes a warning line.
func (l *logger) Warn(w error) {
	code := analysis.WarningCode(w)
	if l.warned[code] == 0 {
		l.codes = append(l.codes, code)
	}
	l.warned[code]++
	if l.warned[code] > maxWarnings {
		return
	}
	l.Clear()
	fmt.Fprintf(l.env.Stderr, "itemlab: warning: %s\n", w)
}

// flush writes the counts of the warnings that were not printed.
func (l *logger) flush() {
	for _, code := range l.codes {
		if n := l.warned[code]; n > maxWarnings {
			fmt.Fprintf(l.env.Stderr, "itemlab: warning: … and %d more %s warnings\n", n-maxWarnings, code)
		}
	}
	l.codes, l.warned = nil, map[string]int{}
}

// Bar starts a progress bar for work with a known total.
func (l *logger) Bar(label string) {
	l.label, l.start, l.last = label, time.Now(), time.Time{}
}

// Update redraws the bar at done of total (only on a terminal, at most ten
// times a second).
func (l *logger) Update(done, total float64) {
	if l.quiet || !l.env.IsTerminal || total <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(l.last) < 100*time.Millisecond && done < total {
		return
	}
	l.last = now
	frac := min(max(done/total, 0), 1)
	const width = 30
	n := int(frac * width)
	eta := ""
	if el := now.Sub(l.start); frac > 0.02 && frac < 1 {
		rem := time.Duration(float64(el) * (1 - frac) / frac)
		eta = fmt.Sprintf(" ETA %s", rem.Round(time.Second))
	}
	fmt.Fprintf(l.env.Stderr, "\r\x1b[Kitemlab: %s [%s%s] %3.0f %%%s", l.label, strings.Repeat("=", n), strings.Repeat(" ", width-n), 100*frac, eta)
	l.drawn = true
}

// Status redraws a free-form status line (terminal only).
func (l *logger) Status(format string, args ...any) {
	if l.quiet || !l.env.IsTerminal {
		return
	}
	now := time.Now()
	if now.Sub(l.last) < 100*time.Millisecond {
		return
	}
	l.last = now
	fmt.Fprintf(l.env.Stderr, "\r\x1b[Kitemlab: "+format, args...)
	l.drawn = true
}

// Clear removes a bar or status line.
func (l *logger) Clear() {
	if l.drawn {
		fmt.Fprint(l.env.Stderr, "\r\x1b[K")
		l.drawn = false
	}
}
