package pipeline

import (
	"fmt"

	"github.com/itemlab/itemlab/analysis"
)

// DefaultMaxItems is the number of items a calibration takes unless
// CalibrateSettings.MaxItems (--max-items, spec calibration.max_items)
// raises it. Three parts of a calibration grow faster than the items:
//
//   - the standard errors invert the observed information matrix of all
//     P = 2J (2PL; 3J for the 3PL) free parameters, cross-item terms
//     included (Oakes, 1999, as mirt computes it): four P × P matrices of
//     float64 (32·P² bytes) and a Cholesky factorisation of P³/3 flops;
//   - params_cov.csv lists that covariance, P(P+1)/2 rows (about 18·P²
//     bytes), which linking and the drift screen read back;
//   - Yen's Q3 is a J × J matrix over a sample of up to 50,000 candidates
//     (N·J² flops).
//
// Measured on 2 shared cores at 2,000 candidates (2PL): 1,000 items took
// 76 s and 455 MB (32 s and 63 MB without standard errors) with a 72 MB
// params_cov.csv. At 2,000 items the matrices take 512 MB and the CSV
// 288 MB; at 10,000 items they would take 12.8 GB, 7.2 GB and about 1,000
// times the 1,000-item factorisation (hours), so a larger calibration is
// refused up front rather than left running.
const DefaultMaxItems = 2000

// checkCalibrationSize returns the error for a calibration of more items
// than max (zero means DefaultMaxItems), saying what it would cost. all
// counts pretest items too (concurrent calibration).
func checkCalibrationSize(d *analysis.Dataset, all, noSE bool, max int) error {
	if max < 0 {
		return Inputf("--max-items: %d is negative (zero means %d)", max, DefaultMaxItems)
	}
	if max == 0 {
		max = DefaultMaxItems
	}
	j := 0
	for _, it := range d.Items {
		if it.Status == analysis.Operational || (all && it.Status == analysis.Pretest) {
			j++
		}
	}
	if j <= max {
		return nil
	}
	p := float64(2 * j) // 2PL; the 3PL has half as many again
	cost := fmt.Sprintf("its standard errors need four %.0f × %.0f matrices (%s, 2PL) and params_cov.csv %s, and Yen's Q3 a %d × %d matrix",
		p, p, gb(32*p*p), gb(18*p*p), j, j)
	if noSE {
		cost = fmt.Sprintf("Yen's Q3 needs a %d × %d matrix (%s) and N·J² operations", j, j, gb(8*float64(j)*float64(j)))
	}
	return Inputf("calibrating %d items is over the limit of %d items: %s; "+
		"if the data are right, raise the limit with --max-items %d (spec: calibration.max_items)%s",
		j, max, cost, j, map[bool]string{false: ", or skip the standard errors with --no-se", true: ""}[noSE])
}

// gb writes a size in bytes in MB or GB.
func gb(b float64) string {
	if b >= 1e9 {
		return fmt.Sprintf("%.1f GB", b/1e9)
	}
	return fmt.Sprintf("%.0f MB", b/1e6)
}
