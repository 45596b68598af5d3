// Matrix products: aten.linear, addmm, mm, bmm, matmul, baddbmm, and
// scaled_dot_product_attention spelled out as MatMul / Softmax (TF and TFLite have no
// attention op; the pieces lower everywhere).
#include "pt2/ops/ops.h"

#include <cmath>
#include <limits>

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

// Swaps the last two axes of a value of rank `rank`.
ir::Value* SwapLast(ImportContext& ctx, ir::Value* v, int64_t rank) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < rank; ++i) perm.push_back(i);
  std::swap(perm[rank - 1], perm[rank - 2]);
  return ctx.Op("Transpose", {v}, {{"perm", Attribute::Ints(perm)}});
}

}  // namespace

Status Linear(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("input"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * w, c.Tensor("weight"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.OptTensor("bias"));
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, c.Rank("input"));
  PT2TF_ASSIGN_OR_RETURN(int64_t wrank, c.Rank("weight"));
  if (wrank != 2) return c.Error("weight of rank " + std::to_string(wrank));
  if (rank == 2) {  // Gemm: one op, and the TF writer's MatMul + BiasAdd
    std::vector<ir::Value*> inputs = {x, w};
    if (bias) inputs.push_back(bias);
    return c.SetOutput(ctx.Op("Gemm", inputs, {{"transB", Attribute::Int(1)}}));
  }
  ir::Value* y = ctx.Op("MatMul", {x, SwapLast(ctx, w, 2)});  // the Transpose folds away
  if (bias) y = ctx.Op("Add", {y, bias});
  return c.SetOutput(y);
}

Status Addmm(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.Tensor("mat1"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.Tensor("mat2"));
  PT2TF_ASSIGN_OR_RETURN(double beta, c.Float("beta", 1.0));
  PT2TF_ASSIGN_OR_RETURN(double alpha, c.Float("alpha", 1.0));
  return c.SetOutput(ctx.Op("Gemm", {a, b, bias},
                            {{"alpha", Attribute::Float(static_cast<float>(alpha))},
                             {"beta", Attribute::Float(static_cast<float>(beta))}}));
}

Status MatMul(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.Tensor("self"));
  const char* other = c.Find("mat2") ? "mat2" : "other";
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.Tensor(other));
  return c.SetOutput(c.ctx().Op("MatMul", {a, b}));
}

Status Baddbmm(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * bias, c.Tensor("self"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * a, c.Tensor("batch1"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * b, c.Tensor("batch2"));
  PT2TF_ASSIGN_OR_RETURN(double beta, c.Float("beta", 1.0));
  PT2TF_ASSIGN_OR_RETURN(double alpha, c.Float("alpha", 1.0));
  ir::Value* y = ctx.Op("MatMul", {a, b});
  if (alpha != 1.0) y = ctx.Op("Mul", {y, ctx.ConstScalar(alpha, y->dtype)});
  if (beta == 0.0) return c.SetOutput(y);
  if (beta != 1.0) bias = ctx.Op("Mul", {bias, ctx.ConstScalar(beta, bias->dtype)});
  return c.SetOutput(ctx.Op("Add", {y, bias}));
}

Status ScaledDotProductAttention(OpCall& c) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * q, c.Tensor("query"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * k, c.Tensor("key"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * v, c.Tensor("value"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * mask, c.OptTensor("attn_mask"));
  PT2TF_ASSIGN_OR_RETURN(double dropout, c.Float("dropout_p", 0.0));
  PT2TF_ASSIGN_OR_RETURN(bool causal, c.Bool("is_causal", false));
  PT2TF_ASSIGN_OR_RETURN(bool gqa, c.Bool("enable_gqa", false));
  if (dropout != 0.0) return c.Error("dropout_p other than 0 (export in eval mode)");
  if (gqa) return c.Error("enable_gqa is not supported");
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> qs, c.Sizes("query"));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> ks, c.Sizes("key"));
  if (qs.size() < 2 || ks.size() != qs.size()) return c.Error("query / key ranks differ");
  const int64_t rank = static_cast<int64_t>(qs.size());
  const int64_t e = qs.back();
  double scale = 0;
  if (c.Has("scale")) {
    PT2TF_ASSIGN_OR_RETURN(scale, c.Float("scale"));
  } else {
    if (e <= 0) return c.Error("a dynamic head size needs an explicit scale");
    scale = 1.0 / std::sqrt(static_cast<double>(e));
  }
  const DType t = q->dtype;
  ir::Value* scores = ctx.Op("MatMul", {q, SwapLast(ctx, k, rank)});
  scores = ctx.Op("Mul", {scores, ctx.ConstScalar(scale, t)});
  const double neg_inf = -std::numeric_limits<double>::infinity();
  if (causal) {
    // Row i may attend to columns j <= i (torch's tril(ones(L, S))); L and S from Shape when
    // the sequence length is dynamic.
    auto length = [&](ir::Value* x, int64_t static_len) {
      if (static_len > 0) return ctx.ConstInt(static_len);
      ir::Value* shape = ctx.Op("Shape", {x});
      shape->dtype = DType::kInt64;
      return ctx.Op("Gather", {shape, ctx.ConstInt(rank - 2)}, {{"axis", Attribute::Int(0)}});
    };
    ir::Value* l = length(q, qs[rank - 2]);
    ir::Value* s = length(k, ks[rank - 2]);
    ir::Value* rows = ctx.Op(
        "Unsqueeze", {ctx.Op("Range", {ctx.ConstInt(0), l, ctx.ConstInt(1)}), ctx.ConstInts({1})});
    ir::Value* cols = ctx.Op("Range", {ctx.ConstInt(0), s, ctx.ConstInt(1)});
    ir::Value* allowed = ctx.Op("GreaterOrEqual", {rows, cols});
    allowed->dtype = DType::kBool;
    scores = ctx.Op("Where", {allowed, scores, ctx.ConstScalar(neg_inf, t)});
  }
  if (mask) {
    if (mask->dtype == DType::kBool)
      scores = ctx.Op("Where", {mask, scores, ctx.ConstScalar(neg_inf, t)});
    else
      scores = ctx.Op("Add", {scores, ctx.Cast(mask, t)});
  }
  ir::Value* probs = ctx.Op("Softmax", {scores}, {{"axis", Attribute::Int(-1)}});
  return c.SetOutput(ctx.Op("MatMul", {probs, v}));
}

}  // namespace pt2tf::pt2::ops
