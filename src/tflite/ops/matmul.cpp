// MatMul with a constant right operand (+ BiasAdd + Relu/Relu6) → FULLY_CONNECTED, its
// weights [units, inputs] a transposed view of TF's [K, N]; other MatMuls and BatchMatMulV2
// → BATCH_MATMUL; a BiasAdd that did not fuse → ADD.
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

Status ConvertMatMul(const tf::TfNode& node, Translator& t) {
  const bool ta = AttrBool(node, "transpose_a"), tb = AttrBool(node, "transpose_b");
  auto w = t.Const(node, 1);
  PT2TF_ASSIGN_OR_RETURN(TensorType type, t.InType(node, 0));
  if (ta || !w || w->shape.size() != 2 || type != TensorType::TensorType_FLOAT32)
    return BatchMatMul(node, t, ta, tb);
  PT2TF_ASSIGN_OR_RETURN(int x, t.In(node, 0));
  const ir::Dims xs = t.Info(x).shape;
  ConstView weights = *w;  // [units, inputs] for TFLite
  if (!tb) {
    PT2TF_ASSIGN_OR_RETURN(weights, PermuteConst(*w, {1, 0}));
  }
  const int64_t units = weights.shape[0];
  if (xs.size() != 2 || xs[1] != weights.shape[1])
    return NodeError(
        node, "input " + ShapeToString(xs) + " does not match weights " + ShapeToString(w->shape));
  PT2TF_ASSIGN_OR_RETURN(int f,
                         t.ConstTensor(t.Producer(node, 1)->def.name() + "/tflite", weights));
  PT2TF_ASSIGN_OR_RETURN(Fused fused, FuseBiasActivation(node, t, units));
  const int y = t.NewTensor(fused.last->def.name(), type, {xs[0], units});
  auto o = ::tflite::CreateFullyConnectedOptions(t.fbb(), fused.activation);
  t.Op(BuiltinOperator::BuiltinOperator_FULLY_CONNECTED, {x, f, fused.bias}, {y},
       ::tflite::BuiltinOptions_FullyConnectedOptions, o.Union());
  fused.Bind(node, t, y);
  return OkStatus();
}

Status ConvertBatchMatMul(const tf::TfNode& node, Translator& t) {
  return BatchMatMul(node, t, AttrBool(node, "adj_x"), AttrBool(node, "adj_y"));
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
