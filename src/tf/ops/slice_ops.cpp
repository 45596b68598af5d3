// Ops indexing along axes: Concat, Split, Slice, Gather, Pad. Each works in its input's
// layout with the axis (or per-axis pads/starts) remapped to TF's dim order.
#include <algorithm>
#include <cstring>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

Result<std::string> AxisConst(EmitContext& ctx, int64_t axis, const std::string& hint) {
  return ctx.ConstScalar(DType::kInt32, static_cast<double>(axis), hint);
}

}  // namespace

Status EmitConcat(const ir::Node& node, EmitContext& ctx) {
  if (node.inputs.empty()) return InvalidInput(node.Describe() + ": no inputs");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  for (const ir::Value* v : node.inputs) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims s, ctx.Shape(v));
    if (static_cast<int64_t>(s.size()) != rank)
      return InvalidInput(node.Describe() + ": inputs differ in rank");
  }
  int64_t axis = node.GetInt("axis", 0);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  std::vector<const ir::Value*> values(node.inputs.begin(), node.inputs.end());
  PT2TF_ASSIGN_OR_RETURN(BroadcastInputs in, GetBroadcastInputs(node, ctx, values));
  std::string y;
  if (in.tensors.size() == 1) {  // the output is the input: no node, no Identity
    y = in.tensors[0];
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::string ax,
                           AxisConst(ctx, TfAxis(in.perm, axis), node.name + "/axis"));
    std::vector<std::string> inputs = in.tensors;
    inputs.push_back(ax);
    tensorflow::NodeDef& def = ctx.AddOp("ConcatV2", node.name, inputs);
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tidx", tensorflow::DT_INT32);
    SetAttrInt(def, "N", static_cast<int64_t>(in.tensors.size()));
    y = def.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, std::nullopt});
  return OkStatus();
}

namespace {

// SplitV of `x` along ONNX `axis` into the node's outputs; `sizes` is a tensor of `sizes_type`.
Status EmitSplitV(const ir::Node& node, EmitContext& ctx, const TfValue& x, tensorflow::DataType t,
                  int64_t axis, const std::string& sizes, tensorflow::DataType sizes_type) {
  PT2TF_ASSIGN_OR_RETURN(std::string ax, AxisConst(ctx, TfAxis(x.perm, axis), node.name + "/axis"));
  tensorflow::NodeDef& def = ctx.AddOp("SplitV", node.name, {x.tensor, sizes, ax});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tlen", sizes_type);
  SetAttrInt(def, "num_split", static_cast<int64_t>(node.outputs.size()));
  const std::string name = def.name();
  for (size_t i = 0; i < node.outputs.size(); ++i)
    ctx.Set(node.outputs[i],
            TfValue{i == 0 ? name : name + ":" + std::to_string(i), x.perm, std::nullopt});
  return OkStatus();
}

}  // namespace

Status EmitSplit(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", 0);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  const int64_t n = static_cast<int64_t>(node.outputs.size());
  if (IsRuntimeInput(node, 1)) {  // SplitV takes the sizes as a tensor
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ts, InputType(node, 1));
    PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
    PT2TF_ASSIGN_OR_RETURN(std::string sizes, RuntimeInput(node, ctx, 1, false));
    if (ts == tensorflow::DT_INT64) {  // TFLite's SPLIT_V takes int32 sizes only
      tensorflow::NodeDef& cast = ctx.AddOp("Cast", node.name + "/sizes32", {sizes});
      SetAttrType(cast, "SrcT", ts);
      SetAttrType(cast, "DstT", tensorflow::DT_INT32);
      sizes = cast.name();
    }
    return EmitSplitV(node, ctx, tv, t, axis, sizes, tensorflow::DT_INT32);
  }
  PT2TF_ASSIGN_OR_RETURN(auto split, ConstIntsInput(node, 1));
  std::vector<int64_t> sizes;
  if (split) {
    sizes = *split;
  } else {
    if (!node.FindAttr("split")) {
      const int64_t dim = xs[axis];
      if (dim < 0)
        return NodeUnsupported(node,
                               "splitting a dim known only at run time into equal parts: it must "
                               "be known when converting (pin the input shapes with "
                               "--input-shape or --batch)");
      const int64_t chunk = (dim + n - 1) / n;
      for (int64_t i = 0; i < n; ++i) sizes.push_back(std::min(chunk, dim - chunk * i));
    } else {
      sizes = node.GetInts("split");
    }
  }
  if (static_cast<int64_t>(sizes.size()) != n)
    return InvalidInput(node.Describe() + ": split sizes do not match the output count");
  int64_t sum = 0;
  for (int64_t s : sizes) {
    if (s < 0) return InvalidInput(node.Describe() + ": negative split size");
    sum += s;
  }
  if (xs[axis] >= 0 && sum != xs[axis])
    return InvalidInput(node.Describe() + ": split sizes do not add up to the dim");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  // int32 sizes: TFLite's converter cannot lower a SplitV with int64 ones.
  return EmitSplitV(node, ctx, tv, t, axis, ctx.ConstI32(sizes, node.name + "/sizes"),
                    tensorflow::DT_INT32);
}

namespace {

// The number of entries of Slice input `i` (starts or ends): its constant's length, or the
// static length of the 1-D tensor computed at run time.
Result<size_t> SliceBoundCount(const ir::Node& node, EmitContext& ctx, size_t i) {
  const ir::Value* v = node.input(i);
  if (!v) return InvalidInput(node.Describe() + ": starts and ends are required");
  if (const Tensor* c = EmitContext::ConstantOf(v)) return static_cast<size_t>(c->numel());
  PT2TF_ASSIGN_OR_RETURN(ir::Dims s, ctx.Shape(v));
  if (s.size() != 1 || s[0] < 0)
    return NodeUnsupported(node,
                           "input '" + v->name + "' computed at run time needs a static 1-D shape");
  return static_cast<size_t>(s[0]);
}

// Slice input `i` (k entries, for IR axes `axes`) as an int64 [rank] tensor in TF dim order
// `p`; dims not sliced get 0 (masked by the caller). A constant becomes a Const; a run-time
// tensor is gathered: Gather(Concat(bounds, [0]), slot of each TF dim).
Result<std::string> SliceBoundsTensor(const ir::Node& node, EmitContext& ctx, size_t i,
                                      const std::vector<int64_t>& axes, const Perm& p,
                                      const std::vector<int64_t>& const_values) {
  const int64_t rank = static_cast<int64_t>(p.size());
  const int64_t k = static_cast<int64_t>(axes.size());
  std::vector<int64_t> slot(rank, k);  // k: the appended zero
  for (int64_t d = 0; d < rank; ++d)
    for (int64_t j = 0; j < k; ++j)
      if (axes[j] == p[d]) slot[d] = j;
  const std::string hint = node.name + (i == 1 ? "/begin" : "/end");
  if (!IsRuntimeInput(node, i)) {
    std::vector<int64_t> out(rank, 0);
    for (int64_t d = 0; d < rank; ++d)
      if (slot[d] < k) out[d] = const_values[slot[d]];
    return ctx.ConstI64(out, hint);
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ti, InputType(node, i));
  PT2TF_ASSIGN_OR_RETURN(std::string v, RuntimeInput(node, ctx, i, false));
  if (ti != tensorflow::DT_INT64) {
    tensorflow::NodeDef& cast = ctx.AddOp("Cast", hint + "64", {v});
    SetAttrType(cast, "SrcT", ti);
    SetAttrType(cast, "DstT", tensorflow::DT_INT64);
    v = cast.name();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string axis0, AxisConst(ctx, 0, hint + "/axis"));
  tensorflow::NodeDef& cat =
      ctx.AddOp("ConcatV2", hint + "/padded", {v, ctx.ConstI64({0}, hint + "/zero"), axis0});
  SetAttrType(cat, "T", tensorflow::DT_INT64);
  SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
  SetAttrInt(cat, "N", 2);
  const std::string padded = cat.name();
  return EmitGatherV2(ctx, hint, padded, ctx.ConstI32(slot, hint + "/slots"), axis0,
                      tensorflow::DT_INT64);
}

// A Slice with starts/ends computed at run time or over a dim of unknown size. TF's
// StridedSlice counts negative bounds from the end and clamps them as ONNX does, except for
// a negative step with a start below -dim (ONNX clamps it to 0, TF to "before the first"),
// so such starts must be constants that can be resolved here.
Status EmitDynamicSlice(const ir::Node& node, EmitContext& ctx, const ir::Dims& xs,
                        std::vector<int64_t> axes, const std::vector<int64_t>& steps,
                        std::optional<std::vector<int64_t>> starts,
                        const std::optional<std::vector<int64_t>>& ends) {
  const int64_t rank = static_cast<int64_t>(xs.size());
  const size_t k = axes.size();
  for (size_t i = 0; i < k; ++i) {
    if (steps[i] == 0) return InvalidInput(node.Describe() + ": step 0");
    if (steps[i] > 0) continue;
    if (!starts) return NodeUnsupported(node, "a negative step with starts computed at run time");
    int64_t& s = (*starts)[i];
    const int64_t dim = xs[axes[i]];
    if (dim >= 0) {
      s = std::clamp<int64_t>(s < 0 ? s + dim : s, 0, std::max<int64_t>(dim - 1, 0));
    } else if (s < -1) {
      return NodeUnsupported(node, "a negative step from start " + std::to_string(s) +
                                       " over dim " + std::to_string(axes[i]) +
                                       " of unknown size (pin it with --input-shape)");
    }
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  const Perm p = Normalize(tv.perm, rank);
  PT2TF_ASSIGN_OR_RETURN(
      std::string bc,
      SliceBoundsTensor(node, ctx, 1, axes, p, starts.value_or(std::vector<int64_t>())));
  PT2TF_ASSIGN_OR_RETURN(std::string ec, SliceBoundsTensor(node, ctx, 2, axes, p,
                                                           ends.value_or(std::vector<int64_t>())));
  std::vector<int64_t> strides(rank, 1);
  int64_t mask = 0;
  for (int64_t d = 0; d < rank; ++d) {
    bool sliced = false;
    for (size_t j = 0; j < k; ++j)
      if (axes[j] == p[d]) strides[d] = steps[j], sliced = true;
    if (!sliced) mask |= int64_t{1} << d;
  }
  std::string sc = ctx.ConstI64(strides, node.name + "/strides");
  tensorflow::NodeDef& def = ctx.AddOp("StridedSlice", node.name, {tv.tensor, bc, ec, sc});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Index", tensorflow::DT_INT64);
  SetAttrInt(def, "begin_mask", mask);
  SetAttrInt(def, "end_mask", mask);
  SetAttrInt(def, "ellipsis_mask", 0);
  SetAttrInt(def, "new_axis_mask", 0);
  SetAttrInt(def, "shrink_axis_mask", 0);
  ctx.Set(node.outputs[0], TfValue{def.name(), tv.perm, std::nullopt});
  return OkStatus();
}

}  // namespace

Status EmitSlice(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  PT2TF_ASSIGN_OR_RETURN(size_t k, SliceBoundCount(node, ctx, 1));
  PT2TF_ASSIGN_OR_RETURN(size_t k_end, SliceBoundCount(node, ctx, 2));
  if (k != k_end) return InvalidInput(node.Describe() + ": starts and ends must have equal length");
  std::optional<std::vector<int64_t>> starts, ends;
  if (!IsRuntimeInput(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(starts, ConstIntsInput(node, 1));
  }
  if (!IsRuntimeInput(node, 2)) {
    PT2TF_ASSIGN_OR_RETURN(ends, ConstIntsInput(node, 2));
  }
  PT2TF_ASSIGN_OR_RETURN(auto axes_in, ConstIntsInput(node, 3));
  PT2TF_ASSIGN_OR_RETURN(auto steps_in, ConstIntsInput(node, 4));
  std::vector<int64_t> axes = axes_in ? *axes_in : std::vector<int64_t>();
  if (!axes_in)
    for (size_t i = 0; i < k; ++i) axes.push_back(static_cast<int64_t>(i));
  std::vector<int64_t> steps = steps_in ? *steps_in : std::vector<int64_t>(k, 1);
  if (axes.size() != k || steps.size() != k)
    return InvalidInput(node.Describe() + ": axes/steps length differ from starts");
  PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, axes, rank));
  bool dynamic = !starts || !ends;
  for (int64_t a : axes) dynamic |= xs[a] < 0;
  if (dynamic) return EmitDynamicSlice(node, ctx, xs, axes, steps, starts, ends);
  // Per IR axis: begin, end, stride; masks mark "to the end".
  std::vector<int64_t> begin(rank, 0), end(rank, 0), stride(rank, 1);
  std::vector<bool> begin_full(rank, true), end_full(rank, true);
  for (size_t i = 0; i < k; ++i) {
    const int64_t a = axes[i], dim = xs[a], step = steps[i];
    if (step == 0) return InvalidInput(node.Describe() + ": step 0");
    int64_t s = (*starts)[i], e = (*ends)[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    stride[a] = step;
    begin_full[a] = end_full[a] = false;
    if (step > 0) {
      begin[a] = std::clamp<int64_t>(s, 0, dim);
      end[a] = std::clamp<int64_t>(e, 0, dim);
    } else {
      begin[a] = std::clamp<int64_t>(s, 0, std::max<int64_t>(dim - 1, 0));
      end[a] = std::clamp<int64_t>(e, -1, dim - 1);
      if (end[a] == -1) end_full[a] = true;  // TF reads -1 as the last element
      if (dim == 0) begin[a] = end[a] = 0, end_full[a] = false;
    }
  }
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  Perm p = Normalize(tv.perm, rank);
  std::vector<int64_t> b, e, s;
  int64_t begin_mask = 0, end_mask = 0;
  for (int64_t i = 0; i < rank; ++i) {
    const int64_t a = p[i];
    b.push_back(begin[a]);
    e.push_back(end[a]);
    s.push_back(stride[a]);
    if (begin_full[a]) begin_mask |= int64_t{1} << i;
    if (end_full[a]) end_mask |= int64_t{1} << i;
  }
  std::string bc = ctx.ConstI64(b, node.name + "/begin");
  std::string ec = ctx.ConstI64(e, node.name + "/end");
  std::string sc = ctx.ConstI64(s, node.name + "/strides");
  tensorflow::NodeDef& def = ctx.AddOp("StridedSlice", node.name, {tv.tensor, bc, ec, sc});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Index", tensorflow::DT_INT64);
  SetAttrInt(def, "begin_mask", begin_mask);
  SetAttrInt(def, "end_mask", end_mask);
  SetAttrInt(def, "ellipsis_mask", 0);
  SetAttrInt(def, "new_axis_mask", 0);
  SetAttrInt(def, "shrink_axis_mask", 0);
  ctx.Set(node.outputs[0], TfValue{def.name(), tv.perm, std::nullopt});
  return OkStatus();
}

Status EmitGather(const ir::Node& node, EmitContext& ctx) {
  const ir::Value* data = node.input(0);
  const ir::Value* indices = node.input(1);
  if (!data || !indices) return InvalidInput(node.Describe() + ": missing input");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(data));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims is, ctx.Shape(indices));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", 0);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  const int64_t dim = xs[axis];
  if (!IsInteger(indices->dtype))
    return InvalidInput(node.Describe() + ": indices must be integers");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType ti, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(data, ctx));
  // TF rejects negative indices; ONNX counts them from the end: FloorMod by the dim, which
  // comes from Shape(data) when it is only known at run time. The divisor is at least 1: an
  // empty dim has no valid index (the indices are empty too), but TFLite's FLOOR_MOD refuses
  // a zero divisor even for an empty result (a detector's gather of no boxes).
  auto dim_tensor = [&](DType idx_type) -> Result<std::string> {
    if (dim >= 0)
      return ctx.ConstScalar(idx_type, static_cast<double>(std::max<int64_t>(dim, 1)),
                             node.name + "/dim");
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tt, TfType(idx_type));
    tensorflow::NodeDef& shape = ctx.AddOp("Shape", node.name + "/data_shape", {tv.tensor});
    SetAttrType(shape, "T", t);
    SetAttrType(shape, "out_type", tt);
    const std::string sh = shape.name();
    const int64_t a = TfAxis(tv.perm, axis);
    tensorflow::NodeDef& d = ctx.AddOp(
        "StridedSlice", node.name + "/dim",
        {sh, ctx.ConstI32({a}, node.name + "/dim_b"), ctx.ConstI32({a + 1}, node.name + "/dim_e"),
         ctx.ConstI32({1}, node.name + "/dim_s")});
    SetAttrType(d, "T", tt);
    SetAttrType(d, "Index", tensorflow::DT_INT32);
    for (const char* m : {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask"})
      SetAttrInt(d, m, 0);
    SetAttrInt(d, "shrink_axis_mask", 1);
    PT2TF_ASSIGN_OR_RETURN(std::string one, ctx.ConstScalar(idx_type, 1, node.name + "/one"));
    return ctx.Binary("Maximum", d.name(), one, tt, node.name + "/divisor");
  };
  std::string idx;
  if (const Tensor* c = EmitContext::ConstantOf(indices)) {
    std::vector<int64_t> v(c->numel());
    bool wrap = false;  // a negative index into a dim known only at run time
    for (int64_t i = 0; i < c->numel(); ++i) {
      int64_t x = c->ElementAsInt(i);
      if (dim >= 0 && (x < -dim || x >= dim))
        return InvalidInput(node.Describe() + ": index " + std::to_string(x) + " out of range");
      if (x < 0 && dim >= 0) x += dim;
      wrap |= x < 0;
      v[i] = x;
    }
    idx = ctx.ConstI64(v, indices->name, is);
    ti = tensorflow::DT_INT64;
    if (wrap) {
      PT2TF_ASSIGN_OR_RETURN(std::string d, dim_tensor(DType::kInt64));
      idx = ctx.Binary("FloorMod", idx, d, ti, node.name + "/wrap");
    }
  } else {
    PT2TF_ASSIGN_OR_RETURN(idx, ctx.GetAs(indices, {}));
    PT2TF_ASSIGN_OR_RETURN(std::string d, dim_tensor(indices->dtype));
    idx = ctx.Binary("FloorMod", idx, d, ti, node.name + "/wrap");
  }
  Perm out_perm;
  if (is.size() == 0) {
    std::vector<bool> removed(rank, false);
    removed[axis] = true;
    out_perm = PermAfterRemoving(tv.perm, rank, removed);
  } else if (is.size() == 1) {
    out_perm = tv.perm;
  } else if (!tv.perm.empty()) {
    PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(data, {}));
    tv.perm.clear();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string ax,
                         AxisConst(ctx, TfAxis(tv.perm, axis), node.name + "/axis"));
  const std::string g = EmitGatherV2(ctx, node.name, tv.tensor, idx, ax, t, ti);
  ctx.Set(node.outputs[0], TfValue{g, out_perm, std::nullopt});
  return OkStatus();
}

// Pad whose pads arrive at run time: [b1..bn, e1..en] becomes TF's [[b1, e1], ...] in IR layout.
static Status EmitRuntimePad(const ir::Node& node, EmitContext& ctx, int64_t rank) {
  const std::string mode = node.GetString("mode", "constant");
  if (mode != "constant" && mode != "reflect")
    return NodeUnsupported(node, "attribute mode='" + mode + "' with pads computed at run time");
  if (node.input(3)) return NodeUnsupported(node, "axes with pads computed at run time");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tp, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string pads, RuntimeInput(node, ctx, 1, false));
  pads = ctx.Reshape(pads, {2, rank}, tp, node.name + "/pads2d");
  pads = ctx.Transpose(pads, {1, 0}, tp, node.name + "/paddings");
  std::string y;
  if (mode == "constant") {
    std::string value;
    if (node.input(2)) {
      PT2TF_ASSIGN_OR_RETURN(value, RuntimeInput(node, ctx, 2, true));
    } else {
      PT2TF_ASSIGN_OR_RETURN(value, ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/value"));
    }
    tensorflow::NodeDef& def = ctx.AddOp("PadV2", node.name, {x, pads, value});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tpaddings", tp);
    y = def.name();
  } else {
    tensorflow::NodeDef& def = ctx.AddOp("MirrorPad", node.name, {x, pads});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tpaddings", tp);
    SetAttrString(def, "mode", "REFLECT");
    y = def.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitPad(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (IsRuntimeInput(node, 1)) return EmitRuntimePad(node, ctx, rank);
  PT2TF_ASSIGN_OR_RETURN(auto pads_in, ConstIntsInput(node, 1));
  std::vector<int64_t> pads = pads_in ? *pads_in : node.GetInts("pads");
  PT2TF_ASSIGN_OR_RETURN(auto axes_in, ConstIntsInput(node, 3));
  std::vector<int64_t> axes;
  if (axes_in) {
    PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, *axes_in, rank));
  } else {
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  const size_t k = axes.size();
  if (pads.size() != 2 * k) return InvalidInput(node.Describe() + ": pads length mismatch");
  std::vector<int64_t> before(rank, 0), after(rank, 0);
  for (size_t i = 0; i < k; ++i) {
    before[axes[i]] = pads[i];
    after[axes[i]] = pads[i + k];
    if (pads[i] < 0 || pads[i + k] < 0) return NodeUnsupported(node, "negative pads");
  }
  const std::string mode = node.GetString("mode", "constant");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  Perm p = Normalize(tv.perm, rank);
  std::vector<int64_t> paddings;
  for (int64_t i = 0; i < rank; ++i) {
    paddings.push_back(before[p[i]]);
    paddings.push_back(after[p[i]]);
  }
  std::string pc = ctx.ConstI64(paddings, node.name + "/paddings", ir::Dims{rank, 2});
  std::string y;
  if (mode == "constant") {
    std::string value;
    if (const ir::Value* cv = node.input(2)) {
      PT2TF_ASSIGN_OR_RETURN(value, ctx.GetAs(cv, {}));
      PT2TF_ASSIGN_OR_RETURN(ir::Dims cs, ctx.Shape(cv));
      if (!cs.empty()) value = ctx.Reshape(value, {}, t, node.name + "/value");
    } else {
      PT2TF_ASSIGN_OR_RETURN(value, ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/value"));
    }
    tensorflow::NodeDef& def = ctx.AddOp("PadV2", node.name, {tv.tensor, pc, value});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tpaddings", tensorflow::DT_INT64);
    y = def.name();
  } else if (mode == "reflect" || mode == "edge") {
    bool small = true;
    for (int64_t a = 0; a < rank; ++a) {
      // A dim known only at run time is checked by MirrorPad itself.
      if (mode == "reflect" && xs[a] >= 0 && (before[a] >= xs[a] || after[a] >= xs[a]) &&
          (before[a] || after[a]))
        return NodeUnsupported(node, "reflect pads must be smaller than the dim");
      small &= before[a] <= 1 && after[a] <= 1;
    }
    // Edge padding by one equals symmetric mirroring; wider edge pads have no TF op.
    if (mode == "edge" && !small)
      return NodeUnsupported(node, "attribute mode='edge' with pads > 1");
    tensorflow::NodeDef& def = ctx.AddOp("MirrorPad", node.name, {tv.tensor, pc});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tpaddings", tensorflow::DT_INT64);
    SetAttrString(def, "mode", mode == "reflect" ? "REFLECT" : "SYMMETRIC");
    y = def.name();
  } else {
    return NodeUnsupported(node, "attribute mode='" + mode + "'");
  }
  ctx.Set(node.outputs[0], TfValue{y, tv.perm, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
