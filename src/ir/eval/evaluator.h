// A small reference evaluator for constant folding: computes one node's outputs from
// constant inputs, at ONNX opset-21 semantics, for the ops exporters use in shape arithmetic
// (elementwise math incl. Mod, comparisons, Gather, ScatterND, Concat, Slice, Expand, Tile, Range,
// reductions...). It is exact for integers and correctly rounded for float +, -, *, / and sqrt
// (computed in double, rounded once to the output dtype).
#pragma once

#include <string>
#include <vector>

#include "ir/eval/host_tensor.h"
#include "pt2tf/ir/graph.h"

namespace pt2tf::ir::eval {

// Inputs in node order; nullptr marks an omitted optional input.
using EvalInputs = std::vector<const HostTensor*>;
using EvalFn = Result<std::vector<HostTensor>> (*)(const Node&, const EvalInputs&);

// True when Evaluate has a kernel for this default-domain op type.
bool CanEvaluate(const std::string& op_type);

// Computes every output of `node`. Unsupported when the op or this use of it (an attribute,
// a dtype) has no kernel; InvalidInput (naming the node) when the inputs are inconsistent.
Result<std::vector<HostTensor>> Evaluate(const Node& node, const EvalInputs& inputs);

// ---- kernels (eval_elementwise.cpp, eval_shape_ops.cpp) ----
Result<std::vector<HostTensor>> EvalUnary(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalBinary(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalVariadic(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalWhere(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalCast(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalGather(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalScatterND(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalConcat(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalSlice(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalExpand(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalTile(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalTranspose(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalConstantOfShape(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalRange(const Node& node, const EvalInputs& in);
Result<std::vector<HostTensor>> EvalReduce(const Node& node, const EvalInputs& in);

// ---- helpers shared by kernels ----
// Numpy broadcast of shapes; InvalidInput naming the node when incompatible.
Result<Dims> BroadcastShape(const Node& node, const Dims& a, const Dims& b);
// For each element of `out` (C order), the flat index of the element of `in` it reads when
// `in` is broadcast to `out`.
std::vector<int64_t> BroadcastSourceIndex(const Dims& in, const Dims& out);
// Unsupported when a kernel's result would exceed kMaxEvalElements (or overflow): kernels
// whose output size comes from input values (Expand, Tile, ConstantOfShape, Range) check it
// before allocating, so a hostile constant cannot make the evaluator allocate without bound.
constexpr int64_t kMaxEvalElements = int64_t{1} << 26;
Status CheckOutputSize(const Node& node, const Dims& shape);
// C-order strides of `shape`.
Dims Strides(const Dims& shape);

}  // namespace pt2tf::ir::eval
