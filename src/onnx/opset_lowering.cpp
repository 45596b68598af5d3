#include "onnx/opset_lowering.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_set>

namespace pt2tf::onnx {
namespace {

std::string NameOf(const ir::Value* v) { return v ? v->name : std::string(); }

// A scalar of a floating dtype the decompositions support.
Result<Tensor> FloatScalar(DType dtype, double value) {
  std::vector<std::byte> bytes(ElementSize(dtype));
  if (dtype == DType::kFloat32) {
    float f = static_cast<float>(value);
    std::memcpy(bytes.data(), &f, sizeof f);
  } else if (dtype == DType::kFloat64) {
    std::memcpy(bytes.data(), &value, sizeof value);
  } else {
    return Unsupported("dtype " + std::string(TorchName(dtype)));
  }
  return Tensor::FromBytes(dtype, {}, std::move(bytes));
}

class Lowerer {
 public:
  Lowerer(const ir::Graph& graph, int opset) : graph_(graph), opset_(opset) {}

  int opset() const { return opset_; }

  OutNode& EmitCopy(const ir::Node& node) {
    OutNode out{node.op_type, node.domain, node.name, {}, {}, node.attrs, &node};
    for (const ir::Value* v : node.inputs) out.inputs.push_back(NameOf(v));
    for (const ir::Value* v : node.outputs) out.outputs.push_back(NameOf(v));
    result_.nodes.push_back(std::move(out));
    return result_.nodes.back();
  }

  OutNode& Emit(const ir::Node& origin, std::string op_type, std::vector<std::string> inputs,
                std::vector<std::string> outputs, ir::AttributeMap attrs = {}) {
    std::string name = NewName(origin.name + "/" + op_type);
    result_.nodes.push_back(
        {std::move(op_type), "", name, std::move(inputs), std::move(outputs), std::move(attrs)});
    return result_.nodes.back();
  }

  // Emits a one-output node and returns the name of a fresh output value.
  std::string EmitValue(const ir::Node& origin, const std::string& op_type,
                        std::vector<std::string> inputs, ir::AttributeMap attrs = {}) {
    std::string out = NewName(origin.name + "/" + op_type + "_out");
    Emit(origin, op_type, std::move(inputs), {out}, std::move(attrs));
    return out;
  }

  std::string NewName(const std::string& base) {
    if (!names_collected_) CollectNames();
    std::string name = base;
    for (int i = 1; used_names_.count(name); ++i) name = base + "_" + std::to_string(i);
    used_names_.insert(name);
    return name;
  }

  Result<std::string> AddConstant(const std::string& base, Result<Tensor> tensor) {
    if (!tensor.ok()) return tensor.status();
    std::string name = NewName(base);
    result_.constants.emplace_back(name, std::move(tensor).value());
    return name;
  }

  // A reduction over `axes` in the form the target opset wants (attribute before 18).
  Result<std::string> EmitReduce(const ir::Node& origin, const std::string& op_type,
                                 const std::string& input, const std::vector<int64_t>& axes) {
    ir::AttributeMap attrs{{"keepdims", ir::Attribute::Int(1)}};
    std::vector<std::string> inputs{input};
    if (opset_ >= 18) {
      PT2TF_ASSIGN_OR_RETURN(std::string axes_name,
                             AddConstant(origin.name + "/axes", Int64Tensor(axes)));
      inputs.push_back(axes_name);
    } else {
      attrs["axes"] = ir::Attribute::Ints(axes);
    }
    return EmitValue(origin, op_type, std::move(inputs), std::move(attrs));
  }

  LoweredGraph Take() { return std::move(result_); }

 private:
  const ir::Graph& graph_;
  int opset_;
  // The graph's names, collected on the first NewName: most graphs need no rewrite, and
  // copying every name of a 100k-node graph cost more than the lowering itself.
  void CollectNames() {
    names_collected_ = true;
    for (const auto& node : graph_.nodes()) {
      for (const ir::Value* v : node->inputs)
        if (v) used_names_.insert(v->name);
      for (const ir::Value* v : node->outputs) used_names_.insert(v->name);
    }
    for (const ir::Value* v : graph_.inputs()) used_names_.insert(v->name);
    for (const ir::Value* v : graph_.outputs()) used_names_.insert(v->name);
    for (const ir::Value* v : graph_.Initializers()) used_names_.insert(v->name);
  }
  bool names_collected_ = false;
  std::unordered_set<std::string> used_names_;
  LoweredGraph result_;
};

Status Refuse(const ir::Node& node, const std::string& why, int opset) {
  return Unsupported(node.Describe() + ": " + why + " cannot be written for ONNX opset " +
                     std::to_string(opset) + " (use a higher --opset)");
}

// Integer values of a constant input, or an error naming the node.
Result<std::vector<int64_t>> ConstInts(const ir::Node& node, size_t index, const char* what,
                                       int opset) {
  const ir::Value* v = node.input(index);
  if (!v || !v->is_constant())
    return Refuse(node, std::string("a computed (non-constant) '") + what + "' input", opset);
  const Tensor& t = *v->constant;
  std::vector<int64_t> values(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) values[i] = t.ElementAsInt(i);
  return values;
}

// Drops attribute `name` when it holds its default; refuses otherwise.
Status DropDefaultInt(const ir::Node& node, OutNode& out, const std::string& name,
                      int64_t default_value, int opset) {
  auto it = out.attrs.find(name);
  if (it == out.attrs.end()) return OkStatus();
  if (it->second.type == ir::AttrType::kInt && it->second.i == default_value) {
    out.attrs.erase(it);
    return OkStatus();
  }
  return Refuse(node, "attribute '" + name + "' with a non-default value", opset);
}

Status DropDefaultInts(const ir::Node& node, OutNode& out, const std::string& name,
                       int64_t default_each, int opset) {
  auto it = out.attrs.find(name);
  if (it == out.attrs.end()) return OkStatus();
  for (int64_t v : it->second.ints)
    if (v != default_each) return Refuse(node, "attribute '" + name + "' " + "non-default", opset);
  out.attrs.erase(it);
  return OkStatus();
}

// --- rewrites, one per op family --------------------------------------------------------

// Reduce*(data, axes?) with noop_with_empty_axes → Reduce*(data) with an axes attribute.
Status LowerReduce(const ir::Node& node, Lowerer& lo) {
  const bool noop = node.GetInt("noop_with_empty_axes", 0) != 0;
  std::vector<int64_t> axes;
  if (node.input(1)) {
    PT2TF_ASSIGN_OR_RETURN(axes, ConstInts(node, 1, "axes", lo.opset()));
  }
  if (axes.empty() && noop) {
    lo.Emit(node, "Identity", {NameOf(node.input(0))}, {NameOf(node.outputs[0])});
    return OkStatus();
  }
  OutNode& out = lo.EmitCopy(node);
  out.inputs.resize(1);
  out.attrs.erase("noop_with_empty_axes");
  if (!axes.empty()) out.attrs["axes"] = ir::Attribute::Ints(axes);
  return OkStatus();
}

// Split with num_outputs (18) → Split with equal outputs or an explicit sizes input.
Status LowerSplit(const ir::Node& node, Lowerer& lo) {
  const ir::Attribute* num = node.FindAttr("num_outputs");
  if (!num) {
    lo.EmitCopy(node);
    return OkStatus();
  }
  const int64_t n = num->i;
  const ir::Value* x = node.input(0);
  int64_t axis = node.GetInt("axis", 0);
  if (n != static_cast<int64_t>(node.outputs.size()))
    return InvalidInput(node.Describe() + ": num_outputs differs from the number of outputs");
  if (!x || !x->shape) return Refuse(node, "num_outputs on an input of unknown shape", lo.opset());
  const int64_t rank = static_cast<int64_t>(x->shape->size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return InvalidInput(node.Describe() + ": axis out of range");
  const int64_t dim = (*x->shape)[axis];
  if (dim < 0) return Refuse(node, "num_outputs on a dimension of unknown size", lo.opset());
  OutNode& out = lo.EmitCopy(node);
  out.attrs.erase("num_outputs");
  if (dim % n == 0) return OkStatus();  // equal parts, Split-13's default
  const int64_t chunk = (dim + n - 1) / n;
  std::vector<int64_t> sizes(static_cast<size_t>(n), chunk);
  sizes.back() = dim - chunk * (n - 1);
  if (sizes.back() < 0)
    return InvalidInput(node.Describe() + ": cannot split " + std::to_string(dim) + " into " +
                        std::to_string(n) + " parts");
  PT2TF_ASSIGN_OR_RETURN(std::string split,
                         lo.AddConstant(node.name + "/split", Int64Tensor(sizes)));
  out.inputs.resize(2);
  out.inputs[1] = split;
  return OkStatus();
}

// Pad(data, pads, value, axes) → Pad(data, pads, value) with pads for every dimension.
Status LowerPad(const ir::Node& node, Lowerer& lo) {
  if (lo.opset() < 19 && node.GetString("mode", "constant") == "wrap")
    return Refuse(node, "mode 'wrap'", lo.opset());
  if (!node.input(3) || lo.opset() >= 18) {
    lo.EmitCopy(node);
    return OkStatus();
  }
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ConstInts(node, 1, "pads", lo.opset()));
  PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ConstInts(node, 3, "axes", lo.opset()));
  const ir::Value* x = node.input(0);
  if (!x->shape) return Refuse(node, "the 'axes' input on an input of unknown rank", lo.opset());
  const int64_t rank = static_cast<int64_t>(x->shape->size());
  if (pads.size() != 2 * axes.size())
    return InvalidInput(node.Describe() + ": pads has " + std::to_string(pads.size()) +
                        " values for " + std::to_string(axes.size()) + " axes");
  std::vector<int64_t> full(2 * rank, 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank) return InvalidInput(node.Describe() + ": axis out of range");
    full[a] = pads[i];
    full[a + rank] = pads[i + axes.size()];
  }
  PT2TF_ASSIGN_OR_RETURN(std::string pads_name,
                         lo.AddConstant(node.name + "/pads", Int64Tensor(full)));
  OutNode& out = lo.EmitCopy(node);
  out.inputs.resize(3);
  out.inputs[1] = pads_name;
  return OkStatus();
}

Status LowerResize(const ir::Node& node, Lowerer& lo) {
  if (lo.opset() < 19 &&
      node.GetString("coordinate_transformation_mode", "") == "half_pixel_symmetric")
    return Refuse(node, "coordinate_transformation_mode 'half_pixel_symmetric'", lo.opset());
  OutNode& out = lo.EmitCopy(node);
  if (lo.opset() >= 18) return OkStatus();
  PT2TF_RETURN_IF_ERROR(DropDefaultInt(node, out, "antialias", 0, lo.opset()));
  if (out.attrs.count("axes")) return Refuse(node, "attribute 'axes'", lo.opset());
  if (out.attrs.count("keep_aspect_ratio_policy")) {
    if (node.GetString("keep_aspect_ratio_policy", "") != "stretch")
      return Refuse(node, "keep_aspect_ratio_policy other than 'stretch'", lo.opset());
    out.attrs.erase("keep_aspect_ratio_policy");
  }
  return OkStatus();
}

// y = x·½·(1 + erf(x/√2)), or the tanh approximation.
Status LowerGelu(const ir::Node& node, Lowerer& lo) {
  const ir::Value* xv = node.input(0);
  const DType dt = xv->dtype;
  const std::string x = xv->name;
  const std::string base = node.name;
  PT2TF_ASSIGN_OR_RETURN(std::string one, lo.AddConstant(base + "/one", FloatScalar(dt, 1.0)));
  PT2TF_ASSIGN_OR_RETURN(std::string half, lo.AddConstant(base + "/half", FloatScalar(dt, 0.5)));
  std::string inner;
  if (node.GetString("approximate", "none") == "tanh") {
    PT2TF_ASSIGN_OR_RETURN(std::string c, lo.AddConstant(base + "/c", FloatScalar(dt, 0.044715)));
    PT2TF_ASSIGN_OR_RETURN(std::string k,
                           lo.AddConstant(base + "/k", FloatScalar(dt, std::sqrt(2.0 / M_PI))));
    std::string x2 = lo.EmitValue(node, "Mul", {x, x});
    std::string x3 = lo.EmitValue(node, "Mul", {x2, x});
    std::string cx3 = lo.EmitValue(node, "Mul", {x3, c});
    std::string sum = lo.EmitValue(node, "Add", {x, cx3});
    std::string scaled = lo.EmitValue(node, "Mul", {sum, k});
    inner = lo.EmitValue(node, "Tanh", {scaled});
  } else if (node.GetString("approximate", "none") == "none") {
    PT2TF_ASSIGN_OR_RETURN(std::string r2,
                           lo.AddConstant(base + "/sqrt2", FloatScalar(dt, std::sqrt(2.0))));
    std::string scaled = lo.EmitValue(node, "Div", {x, r2});
    inner = lo.EmitValue(node, "Erf", {scaled});
  } else {
    return InvalidInput(node.Describe() + ": unknown approximate '" +
                        node.GetString("approximate", "") + "'");
  }
  std::string plus = lo.EmitValue(node, "Add", {inner, one});
  std::string xp = lo.EmitValue(node, "Mul", {x, plus});
  lo.Emit(node, "Mul", {xp, half}, {NameOf(node.outputs[0])});
  return OkStatus();
}

// x·HardSigmoid(x; 1/6, 1/2)
Status LowerHardSwish(const ir::Node& node, Lowerer& lo) {
  const std::string x = NameOf(node.input(0));
  std::string hs = lo.EmitValue(
      node, "HardSigmoid", {x},
      {{"alpha", ir::Attribute::Float(1.0f / 6.0f)}, {"beta", ir::Attribute::Float(0.5f)}});
  lo.Emit(node, "Mul", {x, hs}, {NameOf(node.outputs[0])});
  return OkStatus();
}

// x·tanh(softplus(x))
Status LowerMish(const ir::Node& node, Lowerer& lo) {
  const std::string x = NameOf(node.input(0));
  std::string sp = lo.EmitValue(node, "Softplus", {x});
  std::string th = lo.EmitValue(node, "Tanh", {sp});
  lo.Emit(node, "Mul", {x, th}, {NameOf(node.outputs[0])});
  return OkStatus();
}

// (x - mean) / sqrt(var + eps) over `axes`; returns the normalized value's name.
Result<std::string> EmitNormalize(const ir::Node& node, Lowerer& lo, const std::string& x,
                                  const std::vector<int64_t>& axes, DType dt) {
  PT2TF_ASSIGN_OR_RETURN(
      std::string eps,
      lo.AddConstant(node.name + "/epsilon", FloatScalar(dt, node.GetFloat("epsilon", 1e-5f))));
  PT2TF_ASSIGN_OR_RETURN(std::string mean, lo.EmitReduce(node, "ReduceMean", x, axes));
  std::string d = lo.EmitValue(node, "Sub", {x, mean});
  std::string dd = lo.EmitValue(node, "Mul", {d, d});
  PT2TF_ASSIGN_OR_RETURN(std::string var, lo.EmitReduce(node, "ReduceMean", dd, axes));
  std::string ve = lo.EmitValue(node, "Add", {var, eps});
  std::string sd = lo.EmitValue(node, "Sqrt", {ve});
  return lo.EmitValue(node, "Div", {d, sd});
}

Status CheckNormalizationOutputs(const ir::Node& node, const ir::Graph& graph, Lowerer& lo) {
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (!graph.Users(node.outputs[i]).empty() || graph.IsOutput(node.outputs[i]))
      return Refuse(node, "its mean/inv_std_dev outputs", lo.opset());
  const DType dt = node.input(0)->dtype;
  if (dt != DType::kFloat32 && dt != DType::kFloat64)
    return Refuse(node, "dtype " + std::string(TorchName(dt)), lo.opset());
  return OkStatus();
}

Status LowerLayerNorm(const ir::Node& node, Lowerer& lo, const ir::Graph& graph) {
  PT2TF_RETURN_IF_ERROR(CheckNormalizationOutputs(node, graph, lo));
  const ir::Value* x = node.input(0);
  int64_t axis = node.GetInt("axis", -1);
  std::vector<int64_t> axes;
  if (axis < 0) {
    for (int64_t a = axis; a < 0; ++a) axes.push_back(a);
  } else {
    if (!x->shape)
      return Refuse(node, "a non-negative axis on an input of unknown rank", lo.opset());
    for (int64_t a = axis; a < static_cast<int64_t>(x->shape->size()); ++a) axes.push_back(a);
  }
  PT2TF_ASSIGN_OR_RETURN(std::string n, EmitNormalize(node, lo, x->name, axes, x->dtype));
  const std::string y = NameOf(node.outputs[0]);
  if (!node.input(2)) {
    lo.Emit(node, "Mul", {n, NameOf(node.input(1))}, {y});
  } else {
    std::string scaled = lo.EmitValue(node, "Mul", {n, NameOf(node.input(1))});
    lo.Emit(node, "Add", {scaled, NameOf(node.input(2))}, {y});
  }
  return OkStatus();
}

// Opset-21 GroupNormalization (per-channel scale/bias), for any input rank >= 2:
//   x3 = Reshape(x, [0,0,-1])          N,C,L
//   n  = normalize(Reshape(x3, [0,G,-1])) over its last axis
//   y  = Reshape(Reshape(n, Shape(x3)) * scale[C,1] + bias[C,1], Shape(x))
Status LowerGroupNorm(const ir::Node& node, Lowerer& lo, const ir::Graph& graph) {
  PT2TF_RETURN_IF_ERROR(CheckNormalizationOutputs(node, graph, lo));
  const ir::Value* x = node.input(0);
  const int64_t groups = node.GetInt("num_groups", 0);
  PT2TF_ASSIGN_OR_RETURN(std::string ncl,
                         lo.AddConstant(node.name + "/ncl_shape", Int64Tensor({0, 0, -1})));
  PT2TF_ASSIGN_OR_RETURN(std::string grouped_shape, lo.AddConstant(node.name + "/grouped_shape",
                                                                   Int64Tensor({0, groups, -1})));
  PT2TF_ASSIGN_OR_RETURN(std::string affine_shape,
                         lo.AddConstant(node.name + "/affine_shape", Int64Tensor({-1, 1})));
  std::string shape = lo.EmitValue(node, "Shape", {x->name});
  std::string x3 = lo.EmitValue(node, "Reshape", {x->name, ncl});
  std::string shape3 = lo.EmitValue(node, "Shape", {x3});
  std::string grouped = lo.EmitValue(node, "Reshape", {x3, grouped_shape});
  PT2TF_ASSIGN_OR_RETURN(std::string n, EmitNormalize(node, lo, grouped, {-1}, x->dtype));
  std::string back = lo.EmitValue(node, "Reshape", {n, shape3});
  std::string scale = lo.EmitValue(node, "Reshape", {NameOf(node.input(1)), affine_shape});
  std::string bias = lo.EmitValue(node, "Reshape", {NameOf(node.input(2)), affine_shape});
  std::string scaled = lo.EmitValue(node, "Mul", {back, scale});
  std::string shifted = lo.EmitValue(node, "Add", {scaled, bias});
  lo.Emit(node, "Reshape", {shifted, shape}, {NameOf(node.outputs[0])});
  return OkStatus();
}

// Shape with start/end (15) → Shape + Slice.
Status LowerShape(const ir::Node& node, Lowerer& lo) {
  const ir::Attribute* start = node.FindAttr("start");
  const ir::Attribute* end = node.FindAttr("end");
  if ((!start || start->i == 0) && !end) {
    OutNode& out = lo.EmitCopy(node);
    out.attrs.clear();
    return OkStatus();
  }
  std::string shape = lo.EmitValue(node, "Shape", {NameOf(node.input(0))});
  PT2TF_ASSIGN_OR_RETURN(std::string starts, lo.AddConstant(node.name + "/starts",
                                                            Int64Tensor({start ? start->i : 0})));
  PT2TF_ASSIGN_OR_RETURN(
      std::string ends,
      lo.AddConstant(node.name + "/ends",
                     Int64Tensor({end ? end->i : std::numeric_limits<int64_t>::max()})));
  lo.Emit(node, "Slice", {shape, starts, ends}, {NameOf(node.outputs[0])});
  return OkStatus();
}

Status LowerCastLike(const ir::Node& node, Lowerer& lo) {
  std::optional<int> to = OnnxDataType(node.input(1)->dtype);
  if (!to) return Refuse(node, "its target dtype", lo.opset());
  lo.Emit(node, "Cast", {NameOf(node.input(0))}, {NameOf(node.outputs[0])},
          {{"to", ir::Attribute::Int(*to)}});
  return OkStatus();
}

Status LowerDft(const ir::Node& node, Lowerer& lo) {
  if (lo.opset() < 17) return Refuse(node, "the op", lo.opset());
  int64_t axis = -2;
  if (node.input(2)) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> a, ConstInts(node, 2, "axis", lo.opset()));
    if (a.size() != 1) return InvalidInput(node.Describe() + ": axis must be a scalar");
    axis = a[0];
  }
  if (axis < 0) {
    const ir::Value* x = node.input(0);
    if (!x->shape) return Refuse(node, "a negative axis on an input of unknown rank", lo.opset());
    axis += static_cast<int64_t>(x->shape->size());
  }
  OutNode& out = lo.EmitCopy(node);
  out.inputs.resize(std::min<size_t>(out.inputs.size(), 2));
  out.attrs["axis"] = ir::Attribute::Int(axis);
  return OkStatus();
}

Status LowerGridSample(const ir::Node& node, Lowerer& lo) {
  if (lo.opset() < 16) return Refuse(node, "the op", lo.opset());
  OutNode& out = lo.EmitCopy(node);
  const std::string mode = node.GetString("mode", "linear");
  const std::string old_mode = mode == "linear" ? "bilinear" : mode == "cubic" ? "bicubic" : mode;
  out.attrs["mode"] = ir::Attribute::String(old_mode);
  return OkStatus();
}

Status LowerScatter(const ir::Node& node, Lowerer& lo) {
  const std::string reduction = node.GetString("reduction", "none");
  const int needed = reduction == "none"                          ? 13
                     : (reduction == "add" || reduction == "mul") ? 16
                                                                  : 18;
  if (lo.opset() < needed) return Refuse(node, "reduction '" + reduction + "'", lo.opset());
  OutNode& out = lo.EmitCopy(node);
  if (lo.opset() < 16) out.attrs.erase("reduction");
  return OkStatus();
}

Status LowerReshape(const ir::Node& node, Lowerer& lo) {
  if (node.GetInt("allowzero", 0) != 0) {
    PT2TF_ASSIGN_OR_RETURN(std::vector<int64_t> shape, ConstInts(node, 1, "shape", lo.opset()));
    if (std::find(shape.begin(), shape.end(), 0) != shape.end())
      return Refuse(node, "allowzero=1 with a zero in the shape", lo.opset());
  }
  lo.EmitCopy(node).attrs.erase("allowzero");
  return OkStatus();
}

Status LowerRoiAlign(const ir::Node& node, Lowerer& lo) {
  if (node.GetString("coordinate_transformation_mode", "half_pixel") != "output_half_pixel")
    return Refuse(node, "coordinate_transformation_mode 'half_pixel'", lo.opset());
  lo.EmitCopy(node).attrs.erase("coordinate_transformation_mode");
  return OkStatus();
}

// Ops whose only opset-≥14 change is an attribute we can drop while it holds its default.
Status DropNewDefaults(const ir::Node& node, Lowerer& lo) {
  OutNode& out = lo.EmitCopy(node);
  const int t = lo.opset();
  const std::string& op = node.op_type;
  if (op == "BatchNormalization" && t < 14) return DropDefaultInt(node, out, "training_mode", 0, t);
  if ((op == "Cast" || op == "CastLike") && t < 19) {
    out.attrs.erase("saturate");  // only affects float8 targets, which need opset 19 anyway
    return OkStatus();
  }
  if (op == "AveragePool" && t < 19) return DropDefaultInts(node, out, "dilations", 1, t);
  if (op == "LpPool" && t < 18) {
    PT2TF_RETURN_IF_ERROR(DropDefaultInts(node, out, "dilations", 1, t));
    return DropDefaultInt(node, out, "ceil_mode", 0, t);
  }
  if (op == "QuantizeLinear" || op == "DequantizeLinear") {
    if (t < 21) PT2TF_RETURN_IF_ERROR(DropDefaultInt(node, out, "block_size", 0, t));
    if (t < 21) PT2TF_RETURN_IF_ERROR(DropDefaultInt(node, out, "output_dtype", 0, t));
    if (t < 19) out.attrs.erase("saturate");
  }
  return OkStatus();
}

Status RefuseOp(const ir::Node& node, Lowerer& lo) { return Refuse(node, "the op", lo.opset()); }

enum class Rewrite {
  kRefuse,  // no older form: refuse below `since`
  kReduce,
  kSplit,
  kPad,
  kResize,
  kGelu,
  kHardSwish,
  kMish,
  kLayerNorm,
  kGroupNorm,
  kShape,
  kCastLike,
  kDft,
  kGridSample,
  kScatter,
  kReshape,
  kRoiAlign,
  kDropDefaults,
};

struct LoweringRule {
  const char* op_type;
  int since;  // lowest opset at which the canonical form is written unchanged
  Rewrite rewrite;
};

// The one table. `since` is the ONNX version of the op's opset-21 form (or of the newest
// attribute/input the form may use); below it the rewrite runs.
constexpr LoweringRule kRules[] = {
    {"ReduceMean", 18, Rewrite::kReduce},
    {"ReduceMax", 18, Rewrite::kReduce},
    {"ReduceMin", 18, Rewrite::kReduce},
    {"ReduceProd", 18, Rewrite::kReduce},
    {"ReduceL1", 18, Rewrite::kReduce},
    {"ReduceL2", 18, Rewrite::kReduce},
    {"ReduceLogSum", 18, Rewrite::kReduce},
    {"ReduceLogSumExp", 18, Rewrite::kReduce},
    {"ReduceSumSquare", 18, Rewrite::kReduce},
    {"Split", 18, Rewrite::kSplit},
    {"Pad", 19, Rewrite::kPad},
    {"Resize", 19, Rewrite::kResize},
    {"Gelu", 20, Rewrite::kGelu},
    {"HardSwish", 14, Rewrite::kHardSwish},
    {"Mish", 18, Rewrite::kMish},
    {"LayerNormalization", 17, Rewrite::kLayerNorm},
    {"GroupNormalization", 21, Rewrite::kGroupNorm},
    {"Shape", 15, Rewrite::kShape},
    {"CastLike", 15, Rewrite::kCastLike},
    {"DFT", 20, Rewrite::kDft},
    {"GridSample", 20, Rewrite::kGridSample},
    {"ScatterElements", 18, Rewrite::kScatter},
    {"ScatterND", 18, Rewrite::kScatter},
    {"Reshape", 14, Rewrite::kReshape},
    {"RoiAlign", 16, Rewrite::kRoiAlign},
    {"BatchNormalization", 14, Rewrite::kDropDefaults},
    {"Cast", 19, Rewrite::kDropDefaults},
    {"AveragePool", 19, Rewrite::kDropDefaults},
    {"LpPool", 18, Rewrite::kDropDefaults},
    {"QuantizeLinear", 21, Rewrite::kDropDefaults},
    {"DequantizeLinear", 21, Rewrite::kDropDefaults},
    // Ops that do not exist before `since`.
    {"Trilu", 14, Rewrite::kRefuse},
    {"Bernoulli", 15, Rewrite::kRefuse},
    {"Optional", 15, Rewrite::kRefuse},
    {"OptionalGetElement", 18, Rewrite::kRefuse},
    {"OptionalHasElement", 18, Rewrite::kRefuse},
    {"BlackmanWindow", 17, Rewrite::kRefuse},
    {"HammingWindow", 17, Rewrite::kRefuse},
    {"HannWindow", 17, Rewrite::kRefuse},
    {"MelWeightMatrix", 17, Rewrite::kRefuse},
    {"STFT", 17, Rewrite::kRefuse},
    {"SequenceMap", 17, Rewrite::kRefuse},
    {"BitwiseAnd", 18, Rewrite::kRefuse},
    {"BitwiseNot", 18, Rewrite::kRefuse},
    {"BitwiseOr", 18, Rewrite::kRefuse},
    {"BitwiseXor", 18, Rewrite::kRefuse},
    {"CenterCropPad", 18, Rewrite::kRefuse},
    {"Col2Im", 18, Rewrite::kRefuse},
    {"DeformConv", 19, Rewrite::kRefuse},
    {"AffineGrid", 20, Rewrite::kRefuse},
    {"ImageDecoder", 20, Rewrite::kRefuse},
    {"RegexFullMatch", 20, Rewrite::kRefuse},
    {"StringConcat", 20, Rewrite::kRefuse},
    {"StringSplit", 20, Rewrite::kRefuse},
};

// Element types an op accepts only from some opset on.
struct TypeRule {
  const char* op_type;
  size_t input;
  DType dtype;
  int since;
};

constexpr TypeRule kTypeRules[] = {
    {"QuantizeLinear", 0, DType::kFloat16, 19},
    {"QuantizeLinear", 0, DType::kBFloat16, 19},
    {"QuantizeLinear", 2, DType::kFloat8E4M3FN, 19},
    {"QuantizeLinear", 2, DType::kFloat8E5M2, 19},
    {"QuantizeLinear", 2, DType::kInt16, 21},
    {"QuantizeLinear", 2, DType::kUInt16, 21},
    {"DequantizeLinear", 0, DType::kFloat8E4M3FN, 19},
    {"DequantizeLinear", 0, DType::kFloat8E5M2, 19},
    {"DequantizeLinear", 0, DType::kInt16, 21},
    {"DequantizeLinear", 0, DType::kUInt16, 21},
    {"DequantizeLinear", 1, DType::kFloat16, 19},
    {"DequantizeLinear", 1, DType::kBFloat16, 19},
    {"IsInf", 0, DType::kFloat16, 20},
    {"IsInf", 0, DType::kBFloat16, 20},
    {"QLinearMatMul", 1, DType::kFloat16, 21},
    {"QLinearMatMul", 1, DType::kBFloat16, 21},
};

Status CheckTypes(const ir::Node& node, int opset) {
  for (const TypeRule& r : kTypeRules) {
    const ir::Value* v = node.input(r.input);
    if (opset < r.since && node.op_type == r.op_type && v && v->dtype == r.dtype)
      return Refuse(
          node, "dtype " + std::string(TorchName(r.dtype)) + " on input " + std::to_string(r.input),
          opset);
  }
  return OkStatus();
}

Status ApplyRule(const LoweringRule& rule, const ir::Node& node, Lowerer& lo,
                 const ir::Graph& graph) {
  switch (rule.rewrite) {
    case Rewrite::kRefuse:
      return RefuseOp(node, lo);
    case Rewrite::kReduce:
      return LowerReduce(node, lo);
    case Rewrite::kSplit:
      return LowerSplit(node, lo);
    case Rewrite::kPad:
      return LowerPad(node, lo);
    case Rewrite::kResize:
      return LowerResize(node, lo);
    case Rewrite::kGelu:
      return LowerGelu(node, lo);
    case Rewrite::kHardSwish:
      return LowerHardSwish(node, lo);
    case Rewrite::kMish:
      return LowerMish(node, lo);
    case Rewrite::kLayerNorm:
      return LowerLayerNorm(node, lo, graph);
    case Rewrite::kGroupNorm:
      return LowerGroupNorm(node, lo, graph);
    case Rewrite::kShape:
      return LowerShape(node, lo);
    case Rewrite::kCastLike:
      return LowerCastLike(node, lo);
    case Rewrite::kDft:
      return LowerDft(node, lo);
    case Rewrite::kGridSample:
      return LowerGridSample(node, lo);
    case Rewrite::kScatter:
      return LowerScatter(node, lo);
    case Rewrite::kReshape:
      return LowerReshape(node, lo);
    case Rewrite::kRoiAlign:
      return LowerRoiAlign(node, lo);
    case Rewrite::kDropDefaults:
      return DropNewDefaults(node, lo);
  }
  return InternalError("unhandled lowering rule");
}

}  // namespace

Result<LoweredGraph> LowerToOpset(const ir::Graph& graph, int opset) {
  Lowerer lo(graph, opset);
  for (const auto& node : graph.nodes()) {
    PT2TF_RETURN_IF_ERROR(CheckTypes(*node, opset));
    const LoweringRule* rule = nullptr;
    if (node->domain.empty())
      for (const LoweringRule& r : kRules)
        if (node->op_type == r.op_type) rule = &r;
    if (!rule || opset >= rule->since) {
      lo.EmitCopy(*node);
      continue;
    }
    PT2TF_RETURN_IF_ERROR(ApplyRule(*rule, *node, lo, graph));
  }
  return lo.Take();
}

}  // namespace pt2tf::onnx
