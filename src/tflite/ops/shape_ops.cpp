// Data-movement TF ops → TFLite builtins. A shape, axis, perm or padding operand is usually a
// constant in the lowered graph; the output shape is computed here from it, and the operand
// is re-emitted as the int32 tensor TFLite's kernels read. Reshape, Tile, Pad, SplitV and the
// reductions also take such an operand computed at run time (e.g. fed as a graph input): the
// kernel then resizes its output, whose dims here are kDynamicDim.
// Reshape, ExpandDims and Squeeze all become RESHAPE.
#include <algorithm>
#include <limits>

#include "tflite/ops/chain.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

int64_t Numel(const ir::Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

Result<int64_t> Axis(const tf::TfNode& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return NodeError(node, "axis " + std::to_string(axis) + " out of range");
  return axis < 0 ? axis + rank : axis;
}

int32_t ClampI32(int64_t v) {
  return static_cast<int32_t>(std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                                                  std::numeric_limits<int32_t>::max()));
}

std::vector<int64_t> Clamped(const std::vector<int64_t>& v) {
  std::vector<int64_t> out;
  for (int64_t x : v) out.push_back(ClampI32(x));
  return out;
}

bool HasRuntimeDim(const ir::Dims& d) {
  return std::find(d.begin(), d.end(), kDynamicDim) != d.end();
}

// `shape` may hold one kDynamicDim (written as -1: RESHAPE infers it at run time) when the
// input has run-time dims; the element count is then checked by the kernel.
Status EmitReshape(const tf::TfNode& node, Translator& t, int x, const ir::Dims& shape) {
  const bool runtime = HasRuntimeDim(t.Info(x).shape) || HasRuntimeDim(shape);
  if (runtime && std::count(shape.begin(), shape.end(), kDynamicDim) > 1)
    return NodeError(node, "reshape of " + ShapeToString(t.Info(x).shape) + " to " +
                               ShapeToString(shape) +
                               " leaves more than one dim to run time (pin the input shapes with "
                               "--input-shape or --batch)");
  if (!runtime && Numel(shape) != Numel(t.Info(x).shape))
    return NodeError(
        node, "cannot reshape " + ShapeToString(t.Info(x).shape) + " to " + ShapeToString(shape));
  const int s = t.ConstI32(node.def.name() + "/shape", shape);
  const int y = t.Output(node, 0, t.Info(x).type, shape);
  std::vector<int32_t> new_shape(shape.begin(), shape.end());
  auto o = ::tflite::CreateReshapeOptions(t.fbb(), t.fbb().CreateVector(new_shape));
  t.Op(Op::BuiltinOperator_RESHAPE, {x, s}, {y}, ::tflite::BuiltinOptions_ReshapeOptions,
       o.Union());
  return OkStatus();
}

}  // namespace

Status ConvertReshape(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims xs = t.Info(x).shape;
  if (!t.Const(node, 1) && node.def.op() == "Reshape") {
    PT2TF_ASSIGN_OR_RETURN(int st, Int32Operand(node, t, 1));
    const ir::Dims ss = t.Info(st).shape;
    if (ss.size() != 1 || ss[0] < 0) return NodeError(node, "shape must be a 1-D tensor");
    const int y = t.Output(node, 0, t.Info(x).type, ir::Dims(ss[0], kDynamicDim));
    t.Op(Op::BuiltinOperator_RESHAPE, {x, st}, {y}, ::tflite::BuiltinOptions_ReshapeOptions,
         ::tflite::CreateReshapeOptions(t.fbb()).Union());
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> v, t.ConstInts(node, 1));
  ir::Dims shape;
  if (node.def.op() == "ExpandDims") {
    if (v.size() != 1) return NodeError(node, "axis must be a scalar");
    PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, v[0], static_cast<int64_t>(xs.size()) + 1));
    shape = xs;
    shape.insert(shape.begin() + axis, 1);
    if (std::count(xs.begin(), xs.end(), kDynamicDim) > 1) {
      // Several run-time dims: RESHAPE could infer only one, EXPAND_DIMS keeps them all.
      const int at = t.ConstI32(node.def.name() + "/axis", {axis}, ir::Dims{});
      const int y = t.Output(node, 0, t.Info(x).type, shape);
      t.Op(Op::BuiltinOperator_EXPAND_DIMS, {x, at}, {y},
           ::tflite::BuiltinOptions_ExpandDimsOptions,
           ::tflite::CreateExpandDimsOptions(t.fbb()).Union());
      return OkStatus();
    }
  } else {
    int64_t known = 1, unknown = -1;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == -1 && unknown < 0) {
        unknown = static_cast<int64_t>(i);
      } else if (v[i] < 0) {
        return NodeError(node, "shape " + ShapeToString(v));
      } else {
        known *= v[i];
      }
    }
    shape = v;
    if (unknown >= 0 && HasRuntimeDim(xs)) {
      shape[unknown] = kDynamicDim;
    } else if (unknown >= 0) {
      if (known == 0) return NodeError(node, "cannot infer -1 in shape with a 0 dim");
      shape[unknown] = Numel(xs) / known;
    }
  }
  return EmitReshape(node, t, x, shape);
}

Status ConvertSqueeze(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  std::vector<bool> drop(rank, false);
  std::vector<int64_t> dims = AttrInts(node, "squeeze_dims");
  for (int64_t d : dims) {
    PT2TF_ASSIGN_OR_RETURN(int64_t a, Axis(node, d, rank));
    // A run-time dim named in squeeze_dims: TF's graph has it 1 (the kernel checks).
    if (xs[a] != 1 && xs[a] != kDynamicDim) return NodeError(node, "squeezed dim is not 1");
    drop[a] = true;
  }
  ir::Dims shape;
  std::vector<int32_t> squeezed;
  for (int64_t i = 0; i < rank; ++i) {
    if (!(dims.empty() ? xs[i] == 1 : drop[i])) {
      shape.push_back(xs[i]);
    } else {
      squeezed.push_back(static_cast<int32_t>(i));
    }
  }
  if (std::count(xs.begin(), xs.end(), kDynamicDim) > 1) {
    // Several run-time dims: RESHAPE could infer only one, SQUEEZE keeps them all.
    const int y = t.Output(node, 0, t.Info(x).type, shape);
    auto o = ::tflite::CreateSqueezeOptions(t.fbb(), t.fbb().CreateVector(squeezed));
    t.Op(Op::BuiltinOperator_SQUEEZE, {x}, {y}, ::tflite::BuiltinOptions_SqueezeOptions, o.Union());
    return OkStatus();
  }
  return EmitReshape(node, t, x, shape);
}

Status ConvertTranspose(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> perm, t.ConstInts(node, 1));
  if (perm.size() != xs.size()) return NodeError(node, "perm does not match the rank");
  ir::Dims ys;
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(xs.size())) return NodeError(node, "bad perm");
    ys.push_back(xs[p]);
  }
  const int pt = t.ConstI32(node.def.name() + "/perm", perm);
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(Op::BuiltinOperator_TRANSPOSE, {x, pt}, {y}, ::tflite::BuiltinOptions_TransposeOptions,
       ::tflite::CreateTransposeOptions(t.fbb()).Union());
  return OkStatus();
}

Status ConvertConcat(const tf::TfNode& node, Translator& t) {
  const size_t n = t.InputCount(node) - 1;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ax, t.ConstInts(node, n));
  if (n == 0 || ax.size() != 1) return NodeError(node, "expects values and a scalar axis");
  std::vector<int32_t> inputs;
  ir::Dims ys;
  TensorType type = TensorType::TensorType_FLOAT32;
  int64_t axis = 0;
  for (size_t i = 0; i < n; ++i) {
    PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, i));
    const ir::Dims& xs = t.Info(x).shape;
    if (i == 0) {
      ys = xs;
      type = t.Info(x).type;
      PT2TF_ASSIGN_OR_RETURN(axis, Axis(node, ax[0], static_cast<int64_t>(xs.size())));
      ys[axis] = 0;
    }
    if (xs.size() != ys.size()) return NodeError(node, "inputs differ in rank");
    ys[axis] =
        ys[axis] == kDynamicDim || xs[axis] == kDynamicDim ? kDynamicDim : ys[axis] + xs[axis];
    inputs.push_back(x);
  }
  const int y = t.Output(node, 0, type, ys);
  auto o = ::tflite::CreateConcatenationOptions(t.fbb(), static_cast<int32_t>(axis));
  t.Op(Op::BuiltinOperator_CONCATENATION, inputs, {y},
       ::tflite::BuiltinOptions_ConcatenationOptions, o.Union());
  return OkStatus();
}

Status ConvertPad(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims ys = t.Info(x).shape;
  int p = 0;
  if (!t.Const(node, 1)) {  // paddings computed at run time
    PT2TF_ASSIGN_OR_RETURN(p, Int32Operand(node, t, 1));
    if (t.Info(p).shape != ir::Dims{static_cast<int64_t>(ys.size()), 2})
      return NodeError(node, "paddings do not match the rank");
    ys.assign(ys.size(), kDynamicDim);
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, t.ConstInts(node, 1));
    if (pads.size() != 2 * ys.size()) return NodeError(node, "paddings do not match the rank");
    for (size_t i = 0; i < ys.size(); ++i) {
      if (pads[2 * i] < 0 || pads[2 * i + 1] < 0) return NodeError(node, "negative padding");
      if (ys[i] != kDynamicDim) ys[i] += pads[2 * i] + pads[2 * i + 1];
    }
    p = t.ConstI32(node.def.name() + "/paddings", pads,
                   ir::Dims{static_cast<int64_t>(ys.size()), 2});
  }
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  const std::string& op = node.def.op();
  if (op == "Pad") {
    t.Op(Op::BuiltinOperator_PAD, {x, p}, {y}, ::tflite::BuiltinOptions_PadOptions,
         ::tflite::CreatePadOptions(t.fbb()).Union());
  } else if (op == "PadV2") {
    PT2TF_ASSIGN_OR_RETURN(int v, t.In(node, 2));
    t.Op(Op::BuiltinOperator_PADV2, {x, p, v}, {y}, ::tflite::BuiltinOptions_PadV2Options,
         ::tflite::CreatePadV2Options(t.fbb()).Union());
  } else {
    const std::string mode = AttrString(node, "mode", "REFLECT");
    auto o = ::tflite::CreateMirrorPadOptions(t.fbb(), mode == "SYMMETRIC"
                                                           ? ::tflite::MirrorPadMode_SYMMETRIC
                                                           : ::tflite::MirrorPadMode_REFLECT);
    t.Op(Op::BuiltinOperator_MIRROR_PAD, {x, p}, {y}, ::tflite::BuiltinOptions_MirrorPadOptions,
         o.Union());
  }
  return OkStatus();
}

Status ConvertReduce(const tf::TfNode& node, Translator& t) {
  static const std::unordered_map<std::string, Op> kOps = {
      {"Mean", Op::BuiltinOperator_MEAN},        {"Sum", Op::BuiltinOperator_SUM},
      {"Max", Op::BuiltinOperator_REDUCE_MAX},   {"Min", Op::BuiltinOperator_REDUCE_MIN},
      {"Prod", Op::BuiltinOperator_REDUCE_PROD}, {"Any", Op::BuiltinOperator_REDUCE_ANY},
      {"All", Op::BuiltinOperator_REDUCE_ALL}};
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (t.Info(x).type == TensorType::TensorType_FLOAT64)
    return NodeError(node, "TFLite reductions do not compute float64");
  // Over zero elements ONNX's max is -inf and min +inf; the kernels start from the type's
  // finite extremes.
  if ((node.def.op() == "Max" || node.def.op() == "Min") &&
      std::find(xs.begin(), xs.end(), 0) != xs.end())
    return NodeError(node,
                     "TFLite's REDUCE_MAX/REDUCE_MIN of zero elements is the type's finite "
                     "extreme, not an infinity");
  const bool keep = AttrBool(node, "keep_dims");
  if (!t.Const(node, 1)) {
    // Axes computed at run time: each reduced dim's fate is known only then.
    PT2TF_ASSIGN_OR_RETURN(int at, Int32Operand(node, t, 1));
    const ir::Dims as = t.Info(at).shape;
    if (as.size() > 1 || (as.size() == 1 && as[0] < 0))
      return NodeError(node, "axes must be a scalar or a 1-D tensor");
    const int64_t n = as.empty() ? 1 : as[0];
    ir::Dims ys;
    if (n == 0) {
      ys = xs;
    } else if (keep) {
      for (int64_t d : xs) ys.push_back(d == 1 ? 1 : kDynamicDim);
    } else {
      ys.assign(static_cast<size_t>(std::max<int64_t>(rank - n, 0)), kDynamicDim);
    }
    const int y = t.Output(node, 0, t.Info(x).type, ys);
    t.Op(kOps.at(node.def.op()), {x, at}, {y}, ::tflite::BuiltinOptions_ReducerOptions,
         ::tflite::CreateReducerOptions(t.fbb(), keep).Union());
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, t.ConstInts(node, 1));
  if (axes.empty()) return NodeError(node, "TFLite reductions need at least one axis");
  std::vector<bool> reduced(rank, false);
  for (int64_t& a : axes) {
    PT2TF_ASSIGN_OR_RETURN(a, Axis(node, a, rank));
    reduced[a] = true;
  }
  ir::Dims ys;
  for (int64_t i = 0; i < rank; ++i) {
    if (!reduced[i])
      ys.push_back(xs[i]);
    else if (keep)
      ys.push_back(1);
  }
  const int at = t.ConstI32(node.def.name() + "/axes", axes);
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(kOps.at(node.def.op()), {x, at}, {y}, ::tflite::BuiltinOptions_ReducerOptions,
       ::tflite::CreateReducerOptions(t.fbb(), keep).Union());
  return OkStatus();
}

Status ConvertSlice(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> begin, t.ConstInts(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> size, t.ConstInts(node, 2));
  if (begin.size() != xs.size() || size.size() != xs.size())
    return NodeError(node, "begin/size do not match the rank");
  ir::Dims ys;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t s = size[i] == -1 ? xs[i] - begin[i] : size[i];
    if (begin[i] < 0 || s < 0 || begin[i] + s > xs[i]) return NodeError(node, "slice out of range");
    ys.push_back(s);
  }
  const int b = t.ConstI32(node.def.name() + "/begin", begin);
  const int s = t.ConstI32(node.def.name() + "/size", ys);
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(Op::BuiltinOperator_SLICE, {x, b, s}, {y}, ::tflite::BuiltinOptions_SliceOptions,
       ::tflite::CreateSliceOptions(t.fbb()).Union());
  return OkStatus();
}

namespace {

// STRIDED_SLICE of `x` with begin/end tensors `bt`/`et`, constant strides, the node's masks
// and output dims `ys`.
Status EmitStridedSlice(const tf::TfNode& node, Translator& t, int x, int bt, int et,
                        const std::vector<int64_t>& strides, const ir::Dims& ys) {
  const int st = t.ConstI32(node.def.name() + "/strides", Clamped(strides));
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  auto o = ::tflite::CreateStridedSliceOptions(
      t.fbb(), static_cast<int32_t>(AttrInt(node, "begin_mask")),
      static_cast<int32_t>(AttrInt(node, "end_mask")), 0, 0,
      static_cast<int32_t>(AttrInt(node, "shrink_axis_mask")));
  t.Op(Op::BuiltinOperator_STRIDED_SLICE, {x, bt, et, st}, {y},
       ::tflite::BuiltinOptions_StridedSliceOptions, o.Union());
  return OkStatus();
}

// StridedSlice whose begin or end is computed at run time (e.g. a position table sliced to
// a run-time sequence length): every sliced axis is a run-time dim, unless both ends are
// masked with stride 1 (the whole axis).
Status RuntimeStridedSlice(const tf::TfNode& node, Translator& t, int x) {
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, t.ConstInts(node, 3));
  PT2TF_ASSIGN_OR_RETURN(int bt, Int32Operand(node, t, 1));
  PT2TF_ASSIGN_OR_RETURN(int et, Int32Operand(node, t, 2));
  const int64_t bm = AttrInt(node, "begin_mask"), em = AttrInt(node, "end_mask");
  const int64_t sm = AttrInt(node, "shrink_axis_mask");
  if (AttrInt(node, "ellipsis_mask") || AttrInt(node, "new_axis_mask"))
    return NodeError(node, "ellipsis_mask/new_axis_mask are not supported");
  const ir::Dims n = {static_cast<int64_t>(strides.size())};
  if (t.Info(bt).shape != n || t.Info(et).shape != n || strides.size() > xs.size())
    return NodeError(node, "begin/end/strides lengths differ");
  ir::Dims ys;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i >= strides.size()) {
      ys.push_back(xs[i]);
    } else if (strides[i] == 0) {
      return NodeError(node, "stride 0");
    } else if (!((sm >> i) & 1)) {
      const bool whole = ((bm >> i) & 1) && ((em >> i) & 1) && strides[i] == 1;
      ys.push_back(whole ? xs[i] : kDynamicDim);
    }
  }
  return EmitStridedSlice(node, t, x, bt, et, strides, ys);
}

}  // namespace

Status ConvertStridedSlice(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  if (!t.Const(node, 1) || !t.Const(node, 2)) return RuntimeStridedSlice(node, t, x);
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> begin, t.ConstInts(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> end, t.ConstInts(node, 2));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, t.ConstInts(node, 3));
  const int64_t bm = AttrInt(node, "begin_mask"), em = AttrInt(node, "end_mask");
  const int64_t sm = AttrInt(node, "shrink_axis_mask");
  if (AttrInt(node, "ellipsis_mask") || AttrInt(node, "new_axis_mask"))
    return NodeError(node, "ellipsis_mask/new_axis_mask are not supported");
  if (begin.size() != end.size() || begin.size() != strides.size() || begin.size() > xs.size())
    return NodeError(node, "begin/end/strides lengths differ");
  ir::Dims ys;
  for (size_t i = 0; i < xs.size(); ++i) {
    const int64_t dim = xs[i];
    if (i >= begin.size()) {
      ys.push_back(dim);
      continue;
    }
    const int64_t s = strides[i];
    if (s == 0) return NodeError(node, "stride 0");
    if (dim < 0) {  // a run-time dim (shape_signature -1): the kernel clamps at run time
      if (!((sm >> i) & 1)) ys.push_back(-1);
      continue;
    }
    auto norm = [&](int64_t v, bool masked, bool is_begin) {
      if (masked) return is_begin ? (s > 0 ? int64_t{0} : dim - 1) : (s > 0 ? dim : int64_t{-1});
      if (v < 0) v += dim;
      return s > 0 ? std::clamp<int64_t>(v, 0, dim) : std::clamp<int64_t>(v, -1, dim - 1);
    };
    const int64_t b = norm(begin[i], (bm >> i) & 1, true);
    if ((sm >> i) & 1) {
      if (b < 0 || b >= dim) return NodeError(node, "shrink index out of range");
      continue;
    }
    const int64_t e = norm(end[i], (em >> i) & 1, false);
    const int64_t n =
        s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e - s - 1) / -s : 0);
    ys.push_back(n);
  }
  const int bt = t.ConstI32(node.def.name() + "/begin", Clamped(begin));
  const int et = t.ConstI32(node.def.name() + "/end", Clamped(end));
  return EmitStridedSlice(node, t, x, bt, et, strides, ys);
}

Status ConvertGather(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int p, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int idx, t.In(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ax, t.ConstInts(node, 2));
  const ir::Dims ps = t.Info(p).shape, is = t.Info(idx).shape;
  if (ax.size() != 1) return NodeError(node, "axis must be a scalar");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, ax[0], static_cast<int64_t>(ps.size())));
  const int64_t batch = AttrInt(node, "batch_dims");
  if (batch < 0 || batch > static_cast<int64_t>(is.size())) return NodeError(node, "batch_dims");
  ir::Dims ys(ps.begin(), ps.begin() + axis);
  ys.insert(ys.end(), is.begin() + batch, is.end());
  ys.insert(ys.end(), ps.begin() + axis + 1, ps.end());
  const int y = t.Output(node, 0, t.Info(p).type, ys);
  auto o = ::tflite::CreateGatherOptions(t.fbb(), static_cast<int32_t>(axis),
                                         static_cast<int32_t>(batch));
  t.Op(Op::BuiltinOperator_GATHER, {p, idx}, {y}, ::tflite::BuiltinOptions_GatherOptions,
       o.Union());
  return OkStatus();
}

Status ConvertSplitV(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ax, t.ConstInts(node, 2));
  if (ax.size() != 1) return NodeError(node, "axis must be a scalar");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, ax[0], static_cast<int64_t>(xs.size())));
  if (!t.Const(node, 1)) {  // sizes computed at run time: as many parts as sizes
    PT2TF_ASSIGN_OR_RETURN(int st, Int32Operand(node, t, 1));
    const ir::Dims ss = t.Info(st).shape;
    if (ss.size() != 1 || ss[0] < 1 || ss[0] != AttrInt(node, "num_split", ss[0]))
      return NodeError(node, "sizes must be a 1-D tensor of num_split elements");
    ir::Dims ys = xs;
    ys[axis] = kDynamicDim;
    std::vector<int32_t> outputs;
    for (int64_t i = 0; i < ss[0]; ++i)
      outputs.push_back(t.Output(node, static_cast<int>(i), t.Info(x).type, ys));
    const int at = t.ConstI32(node.def.name() + "/axis", {axis}, ir::Dims{});
    auto o = ::tflite::CreateSplitVOptions(t.fbb(), static_cast<int32_t>(ss[0]));
    t.Op(Op::BuiltinOperator_SPLIT_V, {x, st, at}, outputs, ::tflite::BuiltinOptions_SplitVOptions,
         o.Union());
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, t.ConstInts(node, 1));
  int64_t known = 0, unknown = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1)
      unknown = static_cast<int64_t>(i);
    else
      known += sizes[i];
  }
  // Over a run-time dim the -1 part stays -1: SPLIT_V infers it when the model runs.
  const bool runtime = xs[axis] == kDynamicDim;
  if (unknown >= 0 && !runtime) sizes[unknown] = xs[axis] - known;
  std::vector<int32_t> outputs;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] < 0 && !(runtime && static_cast<int64_t>(i) == unknown))
      return NodeError(node, "split sizes exceed the dim");
    ir::Dims ys = xs;
    ys[axis] = sizes[i] < 0 ? kDynamicDim : sizes[i];
    outputs.push_back(t.Output(node, static_cast<int>(i), t.Info(x).type, ys));
  }
  const int st = t.ConstI32(node.def.name() + "/sizes", sizes);
  const int at = t.ConstI32(node.def.name() + "/axis", {axis}, ir::Dims{});
  auto o = ::tflite::CreateSplitVOptions(t.fbb(), static_cast<int32_t>(sizes.size()));
  t.Op(Op::BuiltinOperator_SPLIT_V, {x, st, at}, outputs, ::tflite::BuiltinOptions_SplitVOptions,
       o.Union());
  return OkStatus();
}

Status ConvertPack(const tf::TfNode& node, Translator& t) {
  const size_t n = t.InputCount(node);
  std::vector<int32_t> inputs;
  for (size_t i = 0; i < n; ++i) {
    PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, i));
    inputs.push_back(x);
  }
  if (inputs.empty()) return NodeError(node, "no inputs");
  ir::Dims ys = t.Info(inputs[0]).shape;
  PT2TF_ASSIGN_OR_RETURN(int64_t axis,
                         Axis(node, AttrInt(node, "axis"), static_cast<int64_t>(ys.size()) + 1));
  ys.insert(ys.begin() + axis, static_cast<int64_t>(n));
  const int y = t.Output(node, 0, t.Info(inputs[0]).type, ys);
  auto o =
      ::tflite::CreatePackOptions(t.fbb(), static_cast<int32_t>(n), static_cast<int32_t>(axis));
  t.Op(Op::BuiltinOperator_PACK, inputs, {y}, ::tflite::BuiltinOptions_PackOptions, o.Union());
  return OkStatus();
}

Status ConvertUnpack(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(int64_t axis,
                         Axis(node, AttrInt(node, "axis"), static_cast<int64_t>(xs.size())));
  if (xs[axis] == kDynamicDim)
    return NodeError(node, "the unpacked dim (" + std::to_string(axis) +
                               ") sets the number of outputs: it must be known when converting "
                               "(pin the input shapes with --input-shape or --batch)");
  ir::Dims ys = xs;
  ys.erase(ys.begin() + axis);
  if (t.Info(x).type == TensorType::TensorType_INT64) {
    // LiteRT's UNPACK has no int64 kernel (ONNX OneHot's [off, on] values are int64): one
    // GATHER of a scalar index per output, which drops the axis just as UNPACK does.
    for (int64_t i = 0; i < xs[axis]; ++i) {
      const int at = t.ConstI32(node.def.name() + "/index" + std::to_string(i), {i}, ir::Dims{});
      const int y = t.Output(node, static_cast<int>(i), t.Info(x).type, ys);
      t.Op(Op::BuiltinOperator_GATHER, {x, at}, {y}, ::tflite::BuiltinOptions_GatherOptions,
           ::tflite::CreateGatherOptions(t.fbb(), static_cast<int32_t>(axis), 0).Union());
    }
    return OkStatus();
  }
  std::vector<int32_t> outputs;
  for (int64_t i = 0; i < xs[axis]; ++i)
    outputs.push_back(t.Output(node, static_cast<int>(i), t.Info(x).type, ys));
  auto o = ::tflite::CreateUnpackOptions(t.fbb(), static_cast<int32_t>(xs[axis]),
                                         static_cast<int32_t>(axis));
  t.Op(Op::BuiltinOperator_UNPACK, {x}, outputs, ::tflite::BuiltinOptions_UnpackOptions, o.Union());
  return OkStatus();
}

Status ConvertTile(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims ys = t.Info(x).shape;
  if (!t.Const(node, 1)) {  // multiples computed at run time
    PT2TF_ASSIGN_OR_RETURN(int mt, Int32Operand(node, t, 1));
    if (t.Info(mt).shape != ir::Dims{static_cast<int64_t>(ys.size())})
      return NodeError(node, "multiples do not match the rank");
    for (int64_t& d : ys) d = d == 0 ? 0 : kDynamicDim;
    const int y = t.Output(node, 0, t.Info(x).type, ys);
    t.Op(Op::BuiltinOperator_TILE, {x, mt}, {y}, ::tflite::BuiltinOptions_TileOptions,
         ::tflite::CreateTileOptions(t.fbb()).Union());
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> m, t.ConstInts(node, 1));
  if (m.size() != ys.size()) return NodeError(node, "multiples do not match the rank");
  for (size_t i = 0; i < ys.size(); ++i)
    if (ys[i] != kDynamicDim) ys[i] *= m[i];  // a run-time dim stays one, of any multiple
  const int mt = t.ConstI32(node.def.name() + "/multiples", m);
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(Op::BuiltinOperator_TILE, {x, mt}, {y}, ::tflite::BuiltinOptions_TileOptions,
       ::tflite::CreateTileOptions(t.fbb()).Union());
  return OkStatus();
}

Status ConvertBroadcastTo(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  if (!t.Const(node, 1)) {  // target shape computed at run time
    PT2TF_ASSIGN_OR_RETURN(int st, Int32Operand(node, t, 1));
    const ir::Dims ss = t.Info(st).shape;
    if (ss.size() != 1 || ss[0] < static_cast<int64_t>(t.Info(x).shape.size()))
      return NodeError(node, "shape must be a 1-D tensor of at least the input's rank");
    const int y = t.Output(node, 0, t.Info(x).type, ir::Dims(ss[0], kDynamicDim));
    t.Op(Op::BuiltinOperator_BROADCAST_TO, {x, st}, {y});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> shape, t.ConstInts(node, 1));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t.Info(x).shape, shape));
  const int st = t.ConstI32(node.def.name() + "/shape", ys);
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(Op::BuiltinOperator_BROADCAST_TO, {x, st}, {y});
  return OkStatus();
}

// The size may be computed at run time (Shape-driven upsampling over run-time H/W, or to a
// skip connection's size): the output H/W are then run-time dims, sized by the kernel.
Status ConvertResize(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims ys = t.Info(x).shape;
  if (ys.size() != 4) return NodeError(node, "expects NHWC and [h, w]");
  int st = -1;
  if (!t.Const(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(st, Int32Operand(node, t, 1));
    if (t.Info(st).shape != ir::Dims{2}) return NodeError(node, "expects NHWC and [h, w]");
    ys[1] = ys[2] = kDynamicDim;
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> size, t.ConstInts(node, 1));
    if (size.size() != 2) return NodeError(node, "expects NHWC and [h, w]");
    ys[1] = size[0];
    ys[2] = size[1];
    st = t.ConstI32(node.def.name() + "/size", size);
  }
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  const bool align = AttrBool(node, "align_corners"), half = AttrBool(node, "half_pixel_centers");
  if (node.def.op() == "ResizeBilinear") {
    t.Op(Op::BuiltinOperator_RESIZE_BILINEAR, {x, st}, {y},
         ::tflite::BuiltinOptions_ResizeBilinearOptions,
         ::tflite::CreateResizeBilinearOptions(t.fbb(), align, half).Union());
  } else {
    t.Op(Op::BuiltinOperator_RESIZE_NEAREST_NEIGHBOR, {x, st}, {y},
         ::tflite::BuiltinOptions_ResizeNearestNeighborOptions,
         ::tflite::CreateResizeNearestNeighborOptions(t.fbb(), align, half).Union());
  }
  return OkStatus();
}

Status ConvertArgMinMax(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ax, t.ConstInts(node, 1));
  if (ax.size() != 1) return NodeError(node, "axis must be a scalar");
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, Axis(node, ax[0], static_cast<int64_t>(xs.size())));
  auto out = AttrType(node, "output_type");
  PT2TF_ASSIGN_OR_RETURN(TensorType type, TfliteType(out ? *out : tensorflow::DT_INT64));
  ir::Dims ys = xs;
  ys.erase(ys.begin() + axis);
  const int at = t.ConstI32(node.def.name() + "/axis", {axis});
  const int y = t.Output(node, 0, type, ys);
  if (node.def.op() == "ArgMax") {
    t.Op(Op::BuiltinOperator_ARG_MAX, {x, at}, {y}, ::tflite::BuiltinOptions_ArgMaxOptions,
         ::tflite::CreateArgMaxOptions(t.fbb(), type).Union());
  } else {
    t.Op(Op::BuiltinOperator_ARG_MIN, {x, at}, {y}, ::tflite::BuiltinOptions_ArgMinOptions,
         ::tflite::CreateArgMinOptions(t.fbb(), type).Union());
  }
  return OkStatus();
}

}  // namespace pt2tf::tflite
