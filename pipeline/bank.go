package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/itemlab/itemlab/bank"
)

// BankSettings say which bank a command works on and who acts, for the
// bank's audit table.
type BankSettings struct {
	Target  string // a SQLite file or a postgres:// URL (required)
	By      string // who acts; empty means the operating-system user
	Command string // the command, e.g. "itemlab bank promote"
	// Now is the bank's clock (bank.Options.Now); nil means time.Now. Tests
	// set it to compare exports.
	Now func() time.Time
}

// OpenBank opens the bank of s (Init when create is set). Errors are mapped
// by BankError.
func OpenBank(ctx context.Context, s BankSettings, create bool) (*bank.Bank, error) {
	if s.Target == "" {
		return nil, Inputf("--bank is required: the bank file (SQLite) or a postgres:// URL")
	}
	target := s.Target
	if !bank.IsURL(target) {
		if fi, err := os.Stat(target); err == nil && fi.IsDir() {
			return nil, Inputf("--bank %s is a folder, want a bank file or a postgres:// URL", target)
		}
		if create {
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return nil, err
			}
		}
	}
	opts := bank.Options{By: s.By, Command: s.Command, Now: s.Now}
	var b *bank.Bank
	var err error
	if create {
		b, err = bank.Init(ctx, target, opts)
	} else {
		b, err = bank.OpenWith(ctx, target, opts)
	}
	if err != nil {
		return nil, BankError(s.Target, err)
	}
	return b, nil
}

// withBank opens the bank, runs fn on it and closes it.
func withBank(ctx context.Context, s BankSettings, fn func(b *bank.Bank) error) error {
	b, err := OpenBank(ctx, s, false)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := fn(b); err != nil {
		return BankError(s.Target, err)
	}
	return nil
}

// BankError adds to an error of the bank what the user can do about it,
// and marks the errors that are the user's (everything but a failure of
// the database itself) as *InputError, so that the command line exits with
// code 2. Other errors pass unchanged.
func BankError(target string, err error) error {
	if err == nil {
		return nil
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	var hint string
	switch {
	case errors.Is(err, bank.ErrNotABank):
		hint = "give the file or database made by `itemlab bank init`, or a new path to create a bank there"
	case errors.Is(err, bank.ErrNotInitialised):
		hint = "" // the bank's message already says to run bank init
	case errors.Is(err, bank.ErrAlreadyBank):
		hint = "it is ready for use; give another path to create a new bank"
	case errors.Is(err, bank.ErrNewerSchema):
		hint = "use the itemlab that wrote it, or a newer one"
	case errors.Is(err, bank.ErrBusy):
		hint = "another itemlab is writing to it; try again when that one has finished"
	case errors.Is(err, bank.ErrRunRecorded):
		hint = "nothing to do: it is in the bank already (`itemlab bank revert EVENT` takes a recording back)"
	case errors.Is(err, bank.ErrNotFound):
		hint = fmt.Sprintf("see `itemlab bank list --bank %s` for what the bank holds", target)
	case errors.Is(err, bank.ErrConflict):
		hint = "add --replace to keep the new values (the old ones stay in the audit table)"
	case errors.Is(err, bank.ErrNotAllowed), errors.Is(err, bank.ErrInvalid):
	case errors.Is(err, bank.ErrNotEmpty):
		hint = "import a folder into a new bank (`itemlab bank init --bank NEW` first)"
	default:
		return err
	}
	if hint != "" {
		return &InputError{fmt.Errorf("%w; %s", err, hint)}
	}
	return &InputError{err}
}

// BankInit creates a new, empty bank.
func BankInit(ctx context.Context, s BankSettings) error {
	b, err := OpenBank(ctx, s, true)
	if err != nil {
		return err
	}
	return b.Close()
}
