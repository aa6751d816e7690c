package analysis

// Domain is a content domain of the blueprint with its weight (share of the
// operational items).
type Domain struct {
	Name   string  `json:"name" yaml:"name"`
	Weight float64 `json:"weight" yaml:"weight"`
}

// DefaultDomains is the blueprint of the exam itemlab's defaults describe:
// five domains weighted 32/28/15/15/10 %.
func DefaultDomains() []Domain {
	return []Domain{
		{"Clinical Operations", 0.32},
		{"Non-Clinical Operations", 0.28},
		{"Revenue Cycle/Finance", 0.15},
		{"Regulatory Compliance", 0.15},
		{"Reporting", 0.10},
	}
}
