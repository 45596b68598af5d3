#include "tf/ops/registry.h"

#include <algorithm>

#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

struct Entry {
  std::string_view op_type;
  Emitter emit;
};

constexpr Entry kEmitters[] = {
    // conv.cpp
    {"Conv", EmitConv},
    {"ConvTranspose", EmitConvTranspose},
    // pool.cpp
    {"MaxPool", EmitMaxPool},
    {"AveragePool", EmitAveragePool},
    {"GlobalAveragePool", EmitGlobalPool},
    {"GlobalMaxPool", EmitGlobalPool},
    // elementwise.cpp
    {"Relu", EmitUnary},
    {"Sigmoid", EmitUnary},
    {"Tanh", EmitUnary},
    {"Exp", EmitUnary},
    {"Log", EmitUnary},
    {"Sqrt", EmitUnary},
    {"Abs", EmitUnary},
    {"Neg", EmitUnary},
    {"Reciprocal", EmitUnary},
    {"Floor", EmitUnary},
    {"Ceil", EmitUnary},
    {"Round", EmitUnary},
    {"Sign", EmitUnary},
    {"Erf", EmitErf},  // erf.cpp
    {"Sin", EmitUnary},
    {"Cos", EmitUnary},
    {"Tan", EmitUnary},
    {"Asin", EmitUnary},
    {"Acos", EmitUnary},
    {"Atan", EmitUnary},
    {"Sinh", EmitUnary},
    {"Cosh", EmitUnary},
    {"Asinh", EmitUnary},
    {"Acosh", EmitUnary},
    {"Atanh", EmitUnary},
    {"Softplus", EmitUnary},
    {"Softsign", EmitUnary},
    {"IsNaN", EmitUnary},
    {"BitwiseNot", EmitUnary},
    {"Not", EmitUnary},
    {"Add", EmitBinary},
    {"Sub", EmitBinary},
    {"Mul", EmitBinary},
    {"Div", EmitBinary},
    {"Pow", EmitBinary},
    {"Mod", EmitBinary},
    {"Equal", EmitBinary},
    {"Less", EmitBinary},
    {"Greater", EmitBinary},
    {"LessOrEqual", EmitBinary},
    {"GreaterOrEqual", EmitBinary},
    {"And", EmitBinary},
    {"Or", EmitBinary},
    {"Xor", EmitBinary},
    {"BitShift", EmitBinary},
    {"BitwiseAnd", EmitBinary},
    {"BitwiseOr", EmitBinary},
    {"BitwiseXor", EmitBinary},
    {"Max", EmitVariadic},
    {"Min", EmitVariadic},
    {"Sum", EmitVariadic},
    {"Mean", EmitVariadic},
    {"Where", EmitWhere},
    {"Cast", EmitCast},
    {"CastLike", EmitCast},
    {"IsInf", EmitIsInf},
    {"Identity", EmitIdentity},
    {"Dropout", EmitIdentity},
    // activation.cpp
    {"Clip", EmitClip},
    {"LeakyRelu", EmitLeakyRelu},
    {"PRelu", EmitPRelu},
    {"Elu", EmitElu},
    {"Selu", EmitElu},
    {"Celu", EmitCelu},
    {"ThresholdedRelu", EmitThresholdedRelu},
    {"HardSigmoid", EmitHardSigmoid},
    {"HardSwish", EmitHardSwish},
    {"Gelu", EmitGelu},
    {"Mish", EmitMish},
    {"Softmax", EmitSoftmax},
    {"LogSoftmax", EmitSoftmax},
    {"Hardmax", EmitHardmax},
    // normalization.cpp
    {"BatchNormalization", EmitBatchNormalization},
    {"InstanceNormalization", EmitInstanceNormalization},
    {"LayerNormalization", EmitLayerNormalization},
    {"LRN", EmitLrn},
    {"LpNormalization", EmitLpNormalization},
    // matmul.cpp
    {"Gemm", EmitGemm},
    {"MatMul", EmitMatMul},
    // shape_ops.cpp
    {"Reshape", EmitReshape},
    {"Flatten", EmitFlatten},
    {"Transpose", EmitTranspose},
    {"Squeeze", EmitSqueeze},
    {"Unsqueeze", EmitUnsqueeze},
    {"Expand", EmitExpand},
    {"Tile", EmitTile},
    {"Shape", EmitShape},
    {"Size", EmitSize},
    {"ConstantOfShape", EmitConstantOfShape},
    {"Constant", EmitConstant},
    // slice_ops.cpp
    {"Concat", EmitConcat},
    {"Split", EmitSplit},
    {"Slice", EmitSlice},
    {"Gather", EmitGather},
    {"Pad", EmitPad},
    // recurrent.cpp
    // control_flow.cpp
    {"If", EmitIf},
    {"Loop", EmitLoop},
    {"Scan", EmitScan},
    {"LSTM", EmitRecurrent},
    {"GRU", EmitRecurrent},
    {"RNN", EmitRecurrent},
    // index_ops.cpp
    {"GatherND", EmitGatherNd},
    {"ScatterND", EmitScatterNd},
    {"GatherElements", EmitGatherElements},
    {"ScatterElements", EmitScatterElements},
    {"OneHot", EmitOneHot},
    {"EyeLike", EmitEyeLike},
    // reduce.cpp
    {"ReduceMean", EmitReduce},
    {"ReduceSum", EmitReduce},
    {"ReduceMax", EmitReduce},
    {"ReduceMin", EmitReduce},
    {"ReduceProd", EmitReduce},
    {"ReduceL1", EmitReduce},
    {"ReduceL2", EmitReduce},
    {"ReduceSumSquare", EmitReduce},
    {"ReduceLogSum", EmitReduce},
    {"ReduceLogSumExp", EmitReduce},
    {"ArgMax", EmitArgMinMax},
    {"ArgMin", EmitArgMinMax},
    // resize.cpp
    {"Resize", EmitResize},
    // detection.cpp
    {"NonZero", EmitNonZero},
    {"NonMaxSuppression", EmitNonMaxSuppression},
    // misc.cpp
    {"Range", EmitRange},
    {"ReverseSequence", EmitReverseSequence},
    {"CumSum", EmitCumSum},
    {"TopK", EmitTopK},
    {"Einsum", EmitEinsum},
    {"DepthToSpace", EmitDepthSpace},
    {"SpaceToDepth", EmitDepthSpace},
    {"Trilu", EmitTrilu},
};

}  // namespace

Emitter FindEmitter(std::string_view op_type) {
  for (const Entry& e : kEmitters)
    if (e.op_type == op_type) return e.emit;
  return nullptr;
}

std::vector<std::string> SupportedTfOps() {
  std::vector<std::string> ops;
  for (const Entry& e : kEmitters) ops.emplace_back(e.op_type);
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace pt2tf::tf
