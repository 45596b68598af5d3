// Shapes of If, Loop and Scan: the bodies are inferred first (their inputs typed from the
// node's inputs, their captures from the enclosing values), then the node's outputs follow
// from the body outputs. A loop-carried value whose shape changes between iterations gets
// the dims that stay the same (the rest unknown), found by inferring the body a second time.
#include "ir/shapes/shape_fns.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir::shapes {
namespace {

// The shape two values may both have: equal dims kept, the rest unknown.
std::optional<Dims> Merge(const std::optional<Dims>& a, const std::optional<Dims>& b) {
  if (!a || !b || a->size() != b->size()) return std::nullopt;
  Dims out = *a;
  for (size_t i = 0; i < out.size(); ++i)
    if ((*a)[i] != (*b)[i]) out[i] = kUnknownDim;
  return out;
}

Status InferBody(const InferContext& ctx, Graph& body, const char* name) {
  for (const Capture& c : body.captures()) {
    c.inner->dtype = c.outer->dtype;
    c.inner->shape = c.outer->is_constant() ? c.outer->constant->shape() : c.outer->shape;
  }
  Status status = InferShapes(body);
  if (!status.ok()) return status.WithContext(ctx.node().Describe() + " " + name);
  return OkStatus();
}

Graph* RequireBody(const InferContext& ctx, const char* name) {
  return ctx.node().FindSubgraph(name);
}

void SetInput(Value* v, DType dtype, std::optional<Dims> shape) {
  v->dtype = dtype;
  v->shape = std::move(shape);
}

// Shape of value `v` (constants: their tensor's).
std::optional<Dims> ShapeOf(const Value* v) {
  if (!v) return std::nullopt;
  return v->is_constant() ? std::optional<Dims>(v->constant->shape()) : v->shape;
}

}  // namespace

Status InferIf(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(1, 1));
  PT2TF_RETURN_IF_ERROR(ctx.RequireInput(0, "cond"));
  Graph* then_g = RequireBody(ctx, "then_branch");
  Graph* else_g = RequireBody(ctx, "else_branch");
  if (!then_g || !else_g) return ctx.Error("needs then_branch and else_branch");
  if (!then_g->inputs().empty() || !else_g->inputs().empty())
    return ctx.Error("If branches take no inputs");
  PT2TF_RETURN_IF_ERROR(InferBody(ctx, *then_g, "then_branch"));
  PT2TF_RETURN_IF_ERROR(InferBody(ctx, *else_g, "else_branch"));
  const size_t n = ctx.num_outputs();
  if (then_g->outputs().size() != n || else_g->outputs().size() != n)
    return ctx.Error("the branches return " + std::to_string(then_g->outputs().size()) + " and " +
                     std::to_string(else_g->outputs().size()) + " values for " + std::to_string(n) +
                     " outputs");
  for (size_t i = 0; i < n; ++i) {
    const Value* a = then_g->outputs()[i];
    const Value* b = else_g->outputs()[i];
    if (a->dtype != b->dtype)
      return ctx.Error("output " + std::to_string(i) + " is " + std::string(TorchName(a->dtype)) +
                       " in then_branch but " + std::string(TorchName(b->dtype)) +
                       " in else_branch");
    ctx.SetOutput(i, a->dtype, Merge(ShapeOf(a), ShapeOf(b)));
  }
  return OkStatus();
}

Status InferLoop(InferContext& ctx) {
  Graph* body = RequireBody(ctx, "body");
  if (!body) return ctx.Error("needs a body");
  const size_t carried = ctx.num_inputs() > 2 ? ctx.num_inputs() - 2 : 0;
  if (body->inputs().size() != carried + 2)
    return ctx.Error("the body takes " + std::to_string(body->inputs().size()) +
                     " inputs; expected 2 + " + std::to_string(carried) + " loop-carried values");
  if (body->outputs().size() < carried + 1)
    return ctx.Error("the body returns " + std::to_string(body->outputs().size()) +
                     " values; expected at least 1 + " + std::to_string(carried));
  const size_t scans = body->outputs().size() - 1 - carried;
  if (ctx.num_outputs() > carried + scans)
    return ctx.Error("has more outputs than the body provides");
  for (size_t i = 0; i < carried; ++i)
    if (!ctx.has_input(2 + i))
      return ctx.Error("loop-carried input " + std::to_string(i) + " is missing");
  SetInput(body->inputs()[0], DType::kInt64, Dims{});
  SetInput(body->inputs()[1], DType::kBool, Dims{});
  for (size_t i = 0; i < carried; ++i)
    SetInput(body->inputs()[2 + i], ctx.dtype(2 + i), ShapeOf(ctx.in(2 + i)));
  // Twice at most: once with the initial shapes, once more where an iteration changes them.
  for (int round = 0; round < 2; ++round) {
    PT2TF_RETURN_IF_ERROR(InferBody(ctx, *body, "body"));
    bool changed = false;
    for (size_t i = 0; i < carried; ++i) {
      Value* in = body->inputs()[2 + i];
      const Value* out = body->outputs()[1 + i];
      if (out->dtype != in->dtype)
        return ctx.Error("loop-carried value " + std::to_string(i) + " enters as " +
                         std::string(TorchName(in->dtype)) + " and leaves the body as " +
                         std::string(TorchName(out->dtype)));
      std::optional<Dims> merged = Merge(in->shape, ShapeOf(out));
      if (merged != in->shape) {
        in->shape = merged;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (size_t i = 0; i < carried; ++i)
    ctx.SetOutput(i, body->inputs()[2 + i]->dtype, body->inputs()[2 + i]->shape);
  for (size_t k = 0; k < scans; ++k) {
    const Value* out = body->outputs()[1 + carried + k];
    std::optional<Dims> elem = ShapeOf(out);
    std::optional<Dims> shape;
    if (elem) {
      shape = Dims{kUnknownDim};
      shape->insert(shape->end(), elem->begin(), elem->end());
    }
    ctx.SetOutput(carried + k, out->dtype, shape);
  }
  return OkStatus();
}

Status InferScan(InferContext& ctx) {
  Graph* body = RequireBody(ctx, "body");
  if (!body) return ctx.Error("needs a body");
  const int64_t m = ctx.node().GetInt("num_scan_inputs", -1);
  const int64_t total = static_cast<int64_t>(ctx.num_inputs());
  if (m < 1 || m > total)
    return ctx.Error("num_scan_inputs must be in 1.." + std::to_string(total));
  const size_t states = static_cast<size_t>(total - m);
  if (body->inputs().size() != static_cast<size_t>(total))
    return ctx.Error("the body takes " + std::to_string(body->inputs().size()) + " inputs for " +
                     std::to_string(total) + " node inputs");
  if (body->outputs().size() < states)
    return ctx.Error("the body returns fewer values than there are states");
  const size_t scans_out = body->outputs().size() - states;
  const std::vector<int64_t> in_axes = ctx.node().GetInts("scan_input_axes");
  const std::vector<int64_t> out_axes = ctx.node().GetInts("scan_output_axes");
  for (size_t i = 0; i < static_cast<size_t>(total); ++i)
    if (!ctx.has_input(i)) return ctx.Error("input " + std::to_string(i) + " is missing");
  for (size_t i = 0; i < states; ++i) SetInput(body->inputs()[i], ctx.dtype(i), ShapeOf(ctx.in(i)));
  int64_t length = kUnknownDim;
  for (int64_t j = 0; j < m; ++j) {
    const size_t i = states + static_cast<size_t>(j);
    std::optional<Dims> shape = ShapeOf(ctx.in(i));
    if (shape) {
      int64_t axis = j < static_cast<int64_t>(in_axes.size()) ? in_axes[j] : 0;
      PT2TF_RETURN_IF_ERROR(
          NormalizeAxis(ctx, axis, static_cast<int64_t>(shape->size()), "scan_input_axes"));
      if (length == kUnknownDim) length = (*shape)[axis];
      shape->erase(shape->begin() + axis);
    }
    SetInput(body->inputs()[i], ctx.dtype(i), shape);
  }
  for (int round = 0; round < 2; ++round) {
    PT2TF_RETURN_IF_ERROR(InferBody(ctx, *body, "body"));
    bool changed = false;
    for (size_t i = 0; i < states; ++i) {
      Value* in = body->inputs()[i];
      std::optional<Dims> merged = Merge(in->shape, ShapeOf(body->outputs()[i]));
      if (merged != in->shape) {
        in->shape = merged;
        changed = true;
      }
    }
    if (!changed) break;
  }
  for (size_t i = 0; i < states; ++i)
    ctx.SetOutput(i, body->inputs()[i]->dtype, body->inputs()[i]->shape);
  for (size_t k = 0; k < scans_out; ++k) {
    const Value* out = body->outputs()[states + k];
    std::optional<Dims> shape = ShapeOf(out);
    if (shape) {
      int64_t axis = k < out_axes.size() ? out_axes[k] : 0;
      PT2TF_RETURN_IF_ERROR(
          NormalizeAxis(ctx, axis, static_cast<int64_t>(shape->size()) + 1, "scan_output_axes"));
      shape->insert(shape->begin() + axis, length);
    }
    ctx.SetOutput(states + k, out->dtype, shape);
  }
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
