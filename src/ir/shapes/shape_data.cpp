// Data propagation for shape tensors (see shape_data.h). Only what is exact is recorded: an
// entry is a known value, or a run-time dim of a named value, or nothing; an op this file
// does not know leaves its outputs untracked.
#include "ir/shapes/shape_data.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {
namespace {

// Shape tensors are a handful of entries; anything longer is not one.
constexpr size_t kMaxEntries = 64;
// Walk-back bound for Source (a chain of same-shape ops; deep graphs stay linear).
constexpr int kMaxWalk = 256;

bool Contains(std::initializer_list<const char*> ops, const std::string& op) {
  return std::any_of(ops.begin(), ops.end(), [&](const char* o) { return op == o; });
}

// Ops whose output has input 0's shape.
bool KeepsShape(const std::string& op) {
  return Contains({"Relu",
                   "Sigmoid",
                   "Tanh",
                   "LeakyRelu",
                   "Elu",
                   "Selu",
                   "Celu",
                   "HardSigmoid",
                   "HardSwish",
                   "Gelu",
                   "Erf",
                   "Exp",
                   "Log",
                   "Neg",
                   "Abs",
                   "Sqrt",
                   "Softmax",
                   "LogSoftmax",
                   "Softplus",
                   "Softsign",
                   "Mish",
                   "Clip",
                   "Cast",
                   "Identity",
                   "Dropout",
                   "BatchNormalization",
                   "InstanceNormalization",
                   "LayerNormalization",
                   "GroupNormalization",
                   "RMSNormalization",
                   "PRelu",
                   "Floor",
                   "Ceil",
                   "Round",
                   "Reciprocal",
                   "Sign",
                   "Not",
                   "Sin",
                   "Cos",
                   "LRN"},
                  op);
}

bool IsBroadcastBinary(const std::string& op) {
  return Contains(
      {"Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "And", "Or", "Equal", "Less", "Greater"},
      op);
}

// Ops whose output dim 0 is input 0's dim 0 (the batch through a conv net).
bool KeepsBatch(const Node& node) {
  if (Contains({"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool",
                "GlobalMaxPool", "DepthToSpace", "SpaceToDepth"},
               node.op_type))
    return true;
  if (node.op_type == "Flatten") return node.GetInt("axis", 1) == 1;  // [d0, rest]
  if (node.op_type == "Gemm") return node.GetInt("transA", 0) == 0;
  return false;
}

bool Known(const std::optional<Dims>& s, int64_t d) {
  return s && d >= 0 && d < static_cast<int64_t>(s->size()) && (*s)[d] != kUnknownDim;
}

}  // namespace

SymInt ShapeData::Source(const Value* v, int64_t dim) {
  for (int step = 0; step < kMaxWalk; ++step) {
    if (Known(v->shape, dim)) return SymInt{(*v->shape)[dim], nullptr, 0};
    const Node* p = v->producer;
    if (!p || p->outputs.empty() || p->outputs[0] != v || !v->shape) break;
    const int64_t rank = static_cast<int64_t>(v->shape->size());
    const Value* next = nullptr;
    int64_t next_dim = dim;
    const Value* a = p->input(0);
    if (!a || !a->shape) break;
    const int64_t ra = static_cast<int64_t>(a->shape->size());
    if (KeepsShape(p->op_type) && ra == rank) {
      next = a;
    } else if (p->op_type == "Transpose") {
      std::vector<int64_t> perm = p->GetInts("perm");
      if (perm.empty())
        for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
      if (static_cast<int64_t>(perm.size()) != rank || perm[dim] < 0 || perm[dim] >= ra) break;
      next = a, next_dim = perm[dim];
    } else if (KeepsBatch(*p) && dim == 0) {
      next = a;
    } else if (p->op_type == "MatMul" && p->input(1) && p->input(1)->shape &&
               p->input(1)->shape->size() == 2 && ra == rank && dim < rank - 1) {
      next = a;  // x @ W: every dim but the last is x's
    } else if (IsBroadcastBinary(p->op_type) && p->inputs.size() == 2 && p->input(1) &&
               p->input(1)->shape) {
      // The output dim is one input's when the other's (aligned from the right) is absent
      // or a static 1.
      const Value* b = p->input(1);
      const int64_t rb = static_cast<int64_t>(b->shape->size());
      auto one_or_absent = [&](const Value* u, int64_t ru) {
        const int64_t k = dim - (rank - ru);
        return k < 0 || (Known(u->shape, k) && (*u->shape)[k] == 1);
      };
      if (ra == rank && one_or_absent(b, rb)) {
        next = a;
      } else if (rb == rank && one_or_absent(a, ra)) {
        next = b;
      }
    }
    if (!next) break;
    v = next, dim = next_dim;
  }
  return SymInt{std::nullopt, v, dim};
}

std::optional<SymInts> ShapeData::Get(const Value* v) const {
  if (!v) return std::nullopt;
  if (auto it = values_.find(v); it != values_.end()) return it->second;
  if (!v->constant || !IsInteger(v->constant->dtype()) ||
      v->constant->numel() > static_cast<int64_t>(kMaxEntries))
    return std::nullopt;
  SymInts out;
  for (int64_t k = 0; k < v->constant->numel(); ++k)
    out.push_back(SymInt{v->constant->ElementAsInt(k), nullptr, 0});
  return out;
}

std::optional<std::vector<int64_t>> ShapeData::KnownValues(const Value* v) const {
  auto it = values_.find(v);
  if (it == values_.end()) return std::nullopt;
  std::vector<int64_t> out;
  for (const SymInt& e : it->second) {
    if (!e.value) return std::nullopt;
    out.push_back(*e.value);
  }
  return out;
}

void ShapeData::Apply(Node& node) {
  if (!node.domain.empty() && node.domain != "ai.onnx") return;
  Refine(node);
  Propagate(node);
}

void ShapeData::Propagate(const Node& node) {
  if (node.outputs.empty() || !node.outputs[0]) return;
  const std::string& op = node.op_type;
  const Value* x = node.input(0);
  SymInts out;
  if (op == "Shape") {
    if (!x || !x->shape) return;
    const int64_t rank = static_cast<int64_t>(x->shape->size());
    int64_t start = node.GetInt("start", 0), end = node.GetInt("end", rank);
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank), end = std::clamp<int64_t>(end, 0, rank);
    for (int64_t d = start; d < end; ++d) out.push_back(Source(x, d));
  } else if (Contains({"Identity", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Cast"}, op)) {
    const DType to = node.outputs[0]->dtype;
    if (op == "Cast" && !(x && IsInteger(x->dtype) && (to == DType::kInt64 || to == DType::kInt32)))
      return;
    auto in = Get(x);
    if (!in) return;
    out = std::move(*in);
    if (op == "Cast" && to == DType::kInt32)
      for (SymInt& e : out)  // a value int32 cannot hold would wrap: not known any more
        if (e.value && (*e.value < INT32_MIN || *e.value > INT32_MAX)) e = SymInt{};
  } else if (op == "Concat") {
    const int64_t axis = node.GetInt("axis", 0);
    if (axis != 0 && axis != -1) return;
    for (const Value* v : node.inputs) {
      auto in = Get(v);
      if (!in || !v->shape || v->shape->size() != 1) return;
      out.insert(out.end(), in->begin(), in->end());
    }
  } else if (op == "Gather") {
    auto data = Get(x);
    const Value* iv = node.input(1);
    auto idx = Get(iv);
    if (!data || !idx || !x->shape || x->shape->size() != 1 || node.GetInt("axis", 0) != 0) return;
    const int64_t n = static_cast<int64_t>(data->size());
    for (const SymInt& i : *idx) {
      if (!i.value) return;
      const int64_t k = *i.value < 0 ? *i.value + n : *i.value;
      if (k < 0 || k >= n) return;
      out.push_back((*data)[k]);
    }
  } else if (op == "Slice") {
    auto data = Get(x);
    auto starts = Get(node.input(1)), ends = Get(node.input(2));
    if (!data || !x->shape || x->shape->size() != 1 || !starts || !ends || starts->size() != 1 ||
        ends->size() != 1 || !(*starts)[0].value || !(*ends)[0].value)
      return;
    if (node.input(3)) {
      auto axes = Get(node.input(3));
      if (!axes || axes->size() != 1 || !(*axes)[0].value ||
          (*(*axes)[0].value != 0 && *(*axes)[0].value != -1))
        return;
    }
    int64_t step = 1;
    if (node.input(4)) {
      auto steps = Get(node.input(4));
      if (!steps || steps->size() != 1 || !(*steps)[0].value || *(*steps)[0].value == 0) return;
      step = *(*steps)[0].value;
    }
    const int64_t n = static_cast<int64_t>(data->size());
    int64_t s = *(*starts)[0].value, e = *(*ends)[0].value;
    if (s < 0) s += n;
    if (e < 0) e += n;
    if (step > 0) {
      step = std::min(step, n + 1);  // a longer step takes the first entry only (no overflow)
      s = std::clamp<int64_t>(s, 0, n), e = std::clamp<int64_t>(e, 0, n);
      for (int64_t k = s; k < e; k += step) out.push_back((*data)[k]);
    } else if (n > 0) {  // (an empty vector slices to nothing)
      s = std::clamp<int64_t>(s, 0, n - 1), e = std::clamp<int64_t>(e, -1, n - 1);
      for (int64_t k = s; k > e; k += step) out.push_back((*data)[k]);
    }
  } else if (Contains({"Add", "Sub", "Mul", "Div"}, op)) {
    auto a = Get(x), b = Get(node.input(1));
    // Entry-wise only for vectors and scalars: [2,1] + [1,2] broadcasts to four entries.
    const Value* y = node.input(1);
    if (!a || !b || !x->shape || !y->shape || x->shape->size() > 1 || y->shape->size() > 1 ||
        (a->size() != b->size() && a->size() != 1 && b->size() != 1))
      return;
    const size_t n = std::max(a->size(), b->size());
    for (size_t k = 0; k < n; ++k) {
      const SymInt& p = (*a)[a->size() == 1 ? 0 : k];
      const SymInt& q = (*b)[b->size() == 1 ? 0 : k];
      SymInt r;
      int64_t v = 0;
      if (p.value && q.value) {
        const int64_t u = *p.value, w = *q.value;
        bool ok = true;
        if (op == "Add") ok = !__builtin_add_overflow(u, w, &v);
        if (op == "Sub") ok = !__builtin_sub_overflow(u, w, &v);
        if (op == "Mul") ok = !__builtin_mul_overflow(u, w, &v);
        if (op == "Div") {
          ok = u >= 0 && w > 0;  // where truncation and floor agree
          v = ok ? u / w : 0;
        }
        if (ok) r.value = v;
      } else if ((op == "Mul" || op == "Div") && q.value == 1) {
        r = p;
      } else if (op == "Mul" && p.value == 1) {
        r = q;
      }
      out.push_back(r);
    }
  } else {
    return;
  }
  if (out.size() > kMaxEntries) return;
  values_[node.outputs[0]] = std::move(out);
}

void ShapeData::Refine(Node& node) const {
  if (node.outputs.empty() || !node.outputs[0]) return;
  const std::string& op = node.op_type;
  Value* y = node.outputs[0];
  const Value* x = node.input(0);
  std::optional<SymInts> t;
  if (op == "Reshape" || op == "Expand" || op == "Tile") {
    if (!x || !x->shape || x->constant || node.input(1) == nullptr) return;
    t = Get(node.input(1));
  } else if (op == "ConstantOfShape") {
    t = Get(x);
  } else {
    return;
  }
  if (!t) return;
  Dims refined;
  if (op == "Reshape") {
    const Dims& xs = *x->shape;
    const bool allow_zero = node.GetInt("allowzero", 0) != 0;
    std::vector<bool> matched(xs.size(), false);
    int infer_at = -1;
    bool resolvable = true;  // every entry but the -1 is static or cancels one of x's dims
    for (size_t i = 0; i < t->size(); ++i) {
      SymInt e = (*t)[i];
      if (e.value == 0 && !allow_zero) {
        if (i >= xs.size()) return;  // the shape function reports it
        e = Source(x, static_cast<int64_t>(i));
      }
      if (e.value && *e.value == -1 && infer_at < 0) {
        infer_at = static_cast<int>(i);
        refined.push_back(kUnknownDim);
        continue;
      }
      if (e.value) {
        if (*e.value < 0) return;
        refined.push_back(*e.value);
        continue;
      }
      refined.push_back(kUnknownDim);
      bool cancels = false;
      for (size_t j = 0; e.of && j < xs.size() && !cancels; ++j) {
        if (matched[j] || xs[j] != kUnknownDim) continue;
        if (Source(x, static_cast<int64_t>(j)) == e) matched[j] = cancels = true;
      }
      resolvable &= cancels;
    }
    if (infer_at >= 0 && resolvable) {
      int64_t have = 1, want = 1;
      bool ok = true;
      for (size_t j = 0; j < xs.size() && ok; ++j)
        if (!matched[j]) ok = xs[j] != kUnknownDim && !__builtin_mul_overflow(have, xs[j], &have);
      for (int64_t d : refined)
        if (ok && d != kUnknownDim) ok = !__builtin_mul_overflow(want, d, &want);
      if (ok && want > 0 && have % want == 0) refined[infer_at] = have / want;
    }
  } else if (op == "Expand") {
    const Dims& xs = *x->shape;
    const size_t rank = std::max(xs.size(), t->size());
    for (size_t i = 0; i < rank; ++i) {
      const int64_t xi = i + xs.size() >= rank ? xs[i + xs.size() - rank] : 1;
      const SymInt e = i + t->size() >= rank ? (*t)[i + t->size() - rank] : SymInt{1, nullptr, 0};
      if (e.value == 1 || (xi != kUnknownDim && xi != 1)) {
        refined.push_back(xi);
      } else {
        refined.push_back(e.value && *e.value >= 0 ? *e.value : kUnknownDim);
      }
    }
  } else if (op == "Tile") {
    const Dims& xs = *x->shape;
    if (t->size() != xs.size()) return;
    for (size_t i = 0; i < xs.size(); ++i) {
      int64_t d = 0;
      const bool known = xs[i] != kUnknownDim && (*t)[i].value && *(*t)[i].value >= 0 &&
                         !__builtin_mul_overflow(xs[i], *(*t)[i].value, &d);
      refined.push_back(known ? d : kUnknownDim);
    }
  } else {  // ConstantOfShape
    for (const SymInt& e : *t) refined.push_back(e.value && *e.value >= 0 ? *e.value : kUnknownDim);
  }
  if (!y->shape) {
    y->shape = refined;
  } else if (y->shape->size() == refined.size()) {
    for (size_t d = 0; d < refined.size(); ++d)
      if ((*y->shape)[d] == kUnknownDim) (*y->shape)[d] = refined[d];
  }
}

}  // namespace pt2tf::ir::shapes
