// Element-wise TF ops → TFLite builtins: unary math and activations, broadcasting binary ops
// and comparisons, LeakyRelu, Softmax, ClipByValue (RELU6 when it is one, else MAXIMUM +
// MINIMUM), Cast, SelectV2, and FusedBatchNormV3 (inference, constant statistics) as MUL + ADD
// with the scale and shift computed now.
#include <cmath>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <unordered_set>

#include "tflite/ops/chain.h"
#include "tflite/ops/fuse.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

const std::unordered_map<std::string, Op>& UnaryOps() {
  static const auto* ops = new std::unordered_map<std::string, Op>{
      {"Relu", Op::BuiltinOperator_RELU},
      {"Relu6", Op::BuiltinOperator_RELU6},
      {"Sigmoid", Op::BuiltinOperator_LOGISTIC},
      {"Tanh", Op::BuiltinOperator_TANH},
      {"Exp", Op::BuiltinOperator_EXP},
      {"Log", Op::BuiltinOperator_LOG},
      {"Sqrt", Op::BuiltinOperator_SQRT},
      {"Rsqrt", Op::BuiltinOperator_RSQRT},
      {"Square", Op::BuiltinOperator_SQUARE},
      {"Abs", Op::BuiltinOperator_ABS},
      {"Neg", Op::BuiltinOperator_NEG},
      {"Floor", Op::BuiltinOperator_FLOOR},
      {"Ceil", Op::BuiltinOperator_CEIL},
      {"Round", Op::BuiltinOperator_ROUND},
      {"Sin", Op::BuiltinOperator_SIN},
      {"Cos", Op::BuiltinOperator_COS},
      {"Elu", Op::BuiltinOperator_ELU},
      {"Sign", Op::BuiltinOperator_SIGN},
      {"LogicalNot", Op::BuiltinOperator_LOGICAL_NOT},
      {"ZerosLike", Op::BuiltinOperator_ZEROS_LIKE},
  };
  return *ops;
}

struct BinaryOp {
  Op op;
  bool boolean_result;
};

const std::unordered_map<std::string, BinaryOp>& BinaryOps() {
  static const auto* ops = new std::unordered_map<std::string, BinaryOp>{
      {"AddV2", {Op::BuiltinOperator_ADD, false}},
      {"Add", {Op::BuiltinOperator_ADD, false}},
      {"Sub", {Op::BuiltinOperator_SUB, false}},
      {"Mul", {Op::BuiltinOperator_MUL, false}},
      {"RealDiv", {Op::BuiltinOperator_DIV, false}},
      {"Div", {Op::BuiltinOperator_DIV, false}},
      {"Maximum", {Op::BuiltinOperator_MAXIMUM, false}},
      {"Minimum", {Op::BuiltinOperator_MINIMUM, false}},
      {"Pow", {Op::BuiltinOperator_POW, false}},
      {"SquaredDifference", {Op::BuiltinOperator_SQUARED_DIFFERENCE, false}},
      {"FloorDiv", {Op::BuiltinOperator_FLOOR_DIV, false}},
      {"FloorMod", {Op::BuiltinOperator_FLOOR_MOD, false}},
      // integers only here (the lowering divides floats with RealDiv): DIV's int32 kernel
      // truncates, as TruncateDiv does
      {"TruncateDiv", {Op::BuiltinOperator_DIV, false}},
      {"Greater", {Op::BuiltinOperator_GREATER, true}},
      {"GreaterEqual", {Op::BuiltinOperator_GREATER_EQUAL, true}},
      {"Less", {Op::BuiltinOperator_LESS, true}},
      {"LessEqual", {Op::BuiltinOperator_LESS_EQUAL, true}},
      {"Equal", {Op::BuiltinOperator_EQUAL, true}},
      {"NotEqual", {Op::BuiltinOperator_NOT_EQUAL, true}},
      {"LogicalAnd", {Op::BuiltinOperator_LOGICAL_AND, true}},
      {"LogicalOr", {Op::BuiltinOperator_LOGICAL_OR, true}},
  };
  return *ops;
}

// `op` on tensors a, b (broadcast) into a new tensor `name`, `act` fused.
Result<int> EmitBinary(
    Translator& t, Op op, int a, int b, const std::string& name,
    ::tflite::ActivationFunctionType act = ::tflite::ActivationFunctionType_NONE) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t.Info(a).shape, t.Info(b).shape));
  const int y =
      t.NewTensor(name, IsPredicate(op) ? TensorType::TensorType_BOOL : t.Info(a).type, ys);
  auto [type, options] = BinaryOptionsFor(t.fbb(), op, act);
  t.Op(op, {a, b}, {y}, type, options);
  return y;
}

// TFLite's arithmetic kernels read 8- and 16-bit integers as quantized values and have no
// float64 path. Such an op is computed in a wider type between CASTs when that gives the
// same bits: 8/16-bit integers in int32 and uint32 in int64 (the CAST back wraps modulo
// 2^bits, as ONNX and NumPy do), float16 in float32 (float32 holds every float16 product,
// sum and quotient rounded once more to float16 exactly as float16 arithmetic rounds them:
// 24 >= 2 * 11 + 2 bits). `shape_ints`: both operands are shape arithmetic
// (IsShapeArithmetic), so an int64 division, which TFLite has no kernel for, gives the same
// result in int32. Returns the type to compute in, or an error naming the gap.
Result<TensorType> ComputeType(const tf::TfNode& node, TensorType type, Op op,
                               bool shape_ints = false) {
  using T = TensorType;
  const bool division = op == Op::BuiltinOperator_DIV || op == Op::BuiltinOperator_FLOOR_DIV;
  switch (type) {
    case T::TensorType_FLOAT32:
    case T::TensorType_INT32:
    case T::TensorType_BOOL:
      return type;
    case T::TensorType_INT8:
    case T::TensorType_INT16:
    case T::TensorType_UINT8:
    case T::TensorType_UINT16:
      return T::TensorType_INT32;
    case T::TensorType_FLOAT16:
      return T::TensorType_FLOAT32;
    case T::TensorType_INT64:
    case T::TensorType_UINT32:
      if (division && shape_ints && type == T::TensorType_INT64) return T::TensorType_INT32;
      if (op == Op::BuiltinOperator_POW || division)
        return NodeError(node, std::string("TFLite's ") + ::tflite::EnumNameBuiltinOperator(op) +
                                   " kernel has no int64 path (needed for " +
                                   ::tflite::EnumNameTensorType(type) + ")");
      return T::TensorType_INT64;
    default:
      return NodeError(node, std::string("TFLite's ") + ::tflite::EnumNameBuiltinOperator(op) +
                                 " kernel does not compute " + ::tflite::EnumNameTensorType(type));
  }
}

// True when data input `i` of `node` is shape arithmetic: computed only from Shape / Size
// outputs and integer constants within int32, through slicing, gathering, packing, casts and
// integer arithmetic. Such values are tensor dims and sums or products of a few of them, which
// TFLite itself holds in int32. The walk visits at most kShapeWalkBudget nodes (else: no).
bool IsShapeArithmetic(const tf::TfNode& node, size_t i, Translator& t) {
  constexpr int kShapeWalkBudget = 256;
  static const auto* value_ops = new std::unordered_set<std::string>{
      "Cast", "Identity", "Pack",        "ConcatV2", "AddV2",   "Add",     "Sub",
      "Mul",  "FloorDiv", "TruncateDiv", "FloorMod", "Maximum", "Minimum", "Neg"};
  // Ops whose output values are a selection of input 0's (the other inputs index it).
  static const auto* select_ops = new std::unordered_set<std::string>{
      "StridedSlice", "Slice", "GatherV2", "Reshape", "Squeeze", "ExpandDims"};
  std::unordered_map<const tf::TfNode*, bool> seen;
  int budget = kShapeWalkBudget;
  std::function<bool(const tf::TfNode&, size_t)> walk = [&](const tf::TfNode& n, size_t k) {
    if (auto c = t.Const(n, k)) {
      if (c->data.numel() > 64) return false;
      for (int64_t e = 0; e < c->data.numel(); ++e) {
        const int64_t v = c->data.ElementAsInt(e);
        if (v < INT32_MIN || v > INT32_MAX) return false;
      }
      return true;
    }
    const tf::TfNode* p = t.Producer(n, k);
    if (!p || --budget < 0) return false;
    if (auto it = seen.find(p); it != seen.end()) return it->second;
    const std::string& op = p->def.op();
    bool ok = op == "Shape" || op == "Size";
    if (select_ops->count(op)) ok = walk(*p, 0);
    if (value_ops->count(op)) {
      ok = true;
      for (size_t j = 0; ok && j < t.InputCount(*p); ++j) ok = walk(*p, j);
    }
    seen[p] = ok;
    return ok;
  };
  return walk(node, i);
}

// `op` on a and b (same type), computed in ComputeType; the result in the operands' type
// (bool for predicates), named `name`; `shape_ints` as for ComputeType.
Result<int> EmitArithmetic(const tf::TfNode& node, Translator& t, Op op, int a, int b,
                           const std::string& name, bool shape_ints = false) {
  const TensorType type = t.Info(a).type;
  PT2TF_ASSIGN_OR_RETURN(TensorType wide, ComputeType(node, type, op, shape_ints));
  if (wide == type) return EmitBinary(t, op, a, b, name);
  Chain c(node, t);
  PT2TF_ASSIGN_OR_RETURN(int y, c.Binary(op, c.Cast(a, wide), c.Cast(b, wide)));
  if (IsPredicate(op)) return y;  // already bool
  const int result = t.NewTensor(name, type, t.Info(y).shape);
  auto o = ::tflite::CreateCastOptions(t.fbb(), wide, type);
  t.Op(Op::BuiltinOperator_CAST, {y}, {result}, ::tflite::BuiltinOptions_CastOptions, o.Union());
  return result;
}

bool IsScalarConst(const std::optional<ConstView>& c, double value) {
  return c && c->data.numel() == 1 && c->data.ElementAsDouble(0) == value;
}

Result<Tensor> Float32Vector(const std::vector<double>& v) {
  std::vector<std::byte> bytes(v.size() * 4);
  for (size_t i = 0; i < v.size(); ++i) {
    const float f = static_cast<float>(v[i]);
    std::memcpy(bytes.data() + 4 * i, &f, 4);
  }
  return Tensor::FromBytes(DType::kFloat32, {static_cast<int64_t>(v.size())}, std::move(bytes));
}

}  // namespace

Status ConvertUnary(const tf::TfNode& node, Translator& t) {
  const Op op = UnaryOps().at(node.def.op());
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  if (op == Op::BuiltinOperator_ABS && t.Info(x).type == TensorType::TensorType_INT64) {
    // LiteRT's ABS has no int64 kernel (T5's relative position buckets); NEG and MAXIMUM do.
    const int neg = t.NewTensor(node.def.name() + "/neg", t.Info(x).type, t.Info(x).shape);
    t.Op(Op::BuiltinOperator_NEG, {x}, {neg});
    PT2TF_ASSIGN_OR_RETURN(int y,
                           EmitBinary(t, Op::BuiltinOperator_MAXIMUM, x, neg, node.def.name()));
    t.Bind(node, 0, y);
    return OkStatus();
  }
  const TensorType type = t.Info(x).type;
  if (op == Op::BuiltinOperator_ZEROS_LIKE && type != TensorType::TensorType_FLOAT32 &&
      type != TensorType::TensorType_INT32 && type != TensorType::TensorType_INT64) {
    // LiteRT's ZEROS_LIKE takes float32, int32 and int64 only (a bool causal mask's Trilu
    // needs bool zeros): computed in a type it has, between CASTs.
    Chain c(node, t);
    const TensorType wide = type == TensorType::TensorType_FLOAT16 ? TensorType::TensorType_FLOAT32
                                                                   : TensorType::TensorType_INT32;
    t.Bind(node, 0, c.Cast(c.Unary(op, c.Cast(x, wide)), type));
    return OkStatus();
  }
  const int y = t.Output(node, 0, type, t.Info(x).shape);
  t.Op(op, {x}, {y});
  return OkStatus();
}

Status ConvertBinary(const tf::TfNode& node, Translator& t) {
  const BinaryOp& op = BinaryOps().at(node.def.op());
  PT2TF_ASSIGN_OR_RETURN(int a, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int b, t.In(node, 1));
  if (t.Info(a).type != t.Info(b).type) return NodeError(node, "operand types differ");
  if (node.def.op() == "TruncateDiv" && (t.Info(a).type == TensorType::TensorType_FLOAT32 ||
                                         t.Info(a).type == TensorType::TensorType_FLOAT16))
    return NodeError(node, "TFLite has no truncating division of floats");
  // A float ADD / SUB / MUL followed by its sole consumer Relu / Relu6 (a residual block's
  // add + relu) becomes one op with a fused activation, as TFLite's own converter writes it:
  // XNNPACK then clamps in the same pass instead of running a separate RELU.
  const bool fusable = t.Info(a).type == TensorType::TensorType_FLOAT32 &&
                       (op.op == Op::BuiltinOperator_ADD || op.op == Op::BuiltinOperator_SUB ||
                        op.op == Op::BuiltinOperator_MUL);
  if (FusedActivation act = fusable ? FuseActivation(node, t) : FusedActivation{}; act.node) {
    PT2TF_ASSIGN_OR_RETURN(int y, EmitBinary(t, op.op, a, b, act.node->def.name(), act.activation));
    t.Bind(node, 0, y);
    t.Absorb(*act.node, y);
    return OkStatus();
  }
  const bool shape_ints = t.Info(a).type == TensorType::TensorType_INT64 &&
                          IsShapeArithmetic(node, 0, t) && IsShapeArithmetic(node, 1, t);
  const bool division = op.op == Op::BuiltinOperator_DIV || op.op == Op::BuiltinOperator_FLOOR_DIV;
  if (division && !shape_ints && t.Info(a).type == TensorType::TensorType_INT64) {
    // Index arithmetic over values (a detector's box index // class count).
    PT2TF_ASSIGN_OR_RETURN(int y,
                           Int64Division(node, t, a, b, op.op == Op::BuiltinOperator_FLOOR_DIV));
    t.Bind(node, 0, y);
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(int y, EmitArithmetic(node, t, op.op, a, b, node.def.name(), shape_ints));
  t.Bind(node, 0, y);
  return OkStatus();
}

Status ConvertLeakyRelu(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const int y = t.Output(node, 0, t.Info(x).type, t.Info(x).shape);
  auto o = ::tflite::CreateLeakyReluOptions(t.fbb(), AttrFloat(node, "alpha", 0.2f));
  t.Op(Op::BuiltinOperator_LEAKY_RELU, {x}, {y}, ::tflite::BuiltinOptions_LeakyReluOptions,
       o.Union());
  return OkStatus();
}

Status ConvertSoftmax(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const int y = t.Output(node, 0, t.Info(x).type, t.Info(x).shape);
  if (node.def.op() == "LogSoftmax") {
    t.Op(Op::BuiltinOperator_LOG_SOFTMAX, {x}, {y});
  } else {
    t.Op(Op::BuiltinOperator_SOFTMAX, {x}, {y}, ::tflite::BuiltinOptions_SoftmaxOptions,
         ::tflite::CreateSoftmaxOptions(t.fbb(), 1.0f).Union());
  }
  return OkStatus();
}

Status ConvertClipByValue(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const TensorSpec& xs = t.Info(x);
  if (IsScalarConst(t.Const(node, 1), 0) && IsScalarConst(t.Const(node, 2), 6) &&
      xs.type == TensorType::TensorType_FLOAT32) {
    const int y = t.Output(node, 0, xs.type, xs.shape);
    t.Op(Op::BuiltinOperator_RELU6, {x}, {y});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(int lo, t.In(node, 1));
  PT2TF_ASSIGN_OR_RETURN(int hi, t.In(node, 2));
  PT2TF_ASSIGN_OR_RETURN(int low, EmitArithmetic(node, t, Op::BuiltinOperator_MAXIMUM, x, lo,
                                                 node.def.name() + "/lo"));
  PT2TF_ASSIGN_OR_RETURN(
      int y, EmitArithmetic(node, t, Op::BuiltinOperator_MINIMUM, low, hi, node.def.name()));
  t.Bind(node, 0, y);
  return OkStatus();
}

Status ConvertCast(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  auto dst = AttrType(node, "DstT");
  if (!dst) return NodeError(node, "missing DstT");
  PT2TF_ASSIGN_OR_RETURN(TensorType to, TfliteType(*dst));
  const int y = t.Output(node, 0, to, t.Info(x).shape);
  auto o = ::tflite::CreateCastOptions(t.fbb(), t.Info(x).type, to);
  t.Op(Op::BuiltinOperator_CAST, {x}, {y}, ::tflite::BuiltinOptions_CastOptions, o.Union());
  return OkStatus();
}

Status ConvertSelect(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int c, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int a, t.In(node, 1));
  PT2TF_ASSIGN_OR_RETURN(int b, t.In(node, 2));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ab, Broadcast(t.Info(a).shape, t.Info(b).shape));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t.Info(c).shape, ab));
  const int y = t.Output(node, 0, t.Info(a).type, ys);
  t.Op(Op::BuiltinOperator_SELECT_V2, {c, a, b}, {y}, ::tflite::BuiltinOptions_SelectV2Options,
       ::tflite::CreateSelectV2Options(t.fbb()).Union());
  return OkStatus();
}

Status ConvertFusedBatchNorm(const tf::TfNode& node, Translator& t) {
  if (AttrBool(node, "is_training", true)) return NodeError(node, "is_training=true");
  if (AttrString(node, "data_format", "NHWC") != "NHWC") return NodeError(node, "not NHWC");
  std::optional<ConstView> p[4];
  for (size_t i = 0; i < 4; ++i) {
    p[i] = t.Const(node, i + 1);
    if (!p[i] || p[i]->shape.size() != 1 || p[i]->data.dtype() != DType::kFloat32)
      return NodeError(node, "scale, offset, mean and variance must be float32 constants");
  }
  const int64_t c = p[0]->shape[0];
  const double eps = AttrFloat(node, "epsilon", 1e-3f);
  std::vector<double> scale(c), shift(c);
  for (int64_t k = 0; k < c; ++k) {
    scale[k] = p[0]->data.ElementAsDouble(k) / std::sqrt(p[3]->data.ElementAsDouble(k) + eps);
    shift[k] = p[1]->data.ElementAsDouble(k) - p[2]->data.ElementAsDouble(k) * scale[k];
  }
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(Tensor st, Float32Vector(scale));
  PT2TF_ASSIGN_OR_RETURN(Tensor ht, Float32Vector(shift));
  PT2TF_ASSIGN_OR_RETURN(int s, t.ConstTensor(node.def.name() + "/scale", ConstView{st, {c}}));
  PT2TF_ASSIGN_OR_RETURN(int h, t.ConstTensor(node.def.name() + "/shift", ConstView{ht, {c}}));
  PT2TF_ASSIGN_OR_RETURN(int m,
                         EmitBinary(t, Op::BuiltinOperator_MUL, x, s, node.def.name() + "/mul"));
  PT2TF_ASSIGN_OR_RETURN(int y, EmitBinary(t, Op::BuiltinOperator_ADD, m, h, node.def.name()));
  t.Bind(node, 0, y);
  return OkStatus();
}

}  // namespace pt2tf::tflite
