// Shape rules for ops that move data around without arithmetic: reshapes, slicing,
// gathering, concatenation, padding, and the shape-producing ops (ONNX opset 21).
#include <algorithm>
#include <cmath>
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {
namespace {

std::string IntsToString(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

// Axes from input `i` when present (opset 13+ form), else from attribute "axes".
std::optional<std::vector<int64_t>> ReadAxes(const InferContext& ctx, size_t i, bool& present) {
  if (ctx.has_input(i)) {
    present = true;
    return ctx.ConstInts(i);
  }
  const Attribute* a = ctx.node().FindAttr("axes");
  present = a != nullptr;
  if (a) return a->ints;
  return std::vector<int64_t>{};
}

// Length of a 1-D shape-carrying input when its own shape is known, else -1.
int64_t VectorLength(const InferContext& ctx, size_t i) {
  auto s = ctx.shape(i);
  if (!s || s->size() != 1) return -1;
  return (*s)[0];
}

}  // namespace

Status InferFlatten(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), Dims{kUnknownDim, kUnknownDim});
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  int64_t axis = ctx.node().GetInt("axis", 1);
  if (axis < -rank || axis > rank)
    return ctx.Error("axis " + std::to_string(axis) + " is out of range for rank " +
                     std::to_string(rank));
  if (axis < 0) axis += rank;
  ctx.SetOutput(0, ctx.dtype(0),
                Dims{DimProduct(*x, 0, static_cast<size_t>(axis)),
                     DimProduct(*x, static_cast<size_t>(axis))});
  return OkStatus();
}

Status InferReshape(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0);
  auto target = ctx.ConstInts(1);
  if (!target) {
    const int64_t n = VectorLength(ctx, 1);
    ctx.SetOutput(
        0, ctx.dtype(0),
        n >= 0 ? std::optional<Dims>(Dims(static_cast<size_t>(n), kUnknownDim)) : std::nullopt);
    return OkStatus();
  }
  const bool allow_zero = ctx.node().GetInt("allowzero", 0) != 0;
  Dims out = *target;
  int infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer_at >= 0) return ctx.Error("shape " + IntsToString(*target) + " has two -1 dims");
      infer_at = static_cast<int>(i);
    } else if (out[i] == 0 && !allow_zero) {
      if (!x) {
        out[i] = kUnknownDim;
      } else if (i >= x->size()) {
        return ctx.Error("shape " + IntsToString(*target) + " copies dim " + std::to_string(i) +
                         " (0) but the input " + DimsToString(*x) + " has rank " +
                         std::to_string(x->size()));
      } else {
        out[i] = (*x)[i];
      }
    } else if (out[i] < -1) {
      return ctx.Error("shape " + IntsToString(*target) + " has a negative dim");
    }
  }
  const int64_t in_count = x ? DimProduct(*x) : kUnknownDim;
  if (infer_at >= 0) {
    out[infer_at] = 1;
    const int64_t rest = DimProduct(out);
    if (in_count < 0 || rest < 0) {
      out[infer_at] = kUnknownDim;
    } else if (rest == 0 || in_count % rest != 0) {
      return ctx.Error("cannot reshape " + DimsToString(*x) + " (" + std::to_string(in_count) +
                       " elements) to " + IntsToString(*target));
    } else {
      out[infer_at] = in_count / rest;
    }
  } else if (in_count >= 0 && DimProduct(out) >= 0 && DimProduct(out) != in_count) {
    return ctx.Error("cannot reshape " + DimsToString(*x) + " (" + std::to_string(in_count) +
                     " elements) to " + IntsToString(*target));
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferTranspose(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const size_t rank = x->size();
  std::vector<int64_t> perm = ctx.node().GetInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank)
    return ctx.Error("perm " + IntsToString(perm) + " does not fit input " + DimsToString(*x));
  std::vector<bool> seen(rank, false);
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t p = perm[i];
    if (p < 0) p += static_cast<int64_t>(rank);
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return ctx.Error("perm " + IntsToString(perm) + " is not a permutation");
    seen[p] = true;
    out[i] = (*x)[p];
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferConcat(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, SIZE_MAX));
  const Attribute* axis_attr = ctx.node().FindAttr("axis");
  if (!axis_attr || axis_attr->type != AttrType::kInt)
    return ctx.Error("missing int attribute 'axis'");
  std::optional<Dims> out;
  int64_t axis = axis_attr->i;
  for (size_t i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) return ctx.Error("input " + std::to_string(i) + " is missing");
    if (ctx.dtype(i) != ctx.dtype(0))
      return ctx.Error("input dtypes differ (" + std::string(TorchName(ctx.dtype(0))) + " vs " +
                       std::string(TorchName(ctx.dtype(i))) + ")");
    auto s = ctx.shape(i);
    if (!s) {
      ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
      return OkStatus();
    }
    if (!out) {
      PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(s->size()), "axis"));
      out = *s;
      continue;
    }
    if (s->size() != out->size())
      return ctx.Error("input " + std::to_string(i) + " has shape " + DimsToString(*s) +
                       " but input 0 has rank " + std::to_string(out->size()));
    for (size_t d = 0; d < s->size(); ++d) {
      int64_t& o = (*out)[d];
      const int64_t v = (*s)[d];
      if (static_cast<int64_t>(d) == axis) {
        o = (o < 0 || v < 0) ? kUnknownDim : o + v;
      } else if (o < 0) {
        o = v;
      } else if (v >= 0 && v != o) {
        return ctx.Error("input " + std::to_string(i) + " has shape " + DimsToString(*s) +
                         ", which does not match " + std::to_string(o) + " in dim " +
                         std::to_string(d) + " (concatenating along axis " + std::to_string(axis) +
                         ")");
      }
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferSplit(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto x = ctx.shape(0);
  const size_t n = ctx.num_outputs();
  if (n == 0) return ctx.Error("has no outputs");
  if (!x) {
    ctx.SetAllUnknown(ctx.dtype(0));
    return OkStatus();
  }
  int64_t axis = ctx.node().GetInt("axis", 0);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  const int64_t d = (*x)[axis];
  std::optional<std::vector<int64_t>> sizes;
  if (ctx.has_input(1)) {
    sizes = ctx.ConstInts(1);
  } else if (const Attribute* a = ctx.node().FindAttr("split")) {
    sizes = a->ints;
  } else if (d >= 0) {
    const int64_t parts = ctx.node().GetInt("num_outputs", static_cast<int64_t>(n));
    if (parts != static_cast<int64_t>(n))
      return ctx.Error("num_outputs is " + std::to_string(parts) + " but the node has " +
                       std::to_string(n) + " outputs");
    if (ctx.node().FindAttr("num_outputs")) {
      // Opset 18: chunks of ceil(d / n), the last one smaller.
      const int64_t chunk = (d + parts - 1) / parts;
      sizes = std::vector<int64_t>();
      int64_t left = d;
      for (size_t i = 0; i < n; ++i) {
        sizes->push_back(std::min(chunk, left));
        left -= sizes->back();
      }
      if (chunk * (parts - 1) >= d && parts > 1)
        return ctx.Error("cannot split " + std::to_string(d) + " into " + std::to_string(parts) +
                         " non-empty chunks");
    } else {
      if (d % parts != 0)
        return ctx.Error("cannot split dim " + std::to_string(axis) + " of size " +
                         std::to_string(d) + " into " + std::to_string(parts) + " equal parts");
      sizes = std::vector<int64_t>(n, d / parts);
    }
  }
  for (size_t i = 0; i < n; ++i) {
    Dims o = *x;
    o[axis] = kUnknownDim;
    if (sizes) {
      if (sizes->size() != n)
        return ctx.Error("split has " + std::to_string(sizes->size()) + " sizes for " +
                         std::to_string(n) + " outputs");
      o[axis] = (*sizes)[i];
      if ((*sizes)[i] < 0) return ctx.Error("split sizes must not be negative");
    }
    ctx.SetOutput(i, ctx.dtype(0), o);
  }
  if (sizes && d >= 0) {
    int64_t total = 0;
    for (int64_t s : *sizes) total += s;
    if (total != d)
      return ctx.Error("split sizes " + IntsToString(*sizes) + " add up to " +
                       std::to_string(total) + " but dim " + std::to_string(axis) + " is " +
                       std::to_string(d));
  }
  return OkStatus();
}

Status InferSlice(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 5));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  auto starts = ctx.ConstInts(1), ends = ctx.ConstInts(2);
  std::optional<std::vector<int64_t>> axes, steps;
  if (ctx.has_input(3)) {
    axes = ctx.ConstInts(3);
  } else if (starts) {
    axes = std::vector<int64_t>();
    for (size_t i = 0; i < starts->size(); ++i) axes->push_back(static_cast<int64_t>(i));
  }
  steps = ctx.has_input(4) ? ctx.ConstInts(4) : std::nullopt;
  if (!ctx.has_input(4) && starts) steps = std::vector<int64_t>(starts->size(), 1);
  Dims out = *x;
  if (!axes) {  // which axes are sliced is unknown: every dim may change
    ctx.SetOutput(0, ctx.dtype(0), Dims(x->size(), kUnknownDim));
    return OkStatus();
  }
  for (int64_t& a : *axes) PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
  if (!starts || !ends || !steps) {
    for (int64_t a : *axes) out[a] = kUnknownDim;
    ctx.SetOutput(0, ctx.dtype(0), out);
    return OkStatus();
  }
  const size_t n = axes->size();
  if (starts->size() != n || ends->size() != n || steps->size() != n)
    return ctx.Error("starts, ends, axes and steps have different lengths");
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = (*axes)[i];
    const int64_t step = (*steps)[i];
    if (step == 0) return ctx.Error("step must not be 0");
    const int64_t d = (*x)[a];
    if (d < 0) {
      out[a] = kUnknownDim;
      continue;
    }
    int64_t start = (*starts)[i], end = (*ends)[i];
    if (start < 0) start += d;
    if (end < 0) end += d;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, d);
      end = std::clamp<int64_t>(end, 0, d);
      out[a] = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, d - 1);
      end = std::clamp<int64_t>(end, -1, d - 1);
      out[a] = start > end ? (start - end + (-step) - 1) / (-step) : 0;
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferSqueeze(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto x = ctx.shape(0);
  bool present = false;
  auto axes = ReadAxes(ctx, 1, present);
  if (!x || !axes) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  std::vector<bool> drop(x->size(), false);
  if (!present || axes->empty()) {
    for (size_t i = 0; i < x->size(); ++i) {
      if ((*x)[i] < 0) {  // might or might not be 1
        ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
        return OkStatus();
      }
      drop[i] = (*x)[i] == 1;
    }
  } else {
    for (int64_t a : *axes) {
      PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
      if ((*x)[a] >= 0 && (*x)[a] != 1)
        return ctx.Error("cannot squeeze dim " + std::to_string(a) + " of size " +
                         std::to_string((*x)[a]) + " (input " + DimsToString(*x) + ")");
      drop[a] = true;
    }
  }
  Dims out;
  for (size_t i = 0; i < x->size(); ++i)
    if (!drop[i]) out.push_back((*x)[i]);
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferUnsqueeze(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 2));
  auto x = ctx.shape(0);
  bool present = false;
  auto axes = ReadAxes(ctx, 1, present);
  if (!present) return ctx.Error("missing axes");
  if (!x || !axes) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size() + axes->size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t a : *axes) {
    PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
    if (inserted[a]) return ctx.Error("axes " + IntsToString(*axes) + " repeat an axis");
    inserted[a] = true;
  }
  Dims out;
  size_t next = 0;
  for (int64_t i = 0; i < rank; ++i) out.push_back(inserted[i] ? 1 : (*x)[next++]);
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferGather(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0), idx = ctx.shape(1);
  if (!x || !idx) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  if (x->empty()) return ctx.Error("cannot gather from a scalar");
  int64_t axis = ctx.node().GetInt("axis", 0);
  PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  const int64_t d = (*x)[axis];
  if (auto values = ctx.ConstInts(1); values && d >= 0) {
    for (int64_t v : *values)
      if (v < -d || v >= d)
        return ctx.Error("index " + std::to_string(v) + " is out of range for dim " +
                         std::to_string(axis) + " of size " + std::to_string(d));
  }
  Dims out(x->begin(), x->begin() + axis);
  out.insert(out.end(), idx->begin(), idx->end());
  out.insert(out.end(), x->begin() + axis + 1, x->end());
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferGatherElements(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0), idx = ctx.shape(1);
  if (x && idx) {
    if (x->size() != idx->size())
      return ctx.Error("indices " + DimsToString(*idx) + " and data " + DimsToString(*x) +
                       " differ in rank");
    int64_t axis = ctx.node().GetInt("axis", 0);
    PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, axis, static_cast<int64_t>(x->size()), "axis"));
  }
  ctx.SetOutput(0, ctx.dtype(0), idx);
  return OkStatus();
}

Status InferScatterND(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 3));
  ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
  return OkStatus();
}

Status InferPad(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 4));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  std::optional<std::vector<int64_t>> pads =
      ctx.has_input(1) ? ctx.ConstInts(1) : ctx.node().GetInts("pads");
  std::optional<std::vector<int64_t>> axes;
  if (ctx.has_input(3)) {
    axes = ctx.ConstInts(3);
  } else {
    axes = std::vector<int64_t>();
    for (int64_t i = 0; i < rank; ++i) axes->push_back(i);
  }
  if (!axes) {
    ctx.SetOutput(0, ctx.dtype(0), Dims(x->size(), kUnknownDim));
    return OkStatus();
  }
  for (int64_t& a : *axes) PT2TF_RETURN_IF_ERROR(NormalizeAxis(ctx, a, rank, "axis"));
  Dims out = *x;
  if (!pads) {
    for (int64_t a : *axes) out[a] = kUnknownDim;
    ctx.SetOutput(0, ctx.dtype(0), out);
    return OkStatus();
  }
  const size_t n = axes->size();
  if (pads->size() != 2 * n)
    return ctx.Error("pads has " + std::to_string(pads->size()) + " values, expected " +
                     std::to_string(2 * n) + " for input " + DimsToString(*x));
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = (*axes)[i];
    if (out[a] < 0) continue;
    out[a] += (*pads)[i] + (*pads)[i + n];
    if (out[a] < 0)
      return ctx.Error("pads " + IntsToString(*pads) + " remove more than dim " +
                       std::to_string(a) + " of input " + DimsToString(*x) + " holds");
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferShape(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  auto x = ctx.shape(0);
  if (!x) {
    ctx.SetOutput(0, DType::kInt64, Dims{kUnknownDim});
    return OkStatus();
  }
  const int64_t rank = static_cast<int64_t>(x->size());
  int64_t start = ctx.node().GetInt("start", 0), end = ctx.node().GetInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  ctx.SetOutput(0, DType::kInt64, Dims{std::max<int64_t>(0, end - start)});
  return OkStatus();
}

Status InferSize(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  ctx.SetOutput(0, DType::kInt64, Dims{});
  return OkStatus();
}

Status InferExpand(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0);
  auto target = ctx.ConstInts(1);
  if (!x || !target) {
    const int64_t n = VectorLength(ctx, 1);
    if (x && n >= 0) {
      ctx.SetOutput(0, ctx.dtype(0),
                    Dims(static_cast<size_t>(std::max<int64_t>(n, x->size())), kUnknownDim));
    } else {
      ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    }
    return OkStatus();
  }
  for (int64_t d : *target)
    if (d < 0) return ctx.Error("shape " + IntsToString(*target) + " has a negative dim");
  Dims out;
  PT2TF_RETURN_IF_ERROR(Broadcast(ctx, *x, *target, out));
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferTile(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(2, 2));
  auto x = ctx.shape(0);
  auto repeats = ctx.ConstInts(1);
  if (!x) {
    ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
    return OkStatus();
  }
  Dims out(x->size(), kUnknownDim);
  if (repeats) {
    if (repeats->size() != x->size())
      return ctx.Error("repeats " + IntsToString(*repeats) + " does not fit input " +
                       DimsToString(*x));
    for (size_t i = 0; i < out.size(); ++i) {
      if ((*repeats)[i] < 0) return ctx.Error("repeats must not be negative");
      out[i] = (*x)[i] < 0 ? kUnknownDim : (*x)[i] * (*repeats)[i];
    }
  }
  ctx.SetOutput(0, ctx.dtype(0), out);
  return OkStatus();
}

Status InferConstant(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(0, 0));
  const Node& node = ctx.node();
  if (const Attribute* a = node.FindAttr("value"); a && a->type == AttrType::kTensor) {
    ctx.SetOutput(0, a->t.dtype(), a->t.shape());
  } else if (node.FindAttr("value_float")) {
    ctx.SetOutput(0, DType::kFloat32, Dims{});
  } else if (const Attribute* fs = node.FindAttr("value_floats")) {
    ctx.SetOutput(0, DType::kFloat32, Dims{static_cast<int64_t>(fs->floats.size())});
  } else if (node.FindAttr("value_int")) {
    ctx.SetOutput(0, DType::kInt64, Dims{});
  } else if (const Attribute* is = node.FindAttr("value_ints")) {
    ctx.SetOutput(0, DType::kInt64, Dims{static_cast<int64_t>(is->ints.size())});
  } else if (node.FindAttr("value_string")) {
    ctx.SetOutput(0, DType::kString, Dims{});
  } else if (const Attribute* ss = node.FindAttr("value_strings")) {
    ctx.SetOutput(0, DType::kString, Dims{static_cast<int64_t>(ss->strings.size())});
  } else {
    return ctx.Error("has no value attribute");
  }
  return OkStatus();
}

Status InferConstantOfShape(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  DType dtype = DType::kFloat32;
  if (const Attribute* a = ctx.node().FindAttr("value")) {
    if (a->type != AttrType::kTensor || a->t.numel() != 1)
      return ctx.Error("value must be a one-element tensor");
    dtype = a->t.dtype();
  }
  auto target = ctx.ConstInts(0);
  if (target) {
    for (int64_t d : *target)
      if (d < 0) return ctx.Error("shape " + IntsToString(*target) + " has a negative dim");
    ctx.SetOutput(0, dtype, *target);
  } else {
    const int64_t n = VectorLength(ctx, 0);
    ctx.SetOutput(
        0, dtype,
        n >= 0 ? std::optional<Dims>(Dims(static_cast<size_t>(n), kUnknownDim)) : std::nullopt);
  }
  return OkStatus();
}

Status InferRange(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, 3));
  for (size_t i = 0; i < 3; ++i) {
    auto s = ctx.shape(i);
    if (s && DimProduct(*s) != 1 && DimProduct(*s) != kUnknownDim)
      return ctx.Error("start, limit and delta must be scalars");
  }
  const DType dtype = ctx.dtype(0);
  Dims out = {kUnknownDim};
  if (IsInteger(dtype)) {
    auto start = ctx.ConstInts(0), limit = ctx.ConstInts(1), delta = ctx.ConstInts(2);
    if (start && limit && delta && !start->empty() && !limit->empty() && !delta->empty()) {
      const int64_t s = (*start)[0], l = (*limit)[0], d = (*delta)[0];
      if (d == 0) return ctx.Error("delta must not be 0");
      int64_t span;
      if (__builtin_sub_overflow(l, s, &span)) return ctx.Error("range length overflows");
      // ceil(span / d) in integers, for either sign of d
      int64_t n = span / d + ((span % d != 0) && ((span > 0) == (d > 0)) ? 1 : 0);
      out[0] = std::max<int64_t>(n, 0);
    }
  } else {
    auto start = ctx.ConstDoubles(0), limit = ctx.ConstDoubles(1), delta = ctx.ConstDoubles(2);
    if (start && limit && delta && !start->empty() && !limit->empty() && !delta->empty()) {
      const double d = (*delta)[0];
      if (d == 0) return ctx.Error("delta must not be 0");
      // The difference is taken at the input's precision, as runtimes do.
      double span = (*limit)[0] - (*start)[0];
      if (dtype == DType::kFloat32)
        span =
            static_cast<float>(static_cast<float>((*limit)[0]) - static_cast<float>((*start)[0]));
      const double count = std::ceil(span / d);
      if (!std::isfinite(count) || count > 9.0e18) return ctx.Error("range length overflows");
      out[0] = std::max<int64_t>(static_cast<int64_t>(count), 0);
    }
  }
  ctx.SetOutput(0, dtype, out);
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
