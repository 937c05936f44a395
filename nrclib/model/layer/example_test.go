package layer_test

import (
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model/layer"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// A conv–BN–ReLU–max-pool stem, trained with its true gradients on the
// pure-Go backend: the layers only use ops simplego can differentiate.
func ExampleConv2D() {
	gomlxfix.Install()
	backend, err := backends.NewWithConfig("go:ops_sequential,dotgeneral_large")
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(1)
	e, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		ctx.SetTraining(x.Graph(), true)
		h := layer.Conv2D(ctx.In("conv1"), x, 8, 7, 2, 3, layer.InitKaimingNormalFanOut)
		h = layer.Relu(layer.BatchNorm(ctx.In("bn1"), h))
		h = layer.MaxPool2D(h, 3, 2, 1)
		loss := graph.ReduceAllMean(graph.Square(h))
		kernel := ctx.In("conv1").GetVariable(layer.WeightsName).ValueGraph(x.Graph())
		return []*graph.Node{h, graph.Gradient(loss, kernel)[0]}
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	img := make([][][][]float32, 2)
	for i := range img {
		img[i] = make([][][]float32, 16)
		for y := range img[i] {
			img[i][y] = make([][]float32, 16)
			for x := range img[i][y] {
				img[i][y][x] = []float32{float32(x+i) / 16, float32(y) / 16, 0.5}
			}
		}
	}
	outs, err := e.Exec(img)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("features:", outs[0].Shape())
	fmt.Println("kernel gradient:", outs[1].Shape())
	// Output:
	// features: (Float32)[2 4 4 8]
	// kernel gradient: (Float32)[7 7 3 8]
}
