// Helpers shared by the op emitters: constant inputs, attribute checks, layout arithmetic.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "tf/emit_context.h"

namespace pt2tf::tf {

// The integer contents of constant input `i` (shape, axes, pads ...); an error naming the
// node when it is computed at run time. nullopt when the input is absent.
Result<std::optional<std::vector<int64_t>>> ConstIntsInput(const ir::Node& node, size_t i);
// The contents of constant input `i` as doubles (scalars like Clip's min); nullopt if absent.
Result<std::optional<std::vector<double>>> ConstDoublesInput(const ir::Node& node, size_t i);

// The TF element type of input `i` (or of output 0 when i is out of range).
Result<tensorflow::DataType> InputType(const ir::Node& node, size_t i);
Result<tensorflow::DataType> OutputType(const ir::Node& node, size_t i = 0);

// Refuses a node whose output `i` (beyond what the emitter produces) is used by someone.
Status RequireUnused(const ir::Node& node, size_t first_unsupported_output, EmitContext& ctx);

// The perm of a tensor after the dims flagged in `removed` (IR axes) are dropped from a
// tensor with layout `perm`: TF keeps the remaining dims in their TF order.
Perm PermAfterRemoving(const Perm& perm, int64_t rank, const std::vector<bool>& removed);

// Normalises and checks the axes of `node` against `rank`.
Result<std::vector<int64_t>> NormalizeAxes(const ir::Node& node, std::vector<int64_t> axes,
                                           int64_t rank);

// "<node>: <what> needs static spatial dims (dim 2 of 'x' is dynamic; pin it with
// --input-shape)": the refusal for a window or resize over dims known only at run time,
// naming input 0's first dynamic spatial dim.
Status NeedsStaticSpatial(const ir::Node& node, const std::string& what);

// Dims known only at run time: the int64 Shape of `x` (TF type `t`), and entry `d` of such
// a shape as an int64 scalar (for Range limits and the like).
std::string RunTimeShape(EmitContext& ctx, const std::string& x, tensorflow::DataType t,
                         const std::string& hint);
std::string RunTimeDim(EmitContext& ctx, const std::string& shape, int64_t d,
                       const std::string& hint);
// Entries [begin, begin + count) of such a shape, as an int64 vector.
std::string RunTimeDims(EmitContext& ctx, const std::string& shape, int64_t begin, int64_t count,
                        const std::string& hint);
// Range(0, limit) (int64 scalar `limit`) reshaped to `shape` (one -1 entry, the others 1):
// the coordinate along one axis, to broadcast against a run-time shape.
Result<std::string> RangeAlong(EmitContext& ctx, const std::string& limit, const ir::Dims& shape,
                               const std::string& hint);

// TF axes for IR axes under `perm`.
std::vector<int64_t> TfAxes(const Perm& perm, const std::vector<int64_t>& axes);

// "NOTSET"/"VALID"/"SAME_UPPER"/"SAME_LOWER" resolved to explicit begin/end pads for a
// sliding window (conv, pool) over static spatial dims; also checks the attrs' lengths.
struct WindowSpec {
  std::vector<int64_t> kernel, strides, dilations, pads_begin, pads_end;
  // SAME_UPPER over a dynamic spatial dim: TF's "SAME" padding computes the same pads at run
  // time; pads_begin/pads_end are 0 then and must not be used.
  bool dynamic_same = false;
};
Result<WindowSpec> ResolveWindow(const ir::Node& node, const ir::Dims& spatial_in,
                                 const std::vector<int64_t>& kernel);
// TF "SAME" pads for one spatial dim, or nullopt when the input size is unknown.
std::optional<std::pair<int64_t, int64_t>> SamePads(int64_t in, int64_t k, int64_t s, int64_t d);

}  // namespace pt2tf::tf

namespace pt2tf::tf {

// The inputs of a broadcasting elementwise op in one common layout: the layout of the
// first highest-rank computed input that is not in IR layout (usually NHWC from a conv);
// constants are permuted at conversion time, lower-rank inputs are broadcast first.
struct BroadcastInputs {
  std::vector<std::string> tensors;
  Perm perm;  // layout of the op's output
  int64_t rank = 0;
};
Result<BroadcastInputs> GetBroadcastInputs(const ir::Node& node, EmitContext& ctx,
                                           const std::vector<const ir::Value*>& inputs);

}  // namespace pt2tf::tf

namespace pt2tf::tf {

// TF reduction `op` ("Sum", "Mean", "Max", ...) of `x` over TF `axes`.
std::string EmitReduction(EmitContext& ctx, const std::string& op, const std::string& x,
                          const std::vector<int64_t>& axes, bool keep_dims, tensorflow::DataType t,
                          const std::string& hint);

// TF Cast of `x` from `from` to `to` (x itself when they are the same type).
std::string EmitCast(EmitContext& ctx, const std::string& x, tensorflow::DataType from,
                     tensorflow::DataType to, const std::string& hint);

// TF GatherV2 of `params` (type `t`) at `indices` (type `ti`) along the int32 scalar `axis`.
std::string EmitGatherV2(EmitContext& ctx, const std::string& name, const std::string& params,
                         const std::string& indices, const std::string& axis,
                         tensorflow::DataType t, tensorflow::DataType ti = tensorflow::DT_INT32);

}  // namespace pt2tf::tf

namespace pt2tf::tf {

// Input 0 of a rank-3 (1-D spatial) or rank-4 node as an NHWC 4-D tensor: 1-D inputs
// become [N, 1, L, C] so TF's 2-D conv/pool kernels can run them.
Result<std::string> GetNhwc2d(const ir::Node& node, EmitContext& ctx, int64_t rank,
                              tensorflow::DataType t);
// Drops the unit dim GetNhwc2d added: [N, 1, L, C] -> [N, L, C].
std::string Unlift1d(EmitContext& ctx, const std::string& y, tensorflow::DataType t,
                     const std::string& hint);

}  // namespace pt2tf::tf

namespace pt2tf::tf {

// `v` in its current layout; a flattened-then-permuted value is materialised in IR layout.
Result<TfValue> PlainValue(const ir::Value* v, EmitContext& ctx);
// True when input `i` is present and computed at run time (not a constant).
bool IsRuntimeInput(const ir::Node& node, size_t i);
// Input `i` in IR layout; with `scalar`, a one-element tensor is reshaped to a scalar.
Result<std::string> RuntimeInput(const ir::Node& node, EmitContext& ctx, size_t i, bool scalar);
// The static output shape of output `i` (at most one unknown dim), for ops whose
// shape-determining input is only known at run time.
Result<ir::Dims> ReshapeableOutputShape(const ir::Node& node, EmitContext& ctx, size_t i);

}  // namespace pt2tf::tf
