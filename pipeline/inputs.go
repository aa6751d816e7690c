package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/itemlab/itemlab/analysis"
	"github.com/itemlab/itemlab/analysis/ingest"
	"github.com/itemlab/itemlab/analysis/pretest"
	"github.com/itemlab/itemlab/analysis/projection"
	"github.com/itemlab/itemlab/analysis/scale"
	"github.com/itemlab/itemlab/reports"
)

// input is an opened input file that hashes what is read from it.
type input struct {
	f    *os.File
	h    hash.Hash
	n    int64
	path string
}

func (h *input) Read(p []byte) (int, error) {
	n, err := h.f.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// record finishes reading the file (for its hash), closes it and returns its
// record for the manifest.
func (h *input) record() reports.FileRecord {
	io.Copy(io.Discard, h)
	h.f.Close()
	return reports.FileRecord{Path: h.path, Bytes: h.n, SHA256: hex.EncodeToString(h.h.Sum(nil))}
}

// openInput opens a user's input file for reading, with a clear message for
// a missing file or a folder; what names it as the user gave it (a flag or a
// spec key).
func openInput(what, path string) (*input, error) {
	if path == "" {
		return nil, Inputf("--%s is required", what)
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, Inputf("%s: no such file (given as --%s)", path, what)
	case err != nil:
		return nil, Inputf("%s: %v", path, err)
	case fi.IsDir():
		return nil, Inputf("%s: is a folder, want a file (given as --%s)", path, what)
	case !fi.Mode().IsRegular():
		// A device or pipe (/dev/zero) could be read forever.
		return nil, Inputf("%s: is not a regular file (a device, pipe or socket), want a file (given as --%s)", path, what)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, Inputf("%s: %v", path, err)
	}
	return &input{f: f, h: sha256.New(), path: path}, nil
}

// ReadInput reads a whole input file and records it in out's manifest.
func ReadInput(out *Output, what, path string) ([]byte, error) {
	in, err := openInput(what, path)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(in)
	if cerr := out.AddInput(in.record()); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, Inputf("%s: %v", path, err)
	}
	return data, nil
}

// LoadParams reads a parameter file (params.csv) and records it as an input.
func LoadParams(out *Output, what, file string) ([]analysis.ItemParams, error) {
	ps, _, err := LoadParamsID(out, what, file)
	return ps, err
}

// LoadParamsID is LoadParams that also returns the id of the calibration the
// parameters come from: the calibration_id of the fit.json or linking.json
// beside the file (a calibration's params.csv, or a linked form's), else
// the file's own, the first 16 hex digits of its SHA-256 (as
// reports.CalibrationID gives for the params.csv a calibration wrote).
func LoadParamsID(out *Output, what, file string) ([]analysis.ItemParams, string, error) {
	in, err := openInput(what, file)
	if err != nil {
		return nil, "", err
	}
	ps, err := reports.ReadParams(ingest.Source{Name: file, R: in})
	rec := in.record()
	if cerr := out.AddInput(rec); cerr != nil {
		return nil, "", cerr
	}
	if err != nil {
		return nil, "", asInput(err)
	}
	return ps, siblingCalibrationID(file, rec.SHA256[:16]), nil
}

// LoadFormParams reads a parameter file and, when there is one beside it,
// its params_cov.csv (both recorded as inputs).
func LoadFormParams(out *Output, what, file string) (FormParams, error) {
	ps, id, err := LoadParamsID(out, what, file)
	if err != nil {
		return FormParams{}, err
	}
	fp := FormParams{Params: ps, ID: id}
	covFile := filepath.Join(filepath.Dir(file), reports.FileParamCov)
	if filepath.Base(file) == reports.FileParamCov {
		return fp, nil
	}
	if _, err := os.Stat(covFile); err != nil {
		return fp, nil
	}
	in, err := openInput(what+" covariances", covFile)
	if err != nil {
		return fp, err
	}
	fp.Cov, err = reports.ReadParamCov(ingest.Source{Name: covFile, R: in})
	if cerr := out.AddInput(in.record()); cerr != nil {
		return fp, cerr
	}
	if err != nil {
		return fp, asInput(err)
	}
	return fp, nil
}

// LoadScale reads a scale.json and records it as an input.
func LoadScale(out *Output, what, file string) (*scale.Scale, error) {
	in, err := openInput(what, file)
	if err != nil {
		return nil, err
	}
	s, err := reports.ReadScale(file, in)
	if cerr := out.AddInput(in.record()); cerr != nil {
		return nil, cerr
	}
	return s, asInput(err)
}

// LoadFitPopulation reads the latent distribution of a calibration's
// fit.json and records the file as an input.
func LoadFitPopulation(out *Output, what, file string) (projection.Population, error) {
	in, err := openInput(what, file)
	if err != nil {
		return projection.Population{}, err
	}
	p, err := reports.ReadFitPopulation(file, in)
	if cerr := out.AddInput(in.record()); cerr != nil {
		return projection.Population{}, cerr
	}
	return p, asInput(err)
}

// LoadRules reads pretest review rules over the defaults ("" gives the
// defaults) and records the file as an input.
func LoadRules(out *Output, file string) (pretest.Rules, error) {
	if file == "" {
		return pretest.DefaultRules(), nil
	}
	in, err := openInput("rules", file)
	if err != nil {
		return pretest.Rules{}, err
	}
	r, err := pretest.ReadRules(file, in)
	if cerr := out.AddInput(in.record()); cerr != nil {
		return pretest.Rules{}, cerr
	}
	if err != nil {
		return r, asInput(err)
	}
	return r, nil
}

// siblingCalibrationID is the calibration_id of the fit.json or
// linking.json beside file, else own.
func siblingCalibrationID(file, own string) string {
	dir := filepath.Dir(file)
	for _, name := range []string{reports.FileFit, reports.FileLinking} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		var v struct {
			ID string `json:"calibration_id"`
		}
		if json.Unmarshal(b, &v) == nil && v.ID != "" {
			return v.ID
		}
	}
	return own
}
