package gomlxfix

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// minMaxVJP is the gradient of graph.Max and graph.Min. GoMLX's own builds
// the indicator of the winning side as Sign(Sign(lhs−rhs)+1) and its
// complement: five element-wise passes, two of them the branchy Sign of the
// pure-Go backend, for every ReLU of a network. When one operand is a
// scalar s (ReLU is Max(x, 0)), the winner's indicator is here one pass,
// Sign(out − s) ∈ {0, 1} (just Sign(out) when s is the constant 0): 1 where
// the tensor operand strictly wins, 0 where it loses or ties — PyTorch's
// convention for ReLU (its gradient at 0 is 0). The scalar side gets the
// rest of the adjoint, summed. Two tensor operands keep GoMLX's gradient.
func minMaxVJP(node, v *graph.Node) []*graph.Node {
	in := node.Inputs()
	lhs, rhs := in[0], in[1]
	switch {
	case rhs.Shape().IsScalar() && !lhs.Shape().IsScalar():
		wins := strictWinner(node, rhs)
		return []*graph.Node{graph.Mul(v, wins), graph.ReduceAllSum(graph.Mul(v, graph.OneMinus(wins)))}
	case lhs.Shape().IsScalar() && !rhs.Shape().IsScalar():
		wins := strictWinner(node, lhs)
		return []*graph.Node{graph.ReduceAllSum(graph.Mul(v, graph.OneMinus(wins))), graph.Mul(v, wins)}
	}
	return stockVJP(node.Type())(node, []*graph.Node{v}, node.Shape())
}

// strictWinner returns 1 where out = max(x, s) (or min) differs from the
// scalar s, else 0: |Sign(out − s)|, which for Max is Sign(out − s) and for
// Min −Sign(out − s).
func strictWinner(out, s *graph.Node) *graph.Node {
	d := out
	if !isZeroConstant(s) {
		d = graph.Sub(out, s)
	}
	w := graph.Sign(d)
	if out.Type() == graph.NodeTypeMin {
		w = graph.Neg(w)
	}
	return w
}

// isZeroConstant reports whether n is a constant scalar 0 (float32 or
// float64).
func isZeroConstant(n *graph.Node) bool {
	t := n.ConstantValue()
	if t == nil || !t.Shape().IsScalar() {
		return false
	}
	switch v := t.Value().(type) {
	case float32:
		return v == 0
	case float64:
		return v == 0
	}
	return false
}
