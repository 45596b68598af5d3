// Internal to shape inference: the context a per-op shape function sees, shared helpers,
// and the declarations of every per-op function. The op -> function table lives in
// src/ir/shape_inference.cpp; the functions live in src/ir/shapes/<family>.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"

namespace pt2tf::ir::shapes {

// One node under inference. Inputs are read-only; outputs are written with SetOutput.
class InferContext {
 public:
  explicit InferContext(Node& node) : node_(node) {}

  const Node& node() const { return node_; }
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  // Input i, or nullptr when absent or omitted.
  const Value* in(size_t i) const { return node_.input(i); }
  bool has_input(size_t i) const { return in(i) != nullptr; }
  // Shape of input i; nullopt when rank unknown or the input is absent.
  std::optional<Dims> shape(size_t i) const;
  DType dtype(size_t i) const;
  // Values of a constant integer input (any rank, flattened); nullopt when not constant.
  std::optional<std::vector<int64_t>> ConstInts(size_t i) const;
  // Values of a constant input as doubles; nullopt when not constant.
  std::optional<std::vector<double>> ConstDoubles(size_t i) const;

  // Records output i (ignored when the node has no such output, e.g. an omitted optional).
  void SetOutput(size_t i, DType dtype, std::optional<Dims> shape);
  // Every output gets `dtype` with unknown rank.
  void SetAllUnknown(DType dtype);

  // "Conv 'layer1.0.conv1': <message>", as InvalidInput.
  Status Error(const std::string& message) const;
  // Error unless the node has between min and max inputs (present or omitted).
  Status CheckInputCount(size_t min, size_t max) const;
  // Error unless input i is present.
  Status RequireInput(size_t i, const char* what) const;

 private:
  Node& node_;
};

using ShapeFn = Status (*)(InferContext&);

// ---- helpers shared by the family files ----
// Normalizes a possibly negative axis into [0, rank); error naming `what` otherwise.
Status NormalizeAxis(const InferContext& ctx, int64_t& axis, int64_t rank, const char* what);
// Numpy-style (multidirectional) broadcast of two shapes; unknown dims stay unknown unless
// the other side decides them. Error names both shapes.
Status Broadcast(const InferContext& ctx, const Dims& a, const Dims& b, Dims& out);
// Product of dims; kUnknownDim if any is unknown or the product overflows int64.
int64_t DimProduct(const Dims& dims, size_t begin = 0, size_t end = SIZE_MAX);
// "1x3x?x224": unknown dims as '?'.
std::string DimsToString(const Dims& dims);

// ---- control_flow.cpp (bodies are inferred too) ----
Status InferIf(InferContext& ctx);
Status InferLoop(InferContext& ctx);
Status InferScan(InferContext& ctx);

// ---- elementwise.cpp ----
Status InferUnary(InferContext& ctx);        // same dtype and shape as input 0
Status InferUnaryToBool(InferContext& ctx);  // IsNaN, IsInf: bool, same shape
Status InferNot(InferContext& ctx);
Status InferSoftmaxLike(InferContext& ctx);  // Softmax, LogSoftmax, Hardmax (axis check)
Status InferClip(InferContext& ctx);
Status InferCast(InferContext& ctx);
Status InferCumSum(InferContext& ctx);
Status InferTrilu(InferContext& ctx);
Status InferDropout(InferContext& ctx);
Status InferBinary(InferContext& ctx);    // same dtype, broadcast (Add, Sub, Mul, Div, Mod)
Status InferPow(InferContext& ctx);       // dtype of the base
Status InferCompare(InferContext& ctx);   // Equal, Less, Greater, ... -> bool
Status InferLogical(InferContext& ctx);   // And, Or, Xor: bool inputs
Status InferVariadic(InferContext& ctx);  // Min, Max, Sum, Mean
Status InferPRelu(InferContext& ctx);
Status InferWhere(InferContext& ctx);

// ---- conv_pool.cpp ----
Status InferConv(InferContext& ctx);
Status InferConvTranspose(InferContext& ctx);
Status InferPool(InferContext& ctx);  // MaxPool, AveragePool, LpPool
Status InferGlobalPool(InferContext& ctx);
Status InferBatchNorm(InferContext& ctx);
Status InferInstanceNorm(InferContext& ctx);
Status InferLayerNorm(InferContext& ctx);
Status InferResize(InferContext& ctx);
Status InferUpsample(InferContext& ctx);

// ---- shape_ops.cpp ----
Status InferFlatten(InferContext& ctx);
Status InferReshape(InferContext& ctx);
Status InferTranspose(InferContext& ctx);
Status InferConcat(InferContext& ctx);
Status InferSplit(InferContext& ctx);
Status InferSlice(InferContext& ctx);
Status InferSqueeze(InferContext& ctx);
Status InferUnsqueeze(InferContext& ctx);
Status InferGather(InferContext& ctx);
Status InferGatherElements(InferContext& ctx);
Status InferScatterND(InferContext& ctx);
Status InferPad(InferContext& ctx);
Status InferShape(InferContext& ctx);
Status InferSize(InferContext& ctx);
Status InferExpand(InferContext& ctx);
Status InferTile(InferContext& ctx);
Status InferConstant(InferContext& ctx);
Status InferConstantOfShape(InferContext& ctx);
Status InferRange(InferContext& ctx);

// ---- reduce.cpp ----
Status InferReduce(InferContext& ctx);     // ReduceMean/Sum/Max/Min/Prod/L1/L2/...
Status InferArgReduce(InferContext& ctx);  // ArgMax, ArgMin
Status InferTopK(InferContext& ctx);

// ---- matmul.cpp ----
Status InferGemm(InferContext& ctx);
Status InferMatMul(InferContext& ctx);
Status InferEinsum(InferContext& ctx);

// ---- misc.cpp ----
Status InferLikeInput0(InferContext& ctx);  // same dtype and shape as input 0, any inputs
Status InferSpaceDepth(InferContext& ctx);  // DepthToSpace, SpaceToDepth
Status InferGatherND(InferContext& ctx);
Status InferOneHot(InferContext& ctx);
Status InferNonZero(InferContext& ctx);
Status InferNonMaxSuppression(InferContext& ctx);
Status InferEyeLike(InferContext& ctx);
Status InferDet(InferContext& ctx);
Status InferCompress(InferContext& ctx);
Status InferCastLike(InferContext& ctx);
Status InferQuantizeLinear(InferContext& ctx);
Status InferDequantizeLinear(InferContext& ctx);

// ---- recurrent.cpp ----
Status InferRecurrent(InferContext& ctx);  // LSTM, GRU, RNN

}  // namespace pt2tf::ir::shapes
