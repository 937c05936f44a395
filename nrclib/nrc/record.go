package nrc

// Record is one row of the long-format results table: the value of one
// metric at one layer of one run at one epoch. Plots, reports and run
// stores all consume slices of Records.
type Record struct {
	Run    string  `json:"run"`
	Epoch  int     `json:"epoch"`
	Layer  string  `json:"layer"`
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
}

// Metric names used in Records. Layer-level metrics carry the layer's name;
// run-level ones (target stable ranks, losses) use the layer name "". The
// catalogue (Metrics) describes each.
const (
	MetricNoise                  = "noise"                    // Deep NRC1 noise fraction with rank k
	MetricCKA                    = "cka"                      // NRC2 linear CKA(H, Y), full layer
	MetricCKAProjected           = "cka_projected"            // NRC2 CKA(Hc·U_k, Y)
	MetricCKAFirstT              = "cka_first_t"              // NRC2 on the first t neurons (authors' code)
	MetricWHAlignment            = "wh_alignment"             // NRC3 mean principal-angle cosine
	MetricNoiseSubspaceAlignment = "noise_subspace_alignment" // Fig 3's salmon curve
	MetricProbeMSE               = "probe_mse"                // NRC4 least squares with intercept
	MetricProbeMSEPaper          = "probe_mse_paper"          // NRC4 as the authors' code
	MetricStableRankH            = "stable_rank_h"            // Σλ/λ₁ of Σ_H
	MetricStableRankHPaper       = "stable_rank_h_paper"      // Σλ²/λ₁² of Σ_H (the figures' convention)
	MetricStableRankW            = "stable_rank_w"            // Σσ²/σ₁² of W
	MetricTargetStableRank       = "target_stable_rank"       // Σλ/λ₁ of Σ_Y
	MetricTargetStableRankPaper  = "target_stable_rank_paper" // Σλ²/λ₁² of Σ_Y
	MetricModelMSE               = "model_mse"                // the network's own train MSE
	MetricModelR2                = "model_r2"                 // 1 − model MSE / (tr Σ_Y / t), run-level
	MetricTrainMSE               = "train_mse"                // per-epoch train loss (MSE)
	MetricTestMSE                = "test_mse"                 // per-epoch test MSE
	MetricNRC1                   = "nrc1"                     // last-layer NRC1 (Andriopoulos et al.)
	MetricNRC2                   = "nrc2"                     // last-layer NRC2
	MetricNRC3                   = "nrc3"                     // last-layer NRC3 at γ*
	MetricGammaRatio             = "gamma_ratio"              // γ*/λ_min chosen for the last-layer NRC3
)
