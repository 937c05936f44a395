package nrc

// Options configures the Deep NRC metrics of a layer.
type Options struct {
	// Rank is k, the dimension of the signal subspace U_k used by the noise
	// fraction, the projected CKA and the feature–weight alignment. 0 means
	// the target dimension t (the paper's default); set it to a target's
	// intrinsic rank r for the §4.3 variants (Fig 3).
	Rank int
	// ProbeRelCutoff drops, in the linear probe, singular values of the
	// centred features below ProbeRelCutoff·σ_max (the pseudo-inverse
	// cutoff). 0 means the default 1e-3, as the paper's code.
	ProbeRelCutoff float64
	// ModelMSE, when not nil, is the network's own training MSE (mean over
	// N·t entries), reported beside each layer's probe MSE.
	ModelMSE *float64
	// Rule decides the first collapsed layer; the zero value means
	// DefaultRule().
	Rule *CollapseRule
}

// LayerMetrics holds every Deep NRC metric of one probed layer. Metrics that
// need the layer's weight are nil when no weight was given.
type LayerMetrics struct {
	Name  string `json:"name"`
	Width int    `json:"width"`
	// Noise is NRC1: 1 − Σ_{i≤k} λ_i / Σ_i λ_i of Σ_H.
	Noise float64 `json:"noise"`
	// CKA is NRC2: linear CKA between H and Y on the full layer.
	CKA float64 `json:"cka"`
	// CKAProjected is linear CKA between Hc·U_k and Y.
	CKAProjected float64 `json:"cka_projected"`
	// CKAFirstT is linear CKA between the first t neurons of H and Y, what
	// the paper's released code computes.
	CKAFirstT float64 `json:"cka_first_t"`
	// WHAlignment is NRC3: the mean cosine of the principal angles between
	// U_k and the top-k input subspace of the weight.
	WHAlignment *float64 `json:"wh_alignment"`
	// NoiseSubspaceAlignment is the mean cosine of the principal angles
	// between U_k and the complement of the weight's top-k input subspace
	// (Fig 3's "signal noise-subspace alignment").
	NoiseSubspaceAlignment *float64 `json:"noise_subspace_alignment"`
	// ProbeMSE is NRC4: the mean squared error, over N·t entries, of the
	// least-squares fit of Y on H with an intercept.
	ProbeMSE float64 `json:"probe_mse"`
	// ProbeMSEPaper is NRC4 as the paper's code computes it: uncentred H,
	// centred Y, no intercept.
	ProbeMSEPaper float64 `json:"probe_mse_paper"`
	// StableRankH is Σλ/λ₁ over the eigenvalues of Σ_H.
	StableRankH float64 `json:"stable_rank_h"`
	// StableRankHPaper is Σλ²/λ₁², the convention of the paper's figures.
	StableRankHPaper float64 `json:"stable_rank_h_paper"`
	// StableRankW is ‖W‖_F²/‖W‖₂² = Σσ²/σ₁².
	StableRankW *float64 `json:"stable_rank_w"`
	// Warnings lists conditions that make some values of this layer
	// degenerate or less meaningful (see Layer).
	Warnings []string `json:"warnings,omitempty"`
	// Extra holds the metrics added with RegisterMetric, by name.
	Extra map[string]float64 `json:"extra,omitempty"`
}

// Report is the Deep NRC measurement of a whole network at one checkpoint.
type Report struct {
	TargetDim int   `json:"target_dim"`
	Rank      int   `json:"rank"`
	N         int64 `json:"n"`
	// TargetStableRank is Σλ/λ₁ of Σ_Y; TargetStableRankPaper is Σλ²/λ₁².
	TargetStableRank      float64  `json:"target_stable_rank"`
	TargetStableRankPaper float64  `json:"target_stable_rank_paper"`
	ModelMSE              *float64 `json:"model_mse,omitempty"`
	// TargetVariance is tr Σ_Y / t, the mean variance of one target (the
	// MSE of the constant predictor, against which ModelMSE gives R²).
	TargetVariance float64        `json:"target_variance"`
	Layers         []LayerMetrics `json:"layers"`
	// FirstCollapsed is the name of the first collapsed layer under Rule,
	// or nil when no layer qualifies.
	FirstCollapsed *string `json:"first_collapsed_layer"`
	// Rule describes the rule and thresholds that chose FirstCollapsed.
	Rule string `json:"rule"`
	// Notes are remarks about how the inputs were read or checked (a
	// header row skipped, a weight whose orientation could not be
	// checked), added by the caller that read them.
	Notes []string `json:"notes,omitempty"`
}
