package irt

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sync"
)

// The MML engine reads responses packed eight items to a byte: bit b of byte g
// of a row is item 8g+b. A row has a "correct" byte string and, if any of its
// responses is Missing, a "missing" byte string. Sums over the items of a row
// then become one table look-up per byte (see mmlTables), which is what makes
// the E-step cheap.

// mmlRows is a set of packed rows with frequency weights.
type mmlRows struct {
	n    int
	bits []uint8   // n*nb correct bits
	miss []uint8   // n*nb missing bits; nil when no row of the set has one
	w    []float64 // n weights, all > 0
}

// mmlData is the packed response matrix of one fit.
type mmlData struct {
	J, nb int
	comp  mmlRows // rows with every response observed
	part  mmlRows // rows with at least one Missing and one observed response

	R    []float64 // Σ_i w_i x_ij over observed responses
	Nobs []float64 // Σ_i w_i over rows where item j is observed
	Ntot float64   // Σ_i w_i over rows with at least one observed response

	// Rasch score groups of the complete rows: scoreW[s] is the weight of
	// complete rows with raw score s, Rcomp[j] the weight of complete rows
	// answering item j correctly.
	scoreW []float64
	Rcomp  []float64

	nInput     int // rows in the input
	nEmpty     int // rows dropped: every response Missing
	nZeroW     int // rows dropped: weight zero
	collapsed  bool
	rowsPacked int // rows after collapsing identical patterns
}

// mmlPack1 packs up to 8 responses (0, 1 or Missing) into correct and missing
// bits. bad is the index of the first value that is none of these, or −1.
func mmlPack1(x []uint8) (c, m uint8, bad int) {
	for b, v := range x {
		switch v {
		case 0:
		case 1:
			c |= 1 << b
		case Missing:
			m |= 1 << b
		default:
			return 0, 0, b
		}
	}
	return c, m, -1
}

// mmlPackData validates and packs r. Rows whose responses are all Missing and
// rows of weight zero are dropped. If identical response patterns are common
// (judged on a sample of rows) they are collapsed into one weighted row.
func mmlPackData(r *Responses, workers int) (*mmlData, error) {
	N, J := r.N, r.J
	nb := (J + 7) / 8
	if r.Weights != nil {
		for i, w := range r.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("irt: row %d: weight %v: want a finite number ≥ 0", i, w)
			}
		}
	}
	bitsAll := make([]uint8, N*nb)
	missAll := make([]uint8, N*nb)
	class := make([]uint8, N) // 0 complete, 1 partial, 2 empty

	// Pack in blocks of rows in parallel; each row is independent.
	const blockRows = 8192
	nblocks := (N + blockRows - 1) / blockRows
	errs := make([]error, nblocks)
	var wg sync.WaitGroup
	next := make(chan int, nblocks)
	for b := 0; b < nblocks; b++ {
		next <- b
	}
	close(next)
	if workers > nblocks {
		workers = nblocks
	}
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for b := range next {
				lo := b * blockRows
				hi := min(lo+blockRows, N)
				errs[b] = mmlPackBlock(r.X, J, nb, lo, hi, bitsAll, missAll, class)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	d := &mmlData{J: J, nb: nb, nInput: N}
	// Decide whether to collapse identical patterns: worth it when a sample
	// of rows holds many repeats.
	sample := min(N, 4096)
	seen := make(map[string]struct{}, sample)
	for i := 0; i < sample; i++ {
		seen[string(bitsAll[i*nb:(i+1)*nb])+string(missAll[i*nb:(i+1)*nb])] = struct{}{}
	}
	collapse := sample > 0 && len(seen)*2 <= sample
	d.collapsed = collapse

	// The common case (every row complete, positive weights, nothing to
	// collapse) keeps the packed matrix as it is.
	simple := !collapse
	for i := 0; i < N && simple; i++ {
		simple = class[i] == 0 && r.Weight(i) > 0
	}
	if simple {
		d.comp = mmlRows{n: N, bits: bitsAll, w: make([]float64, N)}
		for i := range d.comp.w {
			d.comp.w[i] = r.Weight(i)
		}
	}
	var index map[string]int32
	if collapse {
		index = make(map[string]int32)
	}
	keyBuf := make([]byte, 2*nb)
	for i := 0; i < N && !simple; i++ {
		w := r.Weight(i)
		if class[i] == 2 {
			d.nEmpty++
			continue
		}
		if w == 0 {
			d.nZeroW++
			continue
		}
		bi := bitsAll[i*nb : (i+1)*nb]
		mi := missAll[i*nb : (i+1)*nb]
		set := &d.comp
		if class[i] == 1 {
			set = &d.part
		}
		if collapse {
			copy(keyBuf, bi)
			copy(keyBuf[nb:], mi)
			if k, ok := index[string(keyBuf)]; ok {
				set.w[k] += w
				continue
			}
			index[string(keyBuf)] = int32(set.n)
		}
		set.bits = append(set.bits, bi...)
		if class[i] == 1 {
			set.miss = append(set.miss, mi...)
		}
		set.w = append(set.w, w)
		set.n++
	}
	d.rowsPacked = d.comp.n + d.part.n
	d.comp.sortByScore(nb, J)
	d.part.sortByScore(nb, J)

	// Item totals through per-byte histograms: Σ_i w_i over rows whose byte
	// g equals v, then summed over the values v that have bit b set.
	d.R = make([]float64, J)
	d.Nobs = make([]float64, J)
	d.Rcomp = make([]float64, J)
	d.scoreW = make([]float64, J+1)
	hc := make([]float64, nb*256)
	hm := make([]float64, nb*256)
	for i := 0; i < d.comp.n; i++ {
		w := d.comp.w[i]
		d.Ntot += w
		s := 0
		for g, v := range d.comp.bits[i*nb : (i+1)*nb] {
			hc[g<<8|int(v)] += w
			s += bits.OnesCount8(v)
		}
		d.scoreW[s] += w
	}
	mmlHistToItems(hc, nb, J, d.Rcomp)
	for i := 0; i < d.part.n; i++ {
		w := d.part.w[i]
		d.Ntot += w
		for g, v := range d.part.bits[i*nb : (i+1)*nb] {
			hc[g<<8|int(v)] += w
		}
		for g, v := range d.part.miss[i*nb : (i+1)*nb] {
			hm[g<<8|int(v)] += w
		}
	}
	mmlHistToItems(hc, nb, J, d.R)
	mmlHistToItems(hm, nb, J, d.Nobs)
	for j := range d.Nobs {
		d.Nobs[j] = d.Ntot - d.Nobs[j]
	}
	return d, nil
}

// mmlHistToItems sets out[8g+b] = Σ_{v: bit b of v set} h[g<<8|v].
func mmlHistToItems(h []float64, nb, J int, out []float64) {
	for j := range out {
		out[j] = 0
	}
	for g := 0; g < nb; g++ {
		for v := 1; v < 256; v++ {
			x := h[g<<8|v]
			if x == 0 {
				continue
			}
			for u := v; u != 0; u &= u - 1 {
				j := g*8 + bits.TrailingZeros(uint(u))
				if j < J {
					out[j] += x
				}
			}
		}
	}
}

// mmlPackBlock packs rows [lo, hi) of the row-major matrix x.
func mmlPackBlock(x []uint8, J, nb, lo, hi int, bitsAll, missAll, class []uint8) error {
	const ones = 0x0101010101010101
	const mul = 0x0102040810204080 // moves bit 0 of byte k to bit 56+k
	full := J / 8
	for i := lo; i < hi; i++ {
		row := x[i*J : (i+1)*J]
		bo := bitsAll[i*nb : (i+1)*nb]
		mo := missAll[i*nb : (i+1)*nb]
		nobs, nmiss := 0, 0
		for g := 0; g < full; g++ {
			u := binary.LittleEndian.Uint64(row[g*8:])
			if u&^ones == 0 { // every byte 0 or 1
				bo[g] = uint8((u * mul) >> 56)
				nobs += 8
				continue
			}
			c, m, bad := mmlPack1(row[g*8 : g*8+8])
			if bad >= 0 {
				j := g*8 + bad
				return fmt.Errorf("irt: response of row %d to item %d is %d: want 0, 1 or Missing (%d)", i, j, row[j], Missing)
			}
			bo[g], mo[g] = c, m
			k := bits.OnesCount8(m)
			nmiss += k
			nobs += 8 - k
		}
		if full < nb {
			c, m, bad := mmlPack1(row[full*8:])
			if bad >= 0 {
				j := full*8 + bad
				return fmt.Errorf("irt: response of row %d to item %d is %d: want 0, 1 or Missing (%d)", i, j, row[j], Missing)
			}
			bo[full], mo[full] = c, m
			k := bits.OnesCount8(m)
			nmiss += k
			nobs += J - full*8 - k
		}
		switch {
		case nobs == 0:
			class[i] = 2
		case nmiss > 0:
			class[i] = 1
		}
	}
	return nil
}

// sortByScore reorders the rows by their number of correct answers (a
// stable counting sort). The E-step and the standard errors' passes add
// each row's posterior into byte-value tables (mmlTables.accumulate) and
// look up its log-likelihood in others (rowLogLik); rows of similar score
// have similar bytes, so in this order consecutive rows mostly touch table
// entries that are already in cache (calibrate --model 3pl at 10⁶ rows:
// about 5 % less time). Only sums over the rows are computed from the
// packed data, so the order changes nothing but their rounding.
func (set *mmlRows) sortByScore(nb, J int) {
	n := set.n
	if n < 2 {
		return
	}
	start := make([]int, J+2)
	score := make([]int32, n)
	for i := 0; i < n; i++ {
		s := 0
		for _, v := range set.bits[i*nb : (i+1)*nb] {
			s += bits.OnesCount8(v)
		}
		score[i] = int32(s)
		start[s+1]++
	}
	for k := 1; k < len(start); k++ {
		start[k] += start[k-1]
	}
	sorted := make([]uint8, len(set.bits))
	var miss []uint8
	if set.miss != nil {
		miss = make([]uint8, len(set.miss))
	}
	w := make([]float64, n)
	for i := 0; i < n; i++ {
		k := start[score[i]]
		start[score[i]]++
		copy(sorted[k*nb:(k+1)*nb], set.bits[i*nb:(i+1)*nb])
		if miss != nil {
			copy(miss[k*nb:(k+1)*nb], set.miss[i*nb:(i+1)*nb])
		}
		w[k] = set.w[i]
	}
	set.bits, set.miss, set.w = sorted, miss, w
}
