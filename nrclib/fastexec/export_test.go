package fastexec

// withStock runs f with simplego's own executors.
func withStock(f func()) { WithStock(f) }
