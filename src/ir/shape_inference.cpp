// Shape and dtype inference driver: one table maps op types to the per-family functions in
// src/ir/shapes/, and InferShapes walks the graph in order applying them.
#include <algorithm>
#include <string_view>

#include "ir/shapes/shape_data.h"
#include "ir/shapes/shape_fns.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace shapes {

std::optional<Dims> InferContext::shape(size_t i) const {
  const Value* v = in(i);
  if (!v) return std::nullopt;
  return v->shape;
}

DType InferContext::dtype(size_t i) const {
  const Value* v = in(i);
  return v ? v->dtype : DType::kFloat32;
}

namespace {
// Shape inputs are small; anything bigger is not worth reading element by element.
constexpr int64_t kMaxConstElements = 1 << 20;
}  // namespace

std::optional<std::vector<int64_t>> InferContext::ConstInts(size_t i) const {
  const Value* v = in(i);
  if (!v || !v->constant) return std::nullopt;
  const Tensor& t = *v->constant;
  if (t.numel() > kMaxConstElements || t.dtype() == DType::kString) return std::nullopt;
  std::vector<int64_t> out(static_cast<size_t>(t.numel()));
  for (int64_t k = 0; k < t.numel(); ++k) out[k] = t.ElementAsInt(k);
  return out;
}

std::optional<std::vector<double>> InferContext::ConstDoubles(size_t i) const {
  const Value* v = in(i);
  if (!v || !v->constant) return std::nullopt;
  const Tensor& t = *v->constant;
  if (t.numel() > kMaxConstElements || t.dtype() == DType::kString) return std::nullopt;
  std::vector<double> out(static_cast<size_t>(t.numel()));
  for (int64_t k = 0; k < t.numel(); ++k) out[k] = t.ElementAsDouble(k);
  return out;
}

void InferContext::SetOutput(size_t i, DType dtype, std::optional<Dims> shape) {
  if (i >= node_.outputs.size() || !node_.outputs[i]) return;
  node_.outputs[i]->dtype = dtype;
  node_.outputs[i]->shape = std::move(shape);
}

void InferContext::SetAllUnknown(DType dtype) {
  for (size_t i = 0; i < node_.outputs.size(); ++i) SetOutput(i, dtype, std::nullopt);
}

Status InferContext::Error(const std::string& message) const {
  return InvalidInput(node_.Describe() + ": " + message);
}

Status InferContext::CheckInputCount(size_t min, size_t max) const {
  if (num_inputs() < min || num_inputs() > max) {
    std::string expected =
        min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    return Error("has " + std::to_string(num_inputs()) + " inputs, expected " + expected);
  }
  for (size_t i = 0; i < min; ++i)
    if (!has_input(i)) return Error("required input " + std::to_string(i) + " is missing");
  return OkStatus();
}

Status InferContext::RequireInput(size_t i, const char* what) const {
  if (!has_input(i)) return Error(std::string("missing input '") + what + "'");
  return OkStatus();
}

Status NormalizeAxis(const InferContext& ctx, int64_t& axis, int64_t rank, const char* what) {
  if (axis < -rank || axis >= rank)
    return ctx.Error(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  if (axis < 0) axis += rank;
  return OkStatus();
}

std::string DimsToString(const Dims& dims) {
  if (dims.empty()) return "[] (scalar)";
  std::string s;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) s += "x";
    s += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  return s;
}

Status Broadcast(const InferContext& ctx, const Dims& a, const Dims& b, Dims& out) {
  const size_t rank = std::max(a.size(), b.size());
  out.assign(rank, kUnknownDim);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da == kUnknownDim || db == kUnknownDim) {
      // The known side wins (the unknown one must be 1 or equal to it at run time).
      out[i] = da == kUnknownDim ? db : da;
    } else {
      return ctx.Error("shapes " + DimsToString(a) + " and " + DimsToString(b) +
                       " cannot be broadcast together");
    }
  }
  return OkStatus();
}

int64_t DimProduct(const Dims& dims, size_t begin, size_t end) {
  end = std::min(end, dims.size());
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (dims[i] < 0 || __builtin_mul_overflow(p, dims[i], &p)) return kUnknownDim;
  }
  return p;
}

namespace {

struct ShapeRule {
  std::string_view op_type;
  ShapeFn fn;
};

// The one registration table: every op type shape inference understands.
constexpr ShapeRule kShapeRules[] = {
    // elementwise.cpp: unary, same dtype and shape
    {"Abs", InferUnary},
    {"Acos", InferUnary},
    {"Acosh", InferUnary},
    {"Asin", InferUnary},
    {"Asinh", InferUnary},
    {"Atan", InferUnary},
    {"Atanh", InferUnary},
    {"BitwiseNot", InferUnary},
    {"Ceil", InferUnary},
    {"Celu", InferUnary},
    {"Cos", InferUnary},
    {"Cosh", InferUnary},
    {"Elu", InferUnary},
    {"Erf", InferUnary},
    {"Exp", InferUnary},
    {"Floor", InferUnary},
    {"Gelu", InferUnary},
    {"HardSigmoid", InferUnary},
    {"HardSwish", InferUnary},
    {"Identity", InferUnary},
    {"LeakyRelu", InferUnary},
    {"Log", InferUnary},
    {"LpNormalization", InferUnary},
    {"Mish", InferUnary},
    {"Neg", InferUnary},
    {"Reciprocal", InferUnary},
    {"Relu", InferUnary},
    {"Round", InferUnary},
    {"Selu", InferUnary},
    {"Shrink", InferUnary},
    {"Sigmoid", InferUnary},
    {"Sign", InferUnary},
    {"Sin", InferUnary},
    {"Sinh", InferUnary},
    {"Softplus", InferUnary},
    {"Softsign", InferUnary},
    {"Swish", InferUnary},
    {"Sqrt", InferUnary},
    {"Tan", InferUnary},
    {"Tanh", InferUnary},
    {"ThresholdedRelu", InferUnary},
    {"IsInf", InferUnaryToBool},
    {"IsNaN", InferUnaryToBool},
    {"Not", InferNot},
    {"Softmax", InferSoftmaxLike},
    {"LogSoftmax", InferSoftmaxLike},
    {"Hardmax", InferSoftmaxLike},
    {"Clip", InferClip},
    {"Cast", InferCast},
    {"CumSum", InferCumSum},
    {"CumProd", InferCumSum},
    {"Trilu", InferTrilu},
    {"Dropout", InferDropout},
    // elementwise.cpp: broadcasting
    {"Add", InferBinary},
    {"Sub", InferBinary},
    {"Mul", InferBinary},
    {"Div", InferBinary},
    {"Mod", InferBinary},
    {"BitShift", InferBinary},
    {"BitwiseAnd", InferBinary},
    {"BitwiseOr", InferBinary},
    {"BitwiseXor", InferBinary},
    {"Pow", InferPow},
    {"Equal", InferCompare},
    {"Less", InferCompare},
    {"LessOrEqual", InferCompare},
    {"Greater", InferCompare},
    {"GreaterOrEqual", InferCompare},
    {"And", InferLogical},
    {"Or", InferLogical},
    {"Xor", InferLogical},
    {"Min", InferVariadic},
    {"Max", InferVariadic},
    {"Sum", InferVariadic},
    {"Mean", InferVariadic},
    {"PRelu", InferPRelu},
    {"Where", InferWhere},
    // conv_pool.cpp
    {"Conv", InferConv},
    {"ConvTranspose", InferConvTranspose},
    {"MaxPool", InferPool},
    {"AveragePool", InferPool},
    {"LpPool", InferPool},
    {"GlobalAveragePool", InferGlobalPool},
    {"GlobalMaxPool", InferGlobalPool},
    {"GlobalLpPool", InferGlobalPool},
    {"BatchNormalization", InferBatchNorm},
    {"InstanceNormalization", InferInstanceNorm},
    {"LayerNormalization", InferLayerNorm},
    {"Resize", InferResize},
    {"Upsample", InferUpsample},
    // shape_ops.cpp
    {"Flatten", InferFlatten},
    {"Reshape", InferReshape},
    {"Transpose", InferTranspose},
    {"Concat", InferConcat},
    {"Split", InferSplit},
    {"Slice", InferSlice},
    {"Squeeze", InferSqueeze},
    {"Unsqueeze", InferUnsqueeze},
    {"Gather", InferGather},
    {"GatherElements", InferGatherElements},
    {"ScatterND", InferScatterND},
    {"ScatterElements", InferScatterND},
    {"Pad", InferPad},
    {"Shape", InferShape},
    {"Size", InferSize},
    {"Expand", InferExpand},
    {"Tile", InferTile},
    {"Constant", InferConstant},
    {"ConstantOfShape", InferConstantOfShape},
    {"Range", InferRange},
    // reduce.cpp
    {"ReduceMean", InferReduce},
    {"ReduceSum", InferReduce},
    {"ReduceMax", InferReduce},
    {"ReduceMin", InferReduce},
    {"ReduceProd", InferReduce},
    {"ReduceL1", InferReduce},
    {"ReduceL2", InferReduce},
    {"ReduceLogSum", InferReduce},
    {"ReduceLogSumExp", InferReduce},
    {"ReduceSumSquare", InferReduce},
    {"ArgMax", InferArgReduce},
    {"ArgMin", InferArgReduce},
    {"TopK", InferTopK},
    // matmul.cpp
    {"Gemm", InferGemm},
    {"MatMul", InferMatMul},
    {"Einsum", InferEinsum},
    // misc.cpp
    {"GroupNormalization", InferLikeInput0},
    {"RMSNormalization", InferLikeInput0},
    {"LRN", InferLikeInput0},
    {"MeanVarianceNormalization", InferLikeInput0},
    {"ReverseSequence", InferLikeInput0},
    {"DepthToSpace", InferSpaceDepth},
    {"SpaceToDepth", InferSpaceDepth},
    {"GatherND", InferGatherND},
    {"OneHot", InferOneHot},
    {"NonZero", InferNonZero},
    {"NonMaxSuppression", InferNonMaxSuppression},
    {"EyeLike", InferEyeLike},
    {"Det", InferDet},
    {"Compress", InferCompress},
    {"CastLike", InferCastLike},
    {"QuantizeLinear", InferQuantizeLinear},
    {"DequantizeLinear", InferDequantizeLinear},
    // control_flow.cpp
    {"If", InferIf},
    {"Loop", InferLoop},
    {"Scan", InferScan},
    // recurrent.cpp
    {"LSTM", InferRecurrent},
    {"GRU", InferRecurrent},
    {"RNN", InferRecurrent},
};

ShapeFn FindShapeFn(const std::string& op_type) {
  for (const auto& rule : kShapeRules)
    if (rule.op_type == op_type) return rule.fn;
  return nullptr;
}

}  // namespace
}  // namespace shapes

bool HasShapeInference(const std::string& op_type) {
  return shapes::FindShapeFn(op_type) != nullptr;
}

Status InferNodeShapes(Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return OkStatus();
  shapes::ShapeFn fn = shapes::FindShapeFn(node.op_type);
  // Unknown ops keep whatever their outputs carry (an importer may have filled them from
  // value_info); writers refuse what they cannot convert.
  if (!fn) return OkStatus();
  // What the outputs already carry (an importer's value_info, an earlier run): kept where
  // the rule cannot tell, e.g. Squeeze with run-time axes.
  std::vector<std::optional<Dims>> before;
  for (const Value* out : node.outputs) before.push_back(out ? out->shape : std::nullopt);
  shapes::InferContext ctx(node);
  PT2TF_RETURN_IF_ERROR(fn(ctx));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    Value* out = node.outputs[i];
    if (!out || !before[i]) continue;
    if (!out->shape) {
      out->shape = before[i];
    } else if (out->shape->size() == before[i]->size()) {
      for (size_t d = 0; d < out->shape->size(); ++d)
        if ((*out->shape)[d] == kUnknownDim) (*out->shape)[d] = (*before[i])[d];
    }
  }
  return OkStatus();
}

Status InferShapes(Graph& graph) {
  shapes::ShapeData data;
  for (const auto& node : graph.nodes()) {
    PT2TF_RETURN_IF_ERROR(InferNodeShapes(*node));
    data.Apply(*node);
  }
  return OkStatus();
}

}  // namespace pt2tf::ir
