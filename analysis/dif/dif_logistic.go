package dif

import (
	"fmt"
	"math"

	"github.com/itemlab/itemlab/analysis"

	"gonum.org/v1/gonum/mat"
)

// LogisticOptions tune Logistic. The zero value is valid: α = .05 and
// the Jodoin & Gierl (2001) effect-size limits 0.035 and 0.070.
type LogisticOptions struct {
	// Match is the matching criterion X, as in Options.Match: the zero
	// value, IncludeItem, adds a pretest or excluded studied item's own
	// score to the operational score.
	Match Match
	// Alpha is the significance level of the 2-df likelihood-ratio test;
	// zero means 0.05.
	Alpha float64
	// ModerateR2 and LargeR2 are the Nagelkerke ΔR² limits of categories
	// B and C; zero means 0.035 and 0.070 (Jodoin & Gierl 2001). Zumbo &
	// Thomas (1997) use 0.13 and 0.26.
	ModerateR2, LargeR2 float64
}

// LogisticResult is the logistic-regression DIF analysis of one item.
type LogisticResult struct {
	Item               int
	ItemID             string
	NReference, NFocal int
	// ChiSquare is the likelihood-ratio χ² (2 df) of M2 (score, group,
	// score×group) against M0 (score), P its p-value; ChiUniform (1 df)
	// compares M1 (score, group) with M0, ChiNonUniform (1 df) M2 with M1.
	ChiSquare, P               float64
	ChiUniform, PUniform       float64
	ChiNonUniform, PNonUniform float64
	DeltaR2                    float64 // Nagelkerke R²(M2) − R²(M0)
	DeltaR2Uniform             float64 // R²(M1) − R²(M0)
	// Beta are M2's coefficients: intercept, score, group (focal = 1),
	// score × group.
	Beta [4]float64
	// GroupEffect is M1's group coefficient, the uniform DIF on the logit
	// scale: positive values favour the focal group.
	GroupEffect float64
	Category    ETSCategory // A, B, C by the ΔR² limits and the 2-df test
	Favours     string      // by the sign of GroupEffect; FavoursNone for category A
	Converged   bool        // all three fits converged (no separation)
}

// Logistic runs the logistic-regression DIF procedure of Swaminathan &
// Rogers (1990) for the listed items (nil: every item): for each item the
// three models
//
//	M0: logit P(x = 1) = β₀ + β₁·X
//	M1: logit P(x = 1) = β₀ + β₁·X + β₂·G
//	M2: logit P(x = 1) = β₀ + β₁·X + β₂·G + β₃·X·G
//
// are fitted by maximum likelihood (Newton–Raphson), with X the matching
// score that opts.Match names, exactly as in MantelHaenszel (by default the
// total including the studied item: the operational score for an
// operational item, the operational score plus the item's own score for a
// pretest or excluded one), and G = 1 for the focal group. Likelihood-ratio
// tests compare M2 with M0 (DIF of any kind, 2 df), M1 with M0 (uniform)
// and M2 with M1 (non-uniform). The effect size is the difference of
// Nagelkerke's R², R²_N = (1 − exp((D − D₀)/n)) / (1 − exp(−D₀/n)) with D
// the model deviance and D₀ the intercept-only deviance, as difR computes
// it. An item is C when the 2-df test is significant and ΔR² ≥ LargeR2, B
// when significant and ΔR² ≥ ModerateR2, A otherwise (Jodoin & Gierl 2001).
//
// References: Swaminathan, H. & Rogers, H. J. (1990). Detecting
// differential item functioning using logistic regression procedures.
// Journal of Educational Measurement, 27, 361–370. Jodoin, M. G. & Gierl,
// M. J. (2001). Evaluating type I error and power rates using an effect
// size measure with the logistic regression procedure for DIF detection.
// Applied Measurement in Education, 14, 329–349. Nagelkerke, N. J. D.
// (1991). A note on a general definition of the coefficient of
// determination. Biometrika, 78, 691–692.
func Logistic(d *analysis.Dataset, groups []Group, items []int, opts LogisticOptions) ([]LogisticResult, error) {
	items, op, err := checkInputs(d, groups, items, "logistic DIF")
	if err != nil {
		return nil, err
	}
	if opts.Alpha == 0 {
		opts.Alpha = 0.05
	}
	if !(opts.Alpha > 0 && opts.Alpha < 1) {
		return nil, fmt.Errorf("analysis: logistic DIF: significance level %v not in (0, 1)", opts.Alpha)
	}
	if opts.Match > ExcludeItem {
		return nil, fmt.Errorf("analysis: logistic DIF: unknown matching criterion %v", opts.Match)
	}
	if opts.ModerateR2 == 0 {
		opts.ModerateR2 = 0.035
	}
	if opts.LargeR2 == 0 {
		opts.LargeR2 = 0.070
	}
	tab, levels := tallyScores(d, groups, items, op, opts.Match)
	out := make([]LogisticResult, len(items))
	for idx, j := range items {
		var cells logitCells
		for s := 0; s < levels; s++ {
			for g := 0; g < 2; g++ {
				wrong, right := tab[(idx*levels+s)*4+2*g], tab[(idx*levels+s)*4+2*g+1]
				if wrong+right > 0 {
					cells.add(float64(s), float64(g), float64(wrong+right), float64(right))
				}
			}
		}
		r := logisticResult(&cells, opts)
		r.Item, r.ItemID = j, d.Items[j].ID
		out[idx] = r
	}
	return out, nil
}

// logitCells is response data grouped by (score, group): n candidates of whom
// k answered correctly in each cell.
type logitCells struct {
	x, g, n, k []float64
}

func (c *logitCells) add(x, g, n, k float64) {
	c.x, c.g, c.n, c.k = append(c.x, x), append(c.g, g), append(c.n, n), append(c.k, k)
}

// logisticResult fits M0, M1, M2 to the cells and fills the statistics.
func logisticResult(c *logitCells, opts LogisticOptions) LogisticResult {
	var r LogisticResult
	var n, k, mx float64
	for i := range c.n {
		n += c.n[i]
		k += c.k[i]
		mx += c.n[i] * c.x[i]
		if c.g[i] == 1 {
			r.NFocal += int(c.n[i])
		} else {
			r.NReference += int(c.n[i])
		}
	}
	mx /= n
	p0 := k / n
	d0 := -2 * (xLogY(k, p0) + xLogY(n-k, 1-p0)) // intercept-only deviance
	_, dev0, ok0 := fitLogistic(c, 2, mx)
	b1, dev1, ok1 := fitLogistic(c, 3, mx)
	b2, dev2, ok2 := fitLogistic(c, 4, mx)
	r.Converged = ok0 && ok1 && ok2
	r.ChiSquare = math.Max(dev0-dev2, 0)
	r.ChiUniform = math.Max(dev0-dev1, 0)
	r.ChiNonUniform = math.Max(dev1-dev2, 0)
	r.P = math.Exp(-r.ChiSquare / 2) // χ² with 2 df
	r.PUniform = math.Erfc(math.Sqrt(r.ChiUniform / 2))
	r.PNonUniform = math.Erfc(math.Sqrt(r.ChiNonUniform / 2))
	r2 := func(dev float64) float64 {
		return (1 - math.Exp((dev-d0)/n)) / (1 - math.Exp(-d0/n))
	}
	r.DeltaR2 = r2(dev2) - r2(dev0)
	r.DeltaR2Uniform = r2(dev1) - r2(dev0)
	r.Beta = b2
	r.GroupEffect = b1[2]
	switch {
	case !(r.P < opts.Alpha) || !(r.DeltaR2 >= opts.ModerateR2):
		r.Category = ETSA
	case r.DeltaR2 >= opts.LargeR2:
		r.Category = ETSC
	default:
		r.Category = ETSB
	}
	switch {
	case r.Category == ETSA:
		r.Favours = FavoursNone
	case r.GroupEffect > 0:
		r.Favours = FavoursFocal
	default:
		r.Favours = FavoursReference
	}
	return r
}

// xLogY is x·log(y), 0 when x = 0.
func xLogY(x, y float64) float64 {
	if x == 0 {
		return 0
	}
	return x * math.Log(y)
}

// fitLogistic fits the logistic model with the first p of the covariates
// (1, X − mx, G, (X − mx)·G) by Newton–Raphson with step halving and
// returns its coefficients for the uncentred covariates (1, X, G, X·G),
// its deviance −2 log L and whether it converged (relative deviance change
// below 1e-12 within 100 iterations; separation makes it fail).
func fitLogistic(c *logitCells, p int, mx float64) (beta [4]float64, dev float64, ok bool) {
	z := func(i int) [4]float64 {
		xc := c.x[i] - mx
		return [4]float64{1, xc, c.g[i], xc * c.g[i]}
	}
	deviance := func(b []float64) float64 {
		var ll float64
		for i := range c.n {
			zi := z(i)
			var eta float64
			for a := 0; a < p; a++ {
				eta += b[a] * zi[a]
			}
			// log P = −log(1 + e^−η), log(1 − P) = −log(1 + e^η)
			ll -= c.k[i]*log1pExp(-eta) + (c.n[i]-c.k[i])*log1pExp(eta)
		}
		return -2 * ll
	}
	b := make([]float64, p)
	var n, k float64
	for i := range c.n {
		n += c.n[i]
		k += c.k[i]
	}
	if k > 0 && k < n {
		b[0] = math.Log(k / (n - k))
	}
	dev = deviance(b)
	info := mat.NewSymDense(p, nil)
	grad := mat.NewVecDense(p, nil)
	step := mat.NewVecDense(p, nil)
	var chol mat.Cholesky
	for iter := 0; iter < 100; iter++ {
		info.Zero()
		grad.Zero()
		for i := range c.n {
			zi := z(i)
			var eta float64
			for a := 0; a < p; a++ {
				eta += b[a] * zi[a]
			}
			pr := 1 / (1 + math.Exp(-eta))
			w := c.n[i] * pr * (1 - pr)
			res := c.k[i] - c.n[i]*pr
			for a := 0; a < p; a++ {
				grad.SetVec(a, grad.AtVec(a)+res*zi[a])
				for e := a; e < p; e++ {
					info.SetSym(a, e, info.At(a, e)+w*zi[a]*zi[e])
				}
			}
		}
		if !chol.Factorize(info) {
			break
		}
		if err := chol.SolveVecTo(step, grad); err != nil {
			break
		}
		t := 1.0
		nb := make([]float64, p)
		var ndev float64
		for h := 0; h < 30; h++ {
			for a := range nb {
				nb[a] = b[a] + t*step.AtVec(a)
			}
			if ndev = deviance(nb); ndev <= dev+1e-12*math.Abs(dev) {
				break
			}
			t /= 2
		}
		change := math.Abs(dev - ndev)
		copy(b, nb)
		dev = ndev
		if change < 1e-12*(math.Abs(dev)+0.1) {
			ok = true
			break
		}
	}
	// Undo the centring: β₀ − β₁·mx, β₁, β₂ − β₃·mx, β₃.
	copy(beta[:], b)
	beta[0] -= beta[1] * mx
	beta[2] -= beta[3] * mx
	return beta, dev, ok
}

// log1pExp is log(1 + e^x) without overflow.
func log1pExp(x float64) float64 {
	if x > 35 {
		return x
	}
	return math.Log1p(math.Exp(x))
}
