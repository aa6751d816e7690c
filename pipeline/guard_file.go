package pipeline

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// CheckFileTarget checks a file that a command writes outside a run folder
// (report's --out workbook and --review page), as NewOutput checks a
// folder: its name must end in ext; an existing file is replaced only with
// force, and only if itemlab wrote it (a workbook whose document creator is
// itemlab, a page carrying itemlab's generator tag): a CSV, a spreadsheet
// of someone else's or any other file given by mistake is never replaced.
// what names the flag in messages ("--out").
func CheckFileTarget(path, ext, what string, force bool) error {
	if !strings.EqualFold(filepath.Ext(path), ext) {
		return Inputf("%s %s: want a file name ending in %s", what, path, ext)
	}
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return Inputf("%s %s: %v", what, path, err)
	}
	if !fi.Mode().IsRegular() {
		return Inputf("%s %s: exists and is not a file; not replaced", what, path)
	}
	if !force {
		return Inputf("%s %s: exists; replace it with --force (only a file itemlab wrote is replaced)", what, path)
	}
	if !writtenByItemlab(path, ext) {
		return Inputf("%s %s: exists and was not written by itemlab; not replaced, even with --force", what, path)
	}
	return nil
}

// writtenByItemlab reports whether the file at path is an itemlab workbook
// (docProps/core.xml names itemlab as its creator) or page (its head has
// itemlab's generator meta tag).
func writtenByItemlab(path, ext string) bool {
	switch strings.ToLower(ext) {
	case ".xlsx":
		zr, err := zip.OpenReader(path)
		if err != nil {
			return false
		}
		defer zr.Close()
		for _, f := range zr.File {
			if f.Name != "docProps/core.xml" {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				return false
			}
			b, _ := io.ReadAll(io.LimitReader(rc, 1<<20))
			rc.Close()
			return bytes.Contains(b, []byte(">itemlab</dc:creator>"))
		}
	case ".html":
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		defer f.Close()
		b, _ := io.ReadAll(io.LimitReader(f, 64<<10))
		return bytes.Contains(b, []byte(`name="generator" content="itemlab`))
	}
	return false
}
