// Reductions (ReduceMean/Sum/Max/Min/Prod/L1/L2/SumSquare/LogSum/LogSumExp) and
// ArgMax/ArgMin, in their input's layout with the axes remapped. With keepdims the output
// keeps the input layout; without, the surviving dims keep their TF order.
#include <string_view>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {

Status EmitReduce(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  const bool keep = node.GetInt("keepdims", 1) != 0;
  std::optional<std::vector<int64_t>> axes_in;
  std::string runtime_axes;  // set when the axes arrive at run time (and are not empty)
  if (IsRuntimeInput(node, 1)) {
    PT2TF_ASSIGN_OR_RETURN(ir::Dims as, ctx.StaticShape(node.input(1)));
    if (as.size() != 1) return InvalidInput(node.Describe() + ": axes must be 1-D");
    if (as[0] == 0) {
      axes_in = std::vector<int64_t>{};
    } else {
      PT2TF_ASSIGN_OR_RETURN(runtime_axes, RuntimeInput(node, ctx, 1, false));
    }
  } else {
    PT2TF_ASSIGN_OR_RETURN(axes_in, ConstIntsInput(node, 1));
  }
  std::vector<int64_t> axes = axes_in ? *axes_in : node.GetInts("axes");
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  if (!runtime_axes.empty()) {
    // Which dims go is only known at run time: work in IR layout.
    PT2TF_ASSIGN_OR_RETURN(tv.tensor, ctx.GetAs(node.input(0), {}));
    tv.perm.clear();
  }
  if (axes.empty() && runtime_axes.empty()) {
    if (node.GetInt("noop_with_empty_axes", 0) != 0) {
      ctx.Set(node.outputs[0], tv);
      return OkStatus();
    }
    for (int64_t a = 0; a < rank; ++a) axes.push_back(a);
  }
  PT2TF_ASSIGN_OR_RETURN(axes, NormalizeAxes(node, axes, rank));
  const std::vector<int64_t> tf_axes = TfAxes(tv.perm, axes);
  // Reduction over `tf_axes` (or the run-time axes tensor).
  const bool is_bool = t == tensorflow::DT_BOOL;
  if (is_bool && node.op_type != "ReduceMax" && node.op_type != "ReduceMin")
    return NodeUnsupported(node, "bool input");
  auto reduce = [&](const std::string& tf_op_in, const std::string& in, bool keep_dims,
                    const std::string& hint) {
    // bool max/min are TF's Any/All (which take no "T").
    const std::string tf_op = !is_bool ? tf_op_in : tf_op_in == "Max" ? "Any" : "All";
    std::vector<std::string> inputs = {in};
    if (runtime_axes.empty()) {
      inputs.push_back(ctx.ConstI32(tf_axes, hint + "/axes"));
    } else {
      inputs.push_back(runtime_axes);
    }
    tensorflow::NodeDef& def = ctx.AddOp(tf_op, hint, inputs);
    if (!is_bool) SetAttrType(def, "T", t);
    SetAttrType(def, "Tidx", runtime_axes.empty() ? tensorflow::DT_INT32 : tensorflow::DT_INT64);
    SetAttrBool(def, "keep_dims", keep_dims);
    return def.name();
  };
  const std::string_view op = node.op_type;
  std::string x = tv.tensor, y;
  const std::string& name = node.name;
  if (op == "ReduceMean") {
    y = reduce("Mean", x, keep, name);
  } else if (op == "ReduceSum") {
    y = reduce("Sum", x, keep, name);
  } else if (op == "ReduceMax") {
    y = reduce("Max", x, keep, name);
  } else if (op == "ReduceMin") {
    y = reduce("Min", x, keep, name);
  } else if (op == "ReduceProd") {
    y = reduce("Prod", x, keep, name);
  } else if (op == "ReduceL1") {
    y = reduce("Sum", ctx.Unary("Abs", x, t, name + "/abs"), keep, name);
  } else if (op == "ReduceSumSquare") {
    y = reduce("Sum", ctx.Unary("Square", x, t, name + "/sq"), keep, name);
  } else if (op == "ReduceL2") {
    y = reduce("Sum", ctx.Unary("Square", x, t, name + "/sq"), keep, name + "/sum");
    y = ctx.Unary("Sqrt", y, t, name);
  } else if (op == "ReduceLogSum") {
    y = ctx.Unary("Log", reduce("Sum", x, keep, name + "/sum"), t, name);
  } else if (op == "ReduceLogSumExp") {
    // log(sum(exp(x - max))) + max, stable for large inputs.
    std::string m = reduce("Max", x, true, name + "/max");
    std::string e = ctx.Unary("Exp", ctx.Binary("Sub", x, m, t, name + "/shift"), t, name + "/exp");
    std::string s = ctx.Unary("Log", reduce("Sum", e, true, name + "/sum"), t, name + "/log");
    y = ctx.Binary("AddV2", s, m, t, keep ? name : name + "/keep");
    if (!keep && !runtime_axes.empty())
      return NodeUnsupported(node, "keepdims=0 with axes computed at run time");
    if (!keep) {
      tensorflow::NodeDef& sq = ctx.AddOp("Squeeze", name, {y});
      SetAttrType(sq, "T", t);
      SetAttrInts(sq, "squeeze_dims", tf_axes);
      y = sq.name();
    }
  } else {
    return NodeUnsupported(node, "unknown reduction");
  }
  Perm out = tv.perm;
  if (!keep && runtime_axes.empty()) {
    std::vector<bool> removed(rank, false);
    for (int64_t a : axes) removed[a] = true;
    out = PermAfterRemoving(tv.perm, rank, removed);
  }
  ctx.Set(node.outputs[0], TfValue{y, out, std::nullopt});
  return OkStatus();
}

Status EmitArgMinMax(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  const int64_t rank = static_cast<int64_t>(xs.size());
  int64_t axis = node.GetInt("axis", 0);
  if (!NormalizeAxis(axis, rank)) return InvalidInput(node.Describe() + ": axis out of range");
  const bool keep = node.GetInt("keepdims", 1) != 0;
  PT2TF_ASSIGN_OR_RETURN(tensorflow::DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(TfValue tv, PlainValue(node.input(0), ctx));
  const int64_t tf_axis = TfAxis(tv.perm, axis);
  PT2TF_ASSIGN_OR_RETURN(
      std::string ax,
      ctx.ConstScalar(DType::kInt32, static_cast<double>(tf_axis), node.name + "/axis"));
  // select_last_index: search the reversed axis, then map the index back.
  const bool last = node.GetInt("select_last_index", 0) != 0;
  if (last && xs[axis] < 0) return NodeUnsupported(node, "select_last_index=1 on an unknown dim");
  if (last) {
    std::string rev_axis = ctx.ConstI32({tf_axis}, node.name + "/reverse_axis");
    tensorflow::NodeDef& rev =
        ctx.AddOp("ReverseV2", node.name + "/reverse", {tv.tensor, rev_axis});
    SetAttrType(rev, "T", t);
    SetAttrType(rev, "Tidx", tensorflow::DT_INT32);
    tv.tensor = rev.name();
  }
  tensorflow::NodeDef& def = ctx.AddOp(node.op_type == "ArgMax" ? "ArgMax" : "ArgMin",
                                       keep ? node.name + "/arg" : node.name, {tv.tensor, ax});
  SetAttrType(def, "T", t);
  SetAttrType(def, "Tidx", tensorflow::DT_INT32);
  SetAttrType(def, "output_type", tensorflow::DT_INT64);
  std::string y = def.name();
  if (last) {
    PT2TF_ASSIGN_OR_RETURN(
        std::string top,
        ctx.ConstScalar(DType::kInt64, static_cast<double>(xs[axis] - 1), node.name + "/last"));
    y = ctx.Binary("Sub", top, y, tensorflow::DT_INT64, keep ? node.name + "/index" : node.name);
  }
  Perm out = tv.perm;
  if (keep) {
    tensorflow::NodeDef& ex = ctx.AddOp("ExpandDims", node.name, {y, ax});
    SetAttrType(ex, "T", tensorflow::DT_INT64);
    SetAttrType(ex, "Tdim", tensorflow::DT_INT32);
    y = ex.name();
  } else {
    std::vector<bool> removed(rank, false);
    removed[axis] = true;
    out = PermAfterRemoving(tv.perm, rank, removed);
  }
  ctx.Set(node.outputs[0], TfValue{y, out, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
