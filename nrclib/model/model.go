// Package model builds the GoMLX networks the paper trains — a bias-free MLP
// and ResNets of BasicBlocks — so that every probed layer's input can be
// read out and paired with that layer's weight.
package model

import (
	"github.com/deepnrc/deepnrc/nrclib/nrc"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Probe describes one probed layer: the input of a Linear or conv layer.
type Probe struct {
	// Name is the paper's layer name, e.g. "fc1" or "layer4.0.conv2".
	Name string
	// Width is the feature dimension of the probe (the layer's input
	// features; input channels for a conv, whose input is globally
	// average-pooled).
	Width int
}

// Model is a network the trainer can train and the measuring pass can probe.
type Model interface {
	// Build adds the forward pass to the graph of x (a batch [B, ...input
	// shape]) and returns the predictions [B, t] and the probe features, one
	// [B, Width] node per Probe, in Probes() order. Conv probes are globally
	// average-pooled over their spatial axes.
	Build(ctx *context.Context, x *graph.Node) (pred *graph.Node, probes []*graph.Node)
	// Probes lists the probed layers in network order.
	Probes() []Probe
	// Weights reads, from a context holding trained variables, the weight of
	// each probed layer in Probes() order.
	Weights(ctx *context.Context) ([]*nrc.Weight, error)
	// Spec returns a JSON-serialisable description of the architecture,
	// used to key run directories and to rebuild the model.
	Spec() any
}
