// FoldPadIntoConv: a zero Pad of the spatial dims right before a Conv joins the Conv's pads.
//
//   before:  x ─Pad(pads p, constant 0)─► y ─Conv(pads q)─► z
//   after:   x ─Conv(pads q + p)─► z
//
// EfficientNet's static "same" padding (ZeroPad2d + Conv) exports like this; folded, the
// pads usually equal TensorFlow's SAME and no Pad op is left. Applies when y has no other
// consumer and is not a graph output, the Pad is mode "constant" with constant,
// non-negative pads that leave N and C alone and a zero (or absent) value, and the Conv
// has auto_pad NOTSET. Returns the number of folds.
#pragma once

#include <cstddef>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::passes {

Result<size_t> FoldPadIntoConv(ir::Graph& graph);

}  // namespace pt2tf::passes
