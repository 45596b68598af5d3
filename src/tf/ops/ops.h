// Every op emitter, by family. Each turns one IR node into TF nodes through EmitContext and
// publishes its outputs; an op or attribute combination it cannot express exactly is
// refused with a Status naming the node, op and attribute. registry.cpp maps op types here.
#pragma once

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"
#include "tf/emit_context.h"

namespace pt2tf::tf {

// conv.cpp
Status EmitConv(const ir::Node& node, EmitContext& ctx);
Status EmitConvTranspose(const ir::Node& node, EmitContext& ctx);
// pool.cpp
Status EmitMaxPool(const ir::Node& node, EmitContext& ctx);
Status EmitAveragePool(const ir::Node& node, EmitContext& ctx);
Status EmitGlobalPool(const ir::Node& node, EmitContext& ctx);  // GlobalAverage/MaxPool
// elementwise.cpp
Status EmitUnary(const ir::Node& node, EmitContext& ctx);
Status EmitBinary(const ir::Node& node, EmitContext& ctx);
Status EmitVariadic(const ir::Node& node, EmitContext& ctx);  // Sum, Mean, n-ary Min/Max
Status EmitWhere(const ir::Node& node, EmitContext& ctx);
Status EmitCast(const ir::Node& node, EmitContext& ctx);  // Cast, CastLike
Status EmitIsInf(const ir::Node& node, EmitContext& ctx);
Status EmitIdentity(const ir::Node& node, EmitContext& ctx);  // Identity, Dropout
// erf.cpp
Status EmitErf(const ir::Node& node, EmitContext& ctx);
// activation.cpp
Status EmitClip(const ir::Node& node, EmitContext& ctx);
Status EmitLeakyRelu(const ir::Node& node, EmitContext& ctx);
Status EmitPRelu(const ir::Node& node, EmitContext& ctx);
Status EmitElu(const ir::Node& node, EmitContext& ctx);  // Elu, Selu
Status EmitCelu(const ir::Node& node, EmitContext& ctx);
Status EmitThresholdedRelu(const ir::Node& node, EmitContext& ctx);
Status EmitHardSigmoid(const ir::Node& node, EmitContext& ctx);
Status EmitHardSwish(const ir::Node& node, EmitContext& ctx);
Status EmitGelu(const ir::Node& node, EmitContext& ctx);
Status EmitMish(const ir::Node& node, EmitContext& ctx);
Status EmitSoftmax(const ir::Node& node, EmitContext& ctx);  // Softmax, LogSoftmax
Status EmitHardmax(const ir::Node& node, EmitContext& ctx);
// normalization.cpp
Status EmitBatchNormalization(const ir::Node& node, EmitContext& ctx);
Status EmitInstanceNormalization(const ir::Node& node, EmitContext& ctx);
Status EmitLayerNormalization(const ir::Node& node, EmitContext& ctx);
Status EmitLrn(const ir::Node& node, EmitContext& ctx);
Status EmitLpNormalization(const ir::Node& node, EmitContext& ctx);
// matmul.cpp
Status EmitGemm(const ir::Node& node, EmitContext& ctx);
Status EmitMatMul(const ir::Node& node, EmitContext& ctx);
// shape_ops.cpp
Status EmitReshape(const ir::Node& node, EmitContext& ctx);
Status EmitFlatten(const ir::Node& node, EmitContext& ctx);
Status EmitTranspose(const ir::Node& node, EmitContext& ctx);
Status EmitSqueeze(const ir::Node& node, EmitContext& ctx);
Status EmitUnsqueeze(const ir::Node& node, EmitContext& ctx);
Status EmitExpand(const ir::Node& node, EmitContext& ctx);
Status EmitTile(const ir::Node& node, EmitContext& ctx);
Status EmitShape(const ir::Node& node, EmitContext& ctx);
Status EmitSize(const ir::Node& node, EmitContext& ctx);
Status EmitConstantOfShape(const ir::Node& node, EmitContext& ctx);
Status EmitConstant(const ir::Node& node, EmitContext& ctx);
// slice_ops.cpp
Status EmitConcat(const ir::Node& node, EmitContext& ctx);
Status EmitSplit(const ir::Node& node, EmitContext& ctx);
Status EmitSlice(const ir::Node& node, EmitContext& ctx);
Status EmitGather(const ir::Node& node, EmitContext& ctx);
Status EmitPad(const ir::Node& node, EmitContext& ctx);
// resize.cpp
Status EmitResize(const ir::Node& node, EmitContext& ctx);
// misc.cpp
Status EmitRange(const ir::Node& node, EmitContext& ctx);
// detection.cpp
Status EmitNonZero(const ir::Node& node, EmitContext& ctx);
Status EmitNonMaxSuppression(const ir::Node& node, EmitContext& ctx);
Status EmitReverseSequence(const ir::Node& node, EmitContext& ctx);
Status EmitCumSum(const ir::Node& node, EmitContext& ctx);
Status EmitTopK(const ir::Node& node, EmitContext& ctx);
Status EmitEinsum(const ir::Node& node, EmitContext& ctx);
Status EmitDepthSpace(const ir::Node& node, EmitContext& ctx);  // DepthToSpace, SpaceToDepth
Status EmitTrilu(const ir::Node& node, EmitContext& ctx);
// index_ops.cpp
Status EmitGatherNd(const ir::Node& node, EmitContext& ctx);
Status EmitScatterNd(const ir::Node& node, EmitContext& ctx);
Status EmitGatherElements(const ir::Node& node, EmitContext& ctx);
Status EmitScatterElements(const ir::Node& node, EmitContext& ctx);
Status EmitOneHot(const ir::Node& node, EmitContext& ctx);
Status EmitEyeLike(const ir::Node& node, EmitContext& ctx);
// reduce.cpp
// control_flow.cpp: StatelessIf / StatelessWhile with library functions
Status EmitIf(const ir::Node& node, EmitContext& ctx);
Status EmitLoop(const ir::Node& node, EmitContext& ctx);
Status EmitScan(const ir::Node& node, EmitContext& ctx);
Status EmitRecurrent(const ir::Node& node, EmitContext& ctx);  // LSTM, GRU, RNN (recurrent.cpp)
Status EmitReduce(const ir::Node& node, EmitContext& ctx);
Status EmitArgMinMax(const ir::Node& node, EmitContext& ctx);

}  // namespace pt2tf::tf
