// Output arg names of the TF ops the emitters write, for function-form input names.
//
// Inside a FunctionDef a node reads another node's output as "node:<output arg>:<index>"
// (the arg name from the op's OpDef; the index counts within that arg), not "node:k" as in
// a GraphDef. The table lists each op's output args in order; a trailing '*' marks a list
// arg (Split's "output" holds every output). Taken from the OpDefs of TensorFlow 2.x
// (op_def_registry); an op missing here is refused inside function bodies, never guessed.
#include "tf/function_def.h"

#include <algorithm>
#include <string_view>
#include <vector>

namespace pt2tf::tf {
namespace {

struct OutputArgs {
  std::string_view op;
  std::string_view args;  // comma-separated
};

constexpr OutputArgs kOutputArgs[] = {
    {"Abs", "y"},
    {"Acos", "y"},
    {"Acosh", "y"},
    {"Add", "z"},
    {"AddV2", "z"},
    {"All", "output"},
    {"Any", "output"},
    {"ArgMax", "output"},
    {"ArgMin", "output"},
    {"Asin", "y"},
    {"Asinh", "y"},
    {"Atan", "y"},
    {"Atanh", "y"},
    {"AvgPool", "output"},
    {"BatchMatMulV2", "output"},
    {"BiasAdd", "output"},
    {"BitwiseAnd", "z"},
    {"BitwiseOr", "z"},
    {"BitwiseXor", "z"},
    {"BroadcastArgs", "r0"},
    {"BroadcastTo", "output"},
    {"Cast", "y"},
    {"Ceil", "y"},
    {"ClipByValue", "output"},
    {"Concat", "output"},
    {"ConcatV2", "output"},
    {"Const", "output"},
    {"Conv", "output"},
    {"Conv2D", "output"},
    {"Conv2DBackpropInput", "output"},
    {"Cos", "y"},
    {"Cosh", "y"},
    {"Cumsum", "out"},
    {"DepthToSpace", "output"},
    {"DepthwiseConv2dNative", "output"},
    {"Div", "z"},
    {"DivNoNan", "z"},
    {"Einsum", "output"},
    {"Elu", "activations"},
    {"EmptyTensorList", "handle"},
    {"Equal", "z"},
    {"Erf", "y"},
    {"Exp", "y"},
    {"ExpandDims", "output"},
    {"Fill", "output"},
    {"Floor", "y"},
    {"FloorMod", "z"},
    {"FusedBatchNormV3",
     "y,batch_mean,batch_variance,reserve_space_1,reserve_space_2,reserve_space_3"},
    {"Gather", "output"},
    {"GatherNd", "output"},
    {"GatherV2", "output"},
    {"Greater", "z"},
    {"GreaterEqual", "z"},
    {"Identity", "output"},
    {"Invert", "y"},
    {"IsInf", "y"},
    {"IsNan", "y"},
    {"LRN", "output"},
    {"LeakyRelu", "activations"},
    {"LeftShift", "z"},
    {"Less", "z"},
    {"LessEqual", "z"},
    {"Log", "y"},
    {"LogSoftmax", "logsoftmax"},
    {"LogicalAnd", "z"},
    {"LogicalNot", "y"},
    {"LogicalOr", "z"},
    {"MatMul", "product"},
    {"Max", "output"},
    {"MaxPool", "output"},
    {"Maximum", "z"},
    {"Mean", "output"},
    {"Min", "output"},
    {"Minimum", "z"},
    {"MirrorPad", "output"},
    {"Mod", "z"},
    {"Mul", "z"},
    {"Neg", "y"},
    {"NoOp", ""},
    {"NonMaxSuppressionV5", "selected_indices,selected_scores,valid_outputs"},
    {"NotEqual", "z"},
    {"OneHot", "output"},
    {"Pack", "output"},
    {"Pad", "output"},
    {"PadV2", "output"},
    {"Placeholder", "output"},
    {"Pow", "z"},
    {"Prod", "output"},
    {"Range", "output"},
    {"RealDiv", "z"},
    {"Reciprocal", "y"},
    {"Relu", "activations"},
    {"Relu6", "activations"},
    {"Reshape", "output"},
    {"ResizeBilinear", "resized_images"},
    {"ResizeNearestNeighbor", "resized_images"},
    {"ReverseSequence", "output"},
    {"ReverseV2", "output"},
    {"RightShift", "z"},
    {"Round", "y"},
    {"Rsqrt", "y"},
    {"SelectV2", "output"},
    {"Selu", "activations"},
    {"Shape", "output"},
    {"Sigmoid", "y"},
    {"Sign", "y"},
    {"Sin", "y"},
    {"Sinh", "y"},
    {"Size", "output"},
    {"Slice", "output"},
    {"Softmax", "softmax"},
    {"Softplus", "activations"},
    {"Softsign", "activations"},
    {"SpaceToDepth", "output"},
    {"Split", "output*"},
    {"SplitV", "output*"},
    {"Sqrt", "y"},
    {"Square", "y"},
    {"Squeeze", "output"},
    {"StatelessIf", "output*"},
    {"StatelessWhile", "output*"},
    {"StridedSlice", "output"},
    {"Sub", "z"},
    {"Sum", "output"},
    {"Tan", "y"},
    {"Tanh", "y"},
    {"TensorListElementShape", "element_shape"},
    {"TensorListFromTensor", "output_handle"},
    {"TensorListGetItem", "item"},
    {"TensorListLength", "length"},
    {"TensorListPushBack", "output_handle"},
    {"TensorListReserve", "handle"},
    {"TensorListSetItem", "output_handle"},
    {"TensorListStack", "tensor"},
    {"TensorScatterAdd", "output"},
    {"TensorScatterMax", "output"},
    {"TensorScatterMin", "output"},
    {"TensorScatterUpdate", "output"},
    {"Tile", "output"},
    {"TopK", "values,indices"},
    {"TopKV2", "values,indices"},
    {"Transpose", "y"},
    {"TruncateDiv", "z"},
    {"TruncateMod", "z"},
    {"Unpack", "output*"},
    {"Where", "index"},
    {"ZerosLike", "y"},
};

const OutputArgs* FindOp(const std::string& op) {
  for (const OutputArgs& row : kOutputArgs)
    if (row.op == op) return &row;
  return nullptr;
}

}  // namespace

namespace {
std::vector<std::string_view> SplitArgs(std::string_view rest) {
  std::vector<std::string_view> args;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    args.push_back(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return args;
}
}  // namespace

Result<std::string> FunctionOutputName(const std::string& node, const std::string& op,
                                       int64_t index) {
  const OutputArgs* row = FindOp(op);
  if (!row) return Unsupported("TF op " + op + " has no output-arg entry for function bodies");
  const std::vector<std::string_view> args = SplitArgs(row->args);
  if (args.size() == 1 && args[0].back() == '*')
    return node + ":" + std::string(args[0].substr(0, args[0].size() - 1)) + ":" +
           std::to_string(index);
  if (index < 0 || index >= static_cast<int64_t>(args.size()) || args[index].back() == '*')
    return Unsupported("TF op " + op + " output " + std::to_string(index) +
                       " has no function-form name");
  return node + ":" + std::string(args[index]) + ":0";
}

Result<int64_t> GraphOutputIndex(const std::string& op, const std::string& arg, int64_t index) {
  const OutputArgs* row = FindOp(op);
  if (!row) return Unsupported("TF op " + op + " has no output-arg entry for function bodies");
  const std::vector<std::string_view> args = SplitArgs(row->args);
  if (args.size() == 1 && args[0].back() == '*' && arg == args[0].substr(0, args[0].size() - 1) &&
      index >= 0)
    return index;
  for (size_t k = 0; k < args.size(); ++k)
    if (args[k] == arg && index == 0) return static_cast<int64_t>(k);
  return Unsupported("TF op " + op + " has no output " + arg + ":" + std::to_string(index));
}

}  // namespace pt2tf::tf
