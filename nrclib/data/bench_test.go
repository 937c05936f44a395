package data

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkStandIn measures generating each stand-in at its default size
// (the sizes Load uses without options). Target: each well under a few
// seconds on a laptop core.
func BenchmarkStandIn(b *testing.B) {
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Load(name, Options{Source: SourceStandIn}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSGEMMRealSize generates the SGEMM stand-in at the real file's
// 241,600 rows.
func BenchmarkSGEMMRealSize(b *testing.B) {
	for b.Loop() {
		if _, err := Load("sgemm", Options{Source: SourceStandIn, N: SGEMMRealRows}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadSGEMMCSV reads a CSV of the real file's size (241,600 rows
// of 14 parameters and 4 runs), written once from the stand-in.
func BenchmarkReadSGEMMCSV(b *testing.B) {
	tb, err := SGEMMLike(SGEMMRealRows, 0)
	if err != nil {
		b.Fatal(err)
	}
	var sb strings.Builder
	sb.WriteString(strings.Join(SGEMMParams, ",") + ",Run1 (ms),Run2 (ms),Run3 (ms),Run4 (ms)\n")
	for i := 0; i < tb.N; i++ {
		for j := 0; j < 14; j++ {
			sb.WriteString(strconv.FormatFloat(tb.X[i*14+j], 'g', -1, 64))
			sb.WriteByte(',')
		}
		for k := 0; k < 4; k++ {
			sb.WriteString(strconv.FormatFloat(tb.Y[i*4+k], 'f', 2, 64))
			if k < 3 {
				sb.WriteByte(',')
			}
		}
		sb.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "sgemm_product.csv")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(sb.Len()))
	b.ResetTimer()
	for b.Loop() {
		if _, _, _, err := ReadSGEMMCSV(path); err != nil {
			b.Fatal(err)
		}
	}
}
