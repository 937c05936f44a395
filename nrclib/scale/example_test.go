package scale_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/scale"
)

// Choose a run's size by scale.
func ExamplePick() {
	s, _ := scale.Parse("Smoke")
	epochs := scale.Pick(s, 6, 200, 1000)
	fmt.Println(s, epochs)
	// Output: smoke 6
}
