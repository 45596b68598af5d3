#include "tflite/translator.h"

#include <algorithm>

#include "tflite/function_graph.h"
#include "tflite/ops/registry.h"

namespace pt2tf::tflite {
namespace {

// Integer constants are read element by element: far below any weight size.
constexpr int64_t kMaxConstInts = 1 << 20;
// Under --precision fp16, float32 constants this small stay float32: they save nothing and
// polynomial coefficients, epsilons and scalars keep their exact values.
constexpr int64_t kMinFp16Elements = 16;

bool IsControl(const std::string& input) { return !input.empty() && input[0] == '^'; }

Result<TensorType> TypeOf(DType d) {
  switch (d) {
    case DType::kFloat32:
      return TensorType::TensorType_FLOAT32;
    case DType::kFloat16:
      return TensorType::TensorType_FLOAT16;
    case DType::kFloat64:
      return TensorType::TensorType_FLOAT64;
    case DType::kBFloat16:
      return TensorType::TensorType_BFLOAT16;
    case DType::kInt64:
      return TensorType::TensorType_INT64;
    case DType::kInt32:
      return TensorType::TensorType_INT32;
    case DType::kInt16:
      return TensorType::TensorType_INT16;
    case DType::kInt8:
      return TensorType::TensorType_INT8;
    case DType::kUInt8:
      return TensorType::TensorType_UINT8;
    case DType::kUInt16:
      return TensorType::TensorType_UINT16;
    case DType::kUInt32:
      return TensorType::TensorType_UINT32;
    case DType::kBool:
      return TensorType::TensorType_BOOL;
    default:
      return Unsupported("dtype " + std::string(TorchName(d)) + " has no TFLite type");
  }
}

// The (view axes → declared axis) grouping: for each declared axis, the view axes (in order)
// whose sizes multiply to it. Empty when the view does not refine the declared shape.
std::vector<std::vector<size_t>> GroupAxes(const ir::Dims& view, const ir::Dims& declared) {
  std::vector<std::vector<size_t>> groups(declared.size());
  size_t v = 0;
  for (size_t d = 0; d < declared.size(); ++d) {
    int64_t product = 1;
    while (v < view.size() &&
           (product < declared[d] || (declared[d] == 1 && view[v] == 1 && groups[d].empty()))) {
      product *= view[v];
      groups[d].push_back(v++);
    }
    if (product != declared[d]) return {};
  }
  while (v < view.size()) {  // trailing size-1 view axes
    if (view[v] != 1 || groups.empty()) return {};
    groups.back().push_back(v++);
  }
  return groups;
}

}  // namespace

Result<ConstView> PermuteConst(const ConstView& c, const std::vector<int64_t>& perm) {
  if (perm.size() != c.shape.size()) return InternalError("PermuteConst: rank mismatch");
  Tensor base = c.data;
  auto groups = GroupAxes(base.shape(), c.shape);
  if (groups.empty() && !c.shape.empty()) {
    // The view's axes do not line up with the declared ones: copy to the declared shape.
    Tensor dense = base.ToContiguous();
    std::vector<int64_t> strides(c.shape.size());
    int64_t s = 1;
    for (size_t i = c.shape.size(); i-- > 0;) {
      strides[i] = s;
      s *= c.shape[i];
    }
    PT2TF_ASSIGN_OR_RETURN(
        base, Tensor::Make(dense.dtype(), c.shape, strides, dense.offset(), dense.storage()));
    groups.clear();
    for (size_t i = 0; i < c.shape.size(); ++i) groups.push_back({i});
  }
  std::vector<int64_t> dims, strides;
  ir::Dims declared;
  for (int64_t p : perm) {
    for (size_t v : groups[p]) {
      dims.push_back(base.shape()[v]);
      strides.push_back(base.strides()[v]);
    }
    declared.push_back(c.shape[p]);
  }
  PT2TF_ASSIGN_OR_RETURN(Tensor view,
                         Tensor::Make(base.dtype(), dims, strides, base.offset(), base.storage()));
  return ConstView{std::move(view), std::move(declared)};
}

std::string TensorKey(const std::string& input) {
  return input.find(':') == std::string::npos ? input + ":0" : input;
}

Result<TensorType> TfliteType(tensorflow::DataType t) {
  switch (t) {
    case tensorflow::DT_FLOAT:
      return TensorType::TensorType_FLOAT32;
    case tensorflow::DT_HALF:
      return TensorType::TensorType_FLOAT16;
    case tensorflow::DT_DOUBLE:
      return TensorType::TensorType_FLOAT64;
    case tensorflow::DT_INT32:
      return TensorType::TensorType_INT32;
    case tensorflow::DT_INT64:
      return TensorType::TensorType_INT64;
    case tensorflow::DT_INT16:
      return TensorType::TensorType_INT16;
    case tensorflow::DT_INT8:
      return TensorType::TensorType_INT8;
    case tensorflow::DT_UINT8:
      return TensorType::TensorType_UINT8;
    case tensorflow::DT_UINT16:
      return TensorType::TensorType_UINT16;
    case tensorflow::DT_UINT32:
      return TensorType::TensorType_UINT32;
    case tensorflow::DT_BOOL:
      return TensorType::TensorType_BOOL;
    default:
      return Unsupported("TF type " + std::to_string(t) + " has no TFLite type");
  }
}

Result<ir::Dims> Broadcast(const ir::Dims& a, const ir::Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  ir::Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t y = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (x == kDynamicDim || y == kDynamicDim) {  // the other dim, unless it may broadcast
      const int64_t other = x == kDynamicDim ? y : x;
      out[i] = other == 1 ? kDynamicDim : other;
      continue;
    }
    if (x != y && x != 1 && y != 1)
      return InvalidInput("shapes " + ShapeToString(a) + " and " + ShapeToString(b) +
                          " do not broadcast");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Status NodeError(const tf::TfNode& node, const std::string& message) {
  return Unsupported(node.def.op() + " '" + node.def.name() + "': " + message);
}

int64_t AttrInt(const tf::TfNode& node, const std::string& name, int64_t fallback) {
  auto it = node.def.attr().find(name);
  return it == node.def.attr().end() ? fallback : it->second.i();
}
float AttrFloat(const tf::TfNode& node, const std::string& name, float fallback) {
  auto it = node.def.attr().find(name);
  return it == node.def.attr().end() ? fallback : it->second.f();
}
bool AttrBool(const tf::TfNode& node, const std::string& name, bool fallback) {
  auto it = node.def.attr().find(name);
  return it == node.def.attr().end() ? fallback : it->second.b();
}
std::string AttrString(const tf::TfNode& node, const std::string& name,
                       const std::string& fallback) {
  auto it = node.def.attr().find(name);
  return it == node.def.attr().end() ? fallback : it->second.s();
}
std::vector<int64_t> AttrInts(const tf::TfNode& node, const std::string& name) {
  auto it = node.def.attr().find(name);
  if (it == node.def.attr().end()) return {};
  return {it->second.list().i().begin(), it->second.list().i().end()};
}
std::optional<tensorflow::DataType> AttrType(const tf::TfNode& node, const std::string& name) {
  auto it = node.def.attr().find(name);
  if (it == node.def.attr().end()) return std::nullopt;
  return it->second.type();
}

Translator::Translator(const tf::TfGraph& graph, Precision precision, ModelBuilder& model,
                       const std::vector<tf::TfFunction>* library)
    : graph_(graph),
      precision_(precision),
      model_(model),
      library_(library ? library : &graph.functions),
      is_function_(library != nullptr) {}

Result<int> Translator::TranslateFunction(const std::string& name,
                                          const std::vector<int32_t>& inputs,
                                          std::vector<TensorSpec>& outputs) {
  const tf::TfFunction* fn = nullptr;
  for (const tf::TfFunction& f : *library_)
    if (f.signature.name() == name) fn = &f;
  if (!fn) return InternalError("function " + name + " is not in the graph's library");
  if (fn->signature.input_arg_size() != static_cast<int>(inputs.size()))
    return InternalError("function " + name + " takes " +
                         std::to_string(fn->signature.input_arg_size()) + " inputs, given " +
                         std::to_string(inputs.size()));
  std::vector<ir::Dims> shapes;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec& spec = model_.tensor(inputs[i]);
    PT2TF_ASSIGN_OR_RETURN(TensorType type,
                           TfliteType(fn->signature.input_arg(static_cast<int>(i)).type()));
    if (type != spec.type)
      return InternalError("function " + name + ": input " + std::to_string(i) +
                           " has another type than its argument");
    // A run-time dim stays one in the subgraph (its placeholder says -1): the ops inside
    // take run-time dims as they do in the main graph, and LiteRT resizes the subgraph's
    // inputs to the tensors it is called with.
    shapes.push_back(spec.shape);
  }
  PT2TF_ASSIGN_OR_RETURN(tf::TfGraph graph, FunctionAsGraph(*fn, shapes));
  const int parent = model_.current_subgraph();
  const int index = model_.AddSubgraph(name);
  model_.SetCurrentSubgraph(index);
  Status s = OkStatus();
  {
    Translator nested(graph, precision_, model_, library_);
    s = nested.Run();
  }
  outputs.clear();
  if (s.ok())
    for (const ModelBuilder::Endpoint& e : model_.outputs())
      outputs.push_back(model_.tensor(e.tensor));
  model_.SetCurrentSubgraph(parent);
  if (!s.ok()) return s.WithContext("function " + name);
  return index;
}

size_t Translator::InputCount(const tf::TfNode& node) const {
  size_t n = 0;
  for (const std::string& in : node.def.input()) n += IsControl(in) ? 0 : 1;
  return n;
}

Result<std::string> Translator::InputKey(const tf::TfNode& node, size_t i) const {
  if (i >= static_cast<size_t>(node.def.input_size()) || IsControl(node.def.input(i)))
    return InternalError(node.def.op() + " '" + node.def.name() + "': no input " +
                         std::to_string(i));
  return TensorKey(node.def.input(i));
}

const tf::TfNode* Translator::Producer(const tf::TfNode& node, size_t i) const {
  if (i >= static_cast<size_t>(node.def.input_size()) || IsControl(node.def.input(i)))
    return nullptr;
  // "node:k" or "node" -> "node", as a view: this runs for every input of every node.
  const std::string_view in = node.def.input(i);
  auto it = nodes_.find(in.substr(0, in.rfind(':')));
  return it == nodes_.end() ? nullptr : it->second;
}

std::optional<ConstView> Translator::Const(const tf::TfNode& node, size_t i) const {
  if (!folded_.empty())
    if (auto key = InputKey(node, i); key.ok())
      if (auto it = folded_.find(*key); it != folded_.end()) return it->second;
  const tf::TfNode* p = Producer(node, i);
  if (!p || p->def.op() != "Const" || !p->payload) return std::nullopt;
  return ConstView{*p->payload, p->payload_shape ? *p->payload_shape : p->payload->shape()};
}

Result<std::vector<int64_t>> Translator::ConstInts(const tf::TfNode& node, size_t i) const {
  auto c = Const(node, i);
  if (!c) return NodeError(node, "input " + std::to_string(i) + " must be a constant");
  if (IsFloatingPoint(c->data.dtype()) || c->data.numel() > kMaxConstInts)
    return NodeError(node, "input " + std::to_string(i) + " must be a small integer constant");
  std::vector<int64_t> v(c->data.numel());
  for (int64_t k = 0; k < c->data.numel(); ++k) v[k] = c->data.ElementAsInt(k);
  return v;
}

Result<int> Translator::In(const tf::TfNode& node, size_t i) {
  PT2TF_ASSIGN_OR_RETURN(std::string key, InputKey(node, i));
  if (auto it = tensors_.find(key); it != tensors_.end()) return it->second;
  if (auto c = Const(node, i)) {
    PT2TF_ASSIGN_OR_RETURN(int t, ConstTensor(key.substr(0, key.rfind(':')), *c));
    tensors_[key] = t;
    return t;
  }
  return InternalError(node.def.op() + " '" + node.def.name() + "': input " + key +
                       " is not translated yet");
}

Result<ir::Dims> Translator::InShape(const tf::TfNode& node, size_t i) {
  PT2TF_ASSIGN_OR_RETURN(std::string key, InputKey(node, i));
  if (auto it = tensors_.find(key); it != tensors_.end()) return model_.tensor(it->second).shape;
  if (auto c = Const(node, i)) return c->shape;
  return InternalError(node.def.op() + " '" + node.def.name() + "': input " + key +
                       " is not translated yet");
}

Result<TensorType> Translator::InType(const tf::TfNode& node, size_t i) {
  PT2TF_ASSIGN_OR_RETURN(std::string key, InputKey(node, i));
  if (auto it = tensors_.find(key); it != tensors_.end()) return model_.tensor(it->second).type;
  if (auto c = Const(node, i)) return TypeOf(c->data.dtype());
  return InternalError(node.def.op() + " '" + node.def.name() + "': input " + key +
                       " is not translated yet");
}

int Translator::NewTensor(const std::string& name, TensorType type, ir::Dims shape) {
  return model_.AddTensor(TensorSpec{name, type, std::move(shape), 0});
}

Result<int> Translator::ConstTensor(const std::string& name, const ConstView& c) {
  PT2TF_ASSIGN_OR_RETURN(TensorType type, TypeOf(c.data.dtype()));
  if (precision_ == Precision::kFp16 && type == TensorType::TensorType_FLOAT32 &&
      c.data.numel() >= kMinFp16Elements) {
    const uint32_t buffer = model_.AddBuffer(c.data, /*to_fp16=*/true);
    const int half = model_.AddTensor(
        TensorSpec{name + "/fp16", TensorType::TensorType_FLOAT16, c.shape, buffer});
    const int full = NewTensor(name, TensorType::TensorType_FLOAT32, c.shape);
    Op(BuiltinOperator::BuiltinOperator_DEQUANTIZE, {half}, {full});
    dequantized_.emplace(full, c);
    return full;
  }
  const uint32_t buffer = model_.AddBuffer(c.data);
  return model_.AddTensor(TensorSpec{name, type, c.shape, buffer});
}

int Translator::ShapeOperand(int tensor, const std::string& name) {
  const ir::Dims d = Info(tensor).shape;  // a copy: adding tensors moves the table
  if (std::find(d.begin(), d.end(), kDynamicDim) == d.end()) return ConstI32(name, d);
  const int s = NewTensor(name, TensorType::TensorType_INT32, {static_cast<int64_t>(d.size())});
  Op(BuiltinOperator::BuiltinOperator_SHAPE, {tensor}, {s}, ::tflite::BuiltinOptions_ShapeOptions,
     ::tflite::CreateShapeOptions(fbb(), TensorType::TensorType_INT32).Union());
  return s;
}

int Translator::ConstI32(const std::string& name, const std::vector<int64_t>& values,
                         std::optional<ir::Dims> shape) {
  std::vector<std::byte> bytes(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    const int32_t v = static_cast<int32_t>(values[i]);
    std::memcpy(bytes.data() + 4 * i, &v, 4);
  }
  ir::Dims dims = shape ? *shape : ir::Dims{static_cast<int64_t>(values.size())};
  Tensor t = Tensor::FromBytes(DType::kInt32, dims, std::move(bytes)).value();  // sizes match
  const uint32_t buffer = model_.AddBuffer(std::move(t));
  return model_.AddTensor(TensorSpec{name, TensorType::TensorType_INT32, dims, buffer});
}

void Translator::Bind(const tf::TfNode& node, int k, int tensor) {
  tensors_[node.def.name() + ":" + std::to_string(k)] = tensor;
}

void Translator::Fold(const tf::TfNode& node, int k, ConstView value) {
  folded_[node.def.name() + ":" + std::to_string(k)] = std::move(value);
}

int Translator::Output(const tf::TfNode& node, int k, TensorType type, ir::Dims shape) {
  const int t = NewTensor(k == 0 ? node.def.name() : node.def.name() + ":" + std::to_string(k),
                          type, std::move(shape));
  Bind(node, k, t);
  return t;
}

void Translator::Op(BuiltinOperator op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                    ::tflite::BuiltinOptions options_type, flatbuffers::Offset<void> options) {
  model_.AddOp(op, std::move(inputs), std::move(outputs), options_type, options);
}

const tf::TfNode* Translator::SoleConsumer(const tf::TfNode& node) const {
  const std::string key = node.def.name() + ":0";
  auto it = consumers_.find(key);
  if (it == consumers_.end() || it->second.size() != 1) return nullptr;
  return it->second[0];
}

void Translator::Absorb(const tf::TfNode& node, int tensor) {
  done_.insert(&node);
  Bind(node, 0, tensor);
}

Status Translator::Translate(const tf::TfNode& node) {
  const std::string& op = node.def.op();
  if (op == "Const" || op == "NoOp") return OkStatus();  // constants: on first use
  if (op == "Placeholder") {
    auto it = node.def.attr().find("shape");
    auto dtype = AttrType(node, "dtype");
    if (it == node.def.attr().end() || it->second.shape().unknown_rank() || !dtype)
      return NodeError(node, "the input needs a static shape for TFLite");
    ir::Dims shape;
    for (const auto& d : it->second.shape().dim()) {
      // A dim known only at run time: kDynamicDim, written as -1 in shape_signature; the
      // interpreter resizes the input and every op's Prepare sizes its outputs.
      shape.push_back(d.size() < 0 ? kDynamicDim : d.size());
    }
    PT2TF_ASSIGN_OR_RETURN(TensorType type, TfliteType(*dtype));
    Output(node, 0, type, shape);
    return OkStatus();
  }
  if (op == "Identity" || op == "StopGradient" || op == "Snapshot") {
    PT2TF_ASSIGN_OR_RETURN(int t, In(node, 0));
    Bind(node, 0, t);
    return OkStatus();
  }
  Converter convert = FindConverter(op);
  if (!convert) return NodeError(node, "no TFLite builtin translation for TF op " + op);
  if (!AcceptsRuntimeDims(op)) {
    for (size_t i = 0; i < InputCount(node); ++i) {
      auto it = tensors_.find(TensorKey(node.def.input(static_cast<int>(i))));
      if (it == tensors_.end()) continue;
      const ir::Dims& dims = model_.tensor(it->second).shape;
      if (std::find(dims.begin(), dims.end(), kDynamicDim) != dims.end())
        return NodeError(node,
                         "input " + std::to_string(i) + " has shape " + ShapeToString(dims) +
                             " known only at run time; this op needs it when converting (pin the "
                             "input shapes with --input-shape or --batch)");
    }
  }
  return convert(node, *this);
}

Status Translator::Finish() {
  for (const tf::TfEndpoint& e : graph_.inputs) {
    auto it = tensors_.find(e.node + ":0");
    if (it == tensors_.end()) return InternalError("graph input " + e.node + " was not translated");
    model_.AddInput(it->second, e.key);
  }
  std::unordered_set<int> used;
  for (const tf::TfEndpoint& e : graph_.outputs) {
    auto it = tensors_.find(e.node + ":0");
    if (it == tensors_.end())
      return InternalError("graph output " + e.node + " was not translated");
    int t = it->second;
    if (auto d = dequantized_.find(t); d != dequantized_.end()) {
      // A weight that is itself an output stays float32: XNNPACK folds a DEQUANTIZE of a
      // constant into the ops reading it and cannot set up one whose result leaves the graph.
      t = model_.AddTensor(TensorSpec{e.node + "/value", TensorType::TensorType_FLOAT32,
                                      d->second.shape, model_.AddBuffer(d->second.data)});
    }
    const TensorSpec spec = model_.tensor(t);
    int64_t numel = 1;
    for (int64_t d : spec.shape) numel *= d;
    // (A control-flow branch may return an empty tensor: the IF copies it to its output.)
    if (numel == 0 && !is_function_)
      return Unsupported("output '" + e.key + "' is empty; LiteRT rejects empty output tensors");
    // A body passing a loop variable through returns its input tensor as it is: LiteRT's
    // WHILE copies body outputs back into the body's inputs, so no copy is needed here (one
    // would cost the variable's size every iteration).
    const bool pass_through =
        is_function_ && spec.buffer == 0 && model_.IsInterface(t) && !used.count(t);
    if (!pass_through && (spec.buffer != 0 || model_.IsInterface(t) || used.count(t))) {
      // A constant, an input or a repeated output (a loop body passing a variable through):
      // a copy, so that every output is its own computed tensor. A run-time shape is read
      // with SHAPE, and the RESHAPE then has no static new_shape to state.
      const bool dynamic =
          std::find(spec.shape.begin(), spec.shape.end(), kDynamicDim) != spec.shape.end();
      const int shape = ShapeOperand(t, e.node + "/shape");
      const int copy = NewTensor(e.node, spec.type, spec.shape);
      std::vector<int32_t> new_shape(spec.shape.begin(), spec.shape.end());
      if (dynamic) {
        Op(BuiltinOperator::BuiltinOperator_RESHAPE, {t, shape}, {copy});
      } else {
        auto options = ::tflite::CreateReshapeOptions(fbb(), fbb().CreateVector(new_shape));
        Op(BuiltinOperator::BuiltinOperator_RESHAPE, {t, shape}, {copy},
           ::tflite::BuiltinOptions_ReshapeOptions, options.Union());
      }
      t = copy;
    } else if (!pass_through) {
      model_.mutable_tensor(t).name = e.node;
    }
    used.insert(t);
    model_.AddOutput(t, e.key);
  }
  return OkStatus();
}

Status Translator::Run() {
  // Sized up front: rehashing these showed up on graphs of 100k nodes.
  nodes_.reserve(graph_.nodes.size());
  consumers_.reserve(graph_.nodes.size());
  tensors_.reserve(graph_.nodes.size());
  for (const tf::TfNode& n : graph_.nodes) nodes_[n.def.name()] = &n;
  for (const tf::TfNode& n : graph_.nodes)
    for (const std::string& in : n.def.input())
      if (!IsControl(in)) consumers_[TensorKey(in)].push_back(&n);
  for (const tf::TfNode& n : graph_.nodes) {
    if (done_.count(&n)) continue;
    PT2TF_RETURN_IF_ERROR(Translate(n));
  }
  return Finish();
}

}  // namespace pt2tf::tflite
