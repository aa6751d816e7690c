package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// CalibrationID identifies a calibration by its parameters: the first 16 hex
// digits of the SHA-256 of its params.csv as WriteCSV writes it. Every JSON
// output built from a calibration's parameters records it as
// "calibration_id" (a linked form's parameters keep the id of the
// calibration they came from), so that outputs of different calibrations
// are never reported together.
func CalibrationID(params *Table) string {
	var buf bytes.Buffer
	WriteCSV(&buf, params)
	return shortSHA(buf.Bytes())
}

func shortSHA(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:8])
}

// MixedCalibrationsError is returned by ReadRun for a folder whose outputs
// come from more than one calibration.
type MixedCalibrationsError struct {
	Dir string
	// ByID lists, for each calibration id, the files that record it.
	ByID map[string][]string
}

func (e *MixedCalibrationsError) Error() string {
	var ids []string
	for id := range e.ByID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("calibration %s (%s)", id, strings.Join(e.ByID[id], ", ")))
	}
	return fmt.Sprintf("reports: %s holds outputs of %d different calibrations: %s; report on one run's folder, or rerun the stages that follow the calibration you want",
		e.Dir, len(ids), strings.Join(parts, "; "))
}

// checkCalibrations reads the calibration_id of every JSON file in the run
// folder (two folder levels down at most) and the params.csv ReadRun chose,
// and fails with a *MixedCalibrationsError when they name more than one
// calibration. Files that record none (older runs, test fixtures) are not
// checked.
func checkCalibrations(dir, paramsPath string) error {
	byID := map[string][]string{}
	linked := map[string]string{} // sha of linked params.csv -> calibration
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			if rel != "." && (strings.Count(filepath.ToSlash(rel), "/") >= 2 || d.Name() == DirCharts) {
				return filepath.SkipDir
			}
			return nil
		}
		// The bank's scale copied into a bank run is an input: it names
		// the base form's calibration.
		if !strings.HasSuffix(p, ".json") || d.Name() == FileManifest || d.Name() == FileBankScale {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var v struct {
			ID     string `json:"calibration_id"`
			Linked string `json:"linked_params_sha256"`
		}
		if json.Unmarshal(b, &v) != nil || v.ID == "" {
			return nil
		}
		byID[v.ID] = append(byID[v.ID], filepath.ToSlash(rel))
		if v.Linked != "" {
			linked[v.Linked] = v.ID
		}
		return nil
	})
	if err != nil {
		return err
	}
	if paramsPath != "" && len(byID) > 0 {
		f, err := os.Open(paramsPath)
		if err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			sha := shortSHA(b)
			id := sha
			if l, ok := linked[sha]; ok {
				id = l
			}
			rel, _ := filepath.Rel(dir, paramsPath)
			byID[id] = append(byID[id], filepath.ToSlash(rel))
		}
	}
	if len(byID) > 1 {
		return &MixedCalibrationsError{Dir: dir, ByID: byID}
	}
	return nil
}
