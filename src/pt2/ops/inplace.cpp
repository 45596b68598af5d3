// Fills: aten.zero_, fill_.Scalar, fill_.Tensor in place, and their functional forms zero,
// fill.Scalar, fill.Tensor (what run_decompositions makes of them: a new tensor, no write).
//
// torch.export keeps these in-place forms. On a tensor of its own (x.clone().zero_()) the
// op's output is what later nodes read, so it is a fresh constant. On a view, the write lands
// in the base tensor, which later nodes read by the base's name: Swin's shifted-window mask is
//   m = new_zeros(H, W); m[h0:h1, w0:w1] = k   →   slice, slice, fill_(view, k); read m
// So the chain of slice.Tensor / select.int views back to the base is followed (by their
// producing nodes), the region they select becomes a constant boolean mask of the base's
// (static) shape, and the base's name is rebound to Where(mask, value, base); every view of
// the base imported so far is re-imported from the new base, so later reads see the write.
// Sketch:  before  base ─Slice─ view ─fill_(v)        after  base' = Where(mask, v, base)
// Symbolic slice bounds or a dynamic base are refused.
#include <algorithm>
#include <limits>

#include "ir/eval/host_tensor.h"
#include "pt2/ops/ops.h"

namespace pt2tf::pt2::ops {
namespace {

constexpr int64_t kMaxMaskElements = int64_t{1} << 24;

bool IsViewOp(const Node* n) {
  if (n == nullptr) return false;
  const std::string& t = n->target;
  return t.find("aten.slice.Tensor") != std::string::npos ||
         t.find("aten.select.int") != std::string::npos;
}

const std::string* SelfName(const Node& n) {
  for (const NamedArg& a : n.inputs)
    if (a.name == "self" && a.arg.kind == ArgKind::kTensor) return &a.arg.name;
  return nullptr;
}

// Python-style bound of a slice over `len` entries.
int64_t Bound(int64_t v, int64_t len) {
  if (v < 0) v += len;
  return std::clamp<int64_t>(v, 0, len);
}

// Writes `value` into the region of the base that the view chain `views` (outermost last)
// selects, rebinding the base and re-importing the views.
Status WriteThrough(OpCall& c, const std::string& base, const std::vector<const Node*>& views,
                    ir::Value* value) {
  ImportContext& ctx = c.ctx();
  const TensorMeta* meta = ctx.Meta(base);
  ir::Value* base_value = ctx.Lookup(base);
  if (meta == nullptr || base_value == nullptr) return c.Error("no metadata for the viewed tensor");
  std::vector<int64_t> shape;
  int64_t numel = 1;
  for (const SymDim& d : meta->sizes) {
    if (d.symbolic()) return c.Error("writing through a view of a dynamically shaped tensor");
    shape.push_back(d.value);
    numel *= d.value;
  }
  if (numel > kMaxMaskElements) return c.Error("writing through a view of a tensor this large");
  // Per base axis, the indices the chain keeps; `live` maps the view's dims to base axes.
  std::vector<std::vector<int64_t>> kept(shape.size());
  for (size_t a = 0; a < shape.size(); ++a)
    for (int64_t i = 0; i < shape[a]; ++i) kept[a].push_back(i);
  std::vector<size_t> live;
  for (size_t a = 0; a < shape.size(); ++a) live.push_back(a);
  for (const Node* v : views) {
    OpCall vc(*v, ctx);
    PT2TF_ASSIGN_OR_RETURN(int64_t dim, vc.Int("dim", 0));
    PT2TF_ASSIGN_OR_RETURN(dim, NormAxis(vc, dim, static_cast<int64_t>(live.size())));
    std::vector<int64_t>& idx = kept[live[dim]];
    const int64_t len = static_cast<int64_t>(idx.size());
    std::vector<int64_t> next;
    if (v->target.find("select") != std::string::npos) {
      PT2TF_ASSIGN_OR_RETURN(int64_t i, vc.Int("index"));
      if (i < -len || i >= len) return vc.Error("index out of range");
      next = {idx[i < 0 ? i + len : i]};
      live.erase(live.begin() + dim);
    } else {
      PT2TF_ASSIGN_OR_RETURN(int64_t start, vc.Int("start", 0));
      PT2TF_ASSIGN_OR_RETURN(int64_t end, vc.Int("end", std::numeric_limits<int64_t>::max()));
      PT2TF_ASSIGN_OR_RETURN(int64_t step, vc.Int("step", 1));
      if (step <= 0) return vc.Error("non-positive step");
      for (int64_t i = Bound(start, len); i < Bound(end, len); i += step) next.push_back(idx[i]);
    }
    idx = std::move(next);
  }
  ir::eval::HostTensor mask;
  mask.dtype = DType::kBool;
  mask.shape = shape;
  mask.i.assign(static_cast<size_t>(numel), 0);
  std::vector<std::vector<char>> member(shape.size());
  for (size_t a = 0; a < shape.size(); ++a) {
    member[a].assign(static_cast<size_t>(shape[a]), 0);
    for (int64_t i : kept[a]) member[a][i] = 1;
  }
  for (int64_t flat = 0; flat < numel; ++flat) {
    int64_t rest = flat;
    bool in = true;
    for (size_t a = shape.size(); a-- > 0 && in;) {
      in = member[a][rest % shape[a]] != 0;
      rest /= shape[a];
    }
    mask.i[flat] = in ? 1 : 0;
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor mask_tensor, mask.ToTensor());
  ir::Value* m =
      ctx.graph().AddInitializer(ctx.graph().UniqueName("view_mask"), std::move(mask_tensor));
  ir::Value* updated = ctx.Op("Where", {m, ctx.Cast(value, meta->dtype), base_value});
  updated->dtype = meta->dtype;
  ctx.Bind(base, updated);
  // Every view of the base made so far (this chain's and earlier ones, m[1:5] taken before
  // m[2] is written) is rebuilt from the new base, parents before children.
  std::vector<std::pair<int, const Node*>> stale;
  for (const auto& [name, node] : ctx.producers()) {
    if (!IsViewOp(node)) continue;
    int depth = 0;
    std::string root = name;
    for (const Node* p = node; IsViewOp(p); p = ctx.Producer(root), ++depth) {
      const std::string* parent = SelfName(*p);
      if (parent == nullptr) break;
      root = *parent;
    }
    if (root == base) stale.emplace_back(depth, node);
  }
  std::stable_sort(stale.begin(), stale.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [depth, v] : stale) {
    OpCall vc(*v, ctx);
    PT2TF_RETURN_IF_ERROR(FindOpBuilder(v->target)(vc));
  }
  return OkStatus();
}

// The fill of `self` with `value` (a 0-D IR value of the output dtype); in place, also
// written back through the slice / select views `self` was taken by.
Status FillWith(OpCall& c, ir::Value* value, bool in_place) {
  ImportContext& ctx = c.ctx();
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  const Arg* self = c.Find("self");
  std::vector<const Node*> views;  // outermost first while walking, reversed below
  std::string base = self->name;
  for (const Node* p = ctx.Producer(base); IsViewOp(p); p = ctx.Producer(base)) {
    const std::string* parent = SelfName(*p);
    if (parent == nullptr) return c.Error("a view without a source tensor");
    views.push_back(p);
    base = *parent;
  }
  std::reverse(views.begin(), views.end());
  if (in_place && !views.empty()) PT2TF_RETURN_IF_ERROR(WriteThrough(c, base, views, value));
  ir::Value* shape = ctx.Op("Shape", {x});
  shape->dtype = DType::kInt64;
  return c.SetOutput(ctx.Op("Expand", {value, shape}));
}

}  // namespace

Status Zero(OpCall& c) {
  return FillWith(c, c.ctx().ConstScalar(0.0, c.OutputDType()), /*in_place=*/true);
}

Status Fill(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * value, c.ScalarOrTensor("value", c.OutputDType()));
  return FillWith(c, value, /*in_place=*/true);
}

Status ZeroCopy(OpCall& c) {
  return FillWith(c, c.ctx().ConstScalar(0.0, c.OutputDType()), /*in_place=*/false);
}

Status FillCopy(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * value, c.ScalarOrTensor("value", c.OutputDType()));
  return FillWith(c, value, /*in_place=*/false);
}

}  // namespace pt2tf::pt2::ops
