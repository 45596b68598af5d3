// Shape rules for elementwise ops: unary maps, activations, comparisons, broadcasting
// arithmetic (ONNX opset 21).
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {
namespace {

std::string Name(DType t) { return std::string(TorchName(t)); }

// Error unless every present input in [first, last] has dtype `want`.
Status CheckSameDType(const InferContext& ctx, size_t first, size_t last) {
  const DType want = ctx.dtype(first);
  for (size_t i = first + 1; i <= last && i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && ctx.dtype(i) != want)
      return ctx.Error("input dtypes differ (" + Name(want) + " vs " + Name(ctx.dtype(i)) + ")");
  }
  return OkStatus();
}

// Broadcasts the shapes of every present input in [first, num_inputs); nullopt when any
// rank is unknown.
Status BroadcastInputs(const InferContext& ctx, size_t first, std::optional<Dims>& out) {
  Dims acc;
  for (size_t i = first; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    auto s = ctx.shape(i);
    if (!s) {
      out = std::nullopt;
      return OkStatus();
    }
    Dims next;
    PT2TF_RETURN_IF_ERROR(Broadcast(ctx, acc, *s, next));
    acc = std::move(next);
  }
  out = std::move(acc);
  return OkStatus();
}

}  // namespace

Status InferUnary(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
  return OkStatus();
}

Status InferUnaryToBool(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  ctx.SetOutput(0, DType::kBool, ctx.shape(0));
  return OkStatus();
}

Status InferNot(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  if (ctx.dtype(0) != DType::kBool)
    return ctx.Error("input must be bool, got " + Name(ctx.dtype(0)));
  ctx.SetOutput(0, DType::kBool, ctx.shape(0));
  return OkStatus();
}

Status InferSoftmaxLike(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto s = ctx.shape(0);
  if (s) {
    int64_t axis = ctx.node().GetInt("axis", -1);
    PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(s->size()), "axis"));
  }
  ctx.SetOutput(0, ctx.dtype(0), s);
  return OkStatus();
}

Status InferClip(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 3));
  for (size_t i = 1; i < 3; ++i) {
    auto s = ctx.shape(i);
    if (s && DimProduct(*s) > 1)
      return ctx.Error(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " +
                       DimsToString(*s));
  }
  ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
  return OkStatus();
}

Status InferCast(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  const Attribute* to = ctx.node().FindAttr("to");
  if (!to || to->type != AttrType::kInt) return ctx.Error("missing int attribute 'to'");
  auto dtype = DTypeFromOnnx(static_cast<int>(to->i));
  if (!dtype) return ctx.Error("unknown target dtype " + std::to_string(to->i));
  ctx.SetOutput(0, *dtype, ctx.shape(0));
  return OkStatus();
}

Status InferCumSum(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto s = ctx.shape(0);
  auto axis = ctx.ConstInts(1);
  if (s && axis) {
    if (axis->size() != 1) return ctx.Error("axis must be a scalar");
    int64_t a = (*axis)[0];
    PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, static_cast<int64_t>(s->size()), "axis"));
  }
  ctx.SetOutput(0, ctx.dtype(0), s);
  return OkStatus();
}

Status InferTrilu(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto s = ctx.shape(0);
  if (s && s->size() < 2) return ctx.Error("input must have rank >= 2, got " + DimsToString(*s));
  ctx.SetOutput(0, ctx.dtype(0), s);
  return OkStatus();
}

Status InferDropout(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 3));
  ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
  ctx.SetOutput(1, DType::kBool, ctx.shape(0));
  return OkStatus();
}

Status InferBinary(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  PT2TF_RETURN_IF_ERROR(CheckSameDType(ctx, 0, 1));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferPow(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferCompare(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  PT2TF_RETURN_IF_ERROR(CheckSameDType(ctx, 0, 1));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, DType::kBool, out);
  return OkStatus();
}

Status InferLogical(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  for (size_t i = 0; i < 2; ++i)
    if (ctx.dtype(i) != DType::kBool)
      return ctx.Error("inputs must be bool, got " + Name(ctx.dtype(i)));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, DType::kBool, out);
  return OkStatus();
}

Status InferVariadic(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, SIZE_MAX));
  PT2TF_RETURN_IF_ERROR(CheckSameDType(ctx, 0, ctx.num_inputs() - 1));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferPRelu(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  PT2TF_RETURN_IF_ERROR(CheckSameDType(ctx, 0, 1));
  auto x = ctx.shape(0), slope = ctx.shape(1);
  if (x && slope) {
    // The slope broadcasts to X, never the other way.
    Dims out;
    PT2TF_RETURN_IF_ERROR(Broadcast(ctx, *x, *slope, out));
    bool grows = out.size() != x->size();
    for (size_t i = 0; !grows && i < out.size(); ++i)
      grows = (*x)[i] != kUnknownDim && out[i] != (*x)[i];
    if (grows)
      return ctx.Error("slope " + DimsToString(*slope) + " does not broadcast to input " +
                       DimsToString(*x));
  }
  ctx.SetOutput(0, ctx.dtype(0), x);
  return OkStatus();
}

Status InferWhere(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 3));
  if (ctx.dtype(0) != DType::kBool)
    return ctx.Error("condition must be bool, got " + Name(ctx.dtype(0)));
  PT2TF_RETURN_IF_ERROR(CheckSameDType(ctx, 1, 2));
  std::optional<Dims> out;
  PT2TF_RETURN_IF_ERROR(BroadcastInputs(ctx, 0, out));
  ctx.SetOutput(0, ctx.dtype(1), out);
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
