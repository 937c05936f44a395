package fastexec

import "github.com/gomlx/gomlx/backends"

// withStock runs f with simplego's own DotGeneral executor in the table.
func withStock(f func()) {
	if stockDot == nil {
		f()
		return
	}
	nodeExecutors[opDot] = stockDot
	nodeExecutors[backends.OpTypeConvGeneral] = stockConv
	saved := map[backends.OpType]executor{}
	for t, e := range stockOps {
		saved[t] = nodeExecutors[t]
		nodeExecutors[t] = e
	}
	defer func() {
		nodeExecutors[opDot] = execDotGeneral
		nodeExecutors[backends.OpTypeConvGeneral] = execConvGeneral
		for t, e := range saved {
			nodeExecutors[t] = e
		}
	}()
	f()
}
