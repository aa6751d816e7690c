package main

import (
	"fmt"
	"strings"
	"time"
)

// logger writes itemlab's progress on stderr: a status line that redraws
// itself with a bar and ETA when stderr is a terminal, plain log lines
// otherwise, nothing with --quiet.
type logger struct {
	env   *Env
	quiet bool
	// current bar
	label string
	start time.Time
	last  time.Time
	drawn bool
}

func newLogger(env *Env, quiet bool) *logger { return &logger{env: env, quiet: quiet} }

// logf writes one line.
func (l *logger) logf(format string, args ...any) {
	if l.quiet {
		return
	}
	l.clear()
	fmt.Fprintf(l.env.Stderr, "itemlab: "+format+"\n", args...)
}

// warnf writes a warning line; warnings are shown even with --quiet.
func (l *logger) warnf(format string, args ...any) {
	l.clear()
	fmt.Fprintf(l.env.Stderr, "itemlab: warning: "+format+"\n", args...)
}

// bar starts a progress bar for work with a known total.
func (l *logger) bar(label string) {
	l.label, l.start, l.last = label, time.Now(), time.Time{}
}

// update redraws the bar at done of total (only on a terminal, at most ten
// times a second).
func (l *logger) update(done, total float64) {
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

// status redraws a free-form status line (terminal only).
func (l *logger) status(format string, args ...any) {
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

func (l *logger) clear() {
	if l.drawn {
		fmt.Fprint(l.env.Stderr, "\r\x1b[K")
		l.drawn = false
	}
}
