// MatMul, and BatchMatMulV2 of a static input, with a constant 2-D right operand (+ bias +
// Relu/Relu6) → FULLY_CONNECTED, its weights [units, inputs] a transposed view of TF's
// [K, N]; other MatMuls and BatchMatMulV2 → BATCH_MATMUL; a BiasAdd that did not fuse → ADD.
#include <algorithm>

#include "tflite/ops/fuse.h"
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

Status BatchMatMul(const tf::TfNode& node, Translator& t, bool adj_x, bool adj_y) {
  PT2TF_ASSIGN_OR_RETURN(int a, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int b, t.In(node, 1));
  ir::Dims as = t.Info(a).shape, bs = t.Info(b).shape;
  if (as.size() < 2 || bs.size() < 2) return NodeError(node, "operands must be at least 2-D");
  const int64_t m = adj_x ? as[as.size() - 1] : as[as.size() - 2];
  const int64_t ka = adj_x ? as[as.size() - 2] : as[as.size() - 1];
  const int64_t kb = adj_y ? bs[bs.size() - 1] : bs[bs.size() - 2];
  const int64_t n = adj_y ? bs[bs.size() - 2] : bs[bs.size() - 1];
  // A run-time inner dim is checked by the kernel.
  if (ka != kb && ka != kDynamicDim && kb != kDynamicDim)
    return NodeError(node, "inner dimensions differ");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims batch, Broadcast(ir::Dims(as.begin(), as.end() - 2),
                                                   ir::Dims(bs.begin(), bs.end() - 2)));
  batch.push_back(m);
  batch.push_back(n);
  const int y = t.Output(node, 0, t.Info(a).type, batch);
  auto o = ::tflite::CreateBatchMatMulOptions(t.fbb(), adj_x, adj_y);
  t.Op(BuiltinOperator::BuiltinOperator_BATCH_MATMUL, {a, b}, {y},
       ::tflite::BuiltinOptions_BatchMatMulOptions, o.Union());
  return OkStatus();
}

}  // namespace

namespace {

// x [..., K] times the constant `w` ([K, N], or [N, K] when `w_transposed`) as
// FULLY_CONNECTED (+ the bias and activation that fuse). keep_num_dims keeps x's leading
// dims: [..., N].
Status FullyConnected(const tf::TfNode& node, Translator& t, int x, const ConstView& w,
                      bool w_transposed) {
  const ir::Dims xs = t.Info(x).shape;
  ConstView weights = w;  // [units, inputs] for TFLite
  if (!w_transposed) {
    PT2TF_ASSIGN_OR_RETURN(weights, PermuteConst(w, {1, 0}));
  }
  const int64_t units = weights.shape[0];
  if (xs.size() < 2 || xs.back() != weights.shape[1])
    return NodeError(
        node, "input " + ShapeToString(xs) + " does not match weights " + ShapeToString(w.shape));
  PT2TF_ASSIGN_OR_RETURN(int f,
                         t.ConstTensor(t.Producer(node, 1)->def.name() + "/tflite", weights));
  PT2TF_ASSIGN_OR_RETURN(Fused fused, FuseBiasActivation(node, t, units));
  ir::Dims ys(xs.begin(), xs.end() - 1);
  ys.push_back(units);
  const int y = t.NewTensor(fused.last->def.name(), TensorType::TensorType_FLOAT32, ys);
  auto o = ::tflite::CreateFullyConnectedOptions(
      t.fbb(), fused.activation, ::tflite::FullyConnectedOptionsWeightsFormat_DEFAULT,
      /*keep_num_dims=*/xs.size() > 2);
  t.Op(BuiltinOperator::BuiltinOperator_FULLY_CONNECTED, {x, f, fused.bias}, {y},
       ::tflite::BuiltinOptions_FullyConnectedOptions, o.Union());
  fused.Bind(node, t, y);
  return OkStatus();
}

}  // namespace

Status ConvertMatMul(const tf::TfNode& node, Translator& t) {
  const bool ta = AttrBool(node, "transpose_a"), tb = AttrBool(node, "transpose_b");
  auto w = t.Const(node, 1);
  PT2TF_ASSIGN_OR_RETURN(TensorType type, t.InType(node, 0));
  if (ta || !w || w->shape.size() != 2 || type != TensorType::TensorType_FLOAT32)
    return BatchMatMul(node, t, ta, tb);
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  if (t.Info(x).shape.size() != 2)
    return NodeError(node, "input " + ShapeToString(t.Info(x).shape) + " is not 2-D");
  return FullyConnected(node, t, x, *w, tb);
}

// A sequence times a constant 2-D weight (nn.Linear on [batch, tokens, features]: what every
// transformer block does four times) is FULLY_CONNECTED with keep_num_dims, as TFLite's own
// converter writes it: LiteRT's FC kernels are its fastest, and FC weights are what the
// int8 modes quantize (as BATCH_MATMUL they stayed float32). Static inputs only: the
// BATCH_MATMUL kernel sizes a run-time-shaped output.
Status ConvertBatchMatMul(const tf::TfNode& node, Translator& t) {
  const bool adj_x = AttrBool(node, "adj_x"), adj_y = AttrBool(node, "adj_y");
  auto w = t.Const(node, 1);
  PT2TF_ASSIGN_OR_RETURN(TensorType type, t.InType(node, 0));
  if (!adj_x && w && w->shape.size() == 2 && type == TensorType::TensorType_FLOAT32) {
    PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
    const ir::Dims& xs = t.Info(x).shape;
    const bool is_static =
        std::none_of(xs.begin(), xs.end(), [](int64_t d) { return d == kDynamicDim; });
    if (xs.size() >= 2 && is_static && xs.back() == w->shape[adj_y ? 1 : 0])
      return FullyConnected(node, t, x, *w, adj_y);
  }
  return BatchMatMul(node, t, adj_x, adj_y);
}

Status ConvertBiasAdd(const tf::TfNode& node, Translator& t) {
  if (AttrString(node, "data_format", "NHWC") != "NHWC") return NodeError(node, "not NHWC");
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  PT2TF_ASSIGN_OR_RETURN(int b, t.In(node, 1));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ys, Broadcast(t.Info(x).shape, t.Info(b).shape));
  const int y = t.Output(node, 0, t.Info(x).type, ys);
  t.Op(BuiltinOperator::BuiltinOperator_ADD, {x, b}, {y}, ::tflite::BuiltinOptions_AddOptions,
       ::tflite::CreateAddOptions(t.fbb()).Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite
