package main

import "github.com/itemlab/itemlab/pipeline"

// isInputError reports whether err is a problem with the user's input data
// (exit code 2).
func isInputError(err error) bool { return pipeline.IsInput(err) }
