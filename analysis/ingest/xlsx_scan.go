package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"path"
	"strings"
)

// sheetScan is what sheetFormulas finds in a worksheet's XML.
type sheetScan struct {
	formulas map[string]string // cell name → formula, for formulas without a value
	merges   []string          // ranges of merged cells, "B2:C3"
}

// sheetFormulas lists the formula cells of a worksheet that have no saved
// value (written by a program that does not calculate), by cell name, with
// the formula's text (a shared formula's dependent cells get the text of
// the cell that defines it). It also lists the merged ranges. It reads the
// worksheet's XML from the package in one streaming pass, and only when the
// XML holds a formula or merge element at all: asking excelize for each blank
// cell's formula, or for the merged cells, loads the whole sheet into memory
// (7 GB and 56 s for a sheet of a million rows).
//
// A package it cannot read gives no formulas: excelize reports the problem.
func sheetFormulas(zr *zip.Reader, sheet string) sheetScan {
	var sc sheetScan
	zf := sheetPart(zr, sheet)
	if zf == nil {
		return sc
	}
	rc, err := zf.Open()
	if err != nil {
		return sc
	}
	has := hasFormula(rc)
	rc.Close()
	if !has {
		return sc
	}
	if rc, err = zf.Open(); err != nil {
		return sc
	}
	defer rc.Close()
	out := map[string]string{}
	sc.formulas = out
	shared := map[string]string{} // si → formula text
	dec := xml.NewDecoder(rc)
	var (
		inCell, inF, inV, hasF bool
		ref, ftext, si, v      string
	)
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return sc
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "mergeCell":
				if ref := attr(t, "ref"); ref != "" {
					sc.merges = append(sc.merges, ref)
				}
			case "c":
				inCell, hasF, ref, ftext, si, v = true, false, attr(t, "r"), "", "", ""
			case "f":
				if inCell {
					inF, hasF = true, true
					si = attr(t, "si")
				}
			case "v", "is":
				inV = inCell
			}
		case xml.CharData:
			switch {
			case inF:
				ftext += string(t)
			case inV:
				v += string(t)
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "f":
				inF = false
				if si != "" && ftext != "" {
					shared[si] = ftext
				}
			case "v", "is":
				inV = false
			case "c":
				if hasF && v == "" && ref != "" {
					if ftext == "" {
						ftext = shared[si]
					}
					if ftext == "" {
						ftext = "(a shared formula)"
					}
					out[ref] = ftext
				}
				inCell = false
			}
		}
	}
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// hasFormula reports whether an XML stream holds an element named f or
// mergeCell (with any namespace prefix): "<f>", "<f ", "<f/>", "<x:f>" …
func hasFormula(r io.Reader) bool {
	buf := make([]byte, 64<<10)
	var carry []byte
	for {
		n, err := r.Read(buf)
		chunk := append(carry, buf[:n]...)
		for i := 0; ; {
			k := bytes.IndexByte(chunk[i:], '<')
			if k < 0 {
				break
			}
			i += k + 1
			j := i
			for j < len(chunk) && chunk[j] != '>' && chunk[j] != ' ' && chunk[j] != '/' && j-i < 16 {
				j++
			}
			if j == len(chunk) {
				break // the name runs past the chunk: look again with the next
			}
			name := chunk[i:j]
			if c := bytes.IndexByte(name, ':'); c >= 0 {
				name = name[c+1:]
			}
			if string(name) == "f" || string(name) == "mergeCell" {
				return true
			}
		}
		if len(chunk) > 32 {
			carry = append(carry[:0], chunk[len(chunk)-32:]...)
		} else {
			carry = append(carry[:0], chunk...)
		}
		if err != nil {
			return false
		}
	}
}

// sheetPart finds the zip entry of the named worksheet through the
// workbook and its relationships.
func sheetPart(zr *zip.Reader, sheet string) *zip.File {
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[strings.ToLower(strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/"))] = f
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if !readXML(files["xl/workbook.xml"], &wb) || !readXML(files["xl/_rels/workbook.xml.rels"], &rels) {
		return nil
	}
	for _, s := range wb.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID != s.RID {
				continue
			}
			p := r.Target
			if strings.HasPrefix(p, "/") {
				p = strings.TrimPrefix(p, "/")
			} else {
				p = path.Join("xl", p)
			}
			return files[strings.ToLower(p)]
		}
	}
	return nil
}

// readXML decodes a small package part; false if it is missing or bad.
func readXML(f *zip.File, v any) bool {
	if f == nil || f.UncompressedSize64 > 64<<20 {
		return false
	}
	rc, err := f.Open()
	if err != nil {
		return false
	}
	defer rc.Close()
	return xml.NewDecoder(rc).Decode(v) == nil
}

// sheetDimension returns the range a worksheet's dimension element claims
// ("A1:K1048576"), from the first 64 KiB of its XML; empty if none.
func sheetDimension(zr *zip.Reader, sheet string) string {
	zf := sheetPart(zr, sheet)
	if zf == nil {
		return ""
	}
	rc, err := zf.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	head, _ := io.ReadAll(io.LimitReader(rc, 64<<10))
	k := bytes.Index(head, []byte("dimension ref=\""))
	if k < 0 {
		return ""
	}
	rest := head[k+len("dimension ref=\""):]
	e := bytes.IndexByte(rest, '"')
	if e < 0 {
		return ""
	}
	return string(rest[:e])
}
