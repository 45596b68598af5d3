#include "onnx/opset_upgrade.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "onnx/onnx_ops.h"

namespace pt2tf::onnx {
namespace {

constexpr int kCanonicalOpset = 21;

class Upgrader {
 public:
  Upgrader(ir::Graph& graph, const UpgradeOptions& options) : graph_(graph), options_(options) {}

  int source() const { return options_.source_opset; }
  ir::Graph& graph() { return graph_; }

  ir::Value* Int64Constant(const ir::Node& node, const std::string& what,
                           const std::vector<int64_t>& values, bool scalar = false) {
    std::vector<std::byte> bytes(values.size() * 8);
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    ir::Dims shape = scalar ? ir::Dims{} : ir::Dims{static_cast<int64_t>(values.size())};
    // 1-D of values.size() (or a scalar of one value): only a caller's bug makes this fail.
    Result<Tensor> t = Tensor::FromBytes(DType::kInt64, shape, std::move(bytes));
    if (!t.ok()) {
      if (error_.ok()) error_ = t.status().WithContext(node.name + ": " + what);
      t = Tensor::FromBytes(DType::kInt64, {0}, {});
    }
    return graph_.AddInitializer(node.name + "_" + what, std::move(t).value());
  }

  Result<ir::Value*> FloatConstant(const ir::Node& node, const std::string& what, DType dtype,
                                   const std::vector<double>& values, bool scalar) {
    const size_t esize = ElementSize(dtype);
    std::vector<std::byte> bytes(values.size() * esize);
    for (size_t i = 0; i < values.size(); ++i) {
      std::byte* dst = bytes.data() + i * esize;
      if (dtype == DType::kFloat32) {
        float f = static_cast<float>(values[i]);
        std::memcpy(dst, &f, 4);
      } else if (dtype == DType::kFloat64) {
        std::memcpy(dst, &values[i], 8);
      } else if (dtype == DType::kFloat16) {
        uint16_t h = FloatToHalf(static_cast<float>(values[i]));
        std::memcpy(dst, &h, 2);
      } else {
        return Unsupported(node.Describe() + ": cannot build a " + what + " constant of dtype " +
                           std::string(TorchName(dtype)));
      }
    }
    ir::Dims shape = scalar ? ir::Dims{} : ir::Dims{static_cast<int64_t>(values.size())};
    PT2TF_ASSIGN_OR_RETURN(Tensor t, Tensor::FromBytes(dtype, shape, std::move(bytes)));
    return graph_.AddInitializer(node.name + "_" + what, std::move(t));
  }

  // The dtype of `v` when the file declared it or it follows from a dtype-preserving chain.
  std::optional<DType> KnownDType(const ir::Value* v, int depth = 0) const {
    if (!v) return std::nullopt;
    if (v->is_constant() || options_.typed_values.count(v)) return v->dtype;
    static const std::unordered_set<std::string> kSameAsInput = {"Relu",
                                                                 "LeakyRelu",
                                                                 "Sigmoid",
                                                                 "Tanh",
                                                                 "Add",
                                                                 "Sub",
                                                                 "Mul",
                                                                 "Div",
                                                                 "Conv",
                                                                 "ConvTranspose",
                                                                 "BatchNormalization",
                                                                 "MaxPool",
                                                                 "AveragePool",
                                                                 "GlobalAveragePool",
                                                                 "Clip",
                                                                 "Pad",
                                                                 "Reshape",
                                                                 "Flatten",
                                                                 "Transpose",
                                                                 "Concat",
                                                                 "Identity",
                                                                 "Dropout",
                                                                 "Gemm",
                                                                 "MatMul",
                                                                 "Squeeze",
                                                                 "Unsqueeze",
                                                                 "Slice",
                                                                 "Upsample",
                                                                 "Resize",
                                                                 "Neg",
                                                                 "Abs",
                                                                 "Exp",
                                                                 "Log",
                                                                 "Sqrt",
                                                                 "Softmax",
                                                                 "PRelu",
                                                                 "Elu",
                                                                 "InstanceNormalization"};
    const ir::Node* p = v->producer;
    if (!p || depth > 64 || !kSameAsInput.count(p->op_type) || p->outputs[0] != v)
      return std::nullopt;
    return KnownDType(p->input(0), depth + 1);
  }

  Status Refuse(const ir::Node& node, const std::string& why) const {
    return Unsupported(node.Describe() + " (opset " + std::to_string(source()) + "): " + why);
  }

  // Makes sure `node` has at least `n` input slots (new ones omitted).
  static void EnsureInputs(ir::Node& node, size_t n) {
    if (node.inputs.size() < n) node.inputs.resize(n, nullptr);
  }

  bool IsUsed(const ir::Value* v) const {
    if (!v) return false;
    const auto& outs = graph_.outputs();
    return std::find(outs.begin(), outs.end(), v) != outs.end() || !graph_.Users(v).empty();
  }

  // The first Int64Constant failure (reported after the rewrites).
  const Status& error() const { return error_; }

 private:
  ir::Graph& graph_;
  const UpgradeOptions& options_;
  Status error_;
};

// --- rewrites ---------------------------------------------------------------------------

// An ints attribute (axes, split) becomes int64 input `index`.
Status IntsAttrToInput(ir::Node& node, Upgrader& up, const std::string& attr, size_t index) {
  const ir::Attribute* a = node.FindAttr(attr);
  if (!a) return OkStatus();
  ir::Value* v = up.Int64Constant(node, attr, a->ints);
  node.attrs.erase(attr);
  Upgrader::EnsureInputs(node, index + 1);
  node.inputs[index] = v;
  return OkStatus();
}

Status UpgradeAxes(ir::Node& node, Upgrader& up) { return IntsAttrToInput(node, up, "axes", 1); }
// Split-2/11: split attribute → input. Before 18, no sizes meant equal parts; from 18 on
// that takes num_outputs.
Status UpgradeSplit(ir::Node& node, Upgrader& up) {
  PT2TF_RETURN_IF_ERROR(IntsAttrToInput(node, up, "split", 1));
  if (!node.input(1) && !node.FindAttr("num_outputs"))
    node.attrs["num_outputs"] = ir::Attribute::Int(static_cast<int64_t>(node.outputs.size()));
  return OkStatus();
}

Status UpgradeSlice(ir::Node& node, Upgrader& up) {
  if (!node.FindAttr("starts") || !node.FindAttr("ends"))
    return InvalidInput(node.Describe() + ": Slice without starts/ends");
  PT2TF_RETURN_IF_ERROR(IntsAttrToInput(node, up, "starts", 1));
  PT2TF_RETURN_IF_ERROR(IntsAttrToInput(node, up, "ends", 2));
  return IntsAttrToInput(node, up, "axes", 3);
}

// Pad-2: pads/value attributes → pads/constant_value inputs.
Status UpgradePad(ir::Node& node, Upgrader& up) {
  const float value = node.GetFloat("value", 0.0f);
  PT2TF_RETURN_IF_ERROR(IntsAttrToInput(node, up, "pads", 1));
  node.attrs.erase("value");
  if (value != 0.0f && node.GetString("mode", "constant") == "constant") {
    std::optional<DType> dt = up.KnownDType(node.input(0));
    if (!dt) return up.Refuse(node, "cannot tell the input's dtype to build the pad value");
    PT2TF_ASSIGN_OR_RETURN(ir::Value * v, up.FloatConstant(node, "value", *dt, {value}, true));
    Upgrader::EnsureInputs(node, 3);
    node.inputs[2] = v;
  }
  return OkStatus();
}

// Clip-6: min/max attributes → inputs.
Status UpgradeClip(ir::Node& node, Upgrader& up) {
  const ir::Attribute* lo = node.FindAttr("min");
  const ir::Attribute* hi = node.FindAttr("max");
  if (!lo && !hi) return OkStatus();
  std::optional<DType> dt = up.KnownDType(node.input(0));
  if (!dt) return up.Refuse(node, "cannot tell the input's dtype to build min/max inputs");
  Upgrader::EnsureInputs(node, 3);
  if (lo) {
    PT2TF_ASSIGN_OR_RETURN(node.inputs[1], up.FloatConstant(node, "min", *dt, {lo->f}, true));
  }
  if (hi) {
    PT2TF_ASSIGN_OR_RETURN(node.inputs[2], up.FloatConstant(node, "max", *dt, {hi->f}, true));
  }
  node.attrs.erase("min");
  node.attrs.erase("max");
  return OkStatus();
}

// Upsample-7/9 and Resize-10 → Resize with the coordinate mapping they used (asymmetric).
Status UpgradeUpsample(ir::Node& node, Upgrader& up) {
  ir::Value* scales = node.input(1);
  if (node.op_type == "Upsample" && up.source() < 9) {
    const ir::Attribute* a = node.FindAttr("scales");
    if (!a) return InvalidInput(node.Describe() + ": Upsample without scales");
    std::vector<double> values(a->floats.begin(), a->floats.end());
    PT2TF_ASSIGN_OR_RETURN(scales,
                           up.FloatConstant(node, "scales", DType::kFloat32, values, false));
    node.attrs.erase("scales");
  }
  if (!scales) return InvalidInput(node.Describe() + ": no scales");
  std::string mode = node.GetString("mode", "nearest");
  ir::AttributeMap attrs{{"coordinate_transformation_mode", ir::Attribute::String("asymmetric")}};
  if (mode == "nearest") {
    // Old runtimes picked floor when enlarging and ceil when shrinking an axis.
    if (!scales->is_constant())
      return up.Refuse(node, "nearest mode with computed (non-constant) scales");
    bool up_axes = false, down_axes = false;
    for (int64_t i = 0; i < scales->constant->numel(); ++i) {
      double s = scales->constant->ElementAsDouble(i);
      up_axes |= s > 1.0;
      down_axes |= s < 1.0;
    }
    if (up_axes && down_axes)
      return up.Refuse(node, "nearest mode enlarging and shrinking at once");
    attrs["nearest_mode"] = ir::Attribute::String(down_axes ? "ceil" : "floor");
  } else if (mode == "linear" || mode == "bilinear") {
    mode = "linear";
  } else {
    return up.Refuse(node, "mode '" + mode + "'");
  }
  attrs["mode"] = ir::Attribute::String(mode);
  node.op_type = "Resize";
  node.attrs = std::move(attrs);
  node.inputs = {node.input(0), nullptr, scales};
  return OkStatus();
}

// Resize-11/12: roi and scales were required; empty constants stood for "absent".
Status UpgradeResize11(ir::Node& node, Upgrader& up) {
  auto is_empty_constant = [](const ir::Value* v) {
    return v && v->is_constant() && v->constant->numel() == 0;
  };
  if (node.GetString("coordinate_transformation_mode", "half_pixel") != "tf_crop_and_resize" &&
      is_empty_constant(node.input(1)))
    node.inputs[1] = nullptr;
  if (node.input(3) && is_empty_constant(node.input(2))) node.inputs[2] = nullptr;
  return OkStatus();
}

Status UpgradeResize(ir::Node& node, Upgrader& up) {
  return up.source() < 11 ? UpgradeUpsample(node, up) : UpgradeResize11(node, up);
}

// Softmax-1/11 (and LogSoftmax, Hardmax) work on the input flattened to 2-D at `axis`:
// y = Reshape(Softmax(Flatten(x, axis), axis=-1), Shape(x)). One op suffices when `axis`
// is the last dimension.
Status UpgradeSoftmax(ir::Node& node, Upgrader& up) {
  const int64_t axis = node.GetInt("axis", 1);
  const ir::Value* x = node.input(0);
  if (x && x->shape) {
    const int64_t rank = static_cast<int64_t>(x->shape->size());
    if ((axis < 0 ? axis + rank : axis) == rank - 1) {
      node.attrs["axis"] = ir::Attribute::Int(-1);
      return OkStatus();
    }
  }
  ir::Graph& g = up.graph();
  ir::Value* y = node.outputs[0];
  ir::Node* shape = g.AddNode("Shape", {node.inputs[0]}, {}, 1, node.name + "_shape");
  ir::Node* flat = g.AddNode("Flatten", {node.inputs[0]}, {{"axis", ir::Attribute::Int(axis)}}, 1,
                             node.name + "_flatten");
  ir::Value* soft = g.AddValue(node.name + "_2d");
  soft->dtype = y->dtype;
  soft->producer = &node;
  node.inputs[0] = flat->outputs[0];
  node.outputs[0] = soft;
  node.attrs["axis"] = ir::Attribute::Int(-1);
  ir::Node* reshape =
      g.AddNode("Reshape", {soft, shape->outputs[0]}, {}, 0, node.name + "_reshape");
  reshape->outputs = {y};
  y->producer = reshape;
  return OkStatus();
}

Status UpgradeTopK(ir::Node& node, Upgrader& up) {
  const ir::Attribute* k = node.FindAttr("k");
  if (!k) return InvalidInput(node.Describe() + ": TopK without k");
  ir::Value* v = up.Int64Constant(node, "k", {k->i});
  node.attrs.erase("k");
  node.inputs.resize(1);
  node.inputs.push_back(v);
  return OkStatus();
}

Status UpgradeScatter(ir::Node& node, Upgrader&) {
  node.op_type = "ScatterElements";
  return OkStatus();
}

Status UpgradeBatchNorm(ir::Node& node, Upgrader& up) {
  if (const ir::Attribute* spatial = node.FindAttr("spatial")) {
    if (spatial->i != 1) return up.Refuse(node, "spatial=0 (per-activation statistics)");
    node.attrs.erase("spatial");
  }
  node.attrs.erase("consumed_inputs");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (up.IsUsed(node.outputs[i])) return up.Refuse(node, "training-mode statistics outputs");
  node.outputs.resize(1);
  return OkStatus();
}

Status UpgradeDropout(ir::Node& node, Upgrader& up) {
  node.attrs.erase("ratio");  // an inference-time Dropout is the identity whatever the ratio
  node.attrs.erase("is_test");
  if (up.source() < 10 && node.outputs.size() > 1) {
    if (up.IsUsed(node.outputs[1]))
      return up.Refuse(node, "its mask output (typed like the input before opset 10)");
    node.outputs.resize(1);
  }
  return OkStatus();
}

Status UpgradeRoiAlign(ir::Node& node, Upgrader&) {
  if (!node.FindAttr("coordinate_transformation_mode"))
    node.attrs["coordinate_transformation_mode"] = ir::Attribute::String("output_half_pixel");
  return OkStatus();
}

Status UpgradeGridSample(ir::Node& node, Upgrader&) {
  const std::string mode = node.GetString("mode", "bilinear");
  node.attrs["mode"] = ir::Attribute::String(mode == "bilinear"  ? "linear"
                                             : mode == "bicubic" ? "cubic"
                                                                 : mode);
  return OkStatus();
}

Status UpgradeDft(ir::Node& node, Upgrader& up) {
  ir::Value* axis = up.Int64Constant(node, "axis", {node.GetInt("axis", 1)}, /*scalar=*/true);
  node.attrs.erase("axis");
  Upgrader::EnsureInputs(node, 3);
  node.inputs[2] = axis;
  return OkStatus();
}

// GroupNormalization-18 had one scale/bias per group; 21 has one per channel.
Status UpgradeGroupNorm(ir::Node& node, Upgrader& up) {
  const ir::Value* x = node.input(0);
  const int64_t groups = node.GetInt("num_groups", 0);
  if (!x || !x->shape || x->shape->size() < 2 || (*x->shape)[1] <= 0 || groups <= 0 ||
      (*x->shape)[1] % groups != 0)
    return up.Refuse(node, "per-group scale/bias need a known channel count");
  const int64_t channels = (*x->shape)[1];
  for (size_t i = 1; i <= 2; ++i) {
    const ir::Value* v = node.input(i);
    if (!v || !v->is_constant() || v->constant->numel() != groups)
      return up.Refuse(node, "per-group scale/bias must be constants of num_groups values");
    std::vector<double> per_channel;
    for (int64_t c = 0; c < channels; ++c)
      per_channel.push_back(v->constant->ElementAsDouble(c / (channels / groups)));
    PT2TF_ASSIGN_OR_RETURN(node.inputs[i], up.FloatConstant(node, i == 1 ? "scale" : "bias",
                                                            v->dtype, per_channel, false));
  }
  return OkStatus();
}

enum class Rewrite {
  kAxes,
  kSplit,
  kSlice,
  kPad,
  kClip,
  kUpsample,
  kResize,
  kSoftmax,
  kTopK,
  kScatter,
  kBatchNorm,
  kDropout,
  kRoiAlign,
  kGridSample,
  kDft,
  kGroupNorm,
};

struct UpgradeRule {
  const char* op_type;
  int since;  // the opset where the canonical form begins; older nodes are rewritten
  Rewrite rewrite;
};

// The one table.
constexpr UpgradeRule kRules[] = {
    {"ReduceSum", 13, Rewrite::kAxes},
    {"ReduceMean", 18, Rewrite::kAxes},
    {"ReduceMax", 18, Rewrite::kAxes},
    {"ReduceMin", 18, Rewrite::kAxes},
    {"ReduceProd", 18, Rewrite::kAxes},
    {"ReduceL1", 18, Rewrite::kAxes},
    {"ReduceL2", 18, Rewrite::kAxes},
    {"ReduceLogSum", 18, Rewrite::kAxes},
    {"ReduceLogSumExp", 18, Rewrite::kAxes},
    {"ReduceSumSquare", 18, Rewrite::kAxes},
    {"Squeeze", 13, Rewrite::kAxes},
    {"Unsqueeze", 13, Rewrite::kAxes},
    {"Split", 18, Rewrite::kSplit},
    {"Slice", 10, Rewrite::kSlice},
    {"Pad", 11, Rewrite::kPad},
    {"Clip", 11, Rewrite::kClip},
    {"Upsample", 1000, Rewrite::kUpsample},  // removed from ONNX: always rewritten
    {"Resize", 13, Rewrite::kResize},
    {"Softmax", 13, Rewrite::kSoftmax},
    {"LogSoftmax", 13, Rewrite::kSoftmax},
    {"Hardmax", 13, Rewrite::kSoftmax},
    {"TopK", 10, Rewrite::kTopK},
    {"Scatter", 1000, Rewrite::kScatter},  // removed from ONNX: always rewritten
    {"BatchNormalization", 14, Rewrite::kBatchNorm},
    {"Dropout", 12, Rewrite::kDropout},
    {"RoiAlign", 16, Rewrite::kRoiAlign},
    {"GridSample", 20, Rewrite::kGridSample},
    {"DFT", 20, Rewrite::kDft},
    {"GroupNormalization", 21, Rewrite::kGroupNorm},
};

Status ApplyRule(const UpgradeRule& rule, ir::Node& node, Upgrader& up) {
  switch (rule.rewrite) {
    case Rewrite::kAxes:
      return UpgradeAxes(node, up);
    case Rewrite::kSplit:
      return UpgradeSplit(node, up);
    case Rewrite::kSlice:
      return UpgradeSlice(node, up);
    case Rewrite::kPad:
      return UpgradePad(node, up);
    case Rewrite::kClip:
      return UpgradeClip(node, up);
    case Rewrite::kUpsample:
      return UpgradeUpsample(node, up);
    case Rewrite::kResize:
      return UpgradeResize(node, up);
    case Rewrite::kSoftmax:
      return UpgradeSoftmax(node, up);
    case Rewrite::kTopK:
      return UpgradeTopK(node, up);
    case Rewrite::kScatter:
      return UpgradeScatter(node, up);
    case Rewrite::kBatchNorm:
      return UpgradeBatchNorm(node, up);
    case Rewrite::kDropout:
      return UpgradeDropout(node, up);
    case Rewrite::kRoiAlign:
      return UpgradeRoiAlign(node, up);
    case Rewrite::kGridSample:
      return UpgradeGridSample(node, up);
    case Rewrite::kDft:
      return UpgradeDft(node, up);
    case Rewrite::kGroupNorm:
      return UpgradeGroupNorm(node, up);
  }
  return InternalError("unhandled upgrade rule");
}

// Attributes that opsets 22..27 added to existing ops; a node using them with a
// non-default value has no opset-21 meaning.
struct NewerAttribute {
  const char* op_type;
  const char* attr;
};
constexpr NewerAttribute kNewerAttributes[] = {
    {"Cast", "round_mode"},
    {"CastLike", "round_mode"},
    {"DequantizeLinear", "output_dtype"},
    {"QuantizeLinear", "precision"},
    {"Range", "stash_type"},
};

Status CheckNewerOpset(const ir::Node& node, int opset) {
  if (node.op_type == "Range" && node.input(0) &&
      (node.input(0)->dtype == DType::kFloat16 || node.input(0)->dtype == DType::kBFloat16))
    return Unsupported(node.Describe() + ": Range of dtype " +
                       std::string(TorchName(node.input(0)->dtype)) + " has no opset-21 form");
  for (const NewerAttribute& n : kNewerAttributes) {
    if (node.op_type != n.op_type) continue;
    const ir::Attribute* a = node.FindAttr(n.attr);
    const bool is_default = !a || (a->type == ir::AttrType::kInt && a->i == 0) ||
                            (a->type == ir::AttrType::kString && a->s == "up");
    if (!is_default)
      return Unsupported(node.Describe() + ": attribute '" + n.attr + "' (opset " +
                         std::to_string(opset) + ") has no equivalent at opset 21");
  }
  return OkStatus();
}

}  // namespace

Status UpgradeToCanonical(ir::Graph& graph, const UpgradeOptions& options) {
  const int source = options.source_opset;
  Upgrader up(graph, options);
  std::vector<ir::Node*> nodes;
  for (const auto& n : graph.nodes()) nodes.push_back(n.get());
  for (ir::Node* node : nodes) {
    // Bodies share the model's opset; their rewrites add constants to the body itself.
    for (auto& [name, body] : node->subgraphs) {
      Status status = UpgradeToCanonical(*body, options);
      if (!status.ok()) return status.WithContext(node->Describe() + " " + name);
    }
    if (node->op_type == "Scan" && source < 9)
      return Unsupported(node->Describe() +
                         ": Scan-8 (batched, with sequence_lens) is not supported; "
                         "re-export at opset 9 or later");
    const UpgradeRule* rule = nullptr;
    for (const UpgradeRule& r : kRules)
      if (node->op_type == r.op_type) rule = &r;
    const OpInfo* op = FindOpsetOp(node->op_type);
    if (!op && !rule)
      return Unsupported(node->Describe() + ": '" + node->op_type +
                         "' is not an operator of ONNX opset 21 (the newest pt2tf's IR covers)");
    if (op && op->introduced > source)
      return InvalidInput(node->Describe() + ": '" + node->op_type + "' does not exist at opset " +
                          std::to_string(source) + " (introduced in opset " +
                          std::to_string(op->introduced) + ")");
    if (source > kCanonicalOpset) PT2TF_RETURN_IF_ERROR(CheckNewerOpset(*node, source));
    if (rule && source < rule->since) PT2TF_RETURN_IF_ERROR(ApplyRule(*rule, *node, up));
  }
  PT2TF_RETURN_IF_ERROR(up.error());
  graph.set_opset(kCanonicalOpset);
  return graph.TopologicalSort();
}

}  // namespace pt2tf::onnx
