// Gemm → MatMul (+ BiasAdd), MatMul → MatMul / BatchMatMulV2.
//
// A Flatten of an NHWC activation arrives here as a [N, H*W*C] matrix (FlatOrder): instead of
// transposing the activation back to NCHW, the constant weight's K rows are permuted to the
// same H, W, C order — a strided view of the original weight, written without a copy.
#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

// The weight matrix `b` ([K, N], or [N, K] when `k_last`) with its K axis reordered as
// `flat` describes. Returns the Const's name.
Result<std::string> PermutedWeight(EmitContext& ctx, const ir::Value* b, const FlatOrder& flat,
                                   bool k_last) {
  const Tensor& t = *EmitContext::ConstantOf(b);
  const int64_t k_axis = k_last ? 1 : 0, n_axis = 1 - k_axis;
  // Strides of the K axis split into `inner` (C-order).
  std::vector<int64_t> inner_strides(flat.inner.size());
  int64_t stride = t.strides()[k_axis];
  for (size_t i = flat.inner.size(); i-- > 0;) {
    inner_strides[i] = stride;
    stride *= flat.inner[i];
  }
  ir::Dims dims = Permute(flat.inner, flat.inner_perm);
  std::vector<int64_t> strides = Permute(inner_strides, flat.inner_perm);
  const int64_t n = t.shape()[n_axis];
  if (k_last) {
    dims.insert(dims.begin(), n);
    strides.insert(strides.begin(), t.strides()[n_axis]);
  } else {
    dims.push_back(n);
    strides.push_back(t.strides()[n_axis]);
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor view,
                         Tensor::Make(t.dtype(), dims, strides, t.offset(), t.storage()));
  return ctx.AddConst(std::move(view), b->name, t.shape());
}

// Whether `a` is a flattened permuted activation whose K order must be matched by `b`.
bool UsesFlatOrder(const TfValue& a, const ir::Value* b, EmitContext& ctx, int64_t k) {
  if (!a.flat || !EmitContext::ConstantOf(b)) return false;
  int64_t inner = 1;
  for (int64_t d : a.flat->inner) inner *= d;
  auto bs = ctx.Shape(b);
  return inner == k && bs.ok() && bs->size() == 2;
}

}  // namespace

Status EmitGemm(const ir::Node& node, EmitContext& ctx) {
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  if (!a || !b) return InvalidInput(node.Describe() + ": missing input");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims as, ctx.Shape(a));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims bs, ctx.Shape(b));
  if (as.size() != 2 || bs.size() != 2)
    return InvalidInput(node.Describe() + ": inputs must be 2-D");
  const bool trans_a = node.GetInt("transA", 0) != 0, trans_b = node.GetInt("transB", 0) != 0;
  const float alpha = node.GetFloat("alpha", 1.0f), beta = node.GetFloat("beta", 1.0f);
  const int64_t n = trans_b ? bs[0] : bs[1];

  PT2TF_ASSIGN_OR_RETURN(TfValue av, ctx.Get(a));
  std::string at, bt;
  if (!trans_a && UsesFlatOrder(av, b, ctx, trans_b ? bs[1] : bs[0])) {
    at = av.tensor;
    PT2TF_ASSIGN_OR_RETURN(bt, PermutedWeight(ctx, b, *av.flat, trans_b));
  } else {
    PT2TF_ASSIGN_OR_RETURN(at, ctx.GetAs(a, {}));
    PT2TF_ASSIGN_OR_RETURN(bt, ctx.GetAs(b, {}));
  }
  tensorflow::NodeDef& mm = ctx.AddOp(
      "MatMul", node.input(2) || alpha != 1 ? node.name + "/matmul" : node.name, {at, bt});
  SetAttrType(mm, "T", t);
  SetAttrBool(mm, "transpose_a", trans_a);
  SetAttrBool(mm, "transpose_b", trans_b);
  std::string y = mm.name();
  if (alpha != 1.0f) {
    PT2TF_ASSIGN_OR_RETURN(std::string c, ctx.ConstScalar(a->dtype, alpha, node.name + "/alpha"));
    y = ctx.Binary("Mul", y, c, t, node.input(2) ? node.name + "/scaled" : node.name);
  }
  if (const ir::Value* c = node.input(2)) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims cs, ctx.Shape(c));
    PT2TF_ASSIGN_OR_RETURN(std::string ct, ctx.GetBroadcastAs(c, 2, {}));
    if (beta != 1.0f) {
      PT2TF_ASSIGN_OR_RETURN(std::string bc, ctx.ConstScalar(a->dtype, beta, node.name + "/beta"));
      ct = ctx.Binary("Mul", ct, bc, t, node.name + "/bias_scaled");
    }
    if (cs.size() == 1 && cs[0] == n && n >= 0) {
      tensorflow::NodeDef& add = ctx.AddOp("BiasAdd", node.name, {y, ct});
      SetAttrType(add, "T", t);
      SetAttrString(add, "data_format", "NHWC");
      y = add.name();
    } else {
      y = ctx.Binary("AddV2", y, ct, t, node.name);
    }
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitMatMul(const ir::Node& node, EmitContext& ctx) {
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  if (!a || !b) return InvalidInput(node.Describe() + ": missing input");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims as, ctx.Shape(a));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims bs, ctx.Shape(b));
  if (as.empty() || bs.empty()) return InvalidInput(node.Describe() + ": scalar input");
  PT2TF_ASSIGN_OR_RETURN(TfValue av, ctx.Get(a));
  if (as.size() == 2 && bs.size() == 2) {
    std::string at, bt;
    if (UsesFlatOrder(av, b, ctx, bs[0])) {
      at = av.tensor;
      PT2TF_ASSIGN_OR_RETURN(bt, PermutedWeight(ctx, b, *av.flat, false));
    } else {
      PT2TF_ASSIGN_OR_RETURN(at, ctx.GetAs(a, {}));
      PT2TF_ASSIGN_OR_RETURN(bt, ctx.GetAs(b, {}));
    }
    tensorflow::NodeDef& mm = ctx.AddOp("MatMul", node.name, {at, bt});
    SetAttrType(mm, "T", t);
    SetAttrBool(mm, "transpose_a", false);
    SetAttrBool(mm, "transpose_b", false);
    ctx.Set(node.outputs[0], TfValue{mm.name(), {}, std::nullopt});
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::string at, ctx.GetAs(a, {}));
  PT2TF_ASSIGN_OR_RETURN(std::string bt, ctx.GetAs(b, {}));
  auto expand = [&](const std::string& x, int64_t axis,
                    const std::string& hint) -> Result<std::string> {
    PT2TF_ASSIGN_OR_RETURN(
        std::string ax, ctx.ConstScalar(DType::kInt32, static_cast<double>(axis), hint + "/axis"));
    tensorflow::NodeDef& def = ctx.AddOp("ExpandDims", hint, {x, ax});
    SetAttrType(def, "T", t);
    SetAttrType(def, "Tdim", tensorflow::DT_INT32);
    return def.name();
  };
  std::vector<int64_t> squeeze;
  if (as.size() == 1) {
    PT2TF_ASSIGN_OR_RETURN(at, expand(at, 0, node.name + "/a_row"));
    squeeze.push_back(-2);
  }
  if (bs.size() == 1) {
    PT2TF_ASSIGN_OR_RETURN(bt, expand(bt, -1, node.name + "/b_col"));
    squeeze.push_back(-1);
  }
  tensorflow::NodeDef& mm =
      ctx.AddOp("BatchMatMulV2", squeeze.empty() ? node.name : node.name + "/matmul", {at, bt});
  SetAttrType(mm, "T", t);
  SetAttrBool(mm, "adj_x", false);
  SetAttrBool(mm, "adj_y", false);
  std::string y = mm.name();
  if (!squeeze.empty()) {
    tensorflow::NodeDef& sq = ctx.AddOp("Squeeze", node.name, {y});
    SetAttrType(sq, "T", t);
    SetAttrInts(sq, "squeeze_dims", squeeze);
    y = sq.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
