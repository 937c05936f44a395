package model_test

import (
	"encoding/json"
	"fmt"

	"github.com/deepnrc/deepnrc/nrclib/gomlxfix"
	"github.com/deepnrc/deepnrc/nrclib/model"
	"github.com/gomlx/gomlx/backends"
	_ "github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// An MLP's probes are the inputs of its Linear layers: fc1 is X itself.
func ExampleNewMLP() {
	m, err := model.NewMLP(model.MLPConfig{InputDim: 11, Hidden: 256, Targets: 3, Layers: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range m.Probes() {
		fmt.Println(p.Name, p.Width)
	}
	spec, _ := json.Marshal(m.Spec())
	fmt.Println(string(spec))
	// Output:
	// fc1 11
	// fc2 256
	// fc3 256
	// fc4 256
	// {"kind":"mlp","input_dim":11,"hidden":256,"targets":3,"layers":4}
}

// Build a model in a GoMLX graph, run it, and read the probed layers'
// weights back for the metrics.
func ExampleModel() {
	gomlxfix.Install()
	backend, err := backends.NewWithConfig("go:ops_sequential,dotgeneral_large")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := model.NewResNet(model.ResNetConfig{Blocks: []int{1, 1}, Widths: []int{4, 8}, Stem: model.StemCIFAR, Targets: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(42)
	e, err := context.NewExec(backend, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		ctx.SetTraining(x.Graph(), false)
		pred, probes := m.Build(ctx, x)
		return append([]*graph.Node{pred}, probes...)
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	images := make([][][][]float32, 5) // 5 images of 8×8×3
	for i := range images {
		images[i] = make([][][]float32, 8)
		for y := range images[i] {
			images[i][y] = make([][]float32, 8)
			for x := range images[i][y] {
				images[i][y][x] = []float32{float32(i), float32(y) / 8, float32(x) / 8}
			}
		}
	}
	outs, err := e.Exec(images)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("prediction", outs[0].Shape())
	weights, err := m.Weights(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range m.Probes() {
		r, c := weights[i].M.Dims()
		fmt.Printf("%-14s features %v, weight %d×%d\n", p.Name, outs[i+1].Shape(), r, c)
	}
	// Output:
	// prediction (Float32)[5 2]
	// layer1.0.conv1 features (Float32)[5 4], weight 4×36
	// layer1.0.conv2 features (Float32)[5 4], weight 4×36
	// layer2.0.conv1 features (Float32)[5 4], weight 4×72
	// layer2.0.conv2 features (Float32)[5 8], weight 8×72
	// fc             features (Float32)[5 8], weight 8×2
}
