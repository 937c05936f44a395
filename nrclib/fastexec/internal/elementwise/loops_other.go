//go:build !amd64

package elementwise

func binaryAsm[T float32 | float64](Op, []T, []T, []T) bool     { return false }
func scalarAsm[T float32 | float64](Op, []T, []T, T, bool) bool { return false }
func signAsm[T float32 | float64]([]T, []T) bool                { return false }
func sumRowsAsm[T float32 | float64]([]T, []T, int) bool        { return false }
