// Package studies holds simulation studies of whole workflows — separately
// calibrated forms linked through anchors, the pretest review over many
// seeds — that check decisions against the simulation's truth. They take
// minutes, so they build only with the study tag: `make study` runs them
// (and every other TestStudy… test).
package studies
