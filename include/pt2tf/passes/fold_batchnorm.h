// FoldBatchNorm: an inference BatchNormalization right after a Conv becomes part of the Conv.
//
//   before:  x ─Conv(W, b)─► y ─BatchNormalization(γ, β, μ, σ², ε)─► z
//   after:   x ─Conv(W·s, (b − μ)·s + β)─► z        s = γ / sqrt(σ² + ε), per output channel
//
// Applies when y has no other consumer and is not a graph output, the BN is in inference
// mode with only its first output used, and W, b, γ, β, μ, σ² are float32 constants. The
// folded weight is deferred (ScaleRows, pt2tf/deferred.h: computed while a writer streams
// it), the folded bias a new owned tensor; the Conv takes over the BN's output value (so its
// name survives). Returns the number of folds.
#pragma once

#include <cstddef>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::passes {

Result<size_t> FoldBatchNorm(ir::Graph& graph);

}  // namespace pt2tf::passes
