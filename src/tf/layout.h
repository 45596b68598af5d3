// Layout bookkeeping for the TF writer's whole-graph NHWC conversion.
//
// Every IR value is emitted as a TF tensor that holds the IR tensor with its dims permuted:
// tf_tensor = ir_tensor.permute(perm). An empty perm is the identity (the IR's own layout).
// Conv/Pool make their outputs channels-last ([0, 2, 3, 1] for 4-D); layout-agnostic ops
// pass the perm through and layout-sensitive ops remap their axes, so a Transpose is only
// emitted where a consumer needs a layout its producer does not have.
#pragma once

#include <cstdint>
#include <vector>

#include "pt2tf/ir/graph.h"

namespace pt2tf::tf {

using Perm = std::vector<int64_t>;

// [0, 2, 3, ..., r-1, 1]: channels-last for a rank-r NC... tensor.
Perm ChannelsLast(int64_t rank);
bool IsIdentity(const Perm& perm);
// The identity perm of `rank` when `perm` is empty, else `perm`.
Perm Normalize(const Perm& perm, int64_t rank);
Perm Inverse(const Perm& perm);
// dims permuted: result[i] = dims[perm[i]].
ir::Dims Permute(const ir::Dims& dims, const Perm& perm);
// The perm q with x.permute(from).permute(q) == x.permute(to).
Perm Relative(const Perm& from, const Perm& to, int64_t rank);
// Position of IR axis `axis` (already non-negative) in the TF tensor.
int64_t TfAxis(const Perm& perm, int64_t axis);
// True when permuting a tensor of IR shape `dims` by `relative` only moves size-1 dims (or
// keeps the order of the others): then the permutation is a Reshape, not a data movement.
bool IsPureReshape(const ir::Dims& tf_dims, const Perm& relative);
// Normalises an ONNX axis (may be negative) for `rank`; false when out of range.
bool NormalizeAxis(int64_t& axis, int64_t rank);

}  // namespace pt2tf::tf
