package main

import (
	"errors"

	"github.com/itemlab/itemlab/analysis"
)

// isInputError reports whether err is a problem with the user's input data
// (exit code 2).
func isInputError(err error) bool {
	var ie *inputError
	var pe *analysis.ParseError
	return errors.As(err, &ie) || errors.As(err, &pe)
}
