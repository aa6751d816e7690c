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
//     included (Oakes, 1999, as mirt computes it): P × P matrices of
//     float64 (the Hessian, the information, its Cholesky factor and the
//     covariance: 8·P² bytes each) and a factorisation of P³/3 flops;
//   - params_cov.csv lists that covariance, P(P+1)/2 rows (about 18·P²
//     bytes), which linking and the drift screen read back;
//   - Yen's Q3 is a J × J matrix over a sample of up to 50,000 candidates
//     (N·J² flops).
//
// Measured with itemlab calibrate --model 2pl on 2,000 simulated
// candidates, GOMAXPROCS=1, CPU time (user+sys) on a shared machine:
//
//	items   standard errors   CPU      max RSS   params_cov.csv
//	1,000   no                 14 s     71 MB    -
//	1,000   yes                27 s    455 MB    72 MB
//	2,000   yes               159 s    1.6 GB   288 MB
//
// The standard errors' part grew 10-fold from 1,000 to 2,000 items (as
// J³) and the memory as J²: at 10,000 items about 39 GB and hours, so a
// larger calibration is refused up front rather than left running.
const DefaultMaxItems = 2000

// rssPerItem2 is the memory of a 2PL calibration with standard errors per
// squared item, from the measurement above (1.56 GB at 2,000 items).
const rssPerItem2 = 390

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
	cost := fmt.Sprintf("its standard errors invert a %.0f × %.0f information matrix (about %s of memory for a 2PL, measured 1.6 GB at 2,000 items; time grows as items³), params_cov.csv would take %s, and Yen's Q3 needs a %d × %d matrix",
		p, p, gb(rssPerItem2*float64(j)*float64(j)), gb(18*p*p), j, j)
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
