#include "nn/module.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace pt2tf::nn {

// ---- Builder ----

void Builder::Fail(Status status) {
  if (!status_.ok()) return;
  status_ = scope_.empty() ? std::move(status) : status.WithContext(scope_);
}

Var Builder::Op(const std::string& op_type, std::vector<ir::Value*> inputs, ir::AttributeMap attrs,
                ir::Dims out_shape, DType out_dtype) {
  if (!ok()) return Var{this, inputs.empty() ? nullptr : inputs[0]};
  std::string name;
  if (scope_.empty()) {
    name = op_type;
  } else if (std::find(named_scopes_.begin(), named_scopes_.end(), scope_) == named_scopes_.end()) {
    named_scopes_.push_back(scope_);
    name = scope_;
  } else {
    name = scope_ + "/" + op_type;
  }
  ir::Node* node = graph_.AddNode(op_type, std::move(inputs), std::move(attrs), 1, name);
  ir::Value* out = node->outputs[0];
  out->dtype = out_dtype;
  out->shape = std::move(out_shape);
  return Var{this, out};
}

ir::Value* Builder::Int64s(const std::vector<int64_t>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return AddConstant(
      Tensor::FromBytes(DType::kInt64, {static_cast<int64_t>(values.size())}, std::move(bytes)));
}

ir::Value* Builder::FloatScalar(float value) { return Floats({value}, {}); }

ir::Value* Builder::Floats(const std::vector<float>& values, const ir::Dims& shape) {
  std::vector<std::byte> bytes(values.size() * sizeof(float));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return AddConstant(Tensor::FromBytes(DType::kFloat32, shape, std::move(bytes)));
}

ir::Value* Builder::AddConstant(Result<Tensor> t) {
  if (!t.ok()) {  // values that do not fill the shape: a bug in model code
    Fail(InternalError("constant: " + t.status().message()));
    t = Tensor::FromBytes(DType::kFloat32, {0}, {});  // an empty stand-in; the build fails
  }
  std::string base = scope_.empty() ? "const" : scope_ + "/const";
  return graph_.AddInitializer(base, std::move(t).value());
}

// ---- Module ----

Var Module::operator()(Var x) {
  if (!x.builder || !x.builder->ok()) return x;
  Builder::ScopeGuard scope(*x.builder, path_);
  return forward(x);
}

Parameter& Module::register_parameter(std::string name, ir::Dims shape) {
  tensors_.push_back(std::make_unique<Parameter>(
      Parameter{std::move(name), std::move(shape), TensorRole::kParameter, nullptr}));
  return *tensors_.back();
}

Parameter& Module::register_buffer(std::string name, ir::Dims shape) {
  Parameter& p = register_parameter(std::move(name), std::move(shape));
  p.role = TensorRole::kBuffer;
  return p;
}

Parameter& Module::register_ignored(std::string name, ir::Dims shape) {
  Parameter& p = register_parameter(std::move(name), std::move(shape));
  p.role = TensorRole::kIgnored;
  return p;
}

Module& Module::add_module(std::string name, std::unique_ptr<Module> module) {
  Module& ref = *module;
  children_.emplace_back(std::move(name), std::move(module));
  return ref;
}

void Module::VisitTensors(const std::function<void(const std::string&, Parameter&)>& fn,
                          const std::string& prefix) {
  for (auto& p : tensors_) fn(prefix + p->name, *p);
  for (auto& [name, child] : children_) child->VisitTensors(fn, prefix + name + ".");
}

void Module::AssignPaths(const std::string& path) {
  path_ = path;
  for (auto& [name, child] : children_) child->AssignPaths(path.empty() ? name : path + "." + name);
}

int64_t ParameterCount(Module& model) {
  int64_t total = 0;
  model.VisitTensors([&](const std::string&, Parameter& p) {
    if (p.role != TensorRole::kParameter) return;
    // Shapes come from a pickled module's hyper-parameters: saturate, never overflow.
    Result<int64_t> n = CheckedNumel(p.shape);
    total = !n.ok() || __builtin_add_overflow(total, *n, &total) ? INT64_MAX : total;
  });
  return total;
}

// ---- Binding ----

namespace {

uint32_t F32Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// A float32 copy of a float16 / bfloat16 / float64 tensor.
Result<Tensor> ToFloat32(const Tensor& t) {
  const int64_t n = t.numel();
  std::vector<std::byte> bytes(static_cast<size_t>(n) * 4);
  Tensor c = t.ToContiguous();
  ByteSpan src = c.contiguous_bytes();
  for (int64_t i = 0; i < n; ++i) {
    float f;
    if (t.dtype() == DType::kFloat64) {
      double d;
      std::memcpy(&d, src.data() + i * 8, 8);
      f = static_cast<float>(d);
    } else {
      f = static_cast<float>(c.ElementAsDouble(i));
    }
    uint32_t u = F32Bits(f);
    std::memcpy(bytes.data() + i * 4, &u, 4);
  }
  return Tensor::FromBytes(DType::kFloat32, t.shape(), std::move(bytes));
}

// A tensor of `shape` whose every element is one shared zero: zero stride, 4 bytes total.
Result<Tensor> Placeholder(const ir::Dims& shape) {
  static const auto zero = Storage::Own(std::vector<std::byte>(4));
  std::vector<int64_t> strides(shape.size(), 0);
  return Tensor::Make(DType::kFloat32, shape, strides, 0, zero);
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string s;
  for (size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s;
}

// A state dict saved from nn.DataParallel(model) prefixes every key with "module.". When
// every key has it and no key of the model does, bind without it.
bool StripDataParallelPrefix(Module& model, std::map<std::string, const Tensor*>& available) {
  const std::string prefix = "module.";
  if (available.empty()) return false;
  for (const auto& [name, tensor] : available)
    if (name.rfind(prefix, 0) != 0) return false;
  bool model_uses_prefix = false;
  model.VisitTensors([&](const std::string& qualified, Parameter&) {
    if (qualified.rfind(prefix, 0) == 0) model_uses_prefix = true;
  });
  if (model_uses_prefix) return false;
  std::map<std::string, const Tensor*> stripped;
  for (const auto& [name, tensor] : available) stripped[name.substr(prefix.size())] = tensor;
  available = std::move(stripped);
  return true;
}

}  // namespace

Result<zoo::BuildResult> BuildModel(Module& model, const BindSource& source,
                                    const ir::Dims& input_shape, const zoo::BuildOptions& options) {
  zoo::BuildResult result;
  result.graph = std::make_unique<ir::Graph>();
  ir::Graph& graph = *result.graph;
  if (!source.model_name.empty()) graph.set_name(source.model_name);
  model.AssignPaths("");

  // The graph input first, so it is named "input" whatever the parameters are called.
  for (int64_t d : input_shape)
    if (d <= 0)
      return UsageError("input shape " + ShapeToString(input_shape) +
                        " has a dimension that is not positive");
  ir::Value* input = graph.AddInput("input", DType::kFloat32, input_shape);

  // load_state_dict(strict=True): collect every problem, report them together.
  std::map<std::string, const Tensor*> available;
  if (source.checkpoint)
    for (const NamedTensor& nt : source.checkpoint->tensors) available[nt.name] = &nt.tensor;
  if (StripDataParallelPrefix(model, available))
    result.warnings.push_back(
        "checkpoint keys carry nn.DataParallel's 'module.' prefix; "
        "bound without it");
  std::set<std::string> expected;
  std::vector<std::string> missing, mismatched, bad_dtype;
  Status made;  // the first tensor that could not be made (a shape whose size overflows)
  auto add = [&](const std::string& qualified, Result<Tensor> t) -> ir::Value* {
    if (t.ok()) return graph.AddInitializer(qualified, std::move(t).value());
    if (made.ok()) made = t.status().WithContext(qualified);
    return nullptr;
  };
  model.VisitTensors([&](const std::string& qualified, Parameter& p) {
    expected.insert(qualified);
    if (p.role == TensorRole::kIgnored) return;
    if (!source.checkpoint) {
      p.value = add(qualified, Placeholder(p.shape));
      return;
    }
    auto it = available.find(qualified);
    if (it == available.end()) {
      missing.push_back(qualified);
      return;
    }
    const Tensor& t = *it->second;
    if (t.shape() != p.shape) {
      mismatched.push_back(qualified + " (expected " + ShapeToString(p.shape) + ", found " +
                           ShapeToString(t.shape()) + ")");
      return;
    }
    switch (t.dtype()) {
      case DType::kFloat32:
        p.value = graph.AddInitializer(qualified, t);  // zero-copy view of the checkpoint
        break;
      case DType::kFloat16:
      case DType::kBFloat16:
      case DType::kFloat64:
        p.value = add(qualified, ToFloat32(t));
        break;
      default:
        bad_dtype.push_back(qualified + " (" + std::string(TorchName(t.dtype())) +
                            ", expected a floating-point tensor)");
    }
  });
  PT2TF_RETURN_IF_ERROR(made);
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : available)
    if (!expected.count(name)) unexpected.push_back(name);

  std::vector<std::string> problems;
  if (!missing.empty()) problems.push_back("missing keys: " + JoinList(missing));
  if (!unexpected.empty()) {
    std::string line = "unexpected keys: " + JoinList(unexpected);
    if (options.strict)
      problems.push_back(line);
    else
      result.warnings.push_back(line + " (ignored: --non-strict)");
  }
  if (!mismatched.empty()) problems.push_back("shape mismatches: " + JoinList(mismatched));
  if (!bad_dtype.empty()) problems.push_back("unsupported dtypes: " + JoinList(bad_dtype));
  if (!problems.empty()) {
    std::string what = source.model_name.empty() ? "the model" : source.model_name;
    std::string msg = "checkpoint does not match " + what + ": ";
    for (size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    if (source.checkpoint && !source.checkpoint->path.empty())
      msg = source.checkpoint->path + ": " + msg;
    return InvalidInput(msg);
  }

  Builder builder(graph);
  Var out = model(Var{&builder, input});
  if (!builder.ok()) return builder.status();
  if (!out.value) return InternalError("model forward produced no value");

  // Name the result "output"; a value that is not a fresh node output gets an Identity.
  if (out.value->producer == nullptr || out.value->name == "output") {
    out = builder.Op("Identity", {out.value}, {}, out.shape());
  }
  if (graph.UniqueName("output") != "output")
    return InternalError("the name 'output' is already taken in the graph");
  out.value->name = "output";
  graph.AddOutput(out.value);
  result.parameter_count = ParameterCount(model);
  return result;
}

}  // namespace pt2tf::nn
