package reports

import (
	"math"
	"strings"
	"testing"

	"github.com/itemlab/itemlab/analysis/dif"
)

func TestDIFTable(t *testing.T) {
	res := []dif.Result{
		{ItemID: "Q1", OddsRatio: 2.827957, DDIF: -2.442953, SE: 1.129617, ChiSquare: 3.762352, P: 0.052419,
			Category: dif.ETSA, Favours: dif.FavoursNone, NReference: 45, NFocal: 40, Strata: 2},
		{ItemID: "Q2", OddsRatio: math.Inf(1), DDIF: math.Inf(-1), SE: math.NaN(), ChiSquare: 9, P: 0.0027,
			Category: dif.ETSB, Favours: dif.FavoursReference, NReference: 10, NFocal: 12, Strata: 3},
	}
	tab := DIFTable(res)
	const want = "item_id,mh_odds_ratio,mh_d_dif,se,ets_category,favours,chi_square,p_value,n_reference,n_focal"
	if got := strings.Join(tab.Header, ","); !strings.HasPrefix(got, want) {
		t.Errorf("header %q, want prefix %q", got, want)
	}
	if got := strings.Join(tab.Rows[0], ","); got != "Q1,2.827957,-2.442953,1.129617,A,none,3.762352,0.052419,45,40,2" {
		t.Errorf("row 1 = %s", got)
	}
	if got := strings.Join(tab.Rows[1][:6], ","); got != "Q2,,,,B,reference" {
		t.Errorf("row 2 = %s: infinite and NaN statistics should be empty", got)
	}
}

func TestLogisticDIFTable(t *testing.T) {
	tab := LogisticDIFTable([]dif.LogisticResult{{ItemID: "Q1", ChiSquare: 2.80712, P: 0.245721,
		Category: dif.ETSA, Favours: dif.FavoursNone, NReference: 100, NFocal: 50, Converged: true}})
	if len(tab.Rows) != 1 || len(tab.Rows[0]) != len(tab.Header) {
		t.Fatalf("table %v", tab)
	}
	if got := strings.Join(tab.Rows[0][:6], ","); got != "Q1,2.807120,0.245721,0.000000,A,none" {
		t.Errorf("row %s", got)
	}
}
