// Package equate is classical observed-score equating of a new form X to a
// base form Y from score frequencies, after Kolen & Brennan (2014):
//
//   - random groups: mean, linear and equipercentile equating (ch. 2), with
//     log-linear presmoothing (ch. 3; Holland & Thayer, 2000);
//   - common-item nonequivalent groups (NEAT): Tucker, Levine observed- and
//     true-score, chained linear (ch. 4), Braun–Holland, frequency
//     estimation and chained equipercentile (ch. 5);
//   - bootstrap standard errors of equating (ch. 7);
//   - the equipercentile step of IRT observed-score equating (ch. 6), over
//     the model-implied distributions of package irt.
//
// Conventions follow R's equate package (Albano, 2016) wherever Kolen &
// Brennan leave a choice, so that results can be checked against it:
// (co)variances use the divisor N − 1, percentile ranks are compared with
// cumulative proportions after rounding to 10 decimals, and in
// equipercentile equating a form X score below the lowest observed score
// maps to −½ (above the highest, to K_Y + ½). Scores are integers 0..K.
//
// The functions are pure: they read no files and keep no state. Tables
// are read-only inputs, safe to share between goroutines.
//
// References: Kolen, M. J. & Brennan, R. L. (2014). Test Equating, Scaling,
// and Linking: Methods and Practices (3rd ed.). Springer. Albano, A. D.
// (2016). equate: An R package for observed-score linking and equating.
// Journal of Statistical Software, 74(8).
package equate
