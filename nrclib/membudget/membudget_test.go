package membudget

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	for s, want := range map[string]int64{
		"123": 123, "1k": 1 << 10, "500MB": 500 << 20, "8G": 8 << 30, "16GiB": 16 << 30, " 1.5 t ": 3 << 39, "2048B": 2048,
	} {
		got, err := ParseSize(s)
		if err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "abc", "-5G", "0", "NaN", "1e30T", "12 parsecs"} {
		if _, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) accepted", s)
		}
	}
}

func TestCheckAndPrecedence(t *testing.T) {
	t.Setenv(EnvVar, "1GiB")
	SetLimit(0)
	if l, src, err := Limit(); err != nil || l != 1<<30 || src != "$"+EnvVar {
		t.Fatalf("Limit = %d, %q, %v", l, src, err)
	}
	if err := Check("x", 1<<29, "fix it"); err != nil {
		t.Errorf("512 MiB under a 1 GiB budget: %v", err)
	}
	err := Check("the statistics of layer fc1 (d = 50000)", 20<<30, "pool the features")
	if !errors.Is(err, ErrOverBudget) {
		t.Fatalf("20 GiB under a 1 GiB budget: %v", err)
	}
	for _, want := range []string{"fc1", "20.0 GiB", "1.0 GiB", "pool the features", EnvVar + "=26GiB"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if err := Check("y", -1, ""); !errors.Is(err, ErrOverBudget) || !strings.Contains(err.Error(), "more than 8 EiB") {
		t.Errorf("overflowed request: %v", err)
	}
	prev := SetLimit(64 << 30)
	defer SetLimit(prev)
	if err := Check("x", 20<<30, ""); err != nil {
		t.Errorf("SetLimit does not override the environment: %v", err)
	}
	SetLimit(0)
	t.Setenv(EnvVar, "lots")
	if err := Check("x", 1, ""); err == nil || !strings.Contains(err.Error(), EnvVar) {
		t.Errorf("bad %s: %v", EnvVar, err)
	}
}

func TestDefaultLimitPositive(t *testing.T) {
	t.Setenv(EnvVar, "")
	l, src, err := Limit()
	if err != nil || l < 1<<20 || src == "" {
		t.Errorf("default Limit = %d, %q, %v", l, src, err)
	}
}

func TestMulAdd(t *testing.T) {
	if Mul(3, 4, 5) != 60 || Mul(math.MaxInt64/2, 3) != -1 || Mul(2, -1) != -1 || Mul() != 1 {
		t.Error("Mul")
	}
	if Add(1, 2) != 3 || Add(math.MaxInt64, 1) != -1 || Add(5, -1) != -1 {
		t.Error("Add")
	}
}
