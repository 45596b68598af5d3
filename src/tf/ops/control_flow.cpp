// If, Loop and Scan as TF's functional control flow: StatelessIf with one library function
// per branch, StatelessWhile with a condition and a body function. Bodies are lowered by
// FunctionBuilder with the same emitters as the main graph; values cross every function
// boundary in IR layout. What a body captures from outer scopes is passed in explicitly:
// as extra inputs of StatelessIf, as loop variables the While body passes through.
//
// Loop (trip count M, condition c, carried v..., scan outputs s...) becomes
//   vars = (i = 0, c, M, v..., lists..., captures...)
//   cond(vars) = i < M && c
//   body(vars) = (i + 1, c', M, v'..., PushBack(list_k, s_k)..., captures...)
// and each scan output is TensorListStack(list_k) after the loop ([iterations, ...]).
// Scan is the same loop with i < length as condition; the body reads element i of every
// scan input (Gather along its axis; from the end for reverse directions), and the stacked
// scan outputs are reversed / transposed to their direction and axis afterwards.
#include <algorithm>
#include <limits>

#include "tensorflow/attr_value.pb.h"
#include "tf/function_builder.h"
#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

using tensorflow::DataType;

// The value as a TF scalar (ONNX allows [1]-shaped conditions and trip counts).
Result<std::string> ScalarOf(EmitContext& ctx, const ir::Value* v, const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.Shape(v));
  if (shape.empty()) return x;
  if (std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d != 1; }))
    return Unsupported("'" + v->name + "' must hold exactly one element, has shape " +
                       ShapeToString(shape));
  PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
  return ctx.Reshape(x, {}, t, hint);
}

void AddShape(tensorflow::AttrValue& list_attr, const std::optional<ir::Dims>& shape) {
  tensorflow::TensorShapeProto* s = list_attr.mutable_list()->add_shape();
  if (!shape) {
    s->set_unknown_rank(true);
    return;
  }
  for (int64_t d : *shape) s->add_dim()->set_size(d < 0 ? -1 : d);
}

void SetFunc(tensorflow::NodeDef& def, const std::string& attr, const std::string& fn) {
  (*def.mutable_attr())[attr].mutable_func()->set_name(fn);
}

// One loop variable of a While: initial tensor, type, shape invariant.
struct LoopVar {
  std::string init;
  DataType type;
  std::optional<ir::Dims> shape;
};

std::optional<ir::Dims> ShapeOrNone(const ir::Value* v) {
  if (v->is_constant()) return v->constant->shape();
  return v->shape;
}

// An element_shape tensor for TensorList ops: the dims (-1 unknown), or -1 for unknown rank.
std::string ElementShape(EmitContext& ctx, const std::optional<ir::Dims>& shape,
                         const std::string& hint) {
  if (!shape) return ctx.ConstI32({-1}, hint, ir::Dims{});
  ir::Dims dims = *shape;
  for (int64_t& d : dims) d = d < 0 ? -1 : d;
  return ctx.ConstI32(dims, hint);
}

// An empty TensorList for elements of `v`'s dtype and shape.
Result<std::string> EmptyList(EmitContext& ctx, const ir::Value* v, const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
  std::string shape = ElementShape(ctx, ShapeOrNone(v), hint + "/element_shape");
  std::string max = ctx.ConstI32({-1}, hint + "/max", ir::Dims{});
  tensorflow::NodeDef& def = ctx.AddOp("EmptyTensorList", hint, {shape, max});
  SetAttrType(def, "element_dtype", t);
  SetAttrType(def, "shape_type", tensorflow::DT_INT32);
  return def.name();
}

Result<std::string> PushBack(EmitContext& ctx, const std::string& list, const ir::Value* v,
                             const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
  tensorflow::NodeDef& def = ctx.AddOp("TensorListPushBack", hint, {list, x});
  SetAttrType(def, "element_dtype", t);
  return def.name();
}

Result<std::string> Stack(EmitContext& ctx, const std::string& list, const ir::Value* elem,
                          const std::string& hint) {
  PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(elem->dtype));
  std::string shape = ElementShape(ctx, ShapeOrNone(elem), hint + "/element_shape");
  tensorflow::NodeDef& def = ctx.AddOp("TensorListStack", hint, {list, shape});
  SetAttrType(def, "element_dtype", t);
  SetAttrInt(def, "num_elements", -1);
  return def.name();
}

std::string Output(const std::string& node, size_t k) {
  return k ? node + ":" + std::to_string(k) : node;
}

// The StatelessWhile over `vars` with the two finished functions; returns its name.
std::string AddWhile(EmitContext& ctx, const ir::Node& node, const std::vector<LoopVar>& vars,
                     const std::string& cond_fn, const std::string& body_fn) {
  std::vector<std::string> inputs;
  for (const LoopVar& v : vars) inputs.push_back(v.init);
  tensorflow::NodeDef& def = ctx.AddOp("StatelessWhile", node.name, inputs);
  tensorflow::AttrValue& types = (*def.mutable_attr())["T"];
  tensorflow::AttrValue& shapes = (*def.mutable_attr())["output_shapes"];
  for (const LoopVar& v : vars) {
    types.mutable_list()->add_type(v.type);
    AddShape(shapes, v.shape);
  }
  SetFunc(def, "cond", cond_fn);
  SetFunc(def, "body", body_fn);
  SetAttrInt(def, "parallel_iterations", 10);
  ctx.graph().control_flow.push_back(node.Describe());
  return def.name();
}

// Adds one arg per loop variable to `fb`; returns the arg tensors.
std::vector<std::string> AddLoopArgs(FunctionBuilder& fb, const std::vector<LoopVar>& vars,
                                     const std::vector<std::string>& hints,
                                     const std::vector<const ir::Value*>& bind) {
  std::vector<std::string> args;
  for (size_t i = 0; i < vars.size(); ++i)
    args.push_back(fb.AddArg(hints[i], vars[i].type, i < bind.size() ? bind[i] : nullptr));
  return args;
}

// The capture of `body` standing for `outer`, or nullptr.
const ir::Value* InnerOf(const ir::Graph& body, const ir::Value* outer) {
  for (const ir::Capture& c : body.captures())
    if (c.outer == outer) return c.inner;
  return nullptr;
}

// The loop variables for the node's captured values (appended to `vars`).
Status AddCaptureVars(EmitContext& ctx, const ir::Node& node, std::vector<LoopVar>& vars,
                      std::vector<std::string>& hints) {
  for (const ir::Value* v : node.CapturedValues()) {
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
    vars.push_back(LoopVar{x, t, ShapeOrNone(v)});
    hints.push_back(v->name);
  }
  return OkStatus();
}

}  // namespace

Status EmitIf(const ir::Node& node, EmitContext& ctx) {
  const ir::Graph* branches[] = {node.FindSubgraph("then_branch"),
                                 node.FindSubgraph("else_branch")};
  const char* names[] = {"then", "else"};
  if (!branches[0] || !branches[1]) return NodeUnsupported(node, "missing a branch");
  if (node.input(0)->dtype != DType::kBool) return NodeUnsupported(node, "cond must be bool");
  PT2TF_ASSIGN_OR_RETURN(std::string cond, ScalarOf(ctx, node.input(0), node.name + "/cond"));
  const std::vector<ir::Value*> captured = node.CapturedValues();
  std::vector<std::string> inputs{cond};
  std::vector<DataType> in_types, out_types;
  for (const ir::Value* v : captured) {
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
    inputs.push_back(x);
    in_types.push_back(t);
  }
  for (const ir::Value* out : node.outputs) {
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(out->dtype));
    out_types.push_back(t);
  }
  // An output whose rank depends on the branch taken (DeBERTa's scripted relative positions)
  // has no layout the ops after it could be written for: refused here, naming the If.
  for (size_t i = 0; i < node.outputs.size() && i < branches[0]->outputs().size() &&
                     i < branches[1]->outputs().size();
       ++i) {
    const auto& a = branches[0]->outputs()[i]->shape;
    const auto& b = branches[1]->outputs()[i]->shape;
    if (a && b && a->size() != b->size())
      return NodeUnsupported(node, "output " + std::to_string(i) + " has rank " +
                                       std::to_string(a->size()) + " in then_branch and " +
                                       std::to_string(b->size()) +
                                       " in else_branch; its rank must not depend on the branch");
  }
  std::string fns[2];
  for (int b = 0; b < 2; ++b) {
    FunctionBuilder fb(branches[b], ctx, node.name + "_" + names[b]);
    for (size_t i = 0; i < captured.size(); ++i)
      fb.AddArg(captured[i]->name, in_types[i], InnerOf(*branches[b], captured[i]));
    PT2TF_RETURN_IF_ERROR(fb.EmitBody());
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      PT2TF_ASSIGN_OR_RETURN(std::string y, fb.ctx().GetAs(branches[b]->outputs()[i], {}));
      fb.AddResult("output_" + std::to_string(i), y, out_types[i]);
    }
    PT2TF_RETURN_IF_ERROR(fb.Finish());
    fns[b] = fb.name();
  }
  tensorflow::NodeDef& def = ctx.AddOp("StatelessIf", node.name, inputs);
  SetAttrType(def, "Tcond", tensorflow::DT_BOOL);
  tensorflow::AttrValue& tin = (*def.mutable_attr())["Tin"];
  tin.mutable_list();
  for (DataType t : in_types) tin.mutable_list()->add_type(t);
  tensorflow::AttrValue& tout = (*def.mutable_attr())["Tout"];
  tout.mutable_list();
  for (DataType t : out_types) tout.mutable_list()->add_type(t);
  tensorflow::AttrValue& shapes = (*def.mutable_attr())["output_shapes"];
  shapes.mutable_list();
  for (const ir::Value* out : node.outputs) AddShape(shapes, out->shape);
  SetFunc(def, "then_branch", fns[0]);
  SetFunc(def, "else_branch", fns[1]);
  const std::string name = def.name();
  ctx.graph().control_flow.push_back(node.Describe());
  for (size_t i = 0; i < node.outputs.size(); ++i)
    ctx.Set(node.outputs[i], TfValue{Output(name, i), {}, std::nullopt});
  return OkStatus();
}

Status EmitLoop(const ir::Node& node, EmitContext& ctx) {
  const ir::Graph* body = node.FindSubgraph("body");
  if (!body) return NodeUnsupported(node, "missing its body");
  const size_t carried = node.inputs.size() > 2 ? node.inputs.size() - 2 : 0;
  if (body->inputs().size() != 2 + carried || body->outputs().size() < 1 + carried)
    return NodeUnsupported(node, "the body's inputs and outputs do not match the node");
  const size_t scans = body->outputs().size() - 1 - carried;
  if (!node.input(0) && !node.input(1))
    return NodeUnsupported(node, "a loop with neither trip count nor condition never ends");
  std::vector<LoopVar> vars;
  std::vector<std::string> hints{"iter", "cond", "trip_count"};
  vars.push_back(
      {ctx.ConstI64({0}, node.name + "/iter0", ir::Dims{}), tensorflow::DT_INT64, ir::Dims{}});
  if (node.input(1)) {
    PT2TF_ASSIGN_OR_RETURN(std::string c, ScalarOf(ctx, node.input(1), node.name + "/cond"));
    vars.push_back({c, tensorflow::DT_BOOL, ir::Dims{}});
  } else {
    PT2TF_ASSIGN_OR_RETURN(Tensor t, ScalarTensor(DType::kBool, 1));
    PT2TF_ASSIGN_OR_RETURN(std::string c, ctx.AddConst(std::move(t), node.name + "/cond"));
    vars.push_back({c, tensorflow::DT_BOOL, ir::Dims{}});
  }
  std::string trip;
  if (node.input(0)) {
    PT2TF_ASSIGN_OR_RETURN(trip, ScalarOf(ctx, node.input(0), node.name + "/trip_count"));
  } else {
    trip =
        ctx.ConstI64({std::numeric_limits<int64_t>::max()}, node.name + "/trip_count", ir::Dims{});
  }
  vars.push_back({trip, tensorflow::DT_INT64, ir::Dims{}});
  for (size_t j = 0; j < carried; ++j) {
    const ir::Value* v = node.input(2 + j);
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
    vars.push_back({x, t, body->inputs()[2 + j]->shape});
    hints.push_back("v" + std::to_string(j));
  }
  for (size_t k = 0; k < scans; ++k) {
    PT2TF_ASSIGN_OR_RETURN(std::string list, EmptyList(ctx, body->outputs()[1 + carried + k],
                                                       node.name + "/scan" + std::to_string(k)));
    vars.push_back({list, tensorflow::DT_VARIANT, ir::Dims{}});
    hints.push_back("scan" + std::to_string(k));
  }
  const size_t first_capture = vars.size();
  PT2TF_RETURN_IF_ERROR(AddCaptureVars(ctx, node, vars, hints));
  const std::vector<ir::Value*> captured = node.CapturedValues();

  FunctionBuilder cond_fb(nullptr, ctx, node.name + "_cond");
  std::vector<std::string> c_args = AddLoopArgs(cond_fb, vars, hints, {});
  EmitContext& cc = cond_fb.ctx();
  std::string less = cc.Binary("Less", c_args[0], c_args[2], tensorflow::DT_INT64, "less");
  tensorflow::NodeDef& both = cc.AddOp("LogicalAnd", "continue", {less, c_args[1]});
  cond_fb.AddResult("continue", both.name(), tensorflow::DT_BOOL);
  PT2TF_RETURN_IF_ERROR(cond_fb.Finish());

  FunctionBuilder body_fb(body, ctx, node.name + "_body");
  std::vector<const ir::Value*> bind(vars.size(), nullptr);
  bind[0] = body->inputs()[0];
  bind[1] = body->inputs()[1];
  for (size_t j = 0; j < carried; ++j) bind[3 + j] = body->inputs()[2 + j];
  for (size_t c = 0; c < captured.size(); ++c)
    bind[first_capture + c] = InnerOf(*body, captured[c]);
  std::vector<std::string> args = AddLoopArgs(body_fb, vars, hints, bind);
  PT2TF_RETURN_IF_ERROR(body_fb.EmitBody());
  EmitContext& bc = body_fb.ctx();
  std::string one = bc.ConstI64({1}, "one", ir::Dims{});
  body_fb.AddResult("iter", bc.Binary("AddV2", args[0], one, tensorflow::DT_INT64, "next_iter"),
                    tensorflow::DT_INT64);
  PT2TF_ASSIGN_OR_RETURN(std::string cond_out, ScalarOf(bc, body->outputs()[0], "cond_out"));
  body_fb.AddResult("cond", cond_out, tensorflow::DT_BOOL);
  body_fb.AddResult("trip_count", args[2], tensorflow::DT_INT64);
  for (size_t j = 0; j < carried; ++j) {
    PT2TF_ASSIGN_OR_RETURN(std::string y, bc.GetAs(body->outputs()[1 + j], {}));
    body_fb.AddResult(hints[3 + j], y, vars[3 + j].type);
  }
  for (size_t k = 0; k < scans; ++k) {
    PT2TF_ASSIGN_OR_RETURN(std::string list,
                           PushBack(bc, args[3 + carried + k], body->outputs()[1 + carried + k],
                                    "push" + std::to_string(k)));
    body_fb.AddResult(hints[3 + carried + k], list, tensorflow::DT_VARIANT);
  }
  for (size_t c = first_capture; c < vars.size(); ++c)
    body_fb.AddResult(hints[c], args[c], vars[c].type);
  PT2TF_RETURN_IF_ERROR(body_fb.Finish());

  const std::string loop = AddWhile(ctx, node, vars, cond_fb.name(), body_fb.name());
  for (size_t j = 0; j < carried && j < node.outputs.size(); ++j)
    ctx.Set(node.outputs[j], TfValue{Output(loop, 3 + j), {}, std::nullopt});
  for (size_t k = 0; k < scans && carried + k < node.outputs.size(); ++k) {
    const ir::Value* out = node.outputs[carried + k];
    if (!out) continue;
    PT2TF_ASSIGN_OR_RETURN(std::string stacked, Stack(ctx, Output(loop, 3 + carried + k),
                                                      body->outputs()[1 + carried + k],
                                                      node.name + "/stack" + std::to_string(k)));
    ctx.Set(out, TfValue{stacked, {}, std::nullopt});
  }
  return OkStatus();
}

Status EmitScan(const ir::Node& node, EmitContext& ctx) {
  const ir::Graph* body = node.FindSubgraph("body");
  if (!body) return NodeUnsupported(node, "missing its body");
  const int64_t m = node.GetInt("num_scan_inputs", -1);
  const size_t total = node.inputs.size();
  if (m < 1 || static_cast<size_t>(m) > total || body->inputs().size() != total)
    return NodeUnsupported(node, "the body's inputs do not match the node");
  const size_t states = total - static_cast<size_t>(m);
  if (body->outputs().size() < states)
    return NodeUnsupported(node, "the body returns fewer values than there are states");
  const size_t scans = body->outputs().size() - states;
  const std::vector<int64_t> in_axes = node.GetInts("scan_input_axes");
  const std::vector<int64_t> in_dirs = node.GetInts("scan_input_directions");
  const std::vector<int64_t> out_axes = node.GetInts("scan_output_axes");
  const std::vector<int64_t> out_dirs = node.GetInts("scan_output_directions");
  auto at = [](const std::vector<int64_t>& v, size_t i) { return i < v.size() ? v[i] : 0; };

  // Scan axes (normalised) and the sequence length, from the first scan input.
  std::vector<int64_t> axes;
  for (size_t j = 0; j < static_cast<size_t>(m); ++j) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims shape, ctx.Shape(node.input(states + j)));
    const int64_t rank = static_cast<int64_t>(shape.size());
    int64_t axis = at(in_axes, j);
    if (axis < -rank || axis >= rank) return NodeUnsupported(node, "scan_input_axes out of range");
    axes.push_back(axis < 0 ? axis + rank : axis);
  }
  const ir::Value* first = node.input(states);
  PT2TF_ASSIGN_OR_RETURN(ir::Dims first_shape, ctx.Shape(first));
  std::string length;
  if (first_shape[axes[0]] >= 0) {
    length = ctx.ConstI64({first_shape[axes[0]]}, node.name + "/length", ir::Dims{});
  } else {
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(first, {}));
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(first->dtype));
    tensorflow::NodeDef& shape = ctx.AddOp("Shape", node.name + "/input_shape", {x});
    SetAttrType(shape, "T", t);
    SetAttrType(shape, "out_type", tensorflow::DT_INT64);
    std::string shape_name = shape.name();
    std::string axis = ctx.ConstI32({axes[0]}, node.name + "/length_index", ir::Dims{});
    std::string zero = ctx.ConstI32({0}, node.name + "/length_axis", ir::Dims{});
    length = EmitGatherV2(ctx, node.name + "/length", shape_name, axis, zero, tensorflow::DT_INT64);
  }

  std::vector<LoopVar> vars;
  std::vector<std::string> hints{"iter", "length"};
  vars.push_back(
      {ctx.ConstI64({0}, node.name + "/iter0", ir::Dims{}), tensorflow::DT_INT64, ir::Dims{}});
  vars.push_back({length, tensorflow::DT_INT64, ir::Dims{}});
  for (size_t i = 0; i < total; ++i) {  // states, then the scan inputs (passed through)
    const ir::Value* v = node.input(i);
    PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(v, {}));
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(v->dtype));
    vars.push_back({x, t, i < states ? body->inputs()[i]->shape : ShapeOrNone(v)});
    hints.push_back((i < states ? "state" : "input") + std::to_string(i));
  }
  const size_t first_list = vars.size();
  for (size_t k = 0; k < scans; ++k) {
    PT2TF_ASSIGN_OR_RETURN(std::string list, EmptyList(ctx, body->outputs()[states + k],
                                                       node.name + "/scan" + std::to_string(k)));
    vars.push_back({list, tensorflow::DT_VARIANT, ir::Dims{}});
    hints.push_back("scan" + std::to_string(k));
  }
  const size_t first_capture = vars.size();
  PT2TF_RETURN_IF_ERROR(AddCaptureVars(ctx, node, vars, hints));
  const std::vector<ir::Value*> captured = node.CapturedValues();

  FunctionBuilder cond_fb(nullptr, ctx, node.name + "_cond");
  std::vector<std::string> c_args = AddLoopArgs(cond_fb, vars, hints, {});
  std::string more =
      cond_fb.ctx().Binary("Less", c_args[0], c_args[1], tensorflow::DT_INT64, "more");
  cond_fb.AddResult("continue", more, tensorflow::DT_BOOL);
  PT2TF_RETURN_IF_ERROR(cond_fb.Finish());

  FunctionBuilder body_fb(body, ctx, node.name + "_body");
  std::vector<const ir::Value*> bind(vars.size(), nullptr);
  for (size_t i = 0; i < states; ++i) bind[2 + i] = body->inputs()[i];
  for (size_t c = 0; c < captured.size(); ++c)
    bind[first_capture + c] = InnerOf(*body, captured[c]);
  std::vector<std::string> args = AddLoopArgs(body_fb, vars, hints, bind);
  EmitContext& bc = body_fb.ctx();
  std::string one = bc.ConstI64({1}, "one", ir::Dims{});
  std::string last = bc.Binary("Sub", args[1], one, tensorflow::DT_INT64, "last");
  std::string from_end = bc.Binary("Sub", last, args[0], tensorflow::DT_INT64, "from_end");
  for (size_t j = 0; j < static_cast<size_t>(m); ++j) {  // element i of each scan input
    const ir::Value* elem = body->inputs()[states + j];
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(elem->dtype));
    std::string axis = bc.ConstI32({axes[j]}, "axis" + std::to_string(j), ir::Dims{});
    const std::string g =
        EmitGatherV2(bc, "element" + std::to_string(j), args[2 + states + j],
                     at(in_dirs, j) ? from_end : args[0], axis, t, tensorflow::DT_INT64);
    bc.Set(elem, TfValue{g, {}, std::nullopt});
  }
  PT2TF_RETURN_IF_ERROR(body_fb.EmitBody());
  body_fb.AddResult("iter", bc.Binary("AddV2", args[0], one, tensorflow::DT_INT64, "next_iter"),
                    tensorflow::DT_INT64);
  body_fb.AddResult("length", args[1], tensorflow::DT_INT64);
  for (size_t i = 0; i < total; ++i) {
    std::string y = args[2 + i];
    if (i < states) {
      PT2TF_ASSIGN_OR_RETURN(y, bc.GetAs(body->outputs()[i], {}));
    }
    body_fb.AddResult(hints[2 + i], y, vars[2 + i].type);
  }
  for (size_t k = 0; k < scans; ++k) {
    PT2TF_ASSIGN_OR_RETURN(std::string list,
                           PushBack(bc, args[first_list + k], body->outputs()[states + k],
                                    "push" + std::to_string(k)));
    body_fb.AddResult(hints[first_list + k], list, tensorflow::DT_VARIANT);
  }
  for (size_t c = first_capture; c < vars.size(); ++c)
    body_fb.AddResult(hints[c], args[c], vars[c].type);
  PT2TF_RETURN_IF_ERROR(body_fb.Finish());

  const std::string loop = AddWhile(ctx, node, vars, cond_fb.name(), body_fb.name());
  for (size_t i = 0; i < states && i < node.outputs.size(); ++i)
    ctx.Set(node.outputs[i], TfValue{Output(loop, 2 + i), {}, std::nullopt});
  for (size_t k = 0; k < scans && states + k < node.outputs.size(); ++k) {
    const ir::Value* out = node.outputs[states + k];
    if (!out) continue;
    const ir::Value* elem = body->outputs()[states + k];
    PT2TF_ASSIGN_OR_RETURN(DataType t, TfType(elem->dtype));
    PT2TF_ASSIGN_OR_RETURN(std::string y, Stack(ctx, Output(loop, first_list + k), elem,
                                                node.name + "/stack" + std::to_string(k)));
    if (at(out_dirs, k)) {  // reverse: the last iteration's element comes first
      std::string axis0 = ctx.ConstI32({0}, node.name + "/reverse_axis" + std::to_string(k));
      tensorflow::NodeDef& rev =
          ctx.AddOp("ReverseV2", node.name + "/reverse" + std::to_string(k), {y, axis0});
      SetAttrType(rev, "T", t);
      SetAttrType(rev, "Tidx", tensorflow::DT_INT32);
      y = rev.name();
    }
    int64_t axis = at(out_axes, k);
    if (axis != 0) {
      std::optional<ir::Dims> es = ShapeOrNone(elem);
      if (!es) return NodeUnsupported(node, "scan_output_axes needs the output's rank");
      const int64_t rank = static_cast<int64_t>(es->size()) + 1;
      if (axis < -rank || axis >= rank)
        return NodeUnsupported(node, "scan_output_axes out of range");
      if (axis < 0) axis += rank;
      Perm perm;  // stacked dim 0 moves to `axis`
      for (int64_t d = 1; d <= axis; ++d) perm.push_back(d);
      perm.push_back(0);
      for (int64_t d = axis + 1; d < rank; ++d) perm.push_back(d);
      y = ctx.Transpose(y, perm, t, node.name + "/scan_axis" + std::to_string(k));
    }
    ctx.Set(out, TfValue{y, {}, std::nullopt});
  }
  return OkStatus();
}

}  // namespace pt2tf::tf
