package bank

import (
	"errors"
	"fmt"
)

// Errors that callers act on. Each text starts with "bank: "; test with
// errors.Is, never by the text.
var (
	// ErrNotABank: the target exists but is not an itemlab bank (a text file,
	// or a SQLite/PostgreSQL database without the bank's meta table).
	ErrNotABank = errors.New("bank: not an itemlab bank")
	// ErrNotInitialised: there is no bank at the target yet; run
	// `itemlab bank init`.
	ErrNotInitialised = errors.New("bank: no bank here yet")
	// ErrAlreadyBank: Init on a target that already holds a bank.
	ErrAlreadyBank = errors.New("bank: already a bank")
	// ErrNewerSchema: the bank was written by a newer itemlab.
	ErrNewerSchema = errors.New("bank: bank schema is newer than this itemlab")
	// ErrBusy: another process held the bank's write lock for longer than the
	// busy timeout.
	ErrBusy = errors.New("bank: bank is busy")
	// ErrRunRecorded: AddAdministration with a run id already in the bank.
	ErrRunRecorded = errors.New("bank: run already recorded")
	// ErrNotFound: an item, run or event that is not in the bank.
	ErrNotFound = errors.New("bank: not found")
	// ErrConflict: an import would change parameters (or other values) of an
	// item already in the bank, and Replace was not set.
	ErrConflict = errors.New("bank: conflicting values")
	// ErrNotAllowed: the operation is refused in the item's or event's current
	// state (promoting an item without a promote decision and without Force,
	// reverting an event twice, retiring a retired item, …).
	ErrNotAllowed = errors.New("bank: not allowed")
	// ErrInvalid: a value given to the bank is malformed (a run id that is not
	// SHA-256 hex, an unknown status, a NaN latent mean, …).
	ErrInvalid = errors.New("bank: invalid input")
	// ErrNotEmpty: ImportFolder into a bank that already holds items.
	ErrNotEmpty = errors.New("bank: bank is not empty")
)

// Error is the error type of the bank: a sentinel Kind (one of the Err
// values above) with the detail of what happened. errors.Is(err, ErrBusy)
// and friends match on Kind; Unwrap also gives the underlying driver error
// when there is one.
type Error struct {
	Kind   error  // one of the Err… sentinels
	Detail string // what, in words, without the "bank: " prefix
	Err    error  // underlying error, or nil
}

func (e *Error) Error() string {
	s := "bank: " + e.Detail
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Is reports whether target is e's Kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap gives the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func newErr(kind error, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...)}
}

func wrapErr(kind error, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Detail: fmt.Sprintf(format, args...), Err: err}
}
