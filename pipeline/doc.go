// Package pipeline runs itemlab's stages over files: it opens and hashes the
// inputs, calls the analysis packages, hands their results to reports, and
// stages every output in a temporary folder that is renamed into place only
// when the work succeeds, with a manifest.json of the run.
//
// One function per stage — LoadData, Analyze, Calibrate, Link, Scale, Score,
// DIF, Pretest, Project, Report, Simulate — is what both the single-stage
// commands and Run (the whole pipeline over an exam spec) call, so a stage
// has one implementation. Settings structs hold options as a user writes
// them (in flags or in the spec) and are validated by the stage.
//
// Errors that are the user's — a bad file, a bad option — are *InputError
// (or *analysis.ParseError); IsInput tells them apart from failures of the
// work. Warnings are errors collected on the Output and passed to its
// Logger as they happen; none is dropped.
package pipeline
