// Ops that move or relabel dims: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand,
// Tile, Shape, Size, ConstantOfShape, Constant.
//
// Layout notes: a Transpose only relabels the layout (no TF op unless a consumer needs
// another layout); a Reshape of an NHWC tensor is free when only size-1 dims move, becomes a
// FlatOrder [N, H*W*C] matrix when it flattens to [N, K] (Gemm/MatMul permute their weights
// to match), and otherwise goes back to the IR layout first.
#include <numeric>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

int64_t Product(const ir::Dims& dims, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) {
    if (dims[i] < 0) return -1;
    p *= dims[i];
  }
  return p;
}

// Reshapes input 0 to `target` (ONNX dims already resolved: at most one -1).
Status ReshapeTo(const ir::Node& node, EmitContext& ctx, ir::Dims target) {
  const ir::Value* x = node.input(0);
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(x));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(x, ctx));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (!tv.perm.empty()) {
    Perm to_ir = Relative(tv.perm, {}, rank);
    ir::Dims tf_dims = Permute(xs, tv.perm);
    if (IsPureReshape(tf_dims, to_ir)) {
      // Same element order as the IR layout: reshape the TF tensor directly.
    } else if (tv.perm[0] == 0 && target.size() == 2 && rank >= 2 &&
               target[1] == Product(xs, 1, xs.size()) && target[1] >= 0 &&
               (target[0] == xs[0] || target[0] == -1)) {
      FlatOrder flat;
      flat.inner.assign(xs.begin() + 1, xs.end());
      for (size_t i = 1; i < tv.perm.size(); ++i) flat.inner_perm.push_back(tv.perm[i] - 1);
      std::string y = ctx.Reshape(tv.tensor, {-1, target[1]}, t, node.name);
      ctx.Set(node.outputs[0], TfValue{y, {}, std::move(flat)});
      return OkStatus();
    } else {
      PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(x, {}));
    }
  }
  std::string y = ctx.Reshape(tv.tensor, target, t, node.name);
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

// Ops whose axes arrive at run time but whose output shape is known: a Reshape to it.
Status ReshapeToOutput(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims out, ReshapeableOutputShape(node, ctx, 0));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  ctx.Set(node.outputs[0], TfValue{ctx.Reshape(x, out, t, node.name), {}, std::nullopt});
  return OkStatus();
}

Result<std::vector<int64_t>> AxesOf(const ir::Node& node, size_t input) {
  PT2TF_ASSIGN_OR_RETURN(auto axes, ConstIntsInput(node, input));
  if (axes) return *axes;
  return node.GetInts("axes");
}

}  // namespace

// Reshape to the int64 shape tensor `target` of `k` entries, whose 0 entries (unless
// allowzero) copy the input dim: selected at run time from the input's TF shape.
static Status ReshapeAtRunTime(const ir::Node& node, EmitContext& ctx, std::string target,
                               int64_t k) {
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  if (node.GetInt("allowzero", 0) == 0) {
    if (k < 0) return NodeUnsupported(node, "a run-time shape of unknown length");
    const int64_t rank = static_cast<int64_t>(xs.size());
    tensorflow::NodeDef& sx = ctx.AddOp("Shape", node.name + "/input_shape", {x});
    SetAttrType(sx, "T", t);
    SetAttrType(sx, "out_type", tensorflow::DT_INT64);
    std::string input_dims = sx.name();
    if (k < rank) {
      std::string b = ctx.ConstI64({0}, node.name + "/begin");
      std::string n = ctx.ConstI64({k}, node.name + "/size");
      tensorflow::NodeDef& head = ctx.AddOp("Slice", node.name + "/input_dims", {input_dims, b, n});
      SetAttrType(head, "T", tensorflow::DT_INT64);
      SetAttrType(head, "Index", tensorflow::DT_INT64);
      input_dims = head.name();
    } else if (k > rank) {
      // A 0 past the input rank copies nothing (ONNX rejects it): pad with zeros.
      std::string zeros = ctx.ConstI64(std::vector<int64_t>(k - rank, 0), node.name + "/no_dims");
      std::string axis = ctx.ConstI32({0}, node.name + "/concat_axis", ir::Dims{});
      tensorflow::NodeDef& cat =
          ctx.AddOp("ConcatV2", node.name + "/input_dims", {input_dims, zeros, axis});
      SetAttrType(cat, "T", tensorflow::DT_INT64);
      SetAttrInt(cat, "N", 2);
      SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
      input_dims = cat.name();
    }
    PT2TF_ASSIGN_OR_RETURN(std::string zero,
                           ctx.ConstScalar(DType::kInt64, 0, node.name + "/zero"));
    std::string is_zero =
        ctx.Binary("Equal", target, zero, tensorflow::DT_INT64, node.name + "/is_zero");
    tensorflow::NodeDef& sel =
        ctx.AddOp("SelectV2", node.name + "/target", {is_zero, input_dims, target});
    SetAttrType(sel, "T", tensorflow::DT_INT64);
    target = sel.name();
  }
  tensorflow::NodeDef& def = ctx.AddOp("Reshape", node.name, {x, target});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tshape", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitReshape(const ir::Node& node, EmitContext& ctx) {
  if (IsRuntimeInput(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims ss, ctx.StaticShape(node.input(1)));
    if (ss.size() != 1 || node.input(1)->dtype != DType::kInt64)
      return InvalidInput(node.Describe() + ": shape must be a 1-D int64 tensor");
    // Shape inference may know the result up to one dim (x.view(x.size(0), -1) over a
    // run-time batch is [?, C*H*W]): a constant target then says the same, and keeps the
    // static dims for what follows (a MatMul, a TFLite FULLY_CONNECTED). An empty result
    // keeps the run-time target (a static empty output is one LiteRT refuses to load).
    const auto& ys = node.outputs[0]->shape;
    if (ys && std::count(ys->begin(), ys->end(), ir::kUnknownDim) <= 1 &&
        std::count(ys->begin(), ys->end(), 0) == 0)
      return ReshapeTo(node, ctx, *ys);
    PT2TF_ASSIGN_OR_RETURN(std::string target, RuntimeInput(node, ctx, 1, false));
    return ReshapeAtRunTime(node, ctx, target, ss[0]);
  }
  PT2TF_ASSIGN_OR_RETURN(auto shape, ConstIntsInput(node, 1));
  if (!shape) return InvalidInput(node.Describe() + ": missing shape input");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const bool allow_zero = node.GetInt("allowzero", 0) != 0;
  ir::Dims target = *shape;
  int minus_one = 0;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allow_zero) {
      if (i >= xs.size()) return InvalidInput(node.Describe() + ": 0 in shape past the input rank");
      target[i] = xs[i];
    }
    if (target[i] < -1) return InvalidInput(node.Describe() + ": invalid shape entry");
    if (target[i] == -1) ++minus_one;
  }
  if (minus_one > 1) {
    // 0 entries copying dynamic dims (e.g. [0, 0, -1] over a dynamic batch): TF's Reshape has
    // no copy entry, so the target is completed from the input's shape at run time.
    bool copies_dynamic = false;
    for (size_t i = 0; i < shape->size(); ++i)
      copies_dynamic |= (*shape)[i] == 0 && !allow_zero && xs[i] < 0;
    if (!copies_dynamic) return NodeUnsupported(node, "the target shape has several unknown dims");
    return ReshapeAtRunTime(node, ctx, ctx.ConstI64(*shape, node.name + "/shape"),
                            static_cast<int64_t>(shape->size()));
  }
  // Resolve the -1 when everything is known, so later emitters see static dims.
  const int64_t total = Product(xs, 0, xs.size());
  if (minus_one == 1 && total >= 0) {
    int64_t known = 1;
    for (int64_t d : target)
      if (d != -1) known *= d;
    for (int64_t& d : target)
      if (d == -1 && known > 0) d = total / known;
  }
  return ReshapeTo(node, ctx, target);
}

Status EmitFlatten(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) return InvalidInput(node.Describe() + ": axis out of range");
  int64_t outer = Product(xs, 0, axis), inner = Product(xs, axis, xs.size());
  if (outer >= 0 || inner >= 0) return ReshapeTo(node, ctx, {outer, inner});
  // Both groups hold run-time dims: the target is [prod(shape[:axis]), -1], computed in the graph.
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  tensorflow::NodeDef& sx = ctx.AddOp("Shape", node.name + "/input_shape", {x});
  SetAttrType(sx, "T", t);
  SetAttrType(sx, "out_type", tensorflow::DT_INT64);
  const std::string input_dims = sx.name();
  tensorflow::NodeDef& head = ctx.AddOp("Slice", node.name + "/outer_dims",
                                        {input_dims, ctx.ConstI64({0}, node.name + "/begin"),
                                         ctx.ConstI64({axis}, node.name + "/size")});
  SetAttrType(head, "T", tensorflow::DT_INT64);
  SetAttrType(head, "Index", tensorflow::DT_INT64);
  const std::string outer_dims = head.name();
  tensorflow::NodeDef& prod = ctx.AddOp("Prod", node.name + "/outer",
                                        {outer_dims, ctx.ConstI32({0}, node.name + "/prod_axis")});
  SetAttrType(prod, "T", tensorflow::DT_INT64);
  SetAttrType(prod, "Tidx", tensorflow::DT_INT32);
  SetAttrBool(prod, "keep_dims", true);
  const std::string outer_t = prod.name();
  tensorflow::NodeDef& cat = ctx.AddOp("ConcatV2", node.name + "/target",
                                       {outer_t, ctx.ConstI64({-1}, node.name + "/rest"),
                                        ctx.ConstI32({0}, node.name + "/axis", ir::Dims{})});
  SetAttrType(cat, "T", tensorflow::DT_INT64);
  SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
  SetAttrInt(cat, "N", 2);
  const std::string target = cat.name();
  tensorflow::NodeDef& def = ctx.AddOp("Reshape", node.name, {x, target});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tshape", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitTranspose(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  Perm p = node.GetInts("perm");
  if (p.empty())
    for (int64_t i = rank; i-- > 0;) p.push_back(i);
  Perm sorted = p;
  std::sort(sorted.begin(), sorted.end());
  if (static_cast<int64_t>(p.size()) != rank || sorted != Normalize({}, rank))
    return InvalidInput(node.Describe() + ": perm is not a permutation of the input dims");
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  // tv.tensor = x.permute(tp) and y = x.permute(p), so tv.tensor = y.permute(inv(p)[tp]).
  Perm tp = Normalize(tv.perm, rank), inv = Inverse(p), out(rank);
  for (int64_t i = 0; i < rank; ++i) out[i] = inv[tp[i]];
  ctx.Set(node.outputs[0], TfValue{tv.tensor, out, std::nullopt});
  return OkStatus();
}

Status EmitSqueeze(const ir::Node& node, EmitContext& ctx) {
  if (IsRuntimeInput(node, 1)) return ReshapeToOutput(node, ctx);
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(node, 1));
  if (axes.empty() && !node.input(1)) {
    for (int64_t a = 0; a < rank; ++a) {
      if (xs[a] < 0) return NodeUnsupported(node, "squeezing all unit dims of an unknown shape");
      if (xs[a] == 1) axes.push_back(a);
    }
  }
  PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, axes, rank));
  std::vector<bool> removed(rank, false);
  for (int64_t a : axes) {
    if (xs[a] > 1) return InvalidInput(node.Describe() + ": squeezed dim is not 1");
    removed[a] = true;
  }
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  if (axes.empty()) {
    ctx.Set(node.outputs[0], tv);
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  tensorflow::NodeDef& def = ctx.AddOp("Squeeze", node.name, {tv.tensor});
  SetAttrType(def, "T", t);
  SetAttrInts(def, "squeeze_dims", TfAxes(tv.perm, axes));
  ctx.Set(node.outputs[0],
          TfValue{def.name(), PermAfterRemoving(tv.perm, rank, removed), std::nullopt});
  return OkStatus();
}

Status EmitUnsqueeze(const ir::Node& node, EmitContext& ctx) {
  if (IsRuntimeInput(node, 1)) return ReshapeToOutput(node, ctx);
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, AxesOf(node, 1));
  const int64_t out_rank = static_cast<int64_t>(xs.size() + axes.size());
  PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, axes, out_rank));
  std::sort(axes.begin(), axes.end());
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::string y, ctx.GetAs(node.input(0), {}));
  for (size_t i = 0; i < axes.size(); ++i) {
    PT2TF_ASSIGN_OR_RETURN(
        std::string ax,
        ctx.ConstScalar(DType::kInt32, static_cast<double>(axes[i]), node.name + "/axis"));
    tensorflow::NodeDef& def = ctx.AddOp("ExpandDims", node.name, {y, ax});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tdim", tensorflow::DT_INT32);
    y = def.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitExpand(const ir::Node& node, EmitContext& ctx) {
  // A constant target that keeps a run-time dim of x (a 1 there: `x.repeat(n, 1)` exports
  // as Expand(x, [1, 1]) before its Tile) leaves that dim to the run too.
  bool keeps_runtime_dim = false;
  if (!IsRuntimeInput(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(auto shape, ConstIntsInput(node, 1));
    PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
    if (shape)
      for (size_t k = 0; k < xs.size(); ++k) {
        const size_t from_end = xs.size() - k;
        const int64_t b = from_end <= shape->size() ? (*shape)[shape->size() - from_end] : 1;
        keeps_runtime_dim |= xs[k] < 0 && b == 1;
      }
  }
  if (IsRuntimeInput(node, 1) || keeps_runtime_dim) {
    // BroadcastTo(x, BroadcastArgs(shape(x), shape)): ONNX's two-way broadcast.
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    if (node.input(1)->dtype != DType::kInt64)
      return InvalidInput(node.Describe() + ": shape must be int64");
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
    std::string shape;
    if (keeps_runtime_dim) {
      PT2TF_ASSIGN_OR_RETURN(auto dims, ConstIntsInput(node, 1));
      shape = ctx.ConstI64(*dims, node.name + "/target_dims");
    } else {
      PT2TF_ASSIGN_OR_RETURN(shape, RuntimeInput(node, ctx, 1, false));
    }
    tensorflow::NodeDef& sx = ctx.AddOp("Shape", node.name + "/input_shape", {x});
    SetAttrType(sx, "T", t);
    SetAttrType(sx, "out_type", tensorflow::DT_INT64);
    std::string target =
        ctx.Binary("BroadcastArgs", sx.name(), shape, tensorflow::DT_INT64, node.name + "/target");
    tensorflow::NodeDef& def = ctx.AddOp("BroadcastTo", node.name, {x, target});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tidx", tensorflow::DT_INT64);
    ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(auto shape, ConstIntsInput(node, 1));
  if (!shape) return InvalidInput(node.Describe() + ": missing shape input");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const size_t rank = std::max(xs.size(), shape->size());
  ir::Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i + xs.size() >= rank ? xs[i + xs.size() - rank] : 1;
    int64_t b = i + shape->size() >= rank ? (*shape)[i + shape->size() - rank] : 1;
    if (a < 0 && b <= 1) return NodeUnsupported(node, "Expand of an unknown dim");
    if (a != 1 && b != 1 && a != b && a >= 0)
      return InvalidInput(node.Describe() + ": shapes do not broadcast");
    out[i] = a == 1 ? b : a;
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  Perm perm;
  if (xs.size() == rank && !tv.perm.empty()) {
    perm = tv.perm;
  } else {
    PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(node.input(0), {}));
  }
  std::string dims = ctx.ConstI64(Permute(out, perm), node.name + "/shape");
  tensorflow::NodeDef& def = ctx.AddOp("BroadcastTo", node.name, {tv.tensor, dims});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tidx", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), perm, std::nullopt});
  return OkStatus();
}

Status EmitTile(const ir::Node& node, EmitContext& ctx) {
  if (IsRuntimeInput(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tm, InputType(node, 1));
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
    PT2TF_ASSIGN_OR_RETURN(std::string m, RuntimeInput(node, ctx, 1, false));
    tensorflow::NodeDef& def = ctx.AddOp("Tile", node.name, {x, m});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tmultiples", tm);
    ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(auto repeats, ConstIntsInput(node, 1));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (!repeats || repeats->size() != xs.size())
    return InvalidInput(node.Describe() + ": repeats must have one entry per dim");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  std::string m = ctx.ConstI64(Permute(*repeats, tv.perm), node.name + "/multiples");
  tensorflow::NodeDef& def = ctx.AddOp("Tile", node.name, {tv.tensor, m});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tmultiples", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), tv.perm, std::nullopt});
  return OkStatus();
}

Status EmitShape(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t start = node.GetInt("start", 0), end = node.GetInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  ir::Dims dims(xs.begin() + start, xs.begin() + end);
  bool known = std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d >= 0; });
  std::string y;
  if (known) {
    y = ctx.ConstI64(dims, node.name);
  } else {
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
    tensorflow::NodeDef& def = ctx.AddOp("Shape", node.name + "/full", {x});
    SetAttrType(def, "T", t);
    SetAttrType(def, "out_type", tensorflow::DT_INT64);
    std::string b = ctx.ConstI64({start}, node.name + "/begin");
    std::string s = ctx.ConstI64({end - start}, node.name + "/size");
    tensorflow::NodeDef& slice = ctx.AddOp("Slice", node.name, {def.name(), b, s});
    SetAttrType(slice, "T", tensorflow::DT_INT64);
    SetAttrType(slice, "Index", tensorflow::DT_INT64);
    y = slice.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitSize(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  int64_t n = Product(xs, 0, xs.size());
  std::string y;
  if (n >= 0) {
    PT2TF_ASSIGN_OR_RETURN(y, ctx.ConstScalar(DType::kInt64, static_cast<double>(n), node.name));
  } else {
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(TfValue tv, ctx.Get(node.input(0)));
    tensorflow::NodeDef& def = ctx.AddOp("Size", node.name, {tv.tensor});
    SetAttrType(def, "T", t);
    SetAttrType(def, "out_type", tensorflow::DT_INT64);
    y = def.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitConstantOfShape(const ir::Node& node, EmitContext& ctx) {
  std::optional<std::vector<int64_t>> shape;
  if (!IsRuntimeInput(node, 0)) {
    PT2TF_ASSIGN_OR_RETURN(shape, ConstIntsInput(node, 0));
    if (!shape) return InvalidInput(node.Describe() + ": missing shape input");
  }
  DType dtype = DType::kFloat32;
  double value = 0;
  if (const ir::Attribute* a = node.FindAttr("value")) {
    if (a->type != ir::AttrType::kTensor || a->t.numel() != 1)
      return InvalidInput(node.Describe() + ": value must be a one-element tensor");
    dtype = a->t.dtype();
    value = a->t.ElementAsDouble(0);
    if (dtype == DType::kInt64 || dtype == DType::kUInt64)
      value = static_cast<double>(a->t.ElementAsInt(0));
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(dtype));
  PT2TF_ASSIGN_OR_RETURN(std::string v, ctx.ConstScalar(dtype, value, node.name + "/value"));
  std::string dims;
  if (shape) {
    dims = ctx.ConstI64(*shape, node.name + "/shape");
  } else {
    PT2TF_ASSIGN_OR_RETURN(dims, RuntimeInput(node, ctx, 0, false));
  }
  tensorflow::NodeDef& def = ctx.AddOp("Fill", node.name, {dims, v});
  SetAttrType(def, "T", t);
  SetAttrType(def, "index_type", tensorflow::DT_INT64);
  ctx.Set(node.outputs[0], TfValue{def.name(), {}, std::nullopt});
  return OkStatus();
}

Status EmitConstant(const ir::Node& node, EmitContext& ctx) {
  const ir::Attribute* a = node.FindAttr("value");
  if (!a || a->type != ir::AttrType::kTensor)
    return NodeUnsupported(node, "only the 'value' (tensor) form is supported");
  PT2TF_ASSIGN_OR_RETURN(std::string y, ctx.AddConst(a->t, node.name));
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
