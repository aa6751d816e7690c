// Package irt is the pure mathematics of item response theory behind itemlab:
// dichotomous item response models (Rasch, 2PL, 3PL) in the slope–intercept
// logistic metric, their estimation (marginal, conditional and joint maximum
// likelihood), person scoring, item fit, summed-score distributions and linking.
//
// The package reads no files and prints nothing. It imports only the standard
// library and gonum. Long computations take a context.Context and report
// progress through a callback; randomness comes from a caller's *rand.Rand.
//
// Conventions. An item's response function is
//
//	P(θ) = c + (1 − c) / (1 + exp(−(a·θ + d))),   b = −d/a,
//
// with slope a, intercept d and lower asymptote c (c = 0 for Rasch and 2PL,
// a = 1 for Rasch). There is no 1.702 scaling constant unless a caller asks
// for one explicitly (see ScaleD in the linking functions).
package irt
