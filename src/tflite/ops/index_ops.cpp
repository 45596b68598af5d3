// Indexing TF ops → TFLite builtins: GatherNd (GATHER_ND; the lowering already wrapped negative
// indices), TensorScatterUpdate / TensorScatterAdd (SCATTER_ND, which scatters into zeros:
// see ConvertTensorScatter), OneHot (ONE_HOT), TopKV2 (TOPK_V2 on the last axis; its int32
// indices CAST to the int64 TF asked for), ReverseV2 (one REVERSE_V2 per axis, as the kernel
// of older LiteRT releases reverses a single axis).
#include <algorithm>
#include <set>

#include "tflite/ops/chain.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

}  // namespace

Status ConvertGatherNd(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int p, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int idx, t.In(node, 1));
  const ir::Dims ps = t.Info(p).shape, is = t.Info(idx).shape;
  // The index depth (indices' last dim) sets the output rank: it must be known.
  if (is.empty() || is.back() < 0 || is.back() > static_cast<int64_t>(ps.size()))
    return NodeError(node, "indices " + ShapeToString(is) + " do not index " + ShapeToString(ps));
  ir::Dims ys(is.begin(), is.end() - 1);
  ys.insert(ys.end(), ps.begin() + is.back(), ps.end());
  const int y = t.Output(node, 0, t.Info(p).type, ys);
  t.Op(Op::BuiltinOperator_GATHER_ND, {p, idx}, {y});
  return OkStatus();
}

// SCATTER_ND(indices, updates, shape) writes `updates` into zeros of `shape` (summing
// repeated indices). TensorScatterAdd is x + that. TensorScatterUpdate selects it where a
// second SCATTER_ND of int32 ones marks the written elements, and x elsewhere (a SELECT, not
// x * (1 - mask), which would turn an inf or NaN of x into NaN).
// True when input 1 (the indices) is a constant whose index tuples are all different.
static bool DistinctConstIndices(const tf::TfNode& node, Translator& t) {
  auto c = t.Const(node, 1);
  if (!c || c->shape.empty() || c->shape.back() <= 0) return false;
  Result<std::vector<int64_t>> v = t.ConstInts(node, 1);
  if (!v.ok()) return false;
  const size_t depth = static_cast<size_t>(c->shape.back());
  std::set<std::vector<int64_t>> seen;
  for (size_t i = 0; i + depth <= v->size(); i += depth)
    if (!seen.insert(std::vector<int64_t>(v->begin() + i, v->begin() + i + depth)).second)
      return false;
  return true;
}

// TensorScatterUpdate of one index tuple (indices [1, ..., 1, k]) writing one block of x,
// the pattern of a per-step write into a buffer (the TFLite form of a looped recurrence):
// DYNAMIC_UPDATE_SLICE at [index, 0, ...]: one op copying x and writing the block, where the
// SCATTER_ND form below takes seven over every element of x. Returns -1 when `node` is
// not that case. The lowering wrapped negative indices already; an index past the end is
// clamped by the kernel where ONNX calls it an error, so only invalid input differs.
static Result<int> SingleBlockUpdate(const tf::TfNode& node, Translator& t, int x, int idx, int u) {
  const ir::Dims xs = t.Info(x).shape, is = t.Info(idx).shape, us = t.Info(u).shape;
  if (node.def.op() != "TensorScatterUpdate" || is.empty()) return -1;
  for (size_t k = 0; k + 1 < is.size(); ++k)
    if (is[k] != 1) return -1;
  const int64_t depth = is.back();
  const size_t rank = xs.size(), lead = is.size() - 1;
  if (depth < 1 || static_cast<size_t>(depth) > rank || us.size() != lead + rank - depth) return -1;
  for (size_t k = 0; k < us.size(); ++k) {  // [1]*lead + xs[depth:]
    const int64_t want = k < lead ? 1 : xs[depth + k - lead];
    if (us[k] != want && us[k] != kDynamicDim && want != kDynamicDim) return -1;
  }
  const std::string name = node.def.name();
  // The update as a block of x's rank: [1]*depth + xs[depth:].
  int block = u;
  if (lead != static_cast<size_t>(depth)) {
    if (std::find(us.begin(), us.end(), kDynamicDim) != us.end()) return -1;
    ir::Dims bs(depth, 1);
    bs.insert(bs.end(), us.begin() + lead, us.end());
    block = t.NewTensor(name + "/block", t.Info(u).type, bs);
    auto o = ::tflite::CreateReshapeOptions(
        t.fbb(), t.fbb().CreateVector(std::vector<int32_t>(bs.begin(), bs.end())));
    t.Op(Op::BuiltinOperator_RESHAPE, {u, t.ConstI32(name + "/block_shape", bs)}, {block},
         ::tflite::BuiltinOptions_ReshapeOptions, o.Union());
  }
  // Start [index..., 0, ...] as int32.
  int start = t.NewTensor(name + "/index", TensorType::TensorType_INT32, {depth});
  t.Op(Op::BuiltinOperator_RESHAPE, {idx, t.ConstI32(name + "/index_shape", {depth})}, {start});
  if (static_cast<size_t>(depth) < rank) {
    const int zeros = t.ConstI32(name + "/start_rest", std::vector<int64_t>(rank - depth, 0));
    const int full =
        t.NewTensor(name + "/start", TensorType::TensorType_INT32, {static_cast<int64_t>(rank)});
    auto o = ::tflite::CreateConcatenationOptions(t.fbb(), 0);
    t.Op(Op::BuiltinOperator_CONCATENATION, {start, zeros}, {full},
         ::tflite::BuiltinOptions_ConcatenationOptions, o.Union());
    start = full;
  }
  const int y = t.Output(node, 0, t.Info(x).type, xs);
  t.Op(Op::BuiltinOperator_DYNAMIC_UPDATE_SLICE, {x, block, start}, {y});
  return y;
}

// TensorScatterMax / Min: each updates block's flat position in x's first `depth` dims (the
// index tuple dotted with x's strides) is its segment; UNSORTED_SEGMENT_MAX / MIN reduces
// the blocks per segment, a segment nothing is written to holding the type's lowest /
// highest value, and MAXIMUM / MINIMUM with x leaves those elements x. Exact, x's shape
// static (the segment count and strides are constants).
static Status ScatterMaxMin(const tf::TfNode& node, Translator& t, int x, int idx, int u) {
  const bool is_max = node.def.op() == "TensorScatterMax";
  const TensorSpec xi = t.Info(x);
  const ir::Dims xs = xi.shape, is = t.Info(idx).shape;
  if (xi.type != TensorType::TensorType_FLOAT32 && xi.type != TensorType::TensorType_INT32)
    return NodeError(node, "UNSORTED_SEGMENT_MAX/MIN take float32 or int32 data");
  if (std::find(xs.begin(), xs.end(), kDynamicDim) != xs.end())
    return NodeError(node, "a max/min scatter needs the data's shape when converting");
  const size_t depth = static_cast<size_t>(is.back());
  int64_t segments = 1, inner = 1;
  std::vector<int64_t> strides(depth, 1);
  for (size_t k = depth; k-- > 0;) strides[k] = k + 1 < depth ? strides[k + 1] * xs[k + 1] : 1;
  for (size_t k = 0; k < xs.size(); ++k)
    if (__builtin_mul_overflow(k < depth ? segments : inner, xs[k], k < depth ? &segments : &inner))
      return NodeError(node, "the data is too large");
  if (segments > INT32_MAX) return NodeError(node, "too many index positions for int32");
  const std::string name = node.def.name();
  Chain c(node, t);
  const int stride = t.ConstI32(name + "/strides", strides);
  PT2TF_ASSIGN_OR_RETURN(int scaled, c.Binary(Op::BuiltinOperator_MUL, idx, stride));
  ir::Dims lead(is.begin(), is.end() - 1);
  const int flat = t.NewTensor(name + "/segment", TensorType::TensorType_INT32, lead);
  t.Op(Op::BuiltinOperator_SUM, {scaled, t.ConstI32(name + "/last", {-1}, ir::Dims{})}, {flat},
       ::tflite::BuiltinOptions_ReducerOptions,
       ::tflite::CreateReducerOptions(t.fbb(), false).Union());
  // [blocks] ids and [blocks, inner] updates (the count is static when the indices are).
  int64_t count = 1;
  for (int64_t d : lead) count = d == kDynamicDim || count == kDynamicDim ? kDynamicDim : count * d;
  const int ids = t.NewTensor(name + "/ids", TensorType::TensorType_INT32, {count});
  t.Op(Op::BuiltinOperator_RESHAPE, {flat, t.ConstI32(name + "/ids_shape", {-1})}, {ids});
  const int blocks = t.NewTensor(name + "/blocks", xi.type, {count, inner});
  t.Op(Op::BuiltinOperator_RESHAPE, {u, t.ConstI32(name + "/blocks_shape", {-1, inner})}, {blocks});
  const int reduced = t.NewTensor(name + "/reduced", xi.type, {segments, inner});
  t.Op(is_max ? Op::BuiltinOperator_UNSORTED_SEGMENT_MAX : Op::BuiltinOperator_UNSORTED_SEGMENT_MIN,
       {blocks, ids, t.ConstI32(name + "/segments", {segments}, ir::Dims{})}, {reduced});
  const int shaped = t.NewTensor(name + "/shaped", xi.type, xs);
  t.Op(Op::BuiltinOperator_RESHAPE, {reduced, t.ConstI32(name + "/x_shape", xs)}, {shaped});
  const int y = t.Output(node, 0, xi.type, xs);
  t.Op(is_max ? Op::BuiltinOperator_MAXIMUM : Op::BuiltinOperator_MINIMUM, {x, shaped}, {y});
  return OkStatus();
}

Status ConvertTensorScatter(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int idx, Int32Operand(node, t, 1));
  PT2TF_ASSIGN_OR_RETURN(int u, t.In(node, 2));
  const TensorSpec xi = t.Info(x);
  const ir::Dims xs = xi.shape, is = t.Info(idx).shape, us = t.Info(u).shape;
  if (xi.type != TensorType::TensorType_FLOAT32 && xi.type != TensorType::TensorType_INT32 &&
      xi.type != TensorType::TensorType_INT64)
    return NodeError(node, "SCATTER_ND takes float32, int32 or int64 data");
  if (t.Info(u).type != xi.type) return NodeError(node, "updates differ in type from the data");
  if (is.empty() || is.back() < 0 || is.back() > static_cast<int64_t>(xs.size()))
    return NodeError(node, "indices " + ShapeToString(is) + " do not index " + ShapeToString(xs));
  if (node.def.op() == "TensorScatterMax" || node.def.op() == "TensorScatterMin")
    return ScatterMaxMin(node, t, x, idx, u);
  PT2TF_ASSIGN_OR_RETURN(int single, SingleBlockUpdate(node, t, x, idx, u));
  if (single >= 0) return OkStatus();
  Chain c(node, t);
  const int shape = t.ShapeOperand(x, node.def.name() + "/shape");
  auto scatter = [&](int updates, TensorType type, const char* what) {
    const int y = t.NewTensor(node.def.name() + "/" + what, type, xs);
    t.Op(Op::BuiltinOperator_SCATTER_ND, {idx, updates, shape}, {y});
    return y;
  };
  const int scattered = scatter(u, xi.type, "scattered");
  if (node.def.op() == "TensorScatterAdd") {
    PT2TF_ASSIGN_OR_RETURN(int y, c.Binary(Op::BuiltinOperator_ADD, x, scattered));
    c.Finish(y);
    return OkStatus();
  }
  // int32 ones of the updates' shape (FILL: no buffer the size of the updates).
  const int ushape = t.ShapeOperand(u, node.def.name() + "/updates_shape");
  PT2TF_ASSIGN_OR_RETURN(int one, c.Scalar(TensorType::TensorType_INT32, 1));
  const int ones = t.NewTensor(node.def.name() + "/ones", TensorType::TensorType_INT32, us);
  t.Op(Op::BuiltinOperator_FILL, {ushape, one}, {ones});
  const int count = scatter(ones, TensorType::TensorType_INT32, "written");
  PT2TF_ASSIGN_OR_RETURN(int zero, c.Scalar(TensorType::TensorType_INT32, 0));
  PT2TF_ASSIGN_OR_RETURN(int written, c.Binary(Op::BuiltinOperator_GREATER, count, zero));
  // An element written k times holds the sum of its k updates: divided by k, it is the value
  // when the repeats agree (scatter(1, ids, 1.0) over repeated ids), as TF's and ONNX
  // Runtime's kernels give. Skipped when constant indices are known to be distinct.
  int value = scattered;
  if (!DistinctConstIndices(node, t)) {
    if (xi.type == TensorType::TensorType_INT64)
      return NodeError(node,
                       "int64 data with indices that may repeat (TFLite has no int64 "
                       "division to undo SCATTER_ND's sum)");
    const int k = xi.type == TensorType::TensorType_INT32 ? count : c.Cast(count, xi.type);
    PT2TF_ASSIGN_OR_RETURN(int one_of_type, c.Scalar(xi.type, 1));
    PT2TF_ASSIGN_OR_RETURN(int k1, c.Binary(Op::BuiltinOperator_MAXIMUM, k, one_of_type));
    PT2TF_ASSIGN_OR_RETURN(value, c.Binary(Op::BuiltinOperator_DIV, scattered, k1));
  }
  PT2TF_ASSIGN_OR_RETURN(int y, c.Select(written, value, x));
  c.Finish(y);
  return OkStatus();
}

Status ConvertOneHot(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int idx, t.In(node, 0));
  std::vector<int64_t> depth = {kDynamicDim};  // depth computed at run time
  int d = 0;
  if (!t.Const(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(d, Int32Operand(node, t, 1));
    if (!t.Info(d).shape.empty()) return NodeError(node, "depth must be a scalar");
  } else {
    PT2TF_ASSIGN_OR_RETURN(depth, t.ConstInts(node, 1));
    if (depth.size() != 1 || depth[0] < 0) return NodeError(node, "depth must be one integer >= 0");
    d = t.ConstI32(node.def.name() + "/depth", depth, ir::Dims{});
  }
  PT2TF_ASSIGN_OR_RETURN(int on, t.In(node, 2));
  PT2TF_ASSIGN_OR_RETURN(int off, t.In(node, 3));
  const ir::Dims is = t.Info(idx).shape;
  int64_t axis = AttrInt(node, "axis", -1);
  const int64_t out_rank = static_cast<int64_t>(is.size()) + 1;
  if (axis < -1 || axis >= out_rank) return NodeError(node, "axis out of range");
  if (axis == -1) axis = out_rank - 1;
  ir::Dims ys = is;
  ys.insert(ys.begin() + axis, depth[0]);
  const int y = t.Output(node, 0, t.Info(on).type, ys);
  auto o = ::tflite::CreateOneHotOptions(t.fbb(), static_cast<int32_t>(axis));
  t.Op(Op::BuiltinOperator_ONE_HOT, {idx, d, on, off}, {y}, ::tflite::BuiltinOptions_OneHotOptions,
       o.Union());
  return OkStatus();
}

Status ConvertTopK(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  ir::Dims ys = t.Info(x).shape;
  if (ys.empty()) return NodeError(node, "the input must have a last dim");
  int kt = -1;
  if (!t.Const(node, 1)) {
    // k computed at run time (a detector's min(candidates, boxes)): the kernel checks it.
    PT2TF_ASSIGN_OR_RETURN(kt, Int32Operand(node, t, 1));
    if (!t.Info(kt).shape.empty()) return NodeError(node, "k must be a scalar");
    ys.back() = kDynamicDim;
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> k, t.ConstInts(node, 1));
    // Over a last dim known only at run time, the kernel checks k against it.
    if (k.size() != 1 || k[0] < 0 || (ys.back() != kDynamicDim && k[0] > ys.back()))
      return NodeError(node, "k must be one integer within the last dim");
    ys.back() = k[0];
    kt = t.ConstI32(node.def.name() + "/k", k, ir::Dims{});
  }
  const int values = t.Output(node, 0, t.Info(x).type, ys);
  auto index_type = AttrType(node, "index_type");
  PT2TF_ASSIGN_OR_RETURN(TensorType it,
                         TfliteType(index_type ? *index_type : tensorflow::DT_INT32));
  if (it == TensorType::TensorType_INT32) {
    const int indices = t.Output(node, 1, it, ys);
    t.Op(Op::BuiltinOperator_TOPK_V2, {x, kt}, {values, indices});
    return OkStatus();
  }
  const int indices32 =
      t.NewTensor(node.def.name() + "/indices32", TensorType::TensorType_INT32, ys);
  t.Op(Op::BuiltinOperator_TOPK_V2, {x, kt}, {values, indices32});
  Chain c(node, t);
  t.Bind(node, 1, c.Cast(indices32, it));
  return OkStatus();
}

Status ConvertReverse(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, t.ConstInts(node, 1));
  const ir::Dims xs = t.Info(x).shape;
  const int64_t rank = static_cast<int64_t>(xs.size());
  if (axes.empty()) {
    t.Bind(node, 0, x);
    return OkStatus();
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank) return NodeError(node, "axis out of range");
    const int at = t.ConstI32(node.def.name() + "/axis" + std::to_string(i), {a});
    const int y = i + 1 == axes.size()
                      ? t.Output(node, 0, t.Info(x).type, xs)
                      : t.NewTensor(node.def.name() + "/r" + std::to_string(i), t.Info(x).type, xs);
    t.Op(Op::BuiltinOperator_REVERSE_V2, {x, at}, {y});
    x = y;
  }
  return OkStatus();
}

Status ConvertReverseSequence(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int lens, t.In(node, 1));
  const TensorSpec xs = t.Info(x);  // a copy: adding tensors moves the table
  const TensorType lt = t.Info(lens).type;
  if (lt != TensorType::TensorType_INT32 && lt != TensorType::TensorType_INT64)
    return NodeError(node, "sequence lengths must be int32 or int64");
  const int64_t seq = AttrInt(node, "seq_dim"), batch = AttrInt(node, "batch_dim");
  const int64_t rank = static_cast<int64_t>(xs.shape.size());
  if (seq < 0 || seq >= rank || batch < 0 || batch >= rank || seq == batch)
    return NodeError(node, "seq_dim and batch_dim must be two different axes");
  const int y = t.Output(node, 0, xs.type, xs.shape);
  auto o = ::tflite::CreateReverseSequenceOptions(t.fbb(), static_cast<int32_t>(seq),
                                                  static_cast<int32_t>(batch));
  t.Op(Op::BuiltinOperator_REVERSE_SEQUENCE, {x, lens}, {y},
       ::tflite::BuiltinOptions_ReverseSequenceOptions, o.Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite
