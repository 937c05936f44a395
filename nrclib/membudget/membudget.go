// Package membudget is the one place where deepnrc decides how much memory
// a single request (a measurement's statistics, a file read whole, a model
// and its data) may take. Code that is about to allocate something whose
// size comes from its input — a file header, a feature width, a --width or
// --n flag — computes the bytes it needs first and calls Check, which
// refuses a request over the budget with an error giving the figure, the
// budget and the fix, instead of letting the process die of an
// out-of-memory fatal error halfway through.
//
// The budget is, in order of precedence: the value given to SetLimit (the
// CLI's --memory flag), $DEEPNRC_MEMORY (e.g. "16GiB", "8G", "500MB" or a
// byte count), else half the machine's physical memory, lowered to half an
// address-space limit (ulimit -v) and to GOMEMLIMIT when those are set.
package membudget

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// EnvVar names the environment variable that sets the budget.
const EnvVar = "DEEPNRC_MEMORY"

// ErrOverBudget is wrapped by the error Check returns for a request over
// the budget.
var ErrOverBudget = errors.New("over the memory budget")

var (
	mu       sync.Mutex
	override int64 // > 0 when SetLimit was called
)

// SetLimit sets the budget for this process, overriding $DEEPNRC_MEMORY
// and the default; bytes ≤ 0 removes the override. It returns the previous
// override (0 when there was none).
func SetLimit(bytes int64) (previous int64) {
	mu.Lock()
	defer mu.Unlock()
	previous, override = override, max(bytes, 0)
	return previous
}

// Limit returns the budget in bytes and where it comes from ("--memory",
// "$DEEPNRC_MEMORY" or a description of the default). An unparsable
// $DEEPNRC_MEMORY is an error.
func Limit() (bytes int64, source string, err error) {
	mu.Lock()
	o := override
	mu.Unlock()
	if o > 0 {
		return o, "--memory", nil
	}
	if v := strings.TrimSpace(os.Getenv(EnvVar)); v != "" {
		b, err := ParseSize(v)
		if err != nil {
			return 0, "", fmt.Errorf("membudget: %s=%q: %w", EnvVar, v, err)
		}
		return b, "$" + EnvVar, nil
	}
	return defaultLimit()
}

// defaultLimit is half the physical memory, lowered to half of RLIMIT_AS
// and to GOMEMLIMIT when set.
func defaultLimit() (int64, string, error) {
	total, ok := physicalMemory()
	src := "half the physical memory"
	if !ok {
		total = 8 << 30
		src = "half of an assumed 8 GiB (physical memory unknown)"
	}
	limit := total / 2
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur != math.MaxUint64 && rl.Cur > 0 {
		if half := int64(min(rl.Cur, math.MaxInt64) / 2); half < limit {
			limit, src = half, "half the address-space limit (ulimit -v)"
		}
	}
	if gl := debug.SetMemoryLimit(-1); gl > 0 && gl < math.MaxInt64 && gl < limit {
		limit, src = gl, "GOMEMLIMIT"
	}
	return limit, src, nil
}

// physicalMemory reads MemTotal from /proc/meminfo.
func physicalMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil && kb > 0 {
				return kb << 10, true
			}
		}
	}
	return 0, false
}

// ParseSize parses a byte count such as "123", "500MB", "8G", "16GiB" or
// "1.5T" (case-insensitive; K, M, G, T are powers of 1024 with or without
// "B" or "iB", as are KB, MB, GB, TB).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TIB", 1 << 40}, {"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10},
		{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10},
		{"T", 1 << 40}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || v*float64(mult) >= math.MaxInt64 {
		return 0, fmt.Errorf("%q is not a memory size; write it like 16GiB, 8G, 500MB or a byte count", s)
	}
	return int64(v * float64(mult)), nil
}

// Format writes a byte count for people: "20.0 GiB", "512 MiB", "3 KiB".
func Format(bytes int64) string {
	switch b := float64(bytes); {
	case b >= 1<<40:
		return fmt.Sprintf("%.1f TiB", b/(1<<40))
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", b/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.0f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%d bytes", bytes)
}

// Check returns nil when need bytes fit the budget, else an error wrapping
// ErrOverBudget that says what needs how much (what, e.g. "the statistics
// of layer conv1 (d = 50000)"), the budget, and the fix (what the caller
// can change; how to raise the budget is added). A negative need means the
// size overflowed int64 and is always over budget.
func Check(what string, need int64, fix string) error {
	limit, src, err := Limit()
	if err != nil {
		return err
	}
	if need >= 0 && need <= limit {
		return nil
	}
	needText := "more than 8 EiB"
	if need >= 0 {
		needText = "about " + Format(need)
	}
	msg := fmt.Sprintf("%s needs %s of memory, more than the budget of %s (%s): %v", what, needText, Format(limit), src, ErrOverBudget)
	if fix != "" {
		msg += "; fix: " + fix
	}
	msg += fmt.Sprintf("; if the machine really has the memory, raise the budget with %s=<size> (e.g. %s=%s) or --memory", EnvVar, EnvVar, suggest(need))
	return &budgetError{msg: msg}
}

// suggest returns a budget comfortably above need, for the error message.
func suggest(need int64) string {
	if need < 0 {
		return "64GiB"
	}
	g := (need + need/4) >> 30
	return fmt.Sprintf("%dGiB", max(g+1, 1))
}

type budgetError struct{ msg string }

func (e *budgetError) Error() string { return e.msg }
func (e *budgetError) Unwrap() error { return ErrOverBudget }

// Mul returns the product of the factors, or -1 when it overflows int64
// (which Check treats as over budget). Use it to size requests whose
// factors come from input.
func Mul(factors ...int64) int64 {
	p := int64(1)
	for _, f := range factors {
		if f < 0 {
			return -1
		}
		if f != 0 && p > math.MaxInt64/f {
			return -1
		}
		p *= f
	}
	return p
}

// Add returns the sum of the terms, or -1 when a term is negative (an
// overflowed product) or the sum overflows.
func Add(terms ...int64) int64 {
	s := int64(0)
	for _, t := range terms {
		if t < 0 || s > math.MaxInt64-t {
			return -1
		}
		s += t
	}
	return s
}
