// Shape rules for the recurrent ops LSTM, GRU and RNN (opset 14 semantics: `layout` 0 is
// X [seq, batch, input], Y [seq, dirs, batch, hidden], Y_h/Y_c [dirs, batch, hidden];
// `layout` 1 puts batch first: X [batch, seq, input], Y [batch, seq, dirs, hidden],
// Y_h/Y_c [batch, dirs, hidden]).
#include "ir/shapes/shape_fns.h"

namespace pt2tf::ir::shapes {

Status InferRecurrent(InferContext& ctx) {
  PT2TF_RETURN_IF_ERROR(ctx.CheckInputCount(3, ctx.node().op_type == "LSTM" ? 8 : 6));
  PT2TF_RETURN_IF_ERROR(ctx.RequireInput(0, "X"));
  const std::string direction = ctx.node().GetString("direction", "forward");
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return ctx.Error("direction '" + direction + "' is not forward, reverse or bidirectional");
  const int64_t dirs = direction == "bidirectional" ? 2 : 1;
  const int64_t layout = ctx.node().GetInt("layout", 0);
  if (layout != 0 && layout != 1) return ctx.Error("layout must be 0 or 1");
  int64_t hidden = ctx.node().GetInt("hidden_size", kUnknownDim);
  if (auto r = ctx.shape(2); hidden < 0 && r && r->size() == 3) hidden = (*r)[2];
  if (hidden == 0 || hidden < kUnknownDim) return ctx.Error("hidden_size must be positive");
  const DType t = ctx.dtype(0);
  auto x = ctx.shape(0);
  if (x && x->size() != 3) return ctx.Error("X must be 3-D, got " + DimsToString(*x));
  const int64_t seq = x ? (*x)[layout == 0 ? 0 : 1] : kUnknownDim;
  const int64_t batch = x ? (*x)[layout == 0 ? 1 : 0] : kUnknownDim;
  if (layout == 0) {
    ctx.SetOutput(0, t, Dims{seq, dirs, batch, hidden});
    for (size_t i = 1; i < 3; ++i) ctx.SetOutput(i, t, Dims{dirs, batch, hidden});
  } else {
    ctx.SetOutput(0, t, Dims{batch, seq, dirs, hidden});
    for (size_t i = 1; i < 3; ++i) ctx.SetOutput(i, t, Dims{batch, dirs, hidden});
  }
  return OkStatus();
}

}  // namespace pt2tf::ir::shapes
