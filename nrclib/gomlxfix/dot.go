package gomlxfix

import (
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// dotAxes describes a DotGeneral: contracting and batch axes of each operand.
type dotAxes struct {
	lhsContract, lhsBatch, rhsContract, rhsBatch []int
}

// dotVJP is the gradient of graph.Dot, which contracts the last axis of lhs
// (rank 1 or 2) with the first axis of rhs (rank 1 or 2).
func dotVJP(node, v *graph.Node) []*graph.Node {
	in := node.Inputs()
	lhs, rhs := in[0], in[1]
	if lhs.Rank() < 1 || lhs.Rank() > 2 || rhs.Rank() < 1 || rhs.Rank() > 2 {
		panic(fmt.Sprintf("gomlxfix: Dot of ranks %d and %d has no gradient: Dot takes vectors or matrices; use DotGeneral or Einsum for higher ranks",
			lhs.Rank(), rhs.Rank()))
	}
	return dotGeneralGrads(lhs, rhs, v, dotAxes{lhsContract: []int{lhs.Rank() - 1}, rhsContract: []int{0}})
}

// dotGeneralVJP is the gradient of graph.DotGeneral for any combination of
// batch, contracting and cross axes.
func dotGeneralVJP(node, v *graph.Node) []*graph.Node {
	in := node.Inputs()
	p := params(node)
	ax := dotAxes{
		lhsContract: intsField(p, "lhsContractingAxes"),
		lhsBatch:    intsField(p, "lhsBatchAxes"),
		rhsContract: intsField(p, "rhsContractingAxes"),
		rhsBatch:    intsField(p, "rhsBatchAxes"),
	}
	return dotGeneralGrads(in[0], in[1], v, ax)
}

// crossAxes lists, in increasing order, the axes of an operand of the given
// rank that are neither contracted nor batch axes.
func crossAxes(rank int, contract, batch []int) []int {
	var out []int
	for a := 0; a < rank; a++ {
		if !slices.Contains(contract, a) && !slices.Contains(batch, a) {
			out = append(out, a)
		}
	}
	return out
}

// iota returns [from, from+1, ..., from+n-1].
func iota(from, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = from + i
	}
	return out
}

// rankIn returns the position of x in the sorted copy of list.
func rankIn(list []int, x int) int {
	n := 0
	for _, y := range list {
		if y < x {
			n++
		}
	}
	return n
}

// dotGeneralGrads returns [dL/dlhs, dL/drhs] for out = DotGeneral(lhs, rhs)
// with adjoint v. DotGeneral's output axes are [batch…, lhs cross…, rhs
// cross…]. Each gradient is one DotGeneral of v with the other operand,
// contracting the other operand's cross axes; the remaining axes come out as
// [batch…, this operand's cross…, other's contracting (sorted)…] (for lhs)
// and are transposed back into the operand's axis order when needed.
func dotGeneralGrads(lhs, rhs, v *graph.Node, ax dotAxes) []*graph.Node {
	nb := len(ax.lhsBatch)
	lx := crossAxes(lhs.Rank(), ax.lhsContract, ax.lhsBatch)
	rx := crossAxes(rhs.Rank(), ax.rhsContract, ax.rhsBatch)
	vBatch := iota(0, nb)
	vLhsCross := iota(nb, len(lx))
	vRhsCross := iota(nb+len(lx), len(rx))

	// dL/dlhs: contract v's rhs-cross axes with rhs's cross axes.
	// Result axes: [batch, lhs cross, rhs contracting (in rhs axis order)].
	dl := graph.DotGeneral(v, vRhsCross, vBatch, rhs, rx, ax.rhsBatch)
	perm := make([]int, lhs.Rank())
	for i, a := range ax.lhsBatch {
		perm[a] = i
	}
	for j, a := range lx {
		perm[a] = nb + j
	}
	for k, a := range ax.lhsContract {
		perm[a] = nb + len(lx) + rankIn(ax.rhsContract, ax.rhsContract[k])
	}
	dl = transposeIfNeeded(dl, perm)

	// dL/drhs: contract lhs's cross axes with v's lhs-cross axes.
	// Result axes: [batch, lhs contracting (in lhs axis order), rhs cross].
	dr := graph.DotGeneral(lhs, lx, ax.lhsBatch, v, vLhsCross, vBatch)
	perm = make([]int, rhs.Rank())
	for i, a := range ax.rhsBatch {
		perm[a] = i
	}
	for k, a := range ax.rhsContract {
		perm[a] = nb + rankIn(ax.lhsContract, ax.lhsContract[k])
	}
	for j, a := range rx {
		perm[a] = nb + len(ax.lhsContract) + j
	}
	dr = transposeIfNeeded(dr, perm)
	return []*graph.Node{dl, dr}
}

// transposeIfNeeded returns x with output axis i taken from x's axis perm[i],
// or x itself when perm is the identity.
func transposeIfNeeded(x *graph.Node, perm []int) *graph.Node {
	for i, p := range perm {
		if i != p {
			return graph.TransposeAllAxes(x, perm...)
		}
	}
	return x
}
