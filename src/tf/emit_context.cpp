#include "tf/emit_context.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensorflow/attr_value.pb.h"

namespace pt2tf::tf {
namespace {

bool ValidNameChar(char c, bool first) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.')
    return true;
  return !first && (c == '_' || c == '-' || c == '/' || c == '>');
}

template <typename T>
std::vector<std::byte> BytesOf(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

}  // namespace

Result<tensorflow::DataType> TfType(DType dtype) {
  auto t = TfDataType(dtype);
  if (!t || !tensorflow::DataType_IsValid(*t))
    return Unsupported("TensorFlow has no element type for " + std::string(TorchName(dtype)));
  return static_cast<tensorflow::DataType>(*t);
}

void SetAttrType(tensorflow::NodeDef& def, const std::string& name, tensorflow::DataType t) {
  (*def.mutable_attr())[name].set_type(t);
}
void SetAttrInt(tensorflow::NodeDef& def, const std::string& name, int64_t v) {
  (*def.mutable_attr())[name].set_i(v);
}
void SetAttrFloat(tensorflow::NodeDef& def, const std::string& name, float v) {
  (*def.mutable_attr())[name].set_f(v);
}
void SetAttrBool(tensorflow::NodeDef& def, const std::string& name, bool v) {
  (*def.mutable_attr())[name].set_b(v);
}
void SetAttrString(tensorflow::NodeDef& def, const std::string& name, const std::string& v) {
  (*def.mutable_attr())[name].set_s(v);
}
void SetAttrInts(tensorflow::NodeDef& def, const std::string& name, const std::vector<int64_t>& v) {
  auto* list = (*def.mutable_attr())[name].mutable_list();
  list->clear_i();
  for (int64_t x : v) list->add_i(x);
}
void SetAttrShape(tensorflow::NodeDef& def, const std::string& name, const ir::Dims& dims) {
  auto* shape = (*def.mutable_attr())[name].mutable_shape();
  for (int64_t d : dims) shape->add_dim()->set_size(d < 0 ? -1 : d);
}

Status NodeUnsupported(const ir::Node& node, const std::string& message) {
  return Unsupported(node.Describe() + ": " + message);
}

EmitContext::EmitContext(const ir::Graph& graph, TfGraph& out)
    : out_(out), function_names_(std::make_shared<std::unordered_set<std::string>>()) {
  // Sized for the graph up front (about two values and a few TF nodes per IR node):
  // rehashing these tables showed up on graphs of 100k nodes.
  const size_t n = graph.nodes().size();
  users_.reserve(2 * n);
  use_count_.reserve(2 * n);
  values_.reserve(2 * n);
  names_.reserve(4 * n);
  for (const auto& node : graph.nodes()) {
    for (const ir::Value* in : node->inputs)
      if (in) {
        users_[in].push_back(node.get());
        ++use_count_[in];
      }
    // What a node's bodies capture is read by the node too.
    if (!node->subgraphs.empty())
      for (const ir::Value* in : node->CapturedValues()) {
        users_[in].push_back(node.get());
        ++use_count_[in];
      }
  }
  for (const ir::Value* v : graph.outputs()) ++use_count_[v];
}

EmitContext::EmitContext(const ir::Graph& body, TfGraph& out, const EmitContext& parent)
    : EmitContext(body, out) {
  function_names_ = parent.function_names_;
}

std::string EmitContext::NewFunctionName(const std::string& hint) {
  std::string base;
  for (char c : hint)
    base += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
  if (base.empty() || (base[0] >= '0' && base[0] <= '9')) base = "f_" + base;
  std::string name = base;
  for (int i = 1; function_names_->count(name); ++i) name = base + "_" + std::to_string(i);
  function_names_->insert(name);
  return name;
}

std::vector<const ir::Node*> EmitContext::Users(const ir::Value* value) const {
  auto it = users_.find(value);
  return it == users_.end() ? std::vector<const ir::Node*>{} : it->second;
}

std::string EmitContext::Sanitize(const std::string& name) {
  std::string s;
  for (char c : name) s += ValidNameChar(c, false) ? c : '_';
  size_t start = 0;
  while (start < s.size() && !ValidNameChar(s[start], true)) ++start;
  s.erase(0, start);
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s.empty() ? "node" : s;
}

std::string EmitContext::NewName(const std::string& hint) {
  // Unique ignoring case: TensorFlow's Graph keeps op names unique case-insensitively, so a
  // SavedModel holding "Shape" and "shape" loads with one renamed and a signature naming a
  // tensor that no longer exists.
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string base = Sanitize(hint);
  if (names_.insert(lower(base)).second) return base;  // the usual case: one hash lookup
  for (int i = 1;; ++i) {
    std::string name = base + "_" + std::to_string(i);
    if (names_.insert(lower(name)).second) return name;
  }
}

tensorflow::NodeDef& EmitContext::AddOp(const std::string& op, const std::string& hint,
                                        std::vector<std::string> inputs) {
  TfNode& node = out_.nodes.emplace_back();
  node.def.set_name(NewName(hint));
  node.def.set_op(op);
  for (auto& in : inputs) node.def.add_input(std::move(in));
  return node.def;
}

Result<std::string> EmitContext::AddConst(Tensor value, const std::string& hint,
                                          std::optional<ir::Dims> declared_shape) {
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(value.dtype()));
  if (declared_shape) {
    int64_t n = 1;
    for (int64_t d : *declared_shape) n *= d;
    if (n != value.numel()) return InternalError("Const '" + hint + "': declared shape mismatch");
  }
  tensorflow::NodeDef& def = AddOp("Const", hint, {});
  SetAttrType(def, "dtype", t);
  out_.nodes.back().payload = std::move(value);
  out_.nodes.back().payload_shape = std::move(declared_shape);
  return def.name();
}

std::string EmitContext::ConstI32(const std::vector<int64_t>& values, const std::string& hint,
                                  std::optional<ir::Dims> shape) {
  for (int64_t v : values) {
    // A shape, perm or axis operand past int32 (a hostile file's dim of 2^31) would wrap.
    if (v < INT32_MIN || v > INT32_MAX) {
      if (deferred_error_.ok())
        deferred_error_ = InvalidInput("'" + hint + "': " + std::to_string(v) +
                                       " does not fit the int32 operand TensorFlow reads here");
      return "";
    }
  }
  std::vector<int32_t> v32(values.begin(), values.end());
  auto t = Tensor::FromBytes(
      DType::kInt32, shape ? *shape : ir::Dims{static_cast<int64_t>(v32.size())}, BytesOf(v32));
  return Checked(std::move(t), hint);
}

std::string EmitContext::ConstI64(const std::vector<int64_t>& values, const std::string& hint,
                                  std::optional<ir::Dims> shape) {
  auto t = Tensor::FromBytes(DType::kInt64,
                             shape ? *shape : ir::Dims{static_cast<int64_t>(values.size())},
                             BytesOf(values));
  return Checked(std::move(t), hint);
}

std::string EmitContext::Checked(Result<Tensor> t, const std::string& hint) {
  Result<std::string> name =
      t.ok() ? AddConst(std::move(t).value(), hint) : Result<std::string>(t.status());
  if (name.ok()) return std::move(name).value();
  if (deferred_error_.ok())
    deferred_error_ = InternalError("integer constant '" + hint + "': " + name.status().message());
  return "";
}

Result<std::string> EmitContext::ConstScalar(DType dtype, double v, const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(Tensor t, ScalarTensor(dtype, v));
  return AddConst(std::move(t), hint);
}

std::string EmitContext::Unary(const std::string& op, const std::string& x, tensorflow::DataType t,
                               const std::string& hint) {
  tensorflow::NodeDef& def = AddOp(op, hint, {x});
  SetAttrType(def, "T", t);
  return def.name();
}

std::string EmitContext::Binary(const std::string& op, const std::string& a, const std::string& b,
                                tensorflow::DataType t, const std::string& hint) {
  tensorflow::NodeDef& def = AddOp(op, hint, {a, b});
  SetAttrType(def, "T", t);
  return def.name();
}

std::string EmitContext::Reshape(const std::string& x, const ir::Dims& shape,
                                 tensorflow::DataType t, const std::string& hint) {
  std::string shape_const = ConstI32(shape, hint + "/shape");
  tensorflow::NodeDef& def = AddOp("Reshape", hint, {x, shape_const});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tshape", tensorflow::DT_INT32);
  return def.name();
}

std::string EmitContext::Transpose(const std::string& x, const Perm& perm, tensorflow::DataType t,
                                   const std::string& hint) {
  std::string perm_const = ConstI32(perm, hint + "/perm");
  tensorflow::NodeDef& def = AddOp("Transpose", hint, {x, perm_const});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tperm", tensorflow::DT_INT32);
  return def.name();
}

const Tensor* EmitContext::ConstantOf(const ir::Value* value) {
  return value && value->constant ? &*value->constant : nullptr;
}

Result<ir::Dims> EmitContext::Shape(const ir::Value* value) const {
  if (const Tensor* t = ConstantOf(value)) return t->shape();
  if (!value->shape)
    return InvalidInput("shape of '" + value->name + "' is unknown (run shape inference)");
  return *value->shape;
}

Result<ir::Dims> EmitContext::StaticShape(const ir::Value* value) const {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims dims, Shape(value));
  for (int64_t d : dims)
    if (d < 0)
      return Unsupported("shape of '" + value->name + "' (" + ShapeToString(dims) +
                         ") must be known when converting this op (pin the input shapes "
                         "with --input-shape or --batch)");
  return dims;
}

void EmitContext::Set(const ir::Value* value, TfValue tf_value) {
  if (IsIdentity(tf_value.perm)) tf_value.perm.clear();
  values_[value] = std::move(tf_value);
}

Result<TfValue> EmitContext::Get(const ir::Value* value) {
  if (!value) return InternalError("missing input value");
  auto it = values_.find(value);
  if (it != values_.end()) return it->second;
  if (const Tensor* t = ConstantOf(value)) {
    PT2TF_ASSIGN_OR_RETURN(std::string name, AddConst(*t, value->name));
    TfValue tv{name, {}, std::nullopt};
    values_[value] = tv;
    return tv;
  }
  std::string producer = value->producer ? " (from " + value->producer->Describe() + ")" : "";
  return Unsupported("value '" + value->name + "'" + producer + " has no TensorFlow equivalent");
}

Result<std::string> EmitContext::ConstAs(const ir::Value* value, int64_t rank, const Perm& perm) {
  const Tensor& t = *value->constant;
  std::vector<int64_t> shape = t.shape(), strides = t.strides();
  if (rank < t.rank()) return InternalError("ConstAs: rank below the constant's");
  shape.insert(shape.begin(), rank - t.rank(), 1);
  strides.insert(strides.begin(), rank - t.rank(), 0);
  Perm p = Normalize(perm, rank);
  PT2TF_ASSIGN_OR_RETURN(Tensor view, Tensor::Make(t.dtype(), Permute(shape, p),
                                                   Permute(strides, p), t.offset(), t.storage()));
  return AddConst(std::move(view), value->name);
}

Result<std::string> EmitContext::Materialize(const ir::Value* value, const TfValue& tv) {
  auto key = std::make_pair(value, Perm{});
  if (auto it = converted_.find(key); it != converted_.end()) return it->second;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(value->dtype));
  const FlatOrder& flat = *tv.flat;
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, Shape(value));
  ir::Dims unflat = {-1};
  for (int64_t d : Permute(flat.inner, flat.inner_perm)) unflat.push_back(d);
  std::string x = Reshape(tv.tensor, unflat, t, value->name + "/unflatten");
  Perm inv = Inverse(flat.inner_perm), q = {0};
  for (int64_t i : inv) q.push_back(i + 1);
  x = Transpose(x, q, t, value->name + "/to_ir_layout");
  x = Reshape(x, {-1, shape.back()}, t, value->name + "/flatten");
  converted_[key] = x;
  return x;
}

Result<std::string> EmitContext::GetAs(const ir::Value* value, const Perm& perm_in) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, Shape(value));
  const int64_t rank = static_cast<int64_t>(shape.size());
  Perm perm = IsIdentity(perm_in) ? Perm{} : perm_in;
  if (!perm.empty() && static_cast<int64_t>(perm.size()) != rank)
    return InternalError("layout of rank " + std::to_string(perm.size()) + " for '" + value->name +
                         "' of rank " + std::to_string(rank));
  auto key = std::make_pair(value, perm);
  if (auto it = converted_.find(key); it != converted_.end()) return it->second;
  if (ConstantOf(value) && !perm.empty()) {
    PT2TF_ASSIGN_OR_RETURN(std::string c, ConstAs(value, rank, perm));
    converted_[key] = c;
    return c;
  }
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, Get(value));
  if (tv.flat) {
    PT2TF_ASSIGN_OR_RETURN(std::string x, Materialize(value, tv));
    tv = TfValue{x, {}, std::nullopt};
  }
  if (Normalize(tv.perm, rank) == Normalize(perm, rank)) return tv.tensor;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(value->dtype));
  Perm rel = Relative(tv.perm, perm, rank);
  ir::Dims target = Permute(shape, Normalize(perm, rank));
  int unknown = 0;
  for (int64_t d : target) unknown += d < 0;
  std::string x;
  if (unknown <= 1 && IsPureReshape(Permute(shape, Normalize(tv.perm, rank)), rel)) {
    x = Reshape(tv.tensor, target, t, value->name + "/relayout");
  } else {
    x = Transpose(tv.tensor, rel, t, value->name + "/transpose");
  }
  converted_[key] = x;
  return x;
}

Result<std::string> EmitContext::GetBroadcastAs(const ir::Value* value, int64_t rank,
                                                const Perm& perm_in) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, Shape(value));
  const int64_t vrank = static_cast<int64_t>(shape.size());
  Perm perm = IsIdentity(perm_in) ? Perm{} : perm_in;
  if (vrank == rank || perm.empty()) return GetAs(value, vrank == rank ? perm : Perm{});
  if (vrank > rank) return InternalError("broadcast to a lower rank");
  auto key = std::make_pair(value, perm);
  if (auto it = converted_.find(key); it != converted_.end()) return it->second;
  if (ConstantOf(value)) {
    PT2TF_ASSIGN_OR_RETURN(std::string c, ConstAs(value, rank, perm));
    converted_[key] = c;
    return c;
  }
  PT2TF_ASSIGN_OR_RETURN(std::string x, GetAs(value, {}));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, TfType(value->dtype));
  ir::Dims expanded(rank - vrank, 1);
  expanded.insert(expanded.end(), shape.begin(), shape.end());
  int unknown = 0;
  for (int64_t d : expanded) unknown += d < 0;
  if (unknown > 1)
    return Unsupported("cannot broadcast '" + value->name + "' of shape " + ShapeToString(shape) +
                       " with two unknown dims");
  ir::Dims target = Permute(expanded, perm);
  if (IsPureReshape(expanded, perm)) {
    x = Reshape(x, target, t, value->name + "/relayout");
  } else {
    x = Reshape(x, expanded, t, value->name + "/expand");
    x = Transpose(x, perm, t, value->name + "/transpose");
  }
  converted_[key] = x;
  return x;
}

}  // namespace pt2tf::tf
