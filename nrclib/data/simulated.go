package data

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/deepnrc/deepnrc/nrclib/data/simulated"
)

// SimulatedTable returns the shipped simulated MuJoCo dataset called name
// (swimmer, reacher or hopper) as a table in file order — episode after
// episode, states X and actions Y, raw — with its manifest entry. It fails
// when the embedded file does not match its recorded checksum.
func SimulatedTable(name string) (*Table, simulated.Entry, error) {
	e, ok := simulated.Lookup(name)
	if !ok {
		return nil, e, fmt.Errorf("%s: no simulated data is shipped (simulated datasets: %v)", name, simulated.Names())
	}
	b, err := e.Data()
	if err != nil {
		return nil, e, err
	}
	tb, err := parseNumericCSV(e.File, b, e.StateDim, e.ActionDim)
	if err != nil {
		return nil, e, err
	}
	if tb.N != e.Rows {
		return nil, e, fmt.Errorf("%s: %d rows, but its manifest records %d", e.File, tb.N, e.Rows)
	}
	return tb, e, nil
}

// parseNumericCSV parses header-less lines of d+t comma-separated numbers
// (the layout Rollouts.CSV of package mujoco writes).
func parseNumericCSV(file string, b []byte, d, t int) (*Table, error) {
	tb := &Table{D: d, T: t}
	row := 0
	for len(b) > 0 {
		row++
		line := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		fields := bytes.Split(line, []byte{','})
		if len(fields) != d+t {
			return nil, &FileError{File: file, Row: row, Problem: fmt.Sprintf("%d columns, expected %d", len(fields), d+t),
				Fix: "regenerate the file with its manifest's command"}
		}
		for j, f := range fields {
			v, err := strconv.ParseFloat(string(f), 64)
			if err != nil {
				return nil, &FileError{File: file, Row: row, Col: j + 1, Problem: fmt.Sprintf("%q is not a number", f),
					Fix: "regenerate the file with its manifest's command"}
			}
			if j < d {
				tb.X = append(tb.X, v)
			} else {
				tb.Y = append(tb.Y, v)
			}
		}
		tb.N++
	}
	if err := tb.check(file); err != nil {
		return nil, err
	}
	return tb, nil
}

// loadSimulated builds the Dataset of the shipped simulated file of name.
func loadSimulated(name, paper string, opt Options) (*Dataset, error) {
	tb, e, err := SimulatedTable(name)
	if err != nil {
		return nil, err
	}
	tb = tb.head(opt.N)
	ds := &Dataset{Name: name, Source: SourceSimulated, Simulator: e.Simulator,
		StandsInFor: paper + " (MuJoCo expert behaviour cloning)",
		Description: fmt.Sprintf("Simulated %s behaviour-cloning data made by deepnrc with %s (its own model of Gymnasium's %s-v4 and a %s expert): "+
			"%d samples of the shipped %s (%d episodes, seed %d; made by `%s`), %d states → %d actions; 80/20 split (seed %d), X and Y standardised with train statistics. "+
			"Not the paper's episodes (a different expert); real data: %s.csv in the data directory.",
			paper, e.Simulator, paper, e.Controller, tb.N, e.File, e.Episodes, e.Seed, e.Command, tb.D, tb.T, opt.SplitSeed, name)}
	tb.build(ds, splitShuffled, scaleStandard, opt.SplitSeed)
	return ds, nil
}
