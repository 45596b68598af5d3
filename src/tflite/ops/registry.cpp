#include "tflite/ops/registry.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

const std::unordered_map<std::string, Converter>& Table() {
  static const auto* table = new std::unordered_map<std::string, Converter>{
      // conv.cpp
      {"Conv2D", ConvertConv2D},
      {"DepthwiseConv2dNative", ConvertConv2D},
      {"MaxPool", ConvertPool},
      {"AvgPool", ConvertPool},
      {"Conv2DBackpropInput", ConvertConv2DBackpropInput},
      // matmul.cpp
      {"MatMul", ConvertMatMul},
      {"BatchMatMulV2", ConvertBatchMatMul},
      {"BiasAdd", ConvertBiasAdd},
      // elementwise.cpp
      {"Relu", ConvertUnary},
      {"Relu6", ConvertUnary},
      {"Sigmoid", ConvertUnary},
      {"Tanh", ConvertUnary},
      {"Exp", ConvertUnary},
      {"Log", ConvertUnary},
      {"Sqrt", ConvertUnary},
      {"Rsqrt", ConvertUnary},
      {"Square", ConvertUnary},
      {"Abs", ConvertUnary},
      {"Neg", ConvertUnary},
      {"Floor", ConvertUnary},
      {"Ceil", ConvertUnary},
      {"Round", ConvertUnary},
      {"Sin", ConvertUnary},
      {"Cos", ConvertUnary},
      {"Elu", ConvertUnary},
      {"Sign", ConvertUnary},
      {"LogicalNot", ConvertUnary},
      {"ZerosLike", ConvertUnary},
      {"AddV2", ConvertAddOrHardSwish},  // hard_swish.cpp
      {"Add", ConvertBinary},
      {"Sub", ConvertBinary},
      {"Mul", ConvertMulOrHardSwish},  // hard_swish.cpp
      {"RealDiv", ConvertBinary},
      {"Div", ConvertBinary},
      {"Maximum", ConvertBinary},
      {"Minimum", ConvertBinary},
      {"Pow", ConvertBinary},
      {"SquaredDifference", ConvertBinary},
      {"FloorDiv", ConvertBinary},
      {"FloorMod", ConvertBinary},
      {"TruncateDiv", ConvertBinary},
      {"Greater", ConvertBinary},
      {"GreaterEqual", ConvertBinary},
      {"Less", ConvertBinary},
      {"LessEqual", ConvertBinary},
      {"Equal", ConvertBinary},
      {"NotEqual", ConvertBinary},
      {"LogicalAnd", ConvertBinary},
      {"LogicalOr", ConvertBinary},
      {"LeakyRelu", ConvertLeakyRelu},
      {"Softmax", ConvertSoftmax},
      {"LogSoftmax", ConvertSoftmax},
      {"ClipByValue", ConvertClipByValue},
      {"Cast", ConvertCast},
      {"SelectV2", ConvertSelect},
      {"FusedBatchNormV3", ConvertFusedBatchNorm},
      // expansions.cpp
      {"Erf", ConvertErf},
      {"Softplus", ConvertSoftplus},
      {"Selu", ConvertSelu},
      // shape_ops.cpp
      {"Reshape", ConvertReshape},
      {"ExpandDims", ConvertReshape},
      {"Squeeze", ConvertSqueeze},
      {"Transpose", ConvertTranspose},
      {"ConcatV2", ConvertConcat},
      {"Pad", ConvertPad},
      {"PadV2", ConvertPad},
      {"MirrorPad", ConvertPad},
      {"Mean", ConvertReduce},
      {"Sum", ConvertReduce},
      {"Max", ConvertReduce},
      {"Min", ConvertReduce},
      {"Prod", ConvertReduce},
      {"Slice", ConvertSlice},
      {"StridedSlice", ConvertStridedSlice},
      {"GatherV2", ConvertGather},
      {"SplitV", ConvertSplitV},
      {"Pack", ConvertPack},
      {"Unpack", ConvertUnpack},
      {"Tile", ConvertTile},
      {"BroadcastTo", ConvertBroadcastTo},
      {"ResizeBilinear", ConvertResize},
      {"ResizeNearestNeighbor", ConvertResize},
      {"ArgMax", ConvertArgMinMax},
      {"ArgMin", ConvertArgMinMax},
      {"Any", ConvertReduce},
      {"All", ConvertReduce},
      // math_expansions.cpp
      {"Reciprocal", ConvertReciprocal},
      {"DivNoNan", ConvertDivNoNan},
      {"IsInf", ConvertIsInfNan},
      {"IsNan", ConvertIsInfNan},
      {"Softsign", ConvertMathExpansion},
      {"Tan", ConvertMathExpansion},
      {"Sinh", ConvertMathExpansion},
      {"Cosh", ConvertMathExpansion},
      {"Asin", ConvertMathExpansion},
      {"Acos", ConvertMathExpansion},
      {"Atan", ConvertMathExpansion},
      {"Asinh", ConvertMathExpansion},
      {"Acosh", ConvertMathExpansion},
      {"Atanh", ConvertMathExpansion},
      // index_ops.cpp
      {"GatherNd", ConvertGatherNd},
      {"TensorScatterUpdate", ConvertTensorScatter},
      {"TensorScatterAdd", ConvertTensorScatter},
      {"TensorScatterMax", ConvertTensorScatter},
      {"TensorScatterMin", ConvertTensorScatter},
      {"OneHot", ConvertOneHot},
      {"TopKV2", ConvertTopK},
      {"ReverseV2", ConvertReverse},
      {"ReverseSequence", ConvertReverseSequence},
      {"Where", ConvertWhere},
      {"NonMaxSuppressionV5", ConvertNonMaxSuppression},
      // generate.cpp
      {"Shape", ConvertShape},
      {"Fill", ConvertFill},
      {"Range", ConvertRange},
      {"Cumsum", ConvertCumsum},
      {"BroadcastArgs", ConvertBroadcastArgs},
      // space_ops.cpp
      {"Split", ConvertSplit},
      {"DepthToSpace", ConvertDepthSpace},
      {"SpaceToDepth", ConvertDepthSpace},
      {"LRN", ConvertLrn},
      // bitwise.cpp
      {"BitwiseXor", ConvertBitwise},
      {"Invert", ConvertBitwise},
      {"RightShift", ConvertBitwise},
      // control_flow.cpp
      {"StatelessIf", ConvertIf},
      {"If", ConvertIf},
      {"StatelessWhile", ConvertWhile},
      {"While", ConvertWhile},
      {"EmptyTensorList", ConvertTensorList},
      {"TensorListReserve", ConvertTensorList},
      {"TensorListFromTensor", ConvertTensorList},
      {"TensorListPushBack", ConvertTensorList},
      {"TensorListStack", ConvertTensorList},
  };
  return *table;
}

}  // namespace

Converter FindConverter(const std::string& op) {
  auto it = Table().find(op);
  return it == Table().end() ? nullptr : it->second;
}

bool AcceptsRuntimeDims(const std::string& op) {
  static const auto* ops = new std::unordered_set<std::string>{
      // element-wise (elementwise.cpp, expansions.cpp, math_expansions.cpp)
      "Relu", "Relu6", "Sigmoid", "Tanh", "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Abs", "Neg",
      "Floor", "Ceil", "Round", "Sin", "Cos", "Elu", "Sign", "LogicalNot", "ZerosLike", "AddV2",
      "Add", "Sub", "Mul", "RealDiv", "Div", "Maximum", "Minimum", "Pow", "SquaredDifference",
      "FloorDiv", "FloorMod", "TruncateDiv", "Greater", "GreaterEqual", "Less", "LessEqual",
      "Equal", "NotEqual", "LogicalAnd", "LogicalOr", "LeakyRelu", "ClipByValue", "Cast",
      "SelectV2", "Erf", "Softplus", "Selu", "Reciprocal", "DivNoNan", "IsInf", "IsNan", "Softsign",
      "Tan", "Sinh", "Cosh", "Asin", "Acos", "Atan", "Asinh", "Acosh", "Atanh",
      // reductions (shape_ops.cpp)
      "Mean", "Sum", "Max", "Min", "Prod", "Any", "All",
      // window ops and matmuls: output dims from static kernels, a run-time batch or spatial
      // dim carried as kDynamicDim (conv.cpp, matmul.cpp)
      "Conv2D", "DepthwiseConv2dNative", "MaxPool", "AvgPool", "MatMul", "BatchMatMulV2", "BiasAdd",
      "Softmax", "LogSoftmax", "FusedBatchNormV3",  // BN not after a conv: MUL + ADD per channel
      // data movement whose output dims follow the input's (shape_ops.cpp); Shape emits SHAPE
      "Reshape", "ExpandDims", "Squeeze", "Transpose", "ConcatV2", "Pad", "PadV2", "MirrorPad",
      "StridedSlice", "Pack", "Unpack", "Shape", "GatherV2", "SplitV", "Tile", "DepthToSpace",
      "SpaceToDepth", "BroadcastTo", "BroadcastArgs",
      // output dims from the input's with one removed or replaced (shape_ops.cpp,
      // index_ops.cpp, generate.cpp)
      "ArgMax", "ArgMin", "TopKV2", "Cumsum", "OneHot", "GatherNd", "TensorScatterUpdate",
      "TensorScatterAdd", "TensorScatterMax", "TensorScatterMin", "ReverseV2", "ReverseSequence",
      "LRN", "Split",
      // a data-dependent row count (detection.cpp)
      "Where", "NonMaxSuppressionV5",
      // output H/W from the size operand, constant or computed at run time (shape_ops.cpp)
      "ResizeBilinear", "ResizeNearestNeighbor",
      // control flow: subgraph inputs keep the run-time dims; a loop variable keeps its
      // shape, an IF output is dynamic where the branches differ (control_flow.cpp)
      "StatelessIf", "If", "StatelessWhile", "While"};
  return ops->count(op) > 0;
}

std::vector<std::string> ConvertedOps() {
  std::vector<std::string> ops;
  for (const auto& [name, fn] : Table()) ops.push_back(name);
  std::sort(ops.begin(), ops.end());
  return ops;
}

}  // namespace pt2tf::tflite
