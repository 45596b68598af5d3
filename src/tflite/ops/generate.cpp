// TF ops that make tensors from shapes and scalars → TFLite builtins: Shape (folded when
// the shape is static, so Fill/Reshape consumers read it as a constant; SHAPE when a dim is
// known only at run time), Fill (FILL), Range (RANGE), Cumsum (CUMSUM). Fill's dims and Range's
// operands may be computed at run time: the kernel then sizes the output (kDynamicDim here).
// BroadcastArgs is folded when both shapes are known, else BROADCAST_ARGS.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "tflite/ops/chain.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

Result<Tensor> IntVector(DType type, const std::vector<int64_t>& v) {
  const int size = ElementSize(type);
  std::vector<std::byte> bytes(v.size() * size);
  for (size_t i = 0; i < v.size(); ++i) {
    if (type == DType::kInt64) {
      std::memcpy(bytes.data() + i * size, &v[i], size);
    } else {
      const int32_t x = static_cast<int32_t>(v[i]);
      std::memcpy(bytes.data() + i * size, &x, size);
    }
  }
  return Tensor::FromBytes(type, {static_cast<int64_t>(v.size())}, std::move(bytes));
}

}  // namespace

Status ConvertShape(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, t.InShape(node, 0));
  auto out = AttrType(node, "out_type");
  const DType type = out && *out == tensorflow::DT_INT64 ? DType::kInt64 : DType::kInt32;
  if (std::find(xs.begin(), xs.end(), kDynamicDim) != xs.end()) {
    // A run-time dim: SHAPE computes the value when the model runs.
    PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
    const TensorType tt =
        type == DType::kInt64 ? TensorType::TensorType_INT64 : TensorType::TensorType_INT32;
    const int y = t.Output(node, 0, tt, {static_cast<int64_t>(xs.size())});
    t.Op(Op::BuiltinOperator_SHAPE, {x}, {y}, ::tflite::BuiltinOptions_ShapeOptions,
         ::tflite::CreateShapeOptions(t.fbb(), tt).Union());
    return OkStatus();
  }
  for (int64_t d : xs)
    if (type == DType::kInt32 && d > INT32_MAX) return NodeError(node, "dim exceeds int32");
  PT2TF_ASSIGN_OR_RETURN(Tensor v, IntVector(type, xs));
  t.Fold(node, 0, ConstView{v, v.shape()});
  return OkStatus();
}

Status ConvertFill(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int v, t.In(node, 1));
  if (!t.Info(v).shape.empty()) return NodeError(node, "value must be a scalar");
  ir::Dims dims;
  int dt = 0;
  if (!t.Const(node, 0)) {  // dims computed at run time
    PT2TF_ASSIGN_OR_RETURN(dt, Int32Operand(node, t, 0));
    const ir::Dims ds = t.Info(dt).shape;
    if (ds.size() != 1 || ds[0] < 0) return NodeError(node, "dims must be a 1-D tensor");
    dims.assign(ds[0], kDynamicDim);
  } else {
    PT2TF_ASSIGN_OR_RETURN(dims, t.ConstInts(node, 0));
    for (int64_t d : dims)
      if (d < 0) return NodeError(node, "negative dim " + std::to_string(d));
    dt = t.ConstI32(node.def.name() + "/dims", dims);
  }
  const int y = t.Output(node, 0, t.Info(v).type, dims);
  t.Op(Op::BuiltinOperator_FILL, {dt, v}, {y});
  return OkStatus();
}

Status ConvertRange(const tf::TfNode& node, Translator& t) {
  // The length, when start, limit and delta are constants (else RANGE sizes its output).
  double v[3];
  int64_t length = kDynamicDim;
  bool known = true;
  for (size_t i = 0; i < 3; ++i) {
    auto c = t.Const(node, i);
    if (c && c->data.numel() != 1) return NodeError(node, "start, limit and delta are scalars");
    known = known && c;
    if (c) v[i] = c->data.ElementAsDouble(0);
  }
  if (known) {
    if (v[2] == 0) return NodeError(node, "delta is 0");
    const double n = std::ceil((v[1] - v[0]) / v[2]);
    length = n > 0 ? static_cast<int64_t>(n) : 0;
  }
  PT2TF_ASSIGN_OR_RETURN(int start, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int limit, t.In(node, 1));
  PT2TF_ASSIGN_OR_RETURN(int delta, t.In(node, 2));
  const TensorType type = t.Info(start).type;
  if (type != TensorType::TensorType_FLOAT32 && type != TensorType::TensorType_INT32 &&
      type != TensorType::TensorType_INT64)
    return NodeError(
        node, std::string("TFLite's RANGE does not compute ") + ::tflite::EnumNameTensorType(type));
  const int y = t.Output(node, 0, type, {length});
  t.Op(Op::BuiltinOperator_RANGE, {start, limit, delta}, {y});
  return OkStatus();
}

Status ConvertCumsum(const tf::TfNode& node, Translator& t) {
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const TensorSpec xs = t.Info(x);  // a copy: adding tensors moves the table
  if (xs.type != TensorType::TensorType_FLOAT32 && xs.type != TensorType::TensorType_INT32 &&
      xs.type != TensorType::TensorType_INT64)
    return NodeError(node, std::string("TFLite's CUMSUM does not compute ") +
                               ::tflite::EnumNameTensorType(xs.type));
  const int64_t rank = static_cast<int64_t>(xs.shape.size());
  int at = 0;
  if (!t.Const(node, 1)) {  // axis computed at run time (the kernel takes negative axes)
    PT2TF_ASSIGN_OR_RETURN(at, Int32Operand(node, t, 1));
    if (!t.Info(at).shape.empty()) return NodeError(node, "axis must be a scalar");
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axis, t.ConstInts(node, 1));
    if (axis.size() != 1 || axis[0] < -rank || axis[0] >= rank)
      return NodeError(node, "axis must be one integer within the rank");
    at =
        t.ConstI32(node.def.name() + "/axis", {axis[0] < 0 ? axis[0] + rank : axis[0]}, ir::Dims{});
  }
  const int y = t.Output(node, 0, xs.type, xs.shape);
  auto o = ::tflite::CreateCumsumOptions(t.fbb(), AttrBool(node, "exclusive"),
                                         AttrBool(node, "reverse"));
  t.Op(Op::BuiltinOperator_CUMSUM, {x, at}, {y}, ::tflite::BuiltinOptions_CumsumOptions, o.Union());
  return OkStatus();
}

Status ConvertBroadcastArgs(const tf::TfNode& node, Translator& t) {
  auto a = t.Const(node, 0), b = t.Const(node, 1);
  if (a && b) {  // both known: the broadcast shape is known too
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sa, t.ConstInts(node, 0));
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sb, t.ConstInts(node, 1));
    auto shape = Broadcast(sa, sb);
    if (!shape.ok()) return NodeError(node, shape.status().message());
    PT2TF_ASSIGN_OR_RETURN(
        Tensor v,
        IntVector(a->data.dtype() == DType::kInt64 ? DType::kInt64 : DType::kInt32, *shape));
    t.Fold(node, 0, ConstView{v, v.shape()});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(int x, Int32Operand(node, t, 0));
  PT2TF_ASSIGN_OR_RETURN(int y, Int32Operand(node, t, 1));
  const ir::Dims xs = t.Info(x).shape, ys = t.Info(y).shape;
  if (xs.size() != 1 || ys.size() != 1) return NodeError(node, "shapes must be 1-D tensors");
  const int out = t.Output(node, 0, TensorType::TensorType_INT32, {std::max(xs[0], ys[0])});
  t.Op(Op::BuiltinOperator_BROADCAST_ARGS, {x, y}, {out});
  return OkStatus();
}

}  // namespace pt2tf::tflite
