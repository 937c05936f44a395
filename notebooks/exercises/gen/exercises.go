package main

// exercises lists the notebooks, in order.
func exercises() []notebookPair {
	return []notebookPair{exByHand(), exFirstCollapsed(), exWeightDecay(), exIntrinsicDim()}
}
