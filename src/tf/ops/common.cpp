#include "tf/ops/common.h"

#include <algorithm>

namespace pt2tf::tf {

Result<std::optional<std::vector<int64_t>>> ConstIntsInput(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  if (!v) return std::optional<std::vector<int64_t>>();
  const Tensor* t = EmitContext::ConstantOf(v);
  if (!t)
    return NodeUnsupported(node, "input " + std::to_string(i) + " ('" + v->name +
                                     "') must be a constant for the TensorFlow writer");
  if (!IsInteger(t->dtype()))
    return NodeUnsupported(node, "input '" + v->name + "' must hold integers");
  std::vector<int64_t> out(t->numel());
  for (int64_t k = 0; k < t->numel(); ++k) out[k] = t->ElementAsInt(k);
  return std::optional<std::vector<int64_t>>(std::move(out));
}

Result<std::optional<std::vector<double>>> ConstDoublesInput(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  if (!v) return std::optional<std::vector<double>>();
  const Tensor* t = EmitContext::ConstantOf(v);
  if (!t)
    return NodeUnsupported(node, "input " + std::to_string(i) + " ('" + v->name +
                                     "') must be a constant for the TensorFlow writer");
  std::vector<double> out(t->numel());
  for (int64_t k = 0; k < t->numel(); ++k) out[k] = t->ElementAsDouble(k);
  return std::optional<std::vector<double>>(std::move(out));
}

Result<tensorflow::DataType> InputType(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  if (!v) return InternalError(node.Describe() + ": missing input " + std::to_string(i));
  auto t = TfType(v->dtype);
  if (!t.ok()) return NodeUnsupported(node, t.status().message());
  return t;
}

Result<tensorflow::DataType> OutputType(const ir::Node& node, size_t i) {
  if (i >= node.outputs.size()) return InternalError(node.Describe() + ": missing output");
  auto t = TfType(node.outputs[i]->dtype);
  if (!t.ok()) return NodeUnsupported(node, t.status().message());
  return t;
}

Status RequireUnused(const ir::Node& node, size_t first, EmitContext& ctx) {
  for (size_t i = first; i < node.outputs.size(); ++i)
    if (ctx.IsUsed(node.outputs[i]))
      return NodeUnsupported(node, "output " + std::to_string(i) + " ('" + node.outputs[i]->name +
                                       "') is not supported");
  return OkStatus();
}

Perm PermAfterRemoving(const Perm& perm_in, int64_t rank, const std::vector<bool>& removed) {
  Perm perm = Normalize(perm_in, rank);
  // New index of each surviving IR axis.
  std::vector<int64_t> new_index(rank, -1);
  int64_t k = 0;
  for (int64_t a = 0; a < rank; ++a)
    if (!removed[a]) new_index[a] = k++;
  Perm out;
  for (int64_t a : perm)
    if (!removed[a]) out.push_back(new_index[a]);
  return IsIdentity(out) ? Perm{} : out;
}

Result<std::vector<int64_t>> NormalizeAxes(const ir::Node& node, std::vector<int64_t> axes,
                                           int64_t rank) {
  for (int64_t& a : axes)
    if (!NormalizeAxis(a, rank))
      return InvalidInput(node.Describe() + ": axis " + std::to_string(a) +
                          " out of range for rank " + std::to_string(rank));
  std::vector<int64_t> sorted = axes;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    return InvalidInput(node.Describe() + ": repeated axis");
  return axes;
}

Status NeedsStaticSpatial(const ir::Node& node, const std::string& what) {
  std::string dim = "a spatial dim";
  const ir::Value* x = node.input(0);
  if (x && x->shape)
    for (size_t i = 2; i < x->shape->size(); ++i)
      if ((*x->shape)[i] < 0) {
        dim = "dim " + std::to_string(i);
        break;
      }
  return NodeUnsupported(node, what + " needs static spatial dims (" + dim + " of '" +
                                   (x ? x->name : std::string("?")) +
                                   "' is dynamic; pin it with --input-shape)");
}

std::vector<int64_t> TfAxes(const Perm& perm, const std::vector<int64_t>& axes) {
  std::vector<int64_t> out;
  for (int64_t a : axes) out.push_back(TfAxis(perm, a));
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::pair<int64_t, int64_t>> SamePads(int64_t in, int64_t k, int64_t s, int64_t d) {
  if (in < 0) return std::nullopt;
  int64_t out = (in + s - 1) / s;
  int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
  return std::make_pair(total / 2, total - total / 2);
}

Result<WindowSpec> ResolveWindow(const ir::Node& node, const ir::Dims& spatial_in,
                                 const std::vector<int64_t>& kernel) {
  const size_t n = spatial_in.size();
  WindowSpec w;
  w.kernel = kernel;
  w.strides = node.GetInts("strides", std::vector<int64_t>(n, 1));
  w.dilations = node.GetInts("dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = node.GetInts("pads", std::vector<int64_t>(2 * n, 0));
  if (w.kernel.size() != n || w.strides.size() != n || w.dilations.size() != n ||
      pads.size() != 2 * n)
    return InvalidInput(node.Describe() + ": kernel_shape/strides/dilations/pads do not match " +
                        std::to_string(n) + " spatial dims");
  for (size_t i = 0; i < n; ++i)
    if (w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1 || pads[i] < 0 || pads[i + n] < 0)
      return InvalidInput(node.Describe() +
                          ": non-positive kernel/stride/dilation or negative pad");
  w.pads_begin.assign(pads.begin(), pads.begin() + n);
  w.pads_end.assign(pads.begin() + n, pads.end());
  const std::string auto_pad = node.GetString("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") return w;
  if (auto_pad == "VALID") {
    std::fill(w.pads_begin.begin(), w.pads_begin.end(), 0);
    std::fill(w.pads_end.begin(), w.pads_end.end(), 0);
    return w;
  }
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    return NodeUnsupported(node, "attribute auto_pad='" + auto_pad + "' is not supported");
  for (size_t i = 0; i < n; ++i) {
    auto same = SamePads(spatial_in[i], w.kernel[i], w.strides[i], w.dilations[i]);
    if (!same && auto_pad == "SAME_UPPER") {
      w.dynamic_same = true;  // TF's SAME is SAME_UPPER for every size
      continue;
    }
    if (!same) return NeedsStaticSpatial(node, "auto_pad=" + auto_pad);
    w.pads_begin[i] = auto_pad == "SAME_UPPER" ? same->first : same->second;
    w.pads_end[i] = auto_pad == "SAME_UPPER" ? same->second : same->first;
  }
  return w;
}

}  // namespace pt2tf::tf

namespace pt2tf::tf {

Result<BroadcastInputs> GetBroadcastInputs(const ir::Node& node, EmitContext& ctx,
                                           const std::vector<const ir::Value*>& inputs) {
  BroadcastInputs out;
  std::vector<int64_t> ranks;
  for (const ir::Value* v : inputs) {
    if (!v) return InvalidInput(node.Describe() + ": missing input");
    PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.Shape(v));
    ranks.push_back(static_cast<int64_t>(shape.size()));
    out.rank = std::max(out.rank, ranks.back());
  }
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (ranks[i] != out.rank || EmitContext::ConstantOf(inputs[i])) continue;
    PT2TF_ASSIGN_OR_RETURN(TfValue tv, ctx.Get(inputs[i]));
    if (!tv.flat && !tv.perm.empty()) {
      out.perm = tv.perm;
      break;
    }
  }
  for (const ir::Value* v : inputs) {
    PT2TF_ASSIGN_OR_RETURN(std::string t, ctx.GetBroadcastAs(v, out.rank, out.perm));
    out.tensors.push_back(std::move(t));
  }
  return out;
}

}  // namespace pt2tf::tf

namespace pt2tf::tf {

std::string EmitReduction(EmitContext& ctx, const std::string& op, const std::string& x,
                          const std::vector<int64_t>& axes, bool keep_dims, tensorflow::DataType t,
                          const std::string& hint) {
  std::string axes_const = ctx.ConstI32(axes, hint + "/axes");
  tensorflow::NodeDef& def = ctx.AddOp(op, hint, {x, axes_const});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tidx", tensorflow::DT_INT32);
  SetAttrBool(def, "keep_dims", keep_dims);
  return def.name();
}

}  // namespace pt2tf::tf

namespace pt2tf::tf {

Result<std::string> GetNhwc2d(const ir::Node& node, EmitContext& ctx, int64_t rank,
                              tensorflow::DataType t) {
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), ChannelsLast(rank)));
  if (rank == 4) return x;
  PT2TF_ASSIGN_OR_RETURN(std::string axis,
                         ctx.ConstScalar(DType::kInt32, 1, node.name + "/lift_axis"));
  tensorflow::NodeDef& def = ctx.AddOp("ExpandDims", node.name + "/lift", {x, axis});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tdim", tensorflow::DT_INT32);
  return def.name();
}

std::string Unlift1d(EmitContext& ctx, const std::string& y, tensorflow::DataType t,
                     const std::string& hint) {
  tensorflow::NodeDef& def = ctx.AddOp("Squeeze", hint, {y});
  SetAttrType(def, "T", t);
  SetAttrInts(def, "squeeze_dims", {1});
  return def.name();
}

}  // namespace pt2tf::tf

namespace pt2tf::tf {

Result<TfValue> PlainValue(const ir::Value* v, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, ctx.Get(v));
  if (tv.flat) {
    PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(v, {}));
    tv.perm.clear();
    tv.flat.reset();
  }
  return tv;
}

bool IsRuntimeInput(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  return v && !EmitContext::ConstantOf(v);
}

Result<std::string> RuntimeInput(const ir::Node& node, EmitContext& ctx, size_t i, bool scalar) {
  const ir::Value* v = node.input(i);
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
  if (!scalar) return x;
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.Shape(v));
  if (shape.empty()) return x;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, i));
  return ctx.Reshape(x, {}, t, node.name + "/scalar");
}

Result<ir::Dims> ReshapeableOutputShape(const ir::Node& node, EmitContext& ctx, size_t i) {
  auto shape = ctx.Shape(node.outputs[i]);
  int unknown = 0;
  if (shape.ok())
    for (int64_t d : *shape) unknown += d < 0;
  if (!shape.ok() || unknown > 1)
    return NodeUnsupported(node, "its output shape depends on a run-time input and is not known");
  return *shape;
}

std::string EmitCast(EmitContext& ctx, const std::string& x, tensorflow::DataType from,
                     tensorflow::DataType to, const std::string& hint) {
  if (from == to) return x;
  tensorflow::NodeDef& c = ctx.AddOp("Cast", hint, {x});
  SetAttrType(c, "SrcT", from);
  SetAttrType(c, "DstT", to);
  SetAttrBool(c, "Truncate", false);
  return c.name();
}

std::string EmitGatherV2(EmitContext& ctx, const std::string& name, const std::string& params,
                         const std::string& indices, const std::string& axis,
                         tensorflow::DataType t, tensorflow::DataType ti) {
  tensorflow::NodeDef& g = ctx.AddOp("GatherV2", name, {params, indices, axis});
  SetAttrType(g, "Tparams", t);
  SetAttrType(g, "Tindices", ti);
  SetAttrType(g, "Taxis", tensorflow::DT_INT32);
  SetAttrInt(g, "batch_dims", 0);
  return g.name();
}

std::string RunTimeShape(EmitContext& ctx, const std::string& x, tensorflow::DataType t,
                         const std::string& hint) {
  tensorflow::NodeDef& sh = ctx.AddOp("Shape", hint, {x});
  SetAttrType(sh, "T", t);
  SetAttrType(sh, "out_type", tensorflow::DT_INT64);
  return sh.name();
}

std::string RunTimeDims(EmitContext& ctx, const std::string& shape, int64_t begin, int64_t count,
                        const std::string& hint) {
  tensorflow::NodeDef& n = ctx.AddOp(
      "Slice", hint + "/slice",
      {shape, ctx.ConstI64({begin}, hint + "/at"), ctx.ConstI64({count}, hint + "/count")});
  SetAttrType(n, "T", tensorflow::DT_INT64);
  SetAttrType(n, "Index", tensorflow::DT_INT64);
  return n.name();
}

std::string RunTimeDim(EmitContext& ctx, const std::string& shape, int64_t d,
                       const std::string& hint) {
  return ctx.Reshape(RunTimeDims(ctx, shape, d, 1, hint), {}, tensorflow::DT_INT64, hint);
}

Result<std::string> RangeAlong(EmitContext& ctx, const std::string& limit, const ir::Dims& shape,
                               const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(std::string zero, ctx.ConstScalar(DType::kInt64, 0, hint + "/start"));
  PT2TF_ASSIGN_OR_RETURN(std::string step, ctx.ConstScalar(DType::kInt64, 1, hint + "/step"));
  tensorflow::NodeDef& range = ctx.AddOp("Range", hint, {zero, limit, step});
  SetAttrType(range, "Tidx", tensorflow::DT_INT64);
  return ctx.Reshape(range.name(), shape, tensorflow::DT_INT64, hint + "/along");
}

}  // namespace pt2tf::tf
