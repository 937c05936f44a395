package ipynb

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"

	"github.com/deepnrc/deepnrc/internal/atomicfile"
)

// Kernel names the Jupyter kernel that deepnrc notebooks run on; the kernel/
// program of this repository installs it.
const (
	KernelName        = "deepnrc"
	KernelDisplayName = "Go (deepnrc)"
)

// New returns a notebook with the given cells and the metadata of a deepnrc
// notebook: the "deepnrc" kernelspec and Go language info.
func New(cells ...Cell) *Notebook {
	return &Notebook{
		Cells: cells,
		Metadata: map[string]any{
			"kernelspec": map[string]any{
				"display_name": KernelDisplayName,
				"language":     "go",
				"name":         KernelName,
			},
			"language_info": map[string]any{
				"file_extension": ".go",
				"mimetype":       "text/x-go",
				"name":           "go",
			},
		},
		Format:      4,
		FormatMinor: 5,
	}
}

// Markdown returns a markdown cell with the given text.
func Markdown(text string) Cell {
	return Cell{Type: MarkdownCell, Source: text, Metadata: map[string]any{}}
}

// Code returns a code cell with the given Go source, not yet executed.
func Code(src string) Cell {
	return Cell{Type: CodeCell, Source: src, Metadata: map[string]any{}}
}

// ExpectSVG returns a copy of c whose metadata declares that the cell must
// display an SVG figure; Check reports the cell when it does not.
func (c Cell) ExpectSVG() Cell {
	md := make(map[string]any, len(c.Metadata)+1)
	for k, v := range c.Metadata {
		md[k] = v
	}
	setExpectsSVG(md)
	c.Metadata = md
	return c
}

// ExpectSVG declares in the notebook metadata that the notebook must display
// at least one SVG figure, and returns nb.
func (nb *Notebook) ExpectSVG() *Notebook {
	if nb.Metadata == nil {
		nb.Metadata = map[string]any{}
	}
	setExpectsSVG(nb.Metadata)
	return nb
}

// validID is nbformat 4.5's rule for cell ids.
var validID = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// assignIDs returns one id per cell: the cell's own id when set, otherwise
// the first 8 hex digits of a SHA-256 of its type and source (stable when
// other cells are inserted or edited), with "-2", "-3", ... appended to
// repeats. It fails on an invalid or duplicate explicit id.
func assignIDs(cells []Cell) ([]string, error) {
	ids := make([]string, len(cells))
	used := map[string]bool{}
	for i, c := range cells {
		if c.ID == "" {
			continue
		}
		if !validID.MatchString(c.ID) {
			return nil, fmt.Errorf("cell %d: id %q is invalid; nbformat ids are 1-64 characters of a-z, A-Z, 0-9, '-' and '_'", i, c.ID)
		}
		if used[c.ID] {
			return nil, fmt.Errorf("cell %d: id %q is used twice; give the cell another id or leave it empty to have one generated", i, c.ID)
		}
		used[c.ID] = true
		ids[i] = c.ID
	}
	for i, c := range cells {
		if ids[i] != "" {
			continue
		}
		sum := sha256.Sum256([]byte(c.Type + "\x00" + c.Source))
		base := hex.EncodeToString(sum[:4])
		id := base
		for n := 2; used[id]; n++ {
			id = base + "-" + strconv.Itoa(n)
		}
		used[id] = true
		ids[i] = id
	}
	return ids, nil
}

// Marshal encodes nb as nbformat 4 JSON, as nbformat writes it. Cells
// without an id get a generated one (see the package doc); code cells keep
// their outputs and execution counts, if any.
func (nb *Notebook) Marshal() ([]byte, error) {
	ids, err := assignIDs(nb.Cells)
	if err != nil {
		return nil, err
	}
	cells := make([]any, len(nb.Cells))
	for i, c := range nb.Cells {
		m := map[string]any{}
		for k, v := range c.rest {
			m[k] = v
		}
		m["id"] = ids[i]
		m["cell_type"] = c.Type
		m["source"] = splitLines(c.Source)
		md := c.Metadata
		if md == nil {
			md = map[string]any{}
		}
		m["metadata"] = md
		switch c.Type {
		case CodeCell:
			outs := make([]any, 0, len(c.Outputs))
			for j, o := range c.Outputs {
				if len(o.raw) == 0 {
					return nil, fmt.Errorf("cell %d output %d: outputs built in Go cannot be written; only outputs read from a notebook", i, j)
				}
				outs = append(outs, o.raw)
			}
			m["outputs"] = outs
			if c.ExecutionCount != nil {
				m["execution_count"] = *c.ExecutionCount
			} else {
				m["execution_count"] = nil
			}
		case MarkdownCell, RawCell:
		default:
			return nil, fmt.Errorf("cell %d: unknown cell type %q; build cells with Code or Markdown", i, c.Type)
		}
		cells[i] = m
	}
	md := nb.Metadata
	if md == nil {
		md = map[string]any{}
	}
	format, minor := nb.Format, nb.FormatMinor
	if format == 0 {
		format, minor = 4, 5
	}
	if format == 4 && minor < 5 {
		minor = 5 // cell ids need nbformat 4.5
	}
	return encode(map[string]any{
		"cells":          cells,
		"metadata":       md,
		"nbformat":       format,
		"nbformat_minor": minor,
	})
}

// encode writes v the way nbformat does: sorted keys, indent of one space,
// no HTML escaping, trailing newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write marshals nb and stores it at path atomically (a temporary file in
// the same directory, renamed over path).
func (nb *Notebook) Write(path string) error {
	data, err := nb.Marshal()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return WriteFileAtomic(path, data)
}

// WriteFileAtomic writes data to path atomically (see package atomicfile),
// readable by all.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteFile(path, data, 0o644)
}
