package pipeline

import (
	"errors"
	"fmt"

	"github.com/itemlab/itemlab/analysis"
)

// InputError is a problem with what the user gave — a file, an option, a
// spec value — rather than a failure of the work. The command line exits
// with code 2 on it.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

// Inputf returns an *InputError with a formatted message.
func Inputf(format string, args ...any) error {
	return &InputError{fmt.Errorf(format, args...)}
}

// asInput wraps err as an *InputError (nil stays nil).
func asInput(err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{err}
}

// IsInput reports whether err is the user's: an *InputError or an
// *analysis.ParseError anywhere in its chain.
func IsInput(err error) bool {
	var ie *InputError
	var pe *analysis.ParseError
	return errors.As(err, &ie) || errors.As(err, &pe)
}
