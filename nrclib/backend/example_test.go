package backend_test

import (
	"fmt"
	"os"

	"github.com/deepnrc/deepnrc/nrclib/backend"
)

// New picks the pure-Go backend with its safe options when GOMLX_BACKEND is
// unset, and never lets the XLA backend download anything.
func ExampleNew() {
	os.Unsetenv(backend.EnvConfig)
	b, err := backend.New()
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	defer b.Finalize()
	fmt.Println(b.String(), backend.Config())
	fmt.Println(backend.EnvNoAutoInstall + "=" + os.Getenv(backend.EnvNoAutoInstall))
	// Output:
	// go go:parallelism=-1,dotgeneral_large
	// GOMLX_NO_AUTO_INSTALL=1
}

// Validate rejects pure-Go configurations that deadlock in GoMLX v0.26.
func ExampleValidate() {
	for _, cfg := range []string{"go", "go:parallelism=1", "go:parallelism=1,ops_sequential"} {
		fmt.Printf("%-32s ok=%v\n", cfg, backend.Validate(cfg) == nil)
	}
	// Output:
	// go                               ok=true
	// go:parallelism=1                 ok=false
	// go:parallelism=1,ops_sequential  ok=true
}
