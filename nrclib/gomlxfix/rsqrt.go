package gomlxfix

import "github.com/gomlx/gomlx/pkg/core/graph"

// rsqrtVJP is the gradient of graph.Rsqrt, y = x^(−1/2), which GoMLX
// v0.26 lacks altogether: dy/dx = −y/(2x).
func rsqrtVJP(node, v *graph.Node) []*graph.Node {
	x := node.Inputs()[0]
	return []*graph.Node{graph.Mul(v, graph.MulScalar(graph.Div(node, x), -0.5))}
}
