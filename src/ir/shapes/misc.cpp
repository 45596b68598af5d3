// Shape rules for the less common ops: space/depth rearrangement, GatherND, OneHot, NonZero,
// EyeLike, Det, Compress, CastLike, (De)QuantizeLinear (ONNX opset 21).
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {

Status InferLikeInput0(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, SIZE_MAX));
  ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
  return OkStatus();
}

Status InferSpaceDepth(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  const int64_t b = ctx.node().GetInt("blocksize", 0);
  if (b < 1) return ctx.Error("blocksize must be positive");
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), Dims(4, kUnknownDim));
    return OkStatus();
  }
  if (x->size() != 4) return ctx.Error("input must be 4-D, got " + DimsToString(*x));
  Dims out = *x;
  const bool to_space = ctx.node().op_type == "DepthToSpace";
  auto scale = [&](int64_t d, bool up) -> int64_t {
    if (d < 0) return kUnknownDim;
    return up ? d * b : d / b;
  };
  const int64_t c = (*x)[1];
  if (to_space) {
    if (c >= 0 && c % (b * b) != 0)
      return ctx.Error(std::to_string(c) +
                       " channels are not divisible by blocksize^2 = " + std::to_string(b * b));
    out[1] = c < 0 ? kUnknownDim : c / (b * b);
  } else {
    for (size_t i = 2; i < 4; ++i)
      if ((*x)[i] >= 0 && (*x)[i] % b != 0)
        return ctx.Error("input " + DimsToString(*x) + " is not divisible by blocksize " +
                         std::to_string(b));
    out[1] = c < 0 ? kUnknownDim : c * b * b;
  }
  out[2] = scale((*x)[2], to_space);
  out[3] = scale((*x)[3], to_space);
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferGatherND(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto data = ctx.shape(0), idx = ctx.shape(1);
  if (!data || !idx || idx->empty() || idx->back() < 0) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t batch = ctx.node().GetInt("batch_dims", 0);
  const int64_t last = idx->back();
  if (batch < 0 || batch + last > static_cast<int64_t>(data->size()))
    return ctx.Error("indices " + DimsToString(*idx) + " do not fit data " + DimsToString(*data));
  Dims out(idx->begin(), idx->end() - 1);
  out.insert(out.end(), data->begin() + batch + last, data->end());
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferOneHot(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 3));
  auto idx = ctx.shape(0);
  if (!idx) {
    ctx.SetOutput(0, ctx.dtype(2), std::nullopt);
    return OkStatus();
  }
  int64_t depth = kUnknownDim;
  if (auto d = ctx.ConstDoubles(1); d && d->size() == 1) depth = static_cast<int64_t>((*d)[0]);
  const int64_t rank = static_cast<int64_t>(idx->size()) + 1;
  int64_t axis = ctx.node().GetInt("axis", -1);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, rank, "axis"));
  Dims out = *idx;
  out.insert(out.begin() + axis, depth);
  ctx.SetOutput(0, ctx.dtype(2), out);
  return OkStatus();
}

Status InferNonZero(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  ctx.SetOutput(0, DType::kInt64,
                Dims{x ? static_cast<int64_t>(x->size()) : kUnknownDim, kUnknownDim});
  return OkStatus();
}

// NonMaxSuppression: selected [num_selected, 3] int64 triples (batch, class, box), a count
// known only when it runs.
Status InferNonMaxSuppression(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 5));
  ctx.SetOutput(0, DType::kInt64, Dims{kUnknownDim, 3});
  return OkStatus();
}

Status InferEyeLike(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (x && x->size() != 2) return ctx.Error("input must be 2-D, got " + DimsToString(*x));
  DType dtype = ctx.dtype(0);
  if (const Attribute* a = ctx.node().FindAttr("dtype")) {
    auto d = DTypeFromOnnx(static_cast<int>(a->i));
    if (!d) return ctx.Error("unknown dtype " + std::to_string(a->i));
    dtype = *d;
  }
  ctx.SetOutput(0, dtype, x);
  return OkStatus();
}

Status InferDet(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (x) {
    if (x->size() < 2) return ctx.Error("input must have rank >= 2, got " + DimsToString(*x));
    x->resize(x->size() - 2);
  }
  ctx.SetOutput(0, ctx.dtype(0), x);
  return OkStatus();
}

Status InferCompress(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0);
  const Attribute* axis_attr = ctx.node().FindAttr("axis");
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  // The kept count depends on the condition's values.
  int64_t kept = kUnknownDim;
  if (auto cond = ctx.ConstInts(1)) {
    kept = 0;
    for (int64_t c : *cond) kept += c != 0;
  }
  if (!axis_attr) {
    ctx.SetOutput(0, ctx.dtype(0), Dims{kept});
    return OkStatus();
  }
  int64_t axis = axis_attr->i;
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  Dims out = *x;
  out[axis] = kept;
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferCastLike(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  ctx.SetOutput(0, ctx.dtype(1), ctx.shape(0));
  return OkStatus();
}

Status InferQuantizeLinear(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  DType dtype = ctx.has_input(2) ? ctx.dtype(2) : DType::kUInt8;
  if (const Attribute* a = ctx.node().FindAttr("output_dtype"); a && a->i != 0) {
    auto d = DTypeFromOnnx(static_cast<int>(a->i));
    if (!d) return ctx.Error("unknown output_dtype " + std::to_string(a->i));
    dtype = *d;
  }
  ctx.SetOutput(0, dtype, ctx.shape(0));
  return OkStatus();
}

Status InferDequantizeLinear(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 3));
  ctx.SetOutput(0, ctx.dtype(1), ctx.shape(0));
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
