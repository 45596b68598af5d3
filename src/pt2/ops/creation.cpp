// Tensor creation: aten.arange, full / zeros / ones (and their _like / new_ forms, new_full),
// scalar_tensor. Sizes may be symbolic (IntList), so
// ConstantOfShape is used rather than materialising a constant here; constant folding
// turns small static ones into initializers.
#include "pt2/ops/ops.h"

#include "ir/eval/host_tensor.h"

namespace pt2tf::pt2::ops {
namespace {

using ir::Attribute;

Result<ir::Value*> Filled(OpCall& c, ir::Value* shape, double value, DType dtype) {
  ir::eval::HostTensor h;
  h.dtype = dtype;
  h.shape = {1};
  if (!ir::eval::IsEvaluableDType(dtype)) return c.Error("dtype " + std::string(TorchName(dtype)));
  if (h.is_float())
    h.f = {value};
  else
    h.i = {static_cast<int64_t>(value)};
  PT2TF_ASSIGN_OR_RETURN(Tensor t, h.ToTensor());
  ir::Value* y = c.ctx().Op("ConstantOfShape", {shape}, {{"value", Attribute::TensorValue(t)}});
  y->dtype = dtype;
  return y;
}

Status FillSized(OpCall& c, const char* size_name, double value) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * shape, c.IntList(size_name));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * y, Filled(c, shape, value, c.OutputDType()));
  return c.SetOutput(y);
}

Status FillLike(OpCall& c, double value) {
  PT2TF_ASSIGN_OR_RETURN(ir::Value * x, c.Tensor("self"));
  ir::Value* shape = c.ctx().Op("Shape", {x});
  shape->dtype = DType::kInt64;
  PT2TF_ASSIGN_OR_RETURN(ir::Value * y, Filled(c, shape, value, c.OutputDType()));
  return c.SetOutput(y);
}

}  // namespace

Status Full(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double value, c.Float("fill_value"));
  return FillSized(c, "size", value);
}
Status Zeros(OpCall& c) { return FillSized(c, "size", 0.0); }
Status Ones(OpCall& c) { return FillSized(c, "size", 1.0); }
Status NewZeros(OpCall& c) { return FillSized(c, "size", 0.0); }
Status NewOnes(OpCall& c) { return FillSized(c, "size", 1.0); }
Status ZerosLike(OpCall& c) { return FillLike(c, 0.0); }
Status OnesLike(OpCall& c) { return FillLike(c, 1.0); }
Status FullLike(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double value, c.Float("fill_value"));
  return FillLike(c, value);
}

// new_full(self, size, fill_value): the fill value may be a SymFloat (YOLO's anchors fill with
// a stride read by aten.item), so it is a run-time scalar expanded to the size.
Status NewFull(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  if (c.IsScalar("fill_value")) {
    PT2TF_ASSIGN_OR_RETURN(double value, c.Float("fill_value"));
    return FillSized(c, "size", value);
  }
  PT2TF_ASSIGN_OR_RETURN(ir::Value * shape, c.IntList("size"));
  PT2TF_ASSIGN_OR_RETURN(ir::Value * value, c.ScalarOrTensor("fill_value", out));
  return c.SetOutput(ctx.Op("Expand", {value, shape}));
}

// rand / randn / rand_like / randn_like: a converted graph cannot reproduce torch's random
// stream. Eval-mode models draw them for branches they then skip (Wav2Vec2's LayerDrop:
// `p = torch.rand([]); if self.training and p < layerdrop`), so the draw imports as nothing
// and only a node that reads it is refused, naming the draw.
Status RandomDraw(OpCall& c) {
  c.ctx().MarkUnavailable(c.OutputName(0), "a random draw (" + c.Describe() +
                                               ") that a converted graph cannot reproduce");
  return OkStatus();
}

Status ScalarTensor(OpCall& c) {
  PT2TF_ASSIGN_OR_RETURN(double value, c.Float("s"));
  return c.SetOutput(c.ctx().ConstScalar(value, c.OutputDType()));
}

Status Arange(OpCall& c) {
  ImportContext& ctx = c.ctx();
  const DType out = c.OutputDType();
  ir::Value* start = nullptr;
  ir::Value* end = nullptr;
  ir::Value* step = nullptr;
  PT2TF_ASSIGN_OR_RETURN(end, c.ScalarOrTensor("end", out));
  if (c.Has("start")) {
    PT2TF_ASSIGN_OR_RETURN(start, c.ScalarOrTensor("start", out));
  } else {
    start = ctx.ConstScalar(0, out);
  }
  if (c.Has("step")) {
    PT2TF_ASSIGN_OR_RETURN(step, c.ScalarOrTensor("step", out));
  } else {
    step = ctx.ConstScalar(1, out);
  }
  return c.SetOutput(ctx.Op("Range", {start, end, step}));
}

}  // namespace pt2tf::pt2::ops
