// Package assemble builds test forms from an item pool by automated test
// assembly: the choice of items is a 0–1 integer programme (van der Linden,
// 2005), written in CPLEX-LP format and solved by an external MIP solver
// (CBC by default, GLPK's glpsol as an alternative), with a built-in
// heuristic when no solver is installed.
//
// # Model
//
// For operational item i and form f = 1..K the variable x_{i,f} ∈ {0,1} says
// that i is on form f. Items of the anchor's previous form get one variable
// z_i ∈ {0,1} instead: an anchor item is on every new form, and an item of the
// previous form that is not in the anchor block is on none. Pretest items get
// w_{j,f}. The constraints, each named in the LP file as shown, are
//
//	len_f{f}            Σ_i x_{i,f} + Σ_a z_a = n                    form length
//	dom_{d}_f{f}        Min_d ≤ Σ_{i∈d} (x|z) ≤ Max_d                 blueprint
//	attr_{k}_f{f}       Min_k ≤ Σ_{i: meta=value} (x|z) ≤ Max_k       metadata counts
//	enemy_{s}_f{f}      Σ_{i∈s} (x|z|w) ≤ 1                           enemy sets
//	over_{i}            Σ_f x_{i,f} ≤ 1                               no overlap (K > 1)
//	anc_len             Σ_a z_a = N                                   anchor block
//	anc_dom_{d}         Σ_{a∈d} z_a = N_d                             anchor spread over domains
//	anc_bin{k}          Σ_{a∈bin k} z_a ≥ m_k                         anchor spread over b
//	pre_len_f{f}        Σ_j w_{j,f} = p                               pretest slots
//	pre_over_{j}        Σ_f w_{j,f} ≤ 1                               a pretest item once
//
// and the objective is one of
//
//	max y   s.t.  info_f{f}: Σ_i I_i(θ_cut)·(x|z) − y ≥ 0          (maximin over forms)
//	min d   s.t.  |Σ_i I_i(θ_k)·(x|z) − T_k| ≤ d,
//	              w·|Σ_i P_i(θ_k)·(x|z) − τ_k| ≤ d                  (minimax to a target)
//
// Reference: van der Linden, W. J. (2005). Linear Models for Optimal Test
// Design. Springer, ch. 4 (objectives), 5 (models for a single test) and
// 6 (multiple tests).
//
// # Solvers
//
// Assemble looks for cbc, then glpsol, on PATH unless Options.Solver names
// one (by name or path); Options.Solver = "heuristic" uses the built-in
// greedy-plus-swap search only. A solver runs as a child process in a
// temporary directory with a time limit and a relative gap; it is killed when
// the context is cancelled. WriteLP writes the model for another solver, and
// Options.Solution reads that solver's answer back (formats: see
// ReadSolution).
package assemble
