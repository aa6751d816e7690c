package reports

import (
	"sort"
	"strings"
	"unicode"
)

// wbTerm is a column of the workbook in words: its header label, what it
// holds and where its formula comes from.
type wbTerm struct {
	field, label, meaning, source string
}

// wbTerms are the workbook's columns by machine name (the CSV header). A
// "Sheet/field" entry overrides "field" on that sheet (n counts candidates
// presented an item on Items but choosers of an option on Options).
var wbTerms = []wbTerm{
	// Items (item_stats.csv, params.csv, item_review.csv).
	{"item_id", "Item", "the item's identifier in the items file", "items file"},
	{"domain", "Domain", "content domain of the blueprint", "items file"},
	{"status", "Status", "operational (scored), pretest (unscored) or excluded", "items file"},
	{"key", "Key", "the option scored correct (several joined by |)", "items file"},
	{"n", "N", "candidates presented the item", "item_stats.csv"},
	{"p", "p (difficulty)", "share of all candidates answering correctly (an omit is wrong)", "Crocker & Algina (1986), ch. 14"},
	{"rpbis", "Point-biserial", "Pearson correlation of the item score with the operational total", "Crocker & Algina (1986), ch. 14"},
	{"rpbis_corrected", "Corrected point-biserial", "point-biserial with the total without the item (operational items), with the operational total (pretest items)", "Crocker & Algina (1986); psych::alpha r.drop"},
	{"biserial", "Biserial", "r·√(p·q)/φ(z_p) from the corrected point-biserial", "Crocker & Algina (1986), eq. 14.4"},
	{"disc_index", "Discrimination index (D)", "p in the top 27 % minus p in the bottom 27 % of candidates", "Kelley (1939)"},
	{"alpha_if_deleted", "α if deleted", "coefficient α of the operational score without the item", "Cronbach (1951)"},
	{"n_answered", "N answered", "candidates who did not omit the item", "item_stats.csv"},
	{"n_correct", "N correct", "candidates who answered correctly", "item_stats.csv"},
	{"omit_rate", "Omit rate", "share of candidates who omitted the item", "item_stats.csv"},
	{"p_upper", "p, top 27 %", "share correct among the top 27 % on the operational score", "Kelley (1939)"},
	{"p_lower", "p, bottom 27 %", "share correct among the bottom 27 %", "Kelley (1939)"},
	{"mean_score_correct", "Mean score, correct", "mean operational score of those who answered correctly", "item_stats.csv"},
	{"mean_score_incorrect", "Mean score, incorrect", "mean operational score of the others (wrong or omitted)", "item_stats.csv"},
	{"flags", "Flags", "classical flags: possible_miskey, negative_discrimination, low_discrimination, too_easy, too_hard, nonfunctioning_distractor, high_omit", "analysis/classical thresholds (summary.json flag_thresholds)"},
	{"decision", "Decision", "operational items: keep, review or check_key (item_review.csv); pretest items: promote, revise, reject or insufficient (pretest.csv)", "analysis/review and analysis/pretest rules"},
	{"reasons", "Reasons", "codes of the findings behind the decision, worst first, each once", "item_review.csv, pretest.csv"},
	{"notes", "Notes", "each finding in a sentence naming its rule and threshold", "item_review.csv, pretest.csv"},
	{"model", "Model", "item response model: rasch, 2pl or 3pl", "params.csv"},
	{"a", "a (slope)", "discrimination in the logistic metric (no 1.702)", "Birnbaum (1968); MML by Bock & Aitkin (1981)"},
	{"b", "b (difficulty)", "θ at which P is halfway between c and 1, b = −d/a", "Birnbaum (1968)"},
	{"c", "c (lower asymptote)", "probability of a correct answer at very low θ (guessing)", "Birnbaum (1968); Beta prior"},
	{"d", "d (intercept)", "intercept of logit P = a·θ + d", "slope–intercept form"},
	{"se_a", "SE of a", "standard error of a from the information matrix", "Bock & Aitkin (1981)"},
	{"se_b", "SE of b", "standard error of b by the delta method", "Bock & Aitkin (1981)"},
	{"se_c", "SE of c", "standard error of c by the delta method", "Bock & Aitkin (1981)"},
	{"se_d", "SE of d", "standard error of the intercept", "Bock & Aitkin (1981)"},
	{"logit_c", "logit c", "log(c/(1 − c)), the estimated guessing parameter", "params.csv"},
	{"se_logit_c", "SE of logit c", "standard error of logit c", "params.csv"},
	{"infit", "Infit MNSQ", "information-weighted mean square of the residuals (1 is ideal; 0.7–1.3 acceptable)", "Wright & Masters (1982); Wright & Linacre (1994)"},
	{"outfit", "Outfit MNSQ", "unweighted mean square of the standardized residuals", "Wright & Masters (1982)"},
	{"infit_z", "Infit z", "infit standardized (ZSTD)", "Wright & Masters (1982)"},
	{"outfit_z", "Outfit z", "outfit standardized (ZSTD)", "Wright & Masters (1982)"},
	{"sx2", "S-X²", "item-fit χ² over summed-score groups", "Orlando & Thissen (2000)"},
	{"sx2_df", "S-X² df", "degrees of freedom of S-X²", "Orlando & Thissen (2000)"},
	{"sx2_p", "S-X² p", "p-value of S-X² (below 0.01: misfit)", "Orlando & Thissen (2000)"},
	{"fixed", "Fixed", "held at its bank value in an anchored calibration", "Kim (2006)"},
	{"displacement", "Displacement", "b estimated freely minus the fixed b of an anchor", "params.csv"},
	// Options.
	{"option", "Option", "option code (the omit row: blank)", "options.csv"},
	{"is_key", "Key?", "the option is a key", "items file"},
	{"Options/n", "N choosing", "candidates who chose the option", "options.csv"},
	{"prop", "Share choosing", "share of all candidates who chose the option", "Haladyna & Rodriguez (2013)"},
	{"Options/rpbis", "Option point-biserial", "correlation of choosing the option with the score without the item (a key's should be positive, a distractor's negative)", "Haladyna & Rodriguez (2013)"},
	{"mean_score", "Mean score of choosers", "mean operational score of the candidates who chose the option", "options.csv"},
	{"q1", "Share, bottom fifth", "share choosing the option in the lowest fifth of scores", "options.csv"},
	{"q2", "Share, 2nd fifth", "share choosing the option in the second fifth", "options.csv"},
	{"q3", "Share, middle fifth", "share choosing the option in the middle fifth", "options.csv"},
	{"q4", "Share, 4th fifth", "share choosing the option in the fourth fifth", "options.csv"},
	{"q5", "Share, top fifth", "share choosing the option in the top fifth", "options.csv"},
	// Pretest.
	{"info_at_cut", "Information at the cut", "item information I(θ) at the cut θ", "Birnbaum (1968)"},
	{"mh_d_dif", "MH D-DIF", "−2.35·ln α_MH on the ETS delta scale (negative favours the reference group)", "Holland & Thayer (1988)"},
	{"ets_category", "ETS category", "A negligible, B moderate, C large DIF", "Zwick (2012)"},
	// Domains.
	{"items", "Items", "operational items in the domain", "domains.csv"},
	{"weight", "Blueprint weight", "the domain's share of the blueprint", "exam spec"},
	{"mean", "Mean subscore", "mean number correct over the domain's operational items", "domains.csv"},
	{"sd", "SD", "standard deviation (n − 1)", "domains.csv"},
	{"alpha", "α", "coefficient α of the domain's operational items", "Cronbach (1951)"},
	{"pretest_items", "Pretest items", "pretest items in the domain (not in the subscore)", "domains.csv"},
	// Conversion and candidates.
	{"raw", "Raw score", "number correct on the operational items", "conversion.csv, scores.csv"},
	{"theta", "θ", "ability on the reporting scale's θ metric (TCC inversion or EAP)", "Kolen & Brennan (2014)"},
	{"csem", "CSEM (scale)", "conditional standard error of measurement in scale points", "Kolen & Brennan (2014); Feldt & Qualls (1998) below chance"},
	{"scale_score", "Scale score", "round(slope·(θ − θ_cut) + cut), clipped, then the cut rule", "scale.json definition"},
	{"pass", "Pass", "pass when the raw score is at least the raw cut", "scale.json cut_rule"},
	{"theta_se", "SE of θ", "1/√I(θ), the test's standard error at θ", "Lord (1980)"},
	{"csem_raw", "CSEM (raw)", "conditional standard error in raw-score points", "Lord (1980)"},
	{"count", "Candidates", "candidates with this raw score", "score stage"},
	{"cum_share", "Cumulative share", "share of candidates at or below this raw score", "conversion.csv"},
	{"theta_from", "θ from", "how θ was found: tcc, eap or below_chance", "scale.json below_chance"},
	{"examinee_id", "Candidate", "the candidate's identifier", "responses file"},
	{"se", "SE", "standard error (of θ on Candidates; of MH D-DIF on DIF)", "Warm (1989) / Phillips & Holland (1987)"},
	{"raw_*", "Raw subscore: ", "number correct on the domain's operational items", "scores.csv"},
	// DIF.
	{"mh_odds_ratio", "MH odds ratio", "Mantel–Haenszel common odds ratio α_MH, reference over focal", "Holland & Thayer (1988)"},
	{"favours", "Favours", "group the item favours (none for category A)", "dif.csv"},
	{"chi_square", "MH χ²", "Mantel–Haenszel χ² with continuity correction, 1 df", "Holland & Thayer (1988)"},
	{"p_value", "p-value", "upper-tail probability of the MH χ²", "Holland & Thayer (1988)"},
	{"n_reference", "N reference", "reference-group candidates in the strata used", "dif.csv"},
	{"n_focal", "N focal", "focal-group candidates in the strata used", "dif.csv"},
	{"strata", "Strata", "score strata used in the MH sums", "dif.csv"},
	// Equating.
	{"irt_true", "IRT true-score", "base-form equivalent by IRT true-score equating", "Kolen & Brennan (2014), ch. 6"},
	{"irt_observed", "IRT observed-score", "base-form equivalent by IRT observed-score equating", "Kolen & Brennan (2014), ch. 6"},
	{"tucker", "Tucker linear", "Tucker linear equating (NEAT)", "Kolen & Brennan (2014), ch. 4"},
	{"se_tucker", "SE Tucker", "bootstrap standard error of Tucker", "Kolen & Brennan (2014), ch. 7"},
	{"levine_observed", "Levine observed", "Levine observed-score linear equating", "Kolen & Brennan (2014), ch. 4"},
	{"se_levine_observed", "SE Levine observed", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	{"levine_true", "Levine true", "Levine true-score linear equating", "Kolen & Brennan (2014), ch. 4"},
	{"se_levine_true", "SE Levine true", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	{"braun_holland", "Braun–Holland", "Braun–Holland linear equating", "Kolen & Brennan (2014), ch. 5"},
	{"se_braun_holland", "SE Braun–Holland", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	{"chained_linear", "Chained linear", "chained linear equating", "Kolen & Brennan (2014), ch. 4"},
	{"se_chained_linear", "SE chained linear", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	{"frequency_estimation", "Frequency estimation", "frequency-estimation equipercentile equating", "Kolen & Brennan (2014), ch. 5"},
	{"se_frequency_estimation", "SE frequency estimation", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	{"chained_equipercentile", "Chained equipercentile", "chained equipercentile equating", "Kolen & Brennan (2014), ch. 5"},
	{"se_chained_equipercentile", "SE chained equipercentile", "bootstrap standard error", "Kolen & Brennan (2014), ch. 7"},
	// Anchors.
	{"a_base", "a, base form", "the anchor's slope on the base form", "base form's params.csv"},
	{"b_base", "b, base form", "the anchor's difficulty on the base form", "base form's params.csv"},
	{"c_base", "c, base form", "the anchor's lower asymptote on the base form", "base form's params.csv"},
	{"a_new", "a, this form", "slope on this form's own scale", "calibrate/params.csv"},
	{"b_new", "b, this form", "difficulty on this form's own scale", "calibrate/params.csv"},
	{"c_new", "c, this form", "lower asymptote on this form", "calibrate/params.csv"},
	{"a_new_on_base", "a, this form linked", "slope after linking to the base scale (a/A)", "Stocking & Lord (1983)"},
	{"b_new_on_base", "b, this form linked", "difficulty after linking (A·b + B)", "Stocking & Lord (1983)"},
	{"diff_b", "b difference", "linked b minus base b", "anchors.csv"},
	{"se_diff_b", "SE of b difference", "standard error of the b difference", "anchors.csv"},
	{"z", "z", "b difference over its SE", "anchors.csv"},
	{"chi_sq", "Lord's χ²", "Lord's chi-square on the anchor's parameters after linking", "Lord (1980)"},
	{"df", "df", "degrees of freedom (the item's parameter count)", "Lord (1980)"},
	{"used", "Kept", "kept as an anchor in the final link", "drift screen (linking.json)"},
	{"round", "Round", "screening round in which the anchor was dropped", "drift screen"},
	{"reason", "Reason", "why the anchor was dropped", "drift screen"},
	// Projection.
	{"cut_score", "Cut score", "scale cut score the row projects", "projection.csv"},
	{"raw_cut", "Raw cut", "smallest raw score reaching the cut score", "scale.json cut_rule"},
	{"pass_rate", "Projected pass rate", "Σ_{x ≥ raw cut} f(x), f by Lord–Wingersky over the latent distribution", "Lord & Wingersky (1984)"},
	{"pass_rate_lo", "Pass rate, 2.5 %", "lower end of the 95 % bootstrap interval", "accuracy.json interval_method"},
	{"pass_rate_hi", "Pass rate, 97.5 %", "upper end of the 95 % bootstrap interval", "accuracy.json interval_method"},
	{"observed_pass_rate", "Observed pass rate", "share of this administration's candidates at or above the raw cut", "scores.csv"},
	{"true_score_pass_rate", "True-score pass rate", "share whose expected raw score reaches the raw cut", "accuracy.json true_status"},
	{"accuracy", "Accuracy (Lee)", "probability that the observed and true classifications agree", "Lee (2010)"},
	{"consistency", "Consistency (Lee)", "probability that two parallel forms classify alike", "Lee (2010)"},
	{"kappa", "κ (Lee)", "consistency corrected for chance", "Lee (2010)"},
	{"false_pass", "False pass (Lee)", "share passing whose true score fails", "Lee (2010)"},
	{"false_fail", "False fail (Lee)", "share failing whose true score passes", "Lee (2010)"},
	{"rudner_accuracy", "Accuracy (Rudner)", "classification accuracy from θ and its SE", "Rudner (2001, 2005)"},
	{"rudner_consistency", "Consistency (Rudner)", "classification consistency from θ and its SE", "Rudner (2001, 2005)"},
	// History (bank) and pre vs post.
	{"form", "Form", "form of the administration", "item bank"},
	{"date", "Date", "date of the administration", "item bank"},
	{"role", "Role", "the item's role on that form", "item bank"},
	{"run_id", "Run", "the run's identity in the bank", "manifest.json run_id"},
	{"candidates", "Candidates", "candidates of the administration", "item bank"},
	{"pre_theta", "θ, pre-equated", "θ of the raw score from the bank parameters before administration", "assemble"},
	{"post_theta", "θ, post-equated", "θ from this administration's calibration", "scale stage"},
	{"pre_scale_score", "Scale score, pre-equated", "scale score of the planned form's conversion", "assemble"},
	{"post_scale_score", "Scale score, post-equated", "scale score of this run's conversion", "scale stage"},
	{"scale_diff", "Scale difference", "post minus pre scale score", "pre_post.csv"},
	{"pre_pass", "Pass, pre-equated", "passes by the planned conversion", "assemble"},
	{"post_pass", "Pass, post-equated", "passes by this run's conversion", "scale stage"},
	{"differs", "Differs", "pre- and post-equated pass/fail differ", "pre_post.csv"},
	{"params_scale", "Parameters", "the scale of the IRT columns: the form's own calibration, or linked to the base form's scale", "params.csv or equate/params.csv"},
	// Sheets written by the workbook itself.
	{"Figure", "Figure", "what the row reports", "test summary"},
	{"Value", "Value", "the figure, rounded as reported", "the file named under Source"},
	{"Source", "Source", "the file (and key or formula) the figure comes from", "run folder"},
	{"Base form", "Base form", "the figure for the base form's run", "the base run's folder"},
	{"This form", "This form", "the figure for this run", "this run's folder"},
	{"section", "Section", "group of figures", "Run details"},
	{"name", "Name", "key of the JSON file or manifest", "Run details"},
	{"value", "Value", "its value as written", "JSON files, manifest.json"},
	{"detail", "Detail", "what it means or where it comes from", "Run details"},
	{"Sheet", "Sheet", "the workbook sheet", "Glossary"},
	{"Column", "Column", "the column's header on that sheet", "Glossary"},
	{"Machine name", "Machine name", "the column's name in the CSV file", "Glossary"},
	{"Meaning", "Meaning", "what the column holds", "Glossary"},
}

var wbTermIndex = func() map[string]wbTerm {
	m := map[string]wbTerm{}
	for _, t := range wbTerms {
		m[t.field] = t
	}
	return m
}()

// wbMetaTerm is the entry of an item metadata column of the items file
// (a writer, a position, a content code), which item_stats.csv carries.
func wbMetaTerm(field string) wbTerm {
	return wbTerm{field: field, label: field, meaning: "item metadata from the items file, carried as it is", source: "items file"}
}

// term is wbTermOf with the Items sheet's metadata columns.
func (wb *workbook) term(sheet, field string) (wbTerm, bool) {
	if t, ok := wbTermOf(sheet, field); ok {
		if strings.HasPrefix(field, "raw_") && t.field == field {
			// A domain subscore: the domain's name as domains.csv writes it.
			for i := range rowsOf(wb.run.Domains) {
				if d := tableCell(wb.run.Domains, i, "domain"); "raw_"+wbSlug(d) == field {
					t.label = "Raw subscore: " + d
				}
			}
		}
		return t, true
	}
	if wb.meta[field] && (sheet == SheetItems || sheet == SheetPretest) {
		return wbMetaTerm(field), true
	}
	return wbTerm{field: field, label: field}, false
}

// wbTermOf returns the glossary entry of column field on sheet, and whether
// there is one. Domain subscore columns raw_<domain> share one entry.
func wbTermOf(sheet, field string) (wbTerm, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(field, "_2"), "_3")
	if t, ok := wbTermIndex[wbSheetBase(sheet)+"/"+base]; ok {
		return t, true
	}
	if t, ok := wbTermIndex[base]; ok {
		return t, true
	}
	if strings.HasPrefix(base, "raw_") {
		t := wbTermIndex["raw_*"]
		t.field = field
		t.label += strings.ReplaceAll(strings.TrimPrefix(base, "raw_"), "_", " ")
		return t, true
	}
	return wbTerm{field: field, label: field}, false
}

// wbSheetBase is a sheet's name without a "(2)" continuation suffix.
func wbSheetBase(sheet string) string {
	if i := strings.Index(sheet, " ("); i > 0 {
		return sheet[:i]
	}
	return sheet
}

// glossarySheet lists every column of every sheet written before it, in
// workbook order: its header, machine name, meaning and source.
func (wb *workbook) glossarySheet() *wbSheet {
	var rows [][]any
	seen := map[string]bool{}
	order := map[string]int{}
	for i, name := range wb.f.GetSheetList() {
		order[name] = i
	}
	headers := append([]wbSheetHeader(nil), wb.headers...)
	sort.SliceStable(headers, func(i, j int) bool { return order[headers[i].sheet] < order[headers[j].sheet] })
	for _, h := range headers {
		for i, label := range h.labels {
			field := h.fields[i]
			if seen[h.sheet+"\x00"+label] {
				continue
			}
			seen[h.sheet+"\x00"+label] = true
			t, _ := wb.term(h.sheet, field)
			var mf any
			if field != label {
				mf = field
			}
			rows = append(rows, []any{h.sheet, label, mf, t.meaning, t.source})
		}
	}
	rows = append(rows,
		[]any{"Colours", "red row", nil, "a key problem (possible miskey) or negative discrimination: check the key; pretest reject; DIF category C", "analysis/review, analysis/pretest"},
		[]any{"Colours", "amber row", nil, "a reason to review: low discrimination, p out of range, many omits, misfit, DIF C on an operational item; pretest revise; DIF category B", "analysis/review, analysis/pretest"},
		[]any{"Colours", "pale blue row", nil, "only a note for the item writer: a rarely chosen distractor", "analysis/review"},
		[]any{"Colours", "green row", nil, "pretest item to promote", "analysis/pretest"},
		[]any{"Colours", "blue bold row", nil, "the raw cut (Conversion) or the cut score (Projection)", "scale.json"})
	cols := []*wbColumn{{name: "Sheet", field: "Sheet", text: true, width: 14}, {name: "Column", field: "Column", text: true, width: 28},
		{name: "Machine name", field: "Machine name", text: true, width: 24}, {name: "Meaning", field: "Meaning", text: true, width: 70, wrap: true},
		{name: "Source", field: "Source", text: true, width: 40, wrap: true}}
	return &wbSheet{name: SheetGlossary, cols: cols, rows: func(emit func([]any) error) error {
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}}
}

// wbSlug is a domain name as a column name: lower case, every run of other
// characters than letters and digits one "_" ("Revenue Cycle/Finance" →
// revenue_cycle_finance).
func wbSlug(s string) string {
	var b strings.Builder
	us := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			us = false
		} else if !us && b.Len() > 0 {
			b.WriteByte('_')
			us = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
