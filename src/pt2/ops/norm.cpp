// Normalisation: aten.batch_norm (inference), _native_batch_norm_legit_no_training,
// layer_norm / native_layer_norm, group_norm, rms_norm, _weight_norm(_interface). Missing affine
// parameters become constant ones / zeros, as torch's defaults.
#include "pt2/ops/ops.h"

#include "ir/eval/host_tensor.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

ir::Value* Filled(ImportContext& ctx, double value, DType dtype, std::vector<int64_t> shape) {
  ir::eval::HostTensor h;
  h.dtype = dtype;
  h.shape = shape;
  if (h.is_float())
    h.f.assign(static_cast<size_t>(h.numel()), value);
  else
    h.i.assign(static_cast<size_t>(h.numel()), static_cast<int64_t>(value));
  Result<Tensor> t = h.ToTensor();
  return ctx.graph().AddInitializer(ctx.graph().UniqueName("const"), std::move(*t));
}

Status BatchNormCommon(OpCall& c, double eps) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * weight, c.OptTensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * mean, c.OptTensor("running_mean"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * var, c.OptTensor("running_var"));
  if (mean == nullptr || var == nullptr)
    return c.Error("batch statistics (no running_mean / running_var) are not supported");
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> msize, c.Sizes("running_mean"));
  if (weight == nullptr) weight = Filled(ctx, 1.0, x->dtype, msize);
  if (bias == nullptr) bias = Filled(ctx, 0.0, x->dtype, msize);
  return c.SetOutput(ctx.Op("BatchNormalization", {x, weight, bias, mean, var},
                            {{"epsilon", Attribute::Float(static_cast<float>(eps))}}));
}

Status LayerNormCommon(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> normalized, c.Ints("normalized_shape"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * weight, c.OptTensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", 1e-5));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("input"));
  const int64_t n = static_cast<int64_t>(normalized.size());
  if (n == 0 || n > rank) return c.Error("normalized_shape of " + std::to_string(n) + " dims");
  if (weight == nullptr) weight = Filled(ctx, 1.0, x->dtype, normalized);
  std::vector<ir::Value*> inputs = {x, weight};
  if (bias) inputs.push_back(bias);
  return c.SetOutput(ctx.Op(
      "LayerNormalization", inputs,
      {{"axis", Attribute::Int(-n)}, {"epsilon", Attribute::Float(static_cast<float>(eps))}}));
}

}  // namespace

Status BatchNorm(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(bool training, c.Bool("training", false));
  if (training) return c.Error("training-mode batch norm (export the model in eval mode)");
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", 1e-5));
  return BatchNormCommon(c, eps);
}

Status NativeBatchNormNoTraining(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", 1e-5));
  return BatchNormCommon(c, eps);  // outputs 1, 2 (saved mean / rstd) stay unbound
}

Status LayerNorm(OpCall& c) { return LayerNormCommon(c); }
Status NativeLayerNorm(OpCall& c) { return LayerNormCommon(c); }

Status GroupNorm(OpCall& c) {
  // y = (x - mean_g) / sqrt(var_g + eps) · w + b, statistics over each group's elements.
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(int64_t groups, c.Int("num_groups"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * weight, c.OptTensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", 1e-5));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("input"));
  if (sizes.size() < 2 || sizes[1] <= 0 || groups <= 0 || sizes[1] % groups != 0)
    return c.Error("channels not divisible into groups");
  ir::Value* shape = ctx.Op("Shape", {x});
  shape->dtype = DType::kInt64;
  ir::Value* g = ctx.Op("Reshape", {x, ctx.ConstInts({0, groups, -1})});
  ir::Value* axes = ctx.ConstInts({2});
  ir::Value* mean = ctx.Op("ReduceMean", {g, axes}, {{"keepdims", Attribute::Int(1)}});
  ir::Value* centered = ctx.Op("Sub", {g, mean});
  ir::Value* var = ctx.Op("ReduceMean", {ctx.Op("Mul", {centered, centered}), axes},
                          {{"keepdims", Attribute::Int(1)}});
  ir::Value* normed = ctx.Op(
      "Div", {centered, ctx.Op("Sqrt", {ctx.Op("Add", {var, ctx.ConstScalar(eps, x->dtype)})})});
  ir::Value* y = ctx.Op("Reshape", {normed, shape});
  std::vector<int64_t> bshape(sizes.size(), 1);
  bshape[1] = sizes[1];
  if (weight) y = ctx.Op("Mul", {y, ctx.Op("Reshape", {weight, ctx.ConstInts(bshape)})});
  if (bias) y = ctx.Op("Add", {y, ctx.Op("Reshape", {bias, ctx.ConstInts(bshape)})});
  return c.SetOutput(y);
}

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {
namespace {

// torch.finfo(dtype).eps, rms_norm's default epsilon.
double MachineEpsilon(DType t) {
  switch (t) {
    case DType::kFloat16:
      return 0.0009765625;
    case DType::kBFloat16:
      return 0.0078125;
    case DType::kFloat64:
      return 2.220446049250313e-16;
    default:
      return 1.1920928955078125e-07;
  }
}

// The weight-norm scale g / ||v|| (norm over every dim but `dim`; all dims for dim -1), and
// that norm, both with kept dims as torch's norm_except_dim.
Status WeightNormCommon(OpCall& c, bool with_norm) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * v, c.Tensor("v"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * g, c.Tensor("g"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("v"));
  PT2TF_ASSIGN_OR_RETURN(int64_t dim, c.Int("dim", 0));
  std::vector<int64_t> axes;
  if (dim != -1) {
    PT2TF_ASSIGN_OR_RETURN(dim, NormAxis(c, dim, rank));
  }
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim) axes.push_back(i);
  ir::Value* norm = axes.empty() ? ctx.Op("Abs", {v})
                                 : ctx.Op("ReduceL2", {v, ctx.ConstInts(axes)},
                                          {{"keepdims", Attribute::Int(1)}});
  if (dim == -1) norm = ctx.Op("Reshape", {norm, ctx.ConstInts({})});  // a 0-D norm
  PT2TF_RETURN_IF_ERROR(c.SetOutput(ctx.Op("Mul", {v, ctx.Op("Div", {g, norm})}), 0));
  return with_norm ? c.SetOutput(norm, 1) : OkStatus();
}

}  // namespace

// rms_norm: x / sqrt(mean(x², normalized dims) + eps) · weight (ONNX RMSNormalization is
// opset 23; this is what it expands to).
Status RmsNorm(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> normalized, c.Ints("normalized_shape"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * weight, c.OptTensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("input"));
  const DType t = c.OutputDType();
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", MachineEpsilon(t)));
  const int64_t n = static_cast<int64_t>(normalized.size());
  if (n == 0 || n > rank) return c.Error("normalized_shape of " + std::to_string(n) + " dims");
  std::vector<int64_t> axes;
  for (int64_t i = rank - n; i < rank; ++i) axes.push_back(i);
  x = ctx.Cast(x, t);
  ir::Value* ms = ctx.Op("ReduceMean", {ctx.Op("Mul", {x, x}), ctx.ConstInts(axes)},
                         {{"keepdims", Attribute::Int(1)}});
  ir::Value* y = ctx.Op("Div", {x, ctx.Op("Sqrt", {ctx.Op("Add", {ms, ctx.ConstScalar(eps, t)})})});
  if (weight) y = ctx.Op("Mul", {y, ctx.Cast(weight, t)});
  return c.SetOutput(y);
}

Status WeightNorm(OpCall& c) { return WeightNormCommon(c, false); }
Status WeightNormInterface(OpCall& c) { return WeightNormCommon(c, true); }

}  // namespace pt2tf::pt2::ops

namespace pt2tf::pt2::ops {

// instance_norm: ONNX InstanceNormalization (statistics per sample and channel); with
// use_input_stats=False it normalises with the running statistics, a batch norm.
Status InstanceNorm(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(bool use_input_stats, c.Bool("use_input_stats", true));
  PT2TF_ASSIGN_OR_RETURN(double eps, c.Float("eps", 1e-5));
  if (!use_input_stats) return BatchNormCommon(c, eps);
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, c.Sizes("input"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * weight, c.OptTensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  if (sizes.size() < 3 || sizes[1] < 0) return c.Error("input without a static channel dim");
  if (weight == nullptr) weight = Filled(ctx, 1.0, x->dtype, {sizes[1]});
  if (bias == nullptr) bias = Filled(ctx, 0.0, x->dtype, {sizes[1]});
  return c.SetOutput(ctx.Op("InstanceNormalization", {x, weight, bias},
                            {{"epsilon", Attribute::Float(static_cast<float>(eps))}}));
}

}  // namespace pt2tf::pt2::ops
