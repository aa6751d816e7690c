package reports

// Manifest is the audit record every itemlab run folder carries as
// manifest.json: what ran, on which inputs (by SHA-256), with which options,
// and what it wrote.
type Manifest struct {
	Tool     string            `json:"tool"`
	RunID    string            `json:"run_id,omitempty"` // the run's identity (pipeline.RunID), which the item bank records
	Version  string            `json:"version"`
	Command  string            `json:"command"`
	Args     []string          `json:"args"`
	Options  map[string]string `json:"options"`
	Seed     *uint64           `json:"seed,omitempty"`
	Spec     string            `json:"spec,omitempty"` // the exam spec's text, for itemlab run
	Inputs   []FileRecord      `json:"inputs"`
	Outputs  []FileRecord      `json:"outputs"`
	Stages   []StageRecord     `json:"stages,omitempty"`
	Warnings []string          `json:"warnings"`
	Started  string            `json:"started"`
	Seconds  float64           `json:"seconds"`
	GoOS     string            `json:"goos"`
	GoArch   string            `json:"goarch"`
}

// FileRecord identifies a file by path, size and SHA-256.
type FileRecord struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// StageRecord times one stage of a pipeline run.
type StageRecord struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	Outputs int     `json:"outputs"`
}
