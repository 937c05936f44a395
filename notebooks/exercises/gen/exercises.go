package main

import (
	"fmt"
	"strings"
)

// exercises lists the notebooks, in order.
func exercises() ([]notebookPair, error) {
	b, err := exFirstCollapsed()
	if err != nil {
		return nil, err
	}
	c, err := exWeightDecay()
	if err != nil {
		return nil, err
	}
	return []notebookPair{exByHand(), b, c, exIntrinsicDim()}, nil
}

// words writes each value with fmt.Sprint.
func words[T any](values []T) []string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = fmt.Sprint(v)
	}
	return s
}

// commas writes values as "a, b, c".
func commas[T any](values []T) string { return strings.Join(words(values), ", ") }

// list writes values as "a, b and c".
func list[T any](values []T) string {
	s := words(values)
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// subscript writes n with Unicode subscript digits (I₂₀).
func subscript(n int) string {
	var b strings.Builder
	for _, d := range fmt.Sprint(n) {
		b.WriteRune('₀' + d - '0')
	}
	return b.String()
}
