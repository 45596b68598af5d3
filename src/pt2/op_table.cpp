// The one table of supported ATen targets: `aten.<op>.<overload>` → builder. In-place
// variants (relu_, add_) appear because torch.export keeps them in inference graphs; on
// values nobody else reads they equal the functional op.
#include <algorithm>
#include <map>

#include "pt2/ops/ops.h"

namespace pt2tf::pt2 {
namespace {

const std::map<std::string, OpBuilder>& Table() {
  using namespace ops;
  static const std::map<std::string, OpBuilder> kTable = {
      // activation.cpp
      {"aten.relu.default", Relu},
      {"aten.relu_.default", Relu},
      {"aten.relu6.default", Relu6},
      {"aten.hardtanh.default", Hardtanh},
      {"aten.hardtanh_.default", Hardtanh},
      {"aten.hardswish.default", Hardswish},
      {"aten.hardswish_.default", Hardswish},
      {"aten.hardsigmoid.default", Hardsigmoid},
      {"aten.hardsigmoid_.default", Hardsigmoid},
      {"aten.silu.default", Silu},
      {"aten.silu_.default", Silu},
      {"aten.sigmoid.default", Sigmoid},
      {"aten.sigmoid_.default", Sigmoid},
      {"aten.tanh.default", Tanh},
      {"aten.tanh_.default", Tanh},
      {"aten.gelu.default", Gelu},
      {"aten.gelu_.default", Gelu},
      {"aten.leaky_relu.default", LeakyRelu},
      {"aten.leaky_relu_.default", LeakyRelu},
      {"aten.elu.default", Elu},
      {"aten.elu_.default", Elu},
      {"aten.mish.default", Mish},
      {"aten.mish_.default", Mish},
      {"aten.softplus.default", Softplus},
      {"aten.softmax.int", Softmax},
      {"aten._softmax.default", Softmax},
      {"aten.log_softmax.int", LogSoftmax},
      {"aten._log_softmax.default", LogSoftmax},
      {"aten.clamp.default", Clamp},
      {"aten.clamp.Tensor", Clamp},
      {"aten.clamp_.default", Clamp},
      {"aten.clamp_min.default", ClampMin},
      {"aten.clamp_max.default", ClampMax},
      // elementwise.cpp
      {"aten.add.Tensor", Add},
      {"aten.add.Scalar", Add},
      {"aten.add_.Tensor", Add},
      {"aten.sub.Tensor", Sub},
      {"aten.sub.Scalar", Sub},
      {"aten.sub_.Tensor", Sub},
      {"aten.rsub.Scalar", Rsub},
      {"aten.rsub.Tensor", Rsub},
      {"aten.mul.Tensor", Mul},
      {"aten.mul.Scalar", Mul},
      {"aten.mul_.Tensor", Mul},
      {"aten.div.Tensor", Div},
      {"aten.div.Scalar", Div},
      {"aten.div_.Tensor", Div},
      {"aten.div.Tensor_mode", DivMode},
      {"aten.floor_divide.default", DivMode},
      {"aten.pow.Tensor_Scalar", Pow},
      {"aten.pow.Tensor_Tensor", Pow},
      {"aten.maximum.default", Maximum},
      {"aten.minimum.default", Minimum},
      {"aten.eq.Tensor", Eq},
      {"aten.eq.Scalar", Eq},
      {"aten.ne.Tensor", Ne},
      {"aten.ne.Scalar", Ne},
      {"aten.lt.Tensor", Lt},
      {"aten.lt.Scalar", Lt},
      {"aten.le.Tensor", Le},
      {"aten.le.Scalar", Le},
      {"aten.gt.Tensor", Gt},
      {"aten.gt.Scalar", Gt},
      {"aten.ge.Tensor", Ge},
      {"aten.ge.Scalar", Ge},
      {"aten.logical_and.default", LogicalAnd},
      {"aten.logical_or.default", LogicalOr},
      {"aten.logical_not.default", LogicalNot},
      {"aten.bitwise_not.default", LogicalNot},  // bool tensors only (Cast to bool first)
      {"aten.where.self", Where},
      {"aten.masked_fill.Scalar", MaskedFill},
      {"aten.masked_fill.Tensor", MaskedFill},
      {"aten.masked_fill_.Scalar", MaskedFill},
      {"aten.sqrt.default", Sqrt},
      {"aten.rsqrt.default", Rsqrt},
      {"aten.exp.default", Exp},
      {"aten.log.default", Log},
      {"aten.neg.default", Neg},
      {"aten.abs.default", Abs},
      {"aten.erf.default", Erf},
      {"aten.reciprocal.default", Reciprocal},
      {"aten.floor.default", Floor},
      {"aten.ceil.default", Ceil},
      {"aten.sin.default", Sin},
      {"aten.cos.default", Cos},
      // conv_pool.cpp
      {"aten.conv1d.default", Conv},
      {"aten.conv2d.default", Conv},
      {"aten.conv3d.default", Conv},
      {"aten.conv2d.padding", ConvPadding},
      {"aten.conv1d.padding", ConvPadding},
      {"aten.convolution.default", Convolution},
      {"aten.max_pool2d.default", MaxPool},
      {"aten.max_pool2d_with_indices.default", MaxPool},
      {"aten.max_pool1d.default", MaxPool},
      {"aten.avg_pool2d.default", AvgPool},
      {"aten.avg_pool1d.default", AvgPool},
      {"aten.adaptive_avg_pool2d.default", AdaptiveAvgPool},
      {"aten._adaptive_avg_pool2d.default", AdaptiveAvgPool},
      {"aten.adaptive_avg_pool1d.default", AdaptiveAvgPool},
      {"aten.adaptive_max_pool2d.default", AdaptiveMaxPool},
      // norm.cpp
      {"aten.batch_norm.default", BatchNorm},
      {"aten._native_batch_norm_legit_no_training.default", NativeBatchNormNoTraining},
      {"aten.layer_norm.default", LayerNorm},
      {"aten.native_layer_norm.default", NativeLayerNorm},
      {"aten.group_norm.default", GroupNorm},
      // matmul.cpp
      {"aten.linear.default", Linear},
      {"aten.addmm.default", Addmm},
      {"aten.mm.default", MatMul},
      {"aten.bmm.default", MatMul},
      {"aten.matmul.default", MatMul},
      {"aten.baddbmm.default", Baddbmm},
      {"aten.scaled_dot_product_attention.default", ScaledDotProductAttention},
      // shape_ops.cpp
      {"aten.view.default", View},
      {"aten.reshape.default", View},
      {"aten._unsafe_view.default", View},
      {"aten.flatten.using_ints", Flatten},
      {"aten.permute.default", Permute},
      {"aten.transpose.int", Transpose},
      {"aten.t.default", T},
      {"aten.unsqueeze.default", Unsqueeze},
      {"aten.squeeze.dim", Squeeze},
      {"aten.squeeze.dims", Squeeze},
      {"aten.squeeze.default", Squeeze},
      {"aten.expand.default", Expand},
      {"aten.repeat.default", Repeat},
      {"aten.cat.default", Cat},
      {"aten.concat.default", Cat},
      {"aten.stack.default", Stack},
      {"aten.split.Tensor", Split},
      {"aten.split_with_sizes.default", SplitWithSizes},
      {"aten.chunk.default", Chunk},
      {"aten.unbind.int", Unbind},
      {"aten.clone.default", Identity},
      {"aten.contiguous.default", Identity},
      {"aten.alias.default", Identity},
      {"aten.detach.default", Identity},
      {"aten.detach_.default", Identity},
      {"aten.lift_fresh_copy.default", Identity},
      {"aten.dropout.default", Identity},
      {"aten.dropout_.default", Identity},
      {"aten.feature_dropout.default", Identity},
      {"aten.alpha_dropout.default", Identity},
      {"aten._assert_tensor_metadata.default", NoOp},
      {"aten._assert_scalar.default", NoOp},
      {"aten.sym_constrain_range_for_size.default", NoOp},
      {"aten.to.dtype", ToDType},
      {"aten.to.dtype_layout", ToDType},
      {"aten.to.device", ToDType},
      {"aten._to_copy.default", ToDType},
      {"aten.type_as.default", ToDType},
      {"aten.float.default", ToDType},
      {"aten.sym_size.int", SymSize},
      // index_ops.cpp
      {"aten.slice.Tensor", Slice},
      {"aten.select.int", Select},
      {"aten.index.Tensor", Index},
      {"aten.embedding.default", Embedding},
      {"aten.index_select.default", IndexSelect},
      // reduce.cpp
      {"aten.mean.dim", Mean},
      {"aten.sum.dim_IntList", Sum},
      {"aten.amax.default", Amax},
      {"aten.amin.default", Amin},
      {"aten.max.dim", MaxDim},
      {"aten.argmax.default", ArgMax},
      // creation.cpp
      {"aten.arange.default", Arange},
      {"aten.arange.start", Arange},
      {"aten.arange.start_step", Arange},
      {"aten.full.default", Full},
      {"aten.zeros.default", Zeros},
      {"aten.ones.default", Ones},
      {"aten.new_zeros.default", NewZeros},
      {"aten.new_ones.default", NewOnes},
      {"aten.full_like.default", FullLike},
      {"aten.zeros_like.default", ZerosLike},
      {"aten.ones_like.default", OnesLike},
      {"aten.scalar_tensor.default", ScalarTensor},
      {"aten.pad.default", Pad},
      {"aten.constant_pad_nd.default", Pad},
  };
  return kTable;
}

}  // namespace

OpBuilder FindOpBuilder(const std::string& target) {
  const std::string key = target.rfind("torch.ops.", 0) == 0 ? target.substr(10) : target;
  auto it = Table().find(key);
  return it == Table().end() ? nullptr : it->second;
}

std::vector<std::string> SupportedTargets() {
  std::vector<std::string> out;
  for (const auto& [name, builder] : Table()) out.push_back(name);
  return out;
}

}  // namespace pt2tf::pt2
