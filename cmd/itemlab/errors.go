package main

// isInputError reports whether err is a problem with the user's input data
// (exit code 2). Filled in as input types are added.
func isInputError(err error) bool { return false }
