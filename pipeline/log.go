package pipeline

// Logger receives what a stage has to say while it works. The command line
// draws progress bars on a terminal and prints log lines and warnings on
// stderr; a library caller may use Discard. Methods are called on the
// stage's goroutine.
type Logger interface {
	// Logf is a line of progress ("calibrate…").
	Logf(format string, args ...any)
	// Warn is a warning, already recorded in the outputs.
	Warn(w error)
	// Bar starts a progress bar for work with a known total; Update moves
	// it to done of total.
	Bar(label string)
	Update(done, total float64)
	// Status is a free-form status line that replaces the previous one.
	Status(format string, args ...any)
	// Clear removes a bar or status line.
	Clear()
}

// Discard is a Logger that says nothing.
var Discard Logger = discard{}

type discard struct{}

func (discard) Logf(string, ...any)   {}
func (discard) Warn(error)            {}
func (discard) Bar(string)            {}
func (discard) Update(_, _ float64)   {}
func (discard) Status(string, ...any) {}
func (discard) Clear()                {}

// progress returns a callback for work reporting done of total.
func progress(log Logger) func(done, total int) {
	return func(d, t int) { log.Update(float64(d), float64(t)) }
}
