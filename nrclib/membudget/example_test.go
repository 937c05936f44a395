package membudget_test

import (
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/membudget"
)

// A request is sized from its inputs before anything is allocated.
func ExampleCheck() {
	os.Setenv(membudget.EnvVar, "4GiB")
	defer os.Unsetenv(membudget.EnvVar)
	d := int64(50000)                  // an un-pooled conv layer: C·H·W features
	need := membudget.Mul(8, d+3, d+3) // its d×d float64 covariance
	err := membudget.Check("the statistics of conv1", need, "pool the features to N×C")
	fmt.Println(err)
	// Output:
	// the statistics of conv1 needs about 18.6 GiB of memory, more than the budget of 4.0 GiB ($DEEPNRC_MEMORY): over the memory budget; fix: pool the features to N×C; if the machine really has the memory, raise the budget with DEEPNRC_MEMORY=<size> (e.g. DEEPNRC_MEMORY=24GiB) or --memory
}
