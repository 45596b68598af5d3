// Shape rules for reductions: Reduce*, ArgMax/ArgMin, TopK (ONNX opset 21).
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {

Status InferReduce(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto x = ctx.shape(0);
  const bool keepdims = ctx.node().GetInt("keepdims", 1) != 0;
  const bool noop_empty = ctx.node().GetInt("noop_with_empty_axes", 0) != 0;
  std::optional<std::vector<int64_t>> axes;
  if (ctx.has_input(1)) {
    axes = ctx.ConstInts(1);
  } else {
    axes = ctx.node().GetInts("axes");  // before opset 18 (13 for ReduceSum)
  }
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  if (!axes) {
    ctx.SetOutput(0, ctx.dtype(0),
                  keepdims ? std::optional<Dims>(Dims(x->size(), kUnknownDim)) : std::nullopt);
    return OkStatus();
  }
  if (axes->empty() && noop_empty) {
    ctx.SetOutput(0, ctx.dtype(0), x);
    return OkStatus();
  }
  std::vector<bool> reduced(x->size(), axes->empty());
  for (int64_t a : *axes) {
    PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
    reduced[a] = true;
  }
  Dims out;
  for (size_t i = 0; i < x->size(); ++i) {
    if (!reduced[i]) {
      out.push_back((*x)[i]);
    } else if (keepdims) {
      out.push_back(1);
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferArgReduce(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, DType::kInt64, std::nullopt);
    return OkStatus();
  }
  int64_t axis = ctx.node().GetInt("axis", 0);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  Dims out = *x;
  if (ctx.node().GetInt("keepdims", 1) != 0) {
    out[axis] = 1;
  } else {
    out.erase(out.begin() + axis);
  }
  ctx.SetOutput(0, DType::kInt64, out);
  return OkStatus();
}

Status InferTopK(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    ctx.SetOutput(1, DType::kInt64, std::nullopt);
    return OkStatus();
  }
  int64_t axis = ctx.node().GetInt("axis", -1);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  Dims out = *x;
  out[axis] = kUnknownDim;
  if (auto k = ctx.ConstInts(1)) {
    if (k->size() != 1) return ctx.Error("K must hold one value");
    const int64_t kv = (*k)[0];
    if (kv < 0) return ctx.Error("K must not be negative");
    if ((*x)[axis] >= 0 && kv > (*x)[axis])
      return ctx.Error("K = " + std::to_string(kv) + " exceeds dim " + std::to_string(axis) +
                       " of input " + DimsToString(*x));
    out[axis] = kv;
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  ctx.SetOutput(1, DType::kInt64, out);
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
