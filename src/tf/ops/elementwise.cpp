// Elementwise ops: unary math, broadcasting binary arithmetic and comparison, variadic
// Min/Max/Sum/Mean, Where, Cast, and the no-op Identity/Dropout (which emit nothing).
// All keep the layout of their inputs, so NHWC activations stay NHWC.
#include <string_view>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

struct OpPair {
  std::string_view onnx, tf;
};

// Unary ops whose TF kernel has the same semantics and a single "T" attr.
constexpr OpPair kUnary[] = {
    {"Relu", "Relu"},         {"Sigmoid", "Sigmoid"},   {"Tanh", "Tanh"},
    {"Exp", "Exp"},           {"Log", "Log"},           {"Sqrt", "Sqrt"},
    {"Abs", "Abs"},           {"Neg", "Neg"},           {"Reciprocal", "Reciprocal"},
    {"Floor", "Floor"},       {"Ceil", "Ceil"},         {"Round", "Round"},
    {"Sign", "Sign"},         {"Sin", "Sin"},           {"Cos", "Cos"},
    {"Tan", "Tan"},           {"Asin", "Asin"},         {"Acos", "Acos"},
    {"Atan", "Atan"},         {"Sinh", "Sinh"},         {"Cosh", "Cosh"},
    {"Asinh", "Asinh"},       {"Acosh", "Acosh"},       {"Atanh", "Atanh"},
    {"Softplus", "Softplus"}, {"Softsign", "Softsign"}, {"IsNaN", "IsNan"},
    {"BitwiseNot", "Invert"},
};

// Broadcasting binary ops with a single "T" attr (the input type).
constexpr OpPair kBinary[] = {
    {"Add", "AddV2"},
    {"Sub", "Sub"},
    {"Mul", "Mul"},
    {"Pow", "Pow"},
    {"Equal", "Equal"},
    {"Less", "Less"},
    {"Greater", "Greater"},
    {"LessOrEqual", "LessEqual"},
    {"GreaterOrEqual", "GreaterEqual"},
    {"Max", "Maximum"},
    {"Min", "Minimum"},
    {"BitwiseAnd", "BitwiseAnd"},
    {"BitwiseOr", "BitwiseOr"},
    {"BitwiseXor", "BitwiseXor"},
};

std::string_view Lookup(const OpPair* begin, const OpPair* end, std::string_view onnx) {
  for (const OpPair* p = begin; p != end; ++p)
    if (p->onnx == onnx) return p->tf;
  return {};
}

// Publishes `tensor` as output 0 with the layout of input 0 (unary ops).
Status SetLikeInput(const ir::Node& node, EmitContext& ctx, const std::string& tensor) {
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  ctx.Set(node.outputs[0], TfValue{tensor, in.perm, in.flat});
  return OkStatus();
}

bool IsBool(const ir::Value* v) { return v->dtype == DType::kBool; }

}  // namespace

Status EmitUnary(const ir::Node& node, EmitContext& ctx) {
  std::string_view op = Lookup(std::begin(kUnary), std::end(kUnary), node.op_type);
  if (node.op_type == "Not") op = "LogicalNot";
  if (op.empty()) return NodeUnsupported(node, "no TensorFlow unary op");
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  tensorflow::NodeDef& def = ctx.AddOp(std::string(op), node.name, {in.tensor});
  if (node.op_type != "Not") {
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    SetAttrType(def, "T", t);
  }
  return SetLikeInput(node, ctx, def.name());
}

Status EmitIdentity(const ir::Node& node, EmitContext& ctx) {
  if (node.op_type == "Dropout") {
    if (const ir::Value* training = node.input(2)) {
      const Tensor* t = EmitContext::ConstantOf(training);
      if (!t || t->numel() != 1 || t->ElementAsInt(0) != 0)
        return NodeUnsupported(node, "training_mode must be a constant false");
    }
  }
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  ctx.Set(node.outputs[0], in);
  if (node.op_type == "Dropout" && node.outputs.size() > 1 && ctx.IsUsed(node.outputs[1])) {
    // Inference: nothing is dropped, the mask is all true.
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
    tensorflow::NodeDef& shape = ctx.AddOp("Shape", node.name + "/shape", {in.tensor});
    SetAttrType(shape, "T", t);
    SetAttrType(shape, "out_type", tensorflow::DT_INT64);
    PT2TF_ASSIGN_OR_RETURN(std::string on, ctx.ConstScalar(DType::kBool, 1, node.name + "/true"));
    tensorflow::NodeDef& fill = ctx.AddOp("Fill", node.name + "/mask", {shape.name(), on});
    SetAttrType(fill, "T", tensorflow::DT_BOOL);
    SetAttrType(fill, "index_type", tensorflow::DT_INT64);
    ctx.Set(node.outputs[1], TfValue{fill.name(), in.perm, in.flat});
  }
  return OkStatus();
}

Status EmitBinary(const ir::Node& node, EmitContext& ctx) {
  if (node.inputs.size() != 2) return InvalidInput(node.Describe() + ": expects 2 inputs");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const ir::Value* a = node.input(0);
  const ir::Value* b = node.input(1);
  std::string op(Lookup(std::begin(kBinary), std::end(kBinary), node.op_type));
  if (node.op_type == "Div") {
    op = IsFloatingPoint(a->dtype) ? "RealDiv" : "TruncateDiv";
  } else if (node.op_type == "Mod") {
    op = node.GetInt("fmod", 0) ? "TruncateMod" : "FloorMod";
    if (a->dtype == DType::kFloat16 || a->dtype == DType::kBFloat16)
      return NodeUnsupported(node, "Mod on 16-bit floats (no TensorFlow CPU kernel)");
    if (!node.GetInt("fmod", 0) && IsFloatingPoint(a->dtype))
      return NodeUnsupported(node, "fmod=0 on floating-point inputs is invalid ONNX");
  } else if (node.op_type == "And" || node.op_type == "Or") {
    op = node.op_type == "And" ? "LogicalAnd" : "LogicalOr";
  } else if (node.op_type == "Xor") {
    op = "NotEqual";
  } else if (node.op_type == "BitShift") {
    std::string dir = node.GetString("direction", "");
    if (dir != "LEFT" && dir != "RIGHT")
      return NodeUnsupported(node, "attribute direction='" + dir + "'");
    op = dir == "LEFT" ? "LeftShift" : "RightShift";
  }
  if (op.empty()) return NodeUnsupported(node, "no TensorFlow binary op");
  if ((node.op_type == "Max" || node.op_type == "Min") && IsBool(a))
    return NodeUnsupported(node, "bool inputs");
  PT2TF_ASSIGN_OR_RETURN(BroadcastInputs in, GetBroadcastInputs(node, ctx, {a, b}));
  if (a->dtype != b->dtype) {
    // Only Pow may mix types in ONNX: bring the exponent to the base's type.
    if (node.op_type != "Pow") return InvalidInput(node.Describe() + ": input types differ");
    PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType tb, InputType(node, 1));
    tensorflow::NodeDef& cast = ctx.AddOp("Cast", node.name + "/cast_exponent", {in.tensors[1]});
    SetAttrType(cast, "SrcT", tb);
    SetAttrType(cast, "DstT", t);
    in.tensors[1] = cast.name();
  }
  tensorflow::NodeDef& def = ctx.AddOp(op, node.name, {in.tensors[0], in.tensors[1]});
  if (op != "LogicalAnd" && op != "LogicalOr") SetAttrType(def, "T", t);
  if (op == "Equal" || op == "NotEqual") SetAttrBool(def, "incompatible_shape_error", true);
  ctx.Set(node.outputs[0], TfValue{def.name(), in.perm, std::nullopt});
  return OkStatus();
}

Status EmitVariadic(const ir::Node& node, EmitContext& ctx) {
  if (node.inputs.empty()) return InvalidInput(node.Describe() + ": no inputs");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  std::vector<const ir::Value*> values(node.inputs.begin(), node.inputs.end());
  PT2TF_ASSIGN_OR_RETURN(BroadcastInputs in, GetBroadcastInputs(node, ctx, values));
  const std::string op = node.op_type == "Max"   ? "Maximum"
                         : node.op_type == "Min" ? "Minimum"
                                                 : "AddV2";
  if ((node.op_type == "Max" || node.op_type == "Min") && IsBool(values[0]))
    return NodeUnsupported(node, "bool inputs");
  std::string acc = in.tensors[0];
  for (size_t i = 1; i < in.tensors.size(); ++i)
    acc = ctx.Binary(op, acc, in.tensors[i], t, node.name);
  if (node.op_type == "Mean") {
    if (!IsFloatingPoint(values[0]->dtype)) return NodeUnsupported(node, "integer Mean");
    PT2TF_ASSIGN_OR_RETURN(std::string n,
                           ctx.ConstScalar(values[0]->dtype, static_cast<double>(values.size()),
                                           node.name + "/count"));
    acc = ctx.Binary("RealDiv", acc, n, t, node.name);
  }
  ctx.Set(node.outputs[0], TfValue{acc, in.perm, std::nullopt});
  return OkStatus();
}

Status EmitWhere(const ir::Node& node, EmitContext& ctx) {
  if (node.inputs.size() != 3) return InvalidInput(node.Describe() + ": expects 3 inputs");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(
      BroadcastInputs in,
      GetBroadcastInputs(node, ctx, {node.input(0), node.input(1), node.input(2)}));
  tensorflow::NodeDef& def = ctx.AddOp("SelectV2", node.name, in.tensors);
  SetAttrType(def, "T", t);
  ctx.Set(node.outputs[0], TfValue{def.name(), in.perm, std::nullopt});
  return OkStatus();
}

Status EmitIsInf(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const bool neg = node.GetInt("detect_negative", 1) != 0;
  const bool pos = node.GetInt("detect_positive", 1) != 0;
  std::string y;
  if (neg && pos) {
    y = ctx.Unary("IsInf", in.tensor, t, node.name);
  } else if (!neg && !pos) {  // nothing is reported
    tensorflow::NodeDef& shape = ctx.AddOp("Shape", node.name + "/shape", {in.tensor});
    SetAttrType(shape, "T", t);
    SetAttrType(shape, "out_type", tensorflow::DT_INT64);
    PT2TF_ASSIGN_OR_RETURN(std::string no, ctx.ConstScalar(DType::kBool, 0, node.name + "/false"));
    tensorflow::NodeDef& fill = ctx.AddOp("Fill", node.name, {shape.name(), no});
    SetAttrType(fill, "T", tensorflow::DT_BOOL);
    SetAttrType(fill, "index_type", tensorflow::DT_INT64);
    y = fill.name();
  } else {  // one sign only
    std::string inf = ctx.Unary("IsInf", in.tensor, t, node.name + "/isinf");
    PT2TF_ASSIGN_OR_RETURN(std::string zero,
                           ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/zero"));
    std::string sign =
        ctx.Binary(pos ? "Greater" : "Less", in.tensor, zero, t, node.name + "/sign");
    y = ctx.AddOp("LogicalAnd", node.name, {inf, sign}).name();
  }
  ctx.Set(node.outputs[0], TfValue{y, in.perm, in.flat});
  return OkStatus();
}

Status EmitCast(const ir::Node& node, EmitContext& ctx) {
  std::optional<DType> to;
  if (node.op_type == "CastLike") {
    if (!node.input(1)) return InvalidInput(node.Describe() + ": missing target_type input");
    to = node.input(1)->dtype;
  } else {
    to = DTypeFromOnnx(static_cast<int>(node.GetInt("to", 0)));
    if (!to) return NodeUnsupported(node, "attribute to=" + std::to_string(node.GetInt("to", 0)));
  }
  if (node.GetInt("saturate", 1) == 0) return NodeUnsupported(node, "attribute saturate=0");
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType src, InputType(node, 0));
  auto dst = TfType(*to);
  if (!dst.ok()) return NodeUnsupported(node, dst.status().message());
  PT2TF_ASSIGN_OR_RETURN(TfValue in, ctx.Get(node.input(0)));
  if (node.input(0)->dtype == *to) {
    ctx.Set(node.outputs[0], in);
    return OkStatus();
  }
  if (node.input(0)->dtype == DType::kString || *to == DType::kString)
    return NodeUnsupported(node, "string casts");
  tensorflow::NodeDef& def = ctx.AddOp("Cast", node.name, {in.tensor});
  SetAttrType(def, "SrcT", src);
  SetAttrType(def, "DstT", *dst);
  SetAttrBool(def, "Truncate", false);
  ctx.Set(node.outputs[0], TfValue{def.name(), in.perm, in.flat});
  return OkStatus();
}

}  // namespace pt2tf::tf
