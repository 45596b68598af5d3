// Activations and softmax: aten.relu, hardtanh, hardswish, silu, gelu, softmax, clamp, prelu,
// log_sigmoid, selu, celu, glu, ...
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

Status Unary(OpCall& c, const char* onnx_op, ir::AttributeMap attrs = {}) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(c.ctx().Op(onnx_op, {x}, std::move(attrs)));
}

// Clip with optional bounds given as Scalars of the input's dtype.
Status ClipBetween(OpCall& c, ir::Value* x, std::optional<double> lo, std::optional<double> hi) {
  ImportContext& ctx = c.ctx();
  std::vector<ir::Value*> inputs = {x, lo ? ctx.ConstScalar(*lo, x->dtype) : nullptr,
                                    hi ? ctx.ConstScalar(*hi, x->dtype) : nullptr};
  while (inputs.back() == nullptr) inputs.pop_back();
  return c.SetOutput(ctx.Op("Clip", inputs));
}

}  // namespace

Status Relu(OpCall& c) { return Unary(c, "Relu"); }
Status Sigmoid(OpCall& c) { return Unary(c, "Sigmoid"); }
Status Tanh(OpCall& c) { return Unary(c, "Tanh"); }
Status Hardswish(OpCall& c) { return Unary(c, "HardSwish"); }
Status Mish(OpCall& c) { return Unary(c, "Mish"); }

Status Hardsigmoid(OpCall& c) {  // torch: relu6(x + 3) / 6
  return Unary(c, "HardSigmoid",
               {{"alpha", Attribute::Float(1.0f / 6)}, {"beta", Attribute::Float(0.5f)}});
}

Status Silu(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(c.ctx().Op("Mul", {x, c.ctx().Op("Sigmoid", {x})}));
}

Status Relu6(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return ClipBetween(c, x, 0.0, 6.0);
}

Status Hardtanh(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(double lo, c.Float("min_val", -1.0));
  PT2TF_ASSIGN_OR_RETURN(double hi, c.Float("max_val", 1.0));
  return ClipBetween(c, x, lo, hi);
}

Status Clamp(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  if ((c.Has("min") && !c.IsScalar("min")) || (c.Has("max") && !c.IsScalar("max"))) {
    ImportContext& ctx = c.ctx();  // clamp.Tensor: elementwise Max / Min
    ir::Value* y = x;
    if (c.Has("min")) {
      PT2TF_ASSIGN_OR_RETURN(ir::Value * lo, c.ScalarOrTensor("min", x->dtype));
      y = ctx.Op("Max", {y, lo});
    }
    if (c.Has("max")) {
      PT2TF_ASSIGN_OR_RETURN(ir::Value * hi, c.ScalarOrTensor("max", x->dtype));
      y = ctx.Op("Min", {y, hi});
    }
    return c.SetOutput(y);
  }
  std::optional<double> lo, hi;
  if (c.Has("min")) {
    PT2TF_ASSIGN_OR_RETURN(lo, c.Float("min"));
  }
  if (c.Has("max")) {
    PT2TF_ASSIGN_OR_RETURN(hi, c.Float("max"));
  }
  return ClipBetween(c, x, lo, hi);
}

Status ClampMin(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * lo, c.ScalarOrTensor("min", x->dtype));
  return c.SetOutput(c.ctx().Op("Max", {x, lo}));
}

Status ClampMax(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * hi, c.ScalarOrTensor("max", x->dtype));
  return c.SetOutput(c.ctx().Op("Min", {x, hi}));
}

Status Gelu(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(std::string approximate, c.String("approximate", "none"));
  if (approximate != "none" && approximate != "tanh")
    return c.Error("approximate='" + approximate + "' is not supported");
  return Unary(c, "Gelu", {{"approximate", Attribute::String(approximate)}});
}

Status LeakyRelu(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double slope, c.Float("negative_slope", 0.01));
  return Unary(c, "LeakyRelu", {{"alpha", Attribute::Float(static_cast<float>(slope))}});
}

Status Elu(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double alpha, c.Float("alpha", 1.0));
  PT2TF_ASSIGN_OR_RETURN(double scale, c.Float("scale", 1.0));
  PT2TF_ASSIGN_OR_RETURN(double input_scale, c.Float("input_scale", 1.0));
  if (scale != 1.0 || input_scale != 1.0) return c.Error("scale / input_scale other than 1");
  return Unary(c, "Elu", {{"alpha", Attribute::Float(static_cast<float>(alpha))}});
}

Status Softplus(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double beta, c.Float("beta", 1.0));
  PT2TF_ASSIGN_OR_RETURN(double threshold, c.Float("threshold", 20.0));
  // ONNX Softplus has neither; beta 1 with threshold 20 differs from log1p(exp(x)) by < 2e-9.
  if (beta != 1.0 || threshold < 20.0) return c.Error("beta other than 1 or threshold below 20");
  return Unary(c, "Softplus");
}

static Status SoftmaxLike(OpCall& c, const char* onnx_op) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, c.Dim());
  PT2TF_ASSIGN_OR_RETURN(std::optional<DType> dtype, c.ScalarType("dtype"));
  if (dtype) x = c.ctx().Cast(x, *dtype);
  return c.SetOutput(c.ctx().Op(onnx_op, {x}, {{"axis", Attribute::Int(axis)}}));
}

Status Softmax(OpCall& c) { return SoftmaxLike(c, "Softmax"); }
Status LogSoftmax(OpCall& c) { return SoftmaxLike(c, "LogSoftmax"); }

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// prelu(self, weight): the per-channel slope lies along dim 1, so it is reshaped to
// [C, 1, ...] for ONNX's trailing-aligned broadcast.
Status Prelu(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * w, c.Tensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ws, c.Sizes("weight"));
  if (ws.size() != 1 || ws[0] < 1) return c.Error("weight of shape " + ShapeToString(ws));
  if (ws[0] > 1 && rank >= 2) {
    std::vector<int64_t> shape(static_cast<size_t>(rank - 1), 1);
    shape[0] = ws[0];
    w = ctx.Op("Reshape", {w, ctx.ConstInts(shape)});
  }
  return c.SetOutput(ctx.Op("PRelu", {x, w}));
}

// log_sigmoid(x) = -softplus(-x), the stable form.
Status LogSigmoid(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  return c.SetOutput(ctx.Op("Neg", {ctx.Op("Softplus", {ctx.Op("Neg", {x})})}));
}

Status Selu(OpCall& c) {  // torch's fixed constants
  return Unary(c, "Selu",
               {{"alpha", Attribute::Float(1.6732632423543772f)},
                {"gamma", Attribute::Float(1.0507009873554805f)}});
}

Status Celu(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double alpha, c.Float("alpha", 1.0));
  return Unary(c, "Celu", {{"alpha", Attribute::Float(static_cast<float>(alpha))}});
}

// glu(self, dim): the first half times the sigmoid of the second.
Status Glu(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("self"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", -1));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, NormAxis(c, dim, static_cast<int64_t>(sizes.size())));
  const int64_t n = sizes[axis];
  if (n < 0 || n % 2 != 0) return c.Error("glu over a dynamic or odd-sized dim");
  std::vector<ir::Value*> halves =
      ctx.OpN("Split", {x, ctx.ConstInts({n / 2, n / 2})}, {{"axis", Attribute::Int(axis)}}, 2);
  return c.SetOutput(ctx.Op("Mul", {halves[0], ctx.Op("Sigmoid", {halves[1]})}));
}

}  // namespace pt2tf::pt2::ops
