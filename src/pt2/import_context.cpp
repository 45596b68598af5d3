#include "pt2/import_context.h"

#include <cmath>
#include <cstring>

#include "ir/eval/host_tensor.h"

namespace pt2tf::pt2 {

ir::Value* ImportContext::Lookup(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : it->second;
}

ir::Value* ImportContext::LookupSym(const std::string& name) const {
  auto it = syms_.find(name);
  return it == syms_.end() ? nullptr : it->second;
}

std::string ImportContext::UnavailableReason(const std::string& name) const {
  auto it = unavailable_.find(name);
  return it == unavailable_.end() ? "" : it->second;
}

const Node* ImportContext::Producer(const std::string& name) const {
  auto it = producers_.find(name);
  return it == producers_.end() ? nullptr : it->second;
}

const TensorMeta* ImportContext::Meta(const std::string& name) const {
  auto it = tensor_values_.find(name);
  return it == tensor_values_.end() ? nullptr : &it->second;
}

ir::Value* ImportContext::Op(const std::string& op_type, std::vector<ir::Value*> inputs,
                             ir::AttributeMap attrs) {
  return OpN(op_type, std::move(inputs), std::move(attrs), 1)[0];
}

std::vector<ir::Value*> ImportContext::OpN(const std::string& op_type,
                                           std::vector<ir::Value*> inputs, ir::AttributeMap attrs,
                                           size_t num_outputs) {
  // Outputs start with the first input's dtype (right for most ONNX ops); shape inference
  // settles the rest, and builders retag outputs whose dtype differs (Shape, comparisons).
  const DType dtype = !inputs.empty() && inputs[0] ? inputs[0]->dtype : DType::kFloat32;
  ir::Node* n = graph_.AddNode(op_type, std::move(inputs), std::move(attrs), num_outputs);
  for (ir::Value* v : n->outputs) v->dtype = dtype;
  return n->outputs;
}

ir::Value* ImportContext::ConstInts(const std::vector<int64_t>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  Result<Tensor> t =
      Tensor::FromBytes(DType::kInt64, {static_cast<int64_t>(values.size())}, std::move(bytes));
  return graph_.AddInitializer(graph_.UniqueName("const"), std::move(*t));
}

ir::Value* ImportContext::ConstInt(int64_t value) {
  std::vector<std::byte> bytes(sizeof(int64_t));
  std::memcpy(bytes.data(), &value, sizeof value);
  Result<Tensor> t = Tensor::FromBytes(DType::kInt64, {}, std::move(bytes));
  return graph_.AddInitializer(graph_.UniqueName("const"), std::move(*t));
}

ir::Value* ImportContext::ConstScalar(double value, DType dtype) {
  ir::eval::HostTensor h;
  h.dtype = ir::eval::IsEvaluableDType(dtype) ? dtype : DType::kFloat32;
  if (h.is_float())
    h.f = {value};
  else if (h.dtype == DType::kBool)
    h.i = {value != 0};
  else
    h.i = {static_cast<int64_t>(value)};
  Result<Tensor> t = h.ToTensor();
  return graph_.AddInitializer(graph_.UniqueName("const"), std::move(*t));
}

ir::Value* ImportContext::Cast(ir::Value* v, DType to) {
  if (v->dtype == to) return v;
  const std::optional<int> onnx = OnnxDataType(to);
  ir::Value* out = Op("Cast", {v}, {{"to", ir::Attribute::Int(onnx.value_or(1))}});
  out->dtype = to;
  return out;
}

DType ImportContext::DTypeOf(const ir::Value* v) const { return v->dtype; }

// ---- OpCall ----

std::string OpCall::Describe() const {
  std::string target = node_.target;
  if (target.rfind("torch.ops.", 0) == 0) target = target.substr(10);
  return target + " node '" + (node_.name.empty() ? OutputName(0) : node_.name) + "'";
}

Status OpCall::Error(const std::string& what) const {
  return Unsupported(Describe() + ": " + what);
}

const Arg* OpCall::Find(const std::string& name) const {
  for (const NamedArg& a : node_.inputs)
    if (a.name == name) return &a.arg;
  return nullptr;
}

bool OpCall::Has(const std::string& name) const {
  const Arg* a = Find(name);
  return a != nullptr && a->kind != ArgKind::kNone;
}

Result<const Arg*> OpCall::Required(const std::string& name) const {
  const Arg* a = Find(name);
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  return a;
}

Result<ir::Value*> OpCall::Tensor(const std::string& name) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  if (a->kind != ArgKind::kTensor)
    return InvalidInput(Describe() + ": argument '" + name + "' is not a tensor");
  ir::Value* v = ctx_.Lookup(a->name);
  if (v == nullptr && !ctx_.UnavailableReason(a->name).empty())
    return Error("reads '" + a->name + "', " + ctx_.UnavailableReason(a->name));
  if (v == nullptr)
    return InvalidInput(Describe() + ": tensor '" + a->name + "' is used before it is defined");
  return v;
}

Result<ir::Value*> OpCall::OptTensor(const std::string& name) const {
  if (!Has(name)) return static_cast<ir::Value*>(nullptr);
  return Tensor(name);
}

Result<std::vector<ir::Value*>> OpCall::Tensors(const std::string& name) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  if (a->kind != ArgKind::kTensors && a->kind != ArgKind::kOptionalTensors)
    return InvalidInput(Describe() + ": argument '" + name + "' is not a tensor list");
  std::vector<ir::Value*> out;
  for (const std::string& n : a->names) {
    if (n.empty()) {
      out.push_back(nullptr);
      continue;
    }
    ir::Value* v = ctx_.Lookup(n);
    if (v == nullptr && !ctx_.UnavailableReason(n).empty())
      return Error("reads '" + n + "', " + ctx_.UnavailableReason(n));
    if (v == nullptr)
      return InvalidInput(Describe() + ": tensor '" + n + "' is used before it is defined");
    out.push_back(v);
  }
  return out;
}

Result<int64_t> OpCall::Int(const std::string& name, std::optional<int64_t> fallback) const {
  const Arg* a = Find(name);
  if ((a == nullptr || a->kind == ArgKind::kNone) && fallback) return *fallback;
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  if (a->kind == ArgKind::kInt) return a->i;
  if (a->kind == ArgKind::kBool) return static_cast<int64_t>(a->b);
  if (a->kind == ArgKind::kSymInt && a->sym_ints[0].name.empty()) return a->sym_ints[0].value;
  if (a->kind == ArgKind::kSymInt)
    return Error("argument '" + name + "' is symbolic (" + a->sym_ints[0].name +
                 "); only a static value is supported here");
  return InvalidInput(Describe() + ": argument '" + name + "' is not an integer");
}

Result<std::vector<int64_t>> OpCall::Ints(const std::string& name,
                                          std::optional<std::vector<int64_t>> fallback) const {
  const Arg* a = Find(name);
  if ((a == nullptr || a->kind == ArgKind::kNone) && fallback) return *fallback;
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  if (a->kind == ArgKind::kInts) return a->ints;
  if (a->kind == ArgKind::kInt) return std::vector<int64_t>{a->i};
  if (a->kind == ArgKind::kSymInts || a->kind == ArgKind::kSymInt) {
    std::vector<int64_t> out;
    for (const SymIntArg& s : a->sym_ints) {
      if (!s.name.empty())
        return Error("argument '" + name + "' holds the symbolic value " + s.name +
                     "; only static values are supported here");
      out.push_back(s.value);
    }
    return out;
  }
  return InvalidInput(Describe() + ": argument '" + name + "' is not an integer list");
}

Result<double> OpCall::Float(const std::string& name, std::optional<double> fallback) const {
  const Arg* a = Find(name);
  if ((a == nullptr || a->kind == ArgKind::kNone) && fallback) return *fallback;
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  if (a->kind == ArgKind::kFloat) return a->f;
  if (a->kind == ArgKind::kInt) return static_cast<double>(a->i);
  if (a->kind == ArgKind::kBool) return a->b ? 1.0 : 0.0;
  if (a->kind == ArgKind::kSymFloat && a->name.empty()) return a->f;
  return InvalidInput(Describe() + ": argument '" + name + "' is not a number");
}

Result<bool> OpCall::Bool(const std::string& name, std::optional<bool> fallback) const {
  const Arg* a = Find(name);
  if ((a == nullptr || a->kind == ArgKind::kNone) && fallback) return *fallback;
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  if (a->kind == ArgKind::kBool) return a->b;
  if (a->kind == ArgKind::kInt) return a->i != 0;
  return InvalidInput(Describe() + ": argument '" + name + "' is not a boolean");
}

Result<std::string> OpCall::String(const std::string& name,
                                   std::optional<std::string> fallback) const {
  const Arg* a = Find(name);
  if ((a == nullptr || a->kind == ArgKind::kNone) && fallback) return *fallback;
  if (a == nullptr) return InvalidInput(Describe() + ": missing argument '" + name + "'");
  if (a->kind == ArgKind::kString) return a->name;
  return InvalidInput(Describe() + ": argument '" + name + "' is not a string");
}

Result<std::optional<DType>> OpCall::ScalarType(const std::string& name) const {
  const Arg* a = Find(name);
  if (a == nullptr || a->kind == ArgKind::kNone) return std::optional<DType>();
  if (a->kind != ArgKind::kScalarType)
    return InvalidInput(Describe() + ": argument '" + name + "' is not a dtype");
  return std::optional<DType>(a->dtype);
}

Result<ir::Value*> OpCall::IntList(const std::string& name) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  if (a->kind == ArgKind::kInts) return ctx_.ConstInts(a->ints);
  if (a->kind == ArgKind::kInt) return ctx_.ConstInts({a->i});
  if (a->kind != ArgKind::kSymInts && a->kind != ArgKind::kSymInt)
    return InvalidInput(Describe() + ": argument '" + name + "' is not an integer list");
  bool all_literal = true;
  std::vector<int64_t> literal;
  for (const SymIntArg& s : a->sym_ints) {
    all_literal = all_literal && s.name.empty();
    literal.push_back(s.value);
  }
  if (all_literal) return ctx_.ConstInts(literal);
  std::vector<ir::Value*> pieces;
  for (const SymIntArg& s : a->sym_ints) {
    if (s.name.empty()) {
      pieces.push_back(ctx_.ConstInts({s.value}));
      continue;
    }
    ir::Value* sym = ctx_.LookupSym(s.name);
    if (sym == nullptr)
      return InvalidInput(Describe() + ": symbolic value '" + s.name + "' is not defined");
    pieces.push_back(ctx_.Op("Unsqueeze", {ctx_.Cast(sym, DType::kInt64), ctx_.ConstInts({0})}));
  }
  return ctx_.Op("Concat", pieces, {{"axis", ir::Attribute::Int(0)}});
}

bool OpCall::IsScalar(const std::string& name) const {
  const Arg* a = Find(name);
  return a != nullptr &&
         (a->kind == ArgKind::kInt || a->kind == ArgKind::kFloat || a->kind == ArgKind::kBool ||
          (a->kind == ArgKind::kSymFloat && a->name.empty()));
}

Result<ir::Value*> OpCall::ScalarOrTensor(const std::string& name, DType like) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  if (a->kind == ArgKind::kTensor) {
    PT2TF_ASSIGN_OR_RETURN(ir::Value * v, Tensor(name));
    return ctx_.Cast(v, like);
  }
  if (a->kind == ArgKind::kSymInt || a->kind == ArgKind::kSymFloat) {
    const std::string sym = a->kind == ArgKind::kSymInt ? a->sym_ints[0].name : a->name;
    if (sym.empty())
      return ctx_.ConstScalar(a->kind == ArgKind::kSymInt ? a->sym_ints[0].value : a->f, like);
    ir::Value* v = ctx_.LookupSym(sym);
    if (v == nullptr)
      return InvalidInput(Describe() + ": symbolic value '" + sym + "' is not defined");
    return ctx_.Cast(v, like);
  }
  PT2TF_ASSIGN_OR_RETURN(double value, Float(name));
  return ctx_.ConstScalar(value, like);
}

std::string OpCall::OutputName(size_t i) const {
  size_t k = 0;
  for (const Arg& a : node_.outputs) {
    if (a.kind == ArgKind::kTensors) {
      for (const std::string& n : a.names)
        if (k++ == i) return n;
      continue;
    }
    if (k++ == i) return a.kind == ArgKind::kTensor ? a.name : "";
  }
  return "";
}

DType OpCall::OutputDType(size_t i) const {
  const TensorMeta* m = ctx_.Meta(OutputName(i));
  return m ? m->dtype : DType::kFloat32;
}

Result<int64_t> OpCall::Rank(const std::string& name) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  const TensorMeta* m = a->kind == ArgKind::kTensor ? ctx_.Meta(a->name) : nullptr;
  if (m == nullptr) return InvalidInput(Describe() + ": no tensor metadata for '" + name + "'");
  return static_cast<int64_t>(m->sizes.size());
}

Result<std::vector<int64_t>> OpCall::Sizes(const std::string& name) const {
  PT2TF_ASSIGN_OR_RETURN(const Arg* a, Required(name));
  const TensorMeta* m = a->kind == ArgKind::kTensor ? ctx_.Meta(a->name) : nullptr;
  if (m == nullptr) return InvalidInput(Describe() + ": no tensor metadata for '" + name + "'");
  std::vector<int64_t> out;
  for (const SymDim& d : m->sizes) out.push_back(d.symbolic() ? ir::kUnknownDim : d.value);
  return out;
}

Status OpCall::SetOutput(ir::Value* v, size_t i) {
  const std::string name = OutputName(i);
  if (name.empty()) return OkStatus();  // an output nobody can refer to
  if (const TensorMeta* m = ctx_.Meta(name)) {
    if (v->dtype != m->dtype) v = ctx_.Cast(v, m->dtype);  // torch's promotion, made explicit
    if (v->producer != nullptr && !ctx_.graph().IsInput(v) && !v->is_constant()) {
      ir::Dims dims;
      for (const SymDim& d : m->sizes) dims.push_back(d.symbolic() ? ir::kUnknownDim : d.value);
      v->shape = dims;
    }
  }
  ctx_.Bind(name, v);
  return OkStatus();
}

Result<int64_t> NormAxis(const OpCall& call, int64_t axis, int64_t rank) {
  const int64_t r = std::max<int64_t>(rank, 1);
  if (axis < -r || axis >= r)
    return InvalidInput(call.Describe() + ": dim " + std::to_string(axis) +
                        " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + r : axis;
}

Result<int64_t> OpCall::Dim(const std::string& dim, const std::string& of) const {
  PT2TF_ASSIGN_OR_RETURN(int64_t rank, Rank(of));
  PT2TF_ASSIGN_OR_RETURN(int64_t axis, Int(dim));
  return NormAxis(*this, axis, rank);
}

}  // namespace pt2tf::pt2
