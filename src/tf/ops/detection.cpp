// Detection post-processing: NonZero and NonMaxSuppression, whose output sizes depend on the
// data (a run-time dim in TF and in .tflite).
//
// NonZero(x) is TF's Where (the coordinates of the non-zero elements, [n, rank] int64)
// transposed to ONNX's [rank, n].
//
// NonMaxSuppression(boxes [B, N, 4], scores [B, C, N], max_per_class, iou, score_threshold)
// runs TF's NonMaxSuppressionV5 once per (batch, class) pair, B and C being static: each
// selects up to max_per_class boxes in descending score order, dropping a box whose IoU with
// a kept one is above `iou` and boxes scoring at most `score_threshold`, as ONNX defines. The
// selected box indices become (b, c, index) rows, concatenated in batch-then-class order:
// ONNX's [num_selected, 3]. max_per_class is clamped to N (TFLite's kernel sizes its output
// by it). center_point_box 1 ([x_c, y_c, w, h]) is turned into corners first.
#include <limits>

#include "tf/ops/common.h"
#include "tf/ops/ops.h"

namespace pt2tf::tf {
namespace {

using tensorflow::DataType;

constexpr int64_t kMaxNmsCalls = 4096;  // batch × classes: one TF op each

// Input `i` as a float32 scalar, or `fallback` when omitted.
Result<std::string> FloatScalarInput(const ir::Node& node, EmitContext& ctx, size_t i,
                                     double fallback, const std::string& hint) {
  if (!node.input(i)) return ctx.ConstScalar(DType::kFloat32, fallback, node.name + "/" + hint);
  PT2TF_ASSIGN_OR_RETURN(DataType t, InputType(node, i));
  PT2TF_ASSIGN_OR_RETURN(std::string v, ctx.GetAs(node.input(i), {}));
  v = EmitCast(ctx, v, t, tensorflow::DT_FLOAT, node.name + "/" + hint + "_f32");
  return ctx.Reshape(v, {}, tensorflow::DT_FLOAT, node.name + "/" + hint);
}

// [x_c, y_c, w, h] rows → [y1, x1, y2, x2].
std::string CornersFromCenters(EmitContext& ctx, const std::string& boxes,
                               const std::string& hint) {
  const DataType f = tensorflow::DT_FLOAT;
  tensorflow::NodeDef& split =
      ctx.AddOp("Split", hint + "/parts", {ctx.ConstI32({1}, hint + "/axis", ir::Dims{}), boxes});
  SetAttrType(split, "T", f);
  SetAttrInt(split, "num_split", 4);
  const std::string xc = split.name(), yc = split.name() + ":1";
  const std::string w = split.name() + ":2", h = split.name() + ":3";
  const std::string half = ctx.ConstScalar(DType::kFloat32, 0.5, hint + "/half").value();
  const std::string hw = ctx.Binary("Mul", w, half, f, hint + "/half_w");
  const std::string hh = ctx.Binary("Mul", h, half, f, hint + "/half_h");
  tensorflow::NodeDef& cat = ctx.AddOp(
      "ConcatV2", hint,
      {ctx.Binary("Sub", yc, hh, f, hint + "/y1"), ctx.Binary("Sub", xc, hw, f, hint + "/x1"),
       ctx.Binary("AddV2", yc, hh, f, hint + "/y2"), ctx.Binary("AddV2", xc, hw, f, hint + "/x2"),
       ctx.ConstI32({1}, hint + "/cat_axis", ir::Dims{})});
  SetAttrType(cat, "T", f);
  SetAttrInt(cat, "N", 4);
  SetAttrType(cat, "Tidx", tensorflow::DT_INT32);
  return cat.name();
}

}  // namespace

Status EmitNonZero(const ir::Node& node, EmitContext& ctx) {
  PT2TF_ASSIGN_OR_RETURN(DataType t, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims xs, ctx.Shape(node.input(0)));
  if (xs.empty()) return NodeUnsupported(node, "NonZero of a scalar is not supported");
  PT2TF_ASSIGN_OR_RETURN(std::string x, ctx.GetAs(node.input(0), {}));
  if (t != tensorflow::DT_BOOL) {
    PT2TF_ASSIGN_OR_RETURN(std::string zero,
                           ctx.ConstScalar(node.input(0)->dtype, 0, node.name + "/zero"));
    x = ctx.Binary("NotEqual", x, zero, t, node.name + "/nonzero");
  }
  tensorflow::NodeDef& where = ctx.AddOp("Where", node.name + "/coords", {x});
  SetAttrType(where, "T", tensorflow::DT_BOOL);
  const std::string y = ctx.Transpose(where.name(), {1, 0}, tensorflow::DT_INT64, node.name);
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

Status EmitNonMaxSuppression(const ir::Node& node, EmitContext& ctx) {
  if (!node.input(0) || !node.input(1))
    return InvalidInput(node.Describe() + ": needs boxes and scores");
  PT2TF_ASSIGN_OR_RETURN(ir::Dims bs, ctx.Shape(node.input(0)));
  PT2TF_ASSIGN_OR_RETURN(ir::Dims ss, ctx.Shape(node.input(1)));
  if (bs.size() != 3 || ss.size() != 3 || (bs[2] >= 0 && bs[2] != 4))
    return InvalidInput(node.Describe() + ": boxes must be [B, N, 4] and scores [B, C, N]");
  const int64_t batches = bs[0] >= 0 ? bs[0] : ss[0], classes = ss[1];
  if (batches < 0 || classes < 0)
    return NodeUnsupported(node,
                           "needs a static batch and class count (pin them with "
                           "--input-shape)");
  if (batches * classes > kMaxNmsCalls)
    return NodeUnsupported(node, std::to_string(batches) + " batches × " + std::to_string(classes) +
                                     " classes exceed " + std::to_string(kMaxNmsCalls) +
                                     " suppressions");
  const DataType f = tensorflow::DT_FLOAT, i32 = tensorflow::DT_INT32, i64 = tensorflow::DT_INT64;
  PT2TF_ASSIGN_OR_RETURN(DataType bt, InputType(node, 0));
  PT2TF_ASSIGN_OR_RETURN(DataType st, InputType(node, 1));
  PT2TF_ASSIGN_OR_RETURN(std::string boxes, ctx.GetAs(node.input(0), {}));
  PT2TF_ASSIGN_OR_RETURN(std::string scores, ctx.GetAs(node.input(1), {}));
  boxes = EmitCast(ctx, boxes, bt, f, node.name + "/boxes_f32");
  scores = EmitCast(ctx, scores, st, f, node.name + "/scores_f32");

  // max_output_boxes_per_class: absent or <= 0 selects nothing; clamped to N.
  const int64_t n = bs[1] >= 0 ? bs[1] : ss[2];
  std::string max_out;
  const ir::Value* mv = node.input(2);
  const Tensor* mc = mv ? EmitContext::ConstantOf(mv) : nullptr;
  if (!mv || (mc && (mc->numel() != 1 || mc->ElementAsInt(0) <= 0)) || batches * classes == 0) {
    const std::string empty = ctx.ConstI64({}, node.name, ir::Dims{0, 3});
    ctx.Set(node.outputs[0], TfValue{empty, {}, std::nullopt});
    return OkStatus();
  }
  if (mc && n >= 0) {
    max_out = ctx.ConstI32({std::min(mc->ElementAsInt(0), n)}, node.name + "/max_out", ir::Dims{});
  } else {
    PT2TF_ASSIGN_OR_RETURN(DataType mt, InputType(node, 2));
    PT2TF_ASSIGN_OR_RETURN(std::string m, ctx.GetAs(mv, {}));
    m = ctx.Reshape(EmitCast(ctx, m, mt, i64, node.name + "/max_i64"), {}, i64, node.name + "/max");
    const std::string count = RunTimeDim(
        ctx, RunTimeShape(ctx, scores, f, node.name + "/scores_shape"), 2, node.name + "/n");
    m = ctx.Binary("Maximum", ctx.Binary("Minimum", m, count, i64, node.name + "/max_le_n"),
                   ctx.ConstI64({0}, node.name + "/zero", ir::Dims{}), i64,
                   node.name + "/max_ge_0");
    max_out = EmitCast(ctx, m, i64, i32, node.name + "/max_out");
  }
  PT2TF_ASSIGN_OR_RETURN(std::string iou, FloatScalarInput(node, ctx, 3, 0.0, "iou"));
  PT2TF_ASSIGN_OR_RETURN(
      std::string threshold,
      FloatScalarInput(node, ctx, 4, -std::numeric_limits<float>::infinity(), "score_threshold"));
  PT2TF_ASSIGN_OR_RETURN(std::string sigma,
                         ctx.ConstScalar(DType::kFloat32, 0, node.name + "/soft_nms_sigma"));
  const bool centers = node.GetInt("center_point_box", 0) != 0;
  const std::string axis = ctx.ConstI32({0}, node.name + "/axis0", ir::Dims{});

  std::vector<std::string> rows;
  for (int64_t b = 0; b < batches; ++b) {
    const std::string bn = node.name + "/b" + std::to_string(b);
    std::string bb = EmitGatherV2(ctx, bn + "/boxes", boxes,
                                  ctx.ConstI32({b}, bn + "/index", ir::Dims{}), axis, f);
    if (centers) bb = CornersFromCenters(ctx, bb, bn + "/corners");
    const std::string sb = EmitGatherV2(ctx, bn + "/scores", scores,
                                        ctx.ConstI32({b}, bn + "/index_s", ir::Dims{}), axis, f);
    for (int64_t c = 0; c < classes; ++c) {
      const std::string cn = bn + "/c" + std::to_string(c);
      const std::string sc = EmitGatherV2(ctx, cn + "/scores", sb,
                                          ctx.ConstI32({c}, cn + "/index", ir::Dims{}), axis, f);
      tensorflow::NodeDef& nms =
          ctx.AddOp("NonMaxSuppressionV5", cn + "/nms", {bb, sc, max_out, iou, threshold, sigma});
      SetAttrType(nms, "T", f);
      SetAttrBool(nms, "pad_to_max_output_size", false);
      // [M] box indices → [M, 1] int64, beside columns of b and c of the same length.
      const std::string col = ctx.Reshape(EmitCast(ctx, nms.name(), i32, i64, cn + "/index64"),
                                          {-1, 1}, i64, cn + "/column");
      const std::string zeros = ctx.Unary("ZerosLike", col, i64, cn + "/zeros");
      const std::string bcol =
          ctx.Binary("AddV2", zeros, ctx.ConstI64({b}, cn + "/b", ir::Dims{}), i64, cn + "/bcol");
      const std::string ccol =
          ctx.Binary("AddV2", zeros, ctx.ConstI64({c}, cn + "/c", ir::Dims{}), i64, cn + "/ccol");
      tensorflow::NodeDef& row = ctx.AddOp(
          "ConcatV2", cn + "/rows", {bcol, ccol, col, ctx.ConstI32({1}, cn + "/axis", ir::Dims{})});
      SetAttrType(row, "T", i64);
      SetAttrInt(row, "N", 3);
      SetAttrType(row, "Tidx", i32);
      rows.push_back(row.name());
    }
  }
  std::string y = rows.front();
  if (rows.size() > 1) {
    rows.push_back(axis);
    tensorflow::NodeDef& all = ctx.AddOp("ConcatV2", node.name, rows);
    SetAttrType(all, "T", i64);
    SetAttrInt(all, "N", static_cast<int64_t>(rows.size() - 1));
    SetAttrType(all, "Tidx", i32);
    y = all.name();
  }
  ctx.Set(node.outputs[0], TfValue{y, {}, std::nullopt});
  return OkStatus();
}

}  // namespace pt2tf::tf
