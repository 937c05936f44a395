package npy

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// header is the decoded content of a .npy header dict.
type header struct {
	descr   string
	fortran bool
	shape   []int
}

// pyKind enumerates the Python literal kinds a header may contain.
type pyKind int

const (
	pyStr pyKind = iota
	pyInt
	pyBool
	pyNone
	pyTuple
	pyList
	pyDict
)

// pyValue is one parsed Python literal.
type pyValue struct {
	kind  pyKind
	str   string    // pyStr
	num   int64     // pyInt
	truth bool      // pyBool
	items []pyValue // pyTuple, pyList, and the values of pyDict
	keys  []string  // pyDict keys, parallel to items
}

// describe renders v compactly for error messages.
func (v pyValue) describe() string {
	switch v.kind {
	case pyStr:
		return strconv.Quote(v.str)
	case pyInt:
		return strconv.FormatInt(v.num, 10)
	case pyBool:
		if v.truth {
			return "True"
		}
		return "False"
	case pyNone:
		return "None"
	case pyTuple, pyList:
		parts := make([]string, len(v.items))
		for i, it := range v.items {
			parts[i] = it.describe()
		}
		if v.kind == pyList {
			return "[" + strings.Join(parts, ", ") + "]"
		}
		if len(parts) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	default:
		return "{...}"
	}
}

// maxNesting bounds how deeply literals may nest, so a hostile header cannot
// exhaust the stack.
const maxNesting = 16

// literalParser parses the subset of Python literal syntax that .npy headers
// use: str (single or double quoted, optional u/b prefix), int (optional
// Python 2 'L' suffix), True, False, None, tuples, lists and dicts with string
// keys. Whitespace and trailing commas are accepted wherever Python accepts
// them.
type literalParser struct {
	s   string
	pos int
}

func (p *literalParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at header byte %d: %s", p.pos, fmt.Sprintf(format, args...))
}

func (p *literalParser) skipSpace() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end of input.
func (p *literalParser) peek() byte {
	p.skipSpace()
	if p.pos >= len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *literalParser) value(depth int) (pyValue, error) {
	if depth > maxNesting {
		return pyValue{}, p.errorf("literals nested more than %d deep", maxNesting)
	}
	c := p.peek()
	switch {
	case c == 0:
		return pyValue{}, p.errorf("unexpected end of header, expected a value")
	case c == '\'' || c == '"':
		s, err := p.str()
		return pyValue{kind: pyStr, str: s}, err
	case (c == 'u' || c == 'b' || c == 'U' || c == 'B') && p.pos+1 < len(p.s) &&
		(p.s[p.pos+1] == '\'' || p.s[p.pos+1] == '"'):
		p.pos++
		s, err := p.str()
		return pyValue{kind: pyStr, str: s}, err
	case c == '-' || c == '+' || (c >= '0' && c <= '9'):
		return p.integer()
	case c == '(':
		return p.sequence(depth, ')', pyTuple)
	case c == '[':
		return p.sequence(depth, ']', pyList)
	case c == '{':
		return p.dict(depth)
	}
	start := p.pos
	for p.pos < len(p.s) && isIdentByte(p.s[p.pos]) {
		p.pos++
	}
	switch word := p.s[start:p.pos]; word {
	case "True":
		return pyValue{kind: pyBool, truth: true}, nil
	case "False":
		return pyValue{kind: pyBool}, nil
	case "None":
		return pyValue{kind: pyNone}, nil
	case "":
		return pyValue{}, p.errorf("unexpected character %q", c)
	default:
		p.pos = start
		return pyValue{}, p.errorf("unexpected word %q", word)
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// str parses a quoted string starting at p.pos.
func (p *literalParser) str() (string, error) {
	quote := p.s[p.pos]
	start := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		switch {
		case c == quote:
			return b.String(), nil
		case c == '\n':
			p.pos = start
			return "", p.errorf("string literal not closed before end of line")
		case c == '\\' && p.pos < len(p.s):
			e := p.s[p.pos]
			p.pos++
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '\\', '\'', '"':
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	p.pos = start
	return "", p.errorf("string literal not closed")
}

// integer parses a decimal integer with an optional sign and 'L' suffix.
func (p *literalParser) integer() (pyValue, error) {
	start := p.pos
	if c := p.s[p.pos]; c == '-' || c == '+' {
		p.pos++
	}
	digits := p.pos
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	if p.pos == digits {
		p.pos = start
		return pyValue{}, p.errorf("sign not followed by digits")
	}
	text := p.s[start:p.pos]
	if p.pos < len(p.s) && (p.s[p.pos] == 'L' || p.s[p.pos] == 'l') {
		p.pos++
	}
	if p.pos < len(p.s) && (isIdentByte(p.s[p.pos]) || p.s[p.pos] == '.') {
		p.pos = start
		return pyValue{}, p.errorf("malformed integer starting %q", text)
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		p.pos = start
		return pyValue{}, p.errorf("integer %s out of range", text)
	}
	return pyValue{kind: pyInt, num: n}, nil
}

// sequence parses a tuple or list. Following Python, a parenthesised single
// value without a comma is that value, not a tuple.
func (p *literalParser) sequence(depth int, closer byte, kind pyKind) (pyValue, error) {
	p.pos++ // opening bracket
	out := pyValue{kind: kind}
	sawComma := false
	for {
		if p.peek() == closer {
			p.pos++
			break
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return pyValue{}, err
		}
		out.items = append(out.items, v)
		switch p.peek() {
		case ',':
			p.pos++
			sawComma = true
		case closer:
			p.pos++
			if kind == pyTuple && !sawComma && len(out.items) == 1 {
				return out.items[0], nil
			}
			return out, nil
		default:
			return pyValue{}, p.errorf("expected ',' or %q", closer)
		}
	}
	return out, nil
}

// dict parses a dict literal with string keys.
func (p *literalParser) dict(depth int) (pyValue, error) {
	p.pos++ // '{'
	out := pyValue{kind: pyDict}
	for {
		c := p.peek()
		if c == '}' {
			p.pos++
			return out, nil
		}
		if c == 0 {
			return pyValue{}, p.errorf("unexpected end of header inside the dict")
		}
		if c != '\'' && c != '"' {
			return pyValue{}, p.errorf("expected a quoted dict key or '}'")
		}
		key, err := p.str()
		if err != nil {
			return pyValue{}, err
		}
		for _, k := range out.keys {
			if k == key {
				return pyValue{}, p.errorf("duplicate key %q", key)
			}
		}
		if p.peek() != ':' {
			return pyValue{}, p.errorf("expected ':' after key %q", key)
		}
		p.pos++
		v, err := p.value(depth + 1)
		if err != nil {
			return pyValue{}, err
		}
		out.keys = append(out.keys, key)
		out.items = append(out.items, v)
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
			p.pos++
			return out, nil
		default:
			return pyValue{}, p.errorf("expected ',' or '}' after the value of %q", key)
		}
	}
}

// parseHeaderDict parses the header text into its three fields, checking
// only syntax and types. Errors name the problem but not the file; the
// caller adds that and the error class.
func parseHeaderDict(text string) (header, error) {
	p := &literalParser{s: text}
	if p.peek() != '{' {
		return header{}, p.errorf("header does not start with a dict literal '{'")
	}
	v, err := p.value(0)
	if err != nil {
		return header{}, err
	}
	if p.peek() != 0 {
		return header{}, p.errorf("unexpected text %q after the header dict", clip(p.s[p.pos:], 20))
	}
	var h header
	seen := map[string]bool{}
	for i, key := range v.keys {
		val := v.items[i]
		seen[key] = true
		switch key {
		case "descr":
			switch val.kind {
			case pyStr:
				h.descr = val.str
			case pyList:
				h.descr = val.describe()
			default:
				return header{}, fmt.Errorf("'descr' must be a dtype string, found %s", val.describe())
			}
		case "fortran_order":
			if val.kind != pyBool {
				return header{}, fmt.Errorf("'fortran_order' must be True or False, found %s", val.describe())
			}
			h.fortran = val.truth
		case "shape":
			if val.kind != pyTuple {
				return header{}, fmt.Errorf("'shape' must be a tuple of non-negative ints, found %s", val.describe())
			}
			h.shape = make([]int, len(val.items))
			for j, d := range val.items {
				if d.kind != pyInt || d.num < 0 || d.num > math.MaxInt {
					return header{}, fmt.Errorf("'shape' must be a tuple of non-negative ints, found %s", val.describe())
				}
				h.shape[j] = int(d.num)
			}
		default:
			return header{}, fmt.Errorf("unexpected header key %q (a .npy header has exactly 'descr', 'fortran_order' and 'shape')", key)
		}
	}
	for _, key := range []string{"descr", "fortran_order", "shape"} {
		if !seen[key] {
			return header{}, fmt.Errorf("header lacks the key %q", key)
		}
	}
	return h, nil
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// describeDescr explains a NumPy dtype descriptor in words, for errors.
func describeDescr(d string) string {
	if strings.HasPrefix(d, "[") {
		return "a structured (record) dtype"
	}
	if len(d) < 2 {
		return "an unrecognised dtype"
	}
	order := map[byte]string{'<': "little-endian ", '>': "big-endian ", '=': "native-byte-order ", '|': ""}
	kind := map[byte]string{
		'f': "float", 'i': "signed integer", 'u': "unsigned integer", 'b': "boolean",
		'c': "complex", 'O': "Python object", 'U': "unicode string", 'S': "byte string",
		'a': "byte string", 'V': "raw void", 'M': "datetime", 'm': "timedelta",
	}
	o, okOrder := order[d[0]]
	k, okKind := kind[d[1]]
	if !okOrder || !okKind {
		return "an unrecognised dtype"
	}
	size := d[2:]
	if n, err := strconv.Atoi(size); err == nil && n > 0 {
		return fmt.Sprintf("a %s%d-byte %s dtype", o, n, k)
	}
	return fmt.Sprintf("a %s%s dtype", o, k)
}

// checkHeader validates a parsed header against what this package supports.
func checkHeader(path string, h header) error {
	if itemSize(h.descr) == 0 {
		return fileError(path, ErrUnsupported,
			"dtype %q is %s; only little-endian float32 '<f4' and float64 '<f8' are supported "+
				"(convert with np.save(path, np.ascontiguousarray(a, dtype=np.float32)), or dtype=np.float64)",
			h.descr, describeDescr(h.descr))
	}
	if len(h.shape) == 0 {
		return fileError(path, ErrUnsupported,
			"array is 0-dimensional (a scalar), which has no rows; save it as a 1-element array with np.save(path, np.atleast_1d(a))")
	}
	if h.columnMajor() {
		return fileError(path, ErrUnsupported,
			"array of shape %s is stored in Fortran (column-major) order, which cannot be streamed row by row "+
				"(convert with np.save(path, np.ascontiguousarray(a)))", shapeString(h.shape))
	}
	return nil
}

// columnMajor reports whether the data is in Fortran order with more than
// one dimension above 1, so that its bytes differ from C order. (Fortran
// and C order lay out the same bytes otherwise, and such files are read as
// they are.)
func (h header) columnMajor() bool {
	if !h.fortran {
		return false
	}
	big := 0
	for _, d := range h.shape {
		if d > 1 {
			big++
		}
	}
	return big > 1
}

// shapeString renders a shape the way Python writes a tuple: (), (5,), (2, 3).
func shapeString(shape []int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i, d := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(d))
	}
	if len(shape) == 1 {
		b.WriteByte(',')
	}
	b.WriteByte(')')
	return b.String()
}

// headerAlign is the boundary the array data starts on in files this package
// writes, as NumPy does since version 1.14.
const headerAlign = 64

// buildHeader returns the complete preamble (magic, version, length, dict,
// padding and newline) for an array of the given dtype and shape. The
// preamble length is a multiple of headerAlign and at least minTotal, so
// passing the length of a header built for the largest expected shape as
// minTotal gives headers of one fixed length that can be rewritten in place. Version 1.0 is used when the header length fits in a
// uint16, version 2.0 otherwise.
func buildHeader(descr string, shape []int, minTotal int) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeString(shape))
	roundUp := func(n int) int { return (n + headerAlign - 1) / headerAlign * headerAlign }
	total := func(prefix int) int { return roundUp(max(prefix+len(dict)+1, minTotal)) }
	prefix, major := 10, byte(1)
	n := total(prefix)
	if n-prefix > math.MaxUint16 {
		prefix, major = 12, 2
		n = total(prefix)
	}
	hlen := n - prefix
	out := make([]byte, 0, n)
	out = append(out, magic...)
	out = append(out, major, 0)
	if major == 1 {
		out = append(out, byte(hlen), byte(hlen>>8))
	} else {
		out = append(out, byte(hlen), byte(hlen>>8), byte(hlen>>16), byte(hlen>>24))
	}
	out = append(out, dict...)
	for len(out) < n-1 {
		out = append(out, ' ')
	}
	return append(out, '\n')
}
