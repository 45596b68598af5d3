// TF functional control flow → TFLite IF / WHILE over extra subgraphs of the model.
//
// StatelessIf(cond, args...) becomes IF(cond, args...) with then/else subgraphs translated
// from the branch functions (inputs shaped like the args). Outputs whose dims differ between
// the branches get kDynamicDim there (the IF kernel resizes them to the branch taken).
// StatelessWhile(vars...) becomes WHILE(vars...) with cond and body subgraphs; the lowering of
// ONNX Loop already made the loop counter, trip count and captures explicit loop variables.
// A loop variable keeps its rank and every size the caller knows (run-time dims stay run-time
// dims in the subgraphs), and TensorList variables (ONNX Loop / Scan scan
// outputs) are refused: TFLite has no TensorList builtins.
#include "tflite/ops/ops.h"

namespace pt2tf::tflite {
namespace {

using Op = BuiltinOperator;

Result<std::string> FuncAttr(const tf::TfNode& node, const std::string& attr) {
  auto it = node.def.attr().find(attr);
  if (it == node.def.attr().end() || it->second.func().name().empty())
    return NodeError(node, "has no " + attr + " function");
  return it->second.func().name();
}

constexpr const char* kNoTensorLists =
    "a Loop/Scan with scan outputs (values stacked over the iterations) needs TensorLists, "
    "which TFLite does not have";

bool IsScalarBool(const TensorSpec& s) {
  if (s.type != TensorType::TensorType_BOOL) return false;
  for (int64_t d : s.shape)
    if (d != 1) return false;
  return true;
}

}  // namespace

Status ConvertTensorList(const tf::TfNode& node, Translator&) {
  return NodeError(node, kNoTensorLists);
}

Status ConvertIf(const tf::TfNode& node, Translator& t) {
  const size_t n = t.InputCount(node);
  if (n < 1) return NodeError(node, "has no condition input");
  PT2TF_ASSIGN_OR_RETURN(int cond, t.In(node, 0));
  if (!IsScalarBool(t.Info(cond)))
    return NodeError(node, "the condition must be a bool scalar, has shape " +
                               ShapeToString(t.Info(cond).shape));
  std::vector<int32_t> args;
  for (size_t i = 1; i < n; ++i) {
    PT2TF_ASSIGN_OR_RETURN(int a, t.In(node, i));
    args.push_back(a);
  }
  const char* attrs[] = {"then_branch", "else_branch"};
  int sub[2];
  std::vector<TensorSpec> outs[2];
  for (int b = 0; b < 2; ++b) {
    PT2TF_ASSIGN_OR_RETURN(std::string fn, FuncAttr(node, attrs[b]));
    PT2TF_ASSIGN_OR_RETURN(sub[b], t.TranslateFunction(fn, args, outs[b]));
  }
  if (outs[0].size() != outs[1].size())
    return NodeError(node, "the branches return different numbers of values");
  std::vector<int32_t> results;
  for (size_t k = 0; k < outs[0].size(); ++k) {
    const TensorSpec& a = outs[0][k];
    const TensorSpec& b = outs[1][k];
    if (a.type != b.type)
      return NodeError(node,
                       "the branches return output " + std::to_string(k) + " with different types");
    if (a.shape.size() != b.shape.size())
      return NodeError(node, "the branches return output " + std::to_string(k) +
                                 " with different ranks (" + ShapeToString(a.shape) + " and " +
                                 ShapeToString(b.shape) + "); TFLite IF needs one rank");
    ir::Dims dims = a.shape;
    for (size_t d = 0; d < dims.size(); ++d)
      if (dims[d] != b.shape[d]) dims[d] = kDynamicDim;
    results.push_back(t.Output(node, static_cast<int>(k), a.type, dims));
  }
  std::vector<int32_t> inputs{cond};
  inputs.insert(inputs.end(), args.begin(), args.end());
  auto options = ::tflite::CreateIfOptions(t.fbb(), sub[0], sub[1]);
  t.Op(Op::BuiltinOperator_IF, inputs, results, ::tflite::BuiltinOptions_IfOptions,
       options.Union());
  return OkStatus();
}

Status ConvertWhile(const tf::TfNode& node, Translator& t) {
  auto types = node.def.attr().find("T");
  if (types != node.def.attr().end())
    for (int type : types->second.list().type())
      if (type == tensorflow::DT_VARIANT) return NodeError(node, kNoTensorLists);
  std::vector<int32_t> vars;
  for (size_t i = 0; i < t.InputCount(node); ++i) {
    PT2TF_ASSIGN_OR_RETURN(int v, t.In(node, i));
    vars.push_back(v);
  }
  PT2TF_ASSIGN_OR_RETURN(std::string cond_fn, FuncAttr(node, "cond"));
  PT2TF_ASSIGN_OR_RETURN(std::string body_fn, FuncAttr(node, "body"));
  std::vector<TensorSpec> cond_out, body_out;
  PT2TF_ASSIGN_OR_RETURN(int cond, t.TranslateFunction(cond_fn, vars, cond_out));
  if (cond_out.size() != 1 || !IsScalarBool(cond_out[0]))
    return NodeError(node, "the condition must return one bool scalar");
  PT2TF_ASSIGN_OR_RETURN(int body, t.TranslateFunction(body_fn, vars, body_out));
  if (body_out.size() != vars.size())
    return NodeError(node, "the body returns " + std::to_string(body_out.size()) + " values for " +
                               std::to_string(vars.size()) + " loop variables");
  std::vector<int32_t> results;
  for (size_t k = 0; k < vars.size(); ++k) {
    const TensorSpec in = t.Info(vars[k]);
    if (body_out[k].type != in.type)
      return NodeError(node, "loop variable " + std::to_string(k) + " changes type in the body");
    // The body was translated for the shapes the loop starts with: a dim known there must
    // stay that size (what the body computed from it would be wrong on the next
    // iteration); a run-time dim may come back known.
    const ir::Dims& out = body_out[k].shape;
    bool same = out.size() == in.shape.size();
    for (size_t d = 0; same && d < out.size(); ++d)
      same = in.shape[d] == kDynamicDim || in.shape[d] == out[d];
    if (!same)
      return NodeError(node, "loop variable " + std::to_string(k) + " changes shape from " +
                                 ShapeToString(in.shape) + " to " + ShapeToString(out) +
                                 " in the body; TFLite WHILE needs one shape per loop variable");
    results.push_back(t.Output(node, static_cast<int>(k), in.type, in.shape));
  }
  auto options = ::tflite::CreateWhileOptions(t.fbb(), cond, body);
  t.Op(Op::BuiltinOperator_WHILE, vars, results, ::tflite::BuiltinOptions_WhileOptions,
       options.Union());
  return OkStatus();
}

}  // namespace pt2tf::tflite
