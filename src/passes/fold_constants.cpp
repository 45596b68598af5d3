// FoldConstants: evaluates nodes whose inputs are all constant, so the shape arithmetic that
// exporters emit collapses into constants the writers and the layout pass can read.
//
//   before:  x ─► Shape ─► Gather(0) ─► Unsqueeze ─┐
//                                 const [-1] ─────► Concat ─► Reshape(x, ·) ─► y
//   after:   x ─► Reshape(x, const [N, -1]) ─► y      (the folded outputs keep their names)
//
//   before:  Constant(value=T) ─► v          after:  initializer v = T
//   before:  W ─► Transpose(perm) ─► Wt      after:  initializer Wt = permuted copy of W
//   before:  x[?,3,8] ─► Shape ─► Gather(1)  after:  const [3]   (known dims of dynamic x)
//
// Bodies of If/Loop/Scan are folded too: first a small constant the body captures becomes a
// constant of the body itself (so body arithmetic on it folds), then the body's nodes.
#include <algorithm>

#include "ir/eval/evaluator.h"
#include "ir/shapes/shape_data.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::ir {
namespace {

using eval::HostTensor;

// Ops whose result is their first input's bytes under a new shape.
bool IsRetag(const std::string& op) {
  return op == "Identity" || op == "Reshape" || op == "Flatten" || op == "Squeeze" ||
         op == "Unsqueeze";
}

Dims ContiguousStrides(const Dims& shape) {
  Dims s(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) s[i - 1] = s[i] * shape[i];
  return s;
}

// The same elements in C order under `shape` (zero-copy when `t` is contiguous).
Result<Tensor> Reshaped(const Tensor& t, const Dims& shape) {
  const Tensor c = t.is_contiguous() ? t : t.ToContiguous();
  return Tensor::Make(c.dtype(), shape, ContiguousStrides(shape), c.offset(), c.storage());
}

// An owned C-contiguous copy of `t` with its axes permuted.
Result<Tensor> Permuted(const Node& node, const Tensor& t) {
  const size_t rank = t.shape().size();
  std::vector<int64_t> perm = node.GetInts("perm");
  if (perm.empty())
    for (size_t i = 0; i < rank; ++i) perm.push_back(static_cast<int64_t>(rank - 1 - i));
  if (perm.size() != rank) return InvalidInput(node.Describe() + ": perm does not fit input");
  Dims shape(rank), strides(rank);
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t p = perm[i];
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
      return InvalidInput(node.Describe() + ": perm is not a permutation");
    seen[p] = true;
    shape[i] = t.shape()[p];
    strides[i] = t.strides()[p];
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor view,
                         Tensor::Make(t.dtype(), shape, strides, t.offset(), t.storage()));
  return view.ToContiguous();
}

Result<Tensor> IntTensor(Dims shape, const std::vector<int64_t>& values) {
  HostTensor h = HostTensor::Zeros(DType::kInt64, std::move(shape));
  h.i = values;
  return h.ToTensor();
}

Result<Tensor> FloatTensor(Dims shape, const std::vector<float>& values) {
  HostTensor h = HostTensor::Zeros(DType::kFloat32, std::move(shape));
  h.f.assign(values.begin(), values.end());
  return h.ToTensor();
}

// The tensor a Constant node holds; nullopt for forms not representable (strings, sparse).
Result<std::optional<Tensor>> ConstantValue(const Node& node) {
  for (const auto& [name, attr] : node.attrs) {
    if (name == "value" && attr.type == AttrType::kTensor) {
      if (attr.t.dtype() == DType::kString) return std::optional<Tensor>();
      return std::optional<Tensor>(attr.t);
    }
    if (name == "value_float") {
      PT2TF_ASSIGN_OR_RETURN(Tensor t, FloatTensor({}, {attr.f}));
      return std::optional<Tensor>(t);
    }
    if (name == "value_floats") {
      PT2TF_ASSIGN_OR_RETURN(Tensor t,
                             FloatTensor({static_cast<int64_t>(attr.floats.size())}, attr.floats));
      return std::optional<Tensor>(t);
    }
    if (name == "value_int") {
      PT2TF_ASSIGN_OR_RETURN(Tensor t, IntTensor({}, {attr.i}));
      return std::optional<Tensor>(t);
    }
    if (name == "value_ints") {
      PT2TF_ASSIGN_OR_RETURN(Tensor t,
                             IntTensor({static_cast<int64_t>(attr.ints.size())}, attr.ints));
      return std::optional<Tensor>(t);
    }
  }
  return std::optional<Tensor>();
}

int64_t StaticNumel(const Value* v) {
  if (!v || !v->has_static_shape()) return -1;
  int64_t n = 1;
  for (int64_t d : *v->shape)
    if (__builtin_mul_overflow(n, d, &n)) return -1;
  return n;
}

// The dims a Shape node reports (its start/end slice of `shape`); nullopt when any of them
// is unknown, unless allow_unknown.
std::optional<Dims> ShapeSlice(const Node& shape_node, const Dims& shape,
                               bool allow_unknown = false) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  int64_t start = shape_node.GetInt("start", 0), end = shape_node.GetInt("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  Dims dims(shape.begin() + start, shape.begin() + end);
  for (int64_t d : dims)
    if (d < 0 && !allow_unknown) return std::nullopt;
  return dims;
}

bool AllInputsConstant(const Node& node) {
  return std::all_of(node.inputs.begin(), node.inputs.end(),
                     [](const Value* v) { return !v || v->is_constant(); });
}

// Computes the folded outputs of `node`, or an empty vector when it should stay.
Result<std::vector<Tensor>> FoldNode(const Node& node, const FoldOptions& options) {
  const std::string& op = node.op_type;
  const Value* x = node.input(0);
  if (op == "Constant") {
    PT2TF_ASSIGN_OR_RETURN(std::optional<Tensor> t, ConstantValue(node));
    if (!t) return std::vector<Tensor>{};
    return std::vector<Tensor>{*t};
  }
  if (op == "Size" && x && x->has_static_shape()) {
    Result<int64_t> n = CheckedNumel(*x->shape);
    if (!n.ok()) return n.status().WithContext(node.Describe());
    PT2TF_ASSIGN_OR_RETURN(Tensor t, IntTensor({}, {*n}));
    return std::vector<Tensor>{t};
  }
  if (op == "Shape" && x && x->shape) {
    // Only the selected dims need to be known (x may have a dynamic batch dim).
    auto dims = ShapeSlice(node, *x->shape);
    if (!dims) return std::vector<Tensor>{};
    PT2TF_ASSIGN_OR_RETURN(Tensor t, IntTensor({static_cast<int64_t>(dims->size())}, *dims));
    return std::vector<Tensor>{t};
  }
  if (op == "Gather" && x && x->producer && x->producer->op_type == "Shape") {
    // Gather(Shape(x), const indices) picking only known dims of a partly dynamic x.
    const Value* source = x->producer->input(0);
    const Value* idx = node.input(1);
    if (!source || !source->shape || !idx || !idx->constant || node.GetInt("axis", 0) != 0)
      return std::vector<Tensor>{};
    auto dims = ShapeSlice(*x->producer, *source->shape, /*allow_unknown=*/true);
    if (!dims || idx->constant->numel() > 64) return std::vector<Tensor>{};
    const int64_t n = static_cast<int64_t>(dims->size());
    std::vector<int64_t> picked;
    for (int64_t k = 0; k < idx->constant->numel(); ++k) {
      int64_t i = idx->constant->ElementAsInt(k);
      if (i < -n || i >= n) return std::vector<Tensor>{};  // shape inference reports it
      if (i < 0) i += n;
      if ((*dims)[i] < 0) return std::vector<Tensor>{};
      picked.push_back((*dims)[i]);
    }
    PT2TF_ASSIGN_OR_RETURN(Tensor t, IntTensor(idx->constant->shape(), picked));
    return std::vector<Tensor>{t};
  }
  if (!x || !AllInputsConstant(node) || node.outputs.empty()) return std::vector<Tensor>{};
  const Value* out = node.outputs[0];
  if (IsRetag(op)) {
    if (!out || !out->has_static_shape()) return std::vector<Tensor>{};
    PT2TF_ASSIGN_OR_RETURN(Tensor t, Reshaped(*x->constant, *out->shape));
    return std::vector<Tensor>{t};
  }
  if (op == "Transpose") {
    PT2TF_ASSIGN_OR_RETURN(Tensor t, Permuted(node, *x->constant));
    return std::vector<Tensor>{t};
  }
  if (op == "Cast") {
    auto to = DTypeFromOnnx(static_cast<int>(node.GetInt("to", 0)));
    if (!to) return std::vector<Tensor>{};
    if (*to == x->constant->dtype()) return std::vector<Tensor>{*x->constant};
    auto cast = eval::CastTensor(*x->constant, *to);
    if (!cast.ok()) return std::vector<Tensor>{};  // undefined or unsupported: leave it
    return std::vector<Tensor>{std::move(cast).value()};
  }
  if (!eval::CanEvaluate(op)) return std::vector<Tensor>{};
  // Size caps: results (known from shape inference) and the inputs read element by element.
  for (const Value* o : node.outputs) {
    const int64_t n = StaticNumel(o);
    if (o && (n < 0 || n > options.max_elements)) return std::vector<Tensor>{};
  }
  std::vector<HostTensor> held;
  held.reserve(node.inputs.size());
  for (const Value* in : node.inputs) {
    if (!in) continue;
    if (in->constant->numel() > 16 * options.max_elements ||
        !eval::IsEvaluableDType(in->constant->dtype()))
      return std::vector<Tensor>{};
  }
  for (const Value* in : node.inputs) {
    if (!in) continue;
    PT2TF_ASSIGN_OR_RETURN(HostTensor h, HostTensor::FromTensor(*in->constant));
    held.push_back(std::move(h));
  }
  eval::EvalInputs inputs;  // in node order, nullptr for omitted inputs
  size_t next = 0;
  for (const Value* in : node.inputs) inputs.push_back(in ? &held[next++] : nullptr);
  auto results = eval::Evaluate(node, inputs);
  if (!results.ok()) {
    // A kernel that does not cover this case leaves the node for the runtime; inconsistent
    // inputs are the graph's fault and are reported.
    if (results.status().kind() == ErrorKind::kUnsupported) return std::vector<Tensor>{};
    return results.status();
  }
  std::vector<Tensor> tensors;
  for (const HostTensor& h : *results) {
    PT2TF_ASSIGN_OR_RETURN(Tensor t, h.ToTensor());
    tensors.push_back(std::move(t));
  }
  return tensors;
}

// The output of `node` as a constant when shape data knows every entry: an int64 value of
// static shape whose entry count matches (ops of other dtypes stay).
Result<std::optional<Tensor>> KnownShapeValue(const shapes::ShapeData& data, const Node& node) {
  const Value* out = node.outputs[0];
  if (!out || out->is_constant() || out->dtype != DType::kInt64 || !out->has_static_shape())
    return std::optional<Tensor>();
  auto values = data.KnownValues(out);
  if (!values || static_cast<int64_t>(values->size()) != StaticNumel(out))
    return std::optional<Tensor>();
  PT2TF_ASSIGN_OR_RETURN(Tensor t, IntTensor(*out->shape, *values));
  return std::optional<Tensor>(std::move(t));
}

// Turns captures of small outer constants into constants of `body`; returns how many.
size_t LocalizeConstantCaptures(Graph& body, const FoldOptions& options) {
  std::vector<Capture>& captures = body.mutable_captures();
  size_t moved = 0;
  for (auto it = captures.begin(); it != captures.end();) {
    const Value* outer = it->outer;
    if (!outer->is_constant() || outer->constant->numel() > options.max_elements) {
      ++it;
      continue;
    }
    Value* inner = it->inner;
    inner->constant = *outer->constant;
    inner->dtype = outer->constant->dtype();
    inner->shape = outer->constant->shape();
    // Its own name: written as a body initializer, it must not shadow the outer value.
    inner->name = body.UniqueName(outer->name + "_local");
    it = captures.erase(it);
    ++moved;
  }
  return moved;
}

}  // namespace

Result<size_t> FoldConstants(Graph& graph, const FoldOptions& options) {
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  size_t folded = 0;
  // Shape arithmetic over a partly run-time shape whose result is all known (a Slice or a
  // Concat of Shape(x)'s static dims under a run-time batch) folds too.
  shapes::ShapeData data;
  for (Node* node : order) {
    if (node->domain.empty() || node->domain == "ai.onnx") data.Propagate(*node);
    if (!node->domain.empty() && node->domain != "ai.onnx") continue;
    for (auto& [name, body] : node->subgraphs) {
      folded += LocalizeConstantCaptures(*body, options);
      Result<size_t> inner = FoldConstants(*body, options);
      if (!inner.ok()) return inner.status().WithContext(node->Describe() + " " + name);
      folded += *inner;
    }
    if (!node->subgraphs.empty()) continue;  // control flow is not evaluated here
    PT2TF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, FoldNode(*node, options));
    if (outputs.empty() && node->outputs.size() == 1) {
      PT2TF_ASSIGN_OR_RETURN(std::optional<Tensor> known, KnownShapeValue(data, *node));
      if (known) outputs.push_back(std::move(*known));
    }
    if (outputs.empty()) continue;
    if (outputs.size() < node->outputs.size()) continue;  // partial results: keep the node
    std::vector<Value*> outs = node->outputs;
    graph.RemoveNode(node);
    for (size_t i = 0; i < outs.size(); ++i) {
      if (!outs[i]) continue;
      outs[i]->dtype = outputs[i].dtype();
      outs[i]->shape = outputs[i].shape();
      outs[i]->constant = std::move(outputs[i]);
    }
    ++folded;
  }
  return folded;
}

}  // namespace pt2tf::ir
