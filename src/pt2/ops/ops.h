// The ATen op builders, one family per file. Each turns one program node into IR nodes with
// ONNX semantics and binds the node's outputs (OpCall::SetOutput). op_table.cpp maps
// `aten.X.overload` targets to these, in one visible table.
#pragma once

#include <string>

#include "pt2/import_context.h"

namespace pt2tf::pt2 {

using OpBuilder = Status (*)(OpCall& call);

// The builder for `target` (with or without the "torch.ops." prefix), or nullptr.
OpBuilder FindOpBuilder(const std::string& target);
// Every target the table covers, sorted (docs and `pt2tf inspect`).
std::vector<std::string> SupportedTargets();
// Imports `nodes` in order through the op table into ctx's graph (importer.cpp); also used
// for the branches of higher-order ops. `read_at_end`: the names read after the nodes (the
// outputs), for the in-place write check (pt2/aliasing.h).
Status ImportNodes(const std::vector<Node>& nodes, const std::vector<std::string>& read_at_end,
                   ImportContext& ctx);

namespace ops {
// activation.cpp
Status Relu(OpCall& c);
Status Relu6(OpCall& c);
Status Hardtanh(OpCall& c);
Status Hardswish(OpCall& c);
Status Hardsigmoid(OpCall& c);
Status Silu(OpCall& c);
Status Sigmoid(OpCall& c);
Status Tanh(OpCall& c);
Status Gelu(OpCall& c);
Status LeakyRelu(OpCall& c);
Status Elu(OpCall& c);
Status Mish(OpCall& c);
Status Softplus(OpCall& c);
Status Softmax(OpCall& c);
Status LogSoftmax(OpCall& c);
Status Clamp(OpCall& c);
Status ClampMin(OpCall& c);
Status ClampMax(OpCall& c);
Status Prelu(OpCall& c);
Status LogSigmoid(OpCall& c);
Status Selu(OpCall& c);
Status Celu(OpCall& c);
Status Glu(OpCall& c);
// elementwise.cpp
Status Add(OpCall& c);
Status Sub(OpCall& c);
Status Rsub(OpCall& c);
Status Mul(OpCall& c);
Status Div(OpCall& c);
Status DivMode(OpCall& c);
Status Pow(OpCall& c);
Status Maximum(OpCall& c);
Status Minimum(OpCall& c);
Status Eq(OpCall& c);
Status Ne(OpCall& c);
Status Lt(OpCall& c);
Status Le(OpCall& c);
Status Gt(OpCall& c);
Status Ge(OpCall& c);
Status LogicalAnd(OpCall& c);
Status LogicalOr(OpCall& c);
Status LogicalNot(OpCall& c);
Status Where(OpCall& c);
Status MaskedFill(OpCall& c);
Status Sqrt(OpCall& c);
Status Rsqrt(OpCall& c);
Status Exp(OpCall& c);
Status Log(OpCall& c);
Status Neg(OpCall& c);
Status Abs(OpCall& c);
Status Erf(OpCall& c);
Status Reciprocal(OpCall& c);
Status Floor(OpCall& c);
Status Ceil(OpCall& c);
Status Sin(OpCall& c);
Status Cos(OpCall& c);
Status Sign(OpCall& c);
Status Round(OpCall& c);
Status Trunc(OpCall& c);
Status Tan(OpCall& c);
Status Atan(OpCall& c);
Status Asin(OpCall& c);
Status Acos(OpCall& c);
Status Sinh(OpCall& c);
Status Cosh(OpCall& c);
Status Square(OpCall& c);
Status Log1p(OpCall& c);
Status Expm1(OpCall& c);
Status Log2(OpCall& c);
Status Remainder(OpCall& c);
Status Fmod(OpCall& c);
Status PowScalar(OpCall& c);
Status Addcmul(OpCall& c);
Status Addcdiv(OpCall& c);
Status Lerp(OpCall& c);
Status IsNan(OpCall& c);
Status IsInf(OpCall& c);
Status Log10(OpCall& c);
Status BitwiseAnd(OpCall& c);
Status BitwiseOr(OpCall& c);
// conv_pool.cpp
Status Conv(OpCall& c);
Status ConvPadding(OpCall& c);
Status ConvTranspose(OpCall& c);
Status Convolution(OpCall& c);
Status MaxPool(OpCall& c);
Status AvgPool(OpCall& c);
Status AdaptiveAvgPool(OpCall& c);
Status AdaptiveMaxPool(OpCall& c);
// norm.cpp
Status BatchNorm(OpCall& c);
Status NativeBatchNormNoTraining(OpCall& c);
Status LayerNorm(OpCall& c);
Status NativeLayerNorm(OpCall& c);
Status GroupNorm(OpCall& c);
Status RmsNorm(OpCall& c);
Status WeightNorm(OpCall& c);
Status WeightNormInterface(OpCall& c);
Status InstanceNorm(OpCall& c);
// matmul.cpp
Status Linear(OpCall& c);
Status Addmm(OpCall& c);
Status MatMul(OpCall& c);
Status Baddbmm(OpCall& c);
Status ScaledDotProductAttention(OpCall& c);
// shape_ops.cpp
Status View(OpCall& c);
Status Flatten(OpCall& c);
Status Permute(OpCall& c);
Status Transpose(OpCall& c);
Status SwapAxes(OpCall& c);
Status T(OpCall& c);
Status Unsqueeze(OpCall& c);
Status Squeeze(OpCall& c);
Status Expand(OpCall& c);
Status Cat(OpCall& c);
Status Stack(OpCall& c);
Status Split(OpCall& c);
Status SplitWithSizes(OpCall& c);
Status Chunk(OpCall& c);
Status Unbind(OpCall& c);
Status Identity(OpCall& c);
Status NoOp(OpCall& c);
Status ToDType(OpCall& c);
Status SymSize(OpCall& c);
Status Repeat(OpCall& c);
Status Meshgrid(OpCall& c);
Status Unflatten(OpCall& c);
Status ReshapeAs(OpCall& c);
Status NumpyT(OpCall& c);
Status PixelShuffle(OpCall& c);
Status PixelUnshuffle(OpCall& c);
Status ExpandAs(OpCall& c);
// index_ops.cpp
Status Slice(OpCall& c);
Status Select(OpCall& c);
Status SelectScatter(OpCall& c);
Status SliceScatter(OpCall& c);
Status Index(OpCall& c);
Status Embedding(OpCall& c);
Status IndexSelect(OpCall& c);
Status GatherDim(OpCall& c);
Status Triu(OpCall& c);
Status Tril(OpCall& c);
Status TopK(OpCall& c);
Status Roll(OpCall& c);
Status Flip(OpCall& c);
Status Sort(OpCall& c);
Status Argsort(OpCall& c);
// reduce.cpp
Status Mean(OpCall& c);
Status Sum(OpCall& c);
Status Amax(OpCall& c);
Status Amin(OpCall& c);
Status MaxDim(OpCall& c);
Status ArgMax(OpCall& c);
Status ArgMin(OpCall& c);
Status CumSum(OpCall& c);
Status Prod(OpCall& c);
Status MinDim(OpCall& c);
Status Var(OpCall& c);
Status Std(OpCall& c);
Status VarMean(OpCall& c);
Status StdMean(OpCall& c);
Status Any(OpCall& c);
Status All(OpCall& c);
Status LogSumExp(OpCall& c);
Status VectorNorm(OpCall& c);
// control_flow.cpp
Status Cond(OpCall& c);
// creation.cpp
Status Arange(OpCall& c);
Status Full(OpCall& c);
Status Zeros(OpCall& c);
Status Ones(OpCall& c);
Status FullLike(OpCall& c);
Status ZerosLike(OpCall& c);
Status OnesLike(OpCall& c);
Status NewZeros(OpCall& c);
Status NewOnes(OpCall& c);
Status ScalarTensor(OpCall& c);
Status RandomDraw(OpCall& c);
Status NewFull(OpCall& c);
// inplace.cpp
Status Zero(OpCall& c);
Status Fill(OpCall& c);
Status ZeroCopy(OpCall& c);
Status FillCopy(OpCall& c);
// pad.cpp
Status Pad(OpCall& c);
Status ReflectionPad(OpCall& c);
Status ReplicationPad(OpCall& c);
// recurrent.cpp
Status Lstm(OpCall& c);
Status Gru(OpCall& c);
Status RnnTanh(OpCall& c);
Status RnnRelu(OpCall& c);
// einsum.cpp
Status Einsum(OpCall& c);
// resize.cpp
Status UpsampleNearest(OpCall& c);
Status UpsampleNearestExact(OpCall& c);
Status UpsampleBilinear(OpCall& c);
// sym.cpp
Status Item(OpCall& c);
Status SymAdd(OpCall& c);
Status SymSub(OpCall& c);
Status SymMul(OpCall& c);
Status SymFloorDiv(OpCall& c);
Status SymMod(OpCall& c);
Status SymTrueDiv(OpCall& c);
Status SymMax(OpCall& c);
Status SymMin(OpCall& c);
Status SymGt(OpCall& c);
Status SymGe(OpCall& c);
Status SymLt(OpCall& c);
Status SymLe(OpCall& c);
Status SymEq(OpCall& c);
Status SymNe(OpCall& c);
Status SymNeg(OpCall& c);
Status SymFloat(OpCall& c);
}  // namespace ops

}  // namespace pt2tf::pt2
