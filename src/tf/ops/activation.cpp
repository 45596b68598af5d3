// Activations that need more than one TF op or an attribute mapping: Clip (ReLU6),
// LeakyRelu, PRelu, Elu, Selu, Celu, ThresholdedRelu, HardSigmoid, HardSwish, Gelu, Mish,
// Softmax and LogSoftmax. All keep their input's layout.
#include <cmath>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

// Input 0 in its current layout (a flattened-permuted value is materialised first when the
// op is not purely elementwise).
struct Operand {
  std::string x;
  TfValue layout;
  tensorflow::DataType t;
  DType dtype;
};

Result<Operand> GetOperand(const ir::Node& node, EmitContext& ctx) {
  Operand op;
  PT2TF_ASSIGN_OR_RETURN(op.layout, ctx.Get(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(op.t, InputType(node, 0));
  op.dtype = node.input(0)->dtype;
  op.x = op.layout.tensor;
  if (!IsFloatingPoint(op.dtype)) return NodeUnsupported(node, "non-floating-point input");
  return op;
}

void SetOut(const ir::Node& node, EmitContext& ctx, const Operand& op, const std::string& y) {
  ctx.Set(node.outputs[0], TfValue{y, op.layout.perm, op.layout.flat});
}

}  // namespace

Status EmitClip(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const ir::Value* lo = node.input(1);
  const ir::Value* hi = node.input(2);
  auto scalar = [](const ir::Value* v) -> std::optional<double> {
    const Tensor* c = EmitContext::ConstantOf(v);
    if (!c || c->numel() != 1) return std::nullopt;
    return c->ElementAsDouble(0);
  };
  std::optional<double> lo_c = lo ? scalar(lo) : std::nullopt;
  std::optional<double> hi_c = hi ? scalar(hi) : std::nullopt;
  std::string y = in.tensor;
  if (IsFloatingPoint(node.input(0)->dtype) && lo_c && *lo_c == 0 && hi_c && *hi_c == 6) {
    y = ctx.Unary("Relu6", y, t, node.name);
  } else if (IsFloatingPoint(node.input(0)->dtype) && lo_c && *lo_c == 0 && !hi) {
    y = ctx.Unary("Relu", y, t, node.name);
  } else {
    // Scalars: no layout to follow.
    if (lo) {
      PT2TF_ASSIGN_OR_RETURN(std::string m, ctx.GetAs(lo, {}));
      y = ctx.Binary("Maximum", y, m, t, node.name);
    }
    if (hi) {
      PT2TF_ASSIGN_OR_RETURN(std::string m, ctx.GetAs(hi, {}));
      y = ctx.Binary("Minimum", y, m, t, node.name);
    }
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, in.flat});
  return OkStatus();
}

Status EmitLeakyRelu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  tensorflow::NodeDef& def = ctx.AddOp("LeakyRelu", node.name, {op.x});
  SetAttrType(def, "T", op.t);
  SetAttrFloat(def, "alpha", node.GetFloat("alpha", 0.01f));
  SetOut(node, ctx, op, def.name());
  return OkStatus();
}

Status EmitPRelu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(BroadcastInputs in,
                         GetBroadcastInputs(node, ctx, {node.input(0), node.input(1)}));
  PT2TF_ASSIGN_OR_RETURN(std::string zero,
                         ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/zero"));
  std::string positive =
      ctx.Binary("GreaterEqual", in.tensors[0], zero, t, node.name + "/positive");
  std::string scaled = ctx.Binary("Mul", in.tensors[0], in.tensors[1], t, node.name + "/scaled");
  tensorflow::NodeDef& def = ctx.AddOp("SelectV2", node.name, {positive, in.tensors[0], scaled});
  SetAttrType(def, "T", t);
  ctx.Set(node.outputs[0], TfValue{def.name(), in.perm, std::nullopt});
  return OkStatus();
}

Status EmitElu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  const bool selu = node.op_type == "Selu";
  const float kSeluAlpha = 1.67326319217681884765625f, kSeluGamma = 1.05070102214813232421875f;
  const float alpha = node.GetFloat("alpha", selu ? kSeluAlpha : 1.0f);
  const float gamma = node.GetFloat("gamma", kSeluGamma);
  if (selu && alpha == kSeluAlpha && gamma == kSeluGamma) {
    SetOut(node, ctx, op, ctx.Unary("Selu", op.x, op.t, node.name));
    return OkStatus();
  }
  std::string elu = ctx.Unary("Elu", op.x, op.t, node.name + "/elu");
  std::string y = elu;
  if (alpha != 1.0f) {
    // Elu(x) is x for x > 0 and exp(x) - 1 below: scale only the negative side.
    PT2TF_ASSIGN_OR_RETURN(std::string zero, ctx.ConstScalar(op.dtype, 0, node.name + "/zero"));
    PT2TF_ASSIGN_OR_RETURN(std::string a, ctx.ConstScalar(op.dtype, alpha, node.name + "/alpha"));
    std::string positive = ctx.Binary("Greater", op.x, zero, op.t, node.name + "/positive");
    std::string scaled = ctx.Binary("Mul", elu, a, op.t, node.name + "/scaled");
    tensorflow::NodeDef& def =
        ctx.AddOp("SelectV2", node.name + "/select", {positive, op.x, scaled});
    SetAttrType(def, "T", op.t);
    y = def.name();
  }
  if (selu) {
    PT2TF_ASSIGN_OR_RETURN(std::string g, ctx.ConstScalar(op.dtype, gamma, node.name + "/gamma"));
    y = ctx.Binary("Mul", y, g, op.t, node.name);
  }
  SetOut(node, ctx, op, y);
  return OkStatus();
}

Status EmitCelu(const ir::Node& node, EmitContext& ctx) {
  // celu(x) = alpha * elu(x / alpha)
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  PT2TF_ASSIGN_OR_RETURN(
      std::string a, ctx.ConstScalar(op.dtype, node.GetFloat("alpha", 1.0f), node.name + "/alpha"));
  std::string y = ctx.Binary("RealDiv", op.x, a, op.t, node.name + "/div");
  y = ctx.Unary("Elu", y, op.t, node.name + "/elu");
  SetOut(node, ctx, op, ctx.Binary("Mul", y, a, op.t, node.name));
  return OkStatus();
}

Status EmitThresholdedRelu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  PT2TF_ASSIGN_OR_RETURN(
      std::string a, ctx.ConstScalar(op.dtype, node.GetFloat("alpha", 1.0f), node.name + "/alpha"));
  std::string above = ctx.Binary("Greater", op.x, a, op.t, node.name + "/above");
  std::string zeros = ctx.Unary("ZerosLike", op.x, op.t, node.name + "/zeros");
  tensorflow::NodeDef& def = ctx.AddOp("SelectV2", node.name, {above, op.x, zeros});
  SetAttrType(def, "T", op.t);
  SetOut(node, ctx, op, def.name());
  return OkStatus();
}

Status EmitHardSigmoid(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  PT2TF_ASSIGN_OR_RETURN(
      std::string a, ctx.ConstScalar(op.dtype, node.GetFloat("alpha", 0.2f), node.name + "/alpha"));
  PT2TF_ASSIGN_OR_RETURN(
      std::string b, ctx.ConstScalar(op.dtype, node.GetFloat("beta", 0.5f), node.name + "/beta"));
  PT2TF_ASSIGN_OR_RETURN(std::string zero, ctx.ConstScalar(op.dtype, 0, node.name + "/zero"));
  PT2TF_ASSIGN_OR_RETURN(std::string one, ctx.ConstScalar(op.dtype, 1, node.name + "/one"));
  std::string y = ctx.Binary("Mul", op.x, a, op.t, node.name + "/scale");
  y = ctx.Binary("AddV2", y, b, op.t, node.name + "/shift");
  // Maximum + Minimum rather than ClipByValue, which TFLite's converter cannot lower.
  y = ctx.Binary("Maximum", y, zero, op.t, node.name + "/floor");
  SetOut(node, ctx, op, ctx.Binary("Minimum", y, one, op.t, node.name));
  return OkStatus();
}

Status EmitHardSwish(const ir::Node& node, EmitContext& ctx) {
  // x * relu6(x + 3) / 6, as PyTorch computes it.
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  PT2TF_ASSIGN_OR_RETURN(std::string three, ctx.ConstScalar(op.dtype, 3, node.name + "/three"));
  PT2TF_ASSIGN_OR_RETURN(std::string six, ctx.ConstScalar(op.dtype, 6, node.name + "/six"));
  std::string y = ctx.Binary("AddV2", op.x, three, op.t, node.name + "/shift");
  y = ctx.Unary("Relu6", y, op.t, node.name + "/relu6");
  y = ctx.Binary("Mul", op.x, y, op.t, node.name + "/gate");
  SetOut(node, ctx, op, ctx.Binary("RealDiv", y, six, op.t, node.name));
  return OkStatus();
}

Status EmitGelu(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  const std::string approximate = node.GetString("approximate", "none");
  PT2TF_ASSIGN_OR_RETURN(std::string half, ctx.ConstScalar(op.dtype, 0.5, node.name + "/half"));
  PT2TF_ASSIGN_OR_RETURN(std::string one, ctx.ConstScalar(op.dtype, 1, node.name + "/one"));
  std::string inner;
  if (approximate == "none") {
    // 0.5 * x * (1 + erf(x / sqrt(2)))
    PT2TF_ASSIGN_OR_RETURN(std::string rs2,
                           ctx.ConstScalar(op.dtype, M_SQRT1_2, node.name + "/rsqrt2"));
    inner = ctx.Binary("Mul", op.x, rs2, op.t, node.name + "/scaled");
    inner = ctx.Unary("Erf", inner, op.t, node.name + "/erf");
  } else if (approximate == "tanh") {
    // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
    PT2TF_ASSIGN_OR_RETURN(std::string c, ctx.ConstScalar(op.dtype, 0.044715, node.name + "/c"));
    PT2TF_ASSIGN_OR_RETURN(std::string k,
                           ctx.ConstScalar(op.dtype, std::sqrt(2.0 / M_PI), node.name + "/k"));
    std::string cube = ctx.Binary("Mul", op.x, op.x, op.t, node.name + "/sq");
    cube = ctx.Binary("Mul", cube, op.x, op.t, node.name + "/cube");
    inner = ctx.Binary("Mul", cube, c, op.t, node.name + "/cube_scaled");
    inner = ctx.Binary("AddV2", op.x, inner, op.t, node.name + "/poly");
    inner = ctx.Binary("Mul", inner, k, op.t, node.name + "/poly_scaled");
    inner = ctx.Unary("Tanh", inner, op.t, node.name + "/tanh");
  } else {
    return NodeUnsupported(node, "attribute approximate='" + approximate + "'");
  }
  // (x * 0.5) * (inner + 1): the form TFLite's converter fuses into one GELU op (erf.cpp);
  // halving is exact, so the order does not change the result.
  std::string y = ctx.Binary("AddV2", inner, one, op.t, node.name + "/plus1");
  std::string half_x = ctx.Binary("Mul", op.x, half, op.t, node.name + "/half_x");
  SetOut(node, ctx, op, ctx.Binary("Mul", half_x, y, op.t, node.name));
  return OkStatus();
}

Status EmitMish(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(Operand op, GetOperand(node, ctx));
  std::string y = ctx.Unary("Softplus", op.x, op.t, node.name + "/softplus");
  y = ctx.Unary("Tanh", y, op.t, node.name + "/tanh");
  SetOut(node, ctx, op, ctx.Binary("Mul", op.x, y, op.t, node.name));
  return OkStatus();
}

Status EmitSoftmax(const ir::Node& node, EmitContext& ctx) {
  const bool log = node.op_type == "LogSoftmax";
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  if (in.flat) {
    PT2TF_ASSIGN_OR_RETURN(in.tensor, ctx.GetAs(node.input(0), {}));
    in.perm.clear();
    in.flat.reset();
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  if (!IsFloatingPoint(node.input(0)->dtype)) return NodeUnsupported(node, "integer input");
  const int64_t tf_axis = TfAxis(in.perm, axis);
  std::string y;
  if (tf_axis == rank - 1) {
    y = ctx.Unary(log ? "LogSoftmax" : "Softmax", in.tensor, t, node.name);
  } else {
    // TF's kernels work on the last axis only; spell it out along `tf_axis` instead of
    // transposing there and back.
    std::string m = EmitReduction(ctx, "Max", in.tensor, {tf_axis}, true, t, node.name + "/max");
    std::string shifted = ctx.Binary("Sub", in.tensor, m, t, node.name + "/shifted");
    std::string e = ctx.Unary("Exp", shifted, t, node.name + "/exp");
    std::string s = EmitReduction(ctx, "Sum", e, {tf_axis}, true, t, node.name + "/sum");
    if (log) {
      std::string ls = ctx.Unary("Log", s, t, node.name + "/log_sum");
      y = ctx.Binary("Sub", shifted, ls, t, node.name);
    } else {
      y = ctx.Binary("RealDiv", e, s, t, node.name);
    }
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  return OkStatus();
}

Status EmitHardmax(const ir::Node& node, EmitContext& ctx) {
  // one_hot(argmax(x, axis)) along `axis`; ties pick the first index, as ONNX does.
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", -1);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  if (xs[axis] < 0) return NodeUnsupported(node, "unknown size of the axis");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  if (in.flat) {
    PT2TF_ASSIGN_OR_RETURN(in.tensor, ctx.GetAs(node.input(0), {}));
    in.perm.clear();
  }
  const int64_t tf_axis = TfAxis(in.perm, axis);
  PT2TF_ASSIGN_OR_RETURN(
      std::string ax,
      ctx.ConstScalar(DType::kInt32, static_cast<double>(tf_axis), node.name + "/axis"));
  tensorflow::NodeDef& arg = ctx.AddOp("ArgMax", node.name + "/argmax", {in.tensor, ax});
  SetAttrType(arg, "T", t);
  SetAttrType(arg, "Tidx", tensorflow::DT_INT32);
  SetAttrType(arg, "output_type", tensorflow::DT_INT64);
  PT2TF_ASSIGN_OR_RETURN(
      std::string depth,
      ctx.ConstScalar(DType::kInt32, static_cast<double>(xs[axis]), node.name + "/depth"));
  PT2TF_ASSIGN_OR_RETURN(std::string on,
                         ctx.ConstScalar(node.input(0)->dtype, 1, node.name + "/on"));
  PT2TF_ASSIGN_OR_RETURN(std::string off,
                         ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/off"));
  tensorflow::NodeDef& def = ctx.AddOp("OneHot", node.name, {arg.name(), depth, on, off});
  SetAttrType(def, "T", t);
  SetAttrType(def, "TI", tensorflow::DT_INT64);
  SetAttrInt(def, "axis", tf_axis);
  ctx.Set(node.outputs[0], TfValue{def.name(), in.perm, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
