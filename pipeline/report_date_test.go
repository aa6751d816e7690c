package pipeline

import (
	"testing"
	"time"
)

func TestReportDate(t *testing.T) {
	started := time.Date(2026, 12, 1, 23, 30, 0, 0, time.FixedZone("X", -5*3600))
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if got := reportDate(started); got != "2026-12-02" {
		t.Errorf("reportDate without SOURCE_DATE_EPOCH = %s, want the UTC day 2026-12-02", got)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01T00:00:00Z
	if got := reportDate(started); got != "2026-01-01" {
		t.Errorf("reportDate with SOURCE_DATE_EPOCH = %s, want 2026-01-01", got)
	}
}
