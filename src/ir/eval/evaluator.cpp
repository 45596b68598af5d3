// The evaluator's op table and shared helpers.
#include "ir/eval/evaluator.h"

#include <algorithm>
#include <string_view>

namespace pt2tf::ir::eval {
namespace {

struct EvalRule {
  std::string_view op_type;
  EvalFn fn;
};

// The one registration table of evaluator kernels.
constexpr EvalRule kEvalRules[] = {
    {"Abs", EvalUnary},
    {"Ceil", EvalUnary},
    {"Erf", EvalUnary},
    {"Exp", EvalUnary},
    {"Floor", EvalUnary},
    {"Log", EvalUnary},
    {"Neg", EvalUnary},
    {"Not", EvalUnary},
    {"Reciprocal", EvalUnary},
    {"Relu", EvalUnary},
    {"Round", EvalUnary},
    {"Sigmoid", EvalUnary},
    {"Sign", EvalUnary},
    {"Sqrt", EvalUnary},
    {"Tanh", EvalUnary},
    {"Identity", EvalUnary},
    {"Add", EvalBinary},
    {"Sub", EvalBinary},
    {"Mul", EvalBinary},
    {"Div", EvalBinary},
    {"Mod", EvalBinary},
    {"Pow", EvalBinary},
    {"Equal", EvalBinary},
    {"Less", EvalBinary},
    {"LessOrEqual", EvalBinary},
    {"Greater", EvalBinary},
    {"GreaterOrEqual", EvalBinary},
    {"And", EvalBinary},
    {"Or", EvalBinary},
    {"Xor", EvalBinary},
    {"Min", EvalVariadic},
    {"Max", EvalVariadic},
    {"Sum", EvalVariadic},
    {"Mean", EvalVariadic},
    {"Where", EvalWhere},
    {"Cast", EvalCast},
    {"Gather", EvalGather},
    {"ScatterND", EvalScatterND},
    {"Concat", EvalConcat},
    {"Slice", EvalSlice},
    {"Expand", EvalExpand},
    {"Tile", EvalTile},
    {"Transpose", EvalTranspose},
    {"ConstantOfShape", EvalConstantOfShape},
    {"Range", EvalRange},
    {"ReduceSum", EvalReduce},
    {"ReduceProd", EvalReduce},
    {"ReduceMin", EvalReduce},
    {"ReduceMax", EvalReduce},
    {"ReduceMean", EvalReduce},
};

EvalFn FindEvalFn(const std::string& op_type) {
  for (const auto& rule : kEvalRules)
    if (rule.op_type == op_type) return rule.fn;
  return nullptr;
}

}  // namespace

bool CanEvaluate(const std::string& op_type) { return FindEvalFn(op_type) != nullptr; }

Result<std::vector<HostTensor>> Evaluate(const Node& node, const EvalInputs& inputs) {
  if (!node.domain.empty() && node.domain != "ai.onnx")
    return Unsupported(node.Describe() + ": no evaluator for domain '" + node.domain + "'");
  EvalFn fn = FindEvalFn(node.op_type);
  if (!fn) return Unsupported(node.Describe() + ": no evaluator for this op");
  PT2TF_ASSIGN_OR_RETURN(std::vector<HostTensor> outputs, fn(node, inputs));
  for (HostTensor& out : outputs) out.RoundToDType();
  return outputs;
}

Result<Dims> BroadcastShape(const Node& node, const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return InvalidInput(node.Describe() + ": shapes " + ShapeToString(a) + " and " +
                          ShapeToString(b) + " cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Status CheckOutputSize(const Node& node, const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return InvalidInput(node.Describe() + ": negative dim in " + ShapeToString(shape));
    if (__builtin_mul_overflow(n, d, &n) || n > kMaxEvalElements)
      return Unsupported(node.Describe() + ": result " + ShapeToString(shape) +
                         " is too large to evaluate");
  }
  return OkStatus();
}

Dims Strides(const Dims& shape) {
  Dims s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

std::vector<int64_t> BroadcastSourceIndex(const Dims& in, const Dims& out) {
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  const size_t offset = out.size() - in.size();
  const Dims in_strides = Strides(in);
  std::vector<int64_t> src(static_cast<size_t>(n), 0);
  std::vector<int64_t> index(out.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t s = 0;
    for (size_t d = 0; d < in.size(); ++d)
      if (in[d] != 1) s += index[d + offset] * in_strides[d];
    src[k] = s;
    for (size_t d = out.size(); d-- > 0;) {
      if (++index[d] < out[d]) break;
      index[d] = 0;
    }
  }
  return src;
}

}  // namespace pt2tf::ir::eval
