package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestParseHeaderDictVariants(t *testing.T) {
	cases := []struct {
		text    string
		descr   string
		fortran bool
		shape   []int
	}{
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" + strings.Repeat(" ", 20) + "\n", "<f8", false, []int{2, 3}},
		{"{'descr':'<f4','fortran_order':False,'shape':(7,)}", "<f4", false, []int{7}},
		{`{"shape": (7,), "fortran_order": True, "descr": "<f4"}`, "<f4", true, []int{7}},
		{" { 'shape' : ( 2 , 3 , ) , 'descr' : '<f8' , 'fortran_order' : False , } \n", "<f8", false, []int{2, 3}},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 4L), }\n", "<f8", false, []int{3, 4}},
		{"{'descr':\n  u'<f8',\n 'fortran_order': False,\n 'shape': (1, 2, 3, 4)}\n", "<f8", false, []int{1, 2, 3, 4}},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (), }\n", "<f8", false, []int{}},
		{"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }\n", "<f8", false, []int{0, 5}},
		{"{'descr': '>i8', 'fortran_order': False, 'shape': (9223372036854775807,), }", ">i8", false, []int{math.MaxInt64}},
		// A structured dtype parses; checkHeader rejects it later.
		{"{'descr': [('x', '<f8'), ('y', '<i4')], 'fortran_order': False, 'shape': (2,), }", `[("x", "<f8"), ("y", "<i4")]`, false, []int{2}},
	}
	for _, c := range cases {
		h, err := parseHeaderDict(c.text)
		if err != nil {
			t.Errorf("parseHeaderDict(%q): %v", c.text, err)
			continue
		}
		if h.descr != c.descr || h.fortran != c.fortran || !slices.Equal(h.shape, c.shape) {
			t.Errorf("parseHeaderDict(%q) = %+v, want descr %q fortran %v shape %v", c.text, h, c.descr, c.fortran, c.shape)
		}
	}
}

func TestParseHeaderDictRejectsGarbage(t *testing.T) {
	cases := map[string]string{
		"":      "dict literal",
		"hello": "dict literal",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), ":                 "end of header",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)} x":                "after the header dict",
		"{'descr': <f8, 'fortran_order': False, 'shape': (2, 3)}":                    "unexpected character",
		"{'descr': '<f8, 'fortran_order': False, 'shape': (2, 3)}":                   "expected ','",
		"{'descr': '<f8', 'fortran_order': False}":                                   "lacks the key \"shape\"",
		"{'descr': '<f8', 'shape': (1,)}":                                            "lacks the key \"fortran_order\"",
		"{'fortran_order': False, 'shape': (1,)}":                                    "lacks the key \"descr\"",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}":            "unexpected header key",
		"{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}":    "duplicate key",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3)}":                 "non-negative ints",
		"{'descr': '<f8', 'fortran_order': False, 'shape': [2, 3]}":                  "tuple",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (5)}":                     "tuple",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,)}":                  "malformed integer",
		"{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}": "out of range",
		"{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,)}":                     "True or False",
		"{'descr': 8, 'fortran_order': False, 'shape': (1,)}":                        "dtype string",
		"{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,)}":                    "unexpected word",
		"{8: '<f8'}":                              "quoted dict key",
		"{'descr' '<f8'}":                         "expected ':'",
		"{'descr': '<f8'\n 'shape': (1,)}":        "expected ','",
		"{'a': " + strings.Repeat("(", 100) + "}": "nested",
		"{'descr': 'abc\n', 'fortran_order': False, 'shape': (1,)}": "not closed",
	}
	for text, want := range cases {
		_, err := parseHeaderDict(text)
		if err == nil {
			t.Errorf("parseHeaderDict(%q) succeeded, want an error containing %q", text, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("parseHeaderDict(%q) error %q does not contain %q", text, err, want)
		}
	}
}

func TestDescribeDescr(t *testing.T) {
	cases := map[string]string{
		">f8":     "a big-endian 8-byte float dtype",
		"<i4":     "a little-endian 4-byte signed integer dtype",
		"|O":      "a Python object dtype",
		"|b1":     "a 1-byte boolean dtype",
		"=f4":     "a native-byte-order 4-byte float dtype",
		"<U10":    "a little-endian 10-byte unicode string dtype",
		"[(...)]": "a structured (record) dtype",
		"zz":      "an unrecognised dtype",
		"f":       "an unrecognised dtype",
	}
	for d, want := range cases {
		if got := describeDescr(d); got != want {
			t.Errorf("describeDescr(%q) = %q, want %q", d, got, want)
		}
	}
}

func TestShapeString(t *testing.T) {
	cases := map[string][]int{"()": {}, "(5,)": {5}, "(2, 3)": {2, 3}, "(0, 1, 2)": {0, 1, 2}}
	for want, shape := range cases {
		if got := shapeString(shape); got != want {
			t.Errorf("shapeString(%v) = %q, want %q", shape, got, want)
		}
	}
}

// TestBuildHeaderLayout checks the layout rules of the format on headers of
// many lengths: 64-byte alignment, the version and length fields, the
// newline terminator, space padding, and that the dict parses back.
func TestBuildHeaderLayout(t *testing.T) {
	shapes := [][]int{{1}, {0}, {2, 3}, {12345, 678}, {1, 2, 3, 4, 5, 6, 7, 8}, {math.MaxInt, 1}}
	for i := 1; i < 40; i++ { // dict lengths crossing several 64-byte boundaries
		shape := make([]int, i)
		for j := range shape {
			shape[j] = j + 1
		}
		shapes = append(shapes, shape)
	}
	for _, shape := range shapes {
		for _, descr := range []string{Float32, Float64} {
			b := buildHeader(descr, shape, 0)
			if len(b)%64 != 0 {
				t.Fatalf("shape %v: preamble length %d is not a multiple of 64", shape, len(b))
			}
			if !bytes.HasPrefix(b, []byte("\x93NUMPY\x01\x00")) {
				t.Fatalf("shape %v: preamble starts %q", shape, b[:8])
			}
			if hl := int(binary.LittleEndian.Uint16(b[8:10])); hl != len(b)-10 {
				t.Fatalf("shape %v: header length field %d, want %d", shape, hl, len(b)-10)
			}
			if b[len(b)-1] != '\n' {
				t.Fatalf("shape %v: header does not end in a newline", shape)
			}
			text := string(b[10:])
			dictEnd := strings.LastIndexByte(text, '}')
			if pad := text[dictEnd+1 : len(text)-1]; strings.Trim(pad, " ") != "" || len(pad) >= 64 {
				t.Fatalf("shape %v: padding %q is not fewer than 64 spaces", shape, pad)
			}
			h, err := parseHeaderDict(text)
			if err != nil || h.descr != descr || h.fortran || !slices.Equal(h.shape, shape) {
				t.Fatalf("shape %v: header parses back as %+v, %v", shape, h, err)
			}
		}
	}
}

func TestBuildHeaderReservation(t *testing.T) {
	reserved := len(buildHeader(Float32, []int{math.MaxInt, 512}, 0))
	for _, rows := range []int{0, 1, 999, 1 << 40, math.MaxInt} {
		if got := len(buildHeader(Float32, []int{rows, 512}, reserved)); got != reserved {
			t.Errorf("rows %d: header %d bytes, want the reserved %d", rows, got, reserved)
		}
	}
	if got := len(buildHeader(Float32, []int{3}, 1000)); got != 1024 {
		t.Errorf("minTotal 1000 gave %d bytes, want 1024 (next multiple of 64)", got)
	}
}

func TestBuildHeaderVersion2(t *testing.T) {
	shape := make([]int, 25000) // "1, " per dimension: a 75 kB header
	for i := range shape {
		shape[i] = 1
	}
	b := buildHeader(Float64, shape, 0)
	if !bytes.HasPrefix(b, []byte("\x93NUMPY\x02\x00")) {
		t.Fatalf("long header written as version %d.%d, want 2.0", b[6], b[7])
	}
	if hl := int(binary.LittleEndian.Uint32(b[8:12])); hl != len(b)-12 || len(b)%64 != 0 || hl <= math.MaxUint16 {
		t.Fatalf("version 2.0 header length field %d, total %d", hl, len(b))
	}
}
