package ingest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/itemlab/itemlab/analysis"
)

// TestParallelBlocks reads files large enough to span many blocks (with a
// tiny block size) and checks the result equals row-by-row reading, and that
// errors in later blocks keep their line numbers.
func TestParallelBlocks(t *testing.T) {
	defer func(n int) { ingestBlockSize = n }(ingestBlockSize)
	ingestBlockSize = 256
	var b strings.Builder
	b.WriteString("id,Q1,Q2,Q3\r\n")
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "c%d,%c,%c,%c\r\n", i, "ABCD"[i%4], "ABCD "[i%5], "ABCD"[(i/3)%4])
		if i%97 == 0 {
			b.WriteString("\r\n,,,\r\n")
		}
	}
	text := b.String()
	d, err := load(t, text, itemsCSV)
	if err != nil {
		t.Fatal(err)
	}
	ingestBlockSize = 1 << 20 // one block: the whole file
	want, err := load(t, text, itemsCSV)
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 500 || want.N != 500 {
		t.Fatalf("N = %d and %d, want 500", d.N, want.N)
	}
	for i := range d.Candidates {
		if d.Candidates[i] != want.Candidates[i] {
			t.Fatalf("candidate %d: %+v, want %+v", i, d.Candidates[i], want.Candidates[i])
		}
	}
	if string(d.Raw) != string(want.Raw) {
		t.Fatal("raw responses differ between block-parallel and sequential reading")
	}
	ingestBlockSize = 256

	cases := []struct {
		name, text string
		row, col   int
		msg        string
	}{
		{"late bad code", text + "z1,A,Q,C\r\n", 0, 3, "invalid response"},
		{"late duplicate", text + "c3,A,B,C\r\n", 0, 1, "duplicate candidate id \"c3\""},
		{"late ragged", text + "z2,A,B\r\n", 0, 3, "ragged"},
		{"quote after many blocks", text + "\"z3\",\"A\nB\",C,D\r\n", 0, 2, "invalid response \"A\\nB\""},
	}
	lines := strings.Count(text, "\n")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.text, itemsCSV)
			var pe *analysis.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Row != lines+1 || pe.Column != tc.col || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("got %v (row %d col %d), want line %d column %d mentioning %q", err, pe.Row, pe.Column, lines+1, tc.col, tc.msg)
			}
		})
	}
	// A quoted field early on makes the rest sequential, with the same result.
	q := strings.Replace(text, "c10,", "\"c10\",", 1)
	dq, err := load(t, q, itemsCSV)
	if err != nil || dq.N != 500 || string(dq.Raw) != string(want.Raw) {
		t.Fatalf("with a quote: N=%d err=%v", dq.N, err)
	}
}

// TestRowChunks fills many blocks (past the doubling) and checks the joined
// rows.
func TestRowChunks(t *testing.T) {
	r := rowChunks{width: 3}
	n := 80*rowsPerChunk + 5
	for i := 0; i < n; i++ {
		row := r.add()
		row[0], row[2] = uint8(i), uint8(i>>8)
	}
	out := r.join()
	if len(out) != 3*n {
		t.Fatalf("len = %d, want %d", len(out), 3*n)
	}
	for i := 0; i < n; i += 997 {
		if out[3*i] != uint8(i) || out[3*i+2] != uint8(i>>8) {
			t.Fatalf("row %d = %v", i, out[3*i:3*i+3])
		}
	}
}

// TestSizeHint reads a file of 100,000 rows with Source.Size right, far too
// small and far too large: the matrix is allocated once from the estimate or
// grown as without a hint, and the dataset is the same every time. Equal
// group codes share one string.
func TestSizeHint(t *testing.T) {
	defer func(n int) { ingestBlockSize = n }(ingestBlockSize)
	ingestBlockSize = 64 << 10
	var b strings.Builder
	b.WriteString("id,group,Q1,Q2,Q3\n")
	for i := 0; i < 100_000; i++ {
		fmt.Fprintf(&b, "c%d,%s,%c,%c,%c\n", i, []string{"focal", "reference"}[i%3/2], "ABCD"[i%4], "ABCD "[i%5], "ABCD"[(i/3)%4])
	}
	text := b.String()
	read := func(size int64) *analysis.Dataset {
		t.Helper()
		d, err := Load(Source{Name: "responses.csv", R: strings.NewReader(text), Size: size},
			&Source{Name: "items.csv", R: strings.NewReader(itemsCSV)}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	want := read(0)
	for _, size := range []int64{int64(len(text)), 1000, 40 * int64(len(text))} {
		d := read(size)
		if d.N != want.N || string(d.Raw) != string(want.Raw) || string(d.Scored) != string(want.Scored) {
			t.Fatalf("size hint %d: the dataset differs from reading without a hint", size)
		}
		for i := range d.Candidates {
			if d.Candidates[i] != want.Candidates[i] {
				t.Fatalf("size hint %d: candidate %d = %+v, want %+v", size, i, d.Candidates[i], want.Candidates[i])
			}
		}
		if size == int64(len(text)) && cap(d.Raw) != len(d.Raw) {
			t.Errorf("size hint %d: cap(Raw) = %d, want the length %d (no spare capacity kept)", size, cap(d.Raw), len(d.Raw))
		}
	}
	g0, g3 := want.Candidates[0].Group, want.Candidates[3].Group
	if g0 != g3 || unsafe.StringData(g0) != unsafe.StringData(g3) {
		t.Errorf("group codes %q and %q of rows 1 and 4 are two strings, want one", g0, g3)
	}
}

// TestPreScoredShares checks that a 0/1 file keeps one matrix (Scored is
// Raw) and that not-reached marking separates them, Scored still missing
// where Raw says not reached.
func TestPreScoredShares(t *testing.T) {
	text := "Q1,Q2,Q3\n1,0,\n0,1,1\n1,,\n"
	d, err := Load(Source{Name: "r.csv", R: strings.NewReader(text)}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if &d.Scored[0] != &d.Raw[0] {
		t.Errorf("pre-scored data: Scored is a copy of Raw, want the same matrix")
	}
	if want := []uint8{1, 0, 255, 0, 1, 1, 1, 255, 255}; string(d.Scored) != string(want) {
		t.Errorf("Scored = %v, want %v", d.Scored, want)
	}
	d, err = Load(Source{Name: "r.csv", R: strings.NewReader(text)}, nil, Options{NotReached: true})
	if err != nil {
		t.Fatal(err)
	}
	if &d.Scored[0] == &d.Raw[0] {
		t.Fatalf("with not-reached marking Scored is Raw, want two matrices")
	}
	if d.Raw[2] != analysis.NotReached || d.Scored[2] != 255 {
		t.Errorf("row 1, Q3: raw %d, scored %d; want not reached (%d) and missing (255)", d.Raw[2], d.Scored[2], analysis.NotReached)
	}
}

// TestRowNumberIDs checks the ids of a file without an id column across
// the batches in which they are made.
func TestRowNumberIDs(t *testing.T) {
	var b strings.Builder
	b.WriteString("Q1,Q2\n")
	for i := 0; i < 9000; i++ {
		b.WriteString("1,0\n")
	}
	d, err := Load(Source{Name: "r.csv", R: strings.NewReader(b.String())}, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range d.Candidates {
		if want := fmt.Sprint(i + 1); c.ID != want {
			t.Fatalf("candidate %d: id %q, want %q", i, c.ID, want)
		}
	}
}

// TestDuplicateIDsClash checks the duplicate-id check when every id has the
// same hash: distinct ids pass, and a repeat is found with its first line.
func TestDuplicateIDsClash(t *testing.T) {
	defer func(h func(string) uint64) { idHash = h }(idHash)
	idHash = func(string) uint64 { return 7 }
	d, err := load(t, "id,Q1,Q2,Q3\na,A,B,C\nb,A,B,C\nc,A,B,C\n", itemsCSV)
	if err != nil || d.N != 3 {
		t.Fatalf("distinct ids: N = %v, err = %v", d, err)
	}
	for _, tc := range []struct {
		resp string
		row  int
		msg  string
	}{
		{"id,Q1,Q2,Q3\na,A,B,C\nb,A,B,C\na,A,B,C\n", 4, `duplicate candidate id "a" (first on line 2)`},
		{"id,Q1,Q2,Q3\na,A,B,C\nb,A,B,C\nc,A,B,C\nb,A,B,C\n", 5, `duplicate candidate id "b" (first on line 3)`},
	} {
		_, err := load(t, tc.resp, itemsCSV)
		var pe *analysis.ParseError
		if !errors.As(err, &pe) || pe.Row != tc.row || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: err = %v, want line %d: %s", tc.resp, err, tc.row, tc.msg)
		}
	}
}
