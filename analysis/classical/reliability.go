package classical

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// Alpha returns Cronbach's coefficient α of the sum of k items from their
// sample covariance matrix c,
//
//	α = k/(k−1)·(1 − Σᵢ σᵢ² / σ²_X),   σ²_X = Σᵢ Σⱼ cᵢⱼ,
//
// which for items scored 0/1 is Kuder–Richardson formula 20. It returns NaN
// when k < 2 or σ²_X = 0.
//
// References: Cronbach, L. J. (1951). Coefficient alpha and the internal
// structure of tests. Psychometrika, 16, 297–334. Kuder, G. F. &
// Richardson, M. W. (1937). The theory of the estimation of test
// reliability. Psychometrika, 2, 151–160.
func Alpha(c mat.Symmetric) float64 {
	k := c.SymmetricDim()
	if k < 2 {
		return math.NaN()
	}
	var tr, total float64
	for i := 0; i < k; i++ {
		tr += c.At(i, i)
		for j := 0; j < k; j++ {
			total += c.At(i, j)
		}
	}
	return alphaFromVariances(k, tr, total)
}

// alphaFromVariances is α = k/(k−1)·(1 − sumItemVar/totalVar), NaN when it
// is undefined.
func alphaFromVariances(k int, sumItemVar, totalVar float64) float64 {
	if k < 2 || !(totalVar > 0) {
		return math.NaN()
	}
	kf := float64(k)
	return kf / (kf - 1) * (1 - sumItemVar/totalVar)
}

// AlphaSE returns the asymptotic standard error of Cronbach's α for n
// candidates from the items' sample covariance matrix V (k × k),
//
//	Q  = 2k² / ((k−1)²·(1ᵀV1)³) · [ (1ᵀV1)·(tr V² + (tr V)²) − 2·tr V·(1ᵀV²1) ],
//	SE = √(Q / n),
//
// the formula psych::alpha reports as alpha_se (psych 2.2.9, after the
// correction by T. Hattori). It returns NaN when k < 2, n < 1 or 1ᵀV1 = 0.
//
// References: van Zyl, J. M., Neudecker, H. & Nel, D. G. (2000). On the
// distribution of the maximum likelihood estimator of Cronbach's alpha.
// Psychometrika, 65, 271–280. Duhachek, A. & Iacobucci, D. (2004). Alpha's
// standard error (ASE): an accurate and precise confidence interval
// estimate. Journal of Applied Psychology, 89, 792–808.
func AlphaSE(c mat.Symmetric, n int) float64 {
	k := c.SymmetricDim()
	if k < 2 || n < 1 {
		return math.NaN()
	}
	var tr, total, trV2, oneV2one float64
	for i := 0; i < k; i++ {
		tr += c.At(i, i)
		var row float64
		for j := 0; j < k; j++ {
			v := c.At(i, j)
			row += v
			trV2 += v * v // tr(V²) = Σᵢⱼ vᵢⱼ² for symmetric V
		}
		total += row
		oneV2one += row * row // 1ᵀV²1 = ‖V1‖²
	}
	if !(total > 0) {
		return math.NaN()
	}
	kf := float64(k)
	q := 2 * kf * kf / ((kf - 1) * (kf - 1) * total * total * total) *
		(total*(trV2+tr*tr) - 2*tr*oneV2one)
	if q < 0 {
		return math.NaN()
	}
	return math.Sqrt(q / float64(n))
}

// SEM returns the standard error of measurement of a score with standard
// deviation sd and reliability rel, SEM = SD·√(1 − rel) (Crocker, L. &
// Algina, J. (1986). Introduction to Classical and Modern Test Theory,
// ch. 7). It is NaN when rel is NaN or greater than 1.
func SEM(sd, rel float64) float64 {
	if math.IsNaN(rel) || rel > 1 {
		return math.NaN()
	}
	return sd * math.Sqrt(1-rel)
}
